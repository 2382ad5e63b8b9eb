"""Pseudobulk: counts summed per sample x cell type, chunk by chunk (one sparse product each).

The input of a per-cell-type differential-expression test between conditions (PyDESeq2,
edgeR, decoupler); it needs raw counts, so it is computed only from a counts matrix.
"""

from __future__ import annotations

from typing import Any

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse

from ifnexus._errors import ValidationError
from ifnexus.scoring import ExpressionSource


def _group_sums(block: Any, codes: np.ndarray, n_groups: int) -> np.ndarray:
    ind = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes))
    )
    res = ind @ block
    return res.toarray() if sparse.issparse(res) else np.asarray(res)


def pseudobulk(
    source: ExpressionSource,
    groups: pd.DataFrame,
    *,
    chunk_size: int = 20_000,
    n_jobs: int = 1,
) -> ad.AnnData:
    """Sum the rows of ``source`` within each combination of the columns of ``groups``.

    Parameters
    ----------
    source
        A counts matrix (cells x genes).
    groups
        One row per cell (same order), e.g. columns ``sample`` and ``cell_type``.

    Returns
    -------
    anndata.AnnData
        One observation per non-empty group: ``X`` the summed counts (float64), ``obs`` the
        group columns plus ``n_cells``; ``var`` the genes.
    """
    if len(groups) != source.shape[0]:
        raise ValidationError(f"groups has {len(groups)} rows for {source.shape[0]} cells")
    keys = groups.astype(str)
    combo = pd.MultiIndex.from_frame(keys)
    codes, uniques = pd.factorize(combo, sort=True)
    n_groups = len(uniques)
    bounds = source.bounds(chunk_size)

    def kernel(block: Any, a: int, b: int) -> np.ndarray:
        return _group_sums(block, codes[a:b], n_groups)

    total = np.zeros((n_groups, source.shape[1]))
    for part in _run_chunks(source, kernel, bounds, n_jobs):  # in chunk order
        total += part
    obs = pd.DataFrame(list(uniques), columns=list(keys.columns))
    obs["n_cells"] = np.bincount(codes, minlength=n_groups)
    obs.index = ["|".join(map(str, t)) for t in uniques]
    return ad.AnnData(X=total, obs=obs, var=pd.DataFrame(index=source.var_names.copy()))


def _run_chunks(source: ExpressionSource, kernel: Any, bounds: list, n_jobs: int) -> list:
    """Run ``kernel(block, start, stop)`` per chunk in order (in memory or backed)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(ab: tuple[int, int]) -> np.ndarray:
        return kernel(source.reader(*ab), *ab)

    if n_jobs == 1:
        return [run(ab) for ab in bounds]
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        return list(pool.map(run, bounds))
