"""SBML export, loaded and simulated by libroadrunner."""

from __future__ import annotations

import pytest

from ifnexus.model import tumour_model

roadrunner = pytest.importorskip("roadrunner")

CASES = [
    dict(schedule="20Gy x1", setting="mouse", days=60),
    # issue 15: incomplete repair between close doses; a pre-RT intervention (time zero)
    dict(schedule="0:10,0.02:10", setting="mouse", days=40, interventions=("anti-pd1:day=-21",)),
    dict(
        schedule="50Gy/25fx",
        setting="patient",
        days=90,
        genotype="chronic-ifn",
        interventions=(
            "sting-agonist:day=3,dose=1",
            "anti-pd1:day=0,dose=1,repeat=3,every=7",
            "jak-inhibitor:start=-7,end=10",
            "ifnar-block:start=20,end=30",
        ),
    ),
]


@pytest.mark.parametrize("kw", CASES)
def test_roadrunner_reproduces_burden(kw):
    kw = dict(kw)
    m = tumour_model(kw.pop("schedule"), **kw)
    xml = m.to_sbml()
    assert "<sbml" in xml and 'level="3"' in xml
    assert xml.count("<event ") == m.schedule.n_fractions
    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    ours = m.simulate()
    span = m.t_end - m.t0
    res = rr.simulate(0.0, span, 2, selections=["time", "N", "D1", "D2", "D3", "D4"])
    burden = res[-1, 1:].sum()
    assert burden == pytest.approx(ours["burden"].iloc[-1], rel=1e-3)


def test_roadrunner_reproduces_the_new_states():
    """Issue 15 items 12, 10, 9: memory, circulating lymphocytes, the draining node in the
    field and the Serpinb9-like inhibitor follow the same equations in SBML."""
    m = tumour_model("8Gy x3", setting="mouse", days=40, genotype="chronic-ifn",
                     params={"dln_in_field": 1.0})  # fmt: skip
    rr = roadrunner.RoadRunner(m.to_sbml())
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    ours = m.simulate().iloc[-1]
    res = rr.simulate(0.0, m.t_end - m.t0, 2, selections=["time", "Mm", "Alc", "Nd", "Zsb", "T"])
    for j, name in enumerate(("memory", "alc", "node", "serpinb9", "tpool"), start=1):
        assert res[-1, j] == pytest.approx(ours[name], rel=1e-4, abs=1e-9), name
