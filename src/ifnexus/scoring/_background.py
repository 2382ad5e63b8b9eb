"""The prepare step: gene means and expression bins, computed once and reused by every set.

``scanpy.tl.score_genes`` recomputes the mean of every pool gene and re-bins them for each gene
set; here one pass over the data gives the means (and the value checks), and the bins are cut
exactly as scanpy cuts them: ``n_items = round(n_pool / (n_bins - 1))`` and
``bin = rank(mean, method="min") // n_items``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ifnexus._runoptions import RunOptions
from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.scoring._chunks import Transform, accumulate_stats, fold_chunks, run_options
from ifnexus.scoring._source import ExpressionSource, expression_source

logger = logging.getLogger(__name__)

#: Largest value accepted as log-normalised (``log1p`` of 1e6 counts per 10k is 13.8).
MAX_LOG_VALUE = 30.0
#: Rows read to judge whether values are counts or log-normalised.
EVIDENCE_ROWS = 2000


def value_evidence(source: ExpressionSource, *, n_rows: int = EVIDENCE_ROWS) -> dict[str, Any]:
    """Summarise the first ``n_rows`` rows: are the values whole numbers, and how large.

    Parameters
    ----------
    source
        The matrix (:func:`~ifnexus.scoring.expression_source`).
    n_rows
        Rows read (from the top).

    Returns
    -------
    dict
        ``n_rows`` (rows read), ``n_values`` (stored finite non-zero values), ``integer``
        (all of them whole numbers), ``max`` (their largest; 0.0 when there are none).

    Examples
    --------
    >>> import numpy as np
    >>> from ifnexus.scoring import expression_source
    >>> src = expression_source(np.array([[0.0, 2.0], [7.0, 1.0]]), var_names=["A", "B"])
    >>> value_evidence(src)
    {'n_rows': 2, 'n_values': 3, 'integer': True, 'max': 7.0}
    """
    stop = min(int(n_rows), source.shape[0])
    block = source.reader(0, stop) if stop > 0 else np.empty((0, source.shape[1]))
    vals = block.data if sparse.issparse(block) else np.asarray(block).ravel()
    vals = np.asarray(vals, dtype=np.float64)
    vals = vals[np.isfinite(vals) & (vals != 0)]
    return {
        "n_rows": stop,
        "n_values": int(vals.size),
        "integer": bool(np.all(vals == np.round(vals))),
        "max": float(vals.max()) if vals.size else 0.0,
    }


def check_transform(source: ExpressionSource, transform: Transform) -> None:
    """Refuse ``transform="lognorm"`` (normalise and log1p) on values that are already logged.

    Counts are non-negative integers; log-normalised values are non-integer and small. So
    non-integer values no larger than :data:`MAX_LOG_VALUE` in the first rows, with
    ``transform="lognorm"``, would be logged twice: an error, with the evidence. (Non-integer
    values above it, e.g. TPM, may be normalised and logged: accepted.)

    Parameters
    ----------
    source
        The matrix.
    transform
        ``"none"`` or ``"lognorm"``.

    Returns
    -------
    None
        When the values fit the transform.

    Raises
    ------
    ValidationError
        ``transform="lognorm"`` on values that look log-normalised already.
    """
    if transform != "lognorm":
        return
    ev = value_evidence(source)
    if ev["n_values"] and not ev["integer"] and ev["max"] <= MAX_LOG_VALUE:
        raise ValidationError(
            f"{source.description}: asked to normalise and log-transform counts (lognorm), but "
            f"the values of the first {ev['n_rows']} rows are non-integer with max "
            f"{ev['max']:.3g}: this looks log-normalised already; score it as it is (score: "
            "drop --lognorm; sc profile: --input-kind lognorm, or leave the kind detected)"
        )


def warn_if_counts(source: ExpressionSource, transform: Transform) -> None:
    """Warn when unnormalised counts are scored as they are (``transform="none"``).

    Parameters
    ----------
    source
        The matrix.
    transform
        ``"none"`` or ``"lognorm"``; only ``"none"`` is checked.

    Returns
    -------
    None
        An :class:`~ifnexus.errors.IfnexusWarning` is emitted when the first rows hold only
        whole numbers, the largest above :data:`MAX_LOG_VALUE`.
    """
    if transform != "none":
        return
    ev = value_evidence(source)
    if ev["n_values"] and ev["integer"] and ev["max"] > MAX_LOG_VALUE:
        warnings.warn(
            f"{source.description}: the values of the first {ev['n_rows']} rows are whole "
            f"numbers up to {ev['max']:g}: raw counts? They are scored as they are; to "
            "normalise and log-transform them first pass transform='lognorm' (score --lognorm)",
            IfnexusWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class ScoringBackground:
    """Gene means and expression bins of one matrix (the output of :func:`prepare`).

    Attributes
    ----------
    var_names
        All genes of the matrix, in its column order.
    means
        Mean of each gene over all rows (float64), indexed by gene.
    bins
        Expression bin of each gene of the pool (genes with a finite mean), scanpy's cut.
    n_obs, n_bins
        Rows averaged over; the requested number of bins.
    min_value, max_value
        Smallest and largest value seen (after ``transform``).
    transform
        ``"none"`` or ``"lognorm"`` (per-row normalisation to 1e4 and log1p).
    source
        Which matrix was read (for reports).
    params
        The options it was prepared with (``n_bins``, ``gene_pool`` size, ``transform``).
    """

    var_names: pd.Index
    means: pd.Series
    bins: pd.Series
    n_obs: int
    n_bins: int
    min_value: float
    max_value: float
    transform: Transform = "none"
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per gene of the matrix: its mean and expression bin.

        Returns
        -------
        pandas.DataFrame
            Index ``gene`` (column order of the matrix); columns ``mean`` (float64),
            ``in_pool`` (whether controls may be drawn from it) and ``bin`` (float64: the
            scanpy bin, NaN outside the pool).
        """
        out = pd.DataFrame({"mean": self.means.to_numpy(dtype=np.float64)}, index=self.var_names)
        out.index.name = "gene"
        out["in_pool"] = out.index.isin(self.bins.index)
        out["bin"] = self.bins.reindex(out.index).to_numpy(dtype=np.float64)
        return out


