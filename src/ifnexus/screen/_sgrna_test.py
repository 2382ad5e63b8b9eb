"""Stages 2 and 3 of ``mageck test``: the mean-variance model and the sgRNA test.

:func:`fit_mean_variance` is MAGeCK's ``modelmeanvar(method='linear')``: medians and
median-centred variances per sgRNA, sgRNAs above median + 4 SD of the means dropped, weighted
least squares of log2(var - mean + 1) on log2(mean + 1), k >= 1, b >= 0. :func:`sgrna_test` is
the rest of ``crispr_test`` up to the sgRNA table: adjusted variance mean^k 2^b + mean,
p-values from a normal distribution truncated at zero (MAGeCK's ``getNormalPValue``), the
score of depleted sgRNAs converted back from log p.low with MAGeCK's interpolated qnorm table,
and :func:`p_adjust` (MAGeCK's ``pFDR``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from ifnexus.errors import ValidationError
from ifnexus.screen._fdr import bh_adjust
from ifnexus.screen._mageck_design import MageckDesign

logger = logging.getLogger(__name__)

__all__ = ["MeanVarianceModel", "SgrnaTest", "fit_mean_variance", "p_adjust", "sgrna_test"]

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
    """Adjust p-values as MAGeCK's ``pFDR``: Benjamini-Hochberg, Holm, or Pounds et al. 2006.

    Parameters
    ----------
    p
        P-values, one per test.
    method
        ``"fdr"`` (Benjamini-Hochberg), ``"holm"`` or ``"pounds"`` (Pounds & Cheng 2006), as
        MAGeCK computes them.

    Returns
    -------
    numpy.ndarray
        The adjusted p-values, in the order of ``p``.

    Raises
    ------
    ValidationError
        Unknown ``method``.

    Examples
    --------
    Benjamini-Hochberg by hand: sorted, ``p_(i) n / i`` is 0.04, 0.06, 0.0533, 0.2, then each
    value is lowered to the smallest of those at or above its rank: 0.04, 0.0533, 0.0533, 0.2.

    >>> import numpy as np
    >>> from ifnexus.screen import p_adjust
    >>> p_adjust(np.array([0.01, 0.04, 0.03, 0.2])).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.shape[0]
    if n == 0:
        return p.copy()
    order = np.lexsort((np.arange(n), p))  # ascending by (p, index)
    if method == "fdr":
        return bh_adjust(p)
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
    """MAGeCK's ``modelmeanvar(method='linear')`` on a count matrix: (k, b, n_outliers)."""
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


@dataclass(frozen=True)
class MeanVarianceModel:
    """Output of :func:`fit_mean_variance`: var = mean^k 2^b + mean.

    Attributes
    ----------
    k, b
        Slope and intercept of log2(var - mean + 1) on log2(mean + 1) (k >= 1, b >= 0).
    n_outliers
        sgRNAs above median + 4 SD of the means, left out of the fit.
    """

    k: float
    b: float
    n_outliers: int

    def variance(self, mean: np.ndarray) -> np.ndarray:
        """Return the modelled variance of normalised counts with this mean.

        Parameters
        ----------
        mean
            Mean (MAGeCK: median) normalised count(s).

        Returns
        -------
        numpy.ndarray
            mean^k 2^b + mean.
        """
        m = np.asarray(mean, dtype=np.float64)
        return np.power(m, self.k) * (2**self.b) + m


def fit_mean_variance(design: MageckDesign) -> MeanVarianceModel:
    """Stage 2 of :func:`ifnexus.screen.mageck_test`: MAGeCK's linear mean-variance model.

    Parameters
    ----------
    design
        :func:`ifnexus.screen.mageck_normalise` output; the model is fitted on its
        :attr:`~MageckDesign.model_matrix`.

    Returns
    -------
    MeanVarianceModel

    Raises
    ------
    ValidationError
        When the counts do not vary, so no line can be fitted.
    """
    k, b, n_out = _mean_var_model(design.model_matrix)
    logger.info("mean-variance model: k=%r b=%r (%d high-count sgRNAs skipped)", k, b, n_out)
    return MeanVarianceModel(k=k, b=b, n_outliers=n_out)


def _erfc(x: np.ndarray) -> np.ndarray:
    """Compute erfc as MAGeCK's ``math.erfc`` does.

    scipy underflows to 0 beyond x ~ 26.6, where libm still returns subnormal numbers, so those
    few values are taken from ``math.erfc``.
    """
    out = special.erfc(x)
    far = np.flatnonzero(x > 26.0)
    if far.size:
        out[far] = [math.erfc(v) for v in x[far].tolist()]
    return out


REMOVE_ZERO = ("none", "control", "treatment", "both", "any")
ADJUST_METHODS = ("fdr", "holm", "pounds")


def check_choices(**choices: tuple[object, tuple[str, ...]]) -> None:
    """Refuse the first option (in the order given) whose value is not among its allowed ones."""
    for name, (choice, allowed) in choices.items():
        if choice not in allowed:
            raise ValidationError(f"{name} must be one of {allowed}, got {choice!r}")


