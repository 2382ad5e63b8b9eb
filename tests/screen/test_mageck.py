"""mageck_test parity with MAGeCK 0.5.9.x outputs in ../shared/reference/crispr (tolerances of issue 4)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ifnexus.screen import mageck_test, p_adjust, read_counts
from ifnexus.screen._mageck import GENE_COLUMNS, SGRNA_COLUMNS

REF = ("reference", "crispr", "mageck-0.5.9.5-default")
DEMO = ("reference", "crispr", "mageck-demo")


def _rel_close(a, b, rtol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-300))


def _check_parity(ours_prefix, ref_gene, ref_sgrna):
    g = pd.read_csv(f"{ours_prefix}.gene_summary.txt", sep="\t")
    rg = pd.read_csv(ref_gene, sep="\t")
    assert list(g.columns) == GENE_COLUMNS == list(rg.columns)
    g = g.set_index("id").loc[rg["id"]]
    assert (g["num"].to_numpy() == rg["num"].to_numpy()).all()
    for d in ("neg", "pos"):
        assert _rel_close(g[f"{d}|score"], rg[f"{d}|score"], 1e-6)
        assert (g[f"{d}|goodsgrna"].to_numpy() == rg[f"{d}|goodsgrna"].to_numpy()).all()
        assert _rel_close(g[f"{d}|lfc"], rg[f"{d}|lfc"], 1e-6)
        # permutation p-values: within Monte-Carlo error (both use >= 100,000 draws)
        p, pr = g[f"{d}|p-value"].to_numpy(), rg[f"{d}|p-value"].to_numpy()
        mc = 5 * np.sqrt(2 * pr * (1 - pr) / 100000) + 2e-5
        assert np.all(np.abs(p - pr) <= mc)
        a = set(g.index[g[f"{d}|fdr"] < 0.25])
        b = set(rg["id"][rg[f"{d}|fdr"] < 0.25])
        if a or b:
            assert len(a & b) / len(a | b) >= 0.9
    s = pd.read_csv(f"{ours_prefix}.sgrna_summary.txt", sep="\t")
    rs = pd.read_csv(ref_sgrna, sep="\t")
    assert list(s.columns) == SGRNA_COLUMNS == list(rs.columns)
    s = s.set_index("sgrna").loc[rs["sgrna"]]
    assert (s["control_count"].to_numpy() == rs["control_count"].to_numpy()).all()
    for c in ("control_mean", "treat_mean", "LFC", "control_var", "adj_var", "score",
              "p.low", "p.high", "p.twosided", "FDR"):  # fmt: skip
        assert _rel_close(s[c], rs[c], 1e-6), c
    assert (s["high_in_treatment"].to_numpy() == rs["high_in_treatment"].to_numpy()).all()
    # the checks above say which value differs; the files themselves are MAGeCK's byte for byte
    for kind, ref in (("gene_summary", ref_gene), ("sgrna_summary", ref_sgrna)):
        assert Path(f"{ours_prefix}.{kind}.txt").read_bytes() == Path(ref).read_bytes(), kind
    return g, rg


def test_leukemia_default_parity(shared, tmp_path):
    counts = read_counts(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    res = mageck_test(counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial")
    # size factors: exactly the values in MAGeCK 0.5.9.5's log
    assert res.size_factors.tolist() == [
        1.442249601678541, 1.7230150968794973, 0.6481594964068652, 0.5825227366611764
    ]  # fmt: skip
    assert res.model == (1.036946620445846, 4.371476602746411)  # "Adjusted model" in the log
    assert res.alpha == (0.33910519467520767, 0.3720348313482134)  # lower/higher test cutoffs
    assert res.params["n_removed_zero"] == 8
    res.write(tmp_path / "lk", normcounts_to_file=True)
    g, rg = _check_parity(
        tmp_path / "lk",
        shared(*REF, "mageck_test.gene_summary.txt"),
        shared(*REF, "mageck_test.sgrna_summary.txt"),
    )
    # MAGeCK's own generator and seed are reproduced: the permutation p-values are identical
    assert (g["neg|p-value"].to_numpy() == rg["neg|p-value"].to_numpy()).all()
    assert (g["neg|rank"].to_numpy() == rg["neg|rank"].to_numpy()).all()
    norm = pd.read_csv(tmp_path / "lk.normalized.txt", sep="\t")
    rn = pd.read_csv(shared(*REF, "mageck_test.normalized.txt"), sep="\t")
    assert list(norm.columns) == list(rn.columns)
    assert np.array_equal(norm.iloc[:, 2:].to_numpy(), rn.iloc[:, 2:].to_numpy())
    ref_norm = shared(*REF, "mageck_test.normalized.txt").read_bytes()
    assert (tmp_path / "lk.normalized.txt").read_bytes() == ref_norm


def test_control_gene_normalisation_parity(shared, tmp_path):
    """demo1: --norm-method control --control-gene (controls are RRA's null too)."""
    counts = read_counts(shared(*DEMO, "demo1_rra_from_count_table", "sample.txt"))
    ctrl = shared(*DEMO, "demo5_use_control_guides", "control_gene.txt").read_text().split("\n")
    ctrl = [g.strip() for g in ctrl]
    res = mageck_test(
        counts, ["HL60.final", "KBM7.final"], ["HL60.initial", "KBM7.initial"],
        norm_method="control", control_gene=[c for c in ctrl if c],
    )  # fmt: skip
    assert "AHNAK" not in set(res.genes["id"])  # control-only genes are not reported
    res.write(tmp_path / "d1")
    base = shared(*DEMO, "demo1_rra_from_count_table")
    _check_parity(tmp_path / "d1", base / "demo.gene_summary.txt", base / "demo.sgrna_summary.txt")


def test_single_replicate_total_fallback_parity(shared, tmp_path):
    """demo2: one replicate per group; median normalisation falls back to total counts."""
    counts = read_counts(shared(*DEMO, "demo2_run_mageck_from_fastq", "demo.count.txt"))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = mageck_test(counts, "L1", "CTRL")
    assert any("total read count" in str(x.message) for x in w)
    assert res.size_factors.tolist() == [0.9938817131203264, 1.006194081211287]
    res.write(tmp_path / "d2")
    base = shared(*DEMO, "demo2_run_mageck_from_fastq")
    _check_parity(tmp_path / "d2", base / "demo.gene_summary.txt", base / "demo.sgrna_summary.txt")


def test_numpy_rng_within_monte_carlo_error(shared):
    counts = read_counts(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    a = mageck_test(counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial")
    b = mageck_test(counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial", rng=0)
    b2 = mageck_test(counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial", rng=0)
    pd.testing.assert_frame_equal(b.genes, b2.genes)  # seeded: reproducible
    ga = a.genes.set_index("id")
    gb = b.genes.set_index("id").loc[ga.index]
    assert np.array_equal(ga["neg|score"], gb["neg|score"])  # lo-values do not depend on rng
    pa, pb = ga["neg|p-value"].to_numpy(), gb["neg|p-value"].to_numpy()
    assert np.all(np.abs(pa - pb) <= 5 * np.sqrt(2 * pa * (1 - pa) / 101000) + 2e-5)


def test_p_adjust_matches_scipy_and_holm():
    rng = np.random.default_rng(3)
    p = rng.random(200) ** 3
    p[5] = p[6]  # a tie
    assert np.allclose(p_adjust(p, "fdr"), stats.false_discovery_control(p), rtol=1e-12)
    small = np.array([0.01, 0.04, 0.03, 0.5])
    # MAGeCK's Holm: (n - rank) * p, capped at 1, without the monotone step
    assert np.allclose(p_adjust(small, "holm"), [0.04, 0.08, 0.09, 0.5])
    q = p_adjust(p, "pounds")
    assert np.all((q >= 0) & (q <= 1))


def test_paired_and_options_run(shared):
    counts = read_counts(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    res = mageck_test(
        counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial", paired=True,
        gene_lfc_method="alphamedian", rra_options="--permutation 20", rng=1,
    )  # fmt: skip
    assert res.sgrnas["sgrna"].str.endswith(("_r0", "_r1")).all()
    assert res.sgrnas.shape[0] == 2 * counts.shape[0]
    assert res.genes["num"].max() <= 20
    assert res.params["permutations"]  # recorded


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"treatment": "nope"}, "not in the count table header"),
        ({"treatment": "HL60.final", "control": "HL60.final"}, "both treatment and control"),
        ({"treatment": "HL60.final", "remove_zero": "sometimes"}, "remove_zero"),
        ({"treatment": "HL60.final", "rra_options": "--bogus 1"}, "unsupported RRA option"),
        ({"treatment": "HL60.final", "control_sgrna": ["x", "y"]}, "control sgRNAs"),
    ],
)
def test_bad_arguments(kwargs, match):
    counts = pd.DataFrame(
        {"Gene": ["A", "A", "B", "B"] * 3, "HL60.initial": np.arange(12.0) + 5,
         "HL60.final": np.arange(12.0)[::-1] + 5},
        index=[f"s{i}" for i in range(12)],
    )  # fmt: skip
    with pytest.raises((ValueError, KeyError), match=match):
        mageck_test(counts, **kwargs)


def test_all_zero_sample_is_an_error():
    counts = pd.DataFrame(
        {"Gene": ["A", "B"] * 6, "c": np.arange(12.0) + 1, "t": np.zeros(12)},
        index=[f"s{i}" for i in range(12)],
    )
    with pytest.raises(ValueError, match="'t' has zero reads"):
        mageck_test(counts, "t", "c")


# --- the stages of mageck_test, one at a time ------------------------------------------------


def test_stages_by_hand_equal_mageck_test(shared):
    from ifnexus.screen import fit_mean_variance, gene_test, mageck_normalise, rra, sgrna_test

    counts = read_counts(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    t, c = "HL60.final,KBM7.final", "HL60.initial,KBM7.initial"
    whole = mageck_test(counts, t, c)
    design = mageck_normalise(counts, t, c)
    model = fit_mean_variance(design)
    sg = sgrna_test(design, model)
    gt = gene_test(design, sg)
    pd.testing.assert_series_equal(design.size_factors, whole.size_factors)
    pd.testing.assert_frame_equal(design.normalized, whole.normalized)
    assert (model.k, model.b) == whole.model
    assert model.n_outliers == whole.params["n_variance_outliers"]
    pd.testing.assert_frame_equal(sg.table, whole.sgrna_stats)
    pd.testing.assert_frame_equal(gt.genes, whole.genes, check_like=False)
    assert gt.alpha == whole.alpha
    # the gene stage is RRA on the valid sgRNAs ranked by score, alpha = share with p <= 0.25
    valid = sg.valid
    alpha = min(max(float(((sg.p_low <= 0.25) & valid).sum()) / valid.sum(), 0.05), 0.5)
    assert gt.alpha[0] == alpha
    order = np.argsort(sg.theta, kind="stable")
    keep = order[valid[order]]
    neg = rra(sg.ids[keep], sg.genes[keep], sg.theta[keep], alpha=alpha)
    ours = gt.neg.loc[neg["group_id"]]
    np.testing.assert_array_equal(ours["lo_value"].to_numpy(), neg["lo_value"].to_numpy())
    np.testing.assert_array_equal(ours["p"].to_numpy(), neg["p"].to_numpy())


def _spread_counts():
    # two control replicates m -/+ d with d = 2 m^0.75: median m, variance 2 d^2 = 8 m^1.5
    m = np.geomspace(20, 1000, 30)
    d = 2 * m**0.75
    t = m * np.linspace(0.3, 3, 30)
    return pd.DataFrame(
        {"Gene": [f"G{i // 3}" for i in range(30)], "c1": m - d, "c2": m + d, "t1": t, "t2": t},
        index=[f"s{i}" for i in range(30)],
    )


def test_fit_mean_variance_is_weighted_least_squares():
    from ifnexus.screen import fit_mean_variance, mageck_normalise

    counts = _spread_counts()
    design = mageck_normalise(counts, "t1,t2", "c1,c2", norm_method="none")
    model = fit_mean_variance(design)
    c = counts[["c1", "c2"]].to_numpy()
    mean = c.mean(axis=1)
    var = ((c - mean[:, None]) ** 2).sum(axis=1)
    # log2(var - mean + 1) on log2(mean + 1), weights = mean (polyfit weighs unsquared residuals)
    slope, intercept = np.polyfit(np.log2(mean + 1), np.log2(var - mean + 1), 1, w=np.sqrt(mean))
    assert slope > 1 and intercept > 0  # the clamps k >= 1, b >= 0 do not act
    assert model.k == pytest.approx(slope, rel=1e-9)
    assert model.b == pytest.approx(intercept, rel=1e-9)
    assert model.n_outliers == 0
    np.testing.assert_allclose(model.variance(mean), mean**slope * 2**intercept + mean, rtol=1e-8)


def test_sgrna_test_is_a_truncated_normal_test():
    from ifnexus.screen import fit_mean_variance, mageck_normalise, sgrna_test

    counts = _spread_counts()
    design = mageck_normalise(counts, "t1,t2", "c1,c2", norm_method="none")
    model = fit_mean_variance(design)
    sg = sgrna_test(design, model)
    cm = counts[["c1", "c2"]].to_numpy().mean(axis=1)
    tm = counts["t1"].to_numpy()
    sd = np.sqrt(cm**model.k * 2**model.b + cm)
    z0 = stats.norm.cdf(-cm / sd)
    np.testing.assert_allclose(sg.adj_var, sd**2, rtol=1e-12)
    np.testing.assert_allclose(sg.p_low, (stats.norm.cdf((tm - cm) / sd) - z0) / (1 - z0),
                               rtol=1e-9)  # fmt: skip
    np.testing.assert_allclose(sg.p_high, stats.norm.sf((tm - cm) / sd) / (1 - z0), rtol=1e-9)
    np.testing.assert_allclose(sg.lfc, np.log2(tm + 1) - np.log2(cm + 1), rtol=1e-12)
    assert sg.valid.all()
    with pytest.raises(ValueError, match="remove_zero"):
        sgrna_test(design, model, remove_zero="sometimes")  # type: ignore[arg-type]


def test_summary_is_the_gene_table_in_long_form(shared):
    counts = read_counts(shared(*DEMO, "demo1_rra_from_count_table", "sample.txt"))
    res = mageck_test(counts, "HL60.final,KBM7.final", "HL60.initial,KBM7.initial")
    s = res.summary
    assert list(s.columns) == ["gene", "test", "n_sgrnas", "effect", "score", "p", "fdr", "rank",
                               "good_sgrnas", "hit"]  # fmt: skip
    g = res.genes
    assert s.shape[0] == 2 * g.shape[0]
    for d in ("neg", "pos"):
        part = s[s["test"] == d]
        assert part["gene"].tolist() == g["id"].tolist()
        for col, src in (("effect", "lfc"), ("score", "score"), ("p", "p-value"),
                         ("fdr", "fdr"), ("rank", "rank"), ("good_sgrnas", "goodsgrna")):  # fmt: skip
            np.testing.assert_array_equal(part[col].to_numpy(), g[f"{d}|{src}"].to_numpy())
        np.testing.assert_array_equal(part["hit"].to_numpy(), (g[f"{d}|fdr"] < 0.25).to_numpy())


def test_mageck_normalise_total_factors_and_paired_layout():
    from ifnexus.screen import mageck_normalise

    counts = pd.DataFrame(
        {"Gene": ["A", "A", "B"], "c1": [10.0, 20, 30], "c2": [5.0, 5, 10], "t1": [1.0, 2, 3],
         "t2": [4.0, 4, 4]},
        index=["s0", "s1", "s2"],
    )  # fmt: skip
    d = mageck_normalise(counts, "t1,t2", "c1,c2", norm_method="total", paired=True)
    totals = np.array([60.0, 20, 6, 12])  # c1, c2, t1, t2: factor = mean total / total
    np.testing.assert_allclose(d.size_factors.to_numpy(), totals.mean() / totals, rtol=1e-15)
    assert d.size_factors.index.tolist() == ["c1", "c2", "t1", "t2"]
    norm = counts[["c1", "c2", "t1", "t2"]].to_numpy() * (totals.mean() / totals)
    np.testing.assert_allclose(d.normalized[["c1", "c2", "t1", "t2"]].to_numpy(), norm)
    # paired: one row per (sgRNA, pair), sgRNA-major; column 0 control, column 1 treatment
    assert d.ids.tolist() == ["s0_r0", "s0_r1", "s1_r0", "s1_r1", "s2_r0", "s2_r1"]
    assert d.genes.tolist() == ["A", "A", "A", "A", "B", "B"]
    np.testing.assert_allclose(d.matrix[:, 0], norm[:, :2].ravel())
    np.testing.assert_allclose(d.matrix[:, 1], norm[:, 2:].ravel())
    assert (d.control_columns, d.treatment_columns, d.variance_columns) == ([0], [1], [])
    with pytest.raises(ValueError, match="paired mode needs as many"):
        mageck_normalise(counts, "t1", "c1,c2", paired=True)
