"""Offline human <-> mouse gene mapping for every gene of the shipped sets.

The table (``data/orthologs_human_mouse.tsv``) is curated: one row per human-mouse pair,
with the relation (``one2one``, ``one2many``, ``many2one``, ``many2many``, ``none``, read
from the human side) and a note for every gene that is not a plain same-symbol one-to-one
ortholog (HLA class I -> H2-K1/H2-D1, OAS1 -> Oas1a-h, IFI27 -> Ifi27/Ifi27l2a, IFIT3 ->
Ifit3/Ifit3b, IFNA -> the mouse Ifna family, KIR/GNLY/GZMH -> none, ...). It covers every
gene of every shipped set; plain one-to-one rows were checked against HCOP and Ensembl
Compara (see the file header).

Why a vendored table rather than a library: the field's tools (decoupler ``translate``,
biomart/HCOP clients, mousipy) fetch or ship genome-wide tables without the family notes
this resource needs, and ifnexus must work offline.

Lookups are case-insensitive. Human symbols not in the table are first resolved through the
HGNC alias table (legacy DDX58 -> RIGI, FYB -> FYB1, ...); genes still unknown fall back to
MGI/HGNC capitalisation (STAT1 -> Stat1), flagged ``inferred``. Mapping mouse -> human uses
the same rows read backwards, with ``one2many`` and ``many2one`` swapped, so Oas1b -> OAS1
is ``many2one`` and H2-K1 -> HLA-A, HLA-B, HLA-C.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from importlib import resources

import pandas as pd

from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.genesets._aliases import current_symbol
from ifnexus.genesets._geneset import GeneSet
from ifnexus.genesets._tsv import tsv_rows

logger = logging.getLogger(__name__)

_DATA = resources.files("ifnexus.genesets") / "data"
_FILE = "orthologs_human_mouse.tsv"
_COLUMNS = ("human", "mouse", "relation", "note")
RELATIONS = ("one2one", "one2many", "many2one", "many2many", "none")
_FLIP = {"one2many": "many2one", "many2one": "one2many"}
_OUT_COLUMNS = ["gene", "ortholog", "relation", "note"]


def _parse_ortholog_table(text: str, origin: str) -> pd.DataFrame:
    """Parse and check an ortholog table; errors name ``origin`` and the line number.

    Checks: the header is exactly ``human mouse relation note``; each row has four
    tab-separated fields; the relation is one of :data:`RELATIONS`; ``mouse`` is empty
    exactly when the relation is ``none``; no (human, mouse) pair repeats; a human gene
    with a ``none`` row has no other row.
    """
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    relation_of: dict[str, tuple[str, int]] = {}
    for lineno, fields in tsv_rows(text, origin, _COLUMNS):
        human, mouse, relation, note = fields
        if not human:
            raise InputFormatError(f"{origin}, line {lineno}: the human symbol is empty")
        if relation not in RELATIONS:
            raise InputFormatError(
                f"{origin}, line {lineno}: relation {relation!r} is not one of {', '.join(RELATIONS)}"
            )
        if (relation == "none") != (mouse == ""):
            raise InputFormatError(
                f"{origin}, line {lineno}: mouse must be empty exactly when relation is 'none' "
                f"(got mouse={mouse!r}, relation={relation!r})"
            )
        key = (human.upper(), mouse.upper())
        if key in seen:
            raise InputFormatError(
                f"{origin}, line {lineno}: pair {human}-{mouse or '(none)'} repeats line {seen[key]}"
            )
        seen[key] = lineno
        prev = relation_of.get(human.upper())
        if prev is not None and "none" in (prev[0], relation):
            raise InputFormatError(
                f"{origin}, line {lineno}: {human} has a 'none' row and another row (line {prev[1]})"
            )
        relation_of[human.upper()] = (relation, lineno)
        rows.append((human, mouse, relation, note))
    return pd.DataFrame(rows, columns=list(_COLUMNS))


@cache
def _table() -> pd.DataFrame:
    return _parse_ortholog_table((_DATA / _FILE).read_text(encoding="utf-8"), _FILE)


def ortholog_table() -> pd.DataFrame:
    """Return the curated human-mouse ortholog table.

    One row per human-mouse pair; a fresh copy on each call, so callers may modify it.

    Returns
    -------
    pandas.DataFrame
        Columns ``human``, ``mouse`` (empty when there is none), ``relation`` and ``note``.
    """
    return _table().copy()


@cache
def _index(source: str) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Upper-case ``source`` symbol -> rows ``(ortholog, relation, note)`` in table order."""
    table = _table()
    target = "mouse" if source == "human" else "human"
    out: dict[str, list[tuple[str, str, str]]] = {}
    for key, other, relation, note in zip(
        table[source], table[target], table["relation"], table["note"], strict=True
    ):
        if source == "mouse":
            if not key:  # a human gene without a mouse ortholog is not a mouse key
                continue
            relation = _FLIP.get(relation, relation)
        out.setdefault(key.upper(), []).append((other, relation, note))
    return {k: tuple(v) for k, v in out.items()}


