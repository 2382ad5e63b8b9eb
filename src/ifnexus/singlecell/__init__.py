"""Single-cell IFN / immune profiling: annotation, per-cell IFN state, samples, pseudobulk."""

from ifnexus.singlecell._annotate import annotate_cells
from ifnexus.singlecell._ifn_state import IFN_STATES, call_ifn_state
from ifnexus.singlecell._input import detect_input_kind
from ifnexus.singlecell._markers import CELL_TYPES, IMMUNE_TYPES, SIGNATURES, cell_type_markers
from ifnexus.singlecell._plots import plot_composition, plot_embedding, plot_violins
from ifnexus.singlecell._profile import (
    CELL_TYPE_COLUMNS,
    Profile,
    ProfileInput,
    cell_table,
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

__all__ = [
    "CELL_TYPES",
    "CELL_TYPE_COLUMNS",
    "IFN_STATES",
    "IMMUNE_TYPES",
    "SIGNATURES",
    "Profile",
    "ProfileInput",
    "annotate_cells",
    "call_ifn_state",
    "cell_table",
    "cell_type_markers",
    "compare_conditions",
    "detect_input_kind",
    "plot_composition",
    "plot_embedding",
    "plot_violins",
    "profile",
    "profile_elements",
    "profile_input",
    "profile_pseudobulk",
    "profiled_obs",
    "pseudobulk",
    "score_signatures",
    "store_profile",
    "summarise_samples",
    "summarize_samples",
    "write_profile",
]
