"""Pathway view of a screen: where a gene set ranks, and its rank-based enrichment test.

By default the gene set is the cGAS-STING-IFN-I core; the test asks whether the set sits high
(or low) in the ranked gene list.

The enrichment test is the Mann-Whitney / Wilcoxon rank-sum test of the set's scores against
all other genes (``scipy.stats.mannwhitneyu``; the approach of MAGeCK-iNC and of the
competitive rank tests in limma's ``geneSetTest``), with the area under the curve
AUC = U / (n_set x n_rest) as effect size: 0.5 means no shift, 1 means every set gene ranks above
every other gene. Set genes are matched to the screen's gene names through the alias table of
:mod:`ifnexus.genesets` (so STING1 finds TMEM173 in older libraries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus.errors import ValidationError
from ifnexus.genesets import GeneSet, get_set, resolve_genes

__all__ = ["gene_set_ranks", "rank_enrichment"]


def _gene_column(table: pd.DataFrame, gene_column: str | None) -> str:
    if gene_column is not None:
        if gene_column not in table.columns:
            raise ValidationError(f"gene column {gene_column!r} not in the table")
        return gene_column
    for c in ("gene", "id", "Gene"):
        if c in table.columns:
            return c
    raise ValidationError("no gene column found (expected 'gene' or MAGeCK's 'id'); name it")


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


def _ranked(table: pd.DataFrame, score: str, gcol: str, ascending: bool) -> pd.DataFrame:
    if score not in table.columns:
        raise ValidationError(f"score column {score!r} not in the table ({list(table.columns)})")
    t = table[[gcol, score]].copy()
    t[score] = pd.to_numeric(t[score], errors="coerce")
    t = t[np.isfinite(t[score].to_numpy(dtype=float))]
    t = t.sort_values(score, ascending=ascending, kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, t.shape[0] + 1)
    return t


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
    gene_column: str | None = None,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    hit_column: str | None = None,
) -> pd.DataFrame:
    """Rank-sum enrichment of a gene set in a screen's ranked gene list.

    Parameters
    ----------
    table, gene_set, score, gene_column, hit_column
        As :func:`gene_set_ranks`.
    alternative
        ``greater``: set genes have larger scores than the rest; ``less``: smaller.

    Returns
    -------
    One-row DataFrame: ``set``, ``score``, ``n_set``, ``n_found``, ``u``, ``auc``, ``p``,
    ``median_percentile`` (of the set genes, ranking large scores first) and, with
    ``hit_column``, ``n_hits`` among the set genes.
    """
    gcol = _gene_column(table, gene_column)
    name, genes = _set_genes(gene_set)
    r = _ranked(table, score, gcol, ascending=False)
    res = resolve_genes(genes, r[gcol].astype(str).tolist())
    found = set(res.mapping.values())
    inset = r[gcol].astype(str).isin(found).to_numpy()
    if inset.sum() == 0:
        raise ValidationError(f"none of the {len(genes)} genes of {name} is in the screen")
    if (~inset).sum() == 0:
        raise ValidationError("every ranked gene is in the set; nothing to compare with")
    x = r.loc[inset, score].to_numpy(dtype=float)
    y = r.loc[~inset, score].to_numpy(dtype=float)
    mw = stats.mannwhitneyu(x, y, alternative=alternative, method="asymptotic")
    row = {
        "set": name,
        "score": score,
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
