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
  (0.14 EC50: a sustained or tonic signal that holds the IRDS programme at least half on);
* ``acute``: otherwise, if the peak rises at least ``ifn_acute_min`` (1 EC50: IFNAR
  signalling at least half-saturated) above the pre-treatment level (a burst that resolves);
* ``none``: neither;
* ``unknown``: the follow-up ends before the 4-week read (the level is NaN), so neither rule
  can be decided (and, in a cohort, a tumour flagged as a numerical failure).

The pre-treatment level is the steady state before any intervention or fraction, so that a
STING agonist given with (or before) the first fraction counts towards the burst.

:func:`sample_failure` and :func:`ifn_summary` are the readable numpy specification over
``(n_t, n)`` arrays; :func:`scan_outcomes` computes the same quantities (and the minimum
clonogen number) in one compiled pass over the solver's native per-tumour layout
``(n, n_t, n_rows)``, without ``(n_t, n)`` temporaries (a cohort of 1e5 tumours).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from scipy import stats

from ifnexus.errors import ValidationError

__all__ = ["ifn_summary", "sample_failure", "scan_outcomes", "zm_tcp"]


def zm_tcp(ln_n: np.ndarray, lam_int: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Zaider-Minerbo TCP from ``ln N(t)``, ``Lambda(t)`` and ``N0`` (arrays over tumours).

    Parameters
    ----------
    ln_n
        ``ln`` of the clonogen number at the time of evaluation.
    lam_int
        The Zaider-Minerbo integral ``Lambda(t)`` (death-rate-weighted) at that time.
    n0
        Initial clonogen number.

    Returns
    -------
    numpy.ndarray
        ``TCP = [1 - m / (1 + m Lambda)]^N0`` with ``m = N / N0``, per tumour.
    """
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    extinct, shift = _lineage_shift(tcp, u_extinct, u_lineages)
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


def _lineage_shift(
    tcp: np.ndarray, u_extinct: np.ndarray, u_lineages: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Extinction draw and the ``ln`` shift ``ln(K / mu)`` of the burden of surviving tumours.

    ``K ~ Poisson(mu)`` conditioned on ``K >= 1`` (by inversion), ``mu = -ln TCP``.
    """
    extinct = u_extinct < tcp
    mu = -np.log(np.clip(tcp, 1e-300, 1.0))
    lo = stats.poisson.cdf(0, np.maximum(mu, 1e-300))
    target = lo + u_lineages * (1.0 - lo)
    k = stats.poisson.ppf(np.clip(target, 0.0, 1.0 - 1e-16), np.maximum(mu, 1e-300))
    k = np.maximum(k, 1.0)
    shift = np.where(mu > 0, np.log(k) - np.log(np.maximum(mu, 1e-300)), 0.0)
    return extinct, shift


def _ifn_label(
    peak: np.ndarray,
    baseline: np.ndarray,
    level_4wk: np.ndarray,
    acute_min: float,
    chronic_min: float,
) -> np.ndarray:
    """``chronic`` / ``acute`` / ``none`` / ``unknown`` per tumour (rules in the module docstring)."""
    label = np.where(
        level_4wk >= chronic_min, "chronic", np.where(peak - baseline >= acute_min, "acute", "none")
    )
    return np.where(np.isnan(level_4wk), "unknown", label)


def ifn_summary(
    t: np.ndarray,
    ifn: np.ndarray,
    baseline: np.ndarray,
    level_4wk: np.ndarray,
    acute_min: float,
    chronic_min: float,
) -> dict[str, np.ndarray]:
    """Peak, time of peak, time to half-decay, level at 4 weeks and label per tumour.

    The half-decay time is counted from the peak to the first time IFN-I falls to
    ``baseline + (peak - baseline) / 2`` (NaN if it never does).

    Parameters
    ----------
    t
        Grid times, shape ``(n_t,)``.
    ifn
        IFN-I at the grid times, shape ``(n_t, n)``.
    baseline
        IFN-I before the first fraction, per tumour.
    level_4wk
        IFN-I four weeks after the last fraction, per tumour.
    acute_min, chronic_min
        Thresholds of the ``acute`` (peak over baseline) and ``chronic`` (4-week level) labels.

    Returns
    -------
    dict of numpy.ndarray
        ``ifn_baseline``, ``ifn_peak``, ``ifn_t_peak``, ``ifn_t_half``, ``ifn_4wk`` and
        ``ifn_label`` (acute / chronic / none; unknown where ``level_4wk`` is NaN).
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
    label = _ifn_label(peak, baseline, level_4wk, acute_min, chronic_min)
    return {
        "ifn_baseline": baseline,
        "ifn_peak": peak,
        "ifn_t_peak": t[j],
        "ifn_t_half": t_half,
        "ifn_4wk": level_4wk,
        "ifn_label": label,
    }


@nb.njit(cache=True, parallel=True, error_model="numpy")
def _scan(rec, row_n, row_ifn, t, ia, im, shift, ln_thr, survives, baseline):
    """Per tumour: failure crossing, minimum ``ln N``, IFN-I peak and half-decay time.

    The loops behind :func:`sample_failure` and :func:`ifn_summary` (the same comparisons,
    NaN rules and interpolation formulas) on the series ``rec[p, :, row]`` of one tumour per
    iteration. ``t`` is sorted, so ``t >= t_after`` is ``i >= ia`` and ``t >= t_min_from`` is
    ``i >= im``. ``not (v >= b)`` is ``v < b`` or ``v`` NaN (numpy's argmin/min/argmax take
    the first NaN).
    """
    n, n_t = rec.shape[0], rec.shape[1]
    hit = np.zeros(n, dtype=np.bool_)
    ttf = np.full(n, np.nan)
    ln_min = np.empty(n)
    peak = np.empty(n)
    t_peak = np.empty(n)
    t_half = np.full(n, np.nan)
    for p in nb.prange(n):
        x = rec[p, :, row_n]
        y = rec[p, :, row_ifn]
        # bottleneck: np.argmin of ln N masked to +inf before t_after (0 if all +inf)
        i_min = 0
        b = np.inf
        for i in range(ia, n_t):
            v = np.float64(x[i])
            if not (v >= b):
                b = v
                i_min = i
                if v != v:
                    break
        # minimum over t >= t_min_from, NaN propagating (reuses the bottleneck when im <= ia)
        mn, lo, hi = (b, im, ia) if im <= ia else (np.inf, im, n_t)
        if mn == mn:
            for i in range(lo, hi):
                v = np.float64(x[i])
                if not (v >= mn):
                    mn = v
                    if v != v:
                        break
        ln_min[p] = mn
        # failure: first node at or after the bottleneck and t_after where ln N + shift >= thr
        if survives[p]:
            sh = shift[p]
            thr = ln_thr[p]
            for jj in range(max(i_min, ia), n_t):
                y1 = np.float64(x[jj]) + sh
                if y1 >= thr:
                    hit[p] = True
                    if jj > i_min:
                        y0 = np.float64(x[jj - 1]) + sh
                        w = (thr - y0) / (y1 - y0) if y1 > y0 else 1.0
                        w = 0.0 if w < 0.0 else (1.0 if w > 1.0 else w)
                        ttf[p] = t[jj - 1] + w * (t[jj] - t[jj - 1])
                    else:
                        ttf[p] = t[jj]
                    break
        # IFN-I: first maximum, then the first node after it at or below half the rise
        j = 0
        pk = np.float64(y[0])
        if pk == pk:
            for i in range(1, n_t):
                v = np.float64(y[i])
                if not (v <= pk):
                    pk = v
                    j = i
                    if v != v:
                        break
        peak[p] = pk
        t_peak[p] = t[j]
        base = baseline[p]
        half = base + 0.5 * (pk - base)
        if pk > base:
            for k in range(j + 1, n_t):
                y1 = np.float64(y[k])
                if y1 <= half:
                    y0 = np.float64(y[k - 1])
                    w = (y0 - half) / (y0 - y1) if y0 > y1 else 1.0
                    w = 0.0 if w < 0.0 else (1.0 if w > 1.0 else w)
                    t_half[p] = (t[k - 1] + w * (t[k] - t[k - 1])) - t[j]
                    break
    return hit, ttf, ln_min, peak, t_peak, t_half


def scan_outcomes(
    t: np.ndarray,
    rec: np.ndarray,
    tcp: np.ndarray,
    ln_threshold: np.ndarray,
    u_extinct: np.ndarray,
    u_lineages: np.ndarray,
    t_after: float,
    baseline: np.ndarray,
    level_4wk: np.ndarray,
    acute_min: float,
    chronic_min: float,
    *,
    t_min_from: float,
    row_n: int = 0,
    row_ifn: int = 1,
) -> dict[str, np.ndarray]:
    """:func:`sample_failure`, :func:`ifn_summary` and the minimum ``ln N`` in one compiled pass.

    ``rec`` is the solver's native record, shape ``(n, n_t, n_rows)`` (``ln N`` in row
    ``row_n``, IFN-I in row ``row_ifn``) at the sorted grid times ``t``; the other arguments
    are those of the two numpy functions. Returns ``extinct``, ``failed``, ``time_to_failure``,
    ``ln_n_min`` (the minimum of ``ln N`` over ``t >= t_min_from``) and the
    :func:`ifn_summary` columns, equal to the numpy functions on ``rec[:, :, row].T``.
    """
    t = np.ascontiguousarray(t, dtype=float)
    rec = np.asarray(rec)
    if rec.ndim != 3 or rec.shape[1] != t.size:
        raise ValidationError(
            f"rec must have shape (n, {t.size}, n_rows) matching the {t.size} grid times, "
            f"got {rec.shape}"
        )
    if not (0 <= row_n < rec.shape[2] and 0 <= row_ifn < rec.shape[2]):
        raise ValidationError(f"rows {row_n}, {row_ifn} out of range for {rec.shape[2]} rows")
    if np.any(np.diff(t) < 0):
        raise ValidationError("grid times t must be sorted")
    im = int(np.searchsorted(t, t_min_from, side="left"))
    if im == t.size:
        raise ValidationError(f"no grid time at or after t_min_from={t_min_from:g}")
    ia = int(np.searchsorted(t, t_after, side="left"))
    n = rec.shape[0]
    # writable float64 copies of length n: one compiled signature whatever the inputs
    f64 = lambda a: np.array(np.broadcast_to(a, (n,)), dtype=float)  # noqa: E731
    tcp = f64(tcp)
    # the Poisson inversion only where the tumour survives (its shift is unused otherwise)
    survives = ~(f64(u_extinct) < tcp)
    shift = np.zeros(n)
    _, shift[survives] = _lineage_shift(
        tcp[survives], f64(u_extinct)[survives], f64(u_lineages)[survives]
    )
    base = f64(baseline)
    hit, ttf, ln_min, peak, t_peak, t_half = _scan(
        rec, row_n, row_ifn, t, ia, im, shift, f64(ln_threshold), survives, base
    )
    return {
        "extinct": ~survives,
        "failed": hit,
        "time_to_failure": ttf,
        "ln_n_min": ln_min,
        "ifn_baseline": baseline,
        "ifn_peak": peak,
        "ifn_t_peak": t_peak,
        "ifn_t_half": t_half,
        "ifn_4wk": level_4wk,
        "ifn_label": _ifn_label(peak, base, np.asarray(level_4wk), acute_min, chronic_min),
    }
