"""Stage 1 of ``mageck test``: the compared samples, their size factors and the test layout.

The count table is guides x samples in memory, as in MAGeCK's files (``sgRNA``, ``Gene``, one
column per sample): the layout MAGeCK users read and write, kept so a table goes in and out
unchanged. :func:`mageck_normalise` resolves ``-t``/``-c`` (labels or 0-based indices), the
controls and ``--variance-estimation-samples``, computes MAGeCK's size factors over the
compared samples and lays the normalised counts out for the sgRNA test (with ``--paired``, one
row per sgRNA and replicate pair).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ifnexus.errors import ValidationError
from ifnexus.screen._io import as_count_table, parse_samples
from ifnexus.screen._normalize import NormMethod, size_factors

logger = logging.getLogger(__name__)

__all__ = ["MageckDesign", "mageck_normalise"]


@dataclass(frozen=True)
class MageckDesign:
    """Output of :func:`mageck_normalise`: normalised counts laid out for the sgRNA test.

    Attributes
    ----------
    ids
        Id of each test row: the sgRNA id, or ``<sgRNA>_r<i>`` per replicate pair when paired.
    genes
        Gene of each test row.
    matrix
        Normalised counts, one row per test row; the columns are given by the three
        ``*_columns`` lists.
    control_columns, treatment_columns, variance_columns
        Columns of ``matrix`` holding the control, treatment and variance-estimation samples.
    normalized
        Normalised counts of the compared samples as a table (index sgRNA, ``Gene``, control
        then treatment samples): MAGeCK's ``PREFIX.normalized.txt``.
    size_factors
        Size factor per compared sample (control, treatment, then other variance samples).
    treatment, control
        Labels of the treatment and control samples.
    control_sgrnas
        Ids of the negative-control sgRNAs among the test rows (RRA's null), or None.
    paired
        Whether replicate pairs were stacked.
    """

    ids: np.ndarray
    genes: np.ndarray
    matrix: np.ndarray
    control_columns: list[int]
    treatment_columns: list[int]
    variance_columns: list[int]
    normalized: pd.DataFrame
    size_factors: pd.Series
    treatment: list[str]
    control: list[str]
    control_sgrnas: list[str] | None
    paired: bool

    @property
    def model_matrix(self) -> np.ndarray:
        """Columns the mean-variance model is fitted on (MAGeCK's choice).

        The variance-estimation samples when there are two or more, else the controls when
        replicated, else all compared samples.
        """
        if len(self.variance_columns) > 1:
            return self.matrix[:, self.variance_columns]
        if len(self.control_columns) > 1:
            return self.matrix[:, self.control_columns]
        return self.matrix[:, sorted(self.control_columns + self.treatment_columns)]


def _resolve_controls(
    index: pd.Index,
    genes: np.ndarray,
    control_sgrna: Sequence[str] | None,
    control_gene: Sequence[str] | None,
) -> list[str] | None:
    if control_gene is not None:
        cg = {str(g) for g in control_gene}
        ids = [str(s) for s, g in zip(index, genes, strict=True) if g in cg]
        if len(ids) < 2:
            raise ValidationError(
                f"control genes {sorted(cg)[:5]} match {len(ids)} sgRNA(s) in the count table; "
                "at least 2 control sgRNAs are needed"
            )
        return ids
    if control_sgrna is None:
        return None
    cs = list(dict.fromkeys(str(s) for s in control_sgrna))
    pos = pd.Index(index).get_indexer(cs)
    hit = pos[pos >= 0]
    if hit.size < 2:
        raise ValidationError(
            f"only {hit.size} of {len(cs)} control sgRNAs are in the count table; at least 2 "
            "are needed (check the ids against the first column of the count table)"
        )
    g_ctrl = pd.Series(genes[hit]).value_counts()
    g_all = pd.Series(genes).value_counts()
    for g, n in g_ctrl.items():
        if n < g_all[g]:
            raise ValidationError(
                f"gene {g!r} has both negative-control sgRNAs ({n}) and other sgRNAs "
                f"({g_all[g] - n}); a gene must be all controls or none"
            )
    return [cs[i] for i in range(len(cs)) if pos[i] >= 0]


def mageck_normalise(
    counts: pd.DataFrame,
    treatment: str | Sequence[str | int],
    control: str | Sequence[str | int] | None = None,
    *,
    norm_method: NormMethod = "median",
    control_sgrna: Sequence[str] | None = None,
    control_gene: Sequence[str] | None = None,
    paired: bool = False,
    variance_estimation_samples: str | Sequence[str | int] | None = None,
) -> MageckDesign:
    """Stage 1 of :func:`ifnexus.screen.mageck_test`: samples, size factors, test layout.

    Parameters
    ----------
    counts
        Count table (index sgRNA, ``Gene``, one column per sample).
    treatment, control
        Sample labels or 0-based indices (``-t``/``-c``); ``control`` defaults to all other
        samples.
    norm_method
        ``median`` (default), ``total``, ``control`` or ``none`` (``--norm-method``).
    control_sgrna, control_gene
        Negative-control sgRNA ids or genes (``--control-sgrna`` / ``--control-gene``).
    paired
        ``--paired``: each treatment replicate is compared with the control at its position.
    variance_estimation_samples
        ``--variance-estimation-samples``.

    Returns
    -------
    MageckDesign

    Raises
    ------
    ValidationError
        Overlapping or unknown samples, an all-zero sample, too few controls, unequal numbers
        of replicates when paired.
    """
    df = as_count_table(counts)
    samples = [c for c in df.columns if c != "Gene"]
    tidx = parse_samples(treatment, samples)
    cidx = (
        parse_samples(control, samples)
        if control is not None
        else [i for i in range(len(samples)) if i not in tidx]
    )
    if not cidx:
        raise ValidationError("no control samples: give control, or leave samples out of -t")
    if set(tidx) & set(cidx):
        both = [samples[i] for i in sorted(set(tidx) & set(cidx))]
        raise ValidationError(f"sample(s) {both} are both treatment and control")
    vidx = (
        parse_samples(variance_estimation_samples, samples)
        if variance_estimation_samples is not None
        else []
    )
    if variance_estimation_samples is not None and len(vidx) < 2:
        raise ValidationError("variance_estimation_samples needs at least 2 samples")
    if paired and len(tidx) != len(cidx):
        raise ValidationError(
            f"paired mode needs as many control as treatment samples ({len(cidx)} vs {len(tidx)})"
        )
    sel = cidx + tidx + [i for i in vidx if i not in cidx + tidx]
    sel_labels = [samples[i] for i in sel]
    raw = df[sel_labels].to_numpy(dtype=np.float64)
    for j in np.flatnonzero(raw.sum(axis=0) <= 0):
        raise ValidationError(
            f"sample {sel_labels[j]!r} has zero reads in every sgRNA; an all-zero sample "
            "cannot be tested (check the column or drop the sample)"
        )
    gene_arr = df["Gene"].to_numpy(dtype=object)
    controls = _resolve_controls(df.index, gene_arr, control_sgrna, control_gene)
    ctrl_rows = df.index.get_indexer(controls) if controls is not None else None
    factors, _ = size_factors(raw, method=norm_method, control_rows=ctrl_rows, labels=sel_labels)
    logger.info("size factors: %s", " ".join(repr(float(f)) for f in factors))
    nt = raw * factors[None, :]
    nc = len(cidx)
    nts = len(tidx)
    normalized = pd.DataFrame(nt[:, : nc + nts], index=df.index, columns=sel_labels[: nc + nts])
    normalized.insert(0, "Gene", df["Gene"].to_numpy())

    ids = df.index.to_numpy(dtype=object)
    cpos = list(range(nc))
    tpos = list(range(nc, nc + nts))
    vpos = list(range(nc + nts, len(sel))) + [sel.index(i) for i in vidx if i in cidx + tidx]
    vpos = sorted(set(vpos))
    rra_controls = controls
    if paired:
        reps = nc
        ids = np.asarray([f"{s}_r{ci}" for s in ids for ci in range(reps)], dtype=object)
        gene_arr = np.repeat(gene_arr, reps)
        # one row per (sgRNA, replicate pair), sgRNA-major: control and treatment columns
        blocks = [nt[:, cpos].reshape(-1, 1), nt[:, tpos].reshape(-1, 1)]
        if vpos:
            blocks.append(np.repeat(nt[:, vpos], reps, axis=0))
        nt = np.hstack(blocks)
        cpos, tpos = [0], [1]
        vpos = list(range(2, 2 + len(vpos))) if vpos else []
        if controls is not None:
            rra_controls = [f"{s}_r{ci}" for ci in range(reps) for s in controls]
    return MageckDesign(
        ids=ids,
        genes=gene_arr,
        matrix=nt,
        control_columns=cpos,
        treatment_columns=tpos,
        variance_columns=vpos,
        normalized=normalized,
        size_factors=pd.Series(factors, index=sel_labels, name="size_factor"),
        treatment=[samples[i] for i in tidx],
        control=[samples[i] for i in cidx],
        control_sgrnas=rra_controls,
        paired=paired,
    )
