"""Resolve gene symbols against a dataset's genes: exact, case, legacy HGNC alias, or missing.

The alias table (``data/aliases_human.tsv``) is curated for the genes of the shipped sets:
previous HGNC symbols and the legacy names of common arrays (TMEM173 -> STING1, G1P2 ->
ISG15, ...). Resolution works both ways, so a current set matches a legacy dataset and a
legacy set (ESTIMATE uses 2013 symbols) matches a current dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from ifnexus.errors import InputFormatError
from ifnexus.genesets._tsv import tsv_rows

_DATA = resources.files("ifnexus.genesets") / "data"
_FILE = "aliases_human.tsv"
_COLUMNS = ("alias", "symbol", "note")


def _parse_alias_table(text: str, origin: str) -> pd.DataFrame:
    """Parse and check an alias table; errors name ``origin`` and the line number.

    Checks: the header is exactly ``alias symbol note``; each row has three tab-separated
    fields with a non-empty alias and symbol that differ; an alias appears once (an alias
    shared by two current genes would make resolution ambiguous); no symbol is itself listed
    as an alias (every alias points at a current symbol, not at another alias).
    """
    rows: list[tuple[str, str, str, int]] = []
    seen: dict[str, int] = {}
    for lineno, fields in tsv_rows(text, origin, _COLUMNS):
        alias, symbol, note = fields
        if not alias or not symbol:
            raise InputFormatError(f"{origin}, line {lineno}: alias and symbol must be non-empty")
        if alias.upper() == symbol.upper():
            raise InputFormatError(f"{origin}, line {lineno}: alias {alias!r} equals its symbol")
        if alias.upper() in seen:
            raise InputFormatError(
                f"{origin}, line {lineno}: alias {alias!r} already listed on line "
                f"{seen[alias.upper()]}; an alias must name one current gene"
            )
        seen[alias.upper()] = lineno
        rows.append((alias, symbol, note, lineno))
    for alias, symbol, _, lineno in rows:
        if symbol.upper() in seen:
            raise InputFormatError(
                f"{origin}, line {lineno}: symbol {symbol!r} of alias {alias!r} is itself an alias "
                f"(line {seen[symbol.upper()]}); point the alias at the current symbol"
            )
    return pd.DataFrame([r[:3] for r in rows], columns=list(_COLUMNS))


@cache
def _table() -> pd.DataFrame:
    return _parse_alias_table((_DATA / _FILE).read_text(encoding="utf-8"), _FILE)


def alias_table() -> pd.DataFrame:
    """Return the curated alias table.

    A fresh copy on each call, so callers may modify it.

    Returns
    -------
    pandas.DataFrame
        Columns ``alias``, ``symbol`` (the current HGNC symbol) and ``note``.
    """
    return _table().copy()


@cache
def _current_by_alias() -> dict[str, str]:
    table = _table()
    return {a.upper(): s for a, s in zip(table["alias"], table["symbol"], strict=True)}


@cache
def _alias_groups() -> dict[str, frozenset[str]]:
    """Map each upper-case symbol or alias to every name of the same gene (upper-case)."""
    groups: dict[str, set[str]] = {}
    for alias, symbol in zip(_table()["alias"], _table()["symbol"], strict=True):
        a, s = alias.upper(), symbol.upper()
        group = groups.get(s, {s}) | groups.get(a, {a})
        for name in group:
            groups[name] = group
    return {k: frozenset(v) for k, v in groups.items()}


def current_symbol(symbol: str) -> str:
    """Return the current HGNC symbol for ``symbol`` (itself when no alias is known).

    Parameters
    ----------
    symbol
        A gene symbol or a legacy alias (any case).

    Returns
    -------
    str
        The current symbol, or ``symbol`` unchanged when it is not a known alias.
    """
    return _current_by_alias().get(symbol.strip().upper(), symbol)


@dataclass(frozen=True)
class Resolution:
    """Result of matching a gene list to a dataset (see :func:`resolve_genes`).

    Attributes
    ----------
    mapping
        Each requested gene that was found -> the dataset's name for it.
    report
        One row per requested gene: ``gene``, ``status`` (found, case, alias, missing) and
        ``matched`` (the dataset's name, empty when missing).
    """

    mapping: dict[str, str]
    report: pd.DataFrame

    @property
    def found(self) -> list[str]:
        """Dataset names of the matched genes, in request order."""
        return list(self.mapping.values())

    @property
    def missing(self) -> list[str]:
        """Requested genes with no match."""
        return list(self.report.loc[self.report["status"] == "missing", "gene"])

    @property
    def fraction_found(self) -> float:
        """Share of requested genes matched."""
        return len(self.mapping) / max(len(self.report), 1)


def resolve_genes(genes: Iterable[str], universe: Iterable[str]) -> Resolution:
    """Match ``genes`` to the names in ``universe`` (a dataset's genes).

    Order of preference: the exact name; the same name in another case (mouse ``Stat1`` vs
    human ``STAT1`` spelling is *not* treated as a case match for species conversion, use
    :func:`ifnexus.genesets.get_set` with ``species='mouse'`` for that); a known alias of
    the same gene. Each dataset gene is used at most once.

    Parameters
    ----------
    genes
        The requested genes (duplicates are considered once).
    universe
        The dataset's gene names.

    Returns
    -------
    Resolution
        The mapping of found genes and a per-gene report.
    """
    universe = list(universe)
    exact = set(universe)
    upper: dict[str, str] = {}
    for u in universe:
        upper.setdefault(u.upper(), u)
    groups = _alias_groups()
    mapping: dict[str, str] = {}
    rows = []
    used: set[str] = set()
    for gene in dict.fromkeys(genes):
        status, matched = "missing", ""
        if gene in exact and gene not in used:
            status, matched = "found", gene
        elif gene.upper() in upper and upper[gene.upper()] not in used:
            status, matched = "case", upper[gene.upper()]
        else:
            for other in sorted(groups.get(gene.upper(), ())):
                if other != gene.upper() and other in upper and upper[other] not in used:
                    status, matched = "alias", upper[other]
                    break
        if matched:
            mapping[gene] = matched
            used.add(matched)
        rows.append({"gene": gene, "status": status, "matched": matched})
    return Resolution(mapping, pd.DataFrame(rows, columns=["gene", "status", "matched"]))
