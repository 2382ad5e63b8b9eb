"""Single-cell IFN / immune profiling: annotation, per-cell IFN state, samples, pseudobulk."""

from ifnexus.singlecell._annotate import annotate_cells
from ifnexus.singlecell._ifn_state import IFN_STATES, call_ifn_state
from ifnexus.singlecell._input import detect_input_kind
from ifnexus.singlecell._markers import CELL_TYPES, IMMUNE_TYPES, SIGNATURES, cell_type_markers
from ifnexus.singlecell._plots import plot_composition, plot_embedding, plot_violins
from ifnexus.singlecell._profile import Profile, profile, profiled_obs
from ifnexus.singlecell._pseudobulk import pseudobulk
from ifnexus.singlecell._samples import compare_conditions, summarise_samples, summarize_samples
from ifnexus.singlecell._write import write_profile

__all__ = [
    "CELL_TYPES",
    "IFN_STATES",
    "IMMUNE_TYPES",
    "SIGNATURES",
    "Profile",
    "annotate_cells",
    "call_ifn_state",
    "cell_type_markers",
    "compare_conditions",
    "detect_input_kind",
    "plot_composition",
    "plot_embedding",
    "plot_violins",
    "profile",
    "profiled_obs",
    "pseudobulk",
    "summarise_samples",
    "summarize_samples",
    "write_profile",
]
