"""PD-L1-independent resistance: ISG-encoded inhibitors of T-cell kill in tumour cells
(Serpinb9-like; issue #15 item 9).

References: closed forms of the equations (the inhibitor's steady state ``A + R - A R``; its
effect on kill is untouched by PD-1 blockade) and published directions: Serpinb9 is induced in
tumour cells by their own IFNAR signalling after irradiation (Chen et al. 2019 JCI 129:4224)
and sustained by prolonged, chronic IFN signalling (Benci et al. 2016 Cell 167:1540).
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import parameters, tumour_model
from ifnexus.model._system import IDX, initial_state, signals
from ifnexus.model._variants import parse_genotype, parse_host


def _q(genotype=None):
    q = {"alpha": 0.1, "beta": 0.01, "n0": 3e7, "tau": 1.0, "r_g": 0.2}
    q.update(parse_genotype(genotype))
    q.update(parse_host(None))
    return q


def test_inhibitor_acts_on_kill_whatever_the_pd1_blockade():
    """With PD-1 fully blocked (o = 1) the kill still falls by (1 - theta_S Z): the route is
    PD-L1-independent (closed form of y; kill = kappa_max y / (1 + y))."""
    p = parameters("mouse")
    q = _q()
    z = initial_state(p, q, 1)
    z[IDX["cd8_effector"]] = 2.0
    z[IDX["pdl1"]] = 3.0
    kills = {}
    for zv in (0.0, 1.0):
        z[IDX["serpinb9"]] = zv
        kills[zv] = signals(z, p, q, 0.0, 1.0)["kill"][0]
    y = {k: v / (p["kappa_max"] - v) for k, v in kills.items()}  # invert kappa y / (1 + y)
    assert y[1.0] / y[0.0] == pytest.approx(1.0 - p["theta_S"], rel=1e-10)


def test_pre_treatment_level_is_the_closed_form():
    """Z0 = A0 + R0 - A0 R0 (zero without tonic IFN; raised in a chronic-IFN tumour)."""
    p = parameters("mouse")
    assert initial_state(p, _q(), 1)[IDX["serpinb9"], 0] == 0.0
    z = initial_state(p, _q("chronic-ifn"), 1)
    a0 = signals(z, p, _q("chronic-ifn"))["acute"][0]
    r0 = z[IDX["irds"], 0]
    assert z[IDX["serpinb9"], 0] == pytest.approx(a0 + r0 - a0 * r0, rel=1e-9)
    assert z[IDX["serpinb9"], 0] > 0.0


def test_induced_by_tumour_ifnar_signalling_and_sustained_by_chronic_ifn():
    """After 20 Gy the inhibitor rises in the tumour cells (Chen 2019), not without tumour
    IFNAR1 or STAT1 or under a tumour-compartment IFNAR block; a chronic-IFN tumour keeps it
    raised weeks later (Benci 2016)."""
    wt = tumour_model("20Gy x1", setting="mouse", days=60).simulate()
    assert wt["serpinb9"].max() > 0.1
    for kw in ({"genotype": "ifnar1-loss"}, {"genotype": "stat1-loss"},
               {"interventions": ("ifnar-block:start=0,end=61,dose=1,compartment=tumour",)}):  # fmt: skip
        ko = tumour_model("20Gy x1", setting="mouse", days=60, **kw).simulate()
        assert ko["serpinb9"].max() < 0.5 * wt["serpinb9"].max(), kw
    host = tumour_model("20Gy x1", setting="mouse", days=60, interventions=(
        "ifnar-block:start=0,end=61,dose=1,compartment=host",)).simulate()  # fmt: skip
    np.testing.assert_allclose(host["serpinb9"].max(), wt["serpinb9"].max(), rtol=0.2)
    chronic = tumour_model("20Gy x1", setting="mouse", days=60, genotype="chronic-ifn").simulate()
    assert chronic["serpinb9"].iloc[-1] > wt["serpinb9"].iloc[-1] + 0.05
