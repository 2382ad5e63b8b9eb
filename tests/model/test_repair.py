"""Issue 15 item 4: incomplete repair between doses close in time (Lea-Catcheside).

References: closed forms of the Lea-Catcheside factor for instantaneous fractions (Thames
1985 Int J Radiat Biol 47:319; Dale 1985 Br J Radiol 58:515): two equal doses ``dt`` apart
give ``G = (1 + exp(-mu dt)) / 2`` (1 at ``dt = 0``: one dose of the sum; 1/2 when fully
repaired); with bi-exponential repair ``G`` is the share-weighted sum of the components'.
"""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import bed, parse_schedule, protraction_factor, tumour_model, unrepaired_dose
from ifnexus.model._solver import integrate
from ifnexus.model._system import IDX

LN2 = np.log(2.0)


@pytest.mark.parametrize("dt_h", [0.0, 1 / 60, 0.5, 1.0, 3.0, 24.0, 1e4])
@pytest.mark.parametrize("t_rep", [0.5, 1.0, 1.5])
def test_two_doses_closed_form(dt_h, t_rep):
    g = protraction_factor([0.0, dt_h / 24], [3.0, 3.0], t_rep)
    assert g == pytest.approx((1 + np.exp(-LN2 * dt_h / t_rep)) / 2, rel=1e-12)


def test_limits_single_dose_and_full_repair():
    assert protraction_factor([0.0, 1e-9], [4.0, 6.0], 1.0) == pytest.approx(1.0, abs=1e-7)
    # n equal fractions a day apart: G = 1/n (fully repaired; exp(-24 ln 2) ~ 6e-8)
    assert protraction_factor(np.arange(5.0), [2.0] * 5, 1.0) == pytest.approx(0.2, rel=1e-6)


def test_bi_exponential_closed_form():
    dt = 2.0 / 24
    g = protraction_factor([0, dt], [5, 5], (0.3, 4.0), weights=(0.6, 0.4))
    want = 0.6 * (1 + np.exp(-LN2 * 2 / 0.3)) / 2 + 0.4 * (1 + np.exp(-LN2 * 2 / 4.0)) / 2
    assert g == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValidationError, match="weights"):
        protraction_factor([0, dt], [5, 5], (0.3, 4.0), weights=(0.6, 0.6))


def test_unrepaired_dose_recursion_equals_sum():
    t = np.array([0.0, 0.1, 0.15, 1.0])
    d = np.array([2.0, 3.0, 1.0, 4.0])
    mu = LN2 * 24 / 0.8
    want = [sum(d[i] * np.exp(-mu * (t[j] - t[i])) for i in range(j)) for j in range(4)]
    np.testing.assert_allclose(unrepaired_dose(t, d, 0.8), want, rtol=1e-12)


def test_bed_with_incomplete_repair():
    # 2 x 10 Gy one minute apart at alpha/beta 10: nearly the BED of one 20-Gy dose (60 Gy)
    s = parse_schedule("0:10,0.0007:10")
    assert bed(s, 10.0, repair_half_time=1.0) == pytest.approx(
        20 + 400 * protraction_factor(s.days, s.doses, 1.0) / 10
    )
    assert bed(s, 10.0, repair_half_time=1.0) == pytest.approx(
        60.0, rel=5e-3
    )  # 1 min of 1-h repair: G = 0.994
    assert bed(s, 10.0) == pytest.approx(40.0)  # full repair (the classic formula)
    assert bed(parse_schedule("50Gy/25fx"), 10.0, repair_half_time=1.0) == pytest.approx(
        60.0, rel=1e-6
    )


def _ln_sf(schedule: str, t_end: float) -> float:
    """ln(N/N0) just after the last fraction of STAT1-null cells in a dish (pure LQ + growth)."""
    m = tumour_model(schedule, setting="mouse", in_vitro=True, n0=1e6, days=t_end,
                     genotype="stat1-loss")  # fmt: skip
    sol = integrate(m.initial_state(), m.p, m.q, m.schedule, m.drive, m.t0, m.t_end, grid=m.grid())
    return float(sol.z_end[IDX["N"], 0] - np.log(1e6)), m


@pytest.mark.parametrize("dt", [0.0007, 2 / 24, 1.0])
def test_model_two_doses_follow_the_closed_form(dt):
    ln_sf, m = _ln_sf(f"0:5,{dt}:5", dt + 1e-4)
    a, b = m.q["alpha"], m.q["beta"]
    g = protraction_factor([0, dt], [5, 5], m.p["T_rep"])
    growth = (m.p["r"] - m.p["d0"]) * (dt + 1e-4)  # net growth in the dish (no IFN-I loop)
    assert ln_sf == pytest.approx(-(a * 10 + b * g * 100) + growth, rel=1e-4)  # ~ no K in a dish


def test_two_doses_a_minute_apart_act_as_one():
    split, _ = _ln_sf("0:10,0.0007:10", 0.001)
    single, _ = _ln_sf("0:20", 0.0017)
    apart, _ = _ln_sf("0:10,1:10", 1.0001)
    assert split == pytest.approx(single, rel=5e-3)  # 1 min of 1-h repair: G = 0.994
    assert apart > split + 1.0  # a day apart: far less kill (full repair)


def test_lymphocytes_in_the_field_follow_the_same_factor():
    # two 1-Gy doses 1 s apart kill in-field CD8+ T cells as one 2-Gy dose (LQ of Cho 2023)
    def eb(schedule: str, days: float) -> float:
        m = tumour_model(schedule, setting="mouse", days=days)
        sol = integrate(m.initial_state(), m.p, m.q, m.schedule, m.drive, m.t0, m.t_end,
                        grid=m.grid())  # fmt: skip
        return float(
            sol.z_end[IDX["cd8_bystander"], 0] / m.initial_state()[IDX["cd8_bystander"], 0]
        )

    m = tumour_model("0:2", setting="mouse", days=1)
    al, bl = m.p["alpha_l"], m.p["beta_l"]
    single = eb("0:2", 2e-4)
    # within 2e-4 d the pool's influx (k_Ed = 2 /d) adds < 1e-3 of the baseline
    assert single == pytest.approx(np.exp(-al * 2 - bl * 4), abs=1e-3)
    assert eb("0:1,0.00001:1", 2e-4) == pytest.approx(single, rel=1e-3)
