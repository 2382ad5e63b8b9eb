"""Issue 15 item 7: every parameter override is range-checked against its declaration."""

from __future__ import annotations

import math

import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import PARAMETERS, simulate_cohort, tcd50, tumour_model
from ifnexus.model._params import get_parameter, parameter_table, parameters

FRACTIONS = ["f_circ", "rho_R", "eps_P", "theta_S", "p_cluster", "p_sting_silenced", "p_chronic"]
POSITIVE = ["K", "n0", "n0_postop", "alpha_beta", "D_T", "K_J", "k_I", "k_Ud", "k_Xd", "K_U",
            "K_G", "kappa_max", "B_h", "fail_ratio", "n_detect"]  # fmt: skip


def test_every_declared_value_is_in_its_range():
    for p in PARAMETERS:
        assert p.lower <= p.upper
        for setting in ("mouse", "patient"):
            assert p.check(p.value(setting)) == p.value(setting), p.name


def test_range_declarations():
    for name in FRACTIONS:
        p = get_parameter(name)
        assert (p.lower, p.upper, p.range_text) == (0.0, 1.0, "[0, 1]")
    for name in POSITIVE:
        p = get_parameter(name)
        assert p.lower_open and p.range_text == "> 0"
    assert get_parameter("ab_gsd").range_text == ">= 1"
    assert get_parameter("alpha").range_text == ">= 0"
    assert (
        dict(zip(parameter_table()["name"], parameter_table()["range"], strict=True))["f_circ"]
        == "[0, 1]"
    )


@pytest.mark.parametrize("name", FRACTIONS)
@pytest.mark.parametrize("value", [1.0001, 2.0, -0.01])
def test_fraction_out_of_range(name, value):
    with pytest.raises(
        ValidationError,
        match=rf"parameter '{name}' must be a finite number in \[0, 1\] .*got {value}",
    ):
        parameters("patient", **{name: value})


@pytest.mark.parametrize("name", FRACTIONS)
@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_fraction_bounds_accepted(name, value):
    assert parameters("mouse", **{name: value})[name] == value


@pytest.mark.parametrize("name", POSITIVE)
def test_zero_refused_where_the_equations_divide(name):
    with pytest.raises(ValidationError, match=rf"parameter '{name}' must be a finite number > 0 "):
        parameters("patient", **{name: 0.0})


@pytest.mark.parametrize("name", ["D_T", "alpha", "alpha_l", "r", "k_D", "k_I", "e_kill", "K"])
def test_negative_dose_or_rate_refused(name):
    p = get_parameter(name)
    with pytest.raises(
        ValidationError, match=rf"parameter '{name}' must be a finite number .*{p.unit}"
    ):
        parameters("patient", **{name: -1.0})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", ["f_circ", "K", "alpha"])
def test_non_finite_refused(name, value):
    with pytest.raises(ValidationError, match=rf"parameter '{name}' must be a finite number"):
        parameters("mouse", **{name: value})


def test_geometric_sd_below_one_refused():
    with pytest.raises(ValidationError, match=r"'ab_gsd' must be a finite number >= 1 .*got 0.5"):
        parameters("patient", ab_gsd=0.5)
    assert parameters("patient", ab_gsd=1.0)["ab_gsd"] == 1.0


@pytest.mark.parametrize(("setting", "kw", "start"), [
    ("patient", dict(K=1e6), "n0"),
    ("patient", dict(n0=2e12), "n0"),
    ("mouse", dict(K=3e7), "n0"),
    ("patient", dict(K=1e5), "n0"),
    ("mouse", dict(n0=1.0, K=1e4), "n0_postop"),
])  # fmt: skip
def test_carrying_capacity_below_starting_size(setting, kw, start):
    with pytest.raises(
        ValidationError, match=rf"parameter 'K' \(carrying capacity, .* must be > '{start}'"
    ):
        parameters(setting, **kw)


def test_overrides_refused_through_every_entry_point():
    with pytest.raises(ValidationError, match="'f_circ' must be a finite number in"):
        simulate_cohort("8Gy x3", setting="mouse", n_patients=2, params={"f_circ": 1.5})
    with pytest.raises(ValidationError, match="'K' .* must be > 'n0'"):
        simulate_cohort("8Gy x3", setting="mouse", n_patients=2, params={"K": 1e6})
    with pytest.raises(ValidationError, match="'D_T' must be a finite number > 0"):
        tcd50("10:30:10", setting="mouse", n_patients=2, params={"D_T": -5})
    with pytest.raises(ValidationError, match="'theta_S' must be a finite number in"):
        tumour_model("8Gy x3", setting="mouse", params={"theta_S": 3})


def test_valid_overrides_still_run():
    r = simulate_cohort("8Gy x3", setting="mouse", n_patients=4, rng=0,
                        params={"f_circ": 1.0, "K": 3.1e7, "rho_R": 0.0})  # fmt: skip
    assert r.params["f_circ"] == 1.0 and len(r.patients) == 4
