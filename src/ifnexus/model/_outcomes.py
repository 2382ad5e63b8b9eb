"""Per-tumour outcomes: tumour control probability, sampled local control, IFN dynamics labels.

TCP model: Zaider & Minerbo (2000 Phys Med Biol 45:279), i.e. the extinction probability of a
time-inhomogeneous birth-death process (Kendall 1948) evaluated along the model's clonogen
trajectory::

    TCP(t) = [1 - m(t) / (1 + m(t) Lambda(t))]^N0,  m = N/N0,  Lambda = int_0^t lambda(s) / m(s) ds

where ``lambda`` is the per-clonogen birth rate. Why not Poisson (``exp(-N)``): here clonogens
keep dying after the last fraction (delayed T-cell kill) and regrow, so the mean ``N(t)`` of
the ODE first falls far below one and then regrows deterministically; Poisson TCP then depends
on when it is read. The Zaider-Minerbo form counts lineages that went extinct during the
bottleneck and converges to the true extinction probability as follow-up grows, whatever the
kinetics after treatment. For large N0 it equals Poisson TCP at the end of a treatment
without repopulation.

Local failure is sampled per tumour: extinct with probability TCP; otherwise the number of
surviving lineages ``K`` is Poisson(-ln TCP) conditioned on ``K >= 1``, the surviving burden is
``N(t) K / (-ln TCP)`` after the bottleneck, and failure is the first time it reaches the
failure threshold (regrowth to ``f_fail N0`` for gross disease, ``N_det`` for post-operative
residual disease).

IFN labels (documented rules, thresholds in the parameter table):

* ``chronic``: IFN-I 4 weeks after the last fraction is at least ``ifn_chronic_min``
  (a sustained or tonic signal);
* ``acute``: otherwise, if the peak rises at least ``ifn_acute_min`` above the pre-treatment
  level (a burst that resolves);
* ``none``: neither.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["ifn_summary", "sample_failure", "zm_tcp"]


def zm_tcp(ln_n: np.ndarray, lam_int: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Zaider-Minerbo TCP from ``ln N(t)``, ``Lambda(t)`` and ``N0`` (arrays over tumours)."""
    m = np.exp(np.asarray(ln_n) - np.log(n0))
    frac = m / (1.0 + m * np.asarray(lam_int))
    frac = np.minimum(frac, 1.0 - 1e-16)
    return np.exp(n0 * np.log1p(-frac))


def sample_failure(
    t: np.ndarray,
    ln_n: np.ndarray,
    tcp: np.ndarray,
    ln_threshold: np.ndarray,
    u_extinct: np.ndarray,
    u_lineages: np.ndarray,
    t_after: float,
):
    """Sample extinction and the time of local failure.

    Parameters
    ----------
    t
        Grid times, shape ``(n_t,)``.
    ln_n
        ``ln N`` at the grid times, shape ``(n_t, n)``.
    tcp
        TCP per tumour.
    ln_threshold
        ``ln`` of the failure burden per tumour.
    u_extinct, u_lineages
        Uniform(0, 1) draws per tumour.
    t_after
        Failures are searched after the bottleneck and not before this time (the last fraction).

    Returns
    -------
    extinct, failed, time_to_failure
        Booleans and the failure time (NaN when no failure within follow-up).
    """
    n = tcp.size
    extinct = u_extinct < tcp
    mu = -np.log(np.clip(tcp, 1e-300, 1.0))
    # K ~ Poisson(mu) conditioned on K >= 1, by inversion
    lo = stats.poisson.cdf(0, np.maximum(mu, 1e-300))
    target = lo + u_lineages * (1.0 - lo)
    k = stats.poisson.ppf(np.clip(target, 0.0, 1.0 - 1e-16), np.maximum(mu, 1e-300))
    k = np.maximum(k, 1.0)
    shift = np.where(mu > 0, np.log(k) - np.log(np.maximum(mu, 1e-300)), 0.0)
    cond = ln_n + shift[None, :]
    i_min = np.argmin(np.where(t[:, None] >= t_after, ln_n, np.inf), axis=0)
    above = (cond >= ln_threshold[None, :]) & (np.arange(t.size)[:, None] >= i_min[None, :])
    above &= t[:, None] >= t_after
    hit = above.any(axis=0) & ~extinct
    j = np.argmax(above, axis=0)
    ttf = np.full(n, np.nan)
    idx = np.nonzero(hit)[0]
    if idx.size:
        jj = j[idx]
        t1 = t[jj]
        prev = np.maximum(jj - 1, 0)
        y1 = cond[jj, idx]
        y0 = cond[prev, idx]
        t0 = t[prev]
        thr = ln_threshold[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where((jj > i_min[idx]) & (y1 > y0), (thr - y0) / (y1 - y0), 1.0)
        ttf[idx] = np.where(jj > i_min[idx], t0 + np.clip(w, 0, 1) * (t1 - t0), t1)
    return extinct, hit, ttf


def ifn_summary(
    t: np.ndarray,
    ifn: np.ndarray,
    baseline: np.ndarray,
    level_4wk: np.ndarray,
    acute_min: float,
    chronic_min: float,
) -> dict[str, np.ndarray]:
    """Peak, time of peak, time to half-decay, level at 4 weeks and label per tumour.

    ``ifn`` has shape ``(n_t, n)``. The half-decay time is counted from the peak to the first
    time IFN-I falls to ``baseline + (peak - baseline) / 2`` (NaN if it never does).
    """
    ifn = np.asarray(ifn, dtype=float)
    j = np.argmax(ifn, axis=0)
    n = ifn.shape[1]
    peak = ifn[j, np.arange(n)]
    half = baseline + 0.5 * (peak - baseline)
    below = (ifn <= half[None, :]) & (np.arange(t.size)[:, None] > j[None, :])
    has = below.any(axis=0) & (peak > baseline)
    k = np.argmax(below, axis=0)
    cols = np.arange(n)
    y1 = ifn[k, cols]
    y0 = ifn[np.maximum(k - 1, 0), cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.clip(np.where(y0 > y1, (y0 - half) / (y0 - y1), 1.0), 0, 1)
    t_cross = t[np.maximum(k - 1, 0)] + w * (t[k] - t[np.maximum(k - 1, 0)])
    t_half = np.where(has, t_cross - t[j], np.nan)
    label = np.where(
        level_4wk >= chronic_min, "chronic", np.where(peak - baseline >= acute_min, "acute", "none")
    )
    return {
        "ifn_baseline": baseline,
        "ifn_peak": peak,
        "ifn_t_peak": t[j],
        "ifn_t_half": t_half,
        "ifn_4wk": level_4wk,
        "ifn_label": label,
    }