def _capitalise(symbol: str) -> str:
    return symbol[:1].upper() + symbol[1:].lower()


def map_genes(
    genes: Iterable[str], *, source: str = "human", target: str = "mouse"
) -> pd.DataFrame:
    """Map genes between human and mouse through the curated ortholog table.

    Parameters
    ----------
    genes
        Gene symbols of ``source`` (any case; duplicates are mapped once). A bare string is
        refused, since iterating it would map single letters.
    source, target
        ``"human"`` and ``"mouse"``, in either order.

    Returns
    -------
    pandas.DataFrame
        One row per (gene, ortholog) pair, in input order:

        - ``gene``: the symbol as given;
        - ``ortholog``: the ``target`` symbol (empty when there is none);
        - ``relation``: ``one2one``, ``one2many``, ``many2one``, ``many2many`` or ``none``,
          read from the ``source`` side, or ``inferred`` for a gene without a curated row,
          mapped by capitalisation (human ``STAT1`` <-> mouse ``Stat1``);
        - ``note``: the curated note; for a human legacy symbol resolved through the HGNC
          alias table it starts with ``'<alias> is HGNC <symbol>'``.

    Raises
    ------
    ValidationError
        When ``source``/``target`` are not human and mouse, or ``genes`` is a string.
    """
    if {source, target} != {"human", "mouse"} or source == target:
        raise ValidationError(
            f"map_genes maps human <-> mouse; got source={source!r}, target={target!r}"
        )
    if isinstance(genes, str):
        raise ValidationError(
            f"map_genes needs a list of gene symbols, not the string {genes!r}; wrap it in a list"
        )
    index = _index(source)
    rows: list[dict[str, str]] = []
    for gene in dict.fromkeys(genes):
        if not isinstance(gene, str):
            raise ValidationError(f"gene symbols must be strings, got {gene!r}")
        key = gene.strip().upper()
        if not key:
            continue
        hits = index.get(key)
        prefix = ""
        if hits is None and source == "human":
            current = current_symbol(gene.strip())
            if current.upper() != key:
                hits = index.get(current.upper())
                prefix = f"{gene} is HGNC {current}; "
        if hits is not None:
            for other, relation, note in hits:
                full = (prefix + note).rstrip("; ") if prefix else note
                rows.append({"gene": gene, "ortholog": other, "relation": relation, "note": full})
            continue
        guess = _capitalise(gene.strip()) if target == "mouse" else gene.strip().upper()
        rows.append(
            {
                "gene": gene,
                "ortholog": guess,
                "relation": "inferred",
                "note": "not in the curated table; mapped by symbol capitalisation",
            }
        )
    return pd.DataFrame(rows, columns=_OUT_COLUMNS)


def convert_set(gs: GeneSet, species: str) -> GeneSet:
    """Return ``gs`` in ``species``; ``notes`` names each gene not mapped as a plain ortholog.

    Every ortholog of every gene is kept (OAS1 -> Oas1a ... Oas1h; HLA-A and HLA-B -> H2-K1,
    H2-D1, listed once); genes without an ortholog are dropped and noted. A note is written
    for each gene whose relation is not ``one2one`` or whose curated row carries a note
    (a renamed symbol such as CA2 -> Car2, or a strain caveat such as H2-Ea in C57BL/6).

    Parameters
    ----------
    gs
        The gene set to convert.
    species
        ``"human"`` or ``"mouse"``; ``gs`` itself is returned when it is already in it.

    Returns
    -------
    GeneSet
        The set in ``species``, with ``notes`` on the genes not mapped one to one.

    Raises
    ------
    ValidationError
        When ``species`` is not human or mouse, or no gene of the set has an ortholog.
    """
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
        relation = str(grp["relation"].iloc[0])
        note = str(grp["note"].iloc[0])
        if relation != "one2one" or note:
            shown = ", ".join(targets) if targets else "no ortholog"
            notes[str(gene)] = f"{relation}: {shown} ({note or relation})"
    if not genes:
        raise ValidationError(f"gene set {gs.name!r} has no {species} orthologs")
    n_inferred = int((mapped["relation"] == "inferred").sum())
    if n_inferred:
        logger.info("%s: %d genes mapped by capitalisation only", gs.name, n_inferred)
    return replace(
        gs,
        genes=tuple(genes),
        species=species,
        notes=notes,
        version=f"{gs.version}; mapped {gs.species}->{species} by ifnexus ortholog table",
    )
