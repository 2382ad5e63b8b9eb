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

Every number written goes through MAGeCK's own formatting (``{:.5g}`` for sgRNA columns,
``%10.4e`` / ``%f`` re-read by Python for gene columns) so MAGeCKFlute and VISPR read the files
unchanged.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from ifnexus._io import atomic_open
from ifnexus._rng import RngLike
from ifnexus.errors import ValidationError
from ifnexus.screen._io import as_count_table, g5_chars, parse_samples
from ifnexus.screen._normalize import NormMethod, size_factors
from ifnexus.screen._rra import RraOptions, rra

logger = logging.getLogger(__name__)

__all__ = ["MageckResult", "mageck_test", "p_adjust"]

# gene-summary field per direction and the rra() column it comes from
_GENE_COLUMNS = (
    ("score", "lo_value"), ("p-value", "p"), ("fdr", "FDR"), ("rank", "rank"),
    ("goodsgrna", "goodsgrna"), ("lfc", "lfc"),
)  # fmt: skip
GENE_COLUMNS = ["id", "num", *(f"{d}|{f}" for d in ("neg", "pos") for f, _ in _GENE_COLUMNS)]
SGRNA_COLUMNS = [
    "sgrna", "Gene", "control_count", "treatment_count", "control_mean", "treat_mean", "LFC",
    "control_var", "adj_var", "score", "p.low", "p.high", "p.twosided", "FDR",
    "high_in_treatment",
]  # fmt: skip

_QNORM: tuple[np.ndarray, np.ndarray, float] | None = None


def _qnorm_table() -> tuple[np.ndarray, np.ndarray, float]:
    """MAGeCK's qnorm lookup grid: log p from -24 to -0.001 in steps of 0.001."""
    global _QNORM
    if _QNORM is None:
        logp = np.arange(-24000, 0, dtype=np.float64) / 1000.0
        _QNORM = (logp, special.ndtri_exp(logp), float(logp[1] - logp[0]))
    return _QNORM


def _qnorm_from_log(lp: np.ndarray) -> np.ndarray:
    """MAGeCK's ``QNormConverter.get_qnorm(islog=True)``; NaN outside the table."""
    grid, q, step = _qnorm_table()
    qmin, qmax = grid[0], grid[-1]
    ind = np.floor((lp - qmin) / step)
    ind = np.clip(np.nan_to_num(ind, nan=0.0), 0, grid.shape[0] - 2).astype(np.int64)
    frac = np.clip((lp - grid[ind]) / step, 0.0, 1.0)
    val = q[ind] * (1.0 - frac) + q[ind + 1] * frac
    return np.where((lp >= qmin) & (lp <= qmax), val, np.nan)


def p_adjust(p: np.ndarray, method: Literal["fdr", "holm", "pounds"] = "fdr") -> np.ndarray:
    """MAGeCK's ``pFDR``: Benjamini-Hochberg (``fdr``), Holm, or Pounds et al. 2006."""
    p = np.asarray(p, dtype=np.float64)
    n = p.shape[0]
    if n == 0:
        return p.copy()
    order = np.lexsort((np.arange(n), p))  # ascending by (p, index)
    if method == "fdr":
        desc = order[::-1]
        rank = n - np.arange(n)
        v = (n / rank) * p[desc]
        v = np.minimum.accumulate(v)
        out = np.empty(n)
        out[desc] = v
        return out
    if method == "holm":
        out = np.empty(n)
        out[order] = np.minimum((n - np.arange(n)) * p[order], 1.0)
        return out
    if method == "pounds":
        sp = p[order]
        a = 2 * np.minimum(p, 1 - p)
        null_prop = min(1.0, 2 * a.sum() / n)
        # empirical proportion of p-values <= each value (ties share the largest)
        sig = np.searchsorted(sp, sp, side="right") / n
        middle = int(np.searchsorted(sp, 0.5, side="right"))
        lfdr = np.empty(n)
        lfdr[:middle] = np.minimum(1.0, null_prop * sp[:middle] / sig[:middle])
        if middle < n:
            prev = sig[middle - 1] if middle > 0 else 0.0
            lfdr[middle:] = np.minimum(1.0, (null_prop / 2 + sig[middle:] - prev) / sig[middle:])
        fdr = np.minimum.accumulate(np.minimum(lfdr[::-1], 1.0))[::-1]
        out = np.empty(n)
        out[order] = fdr
        return out
    raise ValidationError(f"unknown adjust method {method!r}; use fdr, holm or pounds")


