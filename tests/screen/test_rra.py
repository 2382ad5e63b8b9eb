"""alpha-RRA kernel against closed forms, MAGeCK's RNG check value, and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ifnexus.screen import RraOptions, rra
from ifnexus.screen._fdr import bh_adjust
from ifnexus.screen._rra import _LehmerStream, _nearest_index


def test_lehmer_stream_matches_park_miller_check_value():
    # rngs.c's TestRandom: from seed 1, the state after 10,000 draws is 399268537
    s = _LehmerStream(1)
    u = s.draw(10000)
    assert s.state == 399268537
    assert u[0] == 48271 / 2147483647
    assert np.all((u > 0) & (u < 1))


def test_nearest_index_is_mageck_btree_search():
    a = np.array([0.1, 0.2, 0.2, 0.5])
    w = np.array([0.0, 0.1, 0.14, 0.16, 0.2 - 1e-9, 0.2 + 1e-9, 0.4, 0.9])
    # ties resolve to the first/last copy for value -/+ 1e-9, nearest otherwise
    assert _nearest_index(a, w).tolist() == [0, 0, 0, 1, 1, 2, 3, 3]


def test_lo_values_are_min_beta_cdfs():
    # 3 genes x 4 sgRNAs; ranked list of 12 items, gene A takes the top ranks
    genes = ["A", "B", "A", "C", "A", "B", "C", "B", "A", "C", "B", "C"]
    sg = [f"s{i}" for i in range(12)]
    res = rra(sg, genes, np.arange(12.0), alpha=0.5, options=RraOptions(permutation_rounds=50),
              rng=0)  # fmt: skip
    pct = (2 * np.arange(12) + 1) / 24.0
    for g in "ABC":
        p = np.sort(pct[[i for i, x in enumerate(genes) if x == g]])
        n = p.size
        good = [k for k in range(n) if p[k] <= 0.5]
        ks = sorted(set([0] + good))
        expect = min(stats.beta.cdf(p[k], k + 1, n - k) for k in ks)
        row = res.set_index("group_id").loc[g]
        assert row["lo_value"] == pytest.approx(expect, rel=1e-12)
        assert row["goodsgrna"] == len(good)
    assert res["group_id"].iloc[0] == "A"
    assert res.attrs["n_permutations"] == {4: 3 * (100000 // 3 + 2)}


def test_permutation_p_is_uniform_under_the_null():
    rng = np.random.default_rng(11)
    genes = np.repeat([f"g{i}" for i in range(300)], 5)
    scores = rng.normal(size=genes.size)
    order = np.argsort(scores)
    res = rra(np.arange(genes.size).astype(str)[order], genes[order], scores[order], alpha=0.25,
              rng=2)  # fmt: skip
    ks = stats.kstest(res["p"], "uniform")
    assert ks.pvalue > 0.001
    assert res["FDR"].min() > 0.05


def test_bh_matches_scipy():
    p = np.random.default_rng(0).random(100)
    assert np.allclose(bh_adjust(p), stats.false_discovery_control(p))
    p[[3, 7, 11]] = p[5]  # ties
    assert np.allclose(bh_adjust(p), stats.false_discovery_control(p))
    # the one helper behind both MAGeCK FDRs: RRA's gene FDR and p_adjust (pFDR)
    from ifnexus.screen import p_adjust

    assert np.array_equal(p_adjust(p, "fdr"), bh_adjust(p))


def test_rra_options_parse():
    o = RraOptions.parse("--permutation 10 --no-permutation-by-group --min-number-goodsgrna 2")
    assert (o.permutation_rounds, o.permutation_specified, o.by_group) == (10, True, False)
    assert o.min_number_goodsgrna == 2
    with pytest.raises(ValueError, match="bad value"):
        RraOptions.parse("--permutation x")


def test_no_permutation_by_group_and_bad_genes():
    genes = ["A", "A", "B", "B", "B", "C"]
    res = rra([f"s{i}" for i in range(6)], genes, np.arange(6.0), alpha=0.3,
              options=RraOptions(by_group=False, min_number_goodsgrna=1, permutation_rounds=10,
                                 permutation_specified=True), rng=0)  # fmt: skip
    r = res.set_index("group_id")
    assert np.isnan(r.loc["C", "FDR"]) and bool(r.loc["C", "bad"])
    assert 0 < r.loc["A", "p"] < 1


def test_beta_tail_matches_scipy_betainc():
    from scipy import special

    from ifnexus.screen._rra import _beta_tail

    x = np.concatenate([np.linspace(1e-9, 0.999, 500), [0.5, 0.5000001]])
    for n in (2, 10, 25):
        for i in range(1, n):
            ref = special.betainc(i + 1, n - i, x)
            assert np.allclose(_beta_tail(x, i, n), ref, rtol=1e-12, atol=1e-300)


def _mageck_quicksort(keys):
    """Direct port of RRA.cpp's QuickSortGroupByLoValue (recursive, in place)."""
    k = list(keys)
    idx = list(range(len(k)))

    def qs(lo, hi):
        i, j = lo, hi
        if hi < lo:
            return
        x = k[(lo + hi) // 2]
        while i <= j:
            while k[i] < x and i <= j:
                i += 1
            while k[j] > x and i <= j:
                j -= 1
            if i <= j:
                k[i], k[j] = k[j], k[i]
                idx[i], idx[j] = idx[j], idx[i]
                i += 1
                j -= 1
        if lo < j:
            qs(lo, j)
        if i < hi:
            qs(i, hi)

    qs(0, len(k) - 1)
    return idx


@pytest.mark.parametrize("levels", [3, 40, 100000])
def test_quicksort_order_is_mageck_order_for_ties(levels):
    import sys

    from ifnexus.screen._rra import _quicksort_order

    rng = np.random.default_rng(levels)
    keys = rng.integers(0, levels, 3000).astype(float)  # few to no ties, or many
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        ref = _mageck_quicksort(keys.tolist())
    finally:
        sys.setrecursionlimit(old)
    assert _quicksort_order(keys).tolist() == ref


def test_null_lo_values_equal_the_sorted_definition():
    from scipy import special

    from ifnexus.screen._rra import _null_lo

    rng = np.random.default_rng(5)
    u = rng.random((3000, 6))
    alphas = (0.05, 0.3)
    got = _null_lo(u.copy(), alphas, -1.0)
    for a, lo in zip(alphas, got, strict=True):
        for r in range(0, 3000, 7):
            p = np.sort(u[r])
            n = p.size
            vals = [special.betainc(1.0, float(n), p[0])]
            for k in range(1, n):
                if p[k] > a:
                    break
                vals.append(special.betainc(k + 1.0, float(n - k), p[k]))
            assert lo[r] == pytest.approx(min(vals), rel=1e-12)


# --- the stages of rra, one at a time --------------------------------------------------------


def _ranked_list(seed=4, ngene=60, per=4):
    rng = np.random.default_rng(seed)
    genes = np.repeat([f"g{i}" for i in range(ngene)], per)
    scores = rng.normal(size=genes.size)
    scores[:per] -= 3  # one strong gene
    order = np.argsort(scores, kind="stable")
    sg = np.array([f"s{i}" for i in range(genes.size)], dtype=object)
    return sg[order], genes[order], scores[order]


@pytest.mark.parametrize("controls", [False, True])
def test_rra_stages_by_hand_equal_rra(controls):
    from ifnexus.screen import (
        rra_fdr,
        rra_groups,
        rra_lo_values,
        rra_percentiles,
        rra_permutation_p,
    )

    sg, genes, scores = _ranked_list()
    ctrl = [s for s, g in zip(sg, genes, strict=True) if g in ("g58", "g59")] if controls else None
    opt = RraOptions(min_number_goodsgrna=1)
    whole = rra(sg, genes, scores, alpha=0.2, control_sgrnas=ctrl, options=opt)
    pct = rra_percentiles(scores)
    groups = rra_groups(sg, genes, pct, control_sgrnas=ctrl)
    lo, good = rra_lo_values(groups, alpha=0.2)
    p, nperm = rra_permutation_p(groups, lo, alpha=0.2, options=opt)
    fdr, bad = rra_fdr(p, good, groups.sizes, options=opt)
    by_gene = whole.set_index("group_id")
    names = np.asarray(groups.names)
    keep = ~groups.control_only
    assert set(by_gene.index) == set(names[keep])
    ref = by_gene.loc[names[keep]]
    np.testing.assert_array_equal(ref["lo_value"].to_numpy(), lo[keep])
    np.testing.assert_array_equal(ref["goodsgrna"].to_numpy(), good[keep])
    np.testing.assert_array_equal(ref["p"].to_numpy(), p[keep])
    np.testing.assert_array_equal(ref["FDR"].to_numpy(), fdr[keep])
    np.testing.assert_array_equal(ref["bad"].to_numpy(), bad[keep])
    assert whole.attrs["n_permutations"] == nperm


def test_rra_percentiles_are_mid_ranks():
    from ifnexus.screen import rra_percentiles

    # no ties: (rank - 1/2) / N; a tie shares the mean of its ranks
    assert rra_percentiles([3.0, 1.0, 2.0, 5.0]).tolist() == [5 / 8, 1 / 8, 3 / 8, 7 / 8]
    assert rra_percentiles([1.0, 2.0, 2.0, 3.0]).tolist() == [1 / 8, 4 / 8, 4 / 8, 7 / 8]
    with pytest.raises(ValueError, match="finite"):
        rra_percentiles([1.0, np.nan])


def test_rra_lo_value_is_the_beta_cdf_minimum():
    from ifnexus.screen import rra_groups, rra_lo_values

    # gene A at known percentiles 0.05, 0.1, 0.3, 0.9; alpha = 0.35 keeps the first three
    pct = np.array([0.05, 0.1, 0.3, 0.9, 0.5, 0.6])
    groups = rra_groups([f"s{i}" for i in range(6)], ["A"] * 4 + ["B"] * 2, pct)
    lo, good = rra_lo_values(groups, alpha=0.35)
    expect_a = min(stats.beta.cdf(x, k + 1, 4 - k) for k, x in enumerate([0.05, 0.1, 0.3]))
    assert lo[0] == pytest.approx(expect_a, rel=1e-12)
    assert good.tolist() == [3, 0]
    # B has no percentile under alpha: its lo-value is the first order statistic's CDF
    assert lo[1] == pytest.approx(stats.beta.cdf(0.5, 1, 2), rel=1e-12)


def test_rra_permutation_p_equals_an_explicit_park_miller_null():
    from ifnexus.screen import rra_groups, rra_lo_values, rra_permutation_p

    # two genes of 3 sgRNAs, 5 rounds: 2 x 6 random genes from MAGeCK's generator (seed 123456)
    pct = np.array([0.05, 0.4, 0.7, 0.2, 0.25, 0.9])
    groups = rra_groups([f"s{i}" for i in range(6)], ["A"] * 3 + ["B"] * 3, pct)
    alpha = 0.3
    lo, _ = rra_lo_values(groups, alpha=alpha)
    opt = RraOptions(permutation_rounds=5, permutation_specified=True)
    p, nperm = rra_permutation_p(groups, lo, alpha=alpha, options=opt)
    x, u = 123456, []
    for _ in range(12 * 3):
        x = 48271 * x % 2147483647
        u.append(x / 2147483647)
    null = []
    for row in np.asarray(u).reshape(12, 3):
        r = np.sort(row)
        vals = [stats.beta.cdf(r[0], 1, 3)]
        for k in range(1, 3):
            if r[k] > alpha:
                break
            vals.append(stats.beta.cdf(r[k], k + 1, 3 - k))
        null.append(min(vals))
    null = np.sort(null)
    for g in range(2):
        i = int(np.argmin(np.abs(null - lo[g])))  # nearest null value, MAGeCK's search
        assert p[g] == pytest.approx((2 * i + 1) / 24, abs=1e-15)
    assert nperm == {3: 12}


def test_rra_fdr_is_bh_over_the_good_genes():
    from ifnexus.screen import rra_fdr

    p = np.array([0.01, 0.2, 0.03, 0.5, 0.04])
    good = np.array([2, 0, 3, 1, 2])
    fdr, bad = rra_fdr(p, good, np.full(5, 4), options=RraOptions(min_number_goodsgrna=1))
    assert bad.tolist() == [False, True, False, False, False]
    assert np.isnan(fdr[1])
    ok = ~bad
    np.testing.assert_allclose(fdr[ok], stats.false_discovery_control(p[ok]), rtol=1e-12)
