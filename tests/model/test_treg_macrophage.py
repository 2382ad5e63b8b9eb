"""Regulatory T cells, macrophage polarisation and anti-CTLA-4 (issue 15 items 11 and 13).

References: closed forms of the declared rate laws (the Treg steady state, the M1 share at
rest) and scipy's ``solve_ivp`` on the scalar Treg equation of an unirradiated tumour under
anti-CTLA-4 (no death signal, so ``Treg' = k_reg - (k_reg + k_dep c(t)) Treg`` with the
occupancy ``c = s/(s + 0.1)``, ``s = dose exp(-k_ctla (t - t_dose))``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort, tumour_model
from ifnexus.model._variants import parse_intervention


def test_untreated_tumour_keeps_tregs_and_macrophages_at_rest():
    """No fraction, no antibody: Treg stays 1; the M1 share starts at m1_base + (1-m1_base) Es/(1+Es)."""
    m = tumour_model("none", setting="mouse", days=20)
    tc = m.simulate()
    np.testing.assert_allclose(tc["treg"], 1.0, rtol=1e-9)
    es = tc["cd8_effector"].to_numpy()
    base = m.p["m1_base"]
    np.testing.assert_allclose(tc["m1"].iloc[0], base + (1 - base) * es[0] / (1 + es[0]),
                               rtol=1e-12)  # fmt: skip


def test_anti_ctla4_depletes_tregs_as_the_scalar_ode():
    """Unirradiated tumour, anti-CTLA-4 on day 0: the Treg state equals solve_ivp's scalar ODE."""
    m = tumour_model("none", setting="mouse", days=14, interventions=["anti-ctla4:day=0,dose=1"])
    p = m.p
    tc = m.simulate()  # the compiled kernel, at its grid times
    t = tc["time"].to_numpy()

    def occ(tt):
        s = np.exp(-p["k_ctla"] * tt)
        return s / (s + 0.1)

    ref = solve_ivp(lambda tt, y: p["k_reg"] - (p["k_reg"] + p["k_dep"] * occ(tt)) * y,
                    (0.0, t[-1]), [1.0], t_eval=t, rtol=1e-10, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(tc["treg"].to_numpy(), ref.y[0], rtol=1e-4)
    assert tc["treg"].iloc[-1] < 0.25  # most intratumoural Tregs depleted (Selby 2013)


def test_radiation_raises_tregs_and_m1_share():
    """8 Gy raises intratumoural Tregs (Muroyama 2017) and the M1-like share (IFN-I, T cells)."""
    rt = simulate_cohort("8Gy x1", n_patients=8, setting="mouse", rng=1, days=10).patients
    none = simulate_cohort("none", n_patients=8, setting="mouse", rng=1, days=10).patients
    assert (rt["treg_day7"] > none["treg_day7"]).all()
    np.testing.assert_allclose(none["treg_day7"], 1.0, rtol=1e-6)
    assert (rt["m1_fraction_day7"] > none["m1_fraction_day7"]).all()
    assert rt["m1_fraction_day7"].between(0, 1).all()


def test_no_tregs_without_t_cells():
    """A T-cell-deficient host has no Tregs: the column is NaN, M1 share still reported."""
    pts = simulate_cohort("8Gy x1", n_patients=4, setting="mouse", host="nude", rng=1,
                          days=10).patients  # fmt: skip
    assert pts["treg_day7"].isna().all()
    assert pts["m1_fraction_day7"].notna().all()


def test_anti_ctla4_parses_as_an_impulse():
    iv = parse_intervention("anti-ctla4:day=-7,repeat=3,every=3")
    assert iv.days == (-7.0, -4.0, -1.0)
    assert iv.dose == 1.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("anti-ctla4:day=abc", "day must be a number"),
        ("anti-ctla4:day=0,dose=-1", "dose must be >= 0"),
        ("anti-ctla4:start=0,end=3", "unknown key 'start'"),
        ("anti-ctla4:day=0,repeat=0", "repeat must be a whole number"),
    ],
)
def test_bad_anti_ctla4_is_refused(text, needle):
    with pytest.raises(ValidationError, match=needle):
        parse_intervention(text)


