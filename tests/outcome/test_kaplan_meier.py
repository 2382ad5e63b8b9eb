"""Kaplan-Meier vs R survival 3.5-3 summary(survfit(...), times=), read from R_reference_output.txt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.outcome import kaplan_meier, median_survival


@pytest.mark.parametrize(
    ("data", "time", "event", "marker"),
    [
        ("rossi.csv", "week", "arrest", "## rossi KM at weeks"),
        ("lung.csv", "time", "status", "lung KM median"),
    ],
)
def test_km_matches_r_summary(shared, r_table, data, time, event, marker):
    want = r_table(marker)  # summary(survfit(...), times=)
    d = pd.read_csv(shared("reference", "survival", data))
    res = kaplan_meier(d, time, event, times=want["time"])
    assert res["n_risk"].tolist() == want["n.risk"].tolist()
    for ours, r in [("survival", "surv"), ("std_err", "std.err"), ("lower", "lower"),
                    ("upper", "upper")]:  # fmt: skip
        np.testing.assert_allclose(res[ours], want[r], atol=1e-9, err_msg=ours)


def test_lung_median_matches_r(shared):
    lung = pd.read_csv(shared("reference", "survival", "lung.csv"))
    med = median_survival(lung, "time", "status")
    assert med["median"].iloc[0] == 310  # R: summary(survfit(...))$table["median"]


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
