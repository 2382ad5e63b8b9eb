"""``mageck test``: MAGeCK's sgRNA test and alpha-RRA gene ranking, with MAGeCK's outputs.

Re-implements ``crisprFunction.crispr_test`` and the gene-summary merge of MAGeCK 0.5.9.x
(Li et al. 2014, Genome Biology 15:554; the mageck2 0.3.0 port on PyPI gives identical
outputs), vectorised:

* normalisation (:func:`ifnexus.screen.size_factors`) over the compared samples;
* mean-variance model on the controls: medians and median-centred variances per sgRNA, sgRNAs
  above median + 4 SD of the means dropped, weighted least squares of log2(var - mean + 1) on
  log2(mean + 1), k >= 1, b >= 0, adjusted variance = mean^k 2^b + mean;
* sgRNA p-values from a normal distribution truncated at zero (MAGeCK's ``getNormalPValue``; the
  negative-binomial code in MAGeCK is commented out), the score of depleted sgRNAs converted back
  from log p.low with MAGeCK's interpolated qnorm table;
* alpha-RRA (:func:`ifnexus.screen.rra`) on the valid sgRNAs, alpha = fraction of valid sgRNAs
  with p <= ``gene_test_fdr_threshold`` (clamped to 0.05-0.5 for negative selection).

:func:`mageck_test` runs four named stages, each public and runnable on its own (as PyDESeq2's
``DeseqDataSet`` steps): :func:`~ifnexus.screen.mageck_normalise` (samples, size factors,
layout) -> :func:`~ifnexus.screen.fit_mean_variance` -> :func:`~ifnexus.screen.sgrna_test` ->
:func:`gene_test` (RRA in both directions, gene LFC, the gene summary).

Every number written goes through MAGeCK's own formatting (``{:.5g}`` for sgRNA columns,
``%10.4e`` / ``%f`` re-read by Python for gene columns) so MAGeCKFlute and VISPR read the files
unchanged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike
from ifnexus.errors import ValidationError
from ifnexus.screen._mageck_design import MageckDesign, mageck_normalise
from ifnexus.screen._mageck_files import (
    GENE_COLUMNS,
    SGRNA_COLUMNS,
    _join5,
    _write_sgrna_summary,
    write_gene_summary,
    write_normalized,
)
from ifnexus.screen._normalize import NormMethod
from ifnexus.screen._rra import RraOptions, rra
from ifnexus.screen._sgrna_test import (
    ADJUST_METHODS,
    REMOVE_ZERO,
    MeanVarianceModel,
    SgrnaTest,
    check_choices,
    fit_mean_variance,
    p_adjust,
    sgrna_test,
)

logger = logging.getLogger(__name__)

__all__ = [
    "GENE_COLUMNS",
    "SGRNA_COLUMNS",
    "GeneTest",
    "MageckResult",
    "gene_test",
    "mageck_test",
    "p_adjust",
    "write_gene_summary",
    "write_normalized",
]

# gene-summary field per direction and the rra() column it comes from
_GENE_COLUMNS = (
    ("score", "lo_value"), ("p-value", "p"), ("fdr", "FDR"), ("rank", "rank"),
    ("goodsgrna", "goodsgrna"), ("lfc", "lfc"),
)  # fmt: skip
_LFC_METHODS = ("median", "alphamedian", "mean", "alphamean", "secondbest")
_SORT_CRITERIA = ("neg", "pos")

_SUMMARY_FIELDS = (
    ("effect", "lfc"), ("score", "score"), ("p", "p-value"), ("fdr", "fdr"), ("rank", "rank"),
    ("good_sgrnas", "goodsgrna"),
)  # fmt: skip


def _summary(genes: pd.DataFrame, fdr_threshold: float) -> pd.DataFrame:
    """Tidy long table (gene x direction) of a ``gene_summary``-layout table."""
    parts = []
    for d in ("neg", "pos"):
        t = pd.DataFrame({"gene": genes["id"].to_numpy(), "test": d,
                          "n_sgrnas": genes["num"].to_numpy()})  # fmt: skip
        for name, src in _SUMMARY_FIELDS:
            t[name] = genes[f"{d}|{src}"].to_numpy()
        t["hit"] = np.nan_to_num(t["fdr"].to_numpy(dtype=np.float64), nan=1.0) < fdr_threshold
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class MageckResult:
    """Result of :func:`mageck_test`.

    Attributes
    ----------
    summary
        Tidy gene-level table (one row per gene and direction), see :attr:`summary`.
    genes
        ``gene_summary`` table in MAGeCK's column layout (:data:`GENE_COLUMNS`), full precision,
        sorted like MAGeCK's file.
    sgrnas
        ``sgrna_summary`` table (:data:`SGRNA_COLUMNS`), sorted by score; ``control_count`` and
        ``treatment_count`` are MAGeCK's "/"-joined strings (built on first access).
    sgrna_stats
        The same table without the two count-string columns.
    normalized
        Normalised counts of the compared samples (index sgRNA, ``Gene``, control then
        treatment samples).
    size_factors
        Size factor per compared sample.
    model
        (k, b) of the mean-variance model.
    alpha
        (negative, positive) RRA percentile thresholds passed to RRA.
    params
        The options used, for the record.
    replicate_counts
        (control, treatment) per-replicate counts of the sgRNAs in ``sgrna_stats`` order, from
        which the count strings of ``sgrnas`` are built.
    """

    genes: pd.DataFrame
    sgrna_stats: pd.DataFrame
    normalized: pd.DataFrame
    size_factors: pd.Series
    model: tuple[float, float]
    alpha: tuple[float, float]
    params: dict = field(default_factory=dict)
    replicate_counts: tuple[np.ndarray, np.ndarray] = field(
        default=(np.empty((0, 0)), np.empty((0, 0))), repr=False
    )

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy gene-level results: one row per gene and direction.

        Columns: ``gene``; ``test`` (``neg``: depleted in treatment, ``pos``: enriched);
        ``n_sgrnas``; ``effect`` (the gene's log2 fold change by ``gene_lfc_method``);
        ``score`` (RRA lo-value, small is strong); ``p`` (permutation p-value); ``fdr``;
        ``rank`` (within the direction); ``good_sgrnas`` (sgRNAs under RRA's alpha);
        ``hit`` (fdr < ``gene_test_fdr_threshold``). Genes in :attr:`genes` order, the
        negative rows first.
        """
        return _summary(self.genes, float(self.params.get("gene_test_fdr_threshold", 0.25)))

    @cached_property
    def sgrnas(self) -> pd.DataFrame:
        """The ``sgrna_summary`` table in MAGeCK's layout, with the "/"-joined count strings."""
        ctrl, treat = self.replicate_counts
        t = self.sgrna_stats.copy()
        t.insert(2, "control_count", _join5(ctrl))
        t.insert(3, "treatment_count", _join5(treat))
        return t

    def write(
        self, prefix: str | os.PathLike[str], *, normcounts_to_file: bool = False
    ) -> list[Path]:
        """Write MAGeCK's files, byte-compatible with its own, atomically.

        Parameters
        ----------
        prefix
            Output prefix (``-n``).
        normcounts_to_file
            Also write ``PREFIX.normalized.txt`` (``--normcounts-to-file``).

        Returns
        -------
        list of Path
            ``PREFIX.gene_summary.txt``, ``PREFIX.sgrna_summary.txt`` (and
            ``PREFIX.normalized.txt``).
        """
        prefix = str(prefix)
        paths = [Path(prefix + ".gene_summary.txt"), Path(prefix + ".sgrna_summary.txt")]
        write_gene_summary(self.genes, paths[0])
        _write_sgrna_summary(self.sgrna_stats, *self.replicate_counts, paths[1])
        if normcounts_to_file:
            p = Path(prefix + ".normalized.txt")
            write_normalized(self.normalized, p)
            paths.append(p)
        return paths


