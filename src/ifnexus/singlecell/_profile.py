"""``profile``: the single-cell IFN / immune profile of an AnnData, as named stages.

:func:`profile` runs these stages in order; each is public and can be run (and tested) alone,
PyDESeq2-style:

1. :func:`profile_input`: the matrix, species, counts vs log-normalised input
   (:func:`detect_input_kind`) and the sample / condition of every cell;
2. :func:`ifnexus.scoring.prepare`: one background (gene means and bins) for everything;
3. :func:`score_signatures`: per-cell scores of the :data:`SIGNATURES`;
4. :func:`annotate_cells`: marker-based cell types;
5. :func:`cell_table`: the per-cell table, with the IFN state (:func:`call_ifn_state`);
6. :func:`summarise_samples` and :func:`compare_conditions`: samples as the unit;
7. :func:`profile_pseudobulk`: counts summed per sample x cell type (:func:`pseudobulk`);
8. :func:`store_profile`: the per-cell results written into an AnnData, scverse-style.

Counts are scored after per-cell normalisation to 1e4 and log1p, done chunk by chunk, so the
matrix is never modified and backed files work.

Writing into the AnnData follows scanpy: with ``key_added="ifnexus"`` (the default) the
per-cell results go to ``.obs["ifnexus_<column>"]`` (``ifnexus_cell_type``,
``ifnexus_ifn_state``, ``ifnexus_ifn_acute``, ...), the marker scores to
``.obsm["ifnexus_marker_scores"]`` and the parameters to ``.uns["ifnexus"]``. Existing columns
are never replaced silently: a clash is a :class:`~ifnexus.errors.ValidationError` unless
``overwrite=True``. ``copy=False`` (scanpy's default) writes into the AnnData given;
``copy=True`` writes into a copy and leaves the input untouched. Either way :func:`profile`
returns the :class:`Profile`, whose ``adata`` is the AnnData written to.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus._rng import check_seed
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring import (
    ExpressionSource,
    ScoringBackground,
    check_species,
    expression_source,
    prepare,
    score_sets,
)
from ifnexus.scoring._chunks import Transform, run_options
from ifnexus.singlecell._annotate import annotate_cells
from ifnexus.singlecell._ifn_state import (
    DETECTION_ALPHA,
    MIN_CONTROL_CELLS,
    MIN_DETECTED,
    MIN_EFFECT,
    PROGRAMMES,
    STATE_COLUMNS,
    call_ifn_state,
    programme_detection,
    programme_sets,
    refuse_removed_thresholds,
)
from ifnexus.singlecell._input import InputKind, check_input_kind, detect_input_kind
from ifnexus.singlecell._markers import REQUIRED_SIGNATURES, SIGNATURES, cell_type_markers
from ifnexus.singlecell._pseudobulk import pseudobulk
from ifnexus.singlecell._samples import compare_conditions, summarise_samples

logger = logging.getLogger(__name__)

#: Per-cell columns of the cell-type call (in :attr:`Profile.cells` and, prefixed, in ``.obs``).
CELL_TYPE_COLUMNS: tuple[str, ...] = (
    "cell_type",
    "cell_subtype",
    "cell_type_score",
    "cell_type_margin",
    "cell_type_confidence",
    "cell_type_reason",
    "cell_type_markers",
)


@dataclass
class Profile:
    """Result of :func:`profile`.

    Attributes
    ----------
    cells
        One row per cell (index: cell id): ``sample``, ``condition`` (when given),
        ``cell_type``, ``cell_type_score``, ``cell_type_confidence``, ``cell_type_markers``,
        the signature scores (``ifn_acute``, ``ifn_acute_specific``, ``ifn_chronic``,
        ``irds_specific``, ``ifn_gamma``, ``cytotoxicity``, ``exhaustion``, ``m1``, ``m2``,
        ``schwann_lineage``; NaN when a set is absent from the data), the IFN-programme scores
        ``ifn_isgf3_acute`` and ``ifn_u_isgf3``, the IFN-state columns of
        :func:`call_ifn_state` (``ifn_state``, ``ifn_p_acute``, ``ifn_p_chronic``,
        ``ifn_p_none``, ``ifn_state_reason``, ``ifn_reference``, ``ifn_z_acute``,
        ``ifn_z_sustained``) and the ``marker_<type>`` scores.
    samples
        :func:`summarise_samples` output.
    comparisons
        :func:`compare_conditions` output (empty without a condition key).
    pseudobulk
        Summed counts per sample x cell type, or None without a counts matrix.
    genes
        Gene report of every scored set (signatures and markers).
    settings
        Everything needed to reproduce the run (species, input kind and why, the IFN-state
        calibration (``settings["ifn_state"]``), seed, keys, version).
    adata
        The AnnData the per-cell results were written into (the input with ``copy=False``, a
        new one with ``copy=True``), or None with ``key_added=None``.
    key_added
        The prefix they were written under (None: not written).
    ifn_components
        The IFN-state mixture components (:attr:`IfnStateCall.components`).
    """

    cells: pd.DataFrame
    samples: pd.DataFrame
    comparisons: pd.DataFrame
    pseudobulk: ad.AnnData | None
    genes: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    adata: ad.AnnData | None = field(default=None, repr=False)
    key_added: str | None = None
    ifn_components: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """The per-sample metrics as one tidy table (one row per sample and metric).

        Returns
        -------
        pandas.DataFrame
            Columns ``sample``, ``condition`` (empty without a condition key), ``metric`` (a
            numeric column of :attr:`samples`: ``n_cells``, ``prop_<type>``,
            ``cd8_of_immune``, ``m1_m2_balance``, ``frac_<state>``, ``mean_<score>``, ...)
            and ``value`` (float; NaN where undefined, e.g. no immune cells), in the order of
            :attr:`samples` rows, then its columns.
        """
        s = self.samples
        metrics = [c for c in s.columns if c != "condition" and pd.api.types.is_numeric_dtype(s[c])]
        cond = s["condition"].astype(str) if "condition" in s.columns else pd.Series("", s.index)
        rows = pd.DataFrame(
            {
                "sample": np.repeat(s.index.astype(str).to_numpy(), len(metrics)),
                "condition": np.repeat(cond.to_numpy(), len(metrics)),
                "metric": np.tile(np.asarray(metrics, dtype=object), len(s)),
                "value": s[metrics].to_numpy(dtype=np.float64).ravel(),
            }
        )
        return rows


@dataclass(frozen=True)
class ProfileInput:
    """Stage 1 of :func:`profile` (:func:`profile_input`): what is scored and how.

    Attributes
    ----------
    source
        The expression matrix read chunk by chunk (cells x genes).
    species
        ``"human"`` or ``"mouse"``.
    input_kind, input_kind_reason
        ``"counts"`` or ``"lognorm"``, and why (detected or given).
    transform
        ``"lognorm"`` for counts (normalised on the fly), else ``"none"``.
    samples
        The sample of every cell (str; ``"all"`` without a sample key), indexed by cell.
    conditions
        The condition of every cell, or None without a condition key.
    sample_key, condition_key
        The ``.obs`` columns they came from (None when not given).
    """

    source: ExpressionSource
    species: str
    input_kind: InputKind
    input_kind_reason: str
    transform: Transform
    samples: pd.Series
    conditions: pd.Series | None
    sample_key: str | None = None
    condition_key: str | None = None


def _obs_column(adata: Any, key: str, what: str) -> pd.Series:
    if key not in adata.obs.columns:
        known = ", ".join(map(str, adata.obs.columns)) or "none"
        raise ValidationError(f"{what} {key!r} is not a column of .obs; available: {known}")
    col = adata.obs[key]
    if col.isna().any():
        raise ValidationError(f".obs[{key!r}] has {int(col.isna().sum())} missing values")
    return col.astype(str)


def profile_input(
    adata: Any,
    *,
    species: str | None = None,
    sample_key: str | None = None,
    condition_key: str | None = None,
    input_kind: InputKind | None = None,
    layer: str | None = None,
    use_raw: bool | None = None,
) -> ProfileInput:
    """Stage 1: the matrix to score, its species and kind, and each cell's sample/condition.

    Parameters
    ----------
    adata
        AnnData, in memory or backed. Not modified.
    species, sample_key, condition_key, input_kind, layer, use_raw
        As in :func:`profile`.

    Returns
    -------
    ProfileInput

    Raises
    ------
    ValidationError
        A condition key without a sample key, unknown ``.obs`` keys or missing values in
        them, a species contradicting the gene names, a bad ``input_kind``, or values that are
        neither counts nor log-normalised.
    """
    if condition_key and not sample_key:
        raise ValidationError(
            "a condition key needs a sample key: conditions are compared with samples, not cells, "
            "as the unit (pass sample_key / --sample-key)"
        )
    source = expression_source(adata, layer=layer, use_raw=use_raw)
    sp = check_species(source.var_names, species)
    samples = (
        _obs_column(adata, sample_key, "sample key")
        if sample_key
        else pd.Series("all", index=adata.obs_names)
    )
    conditions = _obs_column(adata, condition_key, "condition key") if condition_key else None
    if input_kind is None:
        input_kind, why = detect_input_kind(source)
    else:
        why = check_input_kind(source, input_kind)
    logger.info("input: %s (%s)", input_kind, why)
    return ProfileInput(
        source=source,
        species=sp,
        input_kind=input_kind,
        input_kind_reason=why,
        transform="lognorm" if input_kind == "counts" else "none",
        samples=samples,
        conditions=conditions,
        sample_key=sample_key,
        condition_key=condition_key,
    )


def score_signatures(
    inp: ProfileInput,
    background: ScoringBackground,
    *,
    rng: int = 0,
    options: RunOptions | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage 3: per-cell scores of every :data:`SIGNATURES` set, and their gene report.

    Parameters
    ----------
    inp
        Stage 1 output (:func:`profile_input`).
    background
        Gene means and bins of ``inp.source`` (:func:`ifnexus.scoring.prepare` with
        ``transform=inp.transform``).
    rng
        Seed of the control-gene draws.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Cells x signatures (the columns of :data:`SIGNATURES` and the two IFN programmes
        ``ifn_isgf3_acute`` and ``ifn_u_isgf3`` of :func:`call_ifn_state`; all NaN for a set
        with too few genes, with an :class:`~ifnexus.errors.IfnexusWarning` from
        :func:`~ifnexus.scoring.resolve_sets` giving the numbers) followed by the
        programmes' per-cell detection (:data:`~ifnexus.singlecell.DETECTION_COLUMNS` of
        :func:`~ifnexus.singlecell.programme_detection`, the evidence floor's inputs), and the
        gene report of
        :func:`ifnexus.scoring.score_sets` with ``kind="signature"``.

    Raises
    ------
    ValidationError
        A required IFN signature (``ifn_acute``, ``ifn_chronic``) cannot be scored.
    """
    sets = {col: get_set(name, species=inp.species) for col, name in SIGNATURES.items()}
    sets.update(programme_sets(inp.species))
    scores = score_sets(
        inp.source,
        sets,
        rng=rng,
        species=inp.species,
        background=background,
        on_too_few="skip",
        transform=inp.transform,
        options=options,
    )
    genes = pd.DataFrame(scores.attrs["genes"]).assign(kind="signature")
    detection = programme_detection(inp.source, background, species=inp.species, options=options)
    attrs = dict(scores.attrs)
    scores = scores.join(detection.set_axis(scores.index))  # the evidence floor's inputs
    scores.attrs = attrs
    for col in REQUIRED_SIGNATURES:
        if scores[col].isna().all():
            row = genes.set_index("set").loc[col]
            raise ValidationError(
                f"{col} ({SIGNATURES[col]}) cannot be scored: {row['n_found']} of {row['n_genes']} "
                f"genes found in the data (species {inp.species}); check the species and gene "
                "identifiers"
            )
    return scores, genes


