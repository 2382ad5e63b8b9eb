"""Several ``mageck test`` comparisons in one run (``-t A -c B -t C -c D``, ``--day0-label``).

MAGeCK's ``magecktest_main`` (and mageck2's) accepts ``-t``/``-c`` repeated, one comparison per
pair, or ``--day0-label``, which compares every other sample with the day-0 group. Each
comparison is an independent :func:`ifnexus.screen.mageck_test`; with several (or with a day-0
label) the files are named ``PREFIX.<t>_vs_<c>.*``, the first comparison's are copied to
``PREFIX.*`` and the gene columns of the others are joined onto ``PREFIX.gene_summary.txt``
with ``<t>_vs_<c>|`` prefixes (``fileOps.merge_rank_summary_files``). The CLI's
``ifnexus screen test`` is this function plus argument parsing and figures.
"""

from __future__ import annotations

import inspect
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ifnexus._io import atomic_path
from ifnexus._textfile import safe_file_stem
from ifnexus.errors import ValidationError
from ifnexus.screen._io import as_count_table, merge_rank_summaries
from ifnexus.screen._mageck import MageckResult, mageck_test

__all__ = ["Comparison", "MageckComparisons", "mageck_test_comparisons", "parse_comparisons"]


@dataclass(frozen=True)
class Comparison:
    """One ``-t``/``-c`` pair.

    Attributes
    ----------
    treatment
        Treatment samples, MAGeCK's ``-t`` syntax: comma-separated labels or 0-based indices.
    control
        Control samples in the same syntax, or None for "all other samples".
    """

    treatment: str
    control: str | None = None

    @property
    def label(self) -> str:
        """``<treatment>_vs_<control>`` (``rest`` without a control), MAGeCK's file infix."""
        return f"{self.treatment}_vs_{self.control if self.control is not None else 'rest'}"


def _group(spec: str | int | Sequence[str | int], what: str) -> str:
    if isinstance(spec, str):
        out = spec
    elif isinstance(spec, int):
        out = str(spec)
    else:
        out = ",".join(str(s) for s in spec)
    if not out.strip(","):
        raise ValidationError(f"{what}: an empty sample group was given")
    return out


def parse_comparisons(
    samples: Sequence[str],
    treatment: str | Sequence[str] | None = None,
    control: str | Sequence[str] | None = None,
    *,
    day0_label: str | Sequence[str] | None = None,
) -> list[Comparison]:
    """Return the comparisons that ``mageck test``'s ``-t``/``-c``/``--day0-label`` ask for.

    Parameters
    ----------
    samples
        Sample labels of the count table, in order.
    treatment
        One ``-t`` group (a string) or one string per group; each string holds comma-separated
        labels or 0-based indices.
    control
        None (each treatment group against all other samples) or one group per treatment
        group.
    day0_label
        Day-0 sample label(s), a comma-separated string or a list: every other sample is
        compared with them, in table order (not together with ``treatment``/``control``).

    Returns
    -------
    list of Comparison

    Raises
    ------
    ValidationError
        ``day0_label`` together with treatment/control, an unknown day-0 label, no sample left
        beside the day-0 group, no treatment, or a number of control groups other than that
        of treatment groups.
    """
    tgroups = [treatment] if isinstance(treatment, str | int) else list(treatment or [])
    cgroups = [control] if isinstance(control, str | int) else list(control or [])
    if day0_label is not None:
        if tgroups or cgroups:
            raise ValidationError("--day0-label replaces -t/-c; give one or the other (as MAGeCK)")
        text = _group(day0_label, "--day0-label")
        day0 = [s for s in text.split(",") if s]
        for d in day0:
            if d not in samples:
                raise ValidationError(
                    f"--day0-label {d!r} is not a sample of the count table ({', '.join(samples)})"
                )
        rest = [s for s in samples if s not in day0]
        if not rest:
            raise ValidationError("--day0-label leaves no other sample to compare")
        return [Comparison(s, text) for s in rest]
    if not tgroups:
        raise ValidationError("give the treatment samples with -t (or use --day0-label)")
    if cgroups and len(cgroups) != len(tgroups):
        raise ValidationError(
            f"{len(tgroups)} -t group(s) but {len(cgroups)} -c group(s); give one -c per -t "
            "(or none, to compare each -t with the rest)"
        )
    return [
        Comparison(_group(t, "-t"), _group(cgroups[i], "-c") if cgroups else None)
        for i, t in enumerate(tgroups)
    ]


