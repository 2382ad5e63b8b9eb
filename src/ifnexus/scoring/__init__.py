"""Signature scoring engine: binned-control mean score and ESTIMATE-form ssGSEA.

One engine for cells x genes or samples x genes on dense, sparse, backed-h5ad and dask data:
:func:`prepare` computes gene means and bins once, :func:`score_sets` scores many sets in one
pass, :func:`resolve_sets` reports which genes of each set were found; :func:`weight_matrix`,
:func:`weighted_scores` and :func:`ssgsea_scores` are the remaining stages of
:func:`score_sets`, each usable alone. Run options travel in one :class:`ifnexus.RunOptions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.scoring, imported on first use (PEP 562): importing
# ifnexus.scoring (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "ScoringBackground": "_background",
    "cut_bins": "_background",
    "prepare": "_background",
    "control_genes": "_mean_control",
    "weight_matrix": "_mean_control",
    "gene_report": "_score",
    "score_sets": "_score",
    "ssgsea_scores": "_score",
    "weighted_scores": "_score",
    "check_species": "_sets",
    "detect_species": "_sets",
    "resolve_sets": "_sets",
    "ExpressionSource": "_source",
    "expression_source": "_source",
    "ssgsea": "_ssgsea",
}

__all__ = [
    "ExpressionSource",
    "ScoringBackground",
    "check_species",
    "control_genes",
    "cut_bins",
    "detect_species",
    "expression_source",
    "gene_report",
    "prepare",
    "resolve_sets",
    "score_sets",
    "ssgsea",
    "ssgsea_scores",
    "weight_matrix",
    "weighted_scores",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.scoring._background import ScoringBackground, cut_bins, prepare
    from ifnexus.scoring._mean_control import control_genes, weight_matrix
    from ifnexus.scoring._score import gene_report, score_sets, ssgsea_scores, weighted_scores
    from ifnexus.scoring._sets import check_species, detect_species, resolve_sets
    from ifnexus.scoring._source import ExpressionSource, expression_source
    from ifnexus.scoring._ssgsea import ssgsea


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
