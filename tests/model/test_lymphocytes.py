"""Lymphocyte radiobiology: circulating lymphocytes, the draining lymph node, lymphopenia and
recovery (issue #15 item 10).

References: closed forms of the model's lymphocyte equations (the dose to the circulating blood
of Yovino et al. 2013: a share f_b of the well-mixed blood passes the field in one fraction and
the mean blood dose is b_D d, so each exposed lymphocyte gets d b_D / f_b; exponential survival
with the resting-T-cell D0 of Green et al. 1991; first-order recovery with half-time
ln 2 / k_alc), the published numbers behind the defaults (Hammi et al. 2020: 18.4% of the blood
exposed by the first fraction, 90% after the 11th; Radiat Oncol 2019 14:86: baseline count
median 1600, IQR 1400-2000 cells/uL), and published directions: irradiating the draining lymph
node, which holds the stem-like tumour-specific CD8+ T cells, weakens the T-cell response
(Buchwald et al. 2020 J Immunother Cancer 8:e000867).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ifnexus.cli import app
from ifnexus.errors import ValidationError
from ifnexus.model import parameters, parse_schedule, simulate_cohort, tumour_model
from ifnexus.model._cohort import tumour_batch


def _sf_blood(p, d):
    """One fraction's survival of the circulating count, SF_b(d), written out."""
    f, b = p["blood_exposed"], p["blood_dose_share"]
    return 1.0 - f * (1.0 - np.exp(-d * b / (f * p["D0_c"])))


def _at(df, t):
    i = int(np.argmin(np.abs(df["time"].to_numpy() - t)))
    return df.iloc[i], float(df["time"].iloc[i])


@pytest.mark.parametrize("setting", ["mouse", "patient"])
def test_one_fraction_then_recovery_is_the_closed_form(setting):
    """C(0+) = 1 - f_b (1 - exp(-d b_D / (f_b D0_c))), then C(t) = 1 - (1 - C(0+)) exp(-k_alc t)."""
    p = parameters(setting)
    d = 8.0
    df = tumour_model("8Gy x1", setting=setting, days=120).simulate()
    c0 = _sf_blood(p, d)
    for t in (0.0, 20.0, 60.0, 120.0):
        row, tt = _at(df, t)
        expect = 1.0 - (1.0 - c0) * np.exp(-p["k_alc"] * tt)
        assert row["alc"] == pytest.approx(expect, rel=1e-9)
        assert row["node"] == pytest.approx(1.0)  # the node is out of the field by default


def test_node_in_the_field_loses_its_lymphocytes_and_priming():
    """With the node in the field it keeps exp(-d/D0_c) of its lymphocytes after a fraction
    and recovers with k_alc; the primed pool it feeds is smaller (Buchwald et al. 2020)."""
    p = parameters("mouse")
    out = tumour_model("20Gy x1", setting="mouse", days=60).simulate()
    inn = tumour_model("20Gy x1", setting="mouse", days=60,
                       params={"dln_in_field": 1.0}).simulate()  # fmt: skip
    row, tt = _at(inn, 30.0)
    v0 = np.exp(-20.0 / p["D0_c"])
    assert row["node"] == pytest.approx(1.0 - (1.0 - v0) * np.exp(-p["k_alc"] * tt), rel=1e-9)
    assert inn["tpool"].max() < 0.5 * out["tpool"].max()


def test_blood_dose_algebra_of_one_fraction():
    """The exposed share gets d b_D / f_b, so the mean blood dose is b_D d; a small dose kills
    about b_D d / D0_c of the count (first order), the exposed share's kill saturates at f_b."""
    p = parameters("patient", blood_exposed=0.25, blood_dose_share=0.05, k_alc=0.0)
    df = tumour_model("2Gy x1", setting="patient", days=5, params=dict(
        blood_exposed=0.25, blood_dose_share=0.05, k_alc=0.0)).simulate()  # fmt: skip
    # after the fraction: 1 - 0.25 (1 - exp(-2 x 0.05 / (0.25 x 1.7)))
    expect = 1.0 - 0.25 * (1.0 - np.exp(-0.1 / (0.25 * p["D0_c"])))
    assert df["alc"].iloc[-1] == pytest.approx(expect, rel=1e-9)
    small = 1.0 - _sf_blood(p, 1e-4)
    assert small == pytest.approx(1e-4 * 0.05 / p["D0_c"], rel=1e-3)
    assert 1.0 - _sf_blood(p, 1e4) == pytest.approx(0.25)


def test_share_of_blood_exposed_after_n_fractions_is_hammis():
    """Independent shares per fraction: 1 - (1 - f_b)^n of the blood has been in the field after
    n fractions; with the default f_b (Hammi et al. 2020: 18.4% after the first fraction) that
    is their '90% ... after the 11th fraction', and nearly all blood after 30 (Yovino 2013)."""
    f = parameters("patient")["blood_exposed"]
    assert f == pytest.approx(0.184)
    assert 1.0 - (1.0 - f) ** 11 == pytest.approx(0.90, abs=0.015)
    assert 1.0 - (1.0 - f) ** 30 > 0.99