@dataclass(frozen=True)
class MageckComparisons:
    """Result of :func:`mageck_test_comparisons`: one :class:`MageckResult` per comparison.

    Attributes
    ----------
    comparisons
        The comparisons, in run order.
    results
        ``{comparison label: MageckResult}`` in the same order.
    separate_files
        True when MAGeCK names the files per comparison (several comparisons, or a day-0
        label); False for a single ``-t``/``-c`` comparison written to ``PREFIX.*``.
    """

    comparisons: tuple[Comparison, ...]
    results: dict[str, MageckResult]
    separate_files: bool

    def __getitem__(self, label: str) -> MageckResult:
        """Return the result of the comparison ``label`` (``<t>_vs_<c>``)."""
        try:
            return self.results[label]
        except KeyError:
            raise ValidationError(
                f"no comparison {label!r}; the comparisons are {', '.join(self.results)}"
            ) from None

    @staticmethod
    def file_label(label: str) -> str:
        """Return the comparison label as written in file names (one safe path component).

        The label itself when it is safe (``HL60.final_vs_HL60.initial``); otherwise path
        separators, control characters and leading dots become ``_``
        (:func:`ifnexus._textfile.safe_file_stem`). The column prefixes inside the gene
        summary keep the label unchanged.

        Parameters
        ----------
        label
            A comparison label (``<t>_vs_<c>``).

        Returns
        -------
        str
            The label to put in file names.
        """
        return safe_file_stem(label, what="comparison label")

    def __iter__(self) -> Iterator[str]:
        """Comparison labels, in run order."""
        return iter(self.results)

    def __len__(self) -> int:
        """Return the number of comparisons."""
        return len(self.results)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Every comparison's :attr:`MageckResult.summary`, stacked.

        Columns: ``comparison`` (``<t>_vs_<c>``), then those of :attr:`MageckResult.summary`
        (``gene, test, n_sgrnas, effect, score, p, fdr, rank, good_sgrnas, hit``).
        """
        parts = []
        for label, res in self.results.items():
            s = res.summary.copy()
            s.insert(0, "comparison", label)
            parts.append(s)
        return pd.concat(parts, ignore_index=True)

    def write(
        self, prefix: str | os.PathLike[str], *, normcounts_to_file: bool = False
    ) -> list[Path]:
        """Write the files ``mageck test`` writes for these comparisons.

        Parameters
        ----------
        prefix
            Output prefix (``-n``).
        normcounts_to_file
            Also write ``PREFIX.normalized.txt``: the last comparison's, as MAGeCK overwrites
            it with each comparison.

        The prefix is a path the user chose (as MAGeCK's ``-n``); the comparison labels come
        from the sample names in the data, so they are made safe first
        (:meth:`file_label`): a sample named ``../../ESC1`` cannot write outside the prefix's
        folder.

        Returns
        -------
        list of Path
            The files written: per comparison its gene and sgRNA summaries, then (with
            separate files) ``PREFIX.gene_summary.txt`` and ``PREFIX.sgrna_summary.txt``
            (the first comparison's, the others' gene columns joined on), and the normalised
            table.
        """
        prefix = str(prefix)
        labels = list(self.results)
        stems = [self.file_label(label) for label in labels]
        if self.separate_files and len(set(stems)) != len(stems):
            dup = next(x for x in stems if stems.count(x) > 1)
            clash = [lab for lab, st in zip(labels, stems, strict=True) if st == dup]
            raise ValidationError(
                f"comparisons {clash} would write the same files ({prefix}.{dup}.*) once "
                "made safe as file names; rename the samples"
            )
        paths: list[Path] = []
        for i, label in enumerate(labels):
            res = self.results[label]
            own = f"{prefix}.{stems[i]}" if self.separate_files else prefix
            paths += res.write(own)
            if not self.separate_files:
                continue
            base = Path(f"{prefix}.gene_summary.txt")
            if i == 0:
                for kind in ("gene_summary", "sgrna_summary"):
                    dst = Path(f"{prefix}.{kind}.txt")
                    with atomic_path(dst) as tmp:  # atomic, and recorded by a run's manifest
                        shutil.copyfile(f"{own}.{kind}.txt", tmp)
                    paths.append(dst)
            else:
                merge_rank_summaries(
                    base, f"{own}.gene_summary.txt", base,
                    first_prefix=f"{labels[0]}|" if i == 1 else "", second_prefix=f"{label}|",
                )  # fmt: skip
        if normcounts_to_file:
            from ifnexus.screen._mageck_files import write_normalized

            last = self.results[labels[-1]]
            paths.append(write_normalized(last.normalized, Path(prefix + ".normalized.txt")))
        return paths


_OPTIONS = {
    name
    for name, p in inspect.signature(mageck_test).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY
}


def mageck_test_comparisons(
    counts: pd.DataFrame,
    treatment: str | Sequence[str] | None = None,
    control: str | Sequence[str] | None = None,
    *,
    day0_label: str | Sequence[str] | None = None,
    **options: Any,
) -> MageckComparisons:
    """``mageck test`` with one or several comparisons, as MAGeCK runs them in one call.

    Parameters
    ----------
    counts
        Count table (index sgRNA, ``Gene``, one column per sample).
    treatment, control, day0_label
        The comparisons, as :func:`parse_comparisons` reads them: ``treatment=["A", "C"],
        control=["B", "D"]`` is ``-t A -c B -t C -c D``; ``day0_label="T0"`` compares every
        other sample with T0.
    **options
        Keyword options of :func:`ifnexus.screen.mageck_test` (``norm_method``,
        ``control_sgrna``, ``control_gene``, ``paired``, ``remove_zero``, ..., ``rng``), the
        same for every comparison.

    Returns
    -------
    MageckComparisons
        One :class:`MageckResult` per comparison; ``.write(prefix)`` writes MAGeCK's files and
        ``.summary`` stacks the tidy gene tables with a ``comparison`` column.

    Raises
    ------
    ValidationError
        Bad comparisons (see :func:`parse_comparisons`), an unknown option, or any error of
        :func:`ifnexus.screen.mageck_test`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from ifnexus.screen import mageck_test_comparisons
    >>> rng = np.random.default_rng(0)
    >>> counts = pd.DataFrame(
    ...     {"Gene": np.repeat([f"g{i}" for i in range(50)], 4)}
    ...     | {s: rng.poisson(300, 200) for s in ("T0", "A", "B")},
    ...     index=[f"s{i}" for i in range(200)])
    >>> res = mageck_test_comparisons(counts, day0_label="T0", rng=0)
    >>> list(res)
    ['A_vs_T0', 'B_vs_T0']
    >>> sorted(res.summary["comparison"].unique())
    ['A_vs_T0', 'B_vs_T0']
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ValidationError(
            f"unknown mageck_test option(s) {unknown}; known: {', '.join(sorted(_OPTIONS))}"
        )
    if not isinstance(counts, pd.DataFrame) or "Gene" not in counts.columns:
        as_count_table(counts)  # raises the error that names what is wrong
    # each mageck_test validates the table; here only the sample names are needed
    samples = [str(c) for c in counts.columns if c not in ("Gene", "sgRNA")]
    comps = parse_comparisons(samples, treatment, control, day0_label=day0_label)
    labels = [c.label for c in comps]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise ValidationError(f"comparison {dup} is given twice; give each -t/-c pair once")
    results = {c.label: mageck_test(counts, c.treatment, c.control, **options) for c in comps}
    return MageckComparisons(
        comparisons=tuple(comps),
        results=results,
        separate_files=len(comps) > 1 or day0_label is not None,
    )