def _coverage_of(genes: pd.DataFrame | None) -> dict[str, tuple[int, int]]:
    """Programme column -> (genes found, genes in the set) from a scoring gene report."""
    if genes is None or not {"set", "n_found", "n_genes"} <= set(genes.columns):
        return {}
    rows = genes.drop_duplicates("set").set_index("set")
    return {
        c: (int(rows.at[c, "n_found"]), int(rows.at[c, "n_genes"]))
        for c in PROGRAMMES
        if c in rows.index
    }


def cell_table(
    annotation: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    samples: pd.Series | Sequence[str],
    conditions: pd.Series | Sequence[str] | None = None,
    control: str | None = None,
    genes: pd.DataFrame | None = None,
    min_control_cells: int = MIN_CONTROL_CELLS,
    min_probability: float = 0.8,
    min_effect: float = MIN_EFFECT,
    min_detected: int = MIN_DETECTED,
    detection_alpha: float = DETECTION_ALPHA,
    rng: int = 0,
    acute_threshold: object = None,
    chronic_threshold: object = None,
) -> pd.DataFrame:
    """Stage 5: the per-cell table of the profile, with each cell's calibrated IFN state.

    Parameters
    ----------
    annotation
        First output of :func:`annotate_cells` (its ``cell_type`` gives per-type references).
    scores
        First output of :func:`score_signatures` (with ``ifn_isgf3_acute`` and
        ``ifn_u_isgf3``; without them every cell is ``undetermined``).
    samples, conditions
        Each cell's sample and condition, in the order of ``scores`` (``ProfileInput.samples``
        and ``ProfileInput.conditions``).
    control
        The control condition: the IFN state is calibrated against those cells; None: by the
        mixture of the score distribution (:func:`call_ifn_state`).
    genes
        Second output of :func:`score_signatures` (how many programme genes were measured);
        without it, ``scores.attrs["genes"]`` is used when present.
    min_control_cells, min_probability, min_effect, min_detected, detection_alpha, rng
        As in :func:`call_ifn_state`.
    acute_threshold, chronic_threshold
        Removed in 0.2: giving either is a ValidationError naming what replaces them.

    Returns
    -------
    pandas.DataFrame
        :attr:`Profile.cells`: ``sample``, ``condition`` (when given), the
        :data:`CELL_TYPE_COLUMNS`, the signature scores, the IFN-state columns of
        :func:`call_ifn_state` and ``marker_<type>``. ``.attrs["ifn_state"]`` holds the
        :class:`~ifnexus.singlecell.IfnStateCall` settings and ``.attrs["ifn_components"]``
        its components (as records).
    """
    refuse_removed_thresholds(acute_threshold, chronic_threshold)
    cells = pd.DataFrame(index=scores.index)
    if len(samples) != len(cells) or (conditions is not None and len(conditions) != len(cells)):
        raise ValidationError(
            f"samples/conditions must give one value per cell ({len(cells)} scored cells)"
        )
    cells["sample"] = np.asarray(samples)
    if conditions is not None:
        cells["condition"] = np.asarray(conditions)
    cells = cells.join(annotation[list(CELL_TYPE_COLUMNS)])
    cells = cells.join(scores)
    if genes is None and "genes" in scores.attrs:
        genes = pd.DataFrame(scores.attrs["genes"])
    call = call_ifn_state(
        cells,
        condition=cells["condition"] if control is not None and conditions is not None else None,
        control=control,
        cell_types=cells["cell_type"].astype(str),
        coverage=_coverage_of(genes),
        min_control_cells=min_control_cells,
        min_probability=min_probability,
        min_effect=min_effect,
        min_detected=min_detected,
        detection_alpha=detection_alpha,
        rng=rng,
    )
    cells = cells.join(call.cells)
    cells = cells.join(annotation[[c for c in annotation.columns if c.startswith("marker_")]])
    cells.attrs = {
        "ifn_state": call.settings,
        "ifn_components": call.components.to_dict(orient="records"),
    }
    return cells


