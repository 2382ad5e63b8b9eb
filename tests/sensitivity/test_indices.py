"""sensitivity_indices against closed forms: Ishigami's analytic Sobol indices, additive models.

References: Ishigami & Homma 1990 (the function) with the analytic variances of Sobol' &
Levitan 1999 / Saltelli et al. 2008 "Global Sensitivity Analysis: The Primer" (a=7, b=0.1:
S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437). An additive model
Y = sum c_i g(x_i) has S1_i = ST_i = c_i^2 Var g(x_i) / sum_j c_j^2 Var g(x_j); its Morris
elementary effects are all equal to c_i times the range of g(x_i), so mu* = |c_i| range and
sigma = 0 exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.sensitivity import ParameterRange, sensitivity_indices

pytest.importorskip("SALib")

A, B = 7.0, 0.1


def _ishigami_truth():
    pi = math.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * pi**8 / 225
    v = A**2 / 8 + B * pi**4 / 5 + B**2 * pi**8 / 18 + 0.5
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def _ishigami(x):
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def _rng(name, lo, hi, scale="linear"):
    return ParameterRange(name, lo, hi, (lo + hi) / 2, scale, "given", "test")


ISHIGAMI = [_rng(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]


def test_closed_form_truth_matches_the_published_values():
    s1, st = _ishigami_truth()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_ishigami_sobol_indices_match_the_analytic_ones():
    res = sensitivity_indices(_ishigami, ISHIGAMI, samples=2048, rng=3)
    s1, st = _ishigami_truth()
    t = res.table.set_index("parameter")
    np.testing.assert_allclose(t["S1"], s1, atol=0.03)
    np.testing.assert_allclose(t["ST"], st, atol=0.03)
    # the bootstrap intervals cover the truth and are honest about their width
    assert (np.abs(t["S1"] - s1) <= t["S1_conf"]).all()
    assert (np.abs(t["ST"] - st) <= t["ST_conf"]).all()
    assert (t["S1_conf"] < 0.08).all() and (t["ST_conf"] < 0.08).all()
    # ST > 0.1 for all three: x3 acts only through its interaction with x1
    assert res.hinges_on() == ["x1", "x2", "x3"]
    assert np.isnan(t["mu_star"]).all()


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_additive_model_sobol_indices(scale):
    c = np.array([1.0, -2.0, 0.5, 0.0])
    if scale == "linear":
        lo, hi = np.array([0.0, 1.0, -3.0, 2.0]), np.array([1.0, 2.0, 3.0, 5.0])
        g, var = (lambda x: x), (hi - lo) ** 2 / 12
    else:  # log-uniform x: ln x is uniform
        lo, hi = np.array([0.1, 1.0, 2.0, 1.0]), np.array([1.0, 4.0, 3.0, 10.0])
        g, var = np.log, np.log(hi / lo) ** 2 / 12
    ranges = [_rng(f"p{i}", lo[i], hi[i], scale) for i in range(4)]
    truth = c**2 * var / np.sum(c**2 * var)
    res = sensitivity_indices(lambda x: g(x) @ c, ranges, samples=2048, rng=11)
    t = res.table.set_index("parameter")
    np.testing.assert_allclose(t["S1"], truth, atol=0.02)
    np.testing.assert_allclose(t["ST"], truth, atol=0.02)
    order = [f"p{i}" for i in np.argsort(-truth) if truth[i] > 0.1]
    assert res.hinges_on() == order


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_additive_model_morris_effects_are_exact(scale):
    c = np.array([1.5, -2.0, 0.25])
    if scale == "linear":
        lo, hi = np.array([0.0, -1.0, 10.0]), np.array([2.0, 1.0, 20.0])
        g, span = (lambda x: x), hi - lo
    else:
        lo, hi = np.array([0.01, 1.0, 5.0]), np.array([1.0, 8.0, 10.0])
        g, span = np.log, np.log(hi / lo)
    ranges = [_rng(f"p{i}", lo[i], hi[i], scale) for i in range(3)]
    res = sensitivity_indices(lambda x: g(x) @ c, ranges, method="morris", samples=10, rng=5)
    t = res.table.set_index("parameter")
    np.testing.assert_allclose(t["mu_star"], np.abs(c) * span, rtol=1e-9)
    np.testing.assert_allclose(t["mu"], c * span, rtol=1e-9)
    np.testing.assert_allclose(t["sigma"], 0.0, atol=1e-9)
    mu = np.abs(c) * span
    assert res.hinges_on() == [f"p{i}" for i in np.argsort(-mu) if mu[i] > 0.1 * mu.max()]
    assert np.isnan(t["ST"]).all()


def test_several_outputs_and_the_same_seed_gives_the_same_table():
    def two(x):
        return np.column_stack([_ishigami(x), x[:, 0]])

    a = sensitivity_indices(two, ISHIGAMI, samples=64, outputs=("ish", "lin"), rng=7)
    b = sensitivity_indices(two, ISHIGAMI, samples=64, outputs=("ish", "lin"), rng=7)
    c = sensitivity_indices(two, ISHIGAMI, samples=64, outputs=("ish", "lin"), rng=8)
    assert a.table.equals(b.table)
    assert not a.table.equals(c.table)
    assert list(a.table["output"].unique()) == ["ish", "lin"]
    # the second output depends on x1 alone
    lin = a.table[a.table["output"] == "lin"].set_index("parameter")
    assert lin.at["x1", "ST"] == pytest.approx(1.0, abs=0.05)
    assert a.hinges_on("lin") == ["x1"]
    d = a.to_dict()
    assert d["hinges_on"]["lin"] == ["x1"] and len(d["indices"]) == 6
    assert "x1" in a.statement("lin")


def test_seed_zero_is_reproducible():
    a = sensitivity_indices(_ishigami, ISHIGAMI, samples=32, rng=0)
    b = sensitivity_indices(_ishigami, ISHIGAMI, samples=32, rng=0)
    assert a.table.equals(b.table)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"samples": 8}, "too few base samples for sobol"),
        ({"samples": 100}, "power of two"),
        ({"method": "morris", "samples": 2}, "too few trajectories for morris"),
        ({"method": "fast"}, "method .fast. is unknown"),
        ({"conf_level": 1.5}, "conf_level"),
    ],
)
def test_bad_designs_are_refused(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        sensitivity_indices(_ishigami, ISHIGAMI, **{"samples": 16, **kwargs})


def test_empty_range_and_bad_outputs_are_refused():
    with pytest.raises(ValidationError, match="empty"):
        sensitivity_indices(_ishigami, [_rng("x", 1.0, 1.0)], samples=16)
    with pytest.raises(ValidationError, match="no parameter"):
        sensitivity_indices(_ishigami, [], samples=16)
    with pytest.raises(ValidationError, match="not finite at"):
        sensitivity_indices(lambda x: np.where(x[:, 0] > 0, np.nan, 1.0), ISHIGAMI, samples=16)
    with pytest.raises(ValidationError, match="shape"):
        sensitivity_indices(lambda x: x, ISHIGAMI, samples=16)


def test_a_constant_output_warns_and_gives_nan():
    from ifnexus.errors import IfnexusWarning

    with pytest.warns(IfnexusWarning, match="does not vary"):
        res = sensitivity_indices(lambda x: np.ones(len(x)), ISHIGAMI, samples=16)
    assert res.table["ST"].isna().all() and res.hinges_on() == []
