"""Exogenous IFN-beta and agonist anti-OX40 (the ``ifn-beta`` and ``anti-ox40`` interventions).

References: closed forms of the declared rate laws. With no other IFN-I source (no fraction, so
no cytosolic DNA, no STING activity and no death signal; no tonic IFN) the IFN-I quasi-steady
state ``k_I I^2 + (k_I - p_0) I - p_0 = 0`` with ``p_0 = p_ifnb x`` has the root
``I = p_ifnb x / k_I``. The anti-OX40 occupancy is ``s / (s + 0.1)`` with
``s = dose exp(-k_ox40 (t - t_dose))`` and ``k_ox40 = ln 2 / 7 d`` (rat IgG half-life,
Bazin-Redureau et al. 1997); its effect multiplies the priming flux of the primed pool,
``k_T h_T P V pi_T``, by ``1 + m_ox40 o``. Kernel against scipy's Radau for both.
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model import tumour_model
from ifnexus.model._system import IDX, forcing, initial_state, signals
from ifnexus.model._variants import MAX_AGENT_DOSE, parse_intervention


def test_ifn_beta_parses_as_a_window():
    iv = parse_intervention("ifn-beta:start=0,end=14")
    assert iv.is_window and (iv.start, iv.end, iv.dose) == (0.0, 14.0, 1.0)
    assert str(iv) == "ifn-beta:start=0,end=14,dose=1"
    assert parse_intervention("ifn-beta:start=-3,end=2,dose=0.5").dose == 0.5


def test_anti_ox40_parses_as_an_impulse():
    iv = parse_intervention("anti-ox40:day=-7,repeat=3,every=3,dose=2")
    assert not iv.is_window
    assert iv.days == (-7.0, -4.0, -1.0)
    assert iv.dose == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ifn-beta:start=0", "needs start= and end="),
        ("ifn-beta:start=5,end=5", "end must be later than start"),
        ("ifn-beta:start=0,end=7,dose=-1", "dose must be >= 0"),
        ("ifn-beta:start=0,end=7,dose=101", f"over the limit of {MAX_AGENT_DOSE:g}"),
        ("ifn-beta:day=0", "unknown key 'day'"),
        ("ifn-beta:start=0,end=7,compartment=host", "unknown key 'compartment'"),
        ("ifn-beta:start=0,end=4000", "beyond the limit"),
        ("anti-ox40:day=abc", "day must be a number"),
        ("anti-ox40:day=0,dose=-1", "dose must be >= 0"),
        ("anti-ox40:day=0,dose=1e3", f"over the limit of {MAX_AGENT_DOSE:g}"),
        ("anti-ox40:start=0,end=3", "unknown key 'start'"),
        ("anti-ox40:day=0,repeat=0", "repeat must be a whole number"),
        ("anti-ox40:day=0,every=0", "every must be > 0"),
    ],
)
def test_bad_input_is_refused_with_the_reason(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_intervention(text)


def test_a_misspelt_name_lists_the_new_interventions():
    with pytest.raises(UnknownNameError, match="ifn-beta.*anti-ox40"):
        parse_intervention("ifn-betta:start=0,end=3")


@pytest.mark.parametrize("dose", [0.5, 1.0, 3.0])
def test_ifn_beta_alone_holds_ifn_at_rate_over_clearance(dose):
    """No fraction and no other source: I = dose p_ifnb / k_I inside the window, 0 outside."""
    m = tumour_model("none", setting="mouse", days=20,
                     interventions=[f"ifn-beta:start=2,end=9,dose={dose}"])  # fmt: skip
    tc = m.simulate()
    t = tc["time"].to_numpy()
    want = dose * m.p["p_ifnb"] / m.p["k_I"]
    inside = (t > 2.0) & (t < 9.0)
    np.testing.assert_allclose(tc["ifn"].to_numpy()[inside], want, rtol=1e-12)
    # the unit dose is sized to hold IFN-I at 1 IFNAR EC50 (p_ifnb = k_I, its stated source)
    assert m.p["p_ifnb"] / m.p["k_I"] == pytest.approx(1.0)
    np.testing.assert_array_equal(tc["ifn"].to_numpy()[(t < 2.0) | (t > 9.0)], 0.0)


def test_ifn_beta_acts_only_through_ifnar():
    """The delivered IFN-I reaches the acute STAT1 signal only where tumour IFNAR is open."""
    m = tumour_model("none", setting="mouse", days=5)
    z = m.initial_state()
    p, q = m.p, m.q
    on = signals(z, p, q, ifnb=1.0)
    np.testing.assert_allclose(on["hill"], 0.5, rtol=1e-12)  # I = 1 EC50: half occupancy
    assert on["A"][0] > 0.0
    assert signals(z, p, q, block=1.0, host_block=0.0, ifnb=1.0)["A"][0] == 0.0
    ko = tumour_model("none", setting="mouse", days=5, genotype="ifnar1-loss")
    assert signals(ko.initial_state(), ko.p, ko.q, ifnb=1.0)["A"][0] == 0.0
    # host IFNAR licenses DC priming: the forcing of DC activation rises with IFN-beta,
    # not in an ifnar-loss host
    f0, f1 = (forcing(z, p, q, 0.0, 0.0, 0.0, 0.0, 0.0, ifnb=x)[IDX["dc"]] for x in (0.0, 1.0))
    assert f1[0] > f0[0]
    h = tumour_model("none", setting="mouse", days=5, host="ifnar-loss")
    zh = h.initial_state()
    g0, g1 = (forcing(zh, h.p, h.q, 0.0, 0.0, 0.0, 0.0, 0.0, ifnb=x)[IDX["dc"]] for x in (0, 1))
    assert g1[0] == g0[0]


def test_anti_ox40_occupancy_decays_with_the_antibody_half_life():
    m = tumour_model("none", setting="mouse", days=30, interventions=["anti-ox40:day=3,dose=1"])
    assert m.p["k_ox40"] == pytest.approx(np.log(2) / 7.0)
    t = np.array([2.9, 3.0, 10.0, 17.0])
    occ = np.array([m.drive.level("anti-ox40", tt, tt)[0] for tt in t])  # doses given by each time
    s = np.where(t >= 3.0, np.exp(-np.log(2) / 7.0 * (t - 3.0)), 0.0)
    np.testing.assert_allclose(occ, s / (s + 0.1), rtol=1e-12)
    assert occ[2] == pytest.approx(0.5 / 0.6)  # one half-life after the dose


def test_anti_ox40_multiplies_the_ongoing_priming_flux():
    """Forcing of the primed pool: x (1 + m_ox40 o); nothing where nothing is primed."""
    m = tumour_model("8Gy x1", setting="mouse", days=5)
    p, q = m.p, m.q
    z = initial_state(p, q, 3)
    z[IDX["dc"]] = [0.0, 0.3, 2.0]  # no, some, much DC activation (priming)
    row = IDX["tpool"]
    base = forcing(z, p, q, 0.0, 0.0, 0.0, 0.0, 0.0)[row]
    for o in (0.25, 1.0):
        boosted = forcing(z, p, q, 0.0, 0.0, 0.0, 0.0, 0.0, ox40=o)[row]
        np.testing.assert_allclose(boosted, base * (1.0 + p["m_ox40"] * o), rtol=1e-14)
    assert base[0] == 0.0 and forcing(z, p, q, 0, 0, 0, 0, 0, ox40=1.0)[row][0] == 0.0
    nude = tumour_model("8Gy x1", setting="mouse", days=5, host="nude")
    zn = initial_state(nude.p, nude.q, 1)
    zn[IDX["dc"]] = 2.0
    assert forcing(zn, nude.p, nude.q, 0, 0, 0, 0, 0, ox40=1.0)[row][0] == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(schedule="none", interventions=("ifn-beta:start=0,end=14",), days=30),
        dict(schedule="20Gy x1", interventions=("anti-ox40:day=1",), days=40),
        dict(schedule="8Gy x3", days=40, genotype="chronic-ifn",
             interventions=("anti-ox40:day=-7,repeat=2,every=7", "ifn-beta:start=-2,end=5,dose=2",
                            "ifnar-block:start=3,end=10,compartment=tumour")),
    ],
)  # fmt: skip
def test_kernel_agrees_with_radau(kwargs, assert_kernel_matches_radau):
    assert_kernel_matches_radau(kwargs, ("burden", "tpool", "cd8_effector", "ifn_auc", "dc"))


def test_numba_and_numpy_backends_agree():
    m = tumour_model("8Gy x3", setting="mouse", days=40,
                     interventions=["anti-ox40:day=1", "ifn-beta:start=0,end=10,dose=0.5"])  # fmt: skip
    a = m.simulate(backend="numba").drop(columns="time").to_numpy()
    b = m.simulate(backend="numpy").drop(columns="time").to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_absent_interventions_leave_the_forcing_unchanged():
    """ifnb = 0 and ox40 = 0 are the forcing of a model without them, bit for bit."""
    m = tumour_model("8Gy x1", setting="mouse", days=5, genotype="chronic-ifn")
    z = initial_state(m.p, m.q, 2)
    z[IDX["dna"]] = [0.3, 1.2]
    args = (z, m.p, m.q, 0.4, 0.2, 0.1, 0.0, 0.3)
    a = forcing(*args, ctla=0.5)
    b = forcing(*args, ctla=0.5, ifnb=0.0, ox40=0.0)
    np.testing.assert_array_equal(a, b)


def test_sbml_writes_both_interventions(sbml_end_values):
    m = tumour_model("20Gy x1", setting="mouse", days=30,
                     interventions=["anti-ox40:day=1", "ifn-beta:start=0,end=7"])  # fmt: skip
    xml = m.to_sbml()
    assert 'variable="ifnb"' in xml and 'variable="ox40"' in xml and "k_ox40" in xml
    ours = m.simulate().iloc[-1]
    end = sbml_end_values(m, ("T", "Iauc", "N"), xml)
    for sp, name in (("T", "tpool"), ("Iauc", "ifn_auc"), ("N", "N")):
        assert end[sp] == pytest.approx(ours[name], rel=1e-3), name


@pytest.mark.parametrize("iv", ["ifn-beta:start=0,end=7", "anti-ox40:day=1"])
def test_petab_export_refuses_them_and_writes_nothing(tmp_path, iv):
    import pandas as pd

    from ifnexus.fit import Arm, growth_data, to_petab

    arm = Arm("x", "0:8", interventions=(iv,))
    d = growth_data(pd.DataFrame({"animal": ["a", "a"], "arm": ["x", "x"], "day": [0, 5],
                                  "volume": [10.0, 20.0]}), {"x": arm})  # fmt: skip
    with pytest.raises(ValidationError, match=rf"arm 'x': {iv.split(':')[0]} is not in the PEtab"):
        to_petab(d, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
