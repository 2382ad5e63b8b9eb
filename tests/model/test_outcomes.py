"""TCP, failure sampling and IFN labels against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.model import ifn_summary, sample_failure, zm_tcp


@pytest.mark.parametrize(("b", "d", "t"), [(0.3, 0.1, 5.0), (0.2, 0.5, 10.0), (0.4, 0.4001, 3.0)])
def test_zaider_minerbo_equals_kendall_birth_death(b, d, t):
    """Constant birth b and death d: extinction probability of one lineage (Kendall 1948)."""
    n0 = 50.0
    r = b - d
    ln_n = np.log(n0) + r * t
    lam = b * (1 - np.exp(-r * t)) / r  # int_0^t b / m(s) ds with m = exp(r s)
    p_ext = d * (np.exp(r * t) - 1) / (b * np.exp(r * t) - d)
    assert zm_tcp(np.array([ln_n]), np.array([lam]), np.array([n0]))[0] == pytest.approx(
        p_ext**n0, rel=1e-9
    )


def test_zaider_minerbo_is_poisson_without_births():
    n0, surv = 1e8, 1e-8 * 2.0  # two expected survivors
    tcp = zm_tcp(np.array([np.log(n0 * surv)]), np.array([0.0]), np.array([n0]))[0]
    assert tcp == pytest.approx(np.exp(-2.0), rel=1e-6)


def test_sample_failure_extremes():
    t = np.linspace(0, 100, 101)
    ln_n = np.repeat((np.log(10.0) + 0.1 * t)[:, None], 3, axis=1)  # regrows from 10 cells
    thr = np.full(3, np.log(1e4))
    u = np.full(3, 0.5)
    # TCP 1: never fails; TCP ~0: fails when the deterministic burden crosses the threshold
    ext, failed, ttf = sample_failure(t, ln_n, np.array([1.0, 1e-300, 1e-300]), thr, u, u, 0.0)
    assert ext[0] and not failed[0] and np.isnan(ttf[0])
    # K ~ Poisson(mu) with huge mu is mu: crossing at ln(1e4) = ln(10) + 0.1 t
    assert failed[1] and ttf[1] == pytest.approx(10 * np.log(1e3), rel=1e-3)


def test_ifn_summary_half_life_and_labels():
    t = np.linspace(0, 60, 6001)
    k = 0.3
    burst = 2.0 * np.exp(-k * t)
    flat = np.full_like(t, 0.3)
    none = np.full_like(t, 0.01)
    ifn = np.stack([burst, flat, none], axis=1)
    base = np.array([0.0, 0.3, 0.01])
    s = ifn_summary(t, ifn, base, ifn[-1], acute_min=0.1, chronic_min=0.1)
    assert s["ifn_peak"][0] == pytest.approx(2.0)
    assert s["ifn_t_half"][0] == pytest.approx(np.log(2) / k, rel=1e-3)
    assert s["ifn_label"].tolist() == ["acute", "chronic", "none"]
