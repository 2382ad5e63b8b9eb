"""Figures of a virtual trial: curves per arm and paired differences by IFN state."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ifnexus._figures import need_columns, new_axes
from ifnexus.errors import ValidationError

__all__ = ["plot_differences", "plot_trial_curves"]

_LABELS = {
    "local_control_km": "Local control (Kaplan-Meier, deaths censored)",
    "cif_local_failure": "Cumulative incidence of local failure (death competing)",
    "cif_death": "Cumulative incidence of background death",
}


def draw_curves(ax: Axes, sub: pd.DataFrame) -> list[Any]:
    """Draw one measure's step curve and 95% band per arm (``group``) on ``ax``.

    The curves of :func:`plot_trial_curves`, also drawn by the designer on a cached frame
    (``ifnexus.serve._canvas``).

    Parameters
    ----------
    ax
        Axes to draw on.
    sub
        The rows of :attr:`TrialResult.curves` of one measure.

    Returns
    -------
    list
        The artists, bands first (a full draw draws collections before lines).
    """
    fills, lines = [], []
    for i, (name, c) in enumerate(sub.groupby("group", sort=False)):
        c = c.sort_values("time")
        t, est = c["time"].to_numpy(float), c["estimate"].to_numpy(float)
        lo = c["lower"].fillna(c["estimate"]).to_numpy(float)
        hi = c["upper"].fillna(c["estimate"]).to_numpy(float)
        colour = f"C{i % 10}"
        (line,) = ax.step(t, est, where="post", label=str(name), color=colour)
        lines.append(line)
        fills.append(ax.fill_between(t, lo, hi, step="post", alpha=0.15, color=colour,
                                     linewidth=0))  # fmt: skip
    return [*fills, *lines]


def plot_trial_curves(
    curves: pd.DataFrame,
    measure: str = "local_control_km",
    *,
    endpoint_years: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Step curves of one measure, one line per arm, with 95% bands.

    Parameters
    ----------
    curves
        :attr:`TrialResult.curves` (``measure``, ``group``, ``time``, ``estimate``, ``lower``,
        ``upper``).
    measure
        ``local_control_km``, ``cif_local_failure`` or ``cif_death``.
    endpoint_years
        Mark the endpoint time with a dotted line.
    ax
        Axes to draw on (a new figure's when None).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_columns(curves, ["measure", "group", "time", "estimate", "lower", "upper"],
                 "plot_trial_curves")  # fmt: skip
    if measure not in _LABELS:
        raise ValidationError(f"measure must be one of {', '.join(_LABELS)}, got {measure!r}")
    ax = new_axes(ax, (6.0, 4.0))
    draw_curves(ax, curves[curves["measure"] == measure])
    if endpoint_years is not None:
        ax.axvline(endpoint_years, color="grey", linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Years from the first fraction")
    ax.set_ylabel(_LABELS[measure])
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_differences(
    comparisons: pd.DataFrame, *, endpoint_years: float | None = None, ax: Axes | None = None
) -> Axes:
    """Forest plot of the paired local-control differences against the reference, by IFN state.

    Parameters
    ----------
    comparisons
        :attr:`TrialResult.comparisons` (``arm``, ``ifn_state``, ``difference``, ``ci_lower``,
        ``ci_upper``).
    endpoint_years
        The endpoint time, for the axis label.
    ax
        Axes to draw on (a new figure's when None).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_columns(comparisons, ["arm", "ifn_state", "difference", "ci_lower", "ci_upper"],
                 "plot_differences")  # fmt: skip
    rows = comparisons.reset_index(drop=True)
    ax = new_axes(ax, (6.5, 0.35 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    ax.errorbar(rows["difference"], y,
                xerr=[rows["difference"] - rows["ci_lower"], rows["ci_upper"] - rows["difference"]],
                fmt="o", color="black", ecolor="grey", capsize=2, markersize=4)  # fmt: skip
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{a} | {s}" for a, s in zip(rows["arm"], rows["ifn_state"], strict=True)],
                       fontsize=8)  # fmt: skip
    when = f" at {endpoint_years:g} years" if endpoint_years is not None else ""
    ax.set_xlabel(f"Paired difference in local control{when} vs reference (95% bootstrap)")
    return ax