@dataclass(frozen=True)
class GeneTest:
    """Output of :func:`gene_test`.

    Attributes
    ----------
    genes
        The ``gene_summary`` table (:data:`GENE_COLUMNS`), sorted like MAGeCK's file.
    neg, pos
        The :func:`ifnexus.screen.rra` table of each direction indexed by gene, with the
        ``rank`` and gene ``lfc`` columns added.
    alpha
        (negative, positive) RRA alphas.
    """

    genes: pd.DataFrame
    neg: pd.DataFrame
    pos: pd.DataFrame
    alpha: tuple[float, float]


def gene_test(
    design: MageckDesign,
    sgrnas: SgrnaTest,
    *,
    gene_lfc_method: Literal["median", "alphamedian", "mean", "alphamean", "secondbest"] = "median",
    gene_test_fdr_threshold: float = 0.25,
    adjust_method: Literal["fdr", "holm", "pounds"] = "fdr",
    sort_criteria: Literal["neg", "pos"] = "neg",
    skip_gene: Sequence[str] = ("NA", "na"),
    rra_options: RraOptions | str | None = None,
    rng: RngLike | Literal["mageck"] = "mageck",
) -> GeneTest:
    """Stage 4 of :func:`mageck_test`: alpha-RRA gene ranking in both directions.

    The valid sgRNAs, ordered by theta (negative selection) and by -theta (positive), go to
    :func:`ifnexus.screen.rra` with alpha = fraction of valid sgRNAs whose p.low (p.high) is
    at most ``gene_test_fdr_threshold``, clamped to 0.05-0.5 for the negative direction (0.01
    for the positive one when no sgRNA passes), as MAGeCK does.

    Parameters
    ----------
    design, sgrnas
        Outputs of :func:`ifnexus.screen.mageck_normalise` and :func:`ifnexus.screen.sgrna_test`.
    gene_lfc_method, gene_test_fdr_threshold, adjust_method, sort_criteria, skip_gene
        As in :func:`mageck_test`.
    rra_options
        :class:`RraOptions` or an ``--additional-rra-parameters`` string.
    rng
        ``"mageck"`` (default) or an int seed / Generator.

    Returns
    -------
    GeneTest

    Raises
    ------
    ValidationError
        Unknown options, or no valid sgRNA left.
    """
    check_choices(
        gene_lfc_method=(gene_lfc_method, _LFC_METHODS),
        sort_criteria=(sort_criteria, _SORT_CRITERIA),
        adjust_method=(adjust_method, ADJUST_METHODS),
    )
    opts = rra_options if isinstance(rra_options, RraOptions) else RraOptions.parse(rra_options)
    valid = sgrnas.valid
    if not valid.any():
        raise ValidationError(
            "no sgRNAs are left after remove_zero filtering; check the data or remove_zero"
        )
    theta = sgrnas.theta
    lfc = sgrnas.lfc
    ids = sgrnas.ids
    gene_arr = sgrnas.genes
    thr = gene_test_fdr_threshold
    nvalid = int(valid.sum())
    low_order = np.argsort(theta, kind="stable")
    n_lower = int((sgrnas.p_low <= thr).sum())
    alpha_low = float(((sgrnas.p_low <= thr) & valid).sum()) / nvalid
    alpha_low_rra = min(max(alpha_low, 0.05), 0.5)
    high_order = np.argsort(-theta, kind="stable")
    n_higher = int((sgrnas.p_high <= thr).sum())
    alpha_high = float(((sgrnas.p_high <= thr) & valid).sum()) / nvalid if n_higher > 0 else 0.01
    logger.info("RRA alpha: negative %r, positive %r", alpha_low_rra, alpha_high)
    res: dict = {}
    cache: dict = {"alphas": (alpha_low_rra, alpha_high)}
    gcodes, gnames = pd.factorize(gene_arr, sort=False)
    gnames = [str(x) for x in gnames]
    gene_index = None if any("," in g for g in gnames) else (gcodes, gnames)
    for d, ordr, alpha, nsig in (
        ("neg", low_order, alpha_low_rra, n_lower),
        ("pos", high_order, alpha_high, n_higher),
    ):
        keep = ordr[valid[ordr]]
        score = theta[keep] if d == "neg" else -theta[keep]
        tab = rra(
            ids[keep], gene_arr[keep], score, alpha=alpha, control_sgrnas=design.control_sgrnas,
            skip_genes=skip_gene, options=opts, rng=rng, null_cache=cache,
            gene_index=None if gene_index is None else (gcodes[keep], gnames),
        )  # fmt: skip
        tab["rank"] = np.arange(1, tab.shape[0] + 1)
        if gene_lfc_method in ("median", "mean") and "glfc" in res:
            glfc = res["glfc"]  # these do not depend on the direction
        else:
            glfc = _gene_lfc(gene_lfc_method, lfc, ordr, nsig, gene_arr, valid,
                             ispos=d == "pos")  # fmt: skip
            res["glfc"] = glfc
        tab["lfc"] = [glfc.get(g, 0.0) for g in tab["group_id"]]
        res[d] = tab.set_index("group_id")
    neg, pos = res["neg"], res["pos"]
    if adjust_method != "fdr":
        for tab in (neg, pos):
            ok = ~tab["bad"].to_numpy()
            f = np.full(tab.shape[0], np.nan)
            f[ok] = p_adjust(tab["p"].to_numpy()[ok], adjust_method)
            tab["FDR"] = f
    key = neg if sort_criteria == "neg" else pos
    gid = key.sort_values("rank", kind="stable").index
    gid = gid[gid.isin(neg.index) & gid.isin(pos.index)]
    n_, p_ = neg.loc[gid], pos.loc[gid]
    cols = {"id": gid.to_numpy(dtype=object), "num": n_["items_in_group"].to_numpy()}
    for d, tab in (("neg", n_), ("pos", p_)):
        for name, src in _GENE_COLUMNS:
            cols[f"{d}|{name}"] = tab[src].to_numpy(dtype=np.float64 if src == "lfc" else None)
    return GeneTest(genes=pd.DataFrame(cols), neg=neg, pos=pos, alpha=(alpha_low_rra, alpha_high))


