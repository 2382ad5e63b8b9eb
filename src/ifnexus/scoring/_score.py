"""``score_sets``: many gene sets, one engine, any backend, as named stages.

The mean-control method makes two passes over the rows whatever the number of sets: one for
gene means and bins (:func:`~ifnexus.scoring.prepare`, skipped when a background is passed),
one for ``X_chunk @ W``. ssGSEA ranks within each row, so it runs chunk by chunk through the
shared ESTIMATE-form kernel :func:`~ifnexus.scoring.ssgsea`.

:func:`score_sets` runs these stages in order; each can be run (and tested) alone:

1. :func:`~ifnexus.scoring.resolve_sets`: which genes of each set are in the data;
2. :func:`~ifnexus.scoring.prepare`: gene means and expression bins (mean-control);
3. :func:`~ifnexus.scoring.weight_matrix`: control genes and the genes x sets weights ``W``;
4. :func:`weighted_scores` (``X @ W``, mean-control) or :func:`ssgsea_scores` (ssGSEA), one
   pass over the rows, any backend.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.scoring._background import ScoringBackground, _prepare_source, warn_if_counts
from ifnexus.scoring._chunks import (
    Transform,
    apply_transform,
    map_chunks,
    run_options,
    weighted_sums,
)
from ifnexus.scoring._mean_control import SeedLike, weight_matrix
from ifnexus.scoring._sets import SetsLike, resolve_sets
from ifnexus.scoring._source import Block, ExpressionSource, expression_source
from ifnexus.scoring._ssgsea import ssgsea

logger = logging.getLogger(__name__)

Method = Literal["mean-control", "ssgsea"]


def _ssgsea_chunk(
    block: Block,
    var_names: pd.Index,
    sets: dict[str, list[str]],
    alpha: float,
    transform: Transform,
) -> np.ndarray:
    """Score one row chunk with ssGSEA (rows are samples; the kernel wants genes x samples)."""
    block = apply_transform(block, transform)
    dense = block.toarray() if hasattr(block, "toarray") else np.asarray(block, dtype=np.float64)
    expr = pd.DataFrame(dense.T, index=var_names, columns=pd.RangeIndex(dense.shape[0]))
    return ssgsea(expr, sets, alpha=alpha).to_numpy()


def weighted_scores(
    data: Any,
    weights: np.ndarray,
    *,
    layer: str | None = None,
    use_raw: bool | None = None,
    var_names: Any = None,
    transform: Transform = "none",
    options: RunOptions | None = None,
) -> np.ndarray:
    """Stage 4 of mean-control scoring: ``X @ W`` for every row, in one chunked pass.

    Parameters
    ----------
    data
        Rows x genes, any form :func:`~ifnexus.scoring.expression_source` reads (or an
        :class:`~ifnexus.scoring.ExpressionSource`).
    weights
        Genes x sets (the column order of ``data``), e.g. from
        :func:`~ifnexus.scoring.weight_matrix`.
    layer, use_raw, var_names
        Which matrix of an AnnData; gene names of a plain array.
    transform
        ``"lognorm"``: each row normalised to 1e4 and log1p'd before the product.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`); results do not depend on it.

    Returns
    -------
    numpy.ndarray
        Rows x sets, float64: row ``i``, set ``s`` is ``sum_j x_ij W_js``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 0.0]])
    >>> w = np.array([[0.5], [0.5], [-1.0]])
    >>> weighted_scores(x, w, var_names=["A", "B", "C"])
    array([[-1.5],
           [ 2. ]])
    """
    source = expression_source(data, layer=layer, use_raw=use_raw, var_names=var_names)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != source.shape[1]:
        raise ValidationError(
            f"weights must be genes x sets with {source.shape[1]} rows (one per gene of the "
            f"data), got shape {w.shape}"
        )
    _, parts = map_chunks(source, weighted_sums, w, transform, options=options)
    return np.vstack(parts) if parts else np.empty((0, w.shape[1]))


def ssgsea_scores(
    data: Any,
    sets: dict[str, list[str]],
    *,
    layer: str | None = None,
    use_raw: bool | None = None,
    var_names: Any = None,
    alpha: float = 0.25,
    transform: Transform = "none",
    options: RunOptions | None = None,
) -> np.ndarray:
    """Stage 4 of ssGSEA scoring: the ESTIMATE-form score of every row, chunk by chunk.

    Parameters
    ----------
    data
        Rows (samples or cells) x genes, any form
        :func:`~ifnexus.scoring.expression_source` reads.
    sets
        Set name -> genes of the data (e.g. the first output of
        :func:`~ifnexus.scoring.resolve_sets`).
    layer, use_raw, var_names
        Which matrix of an AnnData; gene names of a plain array.
    alpha
        Weight exponent.
    transform
        ``"lognorm"``: each row normalised to 1e4 and log1p'd first.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`); results do not depend on it.

    Returns
    -------
    numpy.ndarray
        Rows x sets, float64, equal to :func:`~ifnexus.scoring.ssgsea` of the transposed rows.
    """
    source = expression_source(data, layer=layer, use_raw=use_raw, var_names=var_names)
    if not sets:
        return np.empty((source.shape[0], 0))
    _, parts = map_chunks(
        source,
        _ssgsea_chunk,
        source.var_names,
        sets,
        alpha,
        transform,
        options=options,
        dense=True,
    )
    return np.vstack(parts)


def _check_background(
    background: ScoringBackground, source: ExpressionSource, transform: Transform
) -> None:
    if not background.var_names.equals(source.var_names) or background.n_obs != source.shape[0]:
        raise ValidationError(
            "background was prepared on a different matrix (genes or rows differ)"
        )
    if background.transform != transform:
        raise ValidationError(
            f"background was prepared with transform={background.transform!r}, not {transform!r}"
        )


def score_sets(
    data: Any,
    sets: SetsLike,
    *,
    method: Method = "mean-control",
    rng: SeedLike = 0,
    species: str | None = None,
    layer: str | None = None,
    use_raw: bool | None = None,
    var_names: Any = None,
    obs_names: Any = None,
    background: ScoringBackground | None = None,
    min_genes: int = 3,
    on_too_few: Literal["raise", "skip"] = "raise",
    ctrl_size: int = 50,
    n_bins: int = 25,
    ctrl_as_ref: bool = True,
    gene_pool: Any = None,
    alpha: float = 0.25,
    transform: Transform = "none",
    allow_negative: bool = False,
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Score every row (cell or sample) for every gene set.

    Runs the stages :func:`~ifnexus.scoring.resolve_sets`, :func:`~ifnexus.scoring.prepare`,
    :func:`~ifnexus.scoring.weight_matrix` and :func:`weighted_scores` (mean-control), or
    :func:`~ifnexus.scoring.resolve_sets` and :func:`ssgsea_scores` (ssGSEA), and labels the
    result. The input is never modified (nothing is written into an AnnData).

    Parameters
    ----------
    data
        Rows x genes: AnnData in memory or backed (``read_h5ad(path, backed="r")``), pandas
        DataFrame (index: row ids, columns: genes), numpy array, scipy sparse matrix or dask
        array (then give ``var_names``).
    sets
        Shipped set name(s) (``"IFNA"``, ``"ISG.RS"``...), :class:`~ifnexus.genesets.GeneSet`
        objects, or a mapping name -> gene symbols.
    method
        ``"mean-control"``: the binned-control mean score of ``scanpy.tl.score_genes``
        (Seurat's ``AddModuleScore``); ``"ssgsea"``: ESTIMATE-form ssGSEA.
    rng
        Control-gene draws. An int seed gives, set by set, scanpy's controls for
        ``random_state=seed`` (default 0, as scanpy); a ``Generator`` spawns one stream per set.
    species
        ``"human"``/``"mouse"`` (shipped sets are mapped to mouse); ``None`` detects it from the
        gene names; a species contradicting the names is refused.
    layer, use_raw
        For AnnData, the matrix to score (scanpy's rule: ``.raw`` when present).
    var_names, obs_names
        Labels of a plain array.
    background
        A :class:`~ifnexus.scoring.ScoringBackground` from :func:`~ifnexus.scoring.prepare` on
        the same matrix, to skip the first pass.
    min_genes
        Refuse a set with fewer than ``min(min_genes, set size)`` genes found.
    on_too_few
        ``"raise"`` or ``"skip"`` (the set's column is all NaN and the report says why).
    ctrl_size, n_bins, ctrl_as_ref, gene_pool
        As in ``scanpy.tl.score_genes``.
    alpha
        ssGSEA weight exponent.
    transform
        ``"lognorm"`` scores counts after per-row normalisation to 1e4 and log1p.
    allow_negative
        Accept negative values (scaled data); refused by default.
    options
        How the passes run (:class:`ifnexus.RunOptions`): rows per chunk (default 20,000),
        threads for in-memory chunks (``n_jobs=-1``: all cores), or a Dask scheduler address
        / ``distributed.Client`` to run the chunks on a cluster. Same results whatever it is.
        A cluster that cannot be reached, or has no worker, is an error after
        ``IFNEXUS_DASK_TIMEOUT`` seconds (default 30). Running out of memory is an
        :class:`~ifnexus.errors.IfnexusError` suggesting a smaller ``chunk_size``; a dense chunk
        larger than the available memory is refused before the pass.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): use ``options=RunOptions(...)``; still accepted, with a
        ``FutureWarning``.

    Returns
    -------
    pandas.DataFrame
        One row per cell/sample (index: its id), one float64 column per set. ``.attrs``
        holds ``"genes"`` (the per-set report of :func:`~ifnexus.scoring.resolve_sets` as
        records, plus ``n_control_genes`` for mean-control) and ``"params"`` (method, seed,
        species, source matrix, version).

    Raises
    ------
    ValidationError
        Too few genes of a set found (saying how many), species mismatch, negative or
        non-finite values (an ``InputFormatError``), a missing layer, ``transform="lognorm"``
        on values that look log-normalised already, an unreachable ``scheduler``.
    IfnexusError
        Out of memory, or a Dask scheduler without workers.

    Warns
    -----
    IfnexusWarning
        A set found at less than half its genes; raw counts scored with ``transform="none"``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> x = sp.random(50, 200, density=0.2, format="csr", random_state=0)
    >>> genes = [f"G{i}" for i in range(200)]
    >>> out = score_sets(x, {"a": genes[:10]}, var_names=genes, n_bins=5)
    >>> out.shape
    (50, 1)
    """
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="score_sets"
    )
    if method not in ("mean-control", "ssgsea"):
        raise ValidationError(f"method must be 'mean-control' or 'ssgsea', got {method!r}")
    source = expression_source(data, layer=layer, use_raw=use_raw, var_names=var_names)
    if obs_names is not None:
        obs = pd.Index(np.asarray(obs_names).astype(str))
        if len(obs) != source.shape[0]:
            raise ValidationError(f"obs_names has {len(obs)} names for {source.shape[0]} rows")
    else:
        obs = source.obs_names
    # stage 1: the genes of each set found in the data
    resolved, report = resolve_sets(
        sets, source.var_names, species=species, min_genes=min_genes, on_too_few=on_too_few
    )
    names = list(report["set"])
    params: dict[str, Any] = {
        "method": method,
        "species": str(report["species"].iloc[0]) if len(report) else species,
        "source": source.description,
        "min_genes": min_genes,
        "transform": transform,
        "ifnexus_version": __version__,
    }
    out = pd.DataFrame(np.nan, index=obs, columns=pd.Index(names), dtype=np.float64)
    out.index.name = "id"
    if resolved and method == "mean-control":
        # stage 2: gene means and bins (unless given)
        if background is None:
            warn_if_counts(source, transform)
            background = _prepare_source(
                source,
                n_bins=n_bins,
                gene_pool=gene_pool,
                transform=transform,
                allow_negative=allow_negative,
                options=opts,
            )
        else:
            _check_background(background, source, transform)
        # stage 3: control genes and weights; stage 4: X @ W
        w, controls = weight_matrix(
            background, resolved, ctrl_size=ctrl_size, ctrl_as_ref=ctrl_as_ref, rng=rng
        )
        out.loc[:, list(resolved)] = weighted_scores(source, w, transform=transform, options=opts)
        ctrl_n = dict(zip(controls["set"], controls["n_control_genes"], strict=True))
        report["n_control_genes"] = report["set"].map(ctrl_n).fillna(0).astype(int)
        params.update(
            {
                "seed": rng if isinstance(rng, int | np.integer) else repr(rng),
                "ctrl_size": ctrl_size,
                "n_bins": background.n_bins,
                "ctrl_as_ref": ctrl_as_ref,
            }
        )
    elif resolved:
        if not allow_negative:
            # ranks do not care about the sign, but the checks of prepare() still apply
            _prepare_source(
                source,
                n_bins=2,
                gene_pool=None,
                transform=transform,
                allow_negative=False,
                options=opts,
            )
        out.loc[:, list(resolved)] = ssgsea_scores(
            source, resolved, alpha=alpha, transform=transform, options=opts
        )
        params["alpha"] = alpha
    out.attrs["genes"] = report.to_dict(orient="records")
    out.attrs["params"] = params
    logger.info(
        "scored %d set(s) on %d rows (%s, %s)", len(resolved), len(out), method, source.description
    )
    return out


def gene_report(scores: pd.DataFrame) -> pd.DataFrame:
    """Return the per-set gene report stored in ``scores.attrs`` by :func:`score_sets`.

    Parameters
    ----------
    scores
        The output of :func:`score_sets`.

    Returns
    -------
    pandas.DataFrame
        One row per set: ``set``, ``species``, ``n_genes``, ``n_found``, ``fraction_found``,
        ``n_alias``, ``status``, ``found``, ``missing`` (see
        :func:`~ifnexus.scoring.resolve_sets`) and, for mean-control, ``n_control_genes``.

    Raises
    ------
    ValidationError
        ``scores`` carries no report (not made by :func:`score_sets`).
    """
    if "genes" not in scores.attrs:
        raise ValidationError("these scores carry no gene report (not made by score_sets?)")
    return pd.DataFrame(scores.attrs["genes"])
