"""``profile``: the single-cell IFN / immune profile of an AnnData, as named stages.

Stages (each usable alone): detect counts vs log-normalised input
(:func:`detect_input_kind`), one background (gene means and bins) for everything, per-cell
signature scores (:func:`ifnexus.scoring.score_sets`), marker annotation
(:func:`annotate_cells`), IFN state (:func:`call_ifn_state`), per-sample summaries
(:func:`summarise_samples`), condition comparisons (:func:`compare_conditions`) and
pseudobulk counts (:func:`pseudobulk`). Counts are scored after per-cell normalisation to 1e4
and log1p, done chunk by chunk, so the input is never modified and backed files work.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring import check_species, expression_source, prepare, score_sets
from ifnexus.singlecell._annotate import annotate_cells
from ifnexus.singlecell._ifn_state import call_ifn_state
from ifnexus.singlecell._input import InputKind, detect_input_kind
from ifnexus.singlecell._markers import REQUIRED_SIGNATURES, SIGNATURES, cell_type_markers
from ifnexus.singlecell._pseudobulk import pseudobulk
from ifnexus.singlecell._samples import compare_conditions, summarise_samples

logger = logging.getLogger(__name__)


@dataclass
class Profile:
    """Result of :func:`profile`.

    Attributes
    ----------
    cells
        One row per cell (index: cell id): ``sample``, ``condition`` (when given),
        ``cell_type``, ``cell_type_score``, ``cell_type_confidence``, ``cell_type_markers``,
        the signature scores (``ifn_acute``, ``ifn_chronic``, ``irds_specific``,
        ``ifn_gamma``, ``cytotoxicity``, ``exhaustion``, ``m1``, ``m2``,
        ``schwann_lineage``; NaN when a set is absent from the data), ``ifn_state`` and the
        ``marker_<type>`` scores.
    samples
        :func:`summarise_samples` output.
    comparisons
        :func:`compare_conditions` output (empty without a condition key).
    pseudobulk
        Summed counts per sample x cell type, or None without a counts matrix.
    genes
        Gene report of every scored set (signatures and markers).
    settings
        Everything needed to reproduce the run (species, input kind and why, thresholds, seed,
        keys, version).
    """

    cells: pd.DataFrame
    samples: pd.DataFrame
    comparisons: pd.DataFrame
    pseudobulk: ad.AnnData | None
    genes: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def _obs_column(adata: Any, key: str, what: str) -> pd.Series:
    if key not in adata.obs.columns:
        known = ", ".join(map(str, adata.obs.columns)) or "none"
        raise ValidationError(f"{what} {key!r} is not a column of .obs; available: {known}")
    col = adata.obs[key]
    if col.isna().any():
        raise ValidationError(f".obs[{key!r}] has {int(col.isna().sum())} missing values")
    return col.astype(str)


def profile(
    adata: Any,
    *,
    species: str | None = None,
    sample_key: str | None = None,
    condition_key: str | None = None,
    reference: str | None = None,
    input_kind: InputKind | None = None,
    layer: str | None = None,
    use_raw: bool | None = None,
    counts_layer: str | None = "counts",
    acute_threshold: float = 0.5,
    chronic_threshold: float = 0.25,
    min_marker_score: float = 0.1,
    rng: int = 0,
    chunk_size: int = 20_000,
    n_jobs: int = 1,
    scheduler: Any = None,
) -> Profile:
    """Profile IFN and immune states of every cell, sample and condition.

    Parameters
    ----------
    adata
        AnnData, in memory or backed (``read_h5ad(path, backed="r")``).
    species
        ``"human"`` or ``"mouse"``; detected from the gene names when None; a species that
        contradicts the names is refused.
    sample_key
        ``.obs`` column naming each cell's sample (default: all cells form one sample).
    condition_key
        ``.obs`` column of the condition (e.g. RT vs sham); constant within a sample.
    reference
        Baseline condition of the comparisons (default: first in sorted order).
    input_kind
        ``"counts"`` or ``"lognorm"``; detected when None. The output records which and why.
    layer, use_raw
        Which matrix holds the expression (scanpy's rule: ``.raw`` when present).
    counts_layer
        Layer with raw counts for pseudobulk when the scored matrix is log-normalised.
    acute_threshold, chronic_threshold
        IFN-state thresholds (see :func:`call_ifn_state`).
    min_marker_score
        Smallest marker score for a cell-type call.
    rng
        Seed of the control-gene draws.
    chunk_size, n_jobs, scheduler
        Scoring engine options.

    Returns
    -------
    Profile

    Raises
    ------
    ValidationError
        Unknown obs keys, mixed conditions in a sample, species mismatch, negative or
        non-finite values, a missing layer, or IFN signatures with too few genes.
    """
    if condition_key and not sample_key:
        raise ValidationError(
            "a condition key needs a sample key: conditions are compared with samples, not cells, "
            "as the unit (pass sample_key / --sample-key)"
        )
    source = expression_source(adata, layer=layer, use_raw=use_raw)
    sp = check_species(source.var_names, species)
    samples_col = (
        _obs_column(adata, sample_key, "sample key")
        if sample_key
        else pd.Series("all", index=adata.obs_names)
    )
    cond_col = _obs_column(adata, condition_key, "condition key") if condition_key else None
    if input_kind is None:
        input_kind, why = detect_input_kind(source)
    elif input_kind in ("counts", "lognorm"):
        why = "given by the caller"
    else:
        raise ValidationError(f"input_kind must be 'counts' or 'lognorm', got {input_kind!r}")
    transform = "lognorm" if input_kind == "counts" else "none"
    logger.info("input: %s (%s)", input_kind, why)
    eng = {"chunk_size": chunk_size, "n_jobs": n_jobs, "scheduler": scheduler}
    background = prepare(source, transform=transform, **eng)

    sets = {col: get_set(name, species=sp) for col, name in SIGNATURES.items()}
    scores = score_sets(
        source,
        sets,
        rng=rng,
        species=sp,
        background=background,
        on_too_few="skip",
        transform=transform,
        **eng,
    )
    genes = pd.DataFrame(scores.attrs["genes"]).assign(kind="signature")
    for col in REQUIRED_SIGNATURES:
        if scores[col].isna().all():
            row = genes.set_index("set").loc[col]
            raise ValidationError(
                f"{col} ({SIGNATURES[col]}) cannot be scored: {row['n_found']} of {row['n_genes']} "
                f"genes found in the data (species {sp}); check the species and gene identifiers"
            )
    for col in scores.columns:
        if scores[col].isna().all():
            warnings.warn(
                f"signature {col} not scored: too few of its genes in the data",
                IfnexusWarning,
                stacklevel=2,
            )

    annot, marker_report = annotate_cells(
        source,
        species=sp,
        background=background,
        min_score=min_marker_score,
        rng=rng,
        transform=transform,
        **eng,
    )
    genes = pd.concat([genes, marker_report.assign(kind="marker")], ignore_index=True)

    cells = pd.DataFrame(index=scores.index)
    cells["sample"] = samples_col.to_numpy()
    if cond_col is not None:
        cells["condition"] = cond_col.to_numpy()
    cells = cells.join(
        annot[["cell_type", "cell_type_score", "cell_type_confidence", "cell_type_markers"]]
    )
    cells = cells.join(scores)
    cells["ifn_state"] = call_ifn_state(
        cells, acute_threshold=acute_threshold, chronic_threshold=chronic_threshold
    )
    cells = cells.join(annot[[c for c in annot.columns if c.startswith("marker_")]])

    samples = summarise_samples(
        cells,
        sample_key="sample",
        condition_key="condition" if cond_col is not None else None,
        score_columns=list(SIGNATURES),
    )
    if cond_col is not None and samples["condition"].nunique() >= 2:
        comparisons = compare_conditions(samples, condition_key="condition", reference=reference)
    else:
        comparisons = pd.DataFrame()

    pb, pb_note = None, ""
    groups = cells[["sample", "cell_type"]].astype(str)
    if input_kind == "counts":
        pb = pseudobulk(source, groups, **eng)
        pb_note = f"summed from {source.description}"
    elif counts_layer and counts_layer in getattr(adata, "layers", {}):
        csrc = expression_source(adata, layer=counts_layer)
        kind, _ = detect_input_kind(csrc)
        if kind == "counts":
            pb = pseudobulk(csrc, groups, **eng)
            pb_note = f"summed from layer {counts_layer!r}"
        else:
            pb_note = f"not computed: layer {counts_layer!r} does not hold integer counts"
    else:
        pb_note = "not computed: the input is log-normalised and has no counts layer"
    if pb is not None and cond_col is not None:
        cond_of = cells.groupby("sample", observed=True)["condition"].first()
        pb.obs["condition"] = pb.obs["sample"].map(cond_of).to_numpy()
    settings = {
        "species": sp,
        "input_kind": input_kind,
        "input_kind_reason": why,
        "matrix": source.description,
        "normalisation": "per-cell total 1e4 + log1p, on the fly"
        if transform == "lognorm"
        else "none (used as given)",
        "sample_key": sample_key or "",
        "condition_key": condition_key or "",
        "reference": (str(comparisons["reference"].iloc[0]) if len(comparisons) else ""),
        "acute_threshold": float(acute_threshold),
        "chronic_threshold": float(chronic_threshold),
        "min_marker_score": float(min_marker_score),
        "seed": int(rng),
        "n_bins": background.n_bins,
        "ctrl_size": 50,
        "signatures": dict(SIGNATURES),
        "pseudobulk": pb_note,
        "markers": {k: ";".join(v) for k, v in cell_type_markers(sp).items()},
        "ifnexus_version": __version__,
    }
    return Profile(
        cells=cells,
        samples=samples,
        comparisons=comparisons,
        pseudobulk=pb,
        genes=genes,
        settings=settings,
    )


def profiled_obs(adata: Any, result: Profile) -> pd.DataFrame:
    """``adata.obs`` with the profile's per-cell columns added (a new frame; input untouched)."""
    obs = adata.obs.copy()
    add = result.cells.drop(
        columns=[c for c in ("sample", "condition") if c in result.cells.columns]
    )
    clash = [c for c in add.columns if c in obs.columns]
    obs = obs.drop(columns=clash)
    obs = obs.join(add.set_axis(obs.index, axis=0))
    obs["cell_type"] = obs["cell_type"].astype("category")
    obs["ifn_state"] = obs["ifn_state"].astype("category")
    return obs


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out[k] = _jsonable(v)
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out
