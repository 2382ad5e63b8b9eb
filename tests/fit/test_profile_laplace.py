"""The Laplace objective where the model breaks down: +inf with a reason, never a numpy warning.

A warm start next to a region where the predictions are not finite used to put a non-finite
Jacobian into the damped Newton matrix (``inf * 0``: numpy's "invalid value" RuntimeWarnings in
``multiply`` and ``slogdet``, then ``inf``). The model here is linear in the random effects
wherever it is finite, so the Laplace objective is the exact Gaussian marginal likelihood.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from ifnexus.fit._laplace import Group, LaplaceObjective

T = np.arange(4.0)
# log volumes of two individuals growing at 0.15 and 0.1 per day, no noise needed
Y = np.array([[0.0, 0.16, 0.29, 0.46], [0.1, 0.18, 0.31, 0.39]])
OMEGA = np.array([0.5, 0.5])
SIGMA = 0.1


def predict(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # intercept theta + eta1, slope 0.1 + eta0; the model breaks down for eta0 > 0.3
    f = theta[0] + eta[:, 1:2] + (0.1 + eta[:, :1]) * T[None, :]
    return np.where(eta[:, :1] > 0.3, np.inf, f)


def exact(theta: float) -> float:
    # y_i ~ N(theta + 0.1 t, sigma^2 I + Z Omega Z'), Z = [t, 1]
    Z = np.column_stack([T, np.ones(4)])
    V = SIGMA**2 * np.eye(4) + Z @ np.diag(OMEGA**2) @ Z.T
    mean = theta + 0.1 * T
    return float(sum(-2.0 * stats.multivariate_normal(mean, V).logpdf(y) for y in Y))


def test_warm_start_next_to_a_breakdown_gives_the_exact_value_without_warnings():
    obj = LaplaceObjective([Group(Y, predict)], 2)
    obj.groups[0].eta = np.array([[0.0, 0.0], [0.3 - 5e-5, 0.0]])  # Jacobian there: inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = obj(np.array([0.05]), OMEGA, SIGMA)
    assert got == pytest.approx(exact(0.05), rel=1e-6)
    assert obj.last_failure is None


def test_model_not_finite_at_the_population_values_is_inf_with_a_reason():
    def broken(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
        f = predict(theta, eta)
        f[:, 2] = np.nan  # every individual, at a measured time
        return f

    obj = LaplaceObjective([Group(Y, predict), Group(Y, broken)], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = obj(np.array([0.05]), OMEGA, SIGMA)
    assert got == math.inf
    assert obj.last_failure is not None and obj.last_failure.startswith("group 2:")
    assert "not finite" in obj.last_failure
    # the next finite evaluation clears the reason
    obj.groups.pop()
    assert np.isfinite(obj(np.array([0.05]), OMEGA, SIGMA)) and obj.last_failure is None


def test_profile_objective_is_a_function_of_the_position_alone():
    # f = theta + 2 sin(pi eta) with y = theta at every time: the inner problem has a mode
    # at eta = 0 (the global one, h = 0) and local ones near every integer; a Newton start at
    # eta = 2 (modes another evaluation left) stays near 2, where the prior adds about
    # (2 / omega)^2 = 16 to -2 log L. The profile's objective starts every evaluation
    # from the modes given (those at the estimate), so what came before cannot change it.
    from ifnexus.fit._growth import _FromModes

    y = np.zeros((1, 4))
    omega, sigma = np.array([0.5]), 0.1

    def bumpy(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return theta[0] + 2.0 * np.sin(np.pi * eta[:, :1]) * np.ones((1, 4))

    class Problem:
        def __init__(self) -> None:
            self.objective = LaplaceObjective([Group(y, bumpy)], 1)

        def set_modes(self, modes: list) -> None:
            self.objective.groups[0].eta = None if modes[0] is None else modes[0].copy()

        def __call__(self, x: np.ndarray) -> float:
            return self.objective(x, omega, sigma)

        @property
        def last_failure(self) -> str | None:
            return self.objective.last_failure

    prob = Problem()
    at_estimate = [np.zeros((1, 1))]
    prob.set_modes(at_estimate)
    ref = prob(np.array([0.0]))
    prob.set_modes([np.full((1, 1), 2.0)])  # what a far evaluation could leave
    stuck = prob(np.array([0.0]))
    assert stuck - ref == pytest.approx(16.0, rel=0.01)  # the local mode near eta = 2
    f = _FromModes(prob, at_estimate)
    prob.set_modes([np.full((1, 1), 2.0)])
    assert f(np.array([0.0])) == ref
    assert f.last_failure is None
