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

from ifnexus._runoptions import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.scoring import ExpressionSource
from ifnexus.scoring._chunks import map_chunks, run_options


def _group_sums(block: Any, a: int, b: int, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the rows of ``block`` (rows ``a:b`` of the matrix) per group code."""
    chunk_codes = codes[a:b]
    ind = sparse.csr_matrix(
        (np.ones(len(chunk_codes)), (chunk_codes, np.arange(len(chunk_codes)))),
        shape=(n_groups, len(chunk_codes)),
    )
    res = ind @ block
    return res.toarray() if sparse.issparse(res) else np.asarray(res)


def pseudobulk(
    source: ExpressionSource,
    groups: pd.DataFrame,
    *,
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> ad.AnnData:
    """Sum the rows of ``source`` within each combination of the columns of ``groups``.

    Parameters
    ----------
    source
        A counts matrix (cells x genes).
    groups
        One row per cell (same order), e.g. columns ``sample`` and ``cell_type``.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`); results do not depend on it.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): use ``options=RunOptions(...)``; still accepted, with a
        ``FutureWarning``.

    Returns
    -------
    anndata.AnnData
        One observation per non-empty group: ``X`` the summed counts (float64), ``obs`` the
        group columns plus ``n_cells``; ``var`` the genes.
    """
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="pseudobulk"
    )
    if len(groups) != source.shape[0]:
        raise ValidationError(f"groups has {len(groups)} rows for {source.shape[0]} cells")
    keys = groups.astype(str)
    combo = pd.MultiIndex.from_frame(keys)
    codes, uniques = pd.factorize(combo, sort=True)
    n_groups = len(uniques)
    _, parts = map_chunks(
        source,
        _group_sums,
        codes,
        n_groups,
        options=opts,
        with_bounds=True,
    )
    total = np.zeros((n_groups, source.shape[1]))
    for part in parts:  # in chunk order
        total += part
    obs = pd.DataFrame(list(uniques), columns=list(keys.columns))
    obs["n_cells"] = np.bincount(codes, minlength=n_groups)
    obs.index = ["|".join(map(str, t)) for t in uniques]
    return ad.AnnData(X=total, obs=obs, var=pd.DataFrame(index=source.var_names.copy()))
