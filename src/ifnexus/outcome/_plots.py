"""Figures for outcome results: step curves by group and forest plots (matplotlib, Agg).

Plot functions take the tidy tables the analysis functions return and write a file
atomically; they compute nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._io import atomic_path

__all__ = ["plot_curves", "plot_forest"]


def _figure(nrows: int, ncols: int, size: tuple[float, float]):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig, path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format=p.suffix.lstrip(".") or "png", dpi=150)
    return p


def plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    value_col: str,
    panel_col: str | None = None,
    ylabel: str = "",
    xlabel: str = "Time",
) -> Path:
    """Step curves (one line per ``group``, one panel per ``panel_col``) with CI bands.

    ``curves`` needs ``group``, ``time``, ``value_col`` and optionally ``lower``/``upper``.
    Returns the written path.
    """
    panels = list(dict.fromkeys(curves[panel_col])) if panel_col else [None]
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = _figure(nrows, ncols, (4.2 * ncols, 3.3 * nrows))
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        sub = curves if panel is None else curves[curves[panel_col] == panel]
        for g, cg in sub.groupby("group", sort=False):
            cg = cg.sort_values("time")
            line = ax.step(cg["time"], cg[value_col], where="post", label=str(g))[0]
            if {"lower", "upper"} <= set(cg.columns) and cg["lower"].notna().any():
                ax.fill_between(cg["time"], cg["lower"], cg["upper"], step="post", alpha=0.15,
                                color=line.get_color(), linewidth=0)  # fmt: skip
        ax.set_ylim(0, 1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if panel is not None:
            ax.set_title(str(panel), fontsize=10)
        ax.legend(fontsize=8, frameon=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_forest(
    effects: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    label_col: str = "term",
    series_col: str | None = "analysis",
    xlabel: str = "Hazard ratio (95% CI)",
) -> Path:
    """Forest plot of ratios with confidence intervals on a log axis.

    ``effects`` needs ``label_col``, ``ratio``, ``lower``, ``upper``; rows of different
    ``series_col`` values (e.g. univariable / multivariable) are drawn side by side.
    """
    labels = list(dict.fromkeys(effects[label_col]))
    series = list(dict.fromkeys(effects[series_col])) if series_col else [None]
    fig, axes = _figure(1, 1, (6.5, 0.45 * len(labels) + 1.4))
    ax = axes[0, 0]
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
    return _save(fig, path)
