"""``score_sets``: many gene sets, one engine, any backend.

The mean-control method makes two passes over the rows whatever the number of sets: one for
gene means and bins (:func:`~ifnexus.scoring.prepare`, skipped when a background is passed),
one for ``X_chunk @ W``. ssGSEA ranks within each row, so it runs chunk by chunk through the
shared ESTIMATE-form kernel :func:`~ifnexus.scoring.ssgsea`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus.errors import ValidationError
from ifnexus.scoring._background import ScoringBackground, _prepare_source
from ifnexus.scoring._chunks import Transform, apply_transform, map_chunks, weighted_sums
from ifnexus.scoring._mean_control import SeedLike, weight_matrix
from ifnexus.scoring._sets import SetsLike, resolve_sets
from ifnexus.scoring._source import Block, expression_source
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
    """ssGSEA of one row chunk (rows are samples; the kernel wants genes x samples)."""
    block = apply_transform(block, transform)
    dense = block.toarray() if hasattr(block, "toarray") else np.asarray(block, dtype=np.float64)
    expr = pd.DataFrame(dense.T, index=var_names, columns=pd.RangeIndex(dense.shape[0]))
    return ssgsea(expr, sets, alpha=alpha).to_numpy()


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
    chunk_size: int = 20_000,
    n_jobs: int = 1,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Score every row (cell or sample) for every gene set.

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
    chunk_size, n_jobs, scheduler
        Rows per chunk; threads for in-memory chunks; a Dask scheduler address or
        ``distributed.Client`` to run the chunks on a cluster (same results).

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
        non-finite values, a missing layer.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> x = sp.random(50, 200, density=0.2, format="csr", random_state=0)
    >>> genes = [f"G{i}" for i in range(200)]
    >>> out = score_sets(x, {"a": genes[:10]}, var_names=genes, n_bins=5)
    >>> out.shape
    (50, 1)
    """
    if method not in ("mean-control", "ssgsea"):
        raise ValidationError(f"method must be 'mean-control' or 'ssgsea', got {method!r}")
    source = expression_source(data, layer=layer, use_raw=use_raw, var_names=var_names)
    if obs_names is not None:
        obs = pd.Index(np.asarray(obs_names).astype(str))
        if len(obs) != source.shape[0]:
            raise ValidationError(f"obs_names has {len(obs)} names for {source.shape[0]} rows")
    else:
        obs = source.obs_names
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
        if background is None:
            background = _prepare_source(
                source,
                n_bins=n_bins,
                gene_pool=gene_pool,
                transform=transform,
                allow_negative=allow_negative,
                chunk_size=chunk_size,
                n_jobs=n_jobs,
                scheduler=scheduler,
            )
        elif (
            not background.var_names.equals(source.var_names) or background.n_obs != source.shape[0]
        ):
            raise ValidationError(
                "background was prepared on a different matrix (genes or rows differ)"
            )
        elif background.transform != transform:
            raise ValidationError(
                f"background was prepared with transform={background.transform!r}, not {transform!r}"
            )
        w, controls = weight_matrix(
            background, resolved, ctrl_size=ctrl_size, ctrl_as_ref=ctrl_as_ref, rng=rng
        )
        _, parts = map_chunks(
            source,
            weighted_sums,
            w,
            transform,
            chunk_size=chunk_size,
            n_jobs=n_jobs,
            scheduler=scheduler,
        )
        out.loc[:, list(resolved)] = np.vstack(parts) if parts else np.empty((0, len(resolved)))
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
                chunk_size=chunk_size,
                n_jobs=n_jobs,
                scheduler=scheduler,
            )
        _, parts = map_chunks(
            source,
            _ssgsea_chunk,
            source.var_names,
            resolved,
            alpha,
            transform,
            chunk_size=chunk_size,
            n_jobs=n_jobs,
            scheduler=scheduler,
        )
        out.loc[:, list(resolved)] = np.vstack(parts)
        params["alpha"] = alpha
    out.attrs["genes"] = report.to_dict(orient="records")
    out.attrs["params"] = params
    logger.info(
        "scored %d set(s) on %d rows (%s, %s)", len(resolved), len(out), method, source.description
    )
    return out


def gene_report(scores: pd.DataFrame) -> pd.DataFrame:
    """The per-set gene report stored in ``scores.attrs`` by :func:`score_sets`, as a DataFrame."""
    if "genes" not in scores.attrs:
        raise ValidationError("these scores carry no gene report (not made by score_sets?)")
    return pd.DataFrame(scores.attrs["genes"])
