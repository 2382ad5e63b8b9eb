"""Pathway view: set ranks with alias matching, rank-sum enrichment against scipy; figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ifnexus.screen import (
    gene_set_ranks,
    rank_enrichment,
    rank_plot,
    replicate_plot,
    sgrna_plot,
    volcano_plot,
)


def _genes():
    rng = np.random.default_rng(2)
    names = [f"G{i}" for i in range(200)] + ["TMEM173", "IRF3", "STAT1", "IFNAR1"]
    score = np.concatenate([rng.normal(size=200), [4.0, 3.5, 3.0, 2.5]])
    return pd.DataFrame({"gene": names, "rho": score, "rho_p": np.full(204, 0.01),
                         "rho_hit": score > 2})  # fmt: skip


def test_ranks_use_aliases():
    r = gene_set_ranks(_genes(), "CGAS_STING_IFNI_CORE", score="rho", hit_column="rho_hit")
    top = r.set_index("set_gene")
    assert top.loc["STING1", "screen_gene"] == "TMEM173" and top.loc["STING1", "rank"] == 1
    assert top.loc["STING1", "status"] == "alias" and bool(top.loc["STING1", "hit"])
    assert top.loc["IFNAR1", "rank"] == 4
    assert top.loc["CGAS", "status"] == "missing" and np.isnan(top.loc["CGAS", "rank"])


def test_enrichment_equals_scipy_mann_whitney():
    g = _genes()
    e = rank_enrichment(g, ["STING1", "IRF3", "STAT1", "IFNAR1", "NOPE"], score="rho",
                        alternative="greater", hit_column="rho_hit").iloc[0]  # fmt: skip
    x = g["rho"].to_numpy()[200:]
    y = g["rho"].to_numpy()[:200]
    ref = stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic")
    assert e["p"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert e["auc"] == pytest.approx(ref.statistic / 800)
    assert e["n_found"] == 4 and e["n_set"] == 5 and e["n_hits"] == 4
    with pytest.raises(ValueError, match="none of the"):
        rank_enrichment(g, ["XYZ1"], score="rho")
    with pytest.raises(ValueError, match="hit column 'nope' not in the table"):
        gene_set_ranks(g, score="rho", hit_column="nope")


def _ranked_table(n=60, seed=5):
    rng = np.random.default_rng(seed)
    score = rng.permutation(np.linspace(-3.0, 3.0, n))  # distinct scores, no ties
    return pd.DataFrame({"gene": [f"G{i}" for i in range(n)], "s": score})


@pytest.mark.parametrize("ascending", [False, True])
@pytest.mark.parametrize("k", [1, 5, 30])
def test_enrichment_auc_follows_direction_closed_form(ascending, k):
    # a set holding exactly the top k ranks in the chosen direction has AUC 1 (U = k(n-k)),
    # one holding the bottom k has AUC 0 (U = 0); the median percentile is the set's own
    g = _ranked_table()
    n = g.shape[0]
    order = g.sort_values("s", ascending=ascending)["gene"].tolist()
    top = rank_enrichment(g, order[:k], score="s", ascending=ascending,
                          alternative="greater").iloc[0]  # fmt: skip
    assert top["auc"] == 1.0 and top["u"] == k * (n - k) and bool(top["ascending"]) is ascending
    assert top["median_percentile"] == pytest.approx(np.median(np.arange(1, k + 1)) / n)
    bottom = rank_enrichment(g, order[-k:], score="s", ascending=ascending,
                             alternative="greater").iloc[0]  # fmt: skip
    assert bottom["auc"] == 0.0 and bottom["u"] == 0
    assert top["p"] < 0.5 < bottom["p"]  # one-sided "greater": nearer the top


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_enrichment_auc_equals_mann_whitney_both_directions(seed, alternative):
    rng = np.random.default_rng(seed)
    n, k = 80, 12
    score = np.round(rng.normal(size=n), 1)  # ties included
    g = pd.DataFrame({"gene": [f"G{i}" for i in range(n)], "s": score})
    inset = np.zeros(n, dtype=bool)
    inset[rng.choice(n, k, replace=False)] = True
    genes = g["gene"][inset].tolist()
    x, y = score[inset], score[~inset]
    # large first: U of the set against the rest; small first: U of the rest against the set
    for ascending, (a, b) in ((False, (x, y)), (True, (y, x))):
        e = rank_enrichment(g, genes, score="s", ascending=ascending,
                            alternative=alternative).iloc[0]  # fmt: skip
        ref = stats.mannwhitneyu(a, b, alternative=alternative, method="asymptotic")
        assert e["u"] == pytest.approx(ref.statistic, abs=1e-9)
        assert e["auc"] == pytest.approx(ref.statistic / (k * (n - k)), abs=1e-12)
        assert e["p"] == pytest.approx(ref.pvalue, rel=1e-12)
    down = rank_enrichment(g, genes, score="s", ascending=True).iloc[0]
    up = rank_enrichment(g, genes, score="s").iloc[0]
    assert down["auc"] == pytest.approx(1.0 - up["auc"], abs=1e-12)


def test_figures_label_ifn_axis():
    g = _genes()
    ax = volcano_plot(g, "rho")
    texts = {t.get_text() for t in ax.texts}
    assert "TMEM173 (STING1)" in texts and "IRF3" in texts
    ax = rank_plot(g, "rho")
    assert "STAT1" in {t.get_text() for t in ax.texts}
    sg = pd.DataFrame({"sgRNA": ["a", "b", "n1", "n2"], "Gene": ["IRF3", "IRF3", "nt", "nt"],
                       "control": [False, False, True, True], "rho_r1": [1.0, 2, 0, 0.1],
                       "rho_r2": [1.1, 1.8, 0.1, -0.1], "rho": [1.05, 1.9, 0.05, 0.0]})  # fmt: skip
    ax = replicate_plot(sg, "rho")
    assert ax.get_title().startswith("replicate agreement: r = ")
    ax = sgrna_plot(sg, "IRF3", "rho")
    assert ax.get_title() == "IRF3: 2 of 2 sgRNAs scored"
    with pytest.raises(ValueError, match="no sgRNAs"):
        sgrna_plot(sg, "MISSING")


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [({"score": "nope"}, "nope"), ({"score": "rho", "gene_column": "symbol"}, "symbol")],
)
def test_rank_plot_names_a_missing_column(kwargs, missing):
    from ifnexus.errors import ValidationError

    with pytest.raises(ValidationError, match=f"column '{missing}' not in the table") as e:
        rank_plot(_genes(), **kwargs)
    assert "available columns: gene, rho, rho_p, rho_hit" in str(e.value)
    with pytest.raises(ValidationError, match="'rho_q' not in the table; available columns"):
        volcano_plot(_genes(), "rho", p_column="rho_q")
