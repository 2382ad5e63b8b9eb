"""The trial's Kaplan-Meier and cumulative incidence (``ifnexus.trial._km``) against references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from ifnexus.errors import IfnexusWarning
from ifnexus.outcome import cumulative_incidence, kaplan_meier
from ifnexus.trial._km import cif_at, km_at

Z = 1.959963984540054  # the standard normal's 97.5th percentile


def test_hand_computed_product_limit_and_greenwood_log_limits():
    # events at 1, 2 and 4, one censored at 3: S = 3/4, 1/2, 1/2, 0; Greenwood
    # Var(log S) = sum d / (n (n - d)): 1/12, then 1/12 + 1/6
    out = km_at(np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1], bool),
                np.array([0.5, 1, 2, 3, 4]), group="g")  # fmt: skip
    np.testing.assert_allclose(out["survival"], [1.0, 0.75, 0.5, 0.5, 0.0], rtol=1e-15)
    se1, se2 = math.sqrt(1 / 12), math.sqrt(1 / 12 + 1 / 6)
    np.testing.assert_allclose(out["lower"][1:4],
                               [0.75 * math.exp(-Z * se1), 0.5 * math.exp(-Z * se2),
                                0.5 * math.exp(-Z * se2)], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(out["upper"][1:4], [1.0, min(0.5 * math.exp(Z * se2), 1.0),
                                                   min(0.5 * math.exp(Z * se2), 1.0)], rtol=1e-12)  # fmt: skip
    assert out["lower"].iloc[4] == 0 and out["upper"].iloc[4] == 0  # S = 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_outcome_kaplan_meier_and_lifelines(seed):
    rng = np.random.default_rng(seed)
    n = 500
    # ties (times rounded to a month), censoring and a competing code 2 (censored here)
    df = pd.DataFrame({"time": np.round(rng.exponential(2.0, n) * 12) / 12 + 1e-9,
                       "event": rng.choice([0, 1, 2], n, p=[0.3, 0.5, 0.2]),
                       "arm": rng.choice(["a", "b"], n)})  # fmt: skip
    # monthly to 30 years: past every group's last follow-up (NaN there, with a warning)
    at = np.unique(np.r_[np.arange(0, 30 + 1e-9, 1 / 12), 2.0])
    with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
        ref = kaplan_meier(df, "time", "event", group_col="arm", times=at.tolist(), cause=1)
    for g in ("a", "b"):
        sub = df[df["arm"] == g]
        last = sub["time"].max()
        with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
            ours = km_at(sub["time"].to_numpy(), sub["event"].to_numpy() == 1, at, group=g)
        r = ref[ref["group"] == g].reset_index(drop=True)
        for col in ("time", "survival", "lower", "upper"):
            np.testing.assert_allclose(ours[col], r[col], rtol=1e-12, atol=0, equal_nan=True)
        kmf = KaplanMeierFitter().fit(sub["time"], sub["event"] == 1)
        inside = at[at <= last]
        assert inside.size < at.size and np.isnan(ours["survival"][inside.size :]).all()
        np.testing.assert_allclose(ours["survival"][: inside.size],
                                   kmf.survival_function_at_times(inside).to_numpy(), rtol=1e-12)  # fmt: skip


def test_cif_hand_computed():
    # cmprsk's example: times 1, 2, 2, 3, 4 with causes 1, 2, 1, censored, 1: the Aalen-Johansen
    # cumulative incidence of cause 1 is 1/5 after 1, 1/5 + (4/5)(1/4) = 2/5 after 2 (both
    # events at 2 enter together), and 2/5 + (2/5)(1/1) = 4/5 after 4
    out = cif_at(np.array([1.0, 2, 2, 3, 4]), np.array([1, 2, 1, 0, 1]), 1,
                 np.array([0.5, 1, 2, 3, 4]), group="g")  # fmt: skip
    np.testing.assert_allclose(out["cif"], [0.0, 0.2, 0.4, 0.4, 0.8], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(("seed", "cause"), [(1, 1), (2, 1), (3, 2)])
def test_cif_equals_outcome_cumulative_incidence(seed, cause):
    rng = np.random.default_rng(seed)
    n = 500
    df = pd.DataFrame({"time": np.round(rng.exponential(2.0, n) * 12) / 12 + 1e-9,
                       "event": rng.choice([0, 1, 2], n, p=[0.3, 0.5, 0.2]),
                       "arm": rng.choice(["a", "b"], n)})  # fmt: skip
    at = np.unique(np.r_[np.arange(0, 30 + 1e-9, 1 / 12), 2.0])
    with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
        ref = cumulative_incidence(df, "time", "event", cause=cause, group_col="arm",
                                   times=at.tolist(), event_codes=[0, 1, 2])  # fmt: skip
    for g in ("a", "b"):
        sub = df[df["arm"] == g]
        with pytest.warns(IfnexusWarning, match="beyond the last follow-up"):
            ours = cif_at(sub["time"].to_numpy(), sub["event"].to_numpy(), cause, at, group=g)
        r = ref[ref["group"] == g].reset_index(drop=True)
        for col in ("time", "cif", "lower", "upper"):
            np.testing.assert_array_equal(ours[col].to_numpy(), r[col].to_numpy())


def test_cif_without_events_of_the_cause_warns_and_is_zero():
    with pytest.warns(IfnexusWarning, match="no events of cause 1"):
        out = cif_at(np.array([1.0, 2.0]), np.array([2, 0]), 1, np.array([0.0, 1.5]), group="g")
    assert out["cif"].tolist() == [0.0, 0.0]