def _medians(m: np.ndarray) -> np.ndarray:
    if m.shape[1] == 1:
        return m[:, 0].copy()
    if m.shape[1] == 2:
        return (m[:, 0] + m[:, 1]) / 2.0  # MAGeCK's mmedian of two values
    return np.median(m, axis=1)


def _vars(m: np.ndarray, med: np.ndarray) -> np.ndarray:
    d = m - med[:, None]
    return (d * d).sum(axis=1) / max(float(m.shape[1]) - 1, 1.0)


def _mean_var_model(m: np.ndarray) -> tuple[float, float, int]:
    """MAGeCK's ``modelmeanvar(method='linear')``: (k, b, n_outliers)."""
    mean = _medians(m)
    var = _vars(m, mean)
    if mean.shape[0] > 10:
        mm = float(np.median(mean))
        dev = mean - mm
        vm = sum((dev * dev).tolist()) / max(float(dev.shape[0]) - 1, 1.0)
        high = mm + 4 * (vm**0.5)
    else:
        high = float(mean.max()) * 2
    n_out = int((mean > high).sum())
    sel = (mean < var) & (mean < high)
    mg = mean[sel].tolist()
    vg = (var[sel] - mean[sel]).tolist()
    if len(mg) < 10:
        logger.warning(
            "the variances between control replicates are too small; if they are technical "
            "replicates, merge them into one sample"
        )
        mg = mean.tolist()
        vg = [x if x > 0.01 else 0.01 for x in (var - mean).tolist()]
    # MAGeCK: math.log(t + 1, 2) per value and left-to-right float sums (kept for identical k, b)
    ln2 = math.log(2)
    x = np.fromiter(map(math.log, (np.asarray(mg) + 1).tolist()), float, len(mg)) / ln2
    y = np.fromiter(map(math.log, (np.asarray(vg) + 1).tolist()), float, len(vg)) / ln2
    w = np.asarray(mg)
    nw = sum(mg)
    sy = sum((y * w).tolist())
    sx = sum((x * w).tolist())
    sx2 = sum((x * x * w).tolist())
    sxy = sum((x * y * w).tolist())
    den = nw * sx2 - sx * sx
    if den == 0 or not math.isfinite(den):
        raise ValidationError(
            "the mean-variance model cannot be fitted: the control counts do not vary"
        )
    a = (sy * sx2 - sx * sxy) / den
    k = (nw * sxy - sx * sy) / den
    return max(k, 1.0), max(a, 0.0), n_out


def _join5(mat: np.ndarray) -> list[str]:
    cols = [_fmt5(mat[:, j]) for j in range(mat.shape[1])]
    return ["/".join(r) for r in zip(*cols, strict=True)]


def _fmt5(values: np.ndarray) -> list[str]:
    return [f"{v:.5g}" for v in np.asarray(values, dtype=np.float64).tolist()]


def _fmt_rra(values: np.ndarray, spec: str) -> list[str]:
    return [repr(float(spec % v)) for v in np.asarray(values, dtype=np.float64).tolist()]


@dataclass(frozen=True)
class MageckResult:
    """Result of :func:`mageck_test`.

    Attributes
    ----------
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
        """Write ``PREFIX.gene_summary.txt``, ``PREFIX.sgrna_summary.txt`` (and
        ``PREFIX.normalized.txt``) byte-compatible with MAGeCK's files; atomic."""
        prefix = str(prefix)
        paths = [Path(prefix + ".gene_summary.txt"), Path(prefix + ".sgrna_summary.txt")]
        write_gene_summary(self.genes, paths[0])
        _write_sgrna_summary(self.sgrna_stats, *self.replicate_counts, paths[1])
        if normcounts_to_file:
            p = Path(prefix + ".normalized.txt")
            write_normalized(self.normalized, p)
            paths.append(p)
        return paths


