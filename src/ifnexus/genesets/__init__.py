"""Curated gene sets with sources and licences; symbol aliases; human <-> mouse mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.genesets, imported on first use (PEP 562): importing
# ifnexus.genesets (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "Resolution": "_aliases",
    "alias_table": "_aliases",
    "current_symbol": "_aliases",
    "resolve_genes": "_aliases",
    "GeneSet": "_geneset",
    "read_gene_set_table": "_gmt",
    "read_gene_sets": "_gmt",
    "read_gmt": "_gmt",
    "write_gmt": "_gmt",
    "convert_set": "_orthologs",
    "map_genes": "_orthologs",
    "ortholog_table": "_orthologs",
    "available_sets": "_registry",
    "chr9p21_genes": "_registry",
    "estimate_common_genes": "_registry",
    "get_set": "_registry",
    "list_sets": "_registry",
}

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

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
