"""Pre-operative radiotherapy (``disease="preop"``): the course on the gross tumour, then resection.

References: the resection jump against scipy's Radau (``solve_reference``) and its closed form
(a T-cell-deficient host: right after the resection every tumour-cell state is ``rho`` times
its value right before, the other states unchanged); the margin and residual-disease draws
against the post-operative cohort of the same seed; a bed without residual clonogens never
fails (nothing is left to regrow).
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort, tumour_model
from ifnexus.model._solver import build_grid, integrate, solve_reference
from ifnexus.model._system import IDX, N_STATES

T_RES = 10.0  # day of the resection (the course ends on day 4; doomed cells still dying)
RHO = 3.7e-5  # about n0_postop / n0 of the patient setting
TUMOUR_ROWS = [IDX[k] for k in ("N", "D1", "D2", "D3", "D4")]


def _model():
    return tumour_model("25Gy/5fx", setting="patient", host="t-cell-deficient", days=120)


def test_resection_is_rho_times_the_state_before_it_radau():
    """Radau with the resection against Radau without: tumour cells x rho, the rest unchanged."""
    m = _model()
    z0 = m.initial_state()
    t_eval = np.array([T_RES, 80.0])
    without = solve_reference(z0, m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, t_eval)
    with_ = solve_reference(z0, m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, t_eval,
                            resection=(T_RES, RHO))  # fmt: skip
    # both runs reach T_RES by different Radau steps (a break there in one): rtol 1e-6
    np.testing.assert_allclose(with_[0, TUMOUR_ROWS], RHO * without[0, TUMOUR_ROWS], rtol=1e-6)
    others = [k for k in range(N_STATES) if k not in TUMOUR_ROWS]
    np.testing.assert_allclose(with_[0, others], without[0, others], rtol=1e-6, atol=1e-12)
    assert with_[1, IDX["N"]] < without[1, IDX["N"]]


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_solver_resection_agrees_with_radau(backend):
    m = _model()
    z0 = m.initial_state()
    grid = build_grid(m.schedule, m.drive, m.t0, m.t_end, probes=(T_RES,), resection=T_RES)
    sol = integrate(z0, m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, grid=grid,
                    probes=(T_RES,), record_rows=(0,), resection=np.array([RHO]),
                    backend=backend)  # fmt: skip
    i = int(np.searchsorted(sol.t, T_RES))
    assert sol.t[i] == T_RES and grid.resect_at == i
    # the jump itself: ln N drops by exactly ln(rho) (probe: the state before the jump)
    before = sol.probes[T_RES][IDX["N"], 0]
    assert sol.rec[0, i, 0] - before == pytest.approx(np.log(RHO), rel=1e-6)
    # and the whole course after it against Radau (natural variables)
    t_eval = sol.t[[i, i + 40, sol.t.size - 1]]
    ref = solve_reference(z0, m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, t_eval,
                          resection=(T_RES, RHO))  # fmt: skip
    ours = np.exp(sol.rec[0, [i, i + 40, sol.t.size - 1], 0].astype(float))
    np.testing.assert_allclose(ours, ref[:, IDX["N"]], rtol=2e-4)


def test_integrate_refuses_a_resection_without_its_grid_node():
    m = _model()
    with pytest.raises(ValidationError, match="resection"):
        integrate(m.initial_state(), m.p, m.q, m.schedule, m.drive, m.t0, m.t_end,
                  resection=np.array([RHO]))  # fmt: skip


KW = dict(n_patients=300, rng=5, days=1000)


def test_same_seed_same_margins_as_postop():
    pre = simulate_cohort("50Gy/25fx", disease="preop", **KW).patients
    post = simulate_cohort("66Gy/33fx", disease="postop", **KW).patients
    assert (pre["margin"] == post["margin"]).all()
    assert (pre["residual_disease"] == post["residual_disease"]).all()
    # the gross tumour's traits, not the post-operative deposit's
    gross = simulate_cohort("50Gy/25fx", disease="gross", **KW).patients
    np.testing.assert_array_equal(pre["n0"], gross["n0"])
    assert set(pre["disease"]) == {"preop"}


def test_bed_without_residual_never_fails_and_failures_come_after_the_resection():
    none = simulate_cohort("50Gy/25fx", disease="preop", **KW,
                           params={"p_residual_r0": 0.0, "p_residual_r1": 0.0}).patients  # fmt: skip
    assert not none["residual_disease"].any()
    assert not none["local_failure"].any() and (none["tcp"] == 1.0).all()
    assert none["extinct"].all() and (none["clonogens_end"] == 0.0).all()
    assert not none["numerical_failure"].any()
    # every bed holds residual disease and the course is short: some regrow, all after surgery
    p = {"p_residual_r0": 1.0, "p_residual_r1": 1.0, "t_surgery": 21.0}
    res = simulate_cohort("20Gy/5fx", disease="preop", **KW, params=p).patients
    failed = res[res["local_failure"]]
    assert len(failed) > 10
    t_res = 4.0 + 21.0  # last fraction of 20Gy/5fx on day 4
    assert (failed["time_to_failure"] > t_res).all()


def test_bad_input_is_refused():
    with pytest.raises(ValidationError, match="patient setting only"):
        simulate_cohort("8Gy x3", disease="preop", setting="mouse", n_patients=10)
    with pytest.raises(ValidationError, match="t_surgery"):
        simulate_cohort("50Gy/25fx", disease="preop", n_patients=10, params={"t_surgery": -5})
    with pytest.raises(ValidationError, match="unknown disease extent 'pre-op'"):
        simulate_cohort("50Gy/25fx", disease="pre-op", n_patients=10)
    with pytest.raises(ValidationError, match="before the end of the follow-up"):
        simulate_cohort("50Gy/25fx", disease="preop", n_patients=10, days=40)
    with pytest.raises(ValidationError, match="needs a radiotherapy course"):
        simulate_cohort("none", disease="preop", n_patients=10)
    with pytest.raises(ValidationError, match="cohorts only"):
        tumour_model("50Gy/25fx", disease="preop")


def test_cli_preop_and_t_surgery(capsys):
    import json

    from ifnexus.cli import main

    rc = main(["simulate", "--schedule", "50Gy/25fx", "--disease", "preop", "--t-surgery", "35",
               "--patients", "20", "--days", "400", "--seed", "1", "--json"])  # fmt: skip
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_patients"] == 20
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--disease", "preop", "--t-surgery", "-1",
               "--patients", "20"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and "--t-surgery" in err and "t_surgery" in err
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--t-surgery", "30", "--patients", "20"])
    err = capsys.readouterr().err
    assert rc == 2 and "--disease preop" in err


def test_every_resected_tumour_within_1e4_of_a_finer_grid():
    """After the resection (a jump: the step restarts) the shared grid stays accurate."""
    from ifnexus.model._cohort import _config, _draws, _patients
    from ifnexus.model._solver import Drive, grid_options
    from ifnexus.model._system import initial_state

    n = 160
    params = {"p_residual_r0": 1.0, "p_residual_r1": 1.0}
    cfg = _config("50Gy/25fx", "patient", "preop", None, None, (), 365, True, 0, 7, params)
    q = _patients(cfg, _draws(cfg.entropy, 0, n))
    p, sched = cfg.p, cfg.schedule
    drive = Drive(cfg.interventions, p, first_fraction=sched.first_day)
    t0, t_end = sched.first_day, sched.first_day + cfg.days
    t_res = sched.last_day + p["t_surgery"]

    def burden(refine):
        g = build_grid(sched, drive, t0, t_end, resection=t_res, **grid_options("patient", refine))
        z = integrate(initial_state(p, q, n), p, q, sched, drive, t0, t_end, grid=g,
                      resection=q["_rho"]).z_end  # fmt: skip
        return np.exp(z[0]) + z[1:5].sum(axis=0)

    rel = np.abs(burden(1.0) / burden(8.0) - 1.0)
    assert rel.max() < 1e-4, rel.max()


def test_sensitivity_set_of_preop_has_the_gross_and_the_resection_parameters():
    from ifnexus.sensitivity import uncertain_parameters

    pre = set(uncertain_parameters(setting="patient", disease="preop"))
    post = set(uncertain_parameters(setting="patient", disease="postop"))
    gross = set(uncertain_parameters(setting="patient", disease="gross"))
    assert "n0" in pre and "n0" in gross and "n0" not in post  # the gross tumour is treated
    assert post - {"n0"} <= pre and (post - gross) <= pre  # the resection draws