def _check_min_effect(min_effect: object) -> float:
    """``min_effect`` of :func:`profile` as a float: a finite real number >= 0, else refused."""
    if isinstance(min_effect, int | float | np.integer | np.floating) and not isinstance(
        min_effect, bool | np.bool_
    ):
        value = float(min_effect)
        if np.isfinite(value) and value >= 0:
            return value
    raise ValidationError(
        f"min_effect / --min-effect must be a finite number >= 0 (score units; default "
        f"ln 2 = {MIN_EFFECT:.3f}), got {min_effect!r}"
    )


def check_control(
    conditions: pd.Series | Sequence[str] | None, control: str, *, min_control_cells: int
) -> int:
    """Check that a control label can calibrate the IFN state; return its number of cells.

    Parameters
    ----------
    conditions
        Each cell's condition (``ProfileInput.conditions``), or None without a condition key.
    control
        The control label.
    min_control_cells
        Fewest control cells accepted.

    Returns
    -------
    int
        The number of control cells.

    Raises
    ------
    ValidationError
        No condition key, a label that is not a condition (the message lists them), or fewer
        than ``min_control_cells`` control cells.
    """
    if conditions is None:
        raise ValidationError(
            f"control {control!r} needs a condition column (condition_key / --condition)"
        )
    cond = pd.Series(np.asarray(conditions).astype(str))
    counts = cond.value_counts()
    if str(control) not in counts.index:
        known = ", ".join(f"{k!r} ({v} cells)" for k, v in sorted(counts.items()))
        raise ValidationError(f"control label {control!r} is not a condition; conditions: {known}")
    n = int(counts[str(control)])
    if n < min_control_cells:
        raise ValidationError(
            f"control group {control!r} has {n} cells; at least {min_control_cells} are needed "
            "to calibrate the IFN state (min_control_cells / --min-control-cells)"
        )
    return n


