"""parameter_ranges: the documented, factor and given ranges, and the refusals naming the option."""

from __future__ import annotations

import math

import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model import get_parameter, parameters
from ifnexus.sensitivity import DOCUMENTED, parameter_ranges, uncertain_parameters


def test_uncertain_parameters_follow_the_sources():
    names = uncertain_parameters(setting="patient")
    for n in names:
        p = get_parameter(n)
        src = (p.source_patient or p.source).lower()
        assert "assumed" in src or "calibrated" in src, n
        assert p.group != "outcome"
    # sourced from papers alone: not uncertain (Kosinsky's d0; Cho's lymphocyte LQ)
    assert "d0" not in names and "alpha_l" not in names
    # post-operative parameters only for post-operative disease; interventions only when asked
    assert "p_residual_r0" not in names and "k_ag" not in names
    post = uncertain_parameters(setting="patient", disease="postop", interventions=True)
    assert "p_residual_r0" in post and "n0" not in post and "k_ag" in post
    # a value of 0 in the setting has no factor range (mouse: no 9p21 loss sampled)
    assert "p_cluster" not in uncertain_parameters(setting="mouse")


def test_factor_documented_and_given_ranges():
    a, t, ab, g = parameter_ranges(
        ["alpha", "T_rep", "alpha_beta"], ranges={"k_A": (0.5, 2.0)}, factor=3.0
    )
    v = parameters("patient")
    assert (a.lower, a.upper, a.scale, a.basis) == (
        pytest.approx(v["alpha"] / 3),
        pytest.approx(v["alpha"] * 3),
        "log",
        "factor",
    )
    assert (t.lower, t.upper, t.scale, t.basis) == (0.5, 1.5, "linear", "documented")
    assert (ab.lower, ab.upper) == DOCUMENTED["alpha_beta"][1:3] and ab.scale == "log"
    assert (g.name, g.lower, g.upper, g.basis, g.scale) == ("k_A", 0.5, 2.0, "given", "linear")
    # the mouse alpha/beta has no documented range: factor 2 around 10 Gy
    (m,) = parameter_ranges(["alpha_beta"], setting="mouse")
    assert (m.lower, m.upper, m.basis) == (5.0, 20.0, "factor")


def test_factor_ranges_are_clipped_to_the_hard_limits():
    (p,) = parameter_ranges(["p_tum"], factor=2.0)  # >= 0: not clipped
    assert p.lower == 8.0 and p.upper == 32.0
    (q,) = parameter_ranges(["p_chronic"], factor=4.0)  # 0.3 x 4 > 1: clipped to 1
    assert q.upper == 1.0 and q.lower == pytest.approx(0.075)
    (s,) = parameter_ranges(["ab_gsd"], setting="mouse")  # >= 1 (value 1): 1 to 2
    assert (s.lower, s.upper) == (1.0, 2.0)


def test_base_overrides_move_the_centre():
    (a,) = parameter_ranges(["alpha"], params={"alpha": 0.3})
    assert a.value == 0.3 and math.isclose(a.lower, 0.15) and math.isclose(a.upper, 0.6)


def test_unknown_names_suggest_the_closest():
    with pytest.raises(
        UnknownNameError, match="vary names an unknown model parameter 'alpah'.*'alpha'"
    ):
        parameter_ranges(["alpah"])
    with pytest.raises(
        UnknownNameError, match="ranges names an unknown model parameter 'e_kil'.*e_kill"
    ):
        parameter_ranges(["alpha"], ranges={"e_kil": (1, 2)})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"names": ["alpha"], "ranges": {"alpha": (0.3, 0.3)}}, "empty"),
        ({"names": ["alpha"], "ranges": {"alpha": (0.3, 0.1)}}, "empty"),
        ({"names": ["p_chronic"], "ranges": {"p_chronic": (0.2, 1.5)}}, "p_chronic"),
        ({"names": ["p_cluster"], "setting": "mouse"}, "--range p_cluster=LOW:HIGH"),
        ({"names": ["alpha"], "factor": 1.0}, "factor"),
        ({"names": ["alpha", "alpha"]}, "a parameter twice"),
        ({"names": []}, "no parameter"),
    ],
)
def test_bad_ranges_are_refused(kwargs, match):
    names = kwargs.pop("names")
    with pytest.raises(ValidationError, match=match):
        parameter_ranges(names, **kwargs)
