"""Marker-based cell-type annotation with a per-cell confidence and the markers used.

Each cell type's markers are scored per cell with the binned-control mean score (the same
engine and background as the signatures). A cell gets the type with the highest marker score
when that score is at least ``min_score``; otherwise ``other``. Its confidence is the share of
the winning score not matched by the runner-up, ``(top - max(second, 0)) / top`` in [0, 1]
(1: only one type scores; near 0: two types tie). ``cell_type_markers`` lists the winning
type's markers detected (> 0) in that cell. Types with fewer than ``min_markers`` markers in
the data are not candidates (the report says which).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ifnexus._runoptions import RunOptions
from ifnexus.scoring import ExpressionSource, ScoringBackground, score_sets
from ifnexus.scoring._chunks import Transform, map_chunks, run_options
from ifnexus.singlecell._markers import cell_type_markers


def _detected(block: Any, idx: np.ndarray) -> np.ndarray:
    """Which of the genes ``idx`` each row expresses (value > 0).

    Tested on the raw block: ``lognorm`` maps zeros to zero and positive counts to positive
    values, so transforming the whole chunk first would change nothing but the cost.
    """
    sub = block[:, idx]
    sub = sub.toarray() if hasattr(sub, "toarray") else np.asarray(sub)
    return sub > 0


def annotate_cells(
    source: ExpressionSource,
    *,
    species: str,
    background: ScoringBackground,
    markers: dict[str, list[str]] | None = None,
    min_score: float = 0.1,
    min_markers: int = 2,
    rng: Any = 0,
    transform: Transform = "none",
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Annotate every cell from marker scores.

    Parameters
    ----------
    source
        The expression matrix (see :func:`ifnexus.scoring.expression_source`).
    species
        ``"human"`` or ``"mouse"`` (selects the marker lists).
    background
        Gene means and bins of ``source`` (:func:`ifnexus.scoring.prepare`).
    markers
        Cell type -> marker genes, replacing the built-in lists.
    min_score
        Smallest winning marker score for a call (log-expression units above controls).
    min_markers
        Markers a type needs in the data to be a candidate.
    rng, transform
        Passed to the scoring engine.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`); results do not depend on it.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): use ``options=RunOptions(...)``; still accepted, with a
        ``FutureWarning``.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Per cell: ``cell_type``, ``cell_type_score``, ``cell_type_confidence``,
        ``cell_type_markers`` (``;``-joined) and one ``marker_<type>`` score column per
        candidate type. Per type: the gene report of the marker sets (``set``, ``n_found``,
        ``found``, ``missing``, ``status``...).
    """
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="annotate_cells"
    )
    markers = markers or cell_type_markers(species)
    scores = score_sets(
        source,
        markers,
        rng=rng,
        species=species,
        background=background,
        min_genes=min_markers,
        on_too_few="skip",
        transform=transform,
        options=opts,
    )
    report = pd.DataFrame(scores.attrs["genes"])
    cand = [c for c in scores.columns if scores[c].notna().all()]
    vals = scores[cand].to_numpy()
    out = pd.DataFrame(index=scores.index)
    if not cand:
        out["cell_type"] = "other"
        out["cell_type_score"] = np.nan
        out["cell_type_confidence"] = 0.0
        out["cell_type_markers"] = ""
        return out, report
    order = np.argsort(-vals, axis=1, kind="stable")
    top = vals[np.arange(len(vals)), order[:, 0]]
    second = vals[np.arange(len(vals)), order[:, 1]] if len(cand) > 1 else np.zeros(len(vals))
    called = top >= min_score
    types = np.where(called, np.asarray(cand, dtype=object)[order[:, 0]], "other")
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.clip((top - np.maximum(second, 0.0)) / top, 0.0, 1.0)
    out["cell_type"] = pd.Categorical(types, categories=[*markers, "other"])
    out["cell_type_score"] = top
    out["cell_type_confidence"] = np.where(called, conf, 0.0)
    # markers used: the winning type's markers detected in the cell
    found = {
        row["set"]: [g for g in str(row["found"]).split(";") if g] for _, row in report.iterrows()
    }
    all_markers = sorted({g for t in cand for g in found[t]})
    idx = source.var_names.get_indexer(all_markers)
    _, parts = map_chunks(source, _detected, idx, options=opts)
    det = np.vstack(parts)
    col = {g: i for i, g in enumerate(all_markers)}
    used = []
    for i, t in enumerate(types):
        genes = found.get(t, [])
        used.append(";".join(g for g in genes if det[i, col[g]]))
    out["cell_type_markers"] = used
    for c in cand:
        out[f"marker_{c}"] = scores[c].to_numpy()
    return out, report
