"""Bulk tumour profiling: ESTIMATE purity, immune contexture, 9p21 status and the IFN state."""

from ifnexus.tumour._contexture import immune_contexture, mean_log2_scores
from ifnexus.tumour._copynumber import (
    adjust_for_purity,
    call_9p21,
    classify_log2,
    read_segments,
    region_genes,
    segment_gene_cn,
    tidy_segments,
)
from ifnexus.tumour._estimate import (
    estimate_purity,
    estimate_scores,
    estimate_signatures,
    ifn_inducible_genes,
)
from ifnexus.tumour._expression import (
    collapse_duplicates,
    detect_scale,
    log2_expression,
    read_expression,
    read_numeric_matrix,
)
from ifnexus.tumour._ifnstate import IFN_STATES, call_ifn_state, ifn_signals, robust_z
from ifnexus.tumour._plots import plot_purity_by_state, plot_score_heatmap
from ifnexus.tumour._profile import profile_tumours, read_clinical
from ifnexus.tumour._write import profile_run_record, write_tumour_profile

__all__ = [
    "IFN_STATES",
    "adjust_for_purity",
    "call_9p21",
    "call_ifn_state",
    "classify_log2",
    "collapse_duplicates",
    "detect_scale",
    "estimate_purity",
    "estimate_scores",
    "estimate_signatures",
    "ifn_inducible_genes",
    "ifn_signals",
    "immune_contexture",
    "log2_expression",
    "mean_log2_scores",
    "plot_purity_by_state",
    "plot_score_heatmap",
    "profile_run_record",
    "profile_tumours",
    "read_clinical",
    "read_expression",
    "read_numeric_matrix",
    "read_segments",
    "region_genes",
    "robust_z",
    "segment_gene_cn",
    "tidy_segments",
    "write_tumour_profile",
]
