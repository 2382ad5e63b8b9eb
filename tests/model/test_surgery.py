"""Issue 15 item 5: surgery alone controls most sarcomas; margin status is a covariate.

References (the calibration sources of ``p_residual_r0`` / ``p_residual_r1``; the literature
panel's surgery entries are validation and are not used here): Scandinavian Sarcoma Group
protocol 1, high-grade extremity sarcoma ("Surgical margin in soft tissue sarcoma. The
Scandinavian Sarcoma Group experience"): local control 77/84 after wide local excision alone,
12/19 after marginal excision alone, 19/21 after marginal excision + RT. Tolerances are the
exact binomial 95% intervals of those counts (scipy), widened by the Monte Carlo error of the
simulated cohort.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort

KW = dict(disease="postop", n_patients=600, days=1825)


def _ci(k: int, n: int, slack: float = 0.03) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(0.95, method="exact")
    return ci.low - slack, ci.high + slack


@pytest.mark.parametrize(("margin", "k", "n"), [("R0", 77, 84), ("R1", 12, 19)])
def test_surgery_alone_local_control_by_margin(margin, k, n):
    d = simulate_cohort("none", margin=margin, rng=1, **KW).patients
    lo, hi = _ci(k, n)
    assert lo <= d["local_control"].mean() <= hi
    assert (d["margin"] == margin).all()


def test_postoperative_rt_after_marginal_excision():
    alone = simulate_cohort("none", margin="R1", rng=2, **KW).patients["local_control"].mean()
    rt = simulate_cohort("60Gy/30fx", margin="R1", rng=2, **KW).patients["local_control"].mean()
    lo, hi = _ci(19, 21)
    assert rt > alone + 0.2
    assert lo <= rt <= hi


def test_no_residual_disease_is_controlled():
    d = simulate_cohort("none", rng=3, **KW).patients
    clear = ~d["residual_disease"]
    assert 0.7 < clear.mean() < 0.95  # R0 92%, R1 63% free, with R1 in 18%
    assert (d.loc[clear, "tcp"] == 1.0).all() and d.loc[clear, "extinct"].all()
    assert not d.loc[clear, "local_failure"].any()
    # residual disease without RT regrows to detection within five years
    assert d.loc[~clear, "local_failure"].mean() > 0.95
    assert set(d["margin"]) == {"R0", "R1"}
    assert (d["margin"] == "R1").mean() == pytest.approx(0.18, abs=0.05)  # p_r1 (Ahmad 2016)


def test_gross_disease_is_not_resected():
    d = simulate_cohort("50Gy/25fx", n_patients=50, rng=0, days=400).patients
    assert (d["margin"] == "not resected").all() and d["residual_disease"].all()


def test_cohort_draws_of_gross_disease_unchanged_by_surgery_draws():
    # the surgery and growth-rate draws come from a second stream: alpha, n0 as before
    d = simulate_cohort("50Gy/25fx", n_patients=3, rng=0, days=400).patients
    e = simulate_cohort("none", n_patients=3, rng=0, days=400, disease="postop").patients
    np.testing.assert_array_equal(d["alpha"], e["alpha"])


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(margin="R2", disease="postop"), "unknown resection margin 'R2'; accepted: R0, R1"),
        (dict(margin="R0"), "margin= is defined for resected disease only"),
    ],
)
def test_bad_margin(kw, match):
    with pytest.raises(ValidationError, match=match):
        simulate_cohort("none", n_patients=2, **kw)


def test_tcd50_of_postoperative_disease_is_that_of_residual_disease():
    from ifnexus.model import tcd50

    # without conditioning on residual disease, control never falls below ~87% (surgery alone)
    r = tcd50("0:70:10", fractions=25, setting="patient", disease="postop", n_patients=100,
              rng=0, days=800)  # fmt: skip
    assert r.table["tcp_mean"].min() < 0.5 < r.table["tcp_mean"].max()
    assert 0 < r.tcd50_gy < 70
