"""Marker-based cell-type annotation: lineage, then subtype, with negative markers and a margin.

How it works
------------
1. Every marker set of the hierarchy (:func:`~ifnexus.singlecell.marker_table`) is scored per
   cell with the binned-control mean score (the engine and background of the signatures:
   mean log-expression of the set minus that of expression-matched control genes, as
   ``scanpy.tl.score_genes``/Seurat's ``AddModuleScore``). A type's score is its positive set's
   score minus its strongest negative set's score where that is above zero. Negative markers
   are grouped by the type they are positive markers of (a cDC2 gene and the CD3 genes are two
   groups), so a present look-alike programme is not diluted by absent ones; absent negatives
   cost nothing.
2. A type is a candidate for a cell only if the cell expresses ``min_detected`` of its
   defining markers (a lineage's own markers, or the subtype's for lineages defined by their
   subtypes): one stray transcript of a short list is not evidence.
3. **Lineages** compete: a lineage's score is that of its own markers (T cells: CD3/TCR genes),
   or, without them, its best subtype's. The top lineage is called when its score is at least
   ``min_score`` and ahead of the runner-up (or of zero) by at least ``min_margin``; otherwise the
   cell is ``unassigned`` and ``cell_type_reason`` says why (best score too low, which two
   lineages tie, with the numbers; too few markers expressed; no marker set measured).
4. **Subtypes** of the called lineage compete by the same rule (CD8 vs CD4 T; classical vs
   non-classical monocyte vs macrophage; cDC1/cDC2/pDC/mature DC), then the **states** of a
   subtype that has them (mouse macrophages: MHC-II/iNOS-high vs Arg1/Mrc1-high). When none is
   clearly ahead the cell keeps its lineage's fallback: ``t_cell`` for T cells (CD4/CD8
   unresolved, counted as neither), ``mono_macro``, ``dc``; or the subtype (``macrophage``).
5. With ``clusters``, the scores are averaged per cluster and the rule is applied to the
   cluster means (scType's and CellTypist's majority-vote idea): dropout of short markers such
   as ``CD8A`` then no longer decides single cells. It is only as good as the clusters: a
   cluster that mixes CD8 T and NK cells gets one call.

Why our own scorer
------------------
The well-kept tools cannot run offline here: CellTypist's models and decoupler's PanglaoDB /
CellMarker resources are downloaded at run time (neither wheel ships them; checked
celltypist 1.7.1 and decoupler 2.2.0, whose ``op.resource`` queries OmniPath), and a
reference-free marker method is what a tumour with Schwann-lineage malignant cells needs
anyway. The scoring itself is the package's scanpy-exact
engine; what is added is the hierarchy, negative markers and the margin rule (scType, Ianevski
2022 Nat Commun 13:1246, uses positive and negative markers the same way; decoupler's ULM
and ORA score one set at a time without them).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ifnexus._runoptions import RunOptions
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.scoring import ExpressionSource, ScoringBackground, score_sets
from ifnexus.scoring._chunks import Transform, map_chunks, run_options
from ifnexus.singlecell._markers import (
    CELL_TYPES,
    MARKER_COLUMNS,
    _builtin,
    _Lineage,
    _Type,
)

logger = logging.getLogger(__name__)

_UNASSIGNED = "unassigned"
_DIRECTIONS = {"+": "+", "-": "-", "positive": "+", "negative": "-", "pos": "+", "neg": "-",
               "requires": "requires", "excludes": "excludes"}  # fmt: skip
_MarkersLike: TypeAlias = pd.DataFrame | Mapping[str, Sequence[str]] | None


def _detected(block: Any, idx: np.ndarray) -> np.ndarray:
    """Which of the genes ``idx`` each row expresses (value > 0).

    Tested on the raw block: ``lognorm`` maps zeros to zero and positive counts to positive
    values, so transforming the whole chunk first would change nothing but the cost.
    """
    sub = block[:, idx]
    sub = sub.toarray() if hasattr(sub, "toarray") else np.asarray(sub)
    return sub > 0


def _genes(values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(g).strip() for g in values if str(g).strip()))


def _from_table(table: pd.DataFrame) -> tuple[_Lineage, ...]:
    """Build the hierarchy from a marker table (see :func:`marker_table`), checking it."""
    missing = [c for c in ("cell_type", "gene") if c not in table.columns]
    if missing:
        raise ValidationError(
            f"marker table lacks column(s) {missing}; it has {list(map(str, table.columns))}. "
            f"Expected columns {list(MARKER_COLUMNS)} ('cell_type' and 'gene' required)"
        )
    t = table.reset_index(drop=True)
    t["cell_type"] = t["cell_type"].astype(str).str.strip()
    t["gene"] = t["gene"].astype(str).str.strip()
    t["lineage"] = (
        t["lineage"].fillna("").astype(str).str.strip() if "lineage" in t else t["cell_type"]
    )
    t.loc[t["lineage"] == "", "lineage"] = t["cell_type"]
    t["subtype"] = (
        t["subtype"].fillna("").astype(str).str.strip() if "subtype" in t else t["cell_type"]
    )
    t["state"] = t["state"].fillna("").astype(str).str.strip() if "state" in t else ""
    bad = t[(t["state"] != "") & (t["subtype"] == "")]
    if len(bad):
        raise ValidationError(
            f"marker table row {bad.index[0] + 1}: a 'state' needs a 'subtype' to refine"
        )
    raw_dir = (
        t["direction"].fillna("+").astype(str).str.strip().str.lower()
        if ("direction" in t)
        else pd.Series("+", index=t.index)
    )
    t["direction"] = raw_dir.map(_DIRECTIONS)
    for pos, row in t.iterrows():
        if row["cell_type"] in ("", "nan") or row["gene"] in ("", "nan"):
            raise ValidationError(f"marker table row {pos + 1}: empty 'cell_type' or 'gene'")
        if pd.isna(row["direction"]):
            raise ValidationError(
                f"marker table row {pos + 1}: direction {raw_dir.iloc[pos]!r} is not one of "
                f"{sorted(_DIRECTIONS)}"
            )
    lineages = []
    for lin, grp in t.groupby("lineage", sort=False):
        own = grp[grp["subtype"] == ""]
        subs = []
        for sub, sg_all in grp[grp["subtype"] != ""].groupby("subtype", sort=False):
            sg = sg_all[sg_all["state"] == ""]
            states = tuple(
                _Type(str(st), str(stg["cell_type"].iloc[0]), _genes(stg.loc[stg["direction"] == "+", "gene"]),
                      _genes(stg.loc[stg["direction"] == "-", "gene"]))
                for st, stg in sg_all[sg_all["state"] != ""].groupby("state", sort=False)
            )  # fmt: skip
            if any(not st.pos for st in states):
                raise ValidationError(
                    f"marker table: a state of subtype {sub!r} has no positive ('+') marker"
                )
            if sg.empty:
                raise ValidationError(
                    f"marker table: subtype {sub!r} has only 'state' rows; give its own markers"
                )
            coarse = sg["cell_type"].unique()
            if len(coarse) != 1:
                raise ValidationError(
                    f"marker table: subtype {sub!r} has several cell_type values {list(coarse)}"
                )
            pos = _genes(sg.loc[sg["direction"] == "+", "gene"])
            if not pos:
                raise ValidationError(
                    f"marker table: subtype {sub!r} has no positive ('+') marker; a type is "
                    "defined by genes it expresses, negatives only qualify them"
                )
            subs.append(
                _Type(
                    str(sub),
                    str(coarse[0]),
                    pos,
                    _genes(sg.loc[sg["direction"] == "-", "gene"]),
                    states,
                    _genes(sg.loc[sg["direction"] == "requires", "gene"]),
                    _genes(sg.loc[sg["direction"] == "excludes", "gene"]),
                )
            )
        if not subs and own.empty:
            continue
        own_pos = _genes(own.loc[own["direction"] == "+", "gene"])
        if not subs:
            # a lineage given only by its own rows is one type
            subs = [
                _Type(
                    str(lin),
                    str(own["cell_type"].iloc[0]),
                    own_pos,
                    _genes(own.loc[own["direction"] == "-", "gene"]),
                    (),
                    _genes(own.loc[own["direction"] == "requires", "gene"]),
                    _genes(own.loc[own["direction"] == "excludes", "gene"]),
                )
            ]
            if not own_pos:
                raise ValidationError(f"marker table: {lin!r} has no positive ('+') marker")
            own = own.iloc[0:0]
            own_pos = ()
        coarse_own = own["cell_type"].unique() if not own.empty else []
        fallback = (
            str(coarse_own[0])
            if len(coarse_own)
            else (subs[0].coarse if len({s.coarse for s in subs}) == 1 else str(lin))
        )
        lineages.append(
            _Lineage(
                str(lin),
                fallback,
                own_pos,
                _genes(own.loc[own["direction"] == "-", "gene"]),
                tuple(subs),
                _genes(own.loc[own["direction"] == "requires", "gene"]),
                _genes(own.loc[own["direction"] == "excludes", "gene"]),
            )
        )
    if not lineages:
        raise ValidationError("marker table has no rows")
    return tuple(lineages)


def _hierarchy(markers: _MarkersLike, species: str) -> tuple[_Lineage, ...]:
    if markers is None:
        return _builtin(species)
    if isinstance(markers, pd.DataFrame):
        return _from_table(markers)
    if isinstance(markers, Mapping):
        out = []
        for name, genes in markers.items():
            if isinstance(genes, str) or not isinstance(genes, Sequence):
                raise ValidationError(
                    f"markers[{name!r}] must be a list of gene symbols, got {type(genes).__name__}"
                )
            pos = _genes(genes)
            if not pos:
                raise ValidationError(f"markers[{name!r}] has no genes")
            out.append(_Lineage(str(name), str(name), subtypes=(_Type(str(name), str(name), pos),)))
        if not out:
            raise ValidationError("markers is empty")
        return tuple(out)
    raise ValidationError(
        "markers must be None, a marker table (pandas DataFrame with columns "
        f"{list(MARKER_COLUMNS)}) or a mapping cell type -> genes, got {type(markers).__name__}"
    )


def _owners(hier: tuple[_Lineage, ...]) -> dict[str, str]:
    """Gene -> the first lineage or subtype that has it as a positive marker."""
    out: dict[str, str] = {}
    for lin in hier:
        for g in lin.pos:
            out.setdefault(g, lin.name)
        for sub in lin.subtypes:
            for g in sub.pos:
                out.setdefault(g, sub.name)
    return out


def _coarse_markers(hier: tuple[_Lineage, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lin in hier:
        if lin.pos:
            out.setdefault(lin.coarse, []).extend(lin.pos)
        for sub in lin.subtypes:
            out.setdefault(sub.coarse, []).extend([*lin.pos, *sub.pos])
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def _decide(
    vals: np.ndarray,
    names: Sequence[str],
    *,
    min_score: float,
    min_margin: float,
    empty: str = "no marker set measured",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Winner per row of ``vals`` (NaN: not a candidate), its score, margin and the reason.

    The runner-up is at least zero (the control level), so a lone candidate's margin is its
    score. Returns (index of the winner or -1, top score, margin, reason per row).
    """
    n, k = vals.shape
    filled = np.where(np.isnan(vals), -np.inf, vals)
    order = np.argsort(-filled, axis=1, kind="stable")
    rows = np.arange(n)
    top = filled[rows, order[:, 0]] if k else np.full(n, -np.inf)
    second = filled[rows, order[:, 1]] if k > 1 else np.full(n, -np.inf)
    margin = top - np.maximum(second, 0.0)
    ok = np.isfinite(top) & (top >= min_score) & (margin >= min_margin)
    win = np.where(ok, order[:, 0] if k else -1, -1)
    reasons = []
    for i in range(n):
        if ok[i]:
            reasons.append("")
        elif not np.isfinite(top[i]):
            reasons.append(empty)
        elif top[i] < min_score:
            reasons.append(
                f"best {names[order[i, 0]]} scores {top[i]:.3f} < min_score {min_score:g}"
            )
        else:
            other = names[order[i, 1]] if k > 1 and np.isfinite(second[i]) else "control level"
            reasons.append(
                f"{names[order[i, 0]]} ({top[i]:.3f}) not clearly ahead of {other} "
                f"(margin {margin[i]:.3f} < min_margin {min_margin:g})"
            )
    top = np.where(np.isfinite(top), top, np.nan)
    margin = np.where(np.isfinite(margin), margin, np.nan)
    return win, top, margin, reasons


