"""Issue 15 item 2: ablative single fractions run, and one non-finite tumour never aborts a cohort."""

from __future__ import annotations

import numpy as np
import pytest

import ifnexus.model._cohort as cohort_mod
from ifnexus.errors import ConvergenceError
from ifnexus.model import simulate_cohort

_OUTCOMES = ["tcp", "ifn_auc_30d", "log10_clonogens_min", "clonogens_end", "burden_end"]


@pytest.mark.parametrize("dose", [24.0, 30.0, 50.0, 100.0])
def test_single_ablative_dose_runs_finite(dose):
    r = simulate_cohort(f"{dose:g}Gy x1", n_patients=200, rng=3)
    df = r.patients
    assert not df["numerical_failure"].any()
    assert np.isfinite(df[_OUTCOMES].to_numpy()).all()
    assert ((df["tcp"] >= 0) & (df["tcp"] <= 1)).all()
    d = r.to_dict()
    assert d["n_numerical_failure"] == 0 and np.isfinite(d["local_control"])


def test_100gy_controls_every_tumour():
    """exp(-alpha 100 - beta 100^2) leaves no clonogen of any tumour: all controlled."""
    df = simulate_cohort("100Gy x1", n_patients=200, rng=4).patients
    assert df["local_control"].all()
    assert np.allclose(df["tcp"], 1.0)


def test_mouse_setting_ablative_dose():
    df = simulate_cohort("50Gy x1", setting="mouse", n_patients=100, rng=5).patients
    assert not df["numerical_failure"].any() and np.isfinite(df["tcp"]).all()


def test_local_control_monotone_in_single_dose():
    """LQ survival exp(-aD - bD^2) falls with D, so control (same tumours) cannot fall."""
    doses = [6, 10, 14, 18, 20, 24, 30, 40, 50, 60, 80, 100]
    lc, tcp = [], []
    for d in doses:
        df = simulate_cohort(f"{d}Gy x1", n_patients=300, rng=11).patients
        lc.append(df["local_control"].mean())
        tcp.append(df["tcp"].to_numpy())
    assert np.all(np.diff(lc) >= 0), lc
    # per tumour (common random numbers), TCP is non-decreasing in the dose
    assert np.all(np.diff(np.array(tcp), axis=0) >= -1e-12)
    assert lc[0] < 0.5 and lc[-1] == 1.0


def _corrupt(n_bad):
    real = cohort_mod.integrate

    def fake(*args, **kw):
        sol = real(*args, **kw)
        if kw.get("record_rows"):
            sol.z_end[16, :n_bad] = np.inf
        return sol

    return fake


def test_one_non_finite_tumour_is_flagged_not_fatal(monkeypatch, caplog):
    monkeypatch.setattr(cohort_mod, "integrate", _corrupt(1))
    r = simulate_cohort("50Gy/25fx", n_patients=50, rng=0)
    df = r.patients
    assert df["numerical_failure"].tolist() == [True] + [False] * 49
    assert df.loc[0, ["tcp", "time_to_failure"]].isna().all()
    assert not df.loc[0, "local_control"] and df.loc[0, "ifn_label"] == "unknown"
    assert np.isfinite(df.loc[1:, "tcp"]).all()
    d = r.to_dict()
    assert d["n_patients"] == 50 and d["n_numerical_failure"] == 1
    assert d["local_control"] == pytest.approx(df.loc[1:, "local_control"].mean())
    assert r.summary.loc["n_numerical_failure", "value"] == 1.0
    assert "numerical_failure" in caplog.text


def test_every_tumour_non_finite_is_an_error(monkeypatch):
    monkeypatch.setattr(cohort_mod, "integrate", _corrupt(10**9))
    with pytest.raises(ConvergenceError, match="non-finite"):
        simulate_cohort("50Gy/25fx", n_patients=20, rng=0)


def test_tcd50_leaves_flagged_tumours_out(monkeypatch):
    from ifnexus.model import tcd50

    monkeypatch.setattr(cohort_mod, "integrate", _corrupt(1))
    t = tcd50("0:40:10", setting="mouse", n_patients=20, rng=0).table
    assert (t["n"] == 19).all()
    assert np.isfinite(t[["tcp_mean", "local_control"]].to_numpy()).all()
