"""Power and sample size of a real two-arm trial of time to local failure (log-rank).

Closed forms (each a line; scipy gives the normal quantiles):

* Schoenfeld (1983, Biometrics 39:499): events ``d = (z_{1-a/s} + z_{1-b})^2 / (p (1 - p)
  log(HR)^2)`` with allocation ``p`` to the experimental arm;
* Freedman (1982, Stat Med 1:121), as in R ``powerSurvEpi::ssizeCT.default`` (Rosner 2006,
  section 14.12): ``m = (1/k) ((k HR + 1) / (HR - 1))^2 (z_{1-a/s} + z_{1-b})^2`` events with
  ``k = n_E / n_C``; patients ``n_E = m k / (k p_E + p_C)``, ``n_C = m / (k p_E + p_C)``;
* the probability that a patient's event is seen, with uniform accrual over ``A`` and further
  follow-up ``F``, by Simpson's rule (Schoenfeld 1983):
  ``P = (F(F) + 4 F(F + A/2) + F(F + A)) / 6`` with ``F(t)`` the cumulative incidence of local
  failure (death competing) at ``t``.

The simulation runs the trial itself: patients drawn with replacement from the virtual arms
(independently per arm, as in a randomised trial), uniform entry over the accrual period,
administrative censoring at the analysis, death as a competing event censoring local failure,
and the log-rank test of :func:`ifnexus.outcome.logrank_test`; every trial is seeded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import ValidationError

__all__ = [
    "event_probability",
    "freedman_sample_size",
    "schoenfeld_events",
    "simulated_power",
]


def _check_prob(name: str, v: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
        raise ValidationError(f"{name} must be in (0, 1), got {v!r}")
    return float(v)


def _z(alpha: float, power: float, sides: int) -> float:
    _check_prob("alpha", alpha)
    _check_prob("power", power)
    if sides not in (1, 2):
        raise ValidationError(f"sides must be 1 or 2, got {sides!r}")
    return float(norm.ppf(1 - alpha / sides) + norm.ppf(power))


def _check_hr(hr: float) -> float:
    if not (isinstance(hr, int | float) and math.isfinite(hr) and hr > 0) or hr == 1:
        raise ValidationError(f"hazard ratio must be a positive number other than 1, got {hr!r}")
    return float(hr)


def schoenfeld_events(
    hr: float, *, alpha: float = 0.05, power: float = 0.8, allocation: float = 0.5, sides: int = 2
) -> float:
    """Events a log-rank test needs to detect hazard ratio ``hr`` (Schoenfeld 1983).

    Parameters
    ----------
    hr
        The hazard ratio (experimental over reference), > 0 and not 1.
    alpha
        Type I error, in (0, 1).
    power
        Power, in (0, 1).
    allocation
        Fraction of patients on the experimental arm, in (0, 1).
    sides
        1 or 2 (two-sided test: ``alpha/2`` in each tail).

    Returns
    -------
    float
        The number of events (not rounded).

    Examples
    --------
    HR 0.5, two-sided alpha 0.05, power 0.8, 1:1: ``4 (1.95996 + 0.84162)^2 / log(2)^2 = 65.3``.

    >>> round(schoenfeld_events(0.5), 1)
    65.3
    """
    _check_prob("allocation", allocation)
    z = _z(alpha, power, sides)
    return z * z / (allocation * (1 - allocation) * math.log(_check_hr(hr)) ** 2)


def freedman_sample_size(
    hr: float,
    p_experimental: float,
    p_reference: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    sides: int = 2,
) -> dict[str, float]:
    """Events and patients by Freedman's formula (R ``powerSurvEpi::ssizeCT.default``).

    Parameters
    ----------
    hr
        The hazard ratio (experimental over reference).
    p_experimental, p_reference
        Probability that a patient's event is observed during the study, per arm.
    alpha, power, sides
        As in :func:`schoenfeld_events`.
    ratio
        ``k = n_E / n_C``.

    Returns
    -------
    dict
        ``events`` (``m``, not rounded), ``n_experimental`` and ``n_reference`` (rounded up,
        as R does), ``n_total``.

    Examples
    --------
    Rosner (2006) Example 14.42, the example of ``ssizeCT.default``: HR 0.7, p_E 0.3707,
    p_C 0.4890, power 0.8: 294 patients per arm.

    >>> freedman_sample_size(0.7, 0.3707, 0.4890)["n_experimental"]
    294
    """
    _check_prob("p_experimental", p_experimental)
    _check_prob("p_reference", p_reference)
    if not (isinstance(ratio, int | float) and ratio > 0 and math.isfinite(ratio)):
        raise ValidationError(f"ratio must be > 0, got {ratio!r}")
    hr = _check_hr(hr)
    z = _z(alpha, power, sides)
    k = float(ratio)
    m = (1 / k) * ((k * hr + 1) / (hr - 1)) ** 2 * z * z
    denom = k * p_experimental + p_reference
    ne, nc = math.ceil(m * k / denom - 1e-9), math.ceil(m / denom - 1e-9)
    return {"events": m, "n_experimental": ne, "n_reference": nc, "n_total": ne + nc}


def event_probability(cif_at: Any, accrual: float, followup: float) -> float:
    """Probability that a patient's event is observed, by Simpson's rule (Schoenfeld 1983).

    Parameters
    ----------
    cif_at
        A callable: cumulative incidence of the event (competing risks included) at an array of
        times.
    accrual, followup
        Uniform accrual period ``A`` and further follow-up ``F`` (same units as ``cif_at``).

    Returns
    -------
    float
        ``(F(F) + 4 F(F + A/2) + F(F + A)) / 6``.

    Examples
    --------
    Exponential events with rate 0.1 and no accrual period: ``1 - exp(-0.1 * 5)``.

    >>> round(event_probability(lambda t: 1 - np.exp(-0.1 * t), 0.0, 5.0), 6)
    0.393469
    """
    if accrual < 0 or followup < 0 or accrual + followup <= 0:
        raise ValidationError(
            f"accrual and follow-up must be >= 0 with a positive sum, got {accrual!r}, {followup!r}"
        )
    t = np.array([followup, followup + accrual / 2, followup + accrual], dtype=float)
    f = np.asarray(cif_at(t), dtype=float)
    return float((f[0] + 4 * f[1] + f[2]) / 6)


def simulated_power(
    reference: pd.DataFrame,
    experimental: pd.DataFrame,
    n_total: int,
    *,
    accrual: float,
    followup: float,
    alpha: float = 0.05,
    allocation: float = 0.5,
    sides: int = 2,
    simulations: int = 400,
    rng: RngLike = 0,
) -> dict[str, float]:
    """Power of a simulated two-arm trial of ``n_total`` patients (log-rank on local failure).

    Parameters
    ----------
    reference, experimental
        Virtual patients of the two arms: columns ``time_to_failure`` and ``time_to_death``
        (years from the start of treatment; NaN/inf for no event within the model's follow-up)
        and ``followup`` (years the model followed the patient).
    n_total
        Patients in the trial (both arms).
    accrual, followup
        Uniform accrual over ``accrual`` years, analysis ``followup`` years after the last
        patient enters. Must not exceed the model's follow-up.
    alpha, allocation, sides
        Type I error, fraction on the experimental arm, 1 or 2 sides (one-sided: benefit of
        the experimental arm only).
    simulations
        Trials simulated.
    rng
        Seed (0 is valid) or Generator.

    Returns
    -------
    dict
        ``power`` (fraction of trials rejecting), ``power_se`` (its binomial standard error),
        ``n_total``, ``n_experimental``, ``mean_events``, ``simulations``.
    """
    from ifnexus.outcome import logrank_test

    _check_prob("alpha", alpha)
    _check_prob("allocation", allocation)
    if sides not in (1, 2):
        raise ValidationError(f"sides must be 1 or 2, got {sides!r}")
    if n_total < 4:
        raise ValidationError(f"n_total must be at least 4, got {n_total}")
    horizon = accrual + followup
    short = min(float(reference["followup"].min()), float(experimental["followup"].min()))
    if horizon > short + 1e-9:
        raise ValidationError(
            f"accrual + follow-up ({horizon:g} years) exceeds the virtual patients' follow-up "
            f"({short:g} years); lengthen the trial's followup_years"
        )
    gen = as_generator(rng)
    n_e = max(1, min(n_total - 1, round(n_total * allocation)))
    n_c = n_total - n_e
    arms = np.r_[np.zeros(n_c, int), np.ones(n_e, int)]
    pools = [
        (f[["time_to_failure", "time_to_death"]].to_numpy(float)) for f in (reference, experimental)
    ]
    reject = 0
    events = 0
    for _ in range(int(simulations)):
        draws = np.vstack([pools[0][gen.integers(0, len(pools[0]), n_c)],
                           pools[1][gen.integers(0, len(pools[1]), n_e)]])  # fmt: skip
        entry = gen.uniform(0, accrual, n_total) if accrual > 0 else np.zeros(n_total)
        cens = horizon - entry
        ttf = np.nan_to_num(draws[:, 0], nan=np.inf)
        ttd = np.nan_to_num(draws[:, 1], nan=np.inf)
        t = np.minimum(np.minimum(ttf, ttd), cens)
        code = np.where((ttf <= ttd) & (ttf <= cens), 1, np.where(ttd <= cens, 2, 0))
        df = pd.DataFrame({"time": np.maximum(t, 1e-9), "event": code, "arm": arms})
        events += int((code == 1).sum())
        if not (code == 1).any():
            continue
        res = logrank_test(df, "time", "event", "arm", cause=1)
        if sides == 2:
            reject += res.p_value < alpha
        else:
            oe = res.table.set_index("group")["o_minus_e"]
            z = -float(oe.loc[1]) / math.sqrt(max(float(res.variance[1, 1]), 1e-300))
            reject += z > norm.ppf(
                1 - alpha
            )  # fewer failures than expected on the experimental arm
    p = reject / simulations
    return {
        "power": p, "power_se": math.sqrt(p * (1 - p) / simulations), "n_total": int(n_total),
        "n_experimental": int(n_e), "mean_events": events / simulations,
        "simulations": int(simulations),
    }  # fmt: skip
