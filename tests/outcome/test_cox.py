"""Cox PH vs R coxph (Efron) and cox.zph (survival 3.5-3) from R_reference_output.txt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.outcome import CoxModel

ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
R_COEF = [
    -0.37942216649,
    -0.05743774268,
    0.31389978784,
    -0.14979569767,
    -0.43370387794,
    -0.08487108250,
    0.09149708099,
]
R_SE = [
    0.19137948071,
    0.02199947060,
    0.30799277656,
    0.21222429625,
    0.38186805767,
    0.19575667191,
    0.02864854996,
]


@pytest.fixture
def rossi(shared):
    return pd.read_csv(shared("reference", "survival", "rossi.csv"))


def test_rossi_matches_coxph(rossi):
    m = CoxModel().fit(rossi, "week", "arrest", covariates=ROSSI)
    np.testing.assert_allclose(m.coef_[ROSSI], R_COEF, atol=1e-7)
    np.testing.assert_allclose(m.se_[ROSSI], R_SE, atol=1e-7)
    assert m.loglik_ == pytest.approx(-658.7476594, abs=1e-6)
    assert m.loglik_null_ == pytest.approx(-675.3806323, abs=1e-6)
    assert m.concordance_ == pytest.approx(0.64032924710, abs=1e-8)
    assert m.log_likelihood_ratio_test["statistic"] == pytest.approx(33.26594580, abs=1e-6)


def test_rossi_cox_zph_matches_r(rossi, r_table):
    want = r_table("## rossi cox.zph")  # print(cox.zph(f, transform="km"))
    m = CoxModel().fit(rossi, "week", "arrest", covariates=ROSSI)
    z = m.ph_test("km")
    assert list(z.index) == list(want.index) == ROSSI + ["GLOBAL"]
    np.testing.assert_allclose(z["chisq"], want["chisq"], atol=1e-6)
    np.testing.assert_allclose(z["p"], want["p"], atol=1e-6)
    assert z["df"].tolist() == want["df"].tolist()


def test_lung_matches_coxph(shared):
    lung = pd.read_csv(shared("reference", "survival", "lung.csv"))
    m = CoxModel().fit(lung, "time", "status", covariates=["age", "sex"])
    np.testing.assert_allclose(m.coef_, [0.01704533185, -0.51321851711], atol=1e-7)
    np.testing.assert_allclose(m.se_, [0.009223273477, 0.167457962356], atol=1e-7)


def test_gbsg2_categorical_encoding_matches_coxph():
    from lifelines.datasets import load_gbsg2

    g = load_gbsg2()
    covs = ["horTh", "age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec"]
    m = CoxModel().fit(
        g, "time", "cens", covariates=covs, categorical=["horTh", "menostat", "tgrade"]
    )
    want = {"horTh[yes]": -0.3462784276233, "age": -0.0094592389133, "menostat[Pre]": -0.2584448408661,
            "tsize": 0.0077960838520, "tgrade[II]": 0.6361117045524, "tgrade[III]": 0.7796542428559,
            "pnodes": 0.0487886003548, "progrec": -0.0022172356806, "estrec": 0.0001973107109}  # fmt: skip
    for k, v in want.items():
        assert m.coef_[k] == pytest.approx(v, abs=1e-6)


def test_cause_specific_and_bad_input(rossi):
    d = rossi.assign(code=np.where(rossi["arrest"] == 1, np.where(rossi["prio"] > 3, 2, 1), 0))
    with pytest.raises(ValidationError, match="several event codes"):
        CoxModel().fit(d, "week", "code", covariates=["fin"])
    m = CoxModel().fit(d, "week", "code", cause=1, covariates=["fin", "age"])
    assert m.n_events_ == int((d["code"] == 1).sum())
    with pytest.raises(ValidationError, match="constant"):
        CoxModel().fit(rossi.assign(k=3), "week", "arrest", covariates=["fin", "k"])
    with pytest.raises(ValidationError, match="collinear"):
        CoxModel().fit(rossi.assign(a=rossi["age"] * 2), "week", "arrest", covariates=["age", "a"])
    with pytest.raises(ValidationError, match="no events of interest"):
        CoxModel().fit(rossi.assign(b=1 - rossi["arrest"]), "week", "arrest", covariates=["b"])
    d2 = rossi.assign(week=rossi["week"].astype(float))
    d2.loc[2, "week"] = -3
    with pytest.raises(ValidationError, match="negative"):
        CoxModel().fit(d2, "week", "arrest", covariates=["fin"])
    sep = pd.DataFrame({"t": np.arange(1.0, 31), "e": 1, "x": -np.arange(1.0, 31)})
    with pytest.raises(ConvergenceError):
        CoxModel().fit(sep, "t", "e", covariates=["x"])
