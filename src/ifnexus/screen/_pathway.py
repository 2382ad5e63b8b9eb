"""Pathway view of a screen: where a gene set ranks, and its rank-based enrichment test.

By default the gene set is the cGAS-STING-IFN-I core; the test asks whether the set sits high
(or low) in the ranked gene list.

The enrichment test is the Mann-Whitney / Wilcoxon rank-sum test of the set's scores against
all other genes (``scipy.stats.mannwhitneyu``; the approach of MAGeCK-iNC and of the
competitive rank tests in limma's ``geneSetTest``), with the area under the curve
AUC = U / (n_set x n_rest) as effect size: 0.5 means no shift, 1 means every set gene ranks above
every other gene, in the direction of the ranking (large scores first, or small ones first with
``ascending=True``). Set genes are matched to the screen's gene names through the alias table of
:mod:`ifnexus.genesets` (so STING1 finds TMEM173 in older libraries).
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus._textfile import first_line, read_text_bytes
from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.genesets import GeneSet, get_set, resolve_genes
from ifnexus.screen._count import _sep_for

__all__ = ["gene_set_ranks", "rank_enrichment", "read_gene_table"]


def _source(table: pd.DataFrame) -> str:
    src = table.attrs.get("source")
    return f"gene table {src}: " if src else ""


def _gene_column(table: pd.DataFrame, gene_column: str | None) -> str:
    if gene_column is not None:
        if gene_column not in table.columns:
            raise _error(table)(
                f"{_source(table)}gene column {gene_column!r} not in the table "
                f"({list(table.columns)})"
            )
        return gene_column
    for c in ("gene", "id", "Gene"):
        if c in table.columns:
            return c
    raise _error(table)(
        f"{_source(table)}no gene column found (expected 'gene' or MAGeCK's 'id'; the columns "
        f"are {list(table.columns)}); name it"
    )


def _set_genes(gene_set: str | GeneSet | Sequence[str]) -> tuple[str, list[str]]:
    if isinstance(gene_set, GeneSet):
        return gene_set.name, list(gene_set.genes)
    if isinstance(gene_set, str):
        gs = get_set(gene_set)
        return gs.name, list(gs.genes)
    genes = [str(g) for g in gene_set]
    if not genes:
        raise ValidationError("the gene set is empty")
    return "custom", genes


def _where(table: pd.DataFrame, i: int) -> str:
    """Name row ``i`` of ``table``: the file line when it was read from a file, else the row."""
    src = table.attrs.get("source")
    return f"gene table {src}, line {i + 2}" if src else f"gene table row {i}"


def _error(table: pd.DataFrame) -> type[ValidationError]:
    """Return InputFormatError for a table read from a file (its lines are named), else ValidationError."""
    return InputFormatError if table.attrs.get("source") else ValidationError


def _ranked(table: pd.DataFrame, score: str, gcol: str, ascending: bool) -> pd.DataFrame:
    """Rank the genes by ``score``, refusing what would rank silently wrong.

    A gene name that is missing or appears twice, a score that is text or infinite is a
    :class:`ValidationError` naming the row (an :class:`InputFormatError` naming the file and
    line for a table from :func:`read_gene_table`); missing scores (empty, NA, NaN) are left out of
    the ranking with an :class:`IfnexusWarning` that names them.
    """
    if score not in table.columns:
        raise _error(table)(
            f"{_source(table)}score column {score!r} not in the table ({list(table.columns)})"
        )
    if table.shape[0] == 0:
        raise _error(table)("the gene table has no rows")
    genes = table[gcol]
    names = genes.astype(str).str.strip()
    blank = np.flatnonzero((genes.isna() | (names == "")).to_numpy())
    if blank.size:
        raise _error(table)(f"{_where(table, int(blank[0]))}: empty gene name in {gcol!r}")
    dup = np.flatnonzero(names.duplicated(keep=False).to_numpy())
    if dup.size:
        g = names.iloc[dup[0]]
        rows = np.flatnonzero((names == g).to_numpy())
        raise _error(table)(
            f"{_where(table, int(rows[1]))}: gene {g!r} appears {rows.size} times in "
            f"{gcol!r} (first at {_where(table, int(rows[0]))}); each gene must be ranked "
            "once: keep one row per gene (for example its strongest score)"
        )
    raw = table[score]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text = np.flatnonzero(np.isnan(num) & raw.notna().to_numpy() & _not_na_text(raw))
    if text.size:
        i = int(text[0])
        raise _error(table)(
            f"{_where(table, i)}: score {raw.iloc[i]!r} in column {score!r} (gene "
            f"{names.iloc[i]!r}) is not a number"
        )
    inf = np.flatnonzero(np.isinf(num))
    if inf.size:
        i = int(inf[0])
        raise _error(table)(
            f"{_where(table, i)}: score {num[i]} in column {score!r} (gene {names.iloc[i]!r}) "
            f"is infinite, and {inf.size} score(s) in all; infinite scores cannot be ranked "
            "against each other: cap them (for example at the largest finite value) first"
        )
    missing = np.isnan(num)
    if missing.any():
        which = names[missing].tolist()
        warnings.warn(
            f"{len(which)} gene(s) have no {score!r} score and are left out of the ranking: "
            f"{', '.join(which[:5])}{' ...' if len(which) > 5 else ''}",
            IfnexusWarning,
            stacklevel=3,
        )
    t = pd.DataFrame({gcol: genes.to_numpy(), score: num})[~missing]
    t = t.sort_values(score, ascending=ascending, kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, t.shape[0] + 1)
    return t


def _not_na_text(raw: pd.Series) -> np.ndarray:
    """Mark the values that are not one of the usual spellings of a missing value."""
    s = raw.astype(str).str.strip().str.lower()
    return ~s.isin(["", "na", "nan", "n/a", "none", "null", "<na>"]).to_numpy()


def read_gene_table(path: str | os.PathLike[str], *, what: str = "gene table") -> pd.DataFrame:
    """Read a screen's gene table for the pathway view (CSV by suffix ``.csv``, else TSV).

    Parameters
    ----------
    path
        ``genes.csv`` of ``screen phenotype`` or MAGeCK's ``gene_summary.txt`` (gzip by
        content; UTF-8 text).
    what
        What the file is, in the error messages (``screen mixture`` reads a guide table).

    Returns
    -------
    pandas.DataFrame
        The table, with ``attrs["source"]`` set to the path so errors name file and line.

    Raises
    ------
    InputFormatError
        A missing, empty or header-only file, text that is not UTF-8, a ``.gz`` name without
        gzip content, a duplicated column name, or a ragged line.
    """
    p = Path(path)
    raw = read_text_bytes(p, what)
    if not raw.strip():
        raise InputFormatError(f"{what} {p}: the file is empty")
    sep = _sep_for(p)  # MAGeCK's rule: CSV by a .csv (or .csv.gz) name, else tabs
    header = first_line(raw).split(sep)
    cols = [c.strip() for c in header]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise InputFormatError(f"{what} {p}, line 1: duplicated column name(s) {dup}")
    try:
        table = pd.read_csv(io.BytesIO(raw), sep=sep)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFormatError(f"{what} {p}: cannot read ({exc})") from None
    if table.shape[0] == 0:
        raise InputFormatError(f"{what} {p}: only a header line, no data rows")
    table.attrs["source"] = str(p)
    return table


def _hits(table: pd.DataFrame, gcol: str, hit_column: str) -> pd.Series:
    """Return the hit column indexed by gene name."""
    if hit_column not in table.columns:
        raise ValidationError(f"hit column {hit_column!r} not in the table")
    return table.set_index(table[gcol].astype(str))[hit_column]


def gene_set_ranks(
    table: pd.DataFrame,
    gene_set: str | GeneSet | Sequence[str] = "CGAS_STING_IFNI_CORE",
    *,
    score: str,
    ascending: bool = False,
    gene_column: str | None = None,
    hit_column: str | None = None,
) -> pd.DataFrame:
    """Rank of each gene of a set in a screen's gene table.

    Parameters
    ----------
    table
        A gene table: :func:`phenotypes` ``.genes`` or a MAGeCK gene summary.
    gene_set
        A shipped set name, a :class:`GeneSet`, or a list of genes.
    score
        Column to rank by (for example ``rho_score``, ``rho`` or ``pos|score``).
    ascending
        Rank small values first (MAGeCK's lo-values and p-values) instead of large.
    gene_column
        Gene column (default ``gene``, or MAGeCK's ``id``).
    hit_column
        Optional boolean hit column to report.

    Returns
    -------
    DataFrame with one row per set gene: ``set_gene``, ``screen_gene`` (the name matched, empty
    when missing), ``status`` (found, case, alias, missing), ``rank`` (1 = top), ``percentile``
    (rank / genes ranked), ``score`` and, with ``hit_column``, ``hit``.

    Raises
    ------
    ValidationError
        A missing column, an empty or repeated gene name, a score that is text or infinite
        (the row is named). Missing scores (empty, NA, NaN) are not an error: those genes are
        left out of the ranking with an :class:`~ifnexus.errors.IfnexusWarning` naming them.
    """
    gcol = _gene_column(table, gene_column)
    _, genes = _set_genes(gene_set)
    r = _ranked(table, score, gcol, ascending)
    res = resolve_genes(genes, r[gcol].astype(str).tolist())
    rep = res.report.rename(columns={"gene": "set_gene", "matched": "screen_gene"})
    pos = r.set_index(r[gcol].astype(str))
    rep["rank"] = [int(pos.loc[m, "rank"]) if m else np.nan for m in rep["screen_gene"]]
    rep["percentile"] = rep["rank"] / r.shape[0]
    rep["score"] = [float(pos.loc[m, score]) if m else np.nan for m in rep["screen_gene"]]
    if hit_column is not None:
        hits = _hits(table, gcol, hit_column)
        rep["hit"] = [bool(hits.loc[m]) if m else False for m in rep["screen_gene"]]
    return rep.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)


def rank_enrichment(
    table: pd.DataFrame,
    gene_set: str | GeneSet | Sequence[str] = "CGAS_STING_IFNI_CORE",
    *,
    score: str,
    ascending: bool = False,
    gene_column: str | None = None,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    hit_column: str | None = None,
) -> pd.DataFrame:
    """Rank-sum enrichment of a gene set in a screen's ranked gene list.

    The direction follows the ranking: with ``ascending=False`` large scores rank first, with
    ``ascending=True`` small scores do (MAGeCK's lo-values and p-values). ``u`` counts the
    (set gene, other gene) pairs in which the set gene ranks first (ties count one half), so
    ``auc = u / (n_found x n_rest)`` is 1 for a set holding the top ranks, 0 for one holding
    the bottom ranks and 0.5 for no shift, in either direction.

    Parameters
    ----------
    table, gene_set, score, ascending, gene_column, hit_column
        As :func:`gene_set_ranks`.
    alternative
        ``greater``: set genes rank nearer the top than the rest (larger scores, or smaller ones
        with ``ascending=True``); ``less``: nearer the bottom; ``two-sided``: either.

    Returns
    -------
    One-row DataFrame: ``set``, ``score``, ``ascending``, ``n_set``, ``n_found``, ``u``,
    ``auc``, ``p``, ``median_percentile`` (of the set genes' ranks in the same direction, 1 =
    top) and, with ``hit_column``, ``n_hits`` among the set genes.

    Raises
    ------
    ValidationError
        As :func:`gene_set_ranks`, or no set gene (or only set genes) among the ranked ones.
    """
    gcol = _gene_column(table, gene_column)
    name, genes = _set_genes(gene_set)
    r = _ranked(table, score, gcol, ascending=ascending)
    res = resolve_genes(genes, r[gcol].astype(str).tolist())
    found = set(res.mapping.values())
    inset = r[gcol].astype(str).isin(found).to_numpy()
    if inset.sum() == 0:
        raise ValidationError(f"none of the {len(genes)} genes of {name} is in the screen")
    if (~inset).sum() == 0:
        raise ValidationError("every ranked gene is in the set; nothing to compare with")
    # scores oriented so that "ranks first" is "larger", whichever the direction
    sign = -1.0 if ascending else 1.0
    x = sign * r.loc[inset, score].to_numpy(dtype=float)
    y = sign * r.loc[~inset, score].to_numpy(dtype=float)
    mw = stats.mannwhitneyu(x, y, alternative=alternative, method="asymptotic")
    row = {
        "set": name,
        "score": score,
        "ascending": bool(ascending),
        "n_set": len(genes),
        "n_found": int(inset.sum()),
        "u": float(mw.statistic),
        "auc": float(mw.statistic) / (x.size * y.size),
        "p": float(mw.pvalue),
        "median_percentile": float(np.median(r.loc[inset, "rank"]) / r.shape[0]),
    }
    if hit_column is not None:
        hits = _hits(table, gcol, hit_column)
        row["n_hits"] = int(sum(bool(hits.loc[g]) for g in found))
    return pd.DataFrame([row])