def test_same_dose_in_more_fractions_gives_deeper_lymphopenia():
    """Without recovery the count after a course is prod_i SF_b(d_i): the same 24 Gy in more
    fractions exposes more of the blood to smaller doses and kills more (the exposed share's
    kill saturates with the dose per fraction); 33 Gy in 5 fractions spares the count against
    33 Gy in 28."""
    over = {"k_alc": 0.0}
    p = parameters("patient", **over)
    ends = []
    for sched in ("24Gy/5fx", "24Gy/12fx", "24Gy/20fx", "33Gy/5fx", "33Gy/28fx"):
        s = parse_schedule(sched)
        df = tumour_model(sched, setting="patient", days=s.last_day + 1, params=over).simulate()
        expect = np.prod([_sf_blood(p, d) for d in s.doses])
        assert df["alc"].iloc[-1] == pytest.approx(expect, rel=1e-9)
        ends.append(expect)
    assert ends[0] > ends[1] > ends[2]
    assert ends[3] > ends[4]


def test_baseline_count_is_the_published_distribution():
    """Per-patient baseline count: log-normal with the published median 1600 cells/uL and IQR
    1400-2000 (Radiat Oncol 2019 14:86) in a large seeded sample; the same seed gives the same
    counts, and the draws do not change the tumours' traits."""
    b = tumour_batch("2Gy x1", 40000, rng=7)
    alc = b.traits["_alc0"]
    assert np.median(alc) == pytest.approx(1.6, rel=0.01)
    q1, q3 = np.percentile(alc, [25, 75])
    assert np.log(q3 / q1) == pytest.approx(np.log(2000 / 1400), rel=0.03)
    again = tumour_batch("2Gy x1", 40000, rng=7)
    np.testing.assert_array_equal(again.traits["_alc0"], alc)
    none = tumour_batch("2Gy x1", 10, rng=7, params={"alc0_sigma": 0.0})
    np.testing.assert_array_equal(none.traits["_alc0"], np.full(10, 1.6))
    np.testing.assert_array_equal(none.traits["alpha"], b.traits["alpha"][:10])
    np.testing.assert_array_equal(none.traits["r_g"], b.traits["r_g"][:10])
    assert parameters("mouse")["alc0_sigma"] == 0.0


def test_cohort_reports_absolute_counts():
    """alc_1mo / alc_3mo = the patient's baseline count x the closed form; severe lymphopenia
    below alc_severe; NaN beyond the follow-up."""
    p = parameters("patient")
    res = simulate_cohort("8Gy x1", n_patients=4, setting="patient", days=120, rng=0)
    pts = res.patients
    assert pts["alc_baseline"].nunique() == 4
    c0 = _sf_blood(p, 8.0)
    for col, t in (("alc_1mo", 30.0), ("alc_3mo", 91.0)):
        expect = pts["alc_baseline"] * (1.0 - (1.0 - c0) * np.exp(-p["k_alc"] * t))
        np.testing.assert_allclose(pts[col], expect, rtol=1e-9)
    assert not pts["severe_lymphopenia_1mo"].astype(bool).any()
    low = simulate_cohort("8Gy x1", n_patients=2, setting="patient", days=60, rng=0,
                          params={"alc0": 0.4, "alc0_sigma": 0.0})  # fmt: skip
    assert low.patients["severe_lymphopenia_1mo"].astype(bool).all()
    assert low.patients["alc_3mo"].isna().all()


def test_tumour_results_do_not_depend_on_the_blood_parameters():
    """The blood count does not feed the T-cell dynamics: other blood parameters and another
    baseline spread leave every tumour result bit-identical and change only the counts."""
    kw = dict(n_patients=16, setting="patient", days=200, rng=3)
    a = simulate_cohort("50.4Gy/28fx", **kw).patients
    b = simulate_cohort("50.4Gy/28fx", **kw, params={"blood_exposed": 0.6,
                        "blood_dose_share": 0.07, "alc0_sigma": 0.5}).patients  # fmt: skip
    alc_cols = ["alc_baseline", "alc_1mo", "alc_3mo", "severe_lymphopenia_1mo"]
    pd.testing.assert_frame_equal(a.drop(columns=alc_cols), b.drop(columns=alc_cols))
    assert (a["alc_1mo"] != b["alc_1mo"]).all()


@pytest.mark.parametrize(
    ("name", "value"),
    [("blood_exposed", 0.0), ("blood_exposed", 1.5), ("blood_dose_share", -0.01),
     ("blood_dose_share", 2.0), ("alc0_sigma", -0.1), ("alc0", 0.0)],
)  # fmt: skip
def test_blood_parameters_out_of_range_are_refused(name, value):
    with pytest.raises(ValidationError, match=name):
        parameters("patient", **{name: value})


def test_node_in_field_range_and_cli_flag(tmp_path):
    with pytest.raises(ValidationError, match="dln_in_field"):
        parameters("mouse", dln_in_field=1.5)
    r = CliRunner().invoke(app, ["simulate", "--schedule", "20Gy x1", "--setting", "mouse",
                                 "--patients", "8", "--node-in-field", "--out",
                                 str(tmp_path / "o"), "--quiet"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "dln_in_field = 1" in (tmp_path / "o" / "params_used.toml").read_text()