def profile_pseudobulk(
    adata: Any,
    cells: pd.DataFrame,
    *,
    inp: ProfileInput,
    counts_layer: str | None = "counts",
    options: RunOptions | None = None,
) -> tuple[ad.AnnData | None, str]:
    """Stage 7: counts summed per sample x cell type, when raw counts exist.

    Parameters
    ----------
    adata
        The profiled AnnData (for ``counts_layer``).
    cells
        Stage 5 output (``sample``, ``cell_type``, ``condition``).
    inp
        Stage 1 output: a counts input is summed itself.
    counts_layer
        Layer with raw counts, used when the scored matrix is log-normalised.
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`).

    Returns
    -------
    (anndata.AnnData or None, str)
        :func:`pseudobulk` output with a ``condition`` column when conditions are known (None
        without counts), and a sentence saying where the counts came from or why none.
    """
    groups = cells[["sample", "cell_type"]].astype(str)
    pb: ad.AnnData | None = None
    if inp.input_kind == "counts":
        pb = pseudobulk(inp.source, groups, options=options)
        note = f"summed from {inp.source.description}"
    elif counts_layer and counts_layer in getattr(adata, "layers", {}):
        csrc = expression_source(adata, layer=counts_layer)
        kind, _ = detect_input_kind(csrc)
        if kind == "counts":
            pb = pseudobulk(csrc, groups, options=options)
            note = f"summed from layer {counts_layer!r}"
        else:
            note = f"not computed: layer {counts_layer!r} does not hold integer counts"
    else:
        note = "not computed: the input is log-normalised and has no counts layer"
    if pb is not None and "condition" in cells.columns:
        cond_of = cells.groupby("sample", observed=True)["condition"].first()
        pb.obs["condition"] = pb.obs["sample"].map(cond_of).to_numpy()
    return pb, note


