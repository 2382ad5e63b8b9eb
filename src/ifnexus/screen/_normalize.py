"""MAGeCK's read-count normalisation (median, total, control, none), reproduced bit for bit.

MAGeCK's median normalisation: per sgRNA the geometric mean g = exp(mean(log(c + 1))) over the
samples (sgRNAs with all-zero counts excluded); per sample the upper median of c / g; the size
factor is 1 / that median. It falls back to total-count normalisation (factor = mean total /
total) when a sample's median is zero or more than 45% of its sgRNAs are zero. ``control`` runs
the median method on the control sgRNAs only.

The ratios are computed with numpy, and the selected median ratio is then recomputed with the
``math`` module in MAGeCK's order of operations, so the factors equal MAGeCK's to the last bit
(numpy's vectorised ``log`` may differ from libm by one ulp).

Matrices are guides x samples, as MAGeCK's count files (see :mod:`ifnexus.screen._io`).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ifnexus.errors import IfnexusWarning, ValidationError

logger = logging.getLogger(__name__)

NormMethod = Literal["median", "total", "control", "none"]

__all__ = ["size_factors"]


def _total_factors(mat: np.ndarray) -> np.ndarray:
    """Mean total / total per sample (totals are positive: :func:`size_factors` checks)."""
    # MAGeCK sums sample by sample in row order with plain float addition.
    sums = [sum(mat[:, j].tolist()) for j in range(mat.shape[1])]
    avg = sum(sums) / float(mat.shape[1])
    return np.asarray([avg / s for s in sums])


def _median_factors(mat: np.ndarray) -> np.ndarray:
    n = mat.shape[1]
    keep = mat.sum(axis=1) > 0
    sub = mat[keep]
    if sub.shape[0] == 0:
        return np.zeros(n)
    logs = np.log(sub + 1.0)
    gmean = np.exp(logs.sum(axis=1) / n)
    gmean[gmean <= 0] = 1.0
    ratio = sub / gmean[:, None]
    out = np.zeros(n)
    m = ratio.shape[0]
    for j in range(n):
        kth = np.partition(ratio[:, j], m // 2)[m // 2]
        i = int(np.flatnonzero(ratio[:, j] == kth)[0])
        row = sub[i].tolist()
        g = math.exp(sum([math.log(v + 1.0) for v in row]) * 1.0 / n)
        if g <= 0:
            g = 1.0
        x = row[j] / g
        if x > 0.0:
            out[j] = 1.0 / x
    return out


def size_factors(
    mat: np.ndarray,
    *,
    method: NormMethod = "median",
    control_rows: np.ndarray | Sequence[int] | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """MAGeCK size factors for a sgRNA x sample count matrix.

    Parameters
    ----------
    mat
        Raw counts, sgRNAs in rows, samples in columns.
    method
        ``median`` (default), ``total``, ``control`` (median over ``control_rows``) or ``none``.
    control_rows
        Row indices of the control sgRNAs (required for ``control``).
    labels
        Sample labels, used in messages.

    Returns
    -------
    (factors, messages): the multiplicative size factor per sample, and the warnings MAGeCK
    would log (also issued as :class:`IfnexusWarning`).
    """
    mat = np.asarray(mat, dtype=np.float64)
    nsample = mat.shape[1]
    labels = list(labels) if labels is not None else [str(i) for i in range(nsample)]
    msgs: list[str] = []
    if method == "none":
        return np.ones(nsample), msgs
    if method == "control":
        if control_rows is None or len(control_rows) == 0:
            raise ValidationError(
                "norm_method='control' needs control sgRNAs (control_sgrna or control_gene)"
            )
        sub = mat[np.asarray(control_rows, dtype=np.int64)]
        method = "median"
    else:
        sub = mat
    if method not in ("median", "total"):
        raise ValidationError(
            f"unknown normalisation method {method!r}; use median, total, control or none"
        )
    empty = np.flatnonzero(sub.sum(axis=0) <= 0)
    if empty.size:
        raise ValidationError(
            f"sample {labels[empty[0]]!r} has no reads"
            + (" in the control sgRNAs" if sub is not mat else "")
            + "; an all-zero sample cannot be normalised or tested"
        )
    use_total = method == "total"
    if method == "median":
        med = _median_factors(sub)
        nz = (sub == 0).sum(axis=0) / sub.shape[0]
        for j in range(nsample):
            if med[j] == 0.0:
                msgs.append(
                    f"sample {labels[j]!r} has zero median count, so median normalisation is "
                    "not possible; switching to total read count normalisation"
                )
                use_total = True
            if nz[j] > 0.45:
                msgs.append(
                    f"sample {labels[j]!r} has too many zero-count sgRNAs ({nz[j]:.4g}), and "
                    "median normalisation is unstable; switching to total read count "
                    "normalisation"
                )
                use_total = True
            elif nz[j] > 0.3:
                msgs.append(
                    f"sample {labels[j]!r} has many zero-count sgRNAs ({nz[j]:.4g}); median "
                    "normalisation may be unstable"
                )
    factors = _total_factors(sub) if use_total else med
    if np.any((factors < 0.2) | (factors > 5)):
        msgs.append("some samples have unusually small or large normalisation factors (<0.2 or >5)")
    for m in msgs:
        warnings.warn(m, IfnexusWarning, stacklevel=3)
        logger.info(m)
    return np.asarray(factors, dtype=np.float64), msgs