def annotate_cells(
    source: ExpressionSource,
    *,
    species: str,
    background: ScoringBackground,
    markers: _MarkersLike = None,
    clusters: Sequence[Any] | np.ndarray | pd.Series | None = None,
    min_score: float = 0.1,
    min_margin: float = 0.1,
    min_markers: int = 2,
    min_detected: int = 2,
    rng: Any = 0,
    transform: Transform = "none",
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Annotate every cell: lineage, then subtype, from positive and negative marker scores.

    Parameters
    ----------
    source
        The expression matrix (see :func:`ifnexus.scoring.expression_source`).
    species
        ``"human"`` or ``"mouse"`` (selects the built-in markers).
    background
        Gene means and bins of ``source`` (:func:`ifnexus.scoring.prepare`).
    markers
        None (the built-in hierarchy of :func:`~ifnexus.singlecell.marker_table`), a marker
        table with that layout (``cell_type`` and ``gene`` required; ``lineage``, ``subtype``
        and ``direction`` optional), or a mapping cell type -> positive marker genes (each
        type its own lineage).
    clusters
        One cluster label per cell (e.g. ``adata.obs["leiden"]``): the call is made on the
        cluster means of the scores and given to every cell of the cluster.
    min_score
        Smallest winning score for a call (log-expression units above the controls).
    min_margin
        Smallest lead of the winner over the runner-up (or over zero), lineage and subtype.
    min_markers
        Positive markers a type needs in the data to be a candidate (fewer if its list is
        shorter); a negative set is used with one gene or more.
    min_detected
        Positive markers of a lineage (its own and its subtypes') a cell must express (> 0)
        for that lineage to be a candidate for it (fewer if fewer are measured); 0 turns the
        rule off. Not applied to cluster calls, which average many cells.
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
        Per cell: ``cell_type`` (coarse, categorical: :data:`~ifnexus.singlecell.CELL_TYPES`
        for the built-in markers), ``cell_subtype`` (``cd8_t``, ``classical_mono``, ``pdc``...;
        the lineage's fallback when unresolved), ``cell_type_score`` (the winning lineage's
        score), ``cell_type_margin`` (its lead over the runner-up or zero),
        ``cell_type_confidence`` (margin / score in [0, 1]; 0 when unassigned),
        ``cell_subtype_margin``, ``cell_type_reason`` (empty when called, else why not),
        ``cell_type_markers`` (the coarse type's positive markers detected in the cell,
        ``;``-joined, in :func:`~ifnexus.singlecell.cell_type_markers` order) and one
        ``marker_<lineage>`` score column per candidate lineage. Per marker set: the gene
        report (``set`` as ``<lineage>[/<subtype>]|+`` or ``|-<look-alike type>``: negatives
        are scored per type they are positive markers of, and the strongest counts; ``n_found``, ``found``,
        ``missing``, ``status``: ``ok``, ``too_few`` or ``not_candidate``).

    Raises
    ------
    ValidationError
        A marker table without ``cell_type`` or ``gene``, a bad direction, a type without
        positive markers, ``clusters`` of the wrong length, negative ``min_margin``.
    """
    opts = run_options(
        options, chunk_size=chunk_size, n_jobs=n_jobs, scheduler=scheduler, where="annotate_cells"
    )
    if min_margin < 0:
        raise ValidationError(f"min_margin must be >= 0, got {min_margin}")
    if min_markers < 1:
        raise ValidationError(f"min_markers must be >= 1, got {min_markers}")
    if min_detected < 0:
        raise ValidationError(f"min_detected must be >= 0, got {min_detected}")
    n_cells = source.shape[0]
    if clusters is not None:
        clusters = np.asarray(pd.Series(clusters).astype(str).to_numpy())
        if len(clusters) != n_cells:
            raise ValidationError(f"clusters has {len(clusters)} labels for {n_cells} cells")
    hier = _hierarchy(markers, species)
    owner = _owners(hier)
    sets: dict[str, list[str]] = {}
    neg_keys: dict[str, list[str]] = {}

    def add_neg(key: str, genes: tuple[str, ...]) -> None:
        # negatives are scored per look-alike type (the type whose positive marker each gene
        # is): averaging a cDC2 gene with T-cell genes would dilute the one that is present
        groups: dict[str, list[str]] = {}
        for g in genes:
            groups.setdefault(owner.get(g, "other"), []).append(g)
        neg_keys[key] = []
        for grp, gs in groups.items():
            sets[f"{key}|-{grp}"] = gs
            neg_keys[key].append(f"{key}|-{grp}")

    for lin in hier:
        if lin.pos:
            sets[f"{lin.name}|+"] = list(lin.pos)
        if lin.neg:
            add_neg(lin.name, lin.neg)
        for sub in lin.subtypes:
            key = (
                lin.name
                if len(lin.subtypes) == 1 and sub.name == lin.name
                else (f"{lin.name}/{sub.name}")
            )
            sets[f"{key}|+"] = list(sub.pos)
            if sub.neg:
                add_neg(key, sub.neg)
            for st in sub.states:
                sets[f"{key}~{st.name}|+"] = list(st.pos)
                if st.neg:
                    add_neg(f"{key}~{st.name}", st.neg)
    with warnings.catch_warnings():
        # coverage of each marker set goes to the report; one set at a time would be noise
        warnings.filterwarnings("ignore", message=r"gene set '[^']*\|[+-]", category=IfnexusWarning)
        scores = score_sets(
            source,
            sets,
            rng=rng,
            species=species,
            background=background,
            min_genes=1,
            on_too_few="skip",
            transform=transform,
            options=opts,
        )
    report = pd.DataFrame(scores.attrs["genes"])
    n_found = dict(zip(report["set"], report["n_found"], strict=True))

    # which positive markers each cell expresses (value > 0)
    found_genes = {g for row in report.itertuples() for g in str(row.found).split(";") if g}
    coarse_markers = _coarse_markers(hier)
    # the lineage gates' genes (requires / excludes) are read for detection only
    var_set = set(map(str, source.var_names))
    gate_genes = {
        g
        for lin in hier
        for gs in (
            lin.requires,
            lin.excludes,
            *((sub.requires, sub.excludes) for sub in lin.subtypes),
        )
        for g in gs
        if g in var_set
    }
    all_markers = sorted(
        {g for gs in coarse_markers.values() for g in gs if g in found_genes}
        | {g for lin in hier for sub in lin.subtypes for g in sub.pos if g in found_genes}
        | gate_genes
    )
    col = {g: i for i, g in enumerate(all_markers)}
    det = np.zeros((n_cells, 0), dtype=bool)
    if all_markers:
        idx = source.var_names.get_indexer(all_markers)
        _, parts = map_chunks(source, _detected, idx, options=opts)
        det = np.vstack(parts)
    masking = clusters is None and min_detected > 0

    n_exclude = max(min_detected, 1)
    cluster_codes = pd.factorize(clusters)[0] if clusters is not None else None

    def gate(requires: tuple[str, ...], excludes: tuple[str, ...]) -> np.ndarray:
        # cells the lineage gate admits: one requires gene expressed (when any is measured),
        # fewer than min_detected (at least 1) excludes genes expressed
        # (cluster calls: only the excludes part, judged by the cluster's majority; the
        # presence test guards single cells against one shared gene, and a cluster mean
        # already pools many cells, whose dropout of one measured leukocyte gene would
        # otherwise decide: PTPRC alone is detected in 59% of pbmc68k cells)
        ok = np.ones(n_cells, dtype=bool)
        req = sorted({col[g] for g in requires if g in col})
        if req and cluster_codes is None:
            ok &= det[:, req].any(axis=1)
        exc = sorted({col[g] for g in excludes if g in col})
        if exc:
            ok &= det[:, exc].sum(axis=1) < n_exclude
        return ok

    def type_score(
        key: str, pos: tuple[str, ...], detect: tuple[str, ...] = (),
        admitted: np.ndarray | None = None,
    ) -> np.ndarray | None:  # fmt: skip
        """Positive minus strongest negative; NaN for cells expressing too few of ``detect``.

        A type needs min_detected of its markers expressed in the cell: one stray transcript
        of a short list must not make a call (not applied to cluster calls). Cells the
        lineage gate does not admit (``admitted`` False) are NaN in every mode: the gate is
        about what a cell is, not about dropout. With clusters, only ``excludes`` applies,
        and a cluster is admitted when at least half its cells are.
        """
        need = min(min_markers, len(pos))
        if n_found.get(f"{key}|+", 0) < need:
            return None
        s = scores[f"{key}|+"].to_numpy(dtype=np.float64)
        measured = [k for k in neg_keys.get(key, []) if n_found.get(k, 0) >= 1]
        if measured:
            neg = np.max(scores[measured].to_numpy(dtype=np.float64), axis=1)
            s = s - np.maximum(neg, 0.0)
        cols_d = sorted({col[g] for g in detect if g in col})
        if masking and cols_d:
            n_det = det[:, cols_d].sum(axis=1)
            s = np.where(n_det >= min(min_detected, len(cols_d)), s, np.nan)
        if admitted is not None:
            if cluster_codes is not None:
                # cluster calls: the cluster is the unit; a type is a candidate for a cluster
                # unless most of its cells are excluded (averaging only the admitted cells
                # would select the cells that look most like the type)
                n_in = np.bincount(cluster_codes, weights=admitted.astype(np.float64))
                frac = n_in / np.maximum(np.bincount(cluster_codes), 1).astype(np.float64)
                admitted = frac[cluster_codes] >= 0.5
            s = np.where(admitted, s, np.nan)
        return s

    lin_names: list[str] = []
    lin_cols: list[np.ndarray] = []
    sub_scores: dict[str, tuple[list[_Type], np.ndarray]] = {}
    state_scores: dict[tuple[str, str], tuple[list[_Type], np.ndarray]] = {}
    candidate_sets: set[str] = set()
    for lin in hier:
        subs: list[_Type] = []
        cols: list[np.ndarray] = []
        lin_gate = gate(lin.requires, lin.excludes)
        for sub in lin.subtypes:
            key = (
                lin.name
                if len(lin.subtypes) == 1 and sub.name == lin.name
                else (f"{lin.name}/{sub.name}")
            )
            # subtypes that define their lineage (no lineage markers) must show their own
            # markers; CD8 vs CD4 within T cells are compared whatever their dropout
            s = type_score(key, sub.pos, () if lin.pos else sub.pos,
                           lin_gate & gate(sub.requires, sub.excludes))  # fmt: skip
            if s is not None:
                subs.append(sub)
                cols.append(s)
                candidate_sets.update({f"{key}|+", *neg_keys.get(key, [])})
                st_ok, st_cols = [], []
                for st in sub.states:
                    ss = type_score(f"{key}~{st.name}", st.pos)
                    if ss is not None:
                        st_ok.append(st)
                        st_cols.append(ss)
                        candidate_sets.update(
                            {f"{key}~{st.name}|+", *neg_keys.get(f"{key}~{st.name}", [])}
                        )
                if st_ok:
                    state_scores[(lin.name, sub.name)] = (st_ok, np.column_stack(st_cols))
        own = (
            type_score(
                lin.name,
                lin.pos,
                (*lin.pos, *(g for sub in lin.subtypes for g in sub.pos)),
                lin_gate,
            )  # fmt: skip
            if lin.pos
            else None
        )
        if own is not None:
            candidate_sets.update({f"{lin.name}|+", *neg_keys.get(lin.name, [])})
            lin_score = own
        elif cols and not lin.pos:
            stacked = np.vstack(cols)
            with warnings.catch_warnings():  # all-NaN columns: no subtype is a candidate
                warnings.simplefilter("ignore", RuntimeWarning)
                lin_score = np.nanmax(stacked, axis=0)
        else:
            continue
        lin_names.append(lin.name)
        lin_cols.append(lin_score)
        sub_scores[lin.name] = (subs, np.column_stack(cols) if cols else np.empty((n_cells, 0)))
    report.loc[(report["status"] == "ok") & ~report["set"].isin(candidate_sets), "status"] = (
        "not_candidate"
    )
    skipped = [lin.name for lin in hier if lin.name not in lin_names]
    if skipped:
        logger.info("cell types not candidates (too few markers in the data): %s", skipped)
    lin_mat = np.column_stack(lin_cols) if lin_cols else np.empty((n_cells, 0))
    if not lin_names:
        warnings.warn(
            "no cell-type marker set has enough genes in the data: every cell is 'unassigned' "
            f"(species {species}; check the gene identifiers)",
            IfnexusWarning,
            stacklevel=2,
        )

    # the unit of decision: cells, or cluster means
    if clusters is not None:
        codes, uniq = pd.factorize(clusters)
        groups = [np.flatnonzero(codes == c) for c in range(len(uniq))]

        def agg(m: np.ndarray) -> np.ndarray:
            if m.shape[1] == 0:
                return np.empty((len(groups), 0))
            return np.vstack([np.nanmean(m[g], axis=0) for g in groups])

        expand = codes
    else:

        def agg(m: np.ndarray) -> np.ndarray:
            return m

        expand = np.arange(n_cells)
    masked = masking and bool(lin_names)
    win, top, margin, reasons = _decide(
        agg(lin_mat),
        lin_names,
        min_score=min_score,
        min_margin=min_margin,
        empty=(
            f"no cell type has {min_detected} of its markers expressed"
            if masked
            else "no marker set measured"
        ),
    )
    by_name = {lin.name: lin for lin in hier}
    n_units = len(win)
    coarse = np.full(n_units, _UNASSIGNED, dtype=object)
    subtype = np.full(n_units, _UNASSIGNED, dtype=object)
    sub_margin = np.full(n_units, np.nan)
    for j, name in enumerate(lin_names):
        units = np.flatnonzero(win == j)
        if not len(units):
            continue
        lin = by_name[name]
        subs, smat = sub_scores[name]
        coarse[units] = lin.coarse
        subtype[units] = lin.coarse
        if len(subs) == 1 and len(lin.subtypes) == 1:
            coarse[units] = subs[0].coarse
            subtype[units] = subs[0].name
            continue
        if not subs:
            continue
        sw, _, sm, _ = _decide(
            agg(smat)[units], [s.name for s in subs], min_score=min_score, min_margin=min_margin
        )
        sub_margin[units] = sm
        for k, sub in enumerate(subs):
            hit = units[sw == k]
            coarse[hit] = sub.coarse
            subtype[hit] = sub.name
            if len(hit) and (name, sub.name) in state_scores:
                states, stmat = state_scores[(name, sub.name)]
                pos_of = {u: i for i, u in enumerate(units)}
                rows_ = np.array([pos_of[u] for u in hit])
                tw, _, _, _ = _decide(
                    agg(stmat)[units][rows_],
                    [st.name for st in states],
                    min_score=min_score,
                    min_margin=min_margin,
                )
                for q, st in enumerate(states):
                    subtype[hit[tw == q]] = st.name
    if clusters is not None:
        reasons = [f"cluster {uniq[i]}: {r}" if r else "" for i, r in enumerate(reasons)]

    out = pd.DataFrame(index=scores.index)
    builtin = set(coarse_markers) <= set(CELL_TYPES)
    cats = list(dict.fromkeys([*(CELL_TYPES if builtin else coarse_markers), _UNASSIGNED]))
    cell_coarse = coarse[expand]
    out["cell_type"] = pd.Categorical(cell_coarse, categories=cats)
    out["cell_subtype"] = subtype[expand].astype(str)
    out["cell_type_score"] = top[expand]
    out["cell_type_margin"] = margin[expand]
    called = cell_coarse != _UNASSIGNED
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.clip(margin[expand] / top[expand], 0.0, 1.0)
    out["cell_type_confidence"] = np.where(called, np.nan_to_num(conf), 0.0)
    out["cell_subtype_margin"] = sub_margin[expand]
    out["cell_type_reason"] = np.asarray(reasons, dtype=object)[expand].astype(str)
    # markers used: the coarse type's positive markers detected in the cell
    used = [""] * n_cells
    if col:
        for i, t in enumerate(cell_coarse):
            genes = [g for g in coarse_markers.get(t, []) if g in col]
            used[i] = ";".join(g for g in genes if det[i, col[g]])
    out["cell_type_markers"] = used
    for j, name in enumerate(lin_names):
        out[f"marker_{name}"] = lin_mat[:, j]
    return out, report
