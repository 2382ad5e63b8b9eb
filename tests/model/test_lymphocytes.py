"""Lymphocyte radiobiology: circulating lymphocytes, the draining lymph node, lymphopenia and
recovery (issue #15 item 10).

References: closed forms of the model's lymphocyte equations (exponential survival with the
resting-T-cell D0 of Green et al. 1991, first-order recovery with half-time ln 2 / k_alc) and
published directions: more fractions of the same dose give deeper lymphopenia (the mechanism
of MacLennan et al. 1978; the panel checks their numbers), and irradiating the draining lymph
node, which holds the stem-like tumour-specific CD8+ T cells, weakens the T-cell response
(Buchwald et al. 2020 J Immunother Cancer 8:e000867).
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from ifnexus.cli import app
from ifnexus.errors import ValidationError
from ifnexus.model import parameters, simulate_cohort, tumour_model


def _at(df, t):
    i = int(np.argmin(np.abs(df["time"].to_numpy() - t)))
    return df.iloc[i], float(df["time"].iloc[i])


@pytest.mark.parametrize("setting", ["mouse", "patient"])
def test_one_fraction_then_recovery_is_the_closed_form(setting):
    """C(0+) = 1 - f_c (1 - exp(-d/D0_c)), then C(t) = 1 - (1 - C(0+)) exp(-k_alc t)."""
    p = parameters(setting)
    d = 8.0
    df = tumour_model("8Gy x1", setting=setting, days=120).simulate()
    c0 = 1.0 - p["f_circ"] * (1.0 - np.exp(-d / p["D0_c"]))
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


def test_same_dose_in_more_fractions_gives_deeper_lymphopenia():
    """Same 24 Gy in 5, 12 or 20 fractions: the count at the end of the course falls with the
    number of fractions (each fraction exposes another share of the circulating blood)."""
    ends = []
    for n in (5, 12, 20):
        df = tumour_model(f"24Gy/{n}fx", setting="patient", days=40).simulate()
        ends.append(df["alc"].min())
    assert ends[0] > ends[1] > ends[2]


def test_cohort_reports_absolute_counts():
    """alc_1mo / alc_3mo = alc0 x the closed form; severe lymphopenia below alc_severe; NaN
    beyond the follow-up."""
    p = parameters("patient")
    res = simulate_cohort("8Gy x1", n_patients=4, setting="patient", days=120, rng=0)
    pts = res.patients
    c0 = 1.0 - p["f_circ"] * (1.0 - np.exp(-8.0 / p["D0_c"]))
    for col, t in (("alc_1mo", 30.0), ("alc_3mo", 91.0)):
        expect = p["alc0"] * (1.0 - (1.0 - c0) * np.exp(-p["k_alc"] * t))
        np.testing.assert_allclose(pts[col], expect, rtol=1e-9)
    assert not pts["severe_lymphopenia_1mo"].astype(bool).any()
    low = simulate_cohort("8Gy x1", n_patients=2, setting="patient", days=60, rng=0,
                          params={"alc0": 0.4})  # fmt: skip
    assert low.patients["severe_lymphopenia_1mo"].astype(bool).all()
    assert low.patients["alc_3mo"].isna().all()


def test_node_in_field_range_and_cli_flag(tmp_path):
    with pytest.raises(ValidationError, match="dln_in_field"):
        parameters("mouse", dln_in_field=1.5)
    r = CliRunner().invoke(app, ["simulate", "--schedule", "20Gy x1", "--setting", "mouse",
                                 "--patients", "8", "--node-in-field", "--out",
                                 str(tmp_path / "o"), "--quiet"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "dln_in_field = 1" in (tmp_path / "o" / "params_used.toml").read_text()
