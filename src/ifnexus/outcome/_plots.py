"""Figures for outcome results: step curves by group and forest plots, drawn on a given Axes.

Plot functions take the tidy tables the analysis functions return, draw on ``ax`` (or ``fig``
for several panels) or on a new pyplot-free Figure, and return it; they compute nothing and
write no file (save with :func:`ifnexus._figures.save_figure`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from ifnexus._figures import deprecated_path, new_axes, new_figure
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_curves", "plot_forest"]


def _need(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValidationError(
            f"{what}: column(s) {missing} not in the table (it has {list(df.columns)})"
        )


def _draw_curves(ax: Axes, sub: pd.DataFrame, value_col: str, xlabel: str, ylabel: str) -> None:
    for g, cg in sub.groupby("group", sort=False):
        cg = cg.sort_values("time")
        line = ax.step(cg["time"], cg[value_col], where="post", label=str(g))[0]
        if {"lower", "upper"} <= set(cg.columns) and cg["lower"].notna().any():
            ax.fill_between(cg["time"], cg["lower"], cg["upper"], step="post", alpha=0.15,
                            color=line.get_color(), linewidth=0)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)


@overload
def plot_curves(
    curves: pd.DataFrame,
    path: None = None,
    *,
    value_col: str,
    panel_col: None = None,
    ylabel: str = ...,
    xlabel: str = ...,
    ax: Axes | None = ...,
    fig: Figure | SubFigure | None = ...,
) -> Axes: ...
@overload
def plot_curves(
    curves: pd.DataFrame,
    path: None = None,
    *,
    value_col: str,
    panel_col: str,
    ylabel: str = ...,
    xlabel: str = ...,
    ax: None = None,
    fig: Figure | SubFigure | None = ...,
) -> Figure | SubFigure: ...
@overload
def plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    value_col: str,
    panel_col: str | None = ...,
    ylabel: str = ...,
    xlabel: str = ...,
    ax: Axes | None = ...,
    fig: Figure | SubFigure | None = ...,
) -> Path: ...
def plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    value_col: str,
    panel_col: str | None = None,
    ylabel: str = "",
    xlabel: str = "Time",
    ax: Axes | None = None,
    fig: Figure | SubFigure | None = None,
) -> Axes | Figure | SubFigure | Path:
    """Step curves (one line per ``group``) with confidence bands, lifelines style.

    Parameters
    ----------
    curves
        Long table with ``group``, ``time``, ``value_col`` and optionally ``lower``/``upper``
        (the output of ``kaplan_meier``, ``cumulative_incidence`` or ``FeatureResult.curves``).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned figure with ``save_figure`` instead.
    value_col
        Column of the curve values (``survival``, ``cif``, ``estimate``), drawn on 0-1.
    panel_col
        Draw one panel per value of this column (e.g. ``feature``); then the result is a Figure.
    ylabel, xlabel
        Axis labels; give the time unit in ``xlabel`` (e.g. ``"Time (months)"``).
    ax
        Axes to draw on (single panel only); a new Figure's Axes when None.
    fig
        Figure or SubFigure to lay the panels out on when ``panel_col`` is given (without
        ``panel_col`` and ``ax``, one Axes is added to it and returned).

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes drawn on, or, with ``panel_col``, the Figure holding the panels.

    Raises
    ------
    ValidationError
        If a needed column is missing, or ``ax`` is given together with ``panel_col``.
    """
    _need(curves, ["group", "time", value_col] + ([panel_col] if panel_col else []), "plot_curves")
    if panel_col is None:
        if fig is not None and ax is None:
            ax = fig.add_subplot(1, 1, 1)
        ax = new_axes(ax, (5.0, 3.6))
        _draw_curves(ax, curves, value_col, xlabel, ylabel)
        return deprecated_path("plot_curves", path, ax) if path is not None else ax
    if ax is not None:
        raise ValidationError(
            "plot_curves: panel_col draws one panel per value; pass fig= (a Figure or "
            "SubFigure to lay them out on), not ax="
        )
    panels = list(dict.fromkeys(curves[panel_col]))
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    if fig is None:
        fig = new_figure((4.2 * ncols, 3.3 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for a, panel in zip(axes, panels, strict=False):
        _draw_curves(a, curves[curves[panel_col] == panel], value_col, xlabel, ylabel)
        a.set_title(str(panel), fontsize=10)
    for a in axes[len(panels) :]:
        a.set_visible(False)
    return deprecated_path("plot_curves", path, fig) if path is not None else fig


@overload
def plot_forest(
    effects: pd.DataFrame,
    path: None = None,
    *,
    label_col: str = ...,
    series_col: str | None = ...,
    xlabel: str = ...,
    ax: Axes | None = ...,
) -> Axes: ...
@overload
def plot_forest(
    effects: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    label_col: str = ...,
    series_col: str | None = ...,
    xlabel: str = ...,
    ax: Axes | None = ...,
) -> Path: ...
def plot_forest(
    effects: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    label_col: str = "term",
    series_col: str | None = "analysis",
    xlabel: str = "Hazard ratio (95% CI)",
    ax: Axes | None = None,
) -> Axes | Path:
    """Forest plot of ratios with confidence intervals on a log axis, lifelines style.

    Parameters
    ----------
    effects
        Table with ``label_col``, ``ratio``, ``lower`` and ``upper`` (e.g. a model summary with
        ``exp_coef`` renamed to ``ratio``, or ``FeatureResult.effects``).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    label_col
        Column naming each row on the y axis.
    series_col
        Rows of different values of this column (e.g. univariable / multivariable) are drawn
        side by side with a legend; None draws one series.
    xlabel
        Label of the ratio axis.
    ax
        Axes to draw on; a new Figure's Axes (height growing with the rows) when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValidationError
        If a needed column is missing.
    """
    _need(effects, [label_col, "ratio", "lower", "upper"] + ([series_col] if series_col else []),
          "plot_forest")  # fmt: skip
    labels = list(dict.fromkeys(effects[label_col]))
    series = list(dict.fromkeys(effects[series_col])) if series_col else [None]
    ax = new_axes(ax, (6.5, 0.45 * len(labels) + 1.4))
    ypos = {lab: len(labels) - i for i, lab in enumerate(labels)}
    offsets = np.linspace(-0.15, 0.15, len(series)) if len(series) > 1 else [0.0]
    markers = ["o", "s", "D", "^"]
    for j, s in enumerate(series):
        sub = effects if s is None else effects[effects[series_col] == s]
        y = np.array([ypos[v] for v in sub[label_col]]) + offsets[j]
        r = sub["ratio"].to_numpy(dtype=float)
        lo = sub["lower"].to_numpy(dtype=float)
        hi = sub["upper"].to_numpy(dtype=float)
        ax.errorbar(r, y, xerr=[r - lo, hi - r], fmt=markers[j % 4], capsize=2, label=s)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    # plain numbers on the log axis; minor ticks unlabelled so labels never overlap
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(list(ypos.values()), list(ypos.keys()))
    ax.set_xlabel(xlabel)
    if series_col:
        ax.legend(fontsize=8, frameon=False, loc="best")
    return deprecated_path("plot_forest", path, ax) if path is not None else ax
