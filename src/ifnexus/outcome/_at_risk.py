"""Numbers at risk by group at chosen times, from the same prepared data the curves use.

The number at risk at time ``t`` is the count of patients whose follow-up time is ``>= t`` (R
``survfit``'s ``n.risk``, survminer's risk table). Rows are validated and dropped exactly as
:func:`~ifnexus.outcome.kaplan_meier` and :func:`~ifnexus.outcome.cumulative_incidence` do, so
the table drawn under a curve counts the patients that curve was estimated from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ifnexus.outcome._data import group_labels, prepare, query_times, sorted_levels

__all__ = ["number_at_risk", "tick_times"]


def tick_times(t_max: float, *, n_ticks: int = 6) -> list[float]:
    """Return round time points from 0 to at most ``t_max`` (matplotlib's tick choice).

    Parameters
    ----------
    t_max
        The largest follow-up time.
    n_ticks
        The most intervals wanted.

    Returns
    -------
    list of float
        Increasing times starting at 0, none beyond ``t_max``.

    Examples
    --------
    >>> tick_times(57.3)
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    """
    from matplotlib.ticker import MaxNLocator

    if not np.isfinite(t_max) or t_max <= 0:
        return [0.0]
    ticks = MaxNLocator(nbins=n_ticks, steps=[1, 2, 2.5, 3, 5, 6, 10]).tick_values(0.0, t_max)
    return [float(t) for t in ticks if 0 <= t <= t_max * (1 + 1e-12)]


def number_at_risk(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    group_col: str | None = None,
    times: Sequence[float] | None = None,
    cause: float | None = None,
    censor_code: float = 0,
    event_codes: Sequence[float] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Count the patients at risk (follow-up time ``>= t``) per group at each time ``t``.

    Parameters
    ----------
    df
        One row per patient; never modified.
    duration_col, event_col
        Follow-up time and event code columns, validated as the curve functions do.
    group_col
        Optional grouping column; ``"all"`` without it. Groups in the curves' (sorted) order.
    times
        Times to count at; ``None`` gives round times from 0 to the largest follow-up
        (:func:`tick_times`), the x ticks of the figures.
    cause, censor_code, event_codes
        As in :func:`~ifnexus.outcome.kaplan_meier` / :func:`~ifnexus.outcome.cumulative_incidence`
        (``cause`` given: any other non-censoring code is a competing event).
    source
        File name for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``time``, ``at_risk`` (int), one row per group and time.

    Raises
    ------
    ValidationError
        Bad times, event codes or ``times``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"months": [1, 2, 3, 4, 8], "event": [1, 0, 1, 1, 0]})
    >>> number_at_risk(d, "months", "event", times=[0, 2, 5])["at_risk"].tolist()
    [5, 4, 1]
    """
    extra = [group_col] if group_col else []
    sd = prepare(df, duration_col, event_col, cause=cause, censor_code=censor_code,
                 event_codes=event_codes, extra_cols=extra, source=source)  # fmt: skip
    labels = group_labels(df, sd, group_col)
    qt = np.asarray(tick_times(float(sd.time.max())) if times is None else query_times(times))
    rows = []
    for g in sorted_levels(labels):
        t = np.sort(sd.time[labels == g])
        n = t.size - np.searchsorted(t, qt, side="left")
        rows.append(pd.DataFrame({"group": g, "time": qt.astype(float), "at_risk": n.astype(int)}))
    return pd.concat(rows, ignore_index=True)
