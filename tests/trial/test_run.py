"""Running a virtual trial: common random numbers, identities of the estimates, outputs."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import InputFormatError
from ifnexus.trial import design_from_dict, run_trial

DESIGN = {
    "trial": {"name": "t", "reference": "RT", "patients_per_arm": 80, "followup_years": 3,
              "seed": 3},
    "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3},
                   "age_mean": 70, "age_sd": 8},
    "endpoint": {"local_control_years": 2},
    "arms": [
        {"name": "RT", "schedule": "50Gy/25fx"},
        {"name": "RT again", "schedule": "50Gy/25fx"},
        {"name": "RT + anti-PD-1", "schedule": "50Gy/25fx",
         "interventions": ["anti-pd1:day=0,dose=1,repeat=6,every=14"]},
    ],
    "normal_tissue": {"ntcp_limit": 0.01, "organs": [
        {"organ": "brachial-plexus", "relative_dose": 1.0},
        {"organ": "skin", "relative_dose": 0.5}]},
}  # fmt: skip


@pytest.fixture(scope="module")
def result():
    return run_trial(design_from_dict(DESIGN))


def test_arms_share_the_same_patients(result):
    p = result.patients
    a = p[p["arm"] == "RT"].reset_index(drop=True)
    b = p[p["arm"] == "RT again"].reset_index(drop=True)
    c = p[p["arm"] == "RT + anti-PD-1"].reset_index(drop=True)
    # an identical arm is the same trial: identical outcomes, a difference of exactly 0
    cols = ["ifn_state", "age", "male", "time_to_failure", "time_to_death", "time", "event"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    row = result.comparisons.set_index(["arm", "ifn_state"]).loc[("RT again", "all")]
    assert (row["difference"], row["ci_lower"], row["ci_upper"]) == (0.0, 0.0, 0.0)
    assert row["mcnemar_p"] == 1.0
    # a different arm treats the same patients: same states, ages and background deaths
    assert (a["ifn_state"] == c["ifn_state"]).all() and (a["age"] == c["age"]).all()
    assert np.array_equal(a["time_to_death"], c["time_to_death"])


def test_local_control_equals_the_model_on_the_same_seed(result):
    from ifnexus.model import simulate_cohort
    from ifnexus.trial import ifn_mix_parameters

    params = ifn_mix_parameters(DESIGN["population"]["ifn_mix"])
    res = simulate_cohort("50Gy/25fx", n_patients=80, days=3 * 365.25, rng=3, params=params,
                          interventions=["anti-pd1:day=0,dose=1,repeat=6,every=14"])  # fmt: skip
    ttf = res.patients["time_to_failure"].to_numpy() / 365.25
    expected = 1 - np.mean(np.isfinite(ttf) & (ttf <= 2))
    got = result.arms.set_index("arm").loc["RT + anti-PD-1", "local_control_net"]
    assert got == pytest.approx(expected)


def test_paired_difference_is_the_discordant_pairs(result):
    for _, row in result.comparisons.iterrows():
        n = row["n_pairs"]
        assert row["difference"] == pytest.approx((row["n_arm_only"] - row["n_reference_only"]) / n)
        assert row["ci_lower"] <= row["difference"] <= row["ci_upper"]


def test_competing_risks_add_up(result):
    # with no censoring before the end of follow-up: CIF(failure) + CIF(death) + P(no event) = 1
    t = 2.0
    curves = result.curves
    for arm in ("RT", "RT + anti-PD-1"):
        sub = result.patients[result.patients["arm"] == arm]
        free = (sub["time"] > t).mean()
        at = curves[(curves["group"] == arm) & np.isclose(curves["time"], t)].set_index("measure")
        total = at.loc["cif_local_failure", "estimate"] + at.loc["cif_death", "estimate"] + free
        assert total == pytest.approx(1.0, abs=1e-9)


def test_by_state_counts_and_intervals(result):
    bs = result.by_state
    for _arm, g in bs.groupby("arm"):
        assert (
            g.set_index("ifn_state").loc[["acute-competent", "chronic", "ifn-deficient"], "n"].sum()
            == 80
        )
        assert (
            (g["net_lower"] <= g["local_control_net"]) & (g["local_control_net"] <= g["net_upper"])
        ).all()


def test_normal_tissue_flags_arms_over_the_limit(result):
    nt = result.normal_tissue
    assert set(nt["organ"]) == {"brachial-plexus", "skin"}
    # 50 Gy EQD2 to the plexus: NTCP 0.27% < 1% limit; nothing flagged
    assert not result.arms["over_ntcp_limit"].any()
    tighter = dataclasses.replace(
        result.design,
        normal_tissue=dataclasses.replace(result.design.normal_tissue, ntcp_limit=0.001),
    )
    from ifnexus.trial._result import TrialResult

    r2 = TrialResult(design=tighter, patients=result.patients, model_params=result.model_params)
    assert r2.compute().arms["over_ntcp_limit"].all()


def test_hazard_ratio_and_summary(result):
    row = result.comparisons.set_index(["arm", "ifn_state"]).loc[("RT + anti-PD-1", "all")]
    assert 0 < row["hr_lower"] <= row["hr"] <= row["hr_upper"]
    d = result.to_dict()
    json.dumps(d, default=str)
    assert d["endpoint"]["local_control_years"] == 2
    assert result.summary.attrs["reference"] == "RT"


def test_same_seed_same_trial_other_seed_other_patients(result):
    again = run_trial(design_from_dict(DESIGN))
    pd.testing.assert_frame_equal(again.patients, result.patients)
    other = dict(DESIGN, trial=dict(DESIGN["trial"], seed=4))
    assert not run_trial(design_from_dict(other)).patients["age"].equals(result.patients["age"])


def test_patient_table_sets_the_mix_and_ages(tmp_path):
    f = tmp_path / "profile.tsv"
    f.write_text("sample\tifn_state\tage\n" + "".join(
        f"s{i}\t{'chronic' if i % 2 else 'ifn-deficient'}\t{50 + i % 5}\n" for i in range(20)))  # fmt: skip
    d = dict(DESIGN, population={"patient_table": "profile.tsv"},
             arms=DESIGN["arms"][:2], normal_tissue=None)  # fmt: skip
    d = {k: v for k, v in d.items() if v is not None}
    r = run_trial(design_from_dict(d, base_dir=tmp_path))
    assert set(r.patients["ifn_state"]) <= {"chronic", "ifn-deficient"}
    assert set(r.patients["age"]) <= {50.0, 51.0, 52.0, 53.0, 54.0}
    bad = tmp_path / "bad.tsv"
    bad.write_text("sample\tifn_state\ns1\tsleepy\n")
    d["population"] = {"patient_table": "bad.tsv"}
    with pytest.raises(InputFormatError, match="line 2, column 'ifn_state'"):
        run_trial(design_from_dict(d, base_dir=tmp_path))


def test_hazard_ratios_can_be_left_out(result):
    from ifnexus.errors import ValidationError
    from ifnexus.trial._result import TrialResult

    r = TrialResult(design=result.design, patients=result.patients,
                    model_params=result.model_params, hazard_ratios="overall").compute()  # fmt: skip
    comp = r.comparisons.set_index(["arm", "ifn_state"])
    full = result.comparisons.set_index(["arm", "ifn_state"])
    assert comp.loc[("RT + anti-PD-1", "all"), "hr"] == full.loc[("RT + anti-PD-1", "all"), "hr"]
    assert np.isnan(comp.loc[("RT + anti-PD-1", "chronic"), "hr"])
    # the other numbers do not depend on it
    pd.testing.assert_series_equal(comp["difference"], full["difference"])
    with pytest.raises(ValidationError, match="hazard_ratios"):
        run_trial(result.design, hazard_ratios="some")  # type: ignore[arg-type]
