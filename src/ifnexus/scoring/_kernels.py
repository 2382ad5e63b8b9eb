"""Compiled (numba) kernels for the two passes over a CSR chunk.

Why own loops rather than scipy: pass 1 (``csr.sum(axis=0)`` plus ``min``/``max``) walks the
values three times, and pass 2 (``csr @ W`` with a dense genes x sets ``W``) upcasts the whole
chunk to float64 and does ``n_sets`` multiply-adds per stored value, although most genes carry
no weight at all (10 sets of 50 genes with their controls touch about a fifth of 20,000
genes). Here pass 1 is one walk; pass 2 gathers, row by row, the stored values of genes that
carry a weight (branch-free) and runs the sets over that short buffer, four at a time with
independent accumulators.

Both kernels keep the arithmetic of the scipy operations they replace, in the same order:

- column sums are added row after row, in stored order, in the accumulator's precision
  (float32 for float32 data, as ``csr.sum(axis=0)``, which is what ``scanpy.tl.score_genes``
  bins on), so the gene means are bit-identical to scanpy's;
- each ``out[i, s]`` receives ``float64(x_ij) * W[j, s]`` for the stored entries of row ``i``
  in stored order, as scipy's ``csr_matvecs`` does (it skips nothing but the zero weights,
  which only add ``+0.0``).

The kernels release the GIL (``nogil``), so the chunks of one matrix run on several threads
(``n_jobs``) without numba's own threading layer, which is unsafe when threads of a Dask
worker call it concurrently.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ifnexus.errors import InputFormatError


@nb.njit(nogil=True, cache=True)
def _colsum_minmax(data, indices, total, col_lo, col_hi):  # pragma: no cover - compiled
    """Add the values of columns ``[col_lo, col_hi)`` into ``total``, in stored order.

    Returns the min and max of those values and the number of indices outside
    ``[0, total.size)``.
    """
    lo = np.inf
    hi = -np.inf
    bad = 0
    n = total.size
    for k in range(data.size):
        j = indices[k]
        if j >= col_lo and j < col_hi:
            v = data[k]
            total[j] += v
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        elif j < 0 or j >= n:
            bad += 1
    return lo, hi, bad


#: Sets handled together in the inner loop (independent accumulators; one 32-byte row of ``W``).
GROUP = 4


@nb.njit(nogil=True, cache=True)
def _weighted_rows(data, indices, indptr, slot, wg, out):  # pragma: no cover - compiled
    """``out[i, s] = sum_k float64(x_ik) * W[j_k, s]`` over the stored entries of row ``i``.

    ``slot[j]`` is the row of gene ``j`` in ``wg`` (0: no weight in any set, skipped);
    ``wg[g, slot, t]`` is the weight of set ``GROUP * g + t``. Each row's weighted entries are
    first gathered (branch-free) into a small buffer, then every group of sets runs over the
    buffer with four independent accumulators, adding in stored order.
    """
    n_groups = wg.shape[0]
    n_sets = out.shape[1]
    buf_x = np.empty(wg.shape[1] + 1)
    buf_s = np.empty(wg.shape[1] + 1, dtype=np.int64)
    for i in range(indptr.size - 1):
        k0 = indptr[i]
        k1 = indptr[i + 1]
        if k1 - k0 > buf_x.size:
            buf_x = np.empty(k1 - k0)
            buf_s = np.empty(k1 - k0, dtype=np.int64)
        m = 0
        for k in range(k0, k1):
            j = indices[k]
            if j < 0 or j >= slot.size:
                return False
            r = slot[j]
            buf_s[m] = r
            buf_x[m] = data[k]
            m += r > 0
        for g in range(n_groups):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for q in range(m):
                x = buf_x[q]
                r = buf_s[q]
                a0 += x * wg[g, r, 0]
                a1 += x * wg[g, r, 1]
                a2 += x * wg[g, r, 2]
                a3 += x * wg[g, r, 3]
            s0 = g * 4
            out[i, s0] = a0
            if s0 + 1 < n_sets:
                out[i, s0 + 1] = a1
            if s0 + 2 < n_sets:
                out[i, s0 + 2] = a2
            if s0 + 3 < n_sets:
                out[i, s0 + 3] = a3
    return True


def _numeric_data(data: np.ndarray) -> np.ndarray:
    """Booleans as uint8 (numba adds them as integers); everything else as is."""
    return data.view(np.uint8) if data.dtype == np.bool_ else data


def column_sums(
    data: np.ndarray, indices: np.ndarray, n_cols: int, total: np.ndarray | None
) -> tuple[np.ndarray, float, float]:
    """Column sums of stored CSR values added onto a copy of ``total``; min and max stored value.

    ``total`` sets the accumulator type (float32 for float32 data, float64 otherwise, as
    scipy's ``sum(axis=0)``); ``None`` starts from zeros. One thread: splitting the columns
    between threads (each walking all entries) cost twice the CPU for no gain on 2 cores, and
    splitting the rows would change the float32 sums.
    """
    data = _numeric_data(data)
    if total is None:
        acc = data.dtype if data.dtype.kind == "f" else np.dtype(np.float64)
        total = np.zeros(n_cols, dtype=acc)
    else:
        total = total.copy()
    if data.size == 0:
        return total, np.inf, -np.inf
    lo, hi, bad = _colsum_minmax(data, indices, total, 0, n_cols)
    if bad:
        raise InputFormatError(
            f"the sparse matrix holds {bad} column index(es) outside [0, {n_cols}); "
            "the file or matrix is corrupt"
        )
    return total, float(lo), float(hi)


def compact_weights(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pack a genes x sets weight matrix as ``(slot, wg)`` for :func:`csr_times_weights`.

    ``slot[j]`` is 0 for a gene without weight in any set, else its row in ``wg``
    (groups x (1 + weighted genes) x ``GROUP``, row 0 all zeros, sets padded to a multiple of
    ``GROUP`` with zero weights).
    """
    w = np.asarray(weights, dtype=np.float64)
    n_genes, n_sets = w.shape
    used = np.flatnonzero((w != 0).any(axis=1))
    slot = np.zeros(n_genes, dtype=np.int64)
    slot[used] = np.arange(1, used.size + 1)
    n_groups = max(1, -(-n_sets // GROUP))
    padded = np.zeros((used.size + 1, n_groups * GROUP))
    padded[1:, :n_sets] = w[used]
    wg = np.ascontiguousarray(padded.reshape(used.size + 1, n_groups, GROUP).transpose(1, 0, 2))
    return slot, wg


def csr_times_weights(
    data: np.ndarray,
    indices: np.ndarray,
    indptr: np.ndarray,
    compact: tuple[np.ndarray, np.ndarray],
    n_sets: int,
) -> np.ndarray:
    """``X @ W`` in float64 for a CSR chunk given as arrays and ``W`` from :func:`compact_weights`.

    Equal, bit for bit, to scipy's ``csr @ W`` (same products, same order of addition; the
    skipped terms are ``x * 0.0``, which leave a sum unchanged).
    """
    out = np.zeros((indptr.size - 1, n_sets), dtype=np.float64)
    if data.size and n_sets:
        if not _weighted_rows(_numeric_data(data), indices, indptr, *compact, out):
            raise InputFormatError(
                f"the sparse matrix holds column indices outside [0, {compact[0].size}); "
                "the file or matrix is corrupt"
            )
    return out
