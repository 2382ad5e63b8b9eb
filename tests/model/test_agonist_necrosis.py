"""The STING agonist's host-STING-dependent, T-cell-independent haemorrhagic necrosis.

References: the declared rate ``k_AD = k_nec h_STING g / (1 + g)`` (0 in vitro), with ``k_nec``
sized from Wang et al. 2009 Neoplasia 11:793 ("Tumor mass declined 50% 24 hours after DMXAA
administration"): with ``g = exp(-k_ag t)`` after dose 1 the first day's exposure is
``int_0^1 g/(1+g) dt = ln(2 / (1 + exp(-k_ag))) / k_ag``, so half the clonogens are left a day
after dose 1 where nothing else kills them (a T-cell-deficient host, no radiation: no T-cell
kill, no DNA damage for IFN-driven death). Host STING is needed, tumour STING is not (Francica
et al. 2018 Cancer Immunol Res 6:422). Kernel against scipy's Radau.
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import tumour_model
from ifnexus.model._system import IDX, forcing, initial_state, signals


def _first_day_exposure(k_ag: float) -> float:
    return float(np.log(2.0 / (1.0 + np.exp(-k_ag))) / k_ag)


def test_k_nec_leaves_half_the_cells_a_day_after_dose_one():
    m = tumour_model("none", setting="mouse", days=5)
    assert m.p["k_nec"] == pytest.approx(np.log(2.0) / _first_day_exposure(m.p["k_ag"]), rel=1e-3)


@pytest.mark.parametrize("g", [0.0, 0.3, 1.0, 5.0])
def test_rate_is_k_nec_host_sting_g_over_one_plus_g(g):
    m = tumour_model("none", setting="mouse", days=5)
    z = m.initial_state()
    s = signals(z, m.p, m.q, g, 0.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(s["ag_death"], m.p["k_nec"] * g / (1.0 + g), rtol=1e-15)
    # a STING-deficient host has none; a STING-deficient tumour keeps it
    h = tumour_model("none", setting="mouse", days=5, host="sting-loss")
    assert np.all(signals(h.initial_state(), h.p, h.q, g, 0.0, 0.0, 0.0, 0.0)["ag_death"] == 0.0)
    t = tumour_model("none", setting="mouse", days=5, genotype="sting-loss")
    st = signals(t.initial_state(), t.p, t.q, g, 0.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(st["ag_death"], m.p["k_nec"] * g / (1.0 + g), rtol=1e-15)
    # cells in a dish have no host
    v = tumour_model("none", setting="mouse", days=5, in_vitro=True)
    sv = signals(v.initial_state(), v.p, v.q, g, 0.0, 0.0, 0.0, 0.0, in_vitro=True)
    assert np.all(sv["ag_death"] == 0.0)


def test_the_dead_cells_enter_the_doomed_chain():
    """What N loses to necrosis, D_1 gains: -F_N N + F_D1 is unchanged by the necrosis."""
    m = tumour_model("8Gy x1", setting="mouse", days=5)
    p, q = m.p, m.q
    z = initial_state(p, q, 2)
    z[IDX["dna"]] = [0.0, 0.8]
    g = 0.7
    s = signals(z, p, q, g, 0.0, 0.0, 0.0, 0.0)
    f = forcing(z, p, q, g, 0.0, 0.0, 0.0, 0.0)
    n = np.exp(z[IDX["N"]])
    np.testing.assert_allclose(f[IDX["D1"]], (s["ifn_death"] + s["ag_death"]) * n, rtol=1e-14)
    want = s["lam"] - p["d0"] - s["kill"] - s["ifn_death"] - s["ag_death"]
    np.testing.assert_allclose(f[IDX["N"]], want, rtol=1e-12, atol=1e-15)
    assert np.all(s["ag_death"] > 0.0)


def test_absent_agonist_adds_nothing_bit_for_bit():
    """g = 0: the forcing equals that with k_nec = 0 (the term contributes exactly nothing)."""
    m = tumour_model("8Gy x1", setting="mouse", days=5, genotype="chronic-ifn")
    z = initial_state(m.p, m.q, 2)
    z[IDX["dna"]] = [0.3, 1.2]
    args = (0.0, 0.2, 0.1, 0.0, 0.3)
    a = forcing(z, m.p, m.q, *args, ctla=0.5)
    b = forcing(z, {**m.p, "k_nec": 0.0}, m.q, *args, ctla=0.5)
    np.testing.assert_array_equal(a, b)


def _log_n_at(m, day: float) -> float:
    tc = m.simulate()
    return float(np.interp(day, tc["time"].to_numpy(), np.log(tc["N"].to_numpy())))


def test_half_the_clonogens_die_within_a_day_without_t_cells():
    """T-cell-deficient host, no radiation: only the necrosis separates the two arms."""
    kw = dict(setting="mouse", days=3, host="t-cell-deficient")
    treated = tumour_model("none", interventions=["sting-agonist:day=0"], **kw)
    control = tumour_model("none", **kw)
    ratio = np.exp(_log_n_at(treated, 1.0) - _log_n_at(control, 1.0))
    # 0.5 up to the logistic growth term (the dead cells still count in the burden)
    assert ratio == pytest.approx(0.5, rel=0.01)


def test_host_sting_loss_removes_it():
    """T-cell-deficient and STING-deficient host: the agonist no longer touches the clonogens."""
    kw = dict(setting="mouse", days=3, host="t-cell-deficient")
    treated = tumour_model("none", interventions=["sting-agonist:day=0"], **kw)
    control = tumour_model("none", **kw)
    for m in (treated, control):
        m.q["h_sting"] = np.zeros_like(np.asarray(m.q["h_sting"], dtype=float))
    a = treated.simulate()["N"].to_numpy()
    b = control.simulate()["N"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(schedule="none", interventions=("sting-agonist:day=0,repeat=3,every=3",), days=30),
        dict(schedule="12Gy x1", interventions=("sting-agonist:day=1,dose=2",), days=40,
             genotype="sting-loss"),
    ],
)  # fmt: skip
def test_kernel_agrees_with_radau(kwargs, assert_kernel_matches_radau):
    assert_kernel_matches_radau(kwargs, ("N", "burden", "D1", "tpool", "cd8_effector", "dc"))


def test_numba_and_numpy_backends_agree():
    m = tumour_model("8Gy x3", setting="mouse", days=30, interventions=["sting-agonist:day=1"])
    a = m.simulate(backend="numba").drop(columns="time").to_numpy()
    b = m.simulate(backend="numpy").drop(columns="time").to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_sbml_carries_the_necrosis(sbml_end_values):
    m = tumour_model("12Gy x1", setting="mouse", days=20, interventions=["sting-agonist:day=1"])
    xml = m.to_sbml()
    assert 'variable="ag_death"' in xml and "k_nec" in xml
    ours = m.simulate().iloc[-1]
    end = sbml_end_values(m, ("N", "D1", "T"), xml)
    for sp, name in (("N", "N"), ("D1", "D1"), ("T", "tpool")):
        assert end[sp] == pytest.approx(ours[name], rel=1e-3), name
