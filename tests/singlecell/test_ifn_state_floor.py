"""The evidence floor of the IFN state: a state needs its programme's own genes expressed.

References are closed forms (the Poisson-binomial with equal probabilities is the binomial;
the expected count is a sum of hand-computed bin detection rates) and constructed cells whose
right answer follows from the rule: a cell that expresses none of the acute-only genes, while
its depth predicts several, is never ``acute`` whatever its score; a cell too shallow to tell is
``undetermined`` with the reason.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from ifnexus.errors import ValidationError
from ifnexus.scoring import expression_source, prepare
from ifnexus.singlecell import DETECTION_COLUMNS, call_ifn_state, profile, programme_sets
from ifnexus.singlecell._ifn_state import poisson_binomial_cdf

A, S = "ifn_isgf3_acute", "ifn_u_isgf3"


def test_poisson_binomial_with_equal_probabilities_is_the_binomial():
    p = np.full((4, 12), 0.3)
    k = np.array([0, 2, 5, 12])
    np.testing.assert_allclose(poisson_binomial_cdf(p, k), stats.binom.cdf(k, 12, 0.3), rtol=1e-12)


def test_poisson_binomial_two_unequal_trials_closed_form():
    p = np.array([[0.2, 0.7]])
    # P(X = 0) = 0.8 * 0.3; P(X <= 1) = 1 - 0.2 * 0.7
    np.testing.assert_allclose(poisson_binomial_cdf(p, np.array([0])), [0.24])
    np.testing.assert_allclose(poisson_binomial_cdf(p, np.array([1])), [1 - 0.14])


def test_detection_counts_and_expectation_by_hand():
    """Two bins (constant means): expected = sum over programme genes of the bin's rate."""
    from ifnexus.singlecell import programme_detection

    acute = list(programme_sets()[A].genes)  # 12 genes
    sustained = list(programme_sets()[S].genes)  # 18 genes
    other = [f"G{i}" for i in range(40)]
    genes = [*acute, *sustained, *other]
    x = np.zeros((2, len(genes)))
    # every non-programme gene has mean 1 over the two cells; the programme genes have means
    # 0 or 0.5, in bins that hold no other gene, so their rate is the cell's overall rate of
    # the non-programme genes (20 of 40 expressed in each cell: 0.5)
    x[0, len(acute) + len(sustained) :: 2] = 2.0  # cell 0 expresses 20 of the 40 others
    x[1, len(acute) + len(sustained) + 1 :: 2] = 2.0  # cell 1 the other 20
    x[0, :3] = 1.0  # cell 0 expresses 3 acute-only genes
    src = expression_source(x, var_names=genes)
    d = programme_detection(src, prepare(src, n_bins=3))
    assert d[f"{A}_detected"].tolist() == [3.0, 0.0]
    np.testing.assert_allclose(d[f"{A}_expected"], [6.0, 6.0])
    np.testing.assert_allclose(d[f"{A}_p_fewer"], stats.binom.cdf([3, 0], 12, 0.5))
    assert list(d.columns) == list(DETECTION_COLUMNS)