@dataclass(frozen=True)
class SgrnaTest:
    """Output of :func:`sgrna_test`: one value per test row of the design, in its order.

    Attributes
    ----------
    ids, genes
        sgRNA id and gene per row.
    control, treatment
        Normalised counts of the control and treatment replicates.
    control_mean, treat_mean
        Medians of the controls (raised to the smallest positive one) and of the treatments.
    control_var, adj_var
        Control variance and the model's adjusted variance.
    lfc
        log2(treat_mean + 1) - log2(control_mean + 1).
    theta
        Signed z-score (negative when depleted); the sgRNA summary's ``score`` is its absolute
        value.
    p_low, p_high, p_twosided, fdr
        Truncated-normal p-values and the adjusted two-sided p.
    valid
        Rows kept by ``remove_zero`` (only those enter RRA).
    """

    ids: np.ndarray
    genes: np.ndarray
    control: np.ndarray
    treatment: np.ndarray
    control_mean: np.ndarray
    treat_mean: np.ndarray
    control_var: np.ndarray
    adj_var: np.ndarray
    lfc: np.ndarray
    theta: np.ndarray
    p_low: np.ndarray
    p_high: np.ndarray
    p_twosided: np.ndarray
    fdr: np.ndarray
    valid: np.ndarray

    @property
    def order(self) -> np.ndarray:
        """Row order of the sgRNA summary: by |theta|, largest first (stable)."""
        return np.argsort(-np.abs(self.theta), kind="stable")

    @property
    def table(self) -> pd.DataFrame:
        """The sgRNA summary without the count strings, sorted as MAGeCK writes it."""
        return (
            pd.DataFrame(
                {
                    "sgrna": self.ids,
                    "Gene": self.genes,
                    "control_mean": self.control_mean,
                    "treat_mean": self.treat_mean,
                    "LFC": self.lfc,
                    "control_var": self.control_var,
                    "adj_var": self.adj_var,
                    "score": np.abs(self.theta),
                    "p.low": self.p_low,
                    "p.high": self.p_high,
                    "p.twosided": self.p_twosided,
                    "FDR": self.fdr,
                    "high_in_treatment": self.treat_mean > self.control_mean,
                }
            )
            .iloc[self.order]
            .reset_index(drop=True)
        )


def sgrna_test(
    design: MageckDesign,
    model: MeanVarianceModel,
    *,
    remove_zero: Literal["none", "control", "treatment", "both", "any"] = "both",
    remove_zero_threshold: float = 0.0,
    adjust_method: Literal["fdr", "holm", "pounds"] = "fdr",
) -> SgrnaTest:
    """Stage 3 of :func:`ifnexus.screen.mageck_test`: MAGeCK's per-sgRNA test.

    Parameters
    ----------
    design, model
        Outputs of :func:`ifnexus.screen.mageck_normalise` and :func:`fit_mean_variance`.
    remove_zero, remove_zero_threshold
        ``--remove-zero`` / ``--remove-zero-threshold``: which medians must exceed the
        threshold for an sgRNA to enter RRA.
    adjust_method
        ``--adjust-method`` of the sgRNA FDR.

    Returns
    -------
    SgrnaTest
        With c the control median, t the treatment median, sd = sqrt(c^k 2^b + c) and Phi the
        standard normal CDF: p.low = (Phi((t - c)/sd) - Phi(-c/sd)) / (1 - Phi(-c/sd)),
        p.high = (1 - Phi((t - c)/sd)) / (1 - Phi(-c/sd)).

    Raises
    ------
    ValidationError
        An unknown ``remove_zero``, or all-zero control or treatment medians.
    """
    check_choices(
        remove_zero=(remove_zero, REMOVE_ZERO), adjust_method=(adjust_method, ADJUST_METHODS)
    )
    sg = _sgrna_test(
        design.matrix, design.control_columns, design.treatment_columns,
        design.variance_columns, design.model_matrix, (model.k, model.b), remove_zero,
        remove_zero_threshold, adjust_method,
    )  # fmt: skip
    return SgrnaTest(ids=design.ids, genes=design.genes, **sg)


def _sgrna_test(
    nt: np.ndarray,
    cpos: list[int],
    tpos: list[int],
    vpos: list[int],
    mod: np.ndarray,
    model: tuple[float, float],
    remove_zero: str,
    thr: float,
    adjust_method: str,
) -> dict:
    """MAGeCK's ``crispr_test`` up to the sgRNA table, vectorised."""
    ctrl = nt[:, cpos]
    treat = nt[:, tpos]
    k, b = model
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
        "control": ctrl, "treatment": treat, "control_mean": cmean, "treat_mean": tmean,
        "control_var": cvar, "adj_var": adjvar, "p_low": plow, "p_high": phigh,
        "p_twosided": ptwo, "fdr": fdr, "theta": theta, "lfc": lfc, "valid": valid,
    }  # fmt: skip
