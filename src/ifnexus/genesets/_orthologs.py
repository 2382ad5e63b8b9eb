"""Offline human <-> mouse gene mapping for every gene of the shipped sets.

The table (``data/orthologs_human_mouse.tsv``) is curated: one row per human-mouse pair,
with the relation (``one2one``, ``one2many``, ``many2one``, ``many2many``, ``none``) and a
note for every gene that is not a plain one-to-one ortholog (HLA class I -> H2-K1/H2-D1,
OAS1 -> Oas1a-h, IFI27 -> Ifi27/Ifi27l2a, IFIT3 -> Ifit3/Ifit3b, ...). Genes absent from the
table fall back to MGI capitalisation (STAT1 -> Stat1), flagged ``inferred`` in the notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from importlib import resources

import pandas as pd

from ifnexus._errors import ValidationError
from ifnexus.genesets._geneset import GeneSet

_DATA = resources.files("ifnexus.genesets") / "data"


@cache
def ortholog_table() -> pd.DataFrame:
    """The curated table: columns ``human``, ``mouse``, ``relation``, ``note`` (mouse empty when none)."""
    with (_DATA / "orthologs_human_mouse.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#", dtype=str).fillna("")


def _capitalise(symbol: str) -> str:
    return symbol[:1].upper() + symbol[1:].lower()


def map_genes(genes: Iterable[str], *, source: str = "human", target: str = "mouse") -> pd.DataFrame:
    """Map genes between human and mouse.

    Returns one row per (gene, ortholog) pair: ``gene``, ``ortholog`` (empty when there is
    none), ``relation`` and ``note``. Genes without a curated row are mapped by MGI/HGNC
    capitalisation with relation ``inferred``.
    """
    if {source, target} != {"human", "mouse"}:
        raise ValidationError(f"map_genes maps human <-> mouse; got source={source!r}, target={target!r}")
    table = ortholog_table()
    key = table[source].str.upper()
    rows = []
    for gene in dict.fromkeys(genes):
        hit = table[key == gene.upper()]
        if len(hit):
            for _, r in hit.iterrows():
                rows.append({"gene": gene, "ortholog": r[target], "relation": r["relation"], "note": r["note"]})
        else:
            guess = _capitalise(gene) if target == "mouse" else gene.upper()
            rows.append({"gene": gene, "ortholog": guess, "relation": "inferred",
                         "note": "not in the curated table; mapped by symbol capitalisation"})
    return pd.DataFrame(rows, columns=["gene", "ortholog", "relation", "note"])


def convert_set(gs: GeneSet, species: str) -> GeneSet:
    """Return ``gs`` in ``species``; notes name each gene mapped other than one-to-one."""
    if species not in ("human", "mouse"):
        raise ValidationError(f"species must be 'human' or 'mouse', got {species!r}")
    if gs.species == species:
        return gs
    mapped = map_genes(gs.genes, source=gs.species, target=species)
    genes: list[str] = []
    notes: dict[str, str] = {}
    for gene, grp in mapped.groupby("gene", sort=False):
        targets = [t for t in grp["ortholog"] if t]
        genes.extend(targets)
        rel = grp["relation"].iloc[0]
        if rel != "one2one":
            note = grp["note"].iloc[0] or rel
            notes[gene] = f"{rel}: {', '.join(targets) if targets else 'no ortholog'} ({note})"
    if not genes:
        raise ValidationError(f"gene set {gs.name!r} has no {species} orthologs")
    return replace(gs, genes=tuple(genes), species=species, notes=notes,
                   version=f"{gs.version}; mapped {gs.species}->{species} by ifnexus ortholog table")
