"""Growth fits on synthetic studies with known truth: recovery, profile intervals, posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.fit import Arm, fit_growth, simulate_growth_study, vpc_table

TRUTH = {"r": 0.25, "n0": 2e7}
OMEGA_N0 = 0.3
SIGMA = 0.1


@pytest.fixture(scope="module")
def study():
    # one untreated arm: 8 animals, 8 caliper measurements each (days 0-21)
    return simulate_growth_study([Arm("ctrl", "none")], animals=8, days=range(0, 22, 3),
                                 params=TRUTH, omega={"n0": OMEGA_N0}, sigma=SIGMA, rng=11)  # fmt: skip


@pytest.fixture(scope="module")
def fit(study):
    return fit_growth(study, free=("r", "n0"), random=("n0",), posterior=False)


def test_recovery_of_known_parameters(fit):
    est = fit.estimates.set_index("parameter")["estimate"]
    assert fit.converged
    # growth rate: 64 log-volumes with SD 0.1 over 21 days pin r to about 1% (SE ~ 0.1 /
    # (21 * sqrt(64 / 12)) ~ 0.002 /d on the log scale): 5% tolerance
    assert est["r"] == pytest.approx(TRUTH["r"], rel=0.05)
    # median size at day 0: the mean of 8 animals' log sizes, SE ~ 0.3 / sqrt(8) = 0.11:
    # 3.3 SE on the log scale
    assert abs(np.log(est["n0"] / TRUTH["n0"])) < 0.35
    # SDs: omega from 8 animals has a relative SE of about 1 / sqrt(2 * 8) = 25%; sigma from
    # 56 within-animal residuals about 10%: three SEs each
    assert est["omega_n0"] == pytest.approx(OMEGA_N0, rel=0.75)
    assert est["sigma"] == pytest.approx(SIGMA, rel=0.3)


def test_profile_intervals_contain_the_truth(fit):
    e = fit.estimates.set_index("parameter")
    for name, true in TRUTH.items():
        lo, hi = e.loc[name, "profile_lower"], e.loc[name, "profile_upper"]
        assert lo < e.loc[name, "estimate"] < hi
        assert lo < true < hi, (name, lo, hi)
    # a profile point at the interval end sits at the chi-square threshold (2.706)
    prof = fit.profiles[fit.profiles["parameter"] == "r"]
    assert prof["delta"].max() >= 2.6


def test_predictions_and_vpc_tables(fit, study):
    pred = fit.predictions()
    assert len(pred) == len(study.table)
    # individual fits follow the data to within the residual SD on average
    resid = np.log(pred["volume"] / pred["individual"])
    assert abs(resid.mean()) < 0.05 and resid.std() < 2 * SIGMA
    vpc = vpc_table(fit, replicates=50, rng=0)
    assert set(vpc["day"]) == set(study.table["day"])
    inside = (vpc["obs_median"] > vpc["sim_lower"]) & (vpc["obs_median"] < vpc["sim_upper"])
    assert inside.all()


def test_posterior_is_seeded_and_tidy(study):
    kw = dict(free=("r",), random=(), profile_params=(), steps=30, walkers=8)
    a = fit_growth(study, rng=5, **kw)
    b = fit_growth(study, rng=5, **kw)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert list(a.draws.columns) == ["walker", "step", "parameter", "value"]
    assert set(a.draws["parameter"]) == {"r", "sigma"}
    assert len(a.draws) == 8 * 15 * 2  # walkers x kept steps x quantities
    post = a.diagnostics["posterior"]
    assert set(post["rhat"]) == {"r", "sigma"} and post["steps"] == 30
    # the posterior median of r sits by the MLE (flat prior at this scale, 64 observations)
    e = a.estimates.set_index("parameter")
    assert e.loc["r", "posterior_median"] == pytest.approx(e.loc["r", "estimate"], rel=0.02)
