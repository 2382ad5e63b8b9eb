"""The vectorised ETDRK4 solver against scipy's Radau, and its building blocks."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import tumour_model
from ifnexus.model._solver import _phi, build_grid, integrate

IVS = (
    "sting-agonist:day=3,dose=1",
    "anti-pd1:day=0,dose=1,repeat=3,every=7",
    "jak-inhibitor:start=-7,end=10",
    "ifn-amplifier:start=0,end=14",
    "ifnar-block:start=20,end=30",
)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(schedule="20Gy x1", setting="mouse", days=120),
        dict(schedule="50Gy/25fx", setting="patient", days=120, infiltration=2.0, alpha=0.15),
        dict(
            schedule="8Gy x3", setting="mouse", days=60, genotype="chronic-ifn", interventions=IVS
        ),
        # issue 15: fractions 1.2 h apart (incomplete repair), anti-PD-1 three weeks before RT
        dict(
            schedule="0:8,0.05:8,1:8", setting="mouse", days=40, interventions=("anti-pd1:day=-21",)
        ),  # fmt: skip
    ],
)
def test_burden_agrees_with_radau(kwargs):
    m = tumour_model(kwargs.pop("schedule"), **kwargs)
    ours = m.simulate()
    t = ours["time"].to_numpy()
    # compare at every fraction time (after the jump), at the end, and at a spread of nodes
    idx = np.unique(
        np.r_[np.searchsorted(t, m.schedule.days), np.linspace(1, t.size - 1, 12)].astype(int)
    )
    idx = idx[idx < t.size]
    ref = m.reference(t[idx], method="Radau", rtol=1e-8)
    rel = np.abs(ours["burden"].to_numpy()[idx] / ref["burden"].to_numpy() - 1.0)
    assert rel.max() < 1e-4, (rel.max(), t[idx][rel.argmax()])


def test_numba_and_numpy_backends_agree():
    m = tumour_model(
        "25Gy/5fx", setting="patient", days=60, genotype="chronic-ifn", interventions=IVS
    )
    a = m.simulate(backend="numba").drop(columns="time").to_numpy()
    b = m.simulate(backend="numpy").drop(columns="time").to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_fraction_is_an_exact_jump():
    """Just before and after a fraction the clonogens differ by exactly the LQ factor."""
    m = tumour_model("0:0,10:6", setting="mouse", days=20, host="nude")
    grid = build_grid(m.schedule, m.drive, m.t0, m.t_end, probes=(10.0,))
    z0 = m.initial_state()
    sol = integrate(
        z0,
        m.p,
        m.q,
        m.schedule,
        m.drive,
        m.t0,
        m.t_end,
        grid=grid,
        probes=(10.0,),
        record_rows=(0,),
    )
    before = sol.probes[10.0][0, 0]
    after = sol.rec[0, np.searchsorted(sol.t, 10.0), 0]
    r = sol.probes[10.0][10, 0]  # IRDS state at the fraction
    expected = -(m.q["alpha"] * 6 + m.q["beta"] * 36) * (1 - m.p["rho_R"] * r)
    assert after - before == pytest.approx(expected, rel=1e-6)
    assert 10.0 in sol.t


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_record_is_patient_major(backend):
    """``rec`` is ``(n, n_grid, n_rows)``: each patient's series ends at its own final state."""
    m = tumour_model("0:0,10:6", setting="mouse", days=20, host="nude")
    z0 = np.repeat(m.initial_state(), 3, axis=1)
    scale = np.array([0.0, 0.5, 1.0])  # three different tumours
    sol = integrate(z0, m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, record_rows=(-1, 0),
                    dose_scale=scale, backend=backend)  # fmt: skip
    assert sol.rec.shape == (3, sol.t.size, 2) and sol.rec.dtype == np.float32
    np.testing.assert_allclose(sol.rec[:, -1, 1], sol.z_end[0], rtol=1e-6)
    np.testing.assert_allclose(sol.rec[:, 0, 1], z0[0], rtol=1e-6)
    assert np.all(np.diff(sol.rec[:, -1, 1]) < 0)  # more dose, fewer clonogens


def test_phi_functions_match_closed_forms():
    z = np.array([-30.0, -2.0, -0.4, -1e-3, 0.0, 0.3])
    p1, p2, p3 = _phi(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        c1 = np.expm1(z) / z
        c2 = (np.expm1(z) - z) / z**2
        c3 = (np.expm1(z) - z - z**2 / 2) / z**3
    big = np.abs(z) > 0.1
    np.testing.assert_allclose(p1[big], c1[big], rtol=1e-12)
    np.testing.assert_allclose(p2[big], c2[big], rtol=1e-10)
    np.testing.assert_allclose(p3[big], c3[big], rtol=1e-9)
    np.testing.assert_allclose([p1[4], p2[4], p3[4]], [1.0, 0.5, 1.0 / 6.0])


def test_kill_is_finite_when_a_solver_stage_dips_below_zero_burden():
    """An extrapolated stage of a nearly extinct tumour can have B < 0; (B/B_h)^(2/3) -> 0."""
    from ifnexus.model._kernel import P_NAMES, Q_NAMES, force_one
    from ifnexus.model._system import IDX, forcing, signals

    m = tumour_model("20Gy x1", setting="patient", days=30)
    z = m.initial_state().copy()
    es, zsb, pdl1 = IDX["cd8_effector"], IDX["serpinb9"], IDX["pdl1"]
    z[IDX["N"]] = -60.0  # N ~ 1e-26
    z[IDX["D1"]] = -1e-17  # a doomed-cell stage value below 0
    z[es] = 0.5  # effector T cells
    z[zsb] = 0.3  # T-cell kill inhibitors (distinct from every other state)
    z[pdl1] = 0.2
    sg = signals(z, m.p, m.q)
    p = m.p
    # closed form with (B/B_h)^(2/3) = 0 (no anti-PD-1: y_den = 1 + L)
    y = (p["e_kill"] / p["kappa_max"] * z[es]) * (1 + p["m_A"] * sg["acute"])
    y = y * (1 - p["theta_S"] * z[zsb]) / (1 + z[pdl1])
    assert np.isfinite(sg["kill"]).all()
    np.testing.assert_allclose(sg["kill"], p["kappa_max"] * y / (1 + y), rtol=1e-12)
    # the compiled kernel gives the same forcing, every state
    P = np.array([p[k] for k in P_NAMES])
    Q = np.array([float(np.ravel(m.q[k])[0]) for k in Q_NAMES])
    out = force_one(z[:, 0], P, Q)
    ref = forcing(z, p, m.q, 0.0, 0.0, 0.0, 0.0, 0.0)[:, 0]
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-300)
