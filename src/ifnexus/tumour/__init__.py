"""Bulk tumour profiling: ESTIMATE purity, immune contexture, 9p21 status and the IFN state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.tumour, imported on first use (PEP 562): importing
# ifnexus.tumour (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "immune_contexture": "_contexture",
    "mean_log2_scores": "_contexture",
    "adjust_for_purity": "_copynumber",
    "call_9p21": "_copynumber",
    "classify_log2": "_copynumber",
    "read_segments": "_copynumber",
    "region_genes": "_copynumber",
    "segment_gene_cn": "_copynumber",
    "tidy_segments": "_copynumber",
    "estimate_purity": "_estimate",
    "estimate_scores": "_estimate",
    "estimate_signatures": "_estimate",
    "ifn_inducible_genes": "_estimate",
    "collapse_duplicates": "_expression",
    "detect_scale": "_expression",
    "log2_expression": "_expression",
    "read_expression": "_expression",
    "read_numeric_matrix": "_expression",
    "IFN_CLASSES": "_ifnstate",
    "IFN_STATES": "_ifnstate",
    "call_ifn_state": "_ifnstate",
    "fit_two_gaussians": "_ifnstate",
    "ifn_programme_scores": "_ifnstate",
    "ifn_signals": "_ifnstate",
    "ifn_state_probabilities": "_ifnstate",
    "robust_z": "_ifnstate",
    "plot_purity_by_state": "_plots",
    "plot_score_heatmap": "_plots",
    "profile_tumours": "_profile",
    "read_clinical": "_profile",
    "profile_run_record": "_write",
    "write_tumour_profile": "_write",
}

__all__ = [
    "IFN_CLASSES",
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
    "fit_two_gaussians",
    "ifn_inducible_genes",
    "ifn_programme_scores",
    "ifn_signals",
    "ifn_state_probabilities",
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

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
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
    from ifnexus.tumour._ifnstate import (
        IFN_CLASSES,
        IFN_STATES,
        call_ifn_state,
        fit_two_gaussians,
        ifn_programme_scores,
        ifn_signals,
        ifn_state_probabilities,
        robust_z,
    )
    from ifnexus.tumour._plots import plot_purity_by_state, plot_score_heatmap
    from ifnexus.tumour._profile import profile_tumours, read_clinical
    from ifnexus.tumour._write import profile_run_record, write_tumour_profile


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