def cut_bins(means: pd.Series, n_bins: int) -> pd.Series:
    """Cut scanpy's expression bins: ``rank(method='min') // round(n / (n_bins - 1))``.

    Parameters
    ----------
    means
        Mean expression per gene (index: gene); non-finite means are left out of the pool.
    n_bins
        Requested number of bins (at least 2; scanpy: 25).

    Returns
    -------
    pandas.Series
        The bin of each gene with a finite mean (float, as scanpy's).

    Raises
    ------
    ValidationError
        ``n_bins < 2`` or a pool too small for that many bins.

    Examples
    --------
    >>> import pandas as pd
    >>> cut_bins(pd.Series([0.1, 0.2, 0.3, 0.4], index=list("abcd")), 3).tolist()
    [0.0, 1.0, 1.0, 2.0]
    """
    finite = means[np.isfinite(means.to_numpy())]
    if n_bins < 2:
        raise ValidationError(f"n_bins must be at least 2, got {n_bins}")
    n_items = int(np.round(len(finite) / (n_bins - 1)))
    if n_items < 1:
        raise ValidationError(
            f"the gene pool has {len(finite)} genes, too few for {n_bins} expression bins; "
            f"use n_bins <= {max(2, 2 * len(finite))} or a larger pool"
        )
    return finite.rank(method="min") // n_items


