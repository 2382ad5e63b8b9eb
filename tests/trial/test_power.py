"""Sample size: Schoenfeld and Freedman closed forms, Simpson's event probability, simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from ifnexus.errors import ValidationError
from ifnexus.trial import (
    event_probability,
    freedman_sample_size,
    schoenfeld_events,
    simulated_power,
)

Z = norm.ppf(0.975) + norm.ppf(0.8)  # 1.959964 + 0.841621


def test_schoenfeld_closed_form():
    # Schoenfeld 1983: d = (z_a/2 + z_b)^2 / (p (1 - p) log(HR)^2); 1:1, HR 0.5 -> 65.3 events
    assert schoenfeld_events(0.5) == pytest.approx(4 * Z**2 / math.log(2) ** 2)
    assert schoenfeld_events(0.5) == pytest.approx(65.3, abs=0.05)
    # symmetric in HR <-> 1/HR; 2:1 allocation needs 9/8 as many events as 1:1
    assert schoenfeld_events(2.0) == pytest.approx(schoenfeld_events(0.5))
    assert schoenfeld_events(0.5, allocation=2 / 3) == pytest.approx(
        schoenfeld_events(0.5) * 0.25 / (2 / 9)
    )
    # one-sided alpha 0.025 equals two-sided 0.05
    assert schoenfeld_events(0.7, alpha=0.025, sides=1) == pytest.approx(schoenfeld_events(0.7))


def test_freedman_matches_powerSurvEpi_example():
    # powerSurvEpi::ssizeCT.default example (Rosner 2006, Example 14.42):
    # power 0.8, k 1, pE 0.3707, pC 0.4890, RR 0.7 -> m = (1.7/0.3)^2 Z^2 = 252.0 events,
    # nE = nC = m / (pE + pC) = 293.2, rounded up to 294
    r = freedman_sample_size(0.7, 0.3707, 0.4890)
    assert r["events"] == pytest.approx((1.7 / 0.3) ** 2 * Z**2)
    assert r["events"] == pytest.approx(252.0, abs=0.1)
    assert (r["n_experimental"], r["n_reference"], r["n_total"]) == (294, 294, 588)
    # Freedman's events for HR 2, 1:1: 9 Z^2 = 70.6 (more than Schoenfeld's 65.3)
    assert freedman_sample_size(2.0, 0.5, 0.5)["events"] == pytest.approx(9 * Z**2)


def test_event_probability_simpson_against_the_exact_integral():
    lam, a, f = 0.3, 3.0, 2.0

    def cdf(t):
        return 1 - np.exp(-lam * np.asarray(t))

    # exact: mean over entry times of F(f + a - e), e ~ U(0, a)
    exact = 1 - (np.exp(-lam * f) - np.exp(-lam * (f + a))) / (lam * a)
    assert event_probability(cdf, a, f) == pytest.approx(exact, abs=2e-3)
    assert event_probability(cdf, 0.0, 5.0) == pytest.approx(1 - math.exp(-1.5))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"power": 1.0}, "power must be in"),
        ({"power": 0.0}, "power must be in"),
        ({"alpha": 1.5}, "alpha must be in"),
        ({"allocation": 0}, "allocation must be in"),
        ({"sides": 3}, "sides"),
    ],
)
def test_bad_power_arguments(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        schoenfeld_events(0.5, **kwargs)


def test_hazard_ratio_of_one_has_no_sample_size():
    with pytest.raises(ValidationError, match="hazard ratio"):
        schoenfeld_events(1.0)


def _exponential_arm(rate: float, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "time_to_failure": rng.exponential(1 / rate, n),
        "time_to_death": np.full(n, np.inf),
        "followup": np.full(n, 10.0),
    })  # fmt: skip


def test_simulated_power_matches_the_design_power_with_known_hazards():
    # exponential failures, HR 0.5, no accrual, 4 years of follow-up: Schoenfeld's events and the
    # probability of an event give the trial size for 80% power; the simulated trials of that
    # size reject in about 80% of runs (known truth, binomial tolerance)
    ref, exp_ = _exponential_arm(0.3, 20000, 1), _exponential_arm(0.15, 20000, 2)
    p_event = 0.5 * (1 - math.exp(-0.3 * 4)) + 0.5 * (1 - math.exp(-0.15 * 4))
    n = math.ceil(schoenfeld_events(0.5) / p_event)
    r = simulated_power(ref, exp_, n, accrual=0.0, followup=4.0, simulations=300, rng=3)
    assert r["power"] == pytest.approx(0.8, abs=3 * math.sqrt(0.16 / 300) + 0.03)


def test_simulated_type_one_error_is_alpha():
    ref, other = _exponential_arm(0.3, 20000, 1), _exponential_arm(0.3, 20000, 2)
    r = simulated_power(ref, other, 200, accrual=2.0, followup=2.0, simulations=400, rng=4)
    assert r["power"] == pytest.approx(0.05, abs=3 * math.sqrt(0.05 * 0.95 / 400))


def test_simulation_is_seeded_and_checks_the_horizon():
    ref, exp_ = _exponential_arm(0.3, 500, 1), _exponential_arm(0.15, 500, 2)
    a = simulated_power(ref, exp_, 60, accrual=1.0, followup=1.0, simulations=30, rng=7)
    b = simulated_power(ref, exp_, 60, accrual=1.0, followup=1.0, simulations=30, rng=7)
    assert a == b
    with pytest.raises(ValidationError, match="follow-up"):
        simulated_power(ref, exp_, 60, accrual=8.0, followup=4.0, simulations=30)
