"""Issue 15 item 8: IFN labels describe what happened to the tumour.

References: the pre-treatment IFN-I level in closed form (no damage, so only tonic production:
``I0 = p_ton c_hr / k_I``), the label thresholds' definitions (one IFNAR EC50 of rise for a
burst; the sustained level that holds U-STAT1 at ``K_U`` for chronic), and the issue's
requirements (0.1 Gy is not a burst for most tumours; a STING agonist on day 0 is).
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import parameters, simulate_cohort


@pytest.mark.parametrize("setting", ["mouse", "patient"])
def test_very_low_dose_is_not_a_burst_for_most(setting):
    r = simulate_cohort("0:0.1", setting=setting, n_patients=200, rng=5, days=90)
    labels = r.patients["ifn_label"]
    assert (labels == "acute").mean() < 0.1


@pytest.mark.parametrize("schedule", ["none", "0:2"])
def test_sting_agonist_on_day_zero_is_a_burst(schedule):
    r = simulate_cohort(schedule, setting="mouse", n_patients=32, rng=1, days=60,
                        interventions=["sting-agonist:day=0,dose=1"])  # fmt: skip
    d = r.patients
    assert (d["ifn_baseline"] == 0.0).all()  # read before the agonist (no tonic IFN in mice)
    assert (d["ifn_label"] == "acute").all()


def test_baseline_is_the_pre_treatment_steady_state():
    p = parameters("patient")
    r = simulate_cohort("50Gy/25fx", n_patients=200, rng=2, days=120,
                        interventions=["sting-agonist:day=0", "anti-pd1:day=-14"])  # fmt: skip
    d = r.patients
    expected = p["tonic"] * d["chronic_ifn"].to_numpy() / p["k_I"]
    np.testing.assert_allclose(d["ifn_baseline"], expected, rtol=1e-12, atol=0)


def test_thresholds_have_their_stated_meaning():
    p = parameters("patient")
    assert p["ifn_acute_min"] == 1.0  # I/(1+I) half-saturated: one EC50
    s = p["K_U"] * p["k_Ud"] / p["k_U"]  # U-STAT1 steady state k_U s / k_Ud = K_U
    assert p["ifn_chronic_min"] == pytest.approx(s / (1 - s), abs=0.005)


def test_conventional_course_is_a_burst_and_chronic_tumours_stay_chronic():
    r = simulate_cohort("50Gy/25fx", n_patients=300, rng=4, days=200)
    d = r.patients
    competent = d["ifn_competent"] & (d["chronic_ifn"] == 0)
    assert (d.loc[competent, "ifn_label"] == "acute").mean() > 0.8
    p = parameters("patient")
    tonic = p["tonic"] / p["k_I"]  # the IFN-I level of a tumour of amplitude 1
    high = d["chronic_ifn"] * tonic >= 0.2
    assert high.any() and (d.loc[high, "ifn_label"] == "chronic").all()


@pytest.mark.parametrize("days", [2.5, 10.0, 29.9])
def test_label_is_unknown_when_follow_up_ends_before_the_four_week_read(days):
    # the chronic rule reads IFN-I 28 days after the last fraction (day 2 for 8 Gy x 3): a
    # shorter follow-up cannot decide it, so the level is NaN and the label 'unknown' (as the
    # blood count beyond the follow-up), never the level at the end of the follow-up
    r = simulate_cohort("8Gy x3", setting="mouse", n_patients=20, rng=3, days=days)
    d = r.patients
    assert d["ifn_4wk"].isna().all()
    assert (d["ifn_label"] == "unknown").all()
    assert r.to_dict()["ifn_labels"]["unknown"] == 20


def test_label_is_decided_when_the_four_week_read_is_in_the_follow_up():
    r = simulate_cohort("8Gy x3", setting="mouse", n_patients=20, rng=3, days=30.0)
    d = r.patients
    assert d["ifn_4wk"].notna().all()
    assert d["ifn_label"].isin(["acute", "chronic", "none"]).all()