def _check_key(key_added: str) -> None:
    if not isinstance(key_added, str) or not key_added or "/" in key_added:
        raise ValidationError(
            f"key_added must be a non-empty name without '/', got {key_added!r} "
            "(results go to .obs['<key_added>_<column>'] and .uns['<key_added>'])"
        )


def _obs_names_of(key_added: str, signatures: list[str]) -> list[str]:
    cols = [*CELL_TYPE_COLUMNS, *signatures, *STATE_COLUMNS]
    return [f"{key_added}_{c}" for c in cols]


def _targets(key_added: str, signatures: list[str]) -> dict[str, list[str]]:
    return {
        "obs": _obs_names_of(key_added, signatures),
        "obsm": [f"{key_added}_marker_scores"],
        "uns": [key_added],
    }


def _clashes(adata: Any, key_added: str, signatures: list[str]) -> list[str]:
    found = []
    for attr, names in _targets(key_added, signatures).items():
        have = getattr(adata, attr, None)
        keys = set(have.columns if attr == "obs" else have.keys()) if have is not None else set()
        found += [f".{attr}[{n!r}]" for n in names if n in keys]
    return found


def _check_clashes(adata: Any, key_added: str, signatures: list[str], overwrite: bool) -> None:
    clash = _clashes(adata, key_added, signatures)
    if clash and not overwrite:
        shown = ", ".join(clash[:6]) + (f" and {len(clash) - 6} more" if len(clash) > 6 else "")
        raise ValidationError(
            f"the AnnData already holds {shown}; pass another key_added / --key-added (e.g. "
            f"'{key_added}_2'), or overwrite=True / --overwrite to replace them"
        )


