"""CRISPR screens: MAGeCK-compatible counting and alpha-RRA testing, CRISPRi phenotypes."""

from ifnexus.screen._count import CountResult, count_fastq, gini_index
from ifnexus.screen._io import (
    as_count_table,
    parse_samples,
    read_control_list,
    read_counts,
    read_library,
)
from ifnexus.screen._mageck import MageckResult, mageck_test, p_adjust
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
    rank_plot,
    replicate_plot,
    sgrna_plot,
    volcano_plot,
    write_figures,
)
from ifnexus.screen._rra import RraOptions, rra

__all__ = [
    "gene_set_ranks",
    "rank_enrichment",
    "rank_plot",
    "replicate_plot",
    "sgrna_plot",
    "volcano_plot",
    "write_figures",
    "PHENOTYPES",
    "PhenotypeResult",
    "gene_scores",
    "phenotypes",
    "sgrna_phenotype",
    "CountResult",
    "count_fastq",
    "gini_index",
    "MageckResult",
    "RraOptions",
    "as_count_table",
    "mageck_test",
    "p_adjust",
    "parse_samples",
    "read_control_list",
    "read_counts",
    "read_library",
    "rra",
    "size_factors",
]
