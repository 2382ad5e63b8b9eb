"""Kaplan-Meier vs R survival 3.5-3 summary(survfit(...), times=) (R_reference_output.txt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus._errors import IfnexusWarning, ValidationError
from ifnexus.outcome import kaplan_meier, median_survival


def test_rossi_km_matches_r(shared):
    r = pd.read_csv(shared("reference", "survival", "rossi.csv"))
    res = kaplan_meier(r, "week", "arrest", times=[10, 20, 30, 40, 52])
    assert res["n_risk"].tolist() == [418, 397, 374, 351, 322]
    np.testing.assert_allclose(
        res["survival"],
        [0.9652777778, 0.9074074074, 0.8611111111, 0.8032407407, 0.7361111111],
        atol=1e-9,
    )
    np.testing.assert_allclose(
        res["std_err"],
        [0.008808217636, 0.013945927687, 0.016638779825, 0.019127075847, 0.021205101981],
        atol=1e-10,
    )
    np.testing.assert_allclose(
        res["lower"],
        [0.9481674518, 0.8804814677, 0.8291094982, 0.7666137264, 0.6957013868],
        atol=1e-9,
    )
    np.testing.assert_allclose(
        res["upper"],
        [0.9826968712, 0.9351567673, 0.8943479086, 0.8416177083, 0.7788680290],
        atol=1e-9,
    )


def test_lung_km_and_median_match_r(shared):
    lung = pd.read_csv(shared("reference", "survival", "lung.csv"))
    res = kaplan_meier(lung, "time", "status", times=[100, 200, 365, 500, 730])
    assert res["n_risk"].tolist() == [196, 144, 65, 41, 13]
    np.testing.assert_allclose(
        res["survival"],
        [0.8639689676, 0.6802728622, 0.4092416245, 0.2932691937, 0.1156930983],
        atol=1e-9,
    )
    np.testing.assert_allclose(
        res["lower"],
        [0.82058489208, 0.62190715026, 0.34472158180, 0.23198213826, 0.07163182496],
        atol=1e-9,
    )
    med = median_survival(lung, "time", "status")
    assert med["median"].iloc[0] == 310


def test_conf_types_against_lifelines(shared):
    from lifelines import KaplanMeierFitter

    r = pd.read_csv(shared("reference", "survival", "rossi.csv"))
    res = kaplan_meier(r, "week", "arrest", conf_type="log-log")
    kmf = KaplanMeierFitter().fit(r["week"], r["arrest"])
    ci = kmf.confidence_interval_.loc[res["time"]]
    np.testing.assert_allclose(res["lower"], ci.iloc[:, 0], atol=1e-9)
    np.testing.assert_allclose(res["upper"], ci.iloc[:, 1], atol=1e-9)


def test_groups_and_bad_input():
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 0, 1, 1, 0, 1], "g": list("aabbab")})
    res = kaplan_meier(d, "t", "e", group_col="g")
    assert set(res["group"]) == {"a", "b"}
    # closed form, group a: times 1 (event, 3 at risk), 2 (censored), 5 (censored)
    assert res.loc[(res["group"] == "a") & (res["time"] == 1), "survival"].iloc[0] == pytest.approx(
        2 / 3
    )
    with pytest.raises(ValidationError, match="several event codes"):
        kaplan_meier(d.assign(e=[1, 2, 0, 1, 2, 0]), "t", "e")
    with pytest.raises(ValidationError, match="not found"):
        kaplan_meier(d, "time", "e")
    with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
        out = kaplan_meier(d, "t", "e", times=[100])
    assert np.isnan(out["survival"].iloc[0])
