"""The recorded time courses, built from arrays, equal the per-patient construction exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ifnexus.model._cohort as cohort
from ifnexus.model import simulate_cohort
from ifnexus.model._equations import MODEL
from ifnexus.model._system import IDX, STATE_NAMES, signals

#: the states the solver carries as logarithms (the model's declaration)
LOG_CARRIED = [s.name for s in MODEL.states if s.log]


def _per_patient(sol, patient_ids, p, q, keep, drive, t_first) -> pd.DataFrame:
    """The construction before the vectorised build: one DataFrame per patient and state."""
    full, t = sol.full, sol.t
    qk = {k: (v[keep] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in q.items()}
    frames = []
    for j, pid in enumerate(patient_ids):
        z = full[:, :, j].T.copy()
        vals = {name: z[i] for i, name in enumerate(STATE_NAMES)}
        for name in LOG_CARRIED:  # reported in natural units (N, the second lesion's clonogens)
            vals[name] = np.exp(z[IDX[name]])
        qj = {k: (v[j] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in qk.items()}
        wins = np.array([drive.window_factors(tt) for tt in t])
        lev = np.array([[drive.level(n, tt, tt)[0] for n in ("sting-agonist", "anti-pd1")]
                        for tt in t])  # fmt: skip
        sg = signals(z, p, qj, lev[:, 0], lev[:, 1], wins[:, 0], wins[:, 1], wins[:, 2])
        for name in ("sting", "ifn", "acute", "kill"):
            vals[name] = sg[name]
        vals["burden"] = sg["B"]
        vals["cd8"] = z[IDX["cd8_bystander"]] + z[IDX["cd8_effector"]]
        for name, v in vals.items():
            frames.append(
                pd.DataFrame({"patient": pid, "time": t - t_first, "state": name, "value": v})
            )
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(
    ("schedule", "interventions"),
    [
        ("50Gy/25fx", []),
        ("8Gy x3", ["sting-agonist:day=1,dose=1", "ifnar-block:start=3,end=20,dose=0.8",
                    "anti-pd1:day=0,dose=1,repeat=3,every=14"]),
    ],
)  # fmt: skip
def test_vectorised_timecourses_equal_the_per_patient_build(monkeypatch, schedule, interventions):
    pairs = []
    build = cohort._timecourses

    def both(*args):
        new = build(*args)
        pairs.append((new, _per_patient(*args)))
        return new

    monkeypatch.setattr(cohort, "_timecourses", both)
    res = simulate_cohort(schedule, n_patients=30, record=7, days=40, rng=11,
                          interventions=interventions, setting="patient")  # fmt: skip
    assert pairs
    for new, old in pairs:
        pd.testing.assert_frame_equal(new.to_frame(), old, check_exact=True)
    assert res.timecourses["patient"].nunique() == 7
