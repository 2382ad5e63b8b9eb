"""Kaplan-Meier survival with Greenwood standard errors and R-style confidence limits.

The estimate comes from lifelines' ``KaplanMeierFitter`` (identical to R ``survfit``). Its
confidence band is the log(-log) one; R's default is ``conf.type="log"``. We therefore compute
the Greenwood variance from lifelines' event table and offer R's ``"log"`` (default),
``"log-log"`` and ``"plain"`` limits, so the numbers equal ``summary(survfit(...))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy import stats

from ifnexus.errors import ValidationError
from ifnexus.outcome._data import (
    beyond_follow_up,
    check_conf_level,
    group_labels,
    prepare,
    query_times,
    sorted_levels,
    step_at,
)

__all__ = ["kaplan_meier", "median_survival"]

KMConfType = Literal["log", "log-log", "plain"]


def _limits(S, gw, z, conf_type: KMConfType):
    """Confidence limits from the Greenwood sum ``gw`` = Var(log S)."""
    se_log = np.sqrt(gw)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lo, hi = S * np.exp(-z * se_log), np.minimum(S * np.exp(z * se_log), 1.0)
        elif conf_type == "log-log":
            s = z * se_log / np.log(S)
            lo, hi = S ** np.exp(-s), S ** np.exp(s)
            lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        elif conf_type == "plain":
            se = S * se_log
            lo, hi = np.clip(S - z * se, 0, 1), np.clip(S + z * se, 0, 1)
        else:
            raise ValidationError(
                f"conf_type must be 'log', 'log-log' or 'plain', got {conf_type!r}"
            )
    lo = np.where(S > 0, lo, 0.0)
    hi = np.where(S > 0, hi, 0.0)
    return lo, hi


def _km_table(t, e):
    kmf = KaplanMeierFitter().fit(t, e)
    et = kmf.event_table
    et = et[et.index > 0] if (et.index == 0).any() and not ((t == 0).any()) else et
    time = et.index.to_numpy(dtype=float)
    n = et["at_risk"].to_numpy(dtype=float)
    d = et["observed"].to_numpy(dtype=float)
    c = et["censored"].to_numpy(dtype=float)
    S = kmf.survival_function_.loc[time].to_numpy()[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(np.where(n > d, d / (n * (n - d)), np.where(d > 0, np.inf, 0.0)))
    return time, n, d, c, S, gw


def kaplan_meier(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    group_col: str | None = None,
    times: Sequence[float] | None = None,
    cause: float | None = None,
    censor_code: float = 0,
    conf_level: float = 0.95,
    conf_type: KMConfType = "log",
    source: str | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier survival curves (overall or by group), as R ``summary(survfit(...))``.

    Parameters
    ----------
    df
        One row per patient.
    duration_col, event_col
        Follow-up time and event indicator (0/1, booleans, or codes with ``cause``).
    group_col
        Optional grouping column.
    times
        Report at these times (R's ``summary(fit, times=)``); ``None`` gives every distinct
        time. Times beyond a group's last follow-up are NaN with a warning.
    cause
        With multi-code event columns: the code counted as the event (others censored, a
        cause-specific curve).
    censor_code
        Code of censored rows.
    conf_level, conf_type
        Confidence level and transform: ``"log"`` (R default), ``"log-log"`` (lifelines
        default) or ``"plain"``.
    source
        File name for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``time``, ``n_risk``, ``n_event``, ``n_censor``, ``survival``,
        ``std_err`` (of the survival, Greenwood), ``lower``, ``upper``.

    Raises
    ------
    ValidationError
        Bad times or event codes.

    Examples
    --------
    Four patients, events at 1, 2 and 4 months and one censored at 3: the product-limit
    estimate is 3/4, then ``3/4 * 2/3 = 1/2``, unchanged at the censoring, then 0.

    >>> import pandas as pd
    >>> from ifnexus.outcome import kaplan_meier
    >>> df = pd.DataFrame({"months": [1, 2, 3, 4], "event": [1, 1, 0, 1]})
    >>> kaplan_meier(df, "months", "event")["survival"].round(9).tolist()
    [0.75, 0.5, 0.5, 0.0]
    """
    check_conf_level(conf_level)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    extra = [group_col] if group_col else []
    sd = prepare(df, duration_col, event_col, cause=cause, censor_code=censor_code,
                 extra_cols=extra, source=source)  # fmt: skip
    labels = group_labels(df, sd, group_col)
    event = sd.status == 1
    out = []
    for g in sorted_levels(labels):
        m = labels == g
        t, e = sd.time[m], event[m]
        time, n, d, c, S, gw = _km_table(t, e)
        if times is None:
            qt, qn, qd, qc, qS, qgw = time, n, d, c, S, gw
        else:
            qt = query_times(times)
            qS, qgw = step_at(time, S, qt, 1.0), step_at(time, gw, qt, 0.0)
            qn = (t.size - np.searchsorted(np.sort(t), qt, side="left")).astype(float)
            # events / censorings in (previous reported time, this time], as R's summary
            qd, qc = (np.diff(np.searchsorted(np.sort(t[sel]), qt, side="right"), prepend=0)
                      .astype(float) for sel in (e, ~e))  # fmt: skip
            qS, qgw = beyond_follow_up(qt, t.max(), g, "survival", qS, qgw)
        lo, hi = _limits(qS, qgw, z, conf_type)
        out.append(pd.DataFrame({
            "group": g, "time": qt, "n_risk": qn.astype(int), "n_event": qd.astype(int),
            "n_censor": qc.astype(int), "survival": qS, "std_err": qS * np.sqrt(qgw),
            "lower": lo, "upper": hi,
        }))  # fmt: skip
    res = pd.concat(out, ignore_index=True)
    res.attrs.update(method="Kaplan-Meier (lifelines), Greenwood SE", conf_type=conf_type,
                     conf_level=conf_level)  # fmt: skip
    return res


