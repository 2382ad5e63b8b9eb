"""Kaplan-Meier local control and cumulative incidence per arm at the trial's curve times.

Why our own code: :func:`ifnexus.outcome.kaplan_meier` (the same estimate from lifelines'
``KaplanMeierFitter``, with R's Greenwood limits) takes about 15 ms per arm of 2,000 patients,
most of it lifelines' pandas event table; the designer computes it on every Run, where a second
is the budget. Here the product-limit estimate is computed from one sort, as lifelines does
(``exp(cumsum(log(n - d) - log n))`` over the distinct times, so the numbers are the same to
rounding), with the Greenwood sum of :func:`ifnexus.outcome.kaplan_meier` and, for the report
times, limits and the warning past the last follow-up, that function's own helpers
(``step_at``, ``beyond_follow_up``, ``_limits``). ``tests/trial/test_km.py`` checks it against
:func:`ifnexus.outcome.kaplan_meier` (itself tested against R ``survfit``) and lifelines, with
ties, censoring and report times beyond the follow-up, and against a hand-computed example.

:func:`cif_at` is :func:`ifnexus.outcome.cumulative_incidence` (cmprsk's Aalen-Johansen
estimate and variance, log(-log) limits) for one arm whose times and event codes the trial made
itself: the same functions (``_cinc``, ``_conf``, ``step_at``, ``beyond_follow_up``) without
its checks of a user's table and its pandas grouping (5 of its 6 ms per curve): one group's
body, ``ifnexus.outcome._cuminc.group_cif``, is shared; the same numbers (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["cif_at", "km_at"]


def km_at(
    time: np.ndarray, event: np.ndarray, at: np.ndarray, *, group: str, conf_level: float = 0.95
) -> pd.DataFrame:
    """Kaplan-Meier survival of one group at given times, with R's "log" confidence limits.

    Parameters
    ----------
    time
        Follow-up times (finite, >= 0).
    event
        True where the follow-up ends with the event (others are censored).
    at
        Report times, ascending and distinct (a time past the last follow-up gives NaN and an
        :class:`~ifnexus.errors.IfnexusWarning`, as :func:`ifnexus.outcome.kaplan_meier`).
    group
        The group's name (the ``group`` column and the warning).
    conf_level
        Confidence level of the limits.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``time``, ``survival``, ``lower``, ``upper``: the columns of
        :func:`ifnexus.outcome.kaplan_meier` the trial reports, the same numbers to rounding.
    """
    from ifnexus.outcome._data import beyond_follow_up, step_at
    from ifnexus.outcome._kaplan_meier import _limits

    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    qt = np.asarray(at, dtype=float)
    order = np.argsort(t, kind="stable")
    ts, es = t[order], e[order]
    ut, first = np.unique(ts, return_index=True)
    n = (ts.size - first).astype(float)  # at risk at each distinct time
    d = np.add.reduceat(es.astype(float), first) if ts.size else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.exp(np.cumsum(np.log(n - d) - np.log(n)))
        gw = np.cumsum(np.where(n > d, d / (n * (n - d)), np.where(d > 0, np.inf, 0.0)))
    q_s, q_gw = step_at(ut, surv, qt, 1.0), step_at(ut, gw, qt, 0.0)
    if ts.size:
        q_s, q_gw = beyond_follow_up(qt, ts[-1], group, "survival", q_s, q_gw)
    lo, hi = _limits(q_s, q_gw, stats.norm.ppf(0.5 + conf_level / 2), "log")
    return pd.DataFrame({"group": group, "time": qt, "survival": q_s, "lower": lo, "upper": hi})


def cif_at(
    time: np.ndarray,
    event: np.ndarray,
    cause: int,
    at: np.ndarray,
    *,
    group: str,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of one cause in one group at given times.

    Parameters
    ----------
    time
        Follow-up times (finite, >= 0).
    event
        Event codes: 0 censored, ``cause`` the event of interest, any other a competing event.
    cause
        The event code whose cumulative incidence is estimated.
    at
        Report times, ascending and distinct (a time past the last follow-up gives NaN and an
        :class:`~ifnexus.errors.IfnexusWarning`, as :func:`ifnexus.outcome.cumulative_incidence`).
    group
        The group's name (the ``group`` column and the warnings).
    conf_level
        Confidence level of the log(-log) limits.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``time``, ``cif``, ``lower``, ``upper``: the columns of
        :func:`ifnexus.outcome.cumulative_incidence` the trial reports, the same numbers.
    """
    from ifnexus.outcome._cuminc import group_cif

    ev = np.asarray(event)
    qt, q_f, _, lo, hi = group_cif(np.asarray(time, dtype=float), ev != 0, ev == cause,
                                   np.asarray(at, dtype=float), group=group,
                                   cause=float(cause), conf_level=conf_level,
                                   conf_type="log-log")  # fmt: skip
    return pd.DataFrame({"group": group, "time": qt, "cif": q_f, "lower": lo, "upper": hi})
