"""Figures of model results, drawn on a given Axes or Figure and returned (no file written).

Each function draws on ``ax`` (or ``fig`` for the multi-panel time courses) or on a new
pyplot-free Figure and returns it; save with :func:`ifnexus._figures.save_figure`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from ifnexus._figures import deprecated_path, need_columns, new_axes, new_figure
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_local_control", "plot_survival", "plot_tcd50", "plot_timecourses"]

TIMECOURSE_STATES: tuple[str, ...] = ("burden", "ifn", "acute", "ustat1", "irds", "cd8")


def _state_label(state: str) -> str:
    """``name (unit)`` from the model's state/observable declarations; the name when unknown."""
    from ifnexus.model._system import OBSERVABLES, STATES

    spec = {s.name: s for s in (*STATES, *OBSERVABLES)}.get(state)
    if spec is None or not spec.unit:
        return state
    return f"{state} ({'dimensionless' if spec.unit == '1' else spec.unit})"


@overload
def plot_timecourses(
    tc: pd.DataFrame,
    path: None = None,
    *,
    states: Sequence[str] = ...,
    fig: Figure | SubFigure | None = ...,
) -> Figure | SubFigure: ...
@overload
def plot_timecourses(
    tc: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    states: Sequence[str] = ...,
    fig: Figure | SubFigure | None = ...,
) -> Path: ...
def plot_timecourses(
    tc: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    states: Sequence[str] = TIMECOURSE_STATES,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure | Path:
    """Time courses of selected model states, one panel per state, one line per patient.

    Parameters
    ----------
    tc
        Long table ``patient, time, state, value`` (``CohortResult.timecourses``; time in days).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Figure with ``save_figure`` instead.
    states
        States drawn, one panel each (three per row); ``burden`` is drawn on a log axis.
    fig
        Figure or SubFigure to lay the panels out on; a new Figure when None.

    Returns
    -------
    matplotlib.figure.Figure
        The Figure holding the panels.

    Raises
    ------
    ValidationError
        If a column is missing or ``states`` is empty.
    """
    need_columns(tc, ["patient", "time", "state", "value"], "plot_timecourses")
    states = list(states)
    if not states:
        raise ValidationError("plot_timecourses: states is empty; name at least one state")
    ncols = min(3, len(states))
    nrows = int(np.ceil(len(states) / ncols))
    if fig is None:
        fig = new_figure((4.0 * ncols, 3.0 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, st in zip(axes, states, strict=False):
        sub = tc[tc["state"] == st]
        for _pid, g in sub.groupby("patient"):
            ax.plot(g["time"], g["value"], lw=0.8, alpha=0.7)
        if st == "burden":
            ax.set_yscale("log")
        ax.set_title(st)
        ax.set_ylabel(_state_label(st))
        ax.set_xlabel("Time from first fraction (days)")
    for ax in axes[len(states) :]:
        ax.set_visible(False)
    return deprecated_path("plot_timecourses", path, fig) if path is not None else fig


@overload
def plot_local_control(
    curves: pd.DataFrame, path: None = None, *, title: str = ..., ax: Axes | None = ...
) -> Axes: ...
@overload
def plot_local_control(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str = ...,
    ax: Axes | None = ...,
) -> Path: ...
def plot_local_control(
    curves: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str = "",
    ax: Axes | None = None,
) -> Axes | Path:
    """Kaplan-Meier local-control curves with confidence bands, one line per group.

    Parameters
    ----------
    curves
        Output of ``CohortResult.local_control_curve``: ``group``, ``time`` (days),
        ``local_control``, ``ci_lower``, ``ci_upper``.
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    title
        Axes title (e.g. the schedule).
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_columns(
        curves, ["group", "time", "local_control", "ci_lower", "ci_upper"], "plot_local_control"
    )
    ax = new_axes(ax, (6.0, 4.0))
    for grp, g in curves.groupby("group", sort=True):
        line = ax.step(g["time"], g["local_control"], where="post", label=str(grp))[0]
        ax.fill_between(g["time"], g["ci_lower"], g["ci_upper"], step="post", alpha=0.15,
                        color=line.get_color(), linewidth=0)  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Time from first fraction (days)")
    ax.set_ylabel("Local control (Kaplan-Meier)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return deprecated_path("plot_local_control", path, ax) if path is not None else ax


@overload
def plot_survival(df: pd.DataFrame, path: None = None, *, ax: Axes | None = ...) -> Axes: ...
@overload
def plot_survival(
    df: pd.DataFrame, path: str | os.PathLike[str], *, ax: Axes | None = ...
) -> Path: ...
def plot_survival(
    df: pd.DataFrame, path: str | os.PathLike[str] | None = None, *, ax: Axes | None = None
) -> Axes | Path:
    """Clonogenic survival curves per genotype on a log axis.

    Parameters
    ----------
    df
        Output of ``in_vitro_curves``: ``genotype``, ``dose`` (Gy), ``surviving_fraction``.
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_columns(df, ["genotype", "dose", "surviving_fraction"], "plot_survival")
    ax = new_axes(ax, (6.0, 4.0))
    for g, sub in df.groupby("genotype", sort=False):
        ax.semilogy(np.r_[0, sub["dose"]], np.r_[1, sub["surviving_fraction"]], "o-", label=g)
    ax.set_xlabel("Dose (Gy)")
    ax.set_ylabel("Surviving fraction")
    ax.legend(fontsize=8)
    return deprecated_path("plot_survival", path, ax) if path is not None else ax


@overload
def plot_tcd50(
    table: pd.DataFrame, b0: float, b1: float, path: None = None, *, ax: Axes | None = ...
) -> Axes: ...
@overload
def plot_tcd50(
    table: pd.DataFrame,
    b0: float,
    b1: float,
    path: str | os.PathLike[str],
    *,
    ax: Axes | None = ...,
) -> Path: ...
def plot_tcd50(
    table: pd.DataFrame,
    b0: float,
    b1: float,
    path: str | os.PathLike[str] | None = None,
    *,
    ax: Axes | None = None,
) -> Axes | Path:
    """Control fraction per dose with the fitted logistic ``1 / (1 + exp(-(b0 + b1 * dose)))``.

    Parameters
    ----------
    table
        ``TCD50Result.table``: ``dose`` (Gy) and ``tcp_mean``.
    b0, b1
        Intercept and slope (per Gy) of the fitted logistic (``TCD50Result.b0``/``.b1``).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> table = pd.DataFrame({"dose": [20.0, 40.0, 60.0], "tcp_mean": [0.1, 0.5, 0.9]})
    >>> plot_tcd50(table, -8.0, 0.2, ax=ax) is ax
    True

    The fitted curve crosses 50% control at TCD50 = -b0 / b1 = 40 Gy:

    >>> fit = ax.lines[1]
    >>> round(float(np.interp(0.5, fit.get_ydata(), fit.get_xdata())), 2)
    40.0
    """
    need_columns(table, ["dose", "tcp_mean"], "plot_tcd50")
    ax = new_axes(ax, (6.0, 4.0))
    ax.plot(table["dose"], table["tcp_mean"], "o", label="mean TCP")
    x = np.linspace(table["dose"].min(), table["dose"].max(), 200)
    ax.plot(x, 1 / (1 + np.exp(-(b0 + b1 * x))), "-", label="logistic fit")
    ax.axhline(0.5, color="grey", lw=0.5)
    ax.set_xlabel("Dose (Gy)")
    ax.set_ylabel("Fraction of tumours controlled")
    ax.legend(fontsize=8)
    return deprecated_path("plot_tcd50", path, ax) if path is not None else ax
