"""Single-cell IFN / immune profiling: annotation, per-cell IFN state, samples, pseudobulk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.singlecell, imported on first use (PEP 562): importing
# ifnexus.singlecell (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "annotate_cells": "_annotate",
    "ACUTE_PROGRAMME": "_ifn_state",
    "DETECTION_COLUMNS": "_ifn_state",
    "IFN_STATES": "_ifn_state",
    "IfnStateCall": "_ifn_state",
    "PROGRAMMES": "_ifn_state",
    "STATE_COLUMNS": "_ifn_state",
    "SUSTAINED_PROGRAMME": "_ifn_state",
    "call_ifn_state": "_ifn_state",
    "programme_detection": "_ifn_state",
    "programme_sets": "_ifn_state",
    "detect_input_kind": "_input",
    "CELL_TYPES": "_markers",
    "IMMUNE_TYPES": "_markers",
    "MARKER_COLUMNS": "_markers",
    "SIGNATURES": "_markers",
    "cell_type_markers": "_markers",
    "marker_table": "_markers",
    "plot_composition": "_plots",
    "plot_embedding": "_plots",
    "plot_ifn_state": "_plots",
    "plot_violins": "_plots",
    "CELL_TYPE_COLUMNS": "_profile",
    "Profile": "_profile",
    "ProfileInput": "_profile",
    "cell_table": "_profile",
    "check_control": "_profile",
    "profile": "_profile",
    "profile_elements": "_profile",
    "profile_input": "_profile",
    "profile_pseudobulk": "_profile",
    "profiled_obs": "_profile",
    "score_signatures": "_profile",
    "store_profile": "_profile",
    "pseudobulk": "_pseudobulk",
    "compare_conditions": "_samples",
    "summarise_samples": "_samples",
    "summarize_samples": "_samples",
    "write_profile": "_write",
}

__all__ = [
    "ACUTE_PROGRAMME",
    "CELL_TYPES",
    "CELL_TYPE_COLUMNS",
    "DETECTION_COLUMNS",
    "IFN_STATES",
    "IMMUNE_TYPES",
    "MARKER_COLUMNS",
    "PROGRAMMES",
    "SIGNATURES",
    "STATE_COLUMNS",
    "SUSTAINED_PROGRAMME",
    "IfnStateCall",
    "Profile",
    "ProfileInput",
    "annotate_cells",
    "call_ifn_state",
    "cell_table",
    "cell_type_markers",
    "check_control",
    "compare_conditions",
    "detect_input_kind",
    "marker_table",
    "plot_composition",
    "plot_embedding",
    "plot_ifn_state",
    "plot_violins",
    "profile",
    "profile_elements",
    "profile_input",
    "profile_pseudobulk",
    "profiled_obs",
    "programme_detection",
    "programme_sets",
    "pseudobulk",
    "score_signatures",
    "store_profile",
    "summarise_samples",
    "summarize_samples",
    "write_profile",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.singlecell._annotate import annotate_cells
    from ifnexus.singlecell._ifn_state import (
        ACUTE_PROGRAMME,
        DETECTION_COLUMNS,
        IFN_STATES,
        PROGRAMMES,
        STATE_COLUMNS,
        SUSTAINED_PROGRAMME,
        IfnStateCall,
        call_ifn_state,
        programme_detection,
        programme_sets,
    )
    from ifnexus.singlecell._input import detect_input_kind
    from ifnexus.singlecell._markers import (
        CELL_TYPES,
        IMMUNE_TYPES,
        MARKER_COLUMNS,
        SIGNATURES,
        cell_type_markers,
        marker_table,
    )
    from ifnexus.singlecell._plots import (
        plot_composition,
        plot_embedding,
        plot_ifn_state,
        plot_violins,
    )
    from ifnexus.singlecell._profile import (
        CELL_TYPE_COLUMNS,
        Profile,
        ProfileInput,
        cell_table,
        check_control,
        profile,
        profile_elements,
        profile_input,
        profile_pseudobulk,
        profiled_obs,
        score_signatures,
        store_profile,
    )
    from ifnexus.singlecell._pseudobulk import pseudobulk
    from ifnexus.singlecell._samples import compare_conditions, summarise_samples, summarize_samples
    from ifnexus.singlecell._write import write_profile


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
