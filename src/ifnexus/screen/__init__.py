"""CRISPR screens: MAGeCK-compatible counting and alpha-RRA testing, CRISPRi phenotypes.

Gene calls robust to inactive guides: ``mixture_gene_calls`` (a hierarchical mixture of active
and inactive sgRNAs, the CRISPhieRmix model).

Count tables are guides x samples (rows sgRNAs, a ``Gene`` column, one column per sample), the
layout of MAGeCK's files, kept in memory so that tables go in and out unchanged. Every result
object (``CountResult``, ``MageckResult``, ``MageckComparisons``, ``PhenotypeResult``) has a
``summary`` property: a tidy DataFrame with documented snake_case columns. ``mageck_test`` and
``rra`` run as named stages that can be called one at a time.

Names are imported on first use (PEP 562), so ``ifnexus screen count`` never loads pandas,
scipy or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

_WHERE = {
    "Comparison": "_comparisons",
    "MageckComparisons": "_comparisons",
    "mageck_test_comparisons": "_comparisons",
    "parse_comparisons": "_comparisons",
    "CountResult": "_count",
    "count_fastq": "_count",
    "gini_index": "_count",
    "as_count_table": "_io",
    "merge_rank_summaries": "_io",
    "parse_samples": "_io",
    "read_control_list": "_io",
    "read_counts": "_io",
    "read_library": "_io",
    "GeneTest": "_mageck",
    "MageckResult": "_mageck",
    "gene_test": "_mageck",
    "mageck_test": "_mageck",
    "MageckDesign": "_mageck_design",
    "mageck_normalise": "_mageck_design",
    "MeanVarianceModel": "_sgrna_test",
    "SgrnaTest": "_sgrna_test",
    "fit_mean_variance": "_sgrna_test",
    "p_adjust": "_sgrna_test",
    "sgrna_test": "_sgrna_test",
    "size_factors": "_normalize",
    "GuideMixture": "_mixture",
    "MixtureResult": "_mixture",
    "fit_guide_mixture": "_mixture",
    "mixture_gene_calls": "_mixture",
    "sgrna_z_scores": "_mixture",
    "mixture_figures": "_mixture_plots",
    "mixture_fit_plot": "_mixture_plots",
    "posterior_plot": "_mixture_plots",
    "gene_set_ranks": "_pathway",
    "rank_enrichment": "_pathway",
    "PHENOTYPES": "_phenotype",
    "PhenotypeResult": "_phenotype",
    "gene_scores": "_phenotype",
    "phenotypes": "_phenotype",
    "sgrna_phenotype": "_phenotype",
    "phenotype_figures": "_plots",
    "rank_plot": "_plots",
    "replicate_plot": "_plots",
    "sgrna_plot": "_plots",
    "volcano_plot": "_plots",
    "write_figures": "_plots",
    "RraGroups": "_rra",
    "RraOptions": "_rra",
    "rra": "_rra",
    "rra_fdr": "_rra",
    "rra_groups": "_rra",
    "rra_lo_values": "_rra",
    "rra_percentiles": "_rra",
    "rra_permutation_p": "_rra",
}

__all__ = [
    "Comparison",
    "CountResult",
    "GeneTest",
    "GuideMixture",
    "MageckDesign",
    "MageckComparisons",
    "MageckResult",
    "MeanVarianceModel",
    "MixtureResult",
    "PHENOTYPES",
    "PhenotypeResult",
    "RraGroups",
    "RraOptions",
    "SgrnaTest",
    "as_count_table",
    "count_fastq",
    "fit_guide_mixture",
    "fit_mean_variance",
    "gene_scores",
    "gene_set_ranks",
    "gene_test",
    "gini_index",
    "mageck_normalise",
    "mageck_test",
    "mageck_test_comparisons",
    "merge_rank_summaries",
    "mixture_figures",
    "mixture_fit_plot",
    "mixture_gene_calls",
    "p_adjust",
    "parse_comparisons",
    "parse_samples",
    "phenotype_figures",
    "phenotypes",
    "posterior_plot",
    "rank_enrichment",
    "rank_plot",
    "read_control_list",
    "read_counts",
    "read_library",
    "replicate_plot",
    "rra",
    "rra_fdr",
    "rra_groups",
    "rra_lo_values",
    "rra_percentiles",
    "rra_permutation_p",
    "sgrna_phenotype",
    "sgrna_plot",
    "sgrna_test",
    "sgrna_z_scores",
    "size_factors",
    "volcano_plot",
    "write_figures",
]

if TYPE_CHECKING:  # pragma: no cover
    from ifnexus.screen._comparisons import (
        Comparison,
        MageckComparisons,
        mageck_test_comparisons,
        parse_comparisons,
    )
    from ifnexus.screen._count import CountResult, count_fastq, gini_index
    from ifnexus.screen._io import (
        as_count_table,
        merge_rank_summaries,
        parse_samples,
        read_control_list,
        read_counts,
        read_library,
    )
    from ifnexus.screen._mageck import GeneTest, MageckResult, gene_test, mageck_test
    from ifnexus.screen._mageck_design import MageckDesign, mageck_normalise
    from ifnexus.screen._mixture import (
        GuideMixture,
        MixtureResult,
        fit_guide_mixture,
        mixture_gene_calls,
        sgrna_z_scores,
    )
    from ifnexus.screen._mixture_plots import mixture_figures, mixture_fit_plot, posterior_plot
    from ifnexus.screen._normalize import size_factors
    from ifnexus.screen._pathway import gene_set_ranks, rank_enrichment
    from ifnexus.screen._phenotype import (
        PHENOTYPES,
        PhenotypeResult,
        gene_scores,
        phenotypes,
        sgrna_phenotype,
    )
    from ifnexus.screen._plots import (
        phenotype_figures,
        rank_plot,
        replicate_plot,
        sgrna_plot,
        volcano_plot,
        write_figures,
    )
    from ifnexus.screen._rra import (
        RraGroups,
        RraOptions,
        rra,
        rra_fdr,
        rra_groups,
        rra_lo_values,
        rra_percentiles,
        rra_permutation_p,
    )
    from ifnexus.screen._sgrna_test import (
        MeanVarianceModel,
        SgrnaTest,
        fit_mean_variance,
        p_adjust,
        sgrna_test,
    )


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
