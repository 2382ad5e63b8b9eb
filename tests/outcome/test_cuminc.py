"""Aalen-Johansen CIF, cmprsk variance and Gray's test against R cmprsk 2.2-11 (R_reference_output.txt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.outcome import cumulative_incidence, gray_test

TIMES = [365, 730, 1095, 1825]

# R 4.2.2, cmprsk 2.2-11: timepoints(cuminc(ftime, status), TIMES) on lymph_node_cr.csv
R_OVERALL = {
    1: (
        [0.078429426945, 0.23995842145, 0.33841232248, 0.47329257361],
        [1.092247866e-04, 2.820316239e-04, 3.655363471e-04, 0.0005174311219],
    ),
    2: (
        [0.006012468769, 0.01381095228, 0.01896729514, 0.03506255609],
        [8.997925226e-06, 2.095774624e-05, 2.957491437e-05, 0.0000720129342],
    ),
}
# cuminc(..., group=hormone): rows "g cause"
R_BY_HORMONE = {
    (1, 1): ([0.098689331139, 0.26290365894, 0.3767603646, 0.52721803347],
             [2.096066880e-04, 4.664116235e-04, 6.036120086e-04, 0.0008728842224]),
    (2, 1): ([0.042028496777, 0.19831994922, 0.2705403348, 0.38413229762],
             [1.699841097e-04, 6.901889675e-04, 8.908655348e-04, 0.0012717588969]),
    (1, 2): ([0.004691331626, 0.01200967548, 0.0174382347, 0.03597619475],
             [1.098044697e-05, 2.862639398e-05, 4.301942673e-05, 0.0001279578208]),
    (2, 2): ([0.008387291059, 0.01702522653, 0.0217262935, 0.03465763549],
             [3.502989248e-05, 7.159267825e-05, 9.303767509e-05, 0.0001753191019]),
}  # fmt: skip


@pytest.fixture
def lymph(shared):
    return pd.read_csv(shared("reference", "survival", "lymph_node_cr.csv"))


@pytest.mark.parametrize("cause", [1, 2])
def test_overall_cif_and_variance_match_cmprsk(lymph, cause):
    res = cumulative_incidence(lymph, "ftime", "status", cause=cause, times=TIMES)
    est, var = R_OVERALL[cause]
    np.testing.assert_allclose(res["cif"], est, atol=1e-9)
    np.testing.assert_allclose(res["variance"], var, rtol=1e-8)


def test_grouped_cif_matches_cmprsk(lymph):
    for cause in (1, 2):
        res = cumulative_incidence(
            lymph, "ftime", "status", cause=cause, group_col="hormone", times=TIMES
        )
        for g in (1, 2):
            est, var = R_BY_HORMONE[(g, cause)]
            sub = res[res["group"] == g]
            np.testing.assert_allclose(sub["cif"], est, atol=1e-9)
            np.testing.assert_allclose(sub["variance"], var, rtol=1e-8)


def test_cif_matches_survival_aj_with_ties(lymph):
    # R survival::survfit multi-state AJ (exact ties): 0.239958421 at 730 d; lifelines jitters (0.23833)
    res = cumulative_incidence(lymph, "ftime", "status", cause=1, times=[730])
    assert abs(res["cif"].iloc[0] - 0.23995842145) < 1e-9


def test_gray_test_matches_cmprsk(lymph):
    res = gray_test(lymph, "ftime", "status", "hormone")
    np.testing.assert_allclose(res["statistic"], [8.8592884468411, 0.0000426601241], rtol=1e-8)
    np.testing.assert_allclose(res["p_value"], [0.002916012217, 0.994788676530], rtol=1e-8)
    assert res["df"].tolist() == [1, 1]


def test_step_points_and_closed_form():
    # no censoring, no competing risk: CIF = empirical CDF (closed form); the variance is
    # cmprsk's Aalen-type estimate: R cmprsk 2.2-11 cuminc(c(1,2,2,3,5), rep(1,5))$var
    d = pd.DataFrame({"t": [1.0, 2, 2, 3, 5], "e": [1, 1, 1, 1, 1]})
    res = cumulative_incidence(d, "t", "e", cause=1)
    assert res["time"].tolist() == [0, 1, 2, 3, 5]
    np.testing.assert_allclose(res["cif"], [0, 0.2, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(res["variance"], [0, 0.04, 0.06333333, 0.05583333, 0.04], atol=1e-8)


def test_confidence_limits_bracket_estimate(lymph):
    res = cumulative_incidence(lymph, "ftime", "status", cause=1, times=TIMES, conf_type="log-log")
    assert (res["lower"] < res["cif"]).all() and (res["cif"] < res["upper"]).all()
    plain = cumulative_incidence(lymph, "ftime", "status", cause=1, times=TIMES, conf_type="plain")
    np.testing.assert_allclose(plain["upper"] - plain["cif"], 1.959963984540054 * plain["std_err"])


def test_times_beyond_follow_up_warn_and_are_nan(lymph):
    with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
        res = cumulative_incidence(lymph, "ftime", "status", cause=1, times=[100000])
    assert np.isnan(res["cif"].iloc[0])


def test_bad_inputs(lymph):
    bad = lymph.copy()
    bad.loc[3, "ftime"] = -1
    with pytest.raises(ValidationError, match="negative times.*data row 4"):
        cumulative_incidence(bad, "ftime", "status", cause=1)
    bad = lymph.copy()
    bad.loc[5, "ftime"] = np.nan
    with pytest.raises(ValidationError, match="missing values"):
        cumulative_incidence(bad, "ftime", "status", cause=1, source="x.csv")
    with pytest.raises(ValidationError, match="cause 3 does not occur"):
        cumulative_incidence(lymph, "ftime", "status", cause=3)
    with pytest.raises(ValidationError, match="not among the declared codes"):
        cumulative_incidence(lymph, "ftime", "status", cause=1, event_codes=[0, 1])
    with pytest.raises(ValidationError, match="at least two"):
        gray_test(lymph.assign(g=1), "ftime", "status", "g")
    assert lymph["ftime"].min() >= 0  # the input was never modified


def test_group_without_events_warns(lymph):
    d = lymph.copy()
    d["g"] = np.where(d["status"] == 2, "b", "a")  # group b only has competing events
    with pytest.warns(IfnexusWarning, match="no events of cause 1"):
        res = cumulative_incidence(d, "ftime", "status", cause=1, group_col="g", times=[730])
    assert res.loc[res["group"] == "b", "cif"].iloc[0] == 0.0


def _synth_ref():
    from pathlib import Path

    data = Path(__file__).parent / "data"
    r = pd.read_csv(data / "ref_cr_synth.csv", dtype={"key": str}, keep_default_na=False)
    return pd.read_csv(data / "cr_synth.csv"), {(w, k): v for w, k, v in r.itertuples(index=False)}


def test_three_groups_three_causes_with_ties_match_cmprsk():
    d, ref = _synth_ref()
    res = gray_test(d, "time", "status", "grp")
    for c in (1, 2, 3):
        row = res[res["cause"] == c].iloc[0]
        assert abs(row["statistic"] - ref[("gray", str(c))]) < 1e-8
        assert row["df"] == 2
    strat = gray_test(d, "time", "status", "grp", strata_col="stratum", rho=1.0)
    for c in (1, 2, 3):
        got = strat.loc[strat["cause"] == c, "statistic"].iloc[0]
        assert abs(got - ref[("gray_strata_rho1", str(c))]) < 1e-8
    for c in (1, 2, 3):
        cif = cumulative_incidence(
            d, "time", "status", cause=c, group_col="grp", times=[3, 7, 12, 20]
        )
        for g, t, f, v in cif[["group", "time", "cif", "variance"]].itertuples(index=False):
            key = f"{g} {c} {int(t)}"
            assert abs(f - ref[("cif", key)]) < 1e-10
            assert abs(v - ref[("cifvar", key)]) < 1e-12
