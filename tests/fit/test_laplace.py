"""The Laplace (FOCE-I) objective and the profile search against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ifnexus.fit._growth import profile
from ifnexus.fit._laplace import Group, LaplaceObjective
from ifnexus.fit._sampler import split_rhat as _split_rhat


def _linear_group(y: np.ndarray) -> Group:
    # log y_ij = mu + eta_i + e_ij: linear in eta, so the Laplace approximation is exact
    def predict(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
        shift = eta[:, :1] if eta.shape[1] else 0.0
        return theta[0] + shift + np.zeros((eta.shape[0], y.shape[1]))

    return Group(y, predict)


def _exact(y: np.ndarray, mu: float, omega: float, sigma: float) -> float:
    """-2 log L of the random-intercept model: y_i ~ N(mu 1, sigma^2 I + omega^2 11')."""
    total = 0.0
    for row in y:
        obs = row[np.isfinite(row)]
        m = obs.size
        cov = sigma**2 * np.eye(m) + omega**2 * np.ones((m, m))
        total += stats.multivariate_normal(np.full(m, mu), cov).logpdf(obs)
    return -2.0 * total


def test_random_intercept_matches_the_marginal_normal():
    rng = np.random.default_rng(1)
    y = 1.0 + 0.5 * rng.standard_normal((6, 1)) + 0.2 * rng.standard_normal((6, 5))
    y[2, 1] = np.nan  # an animal with a missing day
    y[4, 3:] = np.nan
    obj = LaplaceObjective([_linear_group(y)], 1)
    for mu, om, sg in [(1.0, 0.5, 0.2), (0.7, 0.1, 0.4), (1.5, 1.3, 0.05)]:
        got = obj(np.array([mu]), np.array([om]), sg)
        assert got == pytest.approx(_exact(y, mu, om, sg), rel=1e-7, abs=1e-6)


def test_no_random_effects_is_the_normal_likelihood():
    y = np.array([[0.1, 0.3, np.nan], [0.2, -0.1, 0.4]])
    obj = LaplaceObjective([_linear_group(y)], 0)
    got = obj(np.array([0.2]), np.zeros(0), 0.3)
    obs = y[np.isfinite(y)]
    assert got == pytest.approx(-2 * stats.norm(0.2, 0.3).logpdf(obs).sum(), rel=1e-12)


def test_profile_interval_of_a_quadratic():
    # f = (x - a)' S^-1 (x - a): the profile of x_i is (x_i - a_i)^2 / S_ii, so the 90%
    # interval is a_i +- sqrt(chi2_1(0.9) S_ii)
    a = np.array([0.3, -1.0, 2.0])
    S = np.array([[0.5, 0.2, 0.1], [0.2, 0.3, 0.05], [0.1, 0.05, 0.2]])
    Si = np.linalg.inv(S)

    def f(x: np.ndarray) -> float:
        d = x - a
        return float(d @ Si @ d)

    bounds = [(-10.0, 10.0)] * 3
    half = np.sqrt(stats.chi2.ppf(0.9, 1) * np.diag(S))
    for i in range(3):
        lo, hi, pts = profile(f, a.copy(), 0.0, i, bounds, level=0.9, scale=0.2)
        assert lo == pytest.approx(a[i] - half[i], abs=0.01)
        assert hi == pytest.approx(a[i] + half[i], abs=0.01)
        assert len(pts) >= 3


def test_profile_open_side_at_a_bound():
    # a flat direction never reaches the threshold: that side stays open (inf)
    def f(x: np.ndarray) -> float:
        return float(x[0] ** 2 + 0.0 * x[1])

    lo, hi, _ = profile(f, np.zeros(2), 0.0, 1, [(-3.0, 3.0), (-1.0, 1.0)], level=0.9)
    assert lo == -np.inf and hi == np.inf


def test_split_rhat_near_one_for_one_distribution_and_large_for_apart_chains():
    rng = np.random.default_rng(0)
    same = rng.standard_normal((8, 2000, 2))
    assert np.all(np.abs(_split_rhat(same) - 1.0) < 0.01)
    apart = same + np.arange(8)[:, None, None]
    assert np.all(_split_rhat(apart) > 2.0)
