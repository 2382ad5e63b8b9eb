"""Issue 15 item 1: the tumour meets radiotherapy at its sampled size, whatever came before.

Reference: the definition of the sampled size (``n0`` is the clonogen number at the first
fraction), so the state just before the first fraction must hold exactly ``ln n0``.
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import simulate_cohort, tumour_model
from ifnexus.model._solver import integrate
from ifnexus.model._system import IDX

PRE_RT = ("anti-pd1:day=-21", "sting-agonist:day=-10,dose=2", "ifnar-block:start=-14,end=-2")


@pytest.mark.parametrize("intervention", [None, *PRE_RT])
@pytest.mark.parametrize("setting", ["mouse", "patient"])
def test_size_at_first_fraction_is_the_sampled_one(setting, intervention):
    ivs = [intervention] if intervention else []
    m = tumour_model("8Gy x3", setting=setting, interventions=ivs, days=30)
    sol = integrate(m.initial_state(), m.p, m.q, m.schedule, m.drive, m.t0, m.t_end,
                    probes=(0.0,) if m.t0 < 0 else (), grid=None)  # fmt: skip
    if m.t0 < 0:
        ln_n_first = sol.probes[0.0][IDX["N"], 0]
    else:
        ln_n_first = m.initial_state()[IDX["N"], 0]
    assert ln_n_first == pytest.approx(np.log(m.q["n0"]), abs=1e-12)


@pytest.mark.parametrize("intervention", PRE_RT)
def test_reference_solver_holds_the_size_before_rt(intervention):
    m = tumour_model("8Gy x3", setting="mouse", interventions=[intervention], days=20)
    ref = m.reference([m.t0 + 0.5, -1e-3], method="LSODA", rtol=1e-8)
    assert ref["N"].to_numpy() == pytest.approx([m.q["n0"]] * 2, rel=1e-9)


def test_pre_treatment_intervention_acts_on_the_immune_state_not_the_size():
    # anti-PD-1 three weeks before RT: same size at the first fraction, but the intervention
    # has acted (PD-1 occupancy is still high at day 0: exp(-0.1 * 21) = 0.12 of the dose left)
    kw = dict(setting="mouse", n_patients=64, rng=3, days=60)
    a = simulate_cohort("8Gy x3", **kw)
    b = simulate_cohort("8Gy x3", interventions=["anti-pd1:day=-21"], **kw)
    assert np.array_equal(a.patients["n0"], b.patients["n0"])
    # without the rule the tumour grew for 21 days (doubling 3.2 d): far larger minimum
    assert (b.patients["log10_clonogens_min"] <= a.patients["log10_clonogens_min"] + 1e-9).all()
