"""Left-censored volumes (below a detection limit, Beal's M3) against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from ifnexus.fit._laplace import Group, LaplaceObjective


def _linear(y: np.ndarray, censored: np.ndarray) -> Group:
    # log y_ij = mu + eta_i + e_ij
    def predict(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
        shift = eta[:, :1] if eta.shape[1] else 0.0
        return theta[0] + shift + np.zeros((eta.shape[0], y.shape[1]))

    return Group(y, predict, censored)


def test_censored_observation_contributes_the_normal_cdf():
    # no random effects: -2 log L = sum of -2 log N(y; mu, sigma) over the measured values
    # plus -2 log Phi((log LLOQ - mu) / sigma) for the one below the limit (M3)
    y = np.array([[0.1, 0.3, np.log(0.5)], [0.2, -0.1, 0.4]])
    cens = np.zeros(y.shape, bool)
    cens[0, 2] = True
    mu, sigma = 0.2, 0.3
    got = LaplaceObjective([_linear(y, cens)], 0)(np.array([mu]), np.zeros(0), sigma)
    exact = y[~cens]
    want = -2 * stats.norm(mu, sigma).logpdf(exact).sum() - 2 * stats.norm.logcdf(
        np.log(0.5), mu, sigma
    )
    assert got == pytest.approx(want, rel=1e-12)


def test_far_below_the_limit_costs_nothing_and_far_above_costs_the_tail():
    y = np.array([[0.0, np.log(100.0)]])
    cens = np.array([[False, True]])
    obj = LaplaceObjective([_linear(y, cens)], 0)
    # the prediction sits 15 SD below the limit: Phi ~ 1, the censored term ~ 0
    base = -2 * stats.norm(0.0, 0.3).logpdf(0.0)
    assert obj(np.array([0.0]), np.zeros(0), 0.3) == pytest.approx(base, abs=1e-9)
    # the limit sits 10 SD below the prediction: the term is -2 log Phi(-10) (no underflow)
    y2 = np.array([[3.0, 0.0]])
    obj2 = LaplaceObjective([_linear(y2, cens)], 0)
    want = -2 * stats.norm(3.0, 0.3).logpdf(3.0) - 2 * stats.norm.logcdf(-10.0)
    assert obj2(np.array([3.0]), np.zeros(0), 0.3) == pytest.approx(want, rel=1e-9)


def test_random_intercept_with_a_censored_value_is_close_to_quadrature():
    # one animal, random intercept: the marginal likelihood is a 1-D integral over eta,
    # computed by quadrature; the Laplace (Gauss-Newton) value approximates it
    y = np.array([[0.4, 0.1, np.log(0.8)]])
    cens = np.array([[False, False, True]])
    mu, omega, sigma = 0.3, 0.4, 0.25

    def integrand(e: float) -> float:
        dens = stats.norm(mu + e, sigma).pdf(y[0, :2]).prod()
        return dens * stats.norm.cdf(y[0, 2], mu + e, sigma) * stats.norm(0, omega).pdf(e)

    exact = -2 * np.log(integrate.quad(integrand, -4, 4, epsabs=1e-14)[0])
    got = LaplaceObjective([_linear(y, cens)], 1)(np.array([mu]), np.array([omega]), sigma)
    # the Laplace value (6.5527, the same as with the exact second derivative at the mode)
    # is within 0.002 of the integral (6.5508)
    assert got == pytest.approx(exact, abs=0.005)


GROWTH = (
    "animal,arm,day,volume\nm1,ctrl,0,30\nm1,ctrl,3,0\nm1,ctrl,6,4\nm2,ctrl,0,28\nm2,ctrl,4,50\n"
)


def _read(text: str, tmp_path, **kw):
    from ifnexus.fit import Arm, read_growth

    p = tmp_path / "g.csv"
    p.write_text(text)
    return read_growth(p, {"ctrl": Arm("ctrl", "none")}, **kw)


def test_detection_limit_marks_values_below_it(tmp_path):
    t = _read(GROWTH, tmp_path, lloq=5.0).table
    assert t["below_lloq"].tolist() == [False, True, True, False, False]
    # a per-row lloq column overrides the option; an empty cell takes it
    col = GROWTH.replace("volume\n", "volume,lloq\n").replace("\n", ",\n").replace(",\n", "\n", 1)
    col = col.replace("m1,ctrl,6,4,", "m1,ctrl,6,4,2")
    t2 = _read(col, tmp_path, lloq=5.0).table
    assert t2["below_lloq"].tolist() == [False, True, False, False, False]
    assert t2["lloq"].tolist() == [5.0, 5.0, 2.0, 5.0, 5.0]


def test_censored_values_enter_the_problem_at_the_limit(tmp_path):
    from ifnexus.fit import GrowthProblem

    prob = GrowthProblem(_read(GROWTH, tmp_path, lloq=5.0), free=("r",), random=())
    g = prob.objective.groups[0]
    assert g.censored.sum() == 2
    assert np.allclose(np.exp(g.y[g.censored]), 5.0)


@pytest.mark.parametrize(
    ("text", "kw", "pattern"),
    [
        (GROWTH, {}, r"line 3, column volume: 0 mm\^3 needs a detection limit"),
        (GROWTH.replace("m1,ctrl,3,0", "m1,ctrl,3,-1"), {"lloq": 5.0}, r"line 3, .*-1 mm\^3"),
        (
            "animal,arm,day,volume,lloq\nm1,ctrl,0,30,x\nm1,ctrl,3,40,\n",
            {},
            r"line 2, column lloq: 'x'",
        ),  # fmt: skip
    ],
)
def test_bad_volumes_and_limits_name_the_line(tmp_path, text, kw, pattern):
    from ifnexus.errors import InputFormatError

    with pytest.raises(InputFormatError, match=pattern):
        _read(text, tmp_path, **kw)


def test_a_detection_limit_must_be_positive(tmp_path):
    from ifnexus.errors import ValidationError

    with pytest.raises(ValidationError, match="lloq must be a detection limit > 0"):
        _read(GROWTH, tmp_path, lloq=0.0)