@pytest.mark.parametrize(
    ("name", "value"),
    [("s_reg", -0.1), ("m1_base", 1.5), ("k_reg", 0.0), ("k_dep", -1.0), ("m_ctla", -1.0),
     ("k_ctla", 0.0), ("k_mac", 0.0), ("r_reg", -2.0)],
)  # fmt: skip
def test_new_parameters_out_of_range_are_refused(name, value):
    with pytest.raises(ValidationError, match=name):
        simulate_cohort("8Gy x1", n_patients=2, setting="mouse", rng=1, days=5,
                        params={name: value})  # fmt: skip


# ------------------------------------------------------------------ second, unirradiated lesion


def _logistic(n0, r, d0, k, t):
    """Closed form of N' = (r (1 - N/K) - d0) N."""
    g = r - d0
    kk = k * g / r
    e = np.exp(g * t)
    return kk * n0 * e / (kk + n0 * (e - 1.0))


@pytest.mark.parametrize("schedule", ["none", "8Gy x3"])
def test_second_lesion_without_t_cells_grows_logistically_and_gets_no_dose(schedule):
    """Nude host: the second lesion is neither killed nor irradiated (closed-form logistic)."""
    res = simulate_cohort(schedule, n_patients=6, setting="mouse", host="nude", rng=3,
                          days=40, second_lesion=1e7)  # fmt: skip
    pts = res.patients
    p = res.params
    want = _logistic(1e7, pts["growth_rate"].to_numpy(), p["d0"], p["K"], 30.0) / 1e7
    np.testing.assert_allclose(pts["second_lesion_ratio_30d"], want, rtol=1e-4)
    assert not pts["abscopal_response"].any()


def test_no_second_lesion_leaves_its_columns_empty_and_outputs_unchanged():
    a = simulate_cohort("8Gy x1", n_patients=6, setting="mouse", rng=2, days=40).patients
    assert a["second_lesion_ratio_30d"].isna().all()
    assert a["abscopal_response"].isna().all()
    b = simulate_cohort("8Gy x1", n_patients=6, setting="mouse", rng=2, days=40,
                        second_lesion=False).patients  # fmt: skip
    np.testing.assert_array_equal(a["tcp"], b["tcp"])


def test_t_cells_primed_by_the_irradiated_tumour_slow_the_second_lesion():
    """Abscopal direction (Demaria et al. 2005): RT + anti-CTLA-4 slows the unirradiated lesion."""
    kw = dict(n_patients=8, setting="mouse", rng=1, days=40, second_lesion=True)
    ctrl = simulate_cohort("none", **kw).patients
    combo = simulate_cohort("8Gy x3", interventions=["anti-ctla4:day=0,repeat=3,every=3"],
                            **kw).patients  # fmt: skip
    assert (combo["second_lesion_ratio_30d"] < ctrl["second_lesion_ratio_30d"]).all()


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), "big"])
def test_bad_second_lesion_size_is_refused(bad):
    with pytest.raises(ValidationError, match="second_lesion"):
        simulate_cohort("8Gy x1", n_patients=2, setting="mouse", rng=1, days=5,
                        second_lesion=bad)  # fmt: skip


def test_cli_refuses_a_negative_second_lesion(tmp_path, capsys):
    from ifnexus.cli import main

    out = tmp_path / "run"
    rc = main(["simulate", "--schedule", "8Gy x1", "--setting", "mouse", "--second-lesion", "-5",
               "--patients", "2", "--out", str(out)])  # fmt: skip
    assert rc == 2
    assert "--second-lesion" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("params", "needle"),
    [({"second_lesion": 0.5}, "switch"), ({"second_lesion": 1, "n0_second": 1e13}, "n0_second")],
)
def test_second_lesion_parameters_are_checked_together(params, needle):
    with pytest.raises(ValidationError, match=needle):
        simulate_cohort("8Gy x1", n_patients=2, setting="mouse", rng=1, days=5, params=params)