def write_gene_summary(genes: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a gene summary the way MAGeCK does (RRA's ``%10.4e``/``%f`` re-read as floats)."""
    cols: list[list[str]] = [genes["id"].astype(str).tolist(), genes["num"].astype(str).tolist()]
    for d in ("neg", "pos"):
        fdr = genes[f"{d}|fdr"].to_numpy(dtype=np.float64)
        fdr_s = _fmt_rra(np.nan_to_num(fdr, nan=1.0), "%f")
        fdr_s = ["NA" if np.isnan(f) else s for f, s in zip(fdr, fdr_s, strict=True)]
        cols += [
            _fmt_rra(genes[f"{d}|score"].to_numpy(), "%10.4e"),
            _fmt_rra(genes[f"{d}|p-value"].to_numpy(), "%10.4e"),
            fdr_s,
            genes[f"{d}|rank"].astype(str).tolist(),
            genes[f"{d}|goodsgrna"].astype(str).tolist(),
            _fmt5(genes[f"{d}|lfc"].to_numpy()),
        ]
    lines = ["\t".join(GENE_COLUMNS)] + ["\t".join(r) for r in zip(*cols, strict=True)]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(path)


def _text_block(values: list[str]) -> np.ndarray:
    """UTF-8 bytes of each string as a zero-padded (n, width) uint8 block."""
    u = np.array(values, dtype=str)
    codes = u.view(np.uint32).reshape(len(values), -1) if u.dtype.itemsize else None
    if codes is not None and (codes.max(initial=0) < 128):  # ASCII: one byte per character
        return codes.astype(np.uint8)
    enc = np.array([v.encode("utf-8") for v in values], dtype=bytes)
    w = max(enc.dtype.itemsize, 1)
    return enc.astype(f"S{w}").view(np.uint8).reshape(len(values), w)


def _write_sgrna_summary(
    stats: pd.DataFrame, ctrl: np.ndarray, treat: np.ndarray, path: str | os.PathLike[str]
) -> Path:
    """Write an sgRNA summary with MAGeCK's ``{:.5g}`` formatting, from the numeric table and
    the replicate count matrices (no "/"-joined count strings are built).

    Every number goes through :func:`ifnexus.screen._io.g5_chars` (``{:.5g}``, vectorised);
    the fields are laid side by side in one zero-padded byte matrix and the padding is dropped.
    """
    n = stats.shape[0]
    nums = np.column_stack(
        [np.asarray(ctrl, dtype=np.float64), np.asarray(treat, dtype=np.float64)]
        + [stats[c].to_numpy(dtype=np.float64) for c in SGRNA_COLUMNS[4:14]]
    )
    g = g5_chars(nums.ravel()).reshape(n, nums.shape[1], 12)
    nc = ctrl.shape[1]
    nt = treat.shape[1]
    blocks: list[np.ndarray] = []

    def sep(ch: str) -> None:
        blocks.append(np.full((n, 1), ord(ch), dtype=np.uint8))

    blocks.append(_text_block(stats["sgrna"].astype(str).tolist()))
    sep("\t")
    blocks.append(_text_block(stats["Gene"].astype(str).tolist()))
    for lo, k in ((0, nc), (nc, nt)):
        sep("\t")
        for j in range(k):
            if j:
                sep("/")
            blocks.append(g[:, lo + j])
    for j in range(nc + nt, nums.shape[1]):
        sep("\t")
        blocks.append(g[:, j])
    sep("\t")
    flag = stats["high_in_treatment"].to_numpy(dtype=bool)
    blocks.append(np.where(flag[:, None], np.frombuffer(b"True\0", np.uint8),
                           np.frombuffer(b"False", np.uint8)))  # fmt: skip
    sep("\n")
    mat = np.concatenate(blocks, axis=1).ravel()
    body = mat[mat != 0].tobytes()
    with atomic_open(path, "wb") as fh:
        fh.write(("\t".join(SGRNA_COLUMNS) + "\n").encode("utf-8"))
        fh.write(body)
    return Path(path)


def write_normalized(norm: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write normalised counts as MAGeCK does (``repr`` of each float)."""
    samples = [c for c in norm.columns if c != "Gene"]
    cols = [norm.index.astype(str).tolist(), norm["Gene"].astype(str).tolist()]
    cols += [[repr(v) for v in norm[s].to_numpy(dtype=np.float64).tolist()] for s in samples]
    lines = ["\t".join(["sgRNA", "Gene", *samples])]
    lines += ["\t".join(r) for r in zip(*cols, strict=True)]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(path)


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
        score, p.low, p.high, p.twosided, FDR, high_in_treatment``), ``.normalized``,
        ``.size_factors``, ``.model``, ``.alpha``.

    Raises
    ------
    ValidationError
        Overlapping or unknown samples, an all-zero sample, unknown options, too few controls.
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
    for name, choice, allowed in (
        ("remove_zero", remove_zero, ("none", "control", "treatment", "both", "any")),
        ("gene_lfc_method", gene_lfc_method,
         ("median", "alphamedian", "mean", "alphamean", "secondbest")),
        ("sort_criteria", sort_criteria, ("neg", "pos")),
        ("adjust_method", adjust_method, ("fdr", "holm", "pounds")),
    ):  # fmt: skip
        if choice not in allowed:
            raise ValidationError(f"{name} must be one of {allowed}, got {choice!r}")
    opts = rra_options if isinstance(rra_options, RraOptions) else RraOptions.parse(rra_options)

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

    sg = _sgrna_test(nt, cpos, tpos, vpos, remove_zero, remove_zero_threshold, adjust_method)
    n = nt.shape[0]
    valid = sg["valid"]
    if not valid.any():
        raise ValidationError(
            "no sgRNAs are left after remove_zero filtering; check the data or remove_zero"
        )
    theta = sg["theta"]
    lfc = sg["lfc"]

    # sgRNA summary
    order = np.argsort(-sg["abstheta"], kind="stable")
    sgr = (
        pd.DataFrame(
            {
                "sgrna": ids,
                "Gene": gene_arr,
                "control_mean": sg["cmean"],
                "treat_mean": sg["tmean"],
                "LFC": lfc,
                "control_var": sg["cvar"],
                "adj_var": sg["adjvar"],
                "score": sg["abstheta"],
                "p.low": sg["plow"],
                "p.high": sg["phigh"],
                "p.twosided": sg["ptwo"],
                "FDR": sg["fdr"],
                "high_in_treatment": sg["tmean"] > sg["cmean"],
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )

    # gene test
    thr = gene_test_fdr_threshold
    nvalid = int(valid.sum())
    low_order = np.argsort(theta, kind="stable")
    n_lower = int((sg["plow"] <= thr).sum())
    alpha_low = float(((sg["plow"] <= thr) & valid).sum()) / nvalid
    alpha_low_rra = min(max(alpha_low, 0.05), 0.5)
    high_order = np.argsort(-theta, kind="stable")
    n_higher = int((sg["phigh"] <= thr).sum())
    alpha_high = float(((sg["phigh"] <= thr) & valid).sum()) / nvalid if n_higher > 0 else 0.01
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
            ids[keep], gene_arr[keep], score, alpha=alpha, control_sgrnas=rra_controls,
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
    res.pop("glfc", None)
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
    genes = pd.DataFrame(cols)
    params = {
        "treatment": [samples[i] for i in tidx],
        "control": [samples[i] for i in cidx],
        "norm_method": norm_method,
        "paired": paired,
        "remove_zero": remove_zero,
        "remove_zero_threshold": remove_zero_threshold,
        "gene_lfc_method": gene_lfc_method,
        "gene_test_fdr_threshold": thr,
        "adjust_method": adjust_method,
        "n_removed_zero": int(n - nvalid),
        "n_variance_outliers": sg["n_out"],
        "rng": rng if isinstance(rng, str | int) else "Generator",
        "permutations": neg.attrs.get("n_permutations", {}),
    }
    genes.attrs.update(params)
    return MageckResult(
        genes=genes,
        sgrna_stats=sgr,
        replicate_counts=(sg["ctrl"][order], sg["treat"][order]),
        normalized=normalized,
        size_factors=pd.Series(factors, index=sel_labels, name="size_factor"),
        model=sg["model"],
        alpha=(alpha_low_rra, alpha_high),
        params=params,
    )


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc as MAGeCK's ``math.erfc``: scipy underflows to 0 beyond x ~ 26.6, where libm still
    returns subnormal numbers, so those few values are taken from ``math.erfc``."""
    out = special.erfc(x)
    far = np.flatnonzero(x > 26.0)
    if far.size:
        out[far] = [math.erfc(v) for v in x[far].tolist()]
    return out


def _sgrna_test(
    nt: np.ndarray,
    cpos: list[int],
    tpos: list[int],
    vpos: list[int],
    remove_zero: str,
    thr: float,
    adjust_method: str,
) -> dict:
    """MAGeCK's ``crispr_test`` up to the sgRNA table, vectorised."""
    ctrl = nt[:, cpos]
    treat = nt[:, tpos]
    if len(vpos) > 1:
        mod = nt[:, vpos]
    elif len(cpos) > 1:
        mod = ctrl
    else:
        mod = nt[:, sorted(cpos + tpos)]
    k, b, n_out = _mean_var_model(mod)
    logger.info("mean-variance model: k=%r b=%r (%d high-count sgRNAs skipped)", k, b, n_out)
    cmean = _medians(ctrl)
    valid1 = cmean > thr
    pos_c = cmean[cmean > 0]
    if pos_c.size == 0:
        raise ValidationError("every sgRNA has a zero control count; nothing can be tested")
    cmean = np.maximum(cmean, pos_c.min())
    mod_mean = _medians(mod)
    var_c = _vars(mod, mod_mean)
    tmean = _medians(treat)
    var_t = _vars(treat, tmean)
    nc, ntr = len(cpos), len(tpos)
    if len(vpos) > 1 or nc > 1 or (nc == 1 and ntr == 1):
        cvar = var_c
    else:
        frac_c = (nc - 1) * 1.0 / (nc - 1 + ntr - 1)
        cvar = var_c * frac_c + var_t * (1.0 - frac_c)
    adjvar = np.power(cmean, k) * (2**b) + cmean
    valid2 = tmean > thr
    if remove_zero == "control":
        valid = valid1
    elif remove_zero == "treatment":
        valid = valid2
    elif remove_zero == "any":
        valid = valid1 & valid2
    elif remove_zero == "both":
        valid = valid1 | valid2
    else:
        valid = np.ones(nt.shape[0], dtype=bool)
    pos_t = tmean[tmean > 0]
    if pos_t.size == 0:
        raise ValidationError("every sgRNA has a zero treatment count; nothing can be tested")
    t_adj = np.maximum(tmean, pos_t.min())
    sd = np.sqrt(adjvar)
    th = (t_adj - cmean) / sd
    th0 = (0.0 - cmean) / sd
    s2 = 2**0.5
    p0 = _erfc(-th0 / s2) / 2
    plow = (_erfc(-th / s2) / 2 - p0) / (1 - p0)
    phigh = (_erfc(th / s2) / 2) / (1 - p0)
    theta0 = (tmean - cmean) / sd
    small = plow * 0.1
    small = small[small > 0]
    small_nz = float(small.min()) if small.size else np.finfo(float).tiny
    lp = np.log(np.maximum(plow, small_nz))
    qv = _qnorm_from_log(lp)
    theta_low = np.where(np.isnan(qv), theta0, qv)
    theta = np.where(tmean < cmean, theta_low, theta0)
    ptwo = np.where(plow < phigh, 2 * plow, 2 * phigh)
    fdr = p_adjust(ptwo, adjust_method)  # type: ignore[arg-type]
    lfc = np.log(tmean + 1.0) / math.log(2) - np.log(cmean + 1.0) / math.log(2)
    return {
        "ctrl": ctrl, "treat": treat, "cmean": cmean, "tmean": tmean, "cvar": cvar,
        "adjvar": adjvar, "plow": plow, "phigh": phigh, "ptwo": ptwo, "fdr": fdr,
        "theta": theta, "abstheta": np.abs(theta), "lfc": lfc, "valid": valid,
        "model": (k, b), "n_out": n_out,
    }  # fmt: skip


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