def mageck_test(
    counts: pd.DataFrame,
    treatment: str | Sequence[str | int],
    control: str | Sequence[str | int] | None = None,
    *,
    norm_method: NormMethod = "median",
    control_sgrna: Sequence[str] | None = None,
    control_gene: Sequence[str] | None = None,
    paired: bool = False,
    remove_zero: Literal["none", "control", "treatment", "both", "any"] = "both",
    remove_zero_threshold: float = 0.0,
    gene_lfc_method: Literal["median", "alphamedian", "mean", "alphamean", "secondbest"] = "median",
    gene_test_fdr_threshold: float = 0.25,
    adjust_method: Literal["fdr", "holm", "pounds"] = "fdr",
    variance_estimation_samples: str | Sequence[str | int] | None = None,
    sort_criteria: Literal["neg", "pos"] = "neg",
    skip_gene: Sequence[str] = ("NA", "na"),
    rra_options: RraOptions | str | None = None,
    rng: RngLike | Literal["mageck"] = "mageck",
) -> MageckResult:
    """MAGeCK's ``mageck test``: sgRNA test and alpha-RRA gene ranking of treatment vs control.

    Runs :func:`~ifnexus.screen.mageck_normalise` -> :func:`~ifnexus.screen.fit_mean_variance`
    -> :func:`~ifnexus.screen.sgrna_test` -> :func:`gene_test`; each stage can be run on its own
    and gives the same numbers. For several comparisons in one run (``-t A -c B -t C -c D``)
    see :func:`~ifnexus.screen.mageck_test_comparisons`.

    Parameters
    ----------
    counts
        Count table (see :func:`ifnexus.screen.read_counts`): index sgRNA, ``Gene``, samples.
    treatment, control
        Sample labels or 0-based indices (``-t``/``-c``); ``control`` defaults to all other
        samples.
    norm_method
        ``median`` (default), ``total``, ``control`` or ``none`` (``--norm-method``).
    control_sgrna, control_gene
        Negative-control sgRNA ids or genes (``--control-sgrna`` / ``--control-gene``): used for
        ``control`` normalisation and as RRA's null.
    paired
        ``--paired``: each treatment replicate is compared with the control at the same position.
    remove_zero, remove_zero_threshold
        ``--remove-zero`` / ``--remove-zero-threshold``: sgRNAs whose control and/or treatment
        median is not above the threshold are left out of RRA.
    gene_lfc_method
        ``--gene-lfc-method``.
    gene_test_fdr_threshold
        ``--gene-test-fdr-threshold``: sgRNA p-value cut-off that sets RRA's alpha.
    adjust_method
        ``--adjust-method`` for sgRNA FDR and (when not ``fdr``) gene FDR.
    variance_estimation_samples
        ``--variance-estimation-samples``.
    sort_criteria
        ``--sort-criteria``: order of the gene summary.
    skip_gene
        Genes excluded from permutation (``--skip-gene``).
    rra_options
        :class:`RraOptions` or an ``--additional-rra-parameters`` string.
    rng
        ``"mageck"`` (default) reproduces MAGeCK's permutation stream exactly; an int seed or
        a Generator draws an independent permutation.

    Returns
    -------
    MageckResult
        ``.genes`` (columns ``id, num, neg|score, neg|p-value, neg|fdr, neg|rank,
        neg|goodsgrna, neg|lfc`` and the same for ``pos``), ``.sgrnas`` (``sgrna, Gene,
        control_count, treatment_count, control_mean, treat_mean, LFC, control_var, adj_var,
        score, p.low, p.high, p.twosided, FDR, high_in_treatment``), ``.summary`` (tidy
        gene x direction table), ``.normalized``, ``.size_factors``, ``.model``, ``.alpha``.

    Raises
    ------
    ValidationError
        Overlapping or unknown samples, an all-zero sample, unknown options, too few controls.
    """
    check_choices(
        remove_zero=(remove_zero, REMOVE_ZERO),
        gene_lfc_method=(gene_lfc_method, _LFC_METHODS),
        sort_criteria=(sort_criteria, _SORT_CRITERIA),
        adjust_method=(adjust_method, ADJUST_METHODS),
    )
    opts = rra_options if isinstance(rra_options, RraOptions) else RraOptions.parse(rra_options)
    design = mageck_normalise(
        counts, treatment, control, norm_method=norm_method, control_sgrna=control_sgrna,
        control_gene=control_gene, paired=paired,
        variance_estimation_samples=variance_estimation_samples,
    )  # fmt: skip
    model = fit_mean_variance(design)
    sg = sgrna_test(design, model, remove_zero=remove_zero,
                    remove_zero_threshold=remove_zero_threshold, adjust_method=adjust_method)  # fmt: skip
    gt = gene_test(
        design, sg, gene_lfc_method=gene_lfc_method,
        gene_test_fdr_threshold=gene_test_fdr_threshold, adjust_method=adjust_method,
        sort_criteria=sort_criteria, skip_gene=skip_gene, rra_options=opts, rng=rng,
    )  # fmt: skip
    return _result(design, model, sg, gt, {
        "norm_method": norm_method,
        "paired": paired,
        "remove_zero": remove_zero,
        "remove_zero_threshold": remove_zero_threshold,
        "gene_lfc_method": gene_lfc_method,
        "gene_test_fdr_threshold": gene_test_fdr_threshold,
        "adjust_method": adjust_method,
        "rng": rng if isinstance(rng, str | int) else "Generator",
    })  # fmt: skip


