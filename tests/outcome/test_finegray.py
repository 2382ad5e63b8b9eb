"""Fine-Gray regression against R cmprsk 2.2-11 crr: lymph_node_cr (R_reference_output.txt) and
the seeded tied-time cohort tests/outcome/data/cr_synth.csv (ref_cr_synth.R -> ref_cr_synth.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.outcome import FineGrayFitter

DATA = Path(__file__).parent / "data"
COVS = ["hormone", "age", "size", "nodes"]
# summary(crr(ftime, status, cbind(hormone, age, size, nodes), failcode=1))$coef
R_COEF = [-0.378047528876, -0.004434302381, 0.004988477603, 0.050429003407]
R_SE = [0.135939802375, 0.006715187464, 0.004475357390, 0.011108506287]


@pytest.fixture
def lymph(shared):
    return pd.read_csv(shared("reference", "survival", "lymph_node_cr.csv"))


@pytest.fixture(scope="module")
def synth():
    return pd.read_csv(DATA / "cr_synth.csv")


@pytest.fixture(scope="module")
def ref():
    r = pd.read_csv(DATA / "ref_cr_synth.csv", dtype={"key": str}, keep_default_na=False)
    return {(w, k): v for w, k, v in r.itertuples(index=False)}


def test_lymph_node_matches_crr(lymph):
    f = FineGrayFitter().fit(lymph, "ftime", "status", cause=1, covariates=COVS)
    np.testing.assert_allclose(f.coef_[COVS], R_COEF, atol=1e-7)
    np.testing.assert_allclose(f.se_[COVS], R_SE, atol=1e-7)
    s = f.summary
    assert list(s.columns) == ["coef", "exp_coef", "se", "z", "p", "lower", "upper"]
    # summary.crr p-value of hormone 5.4193e-03
    assert abs(s.loc["hormone", "p"] - 5.4193e-03) < 1e-7


def test_synthetic_ties_match_crr_with_dummies_and_prediction(synth, ref):
    d = synth.copy()
    f = FineGrayFitter().fit(d, "time", "status", cause=1, covariates=["x1", "x2", "grp"],
                             categorical=["grp"])  # fmt: skip
    names = {"x1": "x1", "x2": "x2", "grp[B]": "grpB", "grp[C]": "grpC"}
    for ours, r in names.items():
        assert abs(f.coef_[ours] - ref[("crr_coef", r)]) < 1e-7
        assert abs(f.se_[ours] - ref[("crr_se", r)]) < 1e-7
    assert abs(f.loglik_ - ref[("crr_loglik", "model")]) < 1e-6
    assert abs(f.loglik_null_ - ref[("crr_loglik", "null")]) < 1e-6
    pred = f.predict_cumulative_incidence(
        {"x1": 0.5, "x2": 1, "grp[B]": 0, "grp[C]": 1}, [3, 7, 12, 20]
    )
    want = [ref[("crr_predict", str(t))] for t in (3, 7, 12, 20)]
    np.testing.assert_allclose(pred["cif"], want, atol=1e-8)
    pd.testing.assert_frame_equal(d, synth)  # input untouched


def test_censoring_groups_match_crr(synth, ref):
    d = synth.assign(
        grpB=(synth["grp"] == "B").astype(float), grpC=(synth["grp"] == "C").astype(float)
    )
    f = FineGrayFitter().fit(d, "time", "status", cause=2, covariates=["x1", "x2", "grpB", "grpC"],
                             cengroup_col="cengrp")  # fmt: skip
    for v in ["x1", "x2", "grpB", "grpC"]:
        assert abs(f.coef_[v] - ref[("crr_cengroup_coef", v)]) < 1e-7
        assert abs(f.se_[v] - ref[("crr_cengroup_se", v)]) < 1e-7


def test_no_competing_events_equals_breslow_cox():
    # without competing events the Fine-Gray partial likelihood is Cox's with Breslow ties;
    # R coxph(Surv(week, arrest) ~ fin + age + prio, ties="breslow") is not in the reference, so
    # compare against lifelines' Cox on untied data (Efron = Breslow without ties).
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(5)
    n = 300
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.integers(0, 2, n)})
    d["t"] = rng.exponential(np.exp(-0.5 * d["x"] - 0.3 * d["z"]))
    d["e"] = (rng.uniform(size=n) < 0.7).astype(int)
    f = FineGrayFitter().fit(d, "t", "e", cause=1, covariates=["x", "z"])
    c = CoxPHFitter().fit(d, "t", "e")
    np.testing.assert_allclose(
        f.coef_[["x", "z"]], c.params_[["x", "z"]], atol=1e-6
    )  # lifelines tol
    np.testing.assert_allclose(
        np.sqrt(np.diag(f.naive_var_)), c.standard_errors_[["x", "z"]], rtol=1e-6
    )


def test_bad_covariates(lymph):
    f = FineGrayFitter()
    with pytest.raises(ValidationError, match="constant"):
        f.fit(lymph.assign(k=1.0), "ftime", "status", covariates=["age", "k"])
    with pytest.raises(ValidationError, match="collinear"):
        f.fit(
            lymph.assign(a2=2 * lymph["age"] + 1),
            "ftime",
            "status",
            covariates=["age", "a2", "size"],
        )
    with pytest.raises(ValidationError, match="not numeric.*categorical"):
        f.fit(
            lymph.assign(s=np.where(lymph["size"] > 20, "big", "small")),
            "ftime",
            "status",
            covariates=["s"],
        )
    with pytest.raises(ValidationError, match="no events of interest"):
        f.fit(
            lymph.assign(b=(lymph["status"] != 1).astype(int)), "ftime", "status", covariates=["b"]
        )
    with pytest.raises(ValidationError, match="not fitted"):
        _ = FineGrayFitter().summary


def test_missing_covariate_rows_dropped_with_warning(lymph):
    d = lymph.astype({"age": float})
    d.loc[[0, 5], "age"] = np.nan
    with pytest.warns(UserWarning, match="2 rows"):
        f = FineGrayFitter().fit(d, "ftime", "status", covariates=COVS)
    assert f.n_ == len(d) - 2


def test_separation_raises():
    # every failure has the largest x of its risk set: the likelihood grows without bound
    d = pd.DataFrame({"t": np.arange(1.0, 41), "e": [1, 0, 1, 1] * 10})
    d["x"] = -d["t"]
    with pytest.raises(ConvergenceError):
        FineGrayFitter().fit(d, "t", "e", covariates=["x"])
