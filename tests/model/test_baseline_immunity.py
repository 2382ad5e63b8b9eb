"""Pre-existing tumour-specific T-cell response and memory (issue #15 item 12).

References: closed forms of the equations (the pre-treatment state is a fixed point of the
right-hand side; memory decays with the half-life of Hammarlund et al. 2003) and published
directions: spontaneous priming against an untreated tumour needs T cells, host STING (Woo et
al. 2014 Immunity 41:830) and host IFNAR (Fuertes et al. 2011 J Exp Med 208:2005); memory
cells outlast the effectors (Kaech & Cui 2012 Nat Rev Immunol 12:749).
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import parameters, tumour_model
from ifnexus.model._system import IDX, decay_rates, forcing, initial_state
from ifnexus.model._variants import parse_genotype, parse_host


def _q(genotype=None, host=None, **traits):
    q = {"alpha": 0.1, "beta": 0.01, "n0": 3e7, "tau": 1.0, "r_g": 0.2}
    q.update(parse_genotype(genotype))
    q.update(parse_host(host))
    q.update(traits)
    return q


@pytest.mark.parametrize(
    ("genotype", "host"),
    [(None, None), ("chronic-ifn", None), (None, "t-cell-deficient"), (None, "sting-loss"),
     ("stat1-loss", "ifnar-loss")],
)  # fmt: skip
def test_pre_treatment_state_is_a_fixed_point(genotype, host):
    """Every state but ln N, Lambda, A_I and memory (which integrate) is at rest at t0."""
    p = parameters("mouse")
    q = _q(genotype, host)
    z = initial_state(p, q, 1)
    dz = forcing(z, p, q, 0.0, 0.0, 0.0, 0.0, 0.0, grow=0.0) - decay_rates(p)[:, None] * z
    rest = [i for i in range(z.shape[0]) if i not in
            (IDX["N"], IDX["zm_lambda"], IDX["ifn_auc"], IDX["memory"])]  # fmt: skip
    np.testing.assert_allclose(dz[rest, 0], 0.0, atol=1e-9)


@pytest.mark.parametrize("setting", ["mouse", "patient"])
def test_untreated_tumours_carry_a_minority_tumour_specific_response(setting):
    """Spontaneous priming from dying tumour cells: at the median tumour the tumour-specific
    effectors are about 10% of the CD8+ infiltrate (Scheper et al. 2019 Nat Med 25:89, the
    source of w_b; bystanders abundant: Simoni et al. 2018 Nature 557:575); none without T
    cells. (Limitation: the baseline priming uses the IFN-independent share eps_P only, so it
    does not need host STING or IFNAR as in Woo 2014 / Fuertes 2011.)"""
    p = parameters(setting)
    q = _q(n0=p["n0"])
    es = initial_state(p, q, 1)[IDX["cd8_effector"], 0]
    eb = initial_state(p, q, 1)[IDX["cd8_bystander"], 0]
    assert es / eb == pytest.approx(0.1, rel=0.01)
    assert initial_state(p, _q(n0=p["n0"], host="nude"), 1)[IDX["cd8_effector"], 0] == 0.0
    # more tumour, more antigen, a larger baseline response (saturating in K_J)
    assert initial_state(p, _q(n0=10 * p["n0"]), 1)[IDX["cd8_effector"], 0] > es


def test_no_baseline_response_in_a_dish():
    p = parameters("mouse")
    z = initial_state(p, _q(), 1, in_vitro=True)
    assert z[IDX["dc"], 0] == z[IDX["tpool"], 0] == z[IDX["cd8_effector"], 0] == 0.0


def test_memory_decays_with_the_published_half_life():
    """With no primed pool left, dM/dt = -k_mem M: M(t) = M0 exp(-k_mem t), half-life 8 y."""
    p = parameters("mouse")
    assert np.log(2) / p["k_mem"] / 365.0 == pytest.approx(8.0)
    q = _q(host="t-cell-deficient")  # no primed pool: memory only decays
    z = initial_state(p, q, 1)
    z[IDX["memory"]] = 1.0
    c = decay_rates(p)
    f = forcing(z, p, q, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert c[IDX["memory"]] == p["k_mem"]
    assert f[IDX["memory"], 0] == 0.0


def test_cured_hosts_keep_memory():
    """After an ablative dose cures a graft, the effectors contract but memory stays (a share
    f_mem of the contracting pool), and a T-cell-deficient host forms none."""
    wt = tumour_model("50Gy x1", setting="mouse", days=200).simulate()
    nude = tumour_model("50Gy x1", setting="mouse", days=200, host="nude").simulate()
    assert wt["N"].min() < 1e-6  # far below one clonogen: controlled
    assert nude["memory"].max() == 0.0
    peak_t = wt["tpool"].max()
    end = wt.iloc[-1]
    assert end["tpool"] < 0.05 * peak_t  # the primed pool has contracted
    assert end["memory"] > 0.9 * wt["memory"].max()  # memory has not
    assert end["memory"] > 0.0
