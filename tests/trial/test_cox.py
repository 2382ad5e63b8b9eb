"""The trial's one-covariate Cox fit (Efron ties) against lifelines and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from scipy import stats

from ifnexus.trial._cox import binary_cox
from ifnexus.trial._run import cox_hazard_ratio


def _data(seed: int, n: int, log_hr: float, decimals: int) -> pd.DataFrame:
    """Exponential times with hazard exp(log_hr * group), uniform censoring; rounded: ties."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t = rng.exponential(1.0 / np.exp(log_hr * g))
    c = rng.uniform(0.2, 2.5, n)
    e = (t <= c).astype(int)
    obs = np.round(np.minimum(t, c), decimals) + 10.0**-decimals
    return pd.DataFrame({"t": obs, "e": e, "g": g})


@pytest.mark.parametrize(("seed", "n", "log_hr", "decimals"),
                         [(1, 300, 0.7, 1), (2, 500, -0.6, 1), (3, 200, 0.9, 2),
                          (4, 800, -0.8, 0), (5, 150, 1.2, 3)])  # fmt: skip
def test_equals_lifelines_with_ties_and_censoring(seed, n, log_hr, decimals):
    df = _data(seed, n, log_hr, decimals)
    assert df["t"].duplicated().any() and (df["e"] == 0).any()  # ties and censoring present
    cph = CoxPHFitter().fit(df, "t", "e", fit_options={"precision": 1e-12, "r_precision": 1e-12})
    ref = cph.summary.loc["g"]
    got = binary_cox(df["t"].to_numpy(), df["e"].to_numpy(), df["g"].to_numpy())
    rel = 1e-6
    assert got["coef"] == pytest.approx(ref["coef"], rel=rel)
    assert got["se"] == pytest.approx(ref["se(coef)"], rel=rel)
    assert got["hr"] == pytest.approx(ref["exp(coef)"], rel=rel)
    assert got["hr_lower"] == pytest.approx(ref["exp(coef) lower 95%"], rel=rel)
    assert got["hr_upper"] == pytest.approx(ref["exp(coef) upper 95%"], rel=rel)
    # lifelines stops a little before the maximum (score ~5e-6 at its estimate on seed 1, ours
    # ~1e-14); a p of 1e-5 moves by z^2 * dcoef / coef, so p agrees to 1e-5 relative
    assert got["p_value"] == pytest.approx(ref["p"], rel=1e-5)


def test_closed_form_without_ties():
    # group 1 fails at t=1 (risk: two per group), group 0 at t=2 (risk: one g0 + one g1 +
    # the failing g0), two censored at 3. Score 1/(1+r) - r/(2+r) = 0 gives r^2 = 2.
    t = np.array([1.0, 2.0, 3.0, 3.0])
    e = np.array([1, 1, 0, 0])
    g = np.array([1, 0, 1, 0])
    got = binary_cox(t, e, g)
    r = math.sqrt(2.0)
    info = r / (1 + r) ** 2 + 2 * r / (2 + r) ** 2
    se = 1 / math.sqrt(info)
    assert got["hr"] == pytest.approx(r, rel=1e-12)
    assert got["se"] == pytest.approx(se, rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert got["hr_lower"] == pytest.approx(r * math.exp(-z * se), rel=1e-12)
    assert got["p_value"] == pytest.approx(2 * stats.norm.sf(math.log(r) / se), rel=1e-10)


def test_closed_form_efron_tie():
    # one failure per group tied at t=1, one censored per group at 2: by symmetry HR = 1; Efron
    # information m(1-m) over the two terms: m = 1/2 both times -> 1/2, so se = sqrt(2).
    got = binary_cox(np.array([1.0, 1.0, 2.0, 2.0]), np.array([1, 1, 0, 0]),
                     np.array([1, 0, 1, 0]))  # fmt: skip
    assert got["hr"] == pytest.approx(1.0, abs=1e-12)
    assert got["se"] == pytest.approx(math.sqrt(2.0), rel=1e-12)
    assert got["p_value"] == pytest.approx(1.0, abs=1e-12)


def test_no_event_in_one_group_gives_nan():
    got = binary_cox(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0]),
                     np.array([1, 1, 0, 0]))  # fmt: skip
    assert all(math.isnan(v) for v in got.values())


def test_trial_hazard_ratio_is_cause_specific_and_equals_lifelines():
    # codes as in a trial: 1 local failure, 2 death (censors the failure), 0 censored
    rng = np.random.default_rng(7)
    n = 600
    g = rng.integers(0, 2, n)
    t_fail = rng.exponential(1.0 / np.exp(-0.5 * g))
    t_death = rng.exponential(4.0, n)
    t = np.minimum.reduce([t_fail, t_death, np.full(n, 2.0)])
    event = np.where(t == t_fail, 1, np.where(t == t_death, 2, 0))
    df = pd.DataFrame({"time": t, "event": event, "experimental": g})
    got = cox_hazard_ratio(df)
    cph = CoxPHFitter().fit(df.assign(e=(event == 1).astype(int))[["time", "e", "experimental"]],
                            "time", "e", fit_options={"precision": 1e-12, "r_precision": 1e-12})  # fmt: skip
    ref = cph.summary.loc["experimental"]
    assert got["hr"] == pytest.approx(ref["exp(coef)"], rel=1e-6)
    assert got["hr_upper"] == pytest.approx(ref["exp(coef) upper 95%"], rel=1e-6)
    assert got["p_value"] == pytest.approx(ref["p"], rel=1e-5)
    assert math.isnan(cox_hazard_ratio(df.assign(event=0))["hr"])
