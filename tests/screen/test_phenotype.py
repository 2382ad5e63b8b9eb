"""gamma/tau/rho phenotypes: hand calculations on small tables, scipy's Mann-Whitney, FDR."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ifnexus.errors import IfnexusWarning
from ifnexus.screen import gene_scores, phenotypes, sgrna_phenotype
from ifnexus.screen._phenotype import _empirical_fdr


def _table():
    # 4 non-targeting, gene A (3 sgRNAs), gene B (3 sgRNAs); T0, untreated, irradiated
    idx = ["n1", "n2", "n3", "n4", "a1", "a2", "a3", "b1", "b2", "b3"]
    gene = ["non-targeting"] * 4 + ["A"] * 3 + ["B"] * 3
    t0 = [100, 200, 150, 120, 300, 80, 100, 90, 10, 200]
    un = [110, 190, 160, 100, 150, 40, 0, 100, 5, 210]
    ir = [100, 210, 140, 130, 600, 200, 90, 50, 20, 100]
    return pd.DataFrame({"Gene": gene, "T0": t0, "U": un, "IR": ir}, index=idx)


def _hand(c1, c2, ctrl, growth, min_reads):
    c1 = np.array(c1, float)
    c2 = np.array(c2, float)
    keep = np.maximum(c1, c2) >= min_reads
    c1[~keep] = np.nan
    c2[~keep] = np.nan
    zero = (c1 == 0) | (c2 == 0)
    c1[zero] += 1
    c2[zero] += 1
    e = [math.log2((b / np.nansum(c2)) / (a / np.nansum(c1))) if k else np.nan
         for a, b, k in zip(c1, c2, keep, strict=True)]  # fmt: skip
    e = np.array(e)
    return (e - np.median(e[ctrl])) / growth


def test_sgrna_phenotypes_match_hand_calculation():
    t = _table()
    res = phenotypes(t, t0="T0", untreated="U", treated="IR",
                     doublings={"gamma": 2.0, "tau": 1.5, "rho": -0.5}, min_reads=20)  # fmt: skip
    ctrl = np.arange(10) < 4
    s = res.sgrnas.set_index("sgRNA")
    g = _hand(t["T0"], t["U"], ctrl, 2.0, 20)
    assert np.allclose(s["gamma"], g, equal_nan=True, rtol=1e-12)
    assert np.isnan(s.loc["b2", "gamma"])  # max(10, 5) < 20: filtered
    assert np.allclose(s["tau"], _hand(t["T0"], t["IR"], ctrl, 1.5, 20), rtol=1e-12)
    assert np.allclose(s["rho"], _hand(t["U"], t["IR"], ctrl, -0.5, 20), equal_nan=True)
    # a3 has 0 reads untreated: pseudocount 1 added to both counts of that pair only
    # totals: b2 filtered out (10 and 5 reads); a3's pseudocount adds 1 to each total
    tot0 = t["T0"].sum() - 10 + 1
    totu = t["U"].sum() - 5 + 1
    e = math.log2(((0 + 1) / totu) / ((100 + 1) / tot0))
    assert s.loc["a3", "gamma"] == pytest.approx((e - np.median(_raw_e(t, ctrl))) / 2.0, rel=1e-12)


def _raw_e(t, ctrl):
    c1 = t["T0"].to_numpy(float)
    c2 = t["U"].to_numpy(float)
    zero = (c1 == 0) | (c2 == 0)
    c1 = c1 + zero
    c2 = c2 + zero
    keep = np.maximum(t["T0"], t["U"]).to_numpy() >= 20
    s1, s2 = c1[keep].sum(), c2[keep].sum()
    return np.log2((c2 / s2) / (c1 / s1))[ctrl]


def test_replicates_averaged_and_nan_propagates():
    t = _table()
    t["T0b"], t["Ub"], t["IRb"] = t["T0"] * 2, t["U"], t["IR"]
    res = phenotypes(t, t0=["T0", "T0b"], untreated="U,Ub", treated="IR,IRb", min_reads=20)
    s = res.sgrnas
    assert np.allclose(s["gamma"], (s["gamma_r1"] + s["gamma_r2"]) / 2, equal_nan=True)
    assert s.loc[s["sgRNA"] == "b2", "gamma"].isna().all()


def test_gene_scores_best_n_and_scipy_mann_whitney():
    rng = np.random.default_rng(5)
    ctrl = np.round(rng.normal(size=60), 1)  # rounded: ties inside the controls
    vals = np.concatenate([np.round(rng.normal(1, 1, 5), 1), [0.3, -2.0, 0.3, np.nan],
                           rng.normal(size=7)])  # fmt: skip
    genes = np.array(["A"] * 5 + ["B"] * 4 + ["C"] * 7)
    gs = gene_scores(vals, genes, ctrl, best_n=3)
    for g in "ABC":
        v = vals[genes == g]
        v = v[np.isfinite(v)]
        best = sorted(v, key=abs, reverse=True)[:3]
        assert gs.loc[g, "phenotype"] == pytest.approx(np.mean(best), rel=1e-12)
        ref = stats.mannwhitneyu(v, ctrl, alternative="two-sided", method="asymptotic").pvalue
        assert gs.loc[g, "p"] == pytest.approx(ref, rel=1e-10)
        assert gs.loc[g, "n"] == v.size


def test_empirical_fdr_closed_form():
    genes = np.array([10.0, 8.0, 5.0, 1.0])
    pseudo = np.array([9.0, 2.0, 0.5, 0.1])
    # t=10: (0/4)/(1/4)=0 ; t=8: (1/4)/(2/4)=0.5 ; t=5: (1/4)/(3/4)=1/3 ; t=1: (2/4)/(4/4)=0.5
    # monotone (min over lower thresholds): [0, 1/3, 1/3, 0.5]
    assert np.allclose(_empirical_fdr(genes, pseudo), [0, 1 / 3, 1 / 3, 0.5])


def test_gene_table_columns_and_hits():
    rng = np.random.default_rng(0)
    n_ntc, n_genes = 400, 60
    genes = ["non-targeting"] * n_ntc + [f"G{i}" for i in range(n_genes) for _ in range(5)]
    t0 = rng.poisson(500, len(genes)).astype(float)
    un = rng.poisson(t0)
    ir = rng.poisson(t0).astype(float)
    ir[n_ntc : n_ntc + 25] *= 8  # G0..G4 enriched after irradiation
    df = pd.DataFrame({"Gene": genes, "T0": t0, "U": un, "IR": ir},
                      index=[f"s{i}" for i in range(len(genes))])  # fmt: skip
    res = phenotypes(df, t0="T0", untreated="U", treated="IR", fdr=0.05, rng=1)
    g = res.genes.set_index("gene")
    for p in ("gamma", "tau", "rho"):
        for c in (p, f"{p}_p", f"{p}_score", f"{p}_hit"):
            assert c in g.columns
    hits = set(g.index[g["rho_hit"]])
    assert {f"G{i}" for i in range(5)} <= hits and len(hits) <= 7
    assert (g.loc[g["rho_hit"], "rho_fdr"] <= 0.05).all()
    assert g.loc["G0", "rho"] > 2.5
    sd = res.pseudogenes["rho_sd_pseudo"].iloc[0]
    assert g.loc["G0", "rho_score"] == pytest.approx(
        abs(g.loc["G0", "rho"] / sd) * -np.log10(g.loc["G0", "rho_p"])
    )
    again = phenotypes(df, t0="T0", untreated="U", treated="IR", fdr=0.05, rng=1)
    pd.testing.assert_frame_equal(res.genes, again.genes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"control_gene": "NTC"}, "non-targeting"),
        ({"t0": "T0", "untreated": "U", "treated": "nope"}, "not in the count table"),
        ({"untreated": "U,T0"}, "replicates are paired"),
        ({"doublings": {"gamma": 0}}, "doublings for gamma"),
        ({"doublings": {"gamma": 2, "rh0": 3}}, r"unknown phenotype\(s\) \['rh0'\]"),
        ({"fdr": 2}, "fdr"),
    ],
)
def test_bad_phenotype_inputs(kwargs, match):
    args = {"t0": "T0", "untreated": "U", "treated": "IR"} | kwargs
    with pytest.raises((ValueError, KeyError), match=match):
        phenotypes(_table(), **args)


def test_default_doublings_are_explicit():
    # issue 14: no doublings silently meant "one doubling"; now a warning names the phenotypes
    # divided by 1 (log2 enrichments, ScreenProcessing's default) and params records them
    t = _table()
    with pytest.warns(IfnexusWarning, match=r"no doublings given for gamma, tau, rho: assumed 1"):
        res = phenotypes(t, t0="T0", untreated="U", treated="IR", min_reads=20)
    assert res.params["doublings_assumed"] == ["gamma", "tau", "rho"]
    assert res.params["doublings"] == {"gamma": [1.0], "tau": [1.0], "rho": [1.0]}
    ctrl = np.arange(10) < 4
    s = res.sgrnas.set_index("sgRNA")
    assert np.allclose(s["gamma"], _hand(t["T0"], t["U"], ctrl, 1.0, 20), equal_nan=True)
    with pytest.warns(IfnexusWarning, match=r"no doublings given for rho: assumed 1"):
        part = phenotypes(t, t0="T0", untreated="U", treated="IR", min_reads=20,
                          doublings={"gamma": 2.0, "tau": 1.5})  # fmt: skip
    assert part.params["doublings_assumed"] == ["rho"]
    assert part.params["doublings"]["gamma"] == [2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IfnexusWarning)
        full = phenotypes(t, t0="T0", untreated="U", treated="IR", min_reads=20,
                          doublings={"gamma": 2.0, "tau": 1.5, "rho": 1.0})  # fmt: skip
    assert full.params["doublings_assumed"] == []


def test_sgrna_phenotype_bad_options():
    with pytest.raises(ValueError, match="filter_type"):
        sgrna_phenotype(np.ones(3), np.ones(3), np.ones(3, bool), filter_type="x")


def _screen(seed=2):
    rng = np.random.default_rng(seed)
    genes = ["non-targeting"] * 200 + [f"G{i}" for i in range(60) for _ in range(4)]
    genes[200:212] = [g for g in ("STING1", "IRF3", "CGAS") for _ in range(4)]  # in the IFN set
    base = rng.poisson(400, len(genes)).astype(float)
    cols = {"Gene": genes}
    for r in (1, 2):
        cols[f"T0_{r}"] = rng.poisson(base)
        cols[f"U_{r}"] = rng.poisson(base)
        ir = rng.poisson(base).astype(float)
        ir[200:212] *= 5
        cols[f"IR_{r}"] = ir
    return pd.DataFrame(cols, index=pd.Index([f"s{i}" for i in range(len(genes))], name="sgRNA"))


def test_fdr_follows_each_gene_score():
    # each gene's FDR is the empirical FDR of its own score (aligned by gene, not by position)
    res = phenotypes(_screen(), t0="T0_1,T0_2", untreated="U_1,U_2", treated="IR_1,IR_2")
    g = res.genes.sample(frac=1.0, random_state=0)  # any order: the pairing is per row
    for p in ("gamma", "tau", "rho"):
        q = _empirical_fdr(g[f"{p}_score"].to_numpy(), res.pseudogenes[f"{p}_score"].to_numpy())
        np.testing.assert_array_equal(g[f"{p}_fdr"].to_numpy(), q)


def test_summary_is_the_gene_table_in_long_form():
    res = phenotypes(_screen(), t0="T0_1,T0_2", untreated="U_1,U_2", treated="IR_1,IR_2")
    s = res.summary
    assert list(s.columns) == ["gene", "test", "n_sgrnas", "effect", "score", "p", "fdr", "hit"]
    g = res.genes
    for p in ("gamma", "tau", "rho"):
        part = s[s["test"] == p]
        assert part["gene"].tolist() == g["gene"].tolist()
        for col, src in (("n_sgrnas", f"{p}_n"), ("effect", p), ("score", f"{p}_score"),
                         ("p", f"{p}_p"), ("fdr", f"{p}_fdr"), ("hit", f"{p}_hit")):  # fmt: skip
            np.testing.assert_array_equal(part[col].to_numpy(), g[src].to_numpy())


def test_phenotype_cli_files_equal_the_library_files(tmp_path, capsys):
    from ifnexus.cli import main

    counts = _screen()
    counts.to_csv(tmp_path / "counts.txt", sep="\t")
    rc = main(["screen", "phenotype", "-k", str(tmp_path / "counts.txt"), "--t0", "T0_1,T0_2",
               "--untreated", "U_1,U_2", "--treated", "IR_1,IR_2", "--doublings",
               "gamma=8,tau=5,rho=3", "--seed", "3", "--no-figures", "--out",
               str(tmp_path / "cli")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    res = phenotypes(counts, t0="T0_1,T0_2", untreated="U_1,U_2", treated="IR_1,IR_2",
                     doublings={"gamma": 8, "tau": 5, "rho": 3}, rng=3)  # fmt: skip
    written = res.write(tmp_path / "lib")
    # the CLI's run manifest (run.json) is the command's own record, not a result
    names = sorted(p.name for p in (tmp_path / "cli").iterdir() if p.name != "run.json")
    assert names == sorted(p.name for p in written)
    for n in names:
        assert (tmp_path / "cli" / n).read_bytes() == (tmp_path / "lib" / n).read_bytes(), n