def median_survival(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    group_col: str | None = None,
    cause: float | None = None,
    censor_code: float = 0,
    conf_level: float = 0.95,
    conf_type: KMConfType = "log",
    source: str | None = None,
) -> pd.DataFrame:
    """Median survival with its confidence interval per group (R ``survfit`` print table).

    The median is the first time at which survival is <= 0.5 (the midpoint of the flat part
    when it equals 0.5 exactly, as R does); the limits are the first times at which the upper
    and lower confidence curves reach 0.5. NaN when not reached.

    Parameters
    ----------
    df, duration_col, event_col, group_col, cause, censor_code, conf_level, conf_type, source
        As in :func:`kaplan_meier`.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``n_event``, ``median``, ``lower``, ``upper``.
    """
    km = kaplan_meier(df, duration_col, event_col, group_col=group_col, cause=cause,
                      censor_code=censor_code, conf_level=conf_level, conf_type=conf_type,
                      source=source)  # fmt: skip
    rows = []
    for g, sub in km.groupby("group", sort=False):
        t = sub["time"].to_numpy()
        rows.append({
            "group": g, "n": int(sub["n_risk"].iloc[0]), "n_event": int(sub["n_event"].sum()),
            "median": _first_below(t, sub["survival"].to_numpy()),
            "lower": _first_below(t, sub["lower"].to_numpy()),
            "upper": _first_below(t, sub["upper"].to_numpy()),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _first_below(t: np.ndarray, s: np.ndarray) -> float:
    tol = 1e-9
    below = np.flatnonzero(s <= 0.5 + tol)
    if below.size == 0:
        return float("nan")
    i = below[0]
    if abs(s[i] - 0.5) < tol and i + 1 < t.size:
        nxt = np.flatnonzero(s < 0.5 - tol)
        if nxt.size:
            return float((t[i] + t[nxt[0]]) / 2)
    return float(t[i])