def _scores(n_rest: int = 300, n_acute: int = 100, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    a = r.normal(0, 0.1, n_rest + n_acute)
    s = r.normal(0, 0.1, n_rest + n_acute)
    a[n_rest:] += 1.5
    s[n_rest:] += 1.5
    df = pd.DataFrame({A: a, S: s}, index=[f"c{i}" for i in range(len(a))])
    for col in (A, S):  # every cell expresses its programmes as its depth predicts
        df[f"{col}_detected"] = 6.0
        df[f"{col}_expected"] = 6.0
        df[f"{col}_p_fewer"] = 0.6
    return df


def test_cell_without_acute_genes_is_never_acute_whatever_its_score():
    df = _scores()
    # c0: a resting-like cell with an acute score as high as the stimulated cells', but none
    # of the 12 acute-only genes expressed while its depth predicts 5 (P(X = 0) = 0.004)
    df.loc["c0", [A, S]] = 1.5
    df.loc["c0", [f"{A}_detected", f"{A}_expected", f"{A}_p_fewer"]] = [0.0, 5.0, 0.004]
    # c1: the same scores, one acute-only gene in a cell so shallow that 0.8 are expected
    df.loc["c1", [A, S]] = 1.5
    df.loc["c1", [f"{A}_detected", f"{A}_expected", f"{A}_p_fewer"]] = [1.0, 0.8, 0.8]
    res = call_ifn_state(df)
    st = res.cells["ifn_state"].astype(str)
    assert (st.iloc[300:] == "acute").all()  # the floor leaves evidenced cells alone
    assert st["c0"] != "acute" and st["c0"] in ("none", "chronic")
    assert res.cells.at["c0", "ifn_p_acute"] == 0.0
    assert (
        "fewer ifn_isgf3_acute genes expressed than the cell's depth predicts"
        in (res.cells.at["c0", "ifn_state_reason"])
    )
    assert st["c1"] == "undetermined"
    assert res.cells.loc["c1", ["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].isna().all()
    assert res.cells.at["c1", "ifn_state_reason"].startswith("too few ifn_isgf3_acute genes")
    assert res.settings["evidence_floor"] == {"applied": True, "min_detected": 2,
                                              "detection_alpha": 0.05}  # fmt: skip
    # without the floor (the rule of rounds 2-3) both are called acute
    off = call_ifn_state(df, min_detected=0, detection_alpha=0.0).cells["ifn_state"]
    assert off["c0"] == "acute" and off["c1"] == "acute"


def test_floor_is_not_applied_without_detection_columns():
    df = _scores()[[A, S]]
    res = call_ifn_state(df)
    assert res.settings["evidence_floor"]["applied"] is False
    assert (res.cells["ifn_state"].astype(str).iloc[300:] == "acute").all()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"min_detected": -1}, "min_detected must be an integer >= 0"),
        ({"min_detected": 1.5}, "min_detected must be an integer"),
        ({"detection_alpha": 1.0}, r"detection_alpha must be in \[0, 1\)"),
        ({"detection_alpha": -0.1}, r"detection_alpha must be in \[0, 1\)"),
    ],
)
def test_bad_floor_parameters_are_refused(kw, match):
    with pytest.raises(ValidationError, match=match):
        call_ifn_state(_scores(), **kw)


def test_impossible_detection_values_are_refused():
    df = _scores()
    df.loc["c3", f"{A}_detected"] = -1.0
    with pytest.raises(ValidationError, match="detection columns of ifn_isgf3_acute"):
        call_ifn_state(df)
    df = _scores()
    df.loc["c3", f"{S}_p_fewer"] = 1.7
    with pytest.raises(ValidationError, match="detection columns of ifn_u_isgf3"):
        call_ifn_state(df)


def test_profile_never_calls_a_cell_without_acute_genes_acute():
    """End to end on planted counts with a spread of depths: the floor holds in the profile."""
    r = np.random.default_rng(3)
    acute = list(programme_sets()[A].genes)
    sustained = list(programme_sets()[S].genes)
    genes = [*acute, *sustained, *[f"FILL{i}" for i in range(600)]]
    base = r.gamma(0.6, 1.0, size=len(genes))
    base[: len(acute) + len(sustained)] = 0.3
    rows, cond = [], []
    for g in ("ctrl", "stim"):
        for _ in range(200):
            lam = base.copy()
            if g == "stim":
                lam[: len(acute)] *= 20
                lam[len(acute) : len(acute) + len(sustained)] *= 6
            depth = r.choice([0.05, 0.1, 1.0, 1.0, 1.0])  # a fifth very shallow cells
            rows.append(r.poisson(lam * depth))
            cond.append(g)
    a = ad.AnnData(sparse.csr_matrix(np.vstack(rows).astype(np.float32)),
                   obs=pd.DataFrame({"condition": cond}, index=[f"k{i}" for i in range(400)]),
                   var=pd.DataFrame(index=genes))  # fmt: skip
    c = profile(a, key_added=None).cells
    st = c["ifn_state"].astype(str)
    assert list(c.columns[c.columns.isin(DETECTION_COLUMNS)]) == list(DETECTION_COLUMNS)
    assert not (st[c[f"{A}_detected"] < 2] == "acute").any()
    assert not (st[c[f"{A}_p_fewer"] < 0.05] == "acute").any()
    deep = c[f"{A}_expected"] > 3
    stim = (a.obs["condition"] == "stim").to_numpy()
    assert (st[stim & deep.to_numpy()] == "acute").mean() >= 0.9  # planted truth at depth
    assert (st[~stim] == "acute").mean() <= 0.02