def profile_elements(
    adata: Any, result: Profile, *, key_added: str = "ifnexus", overwrite: bool = False
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, Any]]:
    """Compute what :func:`store_profile` writes, without writing: ``obs``, ``obsm``, ``uns``.

    Parameters
    ----------
    adata
        The profiled AnnData (not modified).
    result
        Its :class:`Profile`.
    key_added, overwrite
        As in :func:`store_profile`.

    Returns
    -------
    (pandas.DataFrame, dict, dict)
        A copy of ``adata.obs`` with the ``<key_added>_<column>`` columns added; the ``.obsm``
        entries to add (``<key_added>_marker_scores``: cells x cell types, a DataFrame); and
        the ``.uns`` entries to add (``<key_added>``: the settings, ``key_added``, the
        ``.obs`` columns written and ``coverage``, the gene report of every set).

    Raises
    ------
    ValidationError
        A clash with existing entries and ``overwrite=False``; cells that differ from the
        result's.
    """
    _check_key(key_added)
    signatures = [c for c in [*SIGNATURES, *PROGRAMMES] if c in result.cells.columns]
    _check_clashes(adata, key_added, signatures, overwrite)
    cells = result.cells
    if not pd.Index(adata.obs_names).equals(pd.Index(cells.index)):
        raise ValidationError(
            "the result's cells are not the AnnData's (.obs_names differ); store a profile into "
            "the AnnData it was computed from"
        )
    obs = adata.obs.copy()
    for col in [*CELL_TYPE_COLUMNS, *signatures, *STATE_COLUMNS]:
        obs[f"{key_added}_{col}"] = cells[col].array  # keeps the categories
    obs[f"{key_added}_cell_type"] = obs[f"{key_added}_cell_type"].astype("category")
    obs[f"{key_added}_ifn_state"] = obs[f"{key_added}_ifn_state"].astype("category")
    markers = [c for c in cells.columns if c.startswith("marker_")]
    marker_scores = pd.DataFrame(
        cells[markers].to_numpy(dtype=np.float64),
        index=pd.Index(adata.obs_names),
        columns=[c.removeprefix("marker_") for c in markers],
    )
    coverage_cols = ["set", "kind", "species", "n_genes", "n_found", "fraction_found", "status"]
    coverage = result.genes[[c for c in coverage_cols if c in result.genes.columns]]
    uns = {
        **_jsonable(result.settings),
        "key_added": key_added,
        "obs_columns": _obs_names_of(key_added, signatures),
        "coverage": coverage.reset_index(drop=True),
    }
    return obs, {f"{key_added}_marker_scores": marker_scores}, {key_added: uns}


