"""Cohort-wide accuracy of the shared solver grid, not just hand-picked tumours.

Every tumour of a heterogeneous cohort is compared with the same equations on a grid 8x finer
(ETDRK4 converges, so the fine grid is the reference to well under 1e-5), and the worst tumour
is checked once more against scipy's Radau (rtol 1e-8).
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import tumour_model
from ifnexus.model._cohort import _config, _draws, _patients
from ifnexus.model._solver import Drive, build_grid, grid_options, integrate
from ifnexus.model._system import initial_state

N = 160


def _burden(cfg, q, grid):
    p, sched = cfg.p, cfg.schedule
    drive = Drive(cfg.interventions, p)
    t0, t_end = sched.first_day, sched.first_day + cfg.days
    g = build_grid(sched, drive, t0, t_end, **grid)
    z = integrate(initial_state(p, q, N), p, q, sched, drive, t0, t_end, grid=g).z_end
    return np.exp(z[0]) + z[1:5].sum(axis=0)


@pytest.mark.parametrize(
    "schedule, setting, days, genotype",
    [
        ("50Gy/25fx", "patient", 365, None),
        ("20Gy x1", "patient", 365, None),
        ("30Gy/10fx", "patient", 365, "chronic-ifn"),
        ("8Gy x3", "mouse", 120, None),
    ],
)
def test_every_tumour_within_1e4_of_a_finer_grid(schedule, setting, days, genotype):
    cfg = _config(schedule, setting, "gross", genotype, None, (), days, True, 0, 7, None)
    q = _patients(cfg, _draws(cfg.entropy, 0, N))
    ours = _burden(cfg, q, grid_options(setting))
    ref = _burden(cfg, q, grid_options(setting, refine=8))
    rel = np.abs(ours / ref - 1.0)
    assert rel.max() < 1e-4, rel.max()


def test_worst_sampled_tumour_agrees_with_radau():
    cfg = _config("20Gy x1", "patient", "gross", None, None, (), 365, True, 0, 7, None)
    q = _patients(cfg, _draws(cfg.entropy, 0, N))
    rel = np.abs(
        _burden(cfg, q, grid_options("patient")) / _burden(cfg, q, grid_options("patient", 8)) - 1
    )
    i = int(np.argmax(rel))
    m = tumour_model("20Gy x1", setting="patient", days=365, alpha=q["alpha"][i],
                     alpha_beta=q["alpha_beta"][i], n0=q["n0"][i], infiltration=q["tau"][i],
                     chronic=q["chronic"][i])  # fmt: skip
    m.q.update({k: float(q[k][i]) for k in ("t_sting", "t_cluster")})
    ours = m.simulate()["burden"].to_numpy()[-1]
    ref = m.reference([365.0])["burden"].to_numpy()[0]
    assert abs(ours / ref - 1.0) < 1e-4
