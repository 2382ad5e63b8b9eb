"""The kernel without the second lesion (second_lesion = 0) gives the full kernel's numbers.

With ``second_lesion`` = 0 the second lesion's clonogens are held at their start value and read
by nothing else, so the compiled kernel integrates the other 25 states with ``_force_off`` (the
declaration with the switch at 0). Its reciprocals are computed exactly as in the full forcing
(:func:`ifnexus.model._codegen._schedule`'s ``common``), so the two must agree to the bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.model import _solver as solver
from ifnexus.model import simulate_cohort, tumour_model

DESIGNS = {
    "patients 50 Gy/25 fx": dict(schedule="50Gy/25fx", n_patients=40, days=120, rng=3),
    "mice 8 Gy x3, anti-PD-1 + STING agonist": dict(
        schedule="8Gy x3", setting="mouse", n_patients=24, days=60, rng=4,
        interventions=["anti-pd1:day=0,repeat=3,every=3", "sting-agonist:day=1"],
    ),
    "mice 8 Gy x3, anti-CTLA-4": dict(
        schedule="8Gy x3", setting="mouse", n_patients=24, days=60, rng=5,
        interventions=["anti-ctla4:day=0,repeat=3,every=3"],
    ),
    "patients chronic IFN, 20 Gy x1": dict(
        schedule="20Gy x1", n_patients=40, days=120, rng=6, genotype="chronic-ifn",
    ),
}  # fmt: skip


def _cohort(switch_off: bool, monkeypatch, **kw):
    monkeypatch.setattr(solver, "USE_SWITCH_OFF", switch_off)
    return simulate_cohort(record=2, **kw)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_without_second_lesion_the_short_kernel_equals_the_full_one(design, monkeypatch):
    """Every column of the patient table and every time-course value, bit for bit."""
    kw = DESIGNS[design]
    short = _cohort(True, monkeypatch, **kw)
    full = _cohort(False, monkeypatch, **kw)
    assert short.params["second_lesion"] == 0.0
    pd.testing.assert_frame_equal(short.patients, full.patients, check_exact=True)
    pd.testing.assert_frame_equal(short.timecourses, full.timecourses, check_exact=True)
    assert len(short.timecourses) > 0


def test_the_short_kernel_is_taken_only_without_a_second_lesion():
    from ifnexus.model._kernel import SWITCH

    assert SWITCH == "second_lesion"
    assert solver._switch_off({"second_lesion": 0.0}, SWITCH)
    assert not solver._switch_off({"second_lesion": 1.0}, SWITCH)


def test_the_held_state_keeps_its_start_value():
    """The second lesion's clonogens, not integrated without it, are reported at their start."""
    m = tumour_model("8Gy x3", setting="mouse", days=30)
    from ifnexus.model._system import IDX

    res = m.simulate()
    n0 = np.exp(m.initial_state()[IDX["lesion2"], 0])  # carried as ln
    assert n0 == pytest.approx(m.p["n0_second"], rel=1e-14)
    np.testing.assert_array_equal(res["lesion2"].to_numpy(), np.full(len(res), n0))


def test_with_a_second_lesion_the_full_kernel_computes_the_reference():
    """The full forcing (second lesion on) against the numpy reference right-hand side."""
    m = tumour_model("8Gy x3", setting="mouse", days=40, params={"second_lesion": 1.0},
                     interventions=["anti-ctla4:day=0,repeat=3,every=3"])  # fmt: skip
    a = m.simulate(backend="numba")
    b = m.simulate(backend="numpy")
    assert a["lesion2"].iloc[-1] != a["lesion2"].iloc[0]  # the lesion evolves
    np.testing.assert_allclose(a.drop(columns="time").to_numpy(),
                               b.drop(columns="time").to_numpy(), rtol=1e-10, atol=1e-12)  # fmt: skip
