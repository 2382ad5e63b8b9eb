"""Benjamini-Hochberg adjusted p-values: the one implementation the screen modules share.

MAGeCK computes the Benjamini-Hochberg FDR in two places (the RRA gene FDR and ``pFDR`` of the
sgRNA and gene tests); both are the step-up rule q_(i) = min_{j >= i} p_(j) n / j with ties
kept in input order, and :func:`bh_adjust` is it. Why our own: statsmodels (``multipletests``)
is not a dependency of the package, and its arithmetic (p / (j / n)) differs from MAGeCK's in
the last bit, which the byte-for-byte MAGeCK parity of ``mageck_test`` would notice.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bh_adjust"]


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (MAGeCK's arithmetic, ties in input order).

    Parameters
    ----------
    p
        P-values, one per test (no NaN).

    Returns
    -------
    numpy.ndarray
        q-values in the order of ``p``, at most 1.

    Examples
    --------
    >>> import numpy as np
    >>> bh_adjust(np.array([0.01, 0.04, 0.03, 0.2])).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.shape[0]
    if n == 0:
        return p.copy()
    order = np.lexsort((np.arange(n), p))  # ascending by (p, index)
    q = p[order] / (np.arange(n) + 1.0) * n
    q[-1] = min(q[-1], 1.0)
    q = np.minimum.accumulate(q[::-1])[::-1]
    out = np.empty(n)
    out[order] = q
    return out
