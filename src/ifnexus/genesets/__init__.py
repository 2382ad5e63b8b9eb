"""Curated gene sets with sources and licences; symbol aliases; human <-> mouse mapping."""

from ifnexus.genesets._aliases import Resolution, alias_table, current_symbol, resolve_genes
from ifnexus.genesets._geneset import GeneSet
from ifnexus.genesets._gmt import read_gene_set_table, read_gene_sets, read_gmt, write_gmt
from ifnexus.genesets._orthologs import convert_set, map_genes, ortholog_table
from ifnexus.genesets._registry import (
    available_sets,
    chr9p21_genes,
    estimate_common_genes,
    get_set,
    list_sets,
)

__all__ = [
    "GeneSet",
    "Resolution",
    "alias_table",
    "available_sets",
    "chr9p21_genes",
    "convert_set",
    "current_symbol",
    "estimate_common_genes",
    "get_set",
    "list_sets",
    "map_genes",
    "ortholog_table",
    "read_gene_set_table",
    "read_gene_sets",
    "read_gmt",
    "resolve_genes",
    "write_gmt",
]
