"""IFNAR / JAK-STAT blockade on tumour cells, host immune cells or both (issue #15 item 9).

References (closed-form equivalences of the equations): a complete blockade (``dose=1``) of
the tumour compartment over the whole simulation is the tumour IFNAR1 knockout (``t_ifnar = 0``
in every term it enters); of the host compartment, the IFNAR-deficient host (``h_ifnar = 0``);
``compartment=both`` (the default) is the blockade of earlier versions. The three copies of the
equations (numpy reference, numba kernel, SBML in libroadrunner) agree on compartment-specific
blockades, and with scipy's Radau.
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import parse_intervention, simulate_cohort, tumour_model

DAYS = 60
IVS = (
    "ifnar-block:start=0,end=20,compartment=tumour",
    "jak-inhibitor:start=5,end=30,dose=0.8,compartment=host",
    "ifnar-block:start=25,end=40,dose=0.5,compartment=host",
)


def _run(**kw) -> np.ndarray:
    m = tumour_model("8Gy x3", setting="mouse", days=DAYS, **kw)
    return m.simulate().drop(columns="time").to_numpy()


@pytest.mark.parametrize(
    ("compartment", "knockout"),
    [("tumour", {"genotype": "ifnar1-loss"}), ("host", {"host": "ifnar-loss"})],
)
def test_complete_blockade_of_a_compartment_is_its_knockout(compartment, knockout):
    blocked = _run(interventions=(f"ifnar-block:start=0,end={DAYS + 1},dose=1,"
                                  f"compartment={compartment}",))  # fmt: skip
    np.testing.assert_allclose(blocked, _run(**knockout), rtol=1e-12, atol=1e-300)
    assert not np.allclose(blocked, _run(), rtol=1e-6)  # and the blockade does something


def test_both_is_the_default_and_tumour_plus_host_is_both():
    both = _run(interventions=("ifnar-block:start=0,end=20,compartment=both",))
    np.testing.assert_array_equal(both, _run(interventions=("ifnar-block:start=0,end=20",)))
    split = _run(interventions=("ifnar-block:start=0,end=20,compartment=tumour",
                                "ifnar-block:start=0,end=20,compartment=host"))  # fmt: skip
    np.testing.assert_allclose(split, both, rtol=1e-12)


def test_numba_numpy_and_radau_agree_on_compartment_blockades():
    m = tumour_model("8Gy x3", setting="mouse", days=DAYS, genotype="chronic-ifn",
                     interventions=IVS)  # fmt: skip
    a = m.simulate(backend="numba")
    b = m.simulate(backend="numpy")
    np.testing.assert_allclose(a.drop(columns="time").to_numpy(),
                               b.drop(columns="time").to_numpy(), rtol=1e-10, atol=1e-12)  # fmt: skip
    t = a["time"].to_numpy()
    idx = np.unique(np.linspace(1, t.size - 1, 10).astype(int))
    ref = m.reference(t[idx], method="Radau", rtol=1e-8)
    rel = np.abs(a["burden"].to_numpy()[idx] / ref["burden"].to_numpy() - 1.0)
    assert rel.max() < 1e-4


def test_sbml_agrees_on_compartment_blockades():
    roadrunner = pytest.importorskip("roadrunner")
    m = tumour_model("8Gy x3", setting="mouse", days=DAYS, interventions=IVS)
    rr = roadrunner.RoadRunner(m.to_sbml())
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    ours = m.simulate()
    res = rr.simulate(0.0, m.t_end - m.t0, 2, selections=["time", "N", "D1", "D2", "D3", "D4", "P"])
    assert res[-1, 1:6].sum() == pytest.approx(ours["burden"].iloc[-1], rel=1e-3)


def test_cohort_host_blockade_spares_tumour_signalling():
    kw = dict(n_patients=40, setting="mouse", rng=1)
    ref = simulate_cohort("8Gy x3", **kw).patients
    host = simulate_cohort("8Gy x3", interventions="ifnar-block:start=0,end=30,compartment=host",
                           **kw).patients  # fmt: skip
    tum = simulate_cohort("8Gy x3", interventions="ifnar-block:start=0,end=30,compartment=tumour",
                          **kw).patients  # fmt: skip
    # the tumour-intrinsic acute IFN response peaks within days, before any T-cell feedback
    assert tum["ifn_peak"].mean() != pytest.approx(ref["ifn_peak"].mean(), rel=1e-3)
    assert host["ifn_peak"].mean() == pytest.approx(ref["ifn_peak"].mean(), rel=1e-3)
    assert host["cd8_fold_change_day7"].mean() < ref["cd8_fold_change_day7"].mean()


def test_parse_compartment():
    iv = parse_intervention("jak-inhibitor:start=0,end=7,compartment=Host")
    assert iv.compartment == "host" and iv.acts_on("host") and not iv.acts_on("tumour")
    assert parse_intervention(str(iv)) == iv
    assert str(parse_intervention("ifnar-block:start=0,end=7")).count("compartment") == 0
    with pytest.raises(ValidationError, match="compartment must be one of tumour, host, both"):
        parse_intervention("ifnar-block:start=0,end=7,compartment=stroma")
    with pytest.raises(ValidationError, match="unknown key 'compartment'"):
        parse_intervention("anti-pd1:day=0,compartment=host")
