"""TCP, failure sampling and IFN labels against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import ifn_summary, sample_failure, zm_tcp
from ifnexus.model._outcomes import scan_outcomes


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


def _numpy_outcomes(t, rec, tcp, thr, ue, ul, t_after, base, lvl, t_min_from):
    """The numpy specification on the ``(n_t, n)`` layout, for comparison with the compiled pass."""
    ln_n = rec[:, :, 0].T.astype(float)
    ext, failed, ttf = sample_failure(t, ln_n, tcp, thr, ue, ul, t_after)
    s = ifn_summary(t, rec[:, :, 1].T, base, lvl, acute_min=0.2, chronic_min=0.5)
    return {
        "extinct": ext,
        "failed": failed,
        "time_to_failure": ttf,
        "ln_n_min": np.min(ln_n[t >= t_min_from], axis=0),
        **s,
    }


def _structured_cohort(n: int, seed: int):
    """Irregular grid; ln N falls during treatment then regrows; IFN-I bursts, plateaus, rises."""
    rng = np.random.default_rng(seed)
    t = np.unique(np.r_[np.linspace(-5, 0, 11), np.cumsum(rng.uniform(0.05, 0.4, 300))])
    t_after = float(t[np.searchsorted(t, 30.0)])  # the last fraction is a grid node
    ln0 = rng.uniform(12, 22, n)
    kill = rng.uniform(0.2, 1.0, n)
    regrow = rng.uniform(0.0, 0.4, n)
    delay = rng.uniform(0, 20, n)
    fall = ln0[None, :] - kill[None, :] * np.clip(t, 0, 30)[:, None]
    ln_n = fall + regrow[None, :] * np.clip(t[:, None] - 30 - delay[None, :], 0, None)
    base = rng.uniform(0, 0.5, n)
    t_p = rng.uniform(-2, 60, n)
    tau = rng.uniform(0.5, 20, n)
    s = np.clip(t[:, None] - t_p[None, :], 0, None)
    ifn = base[None, :] + rng.uniform(0, 3, n)[None, :] * s / tau * np.exp(1 - s / tau)
    kind = rng.integers(0, 4, n)
    ifn[:, kind == 1] = base[kind == 1]  # flat: peak equals baseline
    ifn[:, kind == 2] += 0.01 * t[:, None]  # slow rise: peak at the last node, never halves
    ifn[:, kind == 3] = np.round(ifn[:, kind == 3], 1)  # plateaus: ties at the peak
    rec = np.stack([ln_n.T, ifn.T], axis=2).astype(np.float32)
    tcp = np.where(rng.random(n) < 0.3, rng.uniform(0.05, 0.95, n), 10.0 ** -rng.uniform(1, 300, n))
    thr = ln0 + np.log(rng.uniform(0.2, 2.0, n))
    return t, rec, tcp, thr, rng.random(n), rng.random(n), t_after, base, ifn[-1]


def _assert_same(t, rec, tcp, thr, ue, ul, t_after, base, lvl, t_min_from=0.0):
    got = scan_outcomes(t, rec, tcp, thr, ue, ul, t_after, base, lvl, 0.2, 0.5,
                        t_min_from=t_min_from)  # fmt: skip
    want = _numpy_outcomes(t, rec, tcp, thr, ue, ul, t_after, base, lvl, t_min_from)
    assert list(got) == list(want)
    for k, v in want.items():
        np.testing.assert_array_equal(got[k], v, err_msg=k)
    return got


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scan_outcomes_equals_numpy_specification(seed):
    got = _assert_same(*_structured_cohort(500, seed))
    # the structured cohort exercises every branch
    assert got["failed"].any() and (~got["failed"] & ~got["extinct"]).any() and got["extinct"].any()
    assert np.isnan(got["ifn_t_half"]).any() and np.isfinite(got["ifn_t_half"]).any()
    assert set(got["ifn_label"]) == {"none", "acute", "chronic"}


def test_scan_outcomes_edge_cases():
    from ifnexus.model._outcomes import _lineage_shift

    t = np.arange(0.0, 21.0)
    n = 9
    ln_n = np.repeat((np.abs(t - 8.0) - 3.0)[:, None], n, axis=1)  # V: bottleneck at node 8
    ifn = np.repeat(np.exp(-0.5 * (t - 5.0) ** 2)[:, None], n, axis=1)
    tcp = np.full(n, 1e-20)
    ue, ul = np.full(n, 0.9), np.linspace(0.05, 0.95, n)
    _, shift = _lineage_shift(tcp, ue, ul)
    ln_n32 = ln_n.astype(np.float32)
    thr = ln_n32[14, :] + shift  # 0: failure exactly at node 14
    thr[1] = 100.0  # 1: never fails
    tcp[2] = 1.0  # 2: extinct
    ln_n32[:, 3] = np.where(t < 4.0, 0.0, 2.0)  # 3: above threshold at the bottleneck itself
    thr[3] = 1.0 + shift[3]
    ifn[:, 4] = 0.1 + 0.01 * t  # 4: IFN-I peaks at the last node
    ifn[:, 5] = np.where(t < 5, 0.0, 1.0 - 0.01 * (t - 5))  # 5: falls but never halves
    ln_n32[3, 6], ifn[2, 6] = np.nan, np.nan  # 6: NaN (propagates as in numpy)
    ifn[:, 7] = np.select([t < 5, t == 5, t <= 8], [0.0, 1.0, 0.5], 0.25)  # 7: plateau at half
    ln_n32[:, 8] = np.minimum(ln_n32[:, 8], 3.0)  # 8: plateau at the failure threshold
    rec = np.stack([ln_n32.T, ifn.T], axis=2).astype(np.float32)
    base = np.zeros(n)
    got = _assert_same(t, rec, tcp, thr, ue, ul, 4.0, base, rec[:, -1, 1])
    assert got["failed"][0] and got["time_to_failure"][0] == t[14]
    assert not got["failed"][1] and np.isnan(got["time_to_failure"][1])
    assert got["extinct"][2] and not got["failed"][2]
    assert got["failed"][3] and got["time_to_failure"][3] == 4.0  # the first minimum, no interp
    assert got["ifn_t_peak"][4] == t[-1] and np.isnan(got["ifn_t_half"][4])
    assert np.isnan(got["ifn_t_half"][5])
    assert got["ifn_t_half"][7] == 1.0  # the first node at half
    assert got["failed"][8] and got["time_to_failure"][8] == t[14]
    # n = 1, and a search window starting after every node
    for k in range(n):
        _assert_same(t, rec[k : k + 1], tcp[k : k + 1], thr[k : k + 1], ue[k : k + 1],
                     ul[k : k + 1], 4.0, base[:1], rec[k : k + 1, -1, 1])  # fmt: skip
    _assert_same(t, rec, tcp, thr, ue, ul, 99.0, base, rec[:, -1, 1], t_min_from=20.0)
    _assert_same(t, rec, tcp, thr, ue, ul, 4.0, base, rec[:, -1, 1], t_min_from=10.0)
    _assert_same(t, rec, tcp, thr, ue, ul, -1.0, base, rec[:, -1, 1], t_min_from=0.0)


def test_scan_outcomes_rejects_bad_layout():
    t = np.arange(5.0)
    rec = np.zeros((5, 3, 2), dtype=np.float32)  # (n_t, n, rows): the old layout
    one = np.ones(3)
    with pytest.raises(ValidationError, match="shape"):
        scan_outcomes(t, rec, one, one, one, one, 0.0, one, one, 0.1, 0.1, t_min_from=0.0)