def prepare(
    data: Any,
    *,
    layer: str | None = None,
    use_raw: bool | None = None,
    var_names: Any = None,
    n_bins: int = 25,
    gene_pool: Sequence[str] | None = None,
    transform: Transform = "none",
    allow_negative: bool = False,
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> ScoringBackground:
    """Compute gene means and expression bins once, in one chunked pass.

    Parameters
    ----------
    data
        Cells (or samples) x genes: AnnData (in memory or backed), DataFrame, numpy, scipy
        sparse or dask array, or an :class:`~ifnexus.scoring.ExpressionSource`.
    layer, use_raw
        For AnnData, which matrix (scanpy's rule: ``.raw`` when present unless a layer is
        named or ``use_raw=False``).
    var_names
        Gene names of a plain array's columns.
    n_bins
        Number of expression bins (scanpy: 25).
    gene_pool
        Genes controls may be drawn from (default: all genes), as in scanpy.
    transform
        ``"lognorm"`` normalises each row to 1e4 and takes log1p on the fly (for counts).
    allow_negative
        Negative values are refused by default: mean-control scores assume non-negative
        (log-normalised or count) expression; scaled or centred data give meaningless bins.
    options
        How the pass runs (:class:`ifnexus.RunOptions`): rows per chunk (default 20,000;
        memory is about one chunk at a time), threads for in-memory chunks (``n_jobs=-1``: all
        cores), or a Dask scheduler address / ``distributed.Client``. Results do not depend
        on it.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): use ``options=RunOptions(...)``; still accepted, with a
        ``FutureWarning``.

    Returns
    -------
    ScoringBackground

    Raises
    ------
    ValidationError
        Non-finite values (naming the genes), negative values, an empty matrix or too few
        genes for the bins.
    """
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="prepare"
    )
    source = expression_source(data, layer=layer, use_raw=use_raw, var_names=var_names)
    return _prepare_source(
        source,
        n_bins=n_bins,
        gene_pool=gene_pool,
        transform=transform,
        allow_negative=allow_negative,
        options=opts,
    )


def _prepare_source(
    source: ExpressionSource,
    *,
    n_bins: int,
    gene_pool: Sequence[str] | None,
    transform: Transform,
    allow_negative: bool,
    options: RunOptions | None,
) -> ScoringBackground:
    n_obs, n_vars = source.shape
    if n_obs == 0 or n_vars == 0:
        raise InputFormatError(f"{source.description} is empty (shape {n_obs} x {n_vars})")
    if source.var_names.has_duplicates:
        dup = source.var_names[source.var_names.duplicated()].unique()[:5].tolist()
        raise InputFormatError(
            f"{source.description} has duplicated gene names {dup}; make them unique first "
            "(e.g. AnnData.var_names_make_unique())"
        )
    check_transform(source, transform)
    sums, lo, hi = fold_chunks(
        source,
        accumulate_stats,
        transform,
        options=options,
    )
    sums = np.asarray(sums, dtype=np.float64)
    bad = ~np.isfinite(sums)
    if bad.any():
        names = source.var_names[bad][:5].tolist()
        raise InputFormatError(
            f"{source.description} holds non-finite values (NaN or infinity) in {int(bad.sum())} "
            f"gene(s), e.g. {names}; expected finite expression values"
        )
    if lo < 0 and not allow_negative:
        raise InputFormatError(
            f"{source.description} holds negative values (minimum {lo:.4g}); expected "
            "non-negative counts or log-normalised expression. Scaled data? Score .raw or a "
            "log-normalised layer instead"
        )
    means = pd.Series(sums / n_obs, index=source.var_names, name="mean")
    pool_means = means
    if gene_pool is not None:
        pool = pd.Index(list(gene_pool)).astype(str).intersection(source.var_names)
        if len(pool) == 0:
            raise ValidationError("none of the gene_pool genes are in the data")
        pool_means = means.loc[pool]
    bins = cut_bins(pool_means, n_bins)
    logger.info(
        "prepared %d genes in %d bins from %s (%d rows)",
        len(bins),
        int(bins.max()) + 1,
        source.description,
        n_obs,
    )
    return ScoringBackground(
        var_names=source.var_names,
        means=means,
        bins=bins,
        n_obs=n_obs,
        n_bins=n_bins,
        min_value=float(lo),
        max_value=float(hi),
        transform=transform,
        source=source.description,
        params={
            "n_bins": n_bins,
            "gene_pool": None if gene_pool is None else len(bins),
            "transform": transform,
        },
    )
