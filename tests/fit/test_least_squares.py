"""The pooled MLE by least squares is the likelihood's optimum (checked by another optimiser)."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.fit import Arm, GrowthProblem, fit_growth, simulate_growth_study
from ifnexus.fit._growth import _maximum_likelihood, _minimise, _pooled_least_squares


@pytest.fixture(scope="module")
def study():
    # two arms of 4 animals, no between-animal variability: the pooled problem
    return simulate_growth_study([Arm("ctrl", "none"), Arm("RT", "10:8")], animals=4,
                                 days=range(0, 22, 3), params={"r": 0.25, "n0": 2e7,
                                                               "alpha": 0.12},
                                 omega={}, sigma=0.1, rng=8)  # fmt: skip


def test_least_squares_reaches_the_joint_optimum(study):
    prob = GrowthProblem(study, free=("r", "n0", "alpha"), random=())
    ls = _maximum_likelihood(prob, prob.start(), prob.bounds())
    assert ls.method.startswith("exact likelihood") and ls.success
    # the reference: L-BFGS-B on the full -2 log L (sigma a parameter like the others)
    lb = _minimise(prob, prob.start(), prob.bounds())
    assert ls.fun <= lb.fun + 1e-4
    assert ls.fun == pytest.approx(lb.fun, abs=1e-2)
    # a stationary point of the full objective: central differences of every coordinate,
    # sigma included (its closed form sqrt(RSS / N) makes that slope zero)
    h = 1e-4
    grad = [(prob(ls.x + h * e) - prob(ls.x - h * e)) / (2 * h) for e in np.eye(ls.x.size)]
    assert np.max(np.abs(grad)) < 1e-3
    # and cheaper: Gauss-Newton uses the residuals' curvature
    assert ls.nfev < lb.nfev / 3


def test_least_squares_only_for_the_pooled_problem(study):
    mixed = GrowthProblem(study, free=("r", "n0"), random=("n0",))
    assert _pooled_least_squares(mixed, mixed.start(), mixed.bounds()) is None
    fit = fit_growth(study, free=("r", "n0", "alpha"), random=(), posterior=False,
                     profile_params=())  # fmt: skip
    assert fit.diagnostics["method"].startswith("exact likelihood (no random effects); least")
    assert fit.diagnostics["optimizer"]["success"]


def test_falls_back_to_the_trust_box_where_the_residuals_fail(study, monkeypatch):
    prob = GrowthProblem(study, free=("r",), random=())
    monkeypatch.setattr(prob, "residuals", lambda theta: np.full(prob.objective.n_obs, np.nan))
    assert _pooled_least_squares(prob, prob.start(), prob.bounds()) is None
    res = _maximum_likelihood(prob, prob.start(), prob.bounds())
    assert res.method.startswith("Laplace") and np.isfinite(res.fun)