def _result(
    design: MageckDesign,
    model: MeanVarianceModel,
    sg: SgrnaTest,
    gt: GeneTest,
    options: dict,
) -> MageckResult:
    """Assemble the :class:`MageckResult` of the four stages (``options`` as recorded)."""
    rng = options.pop("rng")
    params = {"treatment": design.treatment, "control": design.control, **options}
    params["n_removed_zero"] = int(sg.valid.shape[0] - sg.valid.sum())
    params["n_variance_outliers"] = model.n_outliers
    params["rng"] = rng
    params["permutations"] = gt.neg.attrs.get("n_permutations", {})
    order = sg.order
    genes = gt.genes
    genes.attrs.update(params)
    return MageckResult(
        genes=genes,
        sgrna_stats=sg.table,
        replicate_counts=(sg.control[order], sg.treatment[order]),
        normalized=design.normalized,
        size_factors=design.size_factors,
        model=(model.k, model.b),
        alpha=gt.alpha,
        params=params,
    )


def _gene_lfc(
    method: str,
    lfc: np.ndarray,
    sort_id: np.ndarray,
    n_sig: int,
    genes: np.ndarray,
    valid: np.ndarray,
    *,
    ispos: bool,
) -> dict[str, float]:
    """MAGeCK's ``calculate_gene_lfc``: gene LFC from its valid sgRNAs."""
    pos_in_sort = np.empty(sort_id.shape[0], dtype=np.int64)
    pos_in_sort[sort_id] = np.arange(1, sort_id.shape[0] + 1)
    keep = valid.copy()
    frame = pd.DataFrame({"g": genes, "lfc": lfc, "rank": pos_in_sort})[keep]
    if method in ("alphamean", "alphamedian"):
        top = frame[frame["rank"] <= n_sig]
        grouped = top.groupby("g", sort=False)["lfc"]
        vals = grouped.median() if method == "alphamedian" else grouped.mean()
        out = {g: 0.0 for g in frame["g"].unique()}
        out.update({str(g): float(v) for g, v in vals.items()})
        return out
    grouped = frame.groupby("g", sort=False)["lfc"]
    if method == "median":
        return {str(g): float(v) for g, v in grouped.median().items()}
    if method == "mean":
        return {str(g): float(v) for g, v in grouped.mean().items()}
    # secondbest
    out = {}
    for g, v in grouped:
        vals = np.sort(v.to_numpy())
        if ispos:
            vals = vals[::-1]
        out[str(g)] = float(vals[1]) if vals.shape[0] > 1 else 0.0
    return out