def store_profile(
    adata: ad.AnnData,
    result: Profile,
    *,
    key_added: str = "ifnexus",
    overwrite: bool = False,
    copy: bool = False,
) -> ad.AnnData:
    """Stage 8: write a profile's per-cell results into an AnnData, scverse-style.

    Parameters
    ----------
    adata
        The AnnData the profile was computed from (in memory or backed; a backed file is
        never written to: the new entries live in memory).
    result
        Its :class:`Profile`.
    key_added
        Prefix of everything written: ``.obs["<key_added>_<column>"]`` for the
        :data:`CELL_TYPE_COLUMNS`, the signature scores and ``ifn_state``;
        ``.obsm["<key_added>_marker_scores"]``; ``.uns["<key_added>"]`` (parameters, seed,
        version, gene-set coverage).
    overwrite
        Replace entries that already exist; otherwise a clash is a ValidationError and
        nothing is written.
    copy
        Write into a copy (a backed AnnData is loaded into memory) and leave ``adata``
        untouched; ``False`` writes into ``adata`` itself.

    Returns
    -------
    anndata.AnnData
        The AnnData written to: ``adata`` itself with ``copy=False``, the copy with
        ``copy=True``.

    Raises
    ------
    ValidationError
        A clash with existing entries (naming them) and ``overwrite=False``, or a bad
        ``key_added``.
    """
    obs, obsm, uns = profile_elements(adata, result, key_added=key_added, overwrite=overwrite)
    if copy:
        target = adata.to_memory() if getattr(adata, "isbacked", False) else adata.copy()
    else:
        target = adata
    target.obs = obs
    for k, v in obsm.items():
        target.obsm[k] = v
    for k, v in uns.items():
        target.uns[k] = v
    return target


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
    control: str | None = None,
    min_control_cells: int = MIN_CONTROL_CELLS,
    min_probability: float = 0.8,
    min_effect: float = MIN_EFFECT,
    min_detected: int = MIN_DETECTED,
    detection_alpha: float = DETECTION_ALPHA,
    min_marker_score: float = 0.1,
    cluster_key: str | None = None,
    rng: int = 0,
    key_added: str | None = "ifnexus",
    overwrite: bool = False,
    copy: bool = False,
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    acute_threshold: object = None,
    chronic_threshold: object = None,
) -> Profile:
    """Profile IFN and immune states of every cell, sample and condition.

    Runs the stages :func:`profile_input`, :func:`ifnexus.scoring.prepare`,
    :func:`score_signatures`, :func:`annotate_cells`, :func:`cell_table`,
    :func:`summarise_samples`, :func:`compare_conditions`, :func:`profile_pseudobulk` and
    :func:`store_profile` in order.

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
    control
        The control label of ``condition_key``: the IFN state is calibrated against those
        cells (per cell type when a type has ``min_control_cells`` control cells). None: the
        mixture-model calibration (:func:`call_ifn_state`). An unknown label, or fewer than
        ``min_control_cells`` control cells, is a ValidationError raised before any scoring.
    min_control_cells, min_probability
        As in :func:`call_ifn_state`.
    min_effect
        Smallest shift of a raised mixture component in score units (natural-log
        mean-control score; default ln 2), as in :func:`call_ifn_state`: a finite number
        >= 0, else a ValidationError raised before any scoring. Recorded in
        ``settings["ifn_state"]["min_effect"]``.
    min_detected, detection_alpha
        The evidence floor of the IFN state (a cell's programme genes detected, against its
        own detection rate), as in :func:`call_ifn_state`.
    min_marker_score
        Smallest marker score for a cell-type call.
    cluster_key
        ``.obs`` column of cluster labels (e.g. ``"leiden"``): cell types are called on the
        cluster means of the marker scores and given to every cell of the cluster
        (:func:`annotate_cells` with ``clusters=``). None (default): one call per cell. An
        unknown column, or missing labels in it, is a ValidationError raised before any
        scoring. Recorded in ``settings["cluster_key"]``.
    rng
        Seed of the control-gene draws: an integer >= 0 (0 is valid), as scanpy's
        ``random_state``; a negative or bool seed is a ValidationError.
    key_added
        Prefix of the results written into the AnnData (see :func:`store_profile`):
        ``.obs["ifnexus_cell_type"]``, ``.obs["ifnexus_ifn_state"]``,
        ``.obs["ifnexus_ifn_acute"]``..., ``.obsm["ifnexus_marker_scores"]``,
        ``.uns["ifnexus"]``. ``None`` writes nothing (``Profile.adata`` is None).
    overwrite
        Replace existing entries of those names; otherwise a clash is a ValidationError,
        raised before any computation.
    copy
        ``False`` (scanpy's default): write into ``adata``. ``True``: write into a copy and
        leave ``adata`` untouched. The AnnData written to is ``Profile.adata``.
    options
        How the passes run (:class:`ifnexus.RunOptions`): cells per chunk (default 20,000),
        threads (``n_jobs=-1``: all cores) or a Dask scheduler. Same results whatever it is.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): use ``options=RunOptions(...)``; still accepted, with a
        ``FutureWarning``.
    acute_threshold, chronic_threshold
        Removed in 0.2 (the fixed thresholds did not transfer across datasets): giving either
        is a ValidationError, raised before any work, that names ``control=`` and
        ``min_probability=``.

    Returns
    -------
    Profile
        Always; ``Profile.adata`` is the AnnData written to (``adata`` itself, its copy, or
        None with ``key_added=None``).

    Raises
    ------
    ValidationError
        Unknown obs keys (sample, condition or cluster), a ``min_effect`` that is not a
        finite number >= 0, mixed conditions in a sample, species mismatch, negative or
        non-finite values, a missing layer, IFN signatures with too few genes, a control
        label without a condition key, unknown or with too few cells, or results that would
        replace existing ``.obs``/``.obsm``/``.uns`` entries.

    Warns
    -----
    IfnexusWarning
        Too few IFN-programme genes measured: every cell's IFN state is ``undetermined``.
    """
    refuse_removed_thresholds(acute_threshold, chronic_threshold)
    min_effect = _check_min_effect(min_effect)
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="profile"
    )
    seed = check_seed(rng)
    if key_added is not None:  # refuse a clash before any work
        _check_key(key_added)
        _check_clashes(adata, key_added, [*SIGNATURES, *PROGRAMMES], overwrite)
    inp = profile_input(
        adata,
        species=species,
        sample_key=sample_key,
        condition_key=condition_key,
        input_kind=input_kind,
        layer=layer,
        use_raw=use_raw,
    )
    if control is not None:  # refuse a bad control before any scoring
        check_control(inp.conditions, control, min_control_cells=min_control_cells)
    clusters = _obs_column(adata, cluster_key, "cluster key") if cluster_key is not None else None
    background = prepare(inp.source, transform=inp.transform, options=opts)
    scores, genes = score_signatures(inp, background, rng=rng, options=opts)
    annot, marker_report = annotate_cells(
        inp.source,
        species=inp.species,
        background=background,
        clusters=clusters,
        min_score=min_marker_score,
        rng=rng,
        transform=inp.transform,
        options=opts,
    )
    genes = pd.concat([genes, marker_report.assign(kind="marker")], ignore_index=True)
    cells = cell_table(
        annot,
        scores,
        samples=inp.samples,
        conditions=inp.conditions,
        control=control,
        genes=genes,
        min_control_cells=min_control_cells,
        min_probability=min_probability,
        min_effect=min_effect,
        min_detected=min_detected,
        detection_alpha=detection_alpha,
        rng=seed,
    )
    has_cond = inp.conditions is not None
    samples = summarise_samples(
        cells,
        sample_key="sample",
        condition_key="condition" if has_cond else None,
        score_columns=[*SIGNATURES, *PROGRAMMES],
    )
    if has_cond and samples["condition"].nunique() >= 2:
        comparisons = compare_conditions(samples, condition_key="condition", reference=reference)
    else:
        comparisons = pd.DataFrame()
    pb, pb_note = profile_pseudobulk(adata, cells, inp=inp, counts_layer=counts_layer, options=opts)
    settings = {
        "method": "mean-control",
        "species": inp.species,
        "input_kind": inp.input_kind,
        "input_kind_reason": inp.input_kind_reason,
        "matrix": inp.source.description,
        "normalisation": "per-cell total 1e4 + log1p, on the fly"
        if inp.transform == "lognorm"
        else "none (used as given)",
        "sample_key": sample_key or "",
        "condition_key": condition_key or "",
        "reference": (str(comparisons["reference"].iloc[0]) if len(comparisons) else ""),
        "ifn_state": dict(cells.attrs.get("ifn_state", {})),
        "min_marker_score": float(min_marker_score),
        "cluster_key": cluster_key or "",
        "cell_type_calls": "per cluster" if cluster_key is not None else "per cell",
        "seed": seed,
        "n_bins": background.n_bins,
        "ctrl_size": 50,
        "signatures": dict(SIGNATURES),
        "pseudobulk": pb_note,
        "markers": {k: ";".join(v) for k, v in cell_type_markers(inp.species).items()},
        "ifnexus_version": __version__,
    }
    result = Profile(
        cells=cells,
        samples=samples,
        comparisons=comparisons,
        pseudobulk=pb,
        genes=genes,
        settings=settings,
        ifn_components=pd.DataFrame(cells.attrs.get("ifn_components", [])),
    )
    if key_added is not None:
        result.adata = store_profile(
            adata, result, key_added=key_added, overwrite=overwrite, copy=copy
        )
        result.key_added = key_added
    return result


def profiled_obs(adata: Any, result: Profile) -> pd.DataFrame:
    """Return ``adata.obs`` with the profile's unprefixed columns (deprecated, removed in 0.3).

    It replaces existing columns of the same names (``cell_type``, ``ifn_state``, ...)
    without a word; use ``store_profile(adata, result, copy=True).obs`` (prefixed columns,
    clashes refused) or :func:`profile_elements`.

    Returns
    -------
    pandas.DataFrame
        A new frame (the input is untouched).
    """
    warnings.warn(
        "profiled_obs is deprecated and will be removed in 0.3 (it replaces existing .obs "
        "columns); use store_profile(adata, result, copy=True).obs",
        FutureWarning,
        stacklevel=2,
    )
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
