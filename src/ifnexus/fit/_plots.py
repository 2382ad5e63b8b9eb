"""Figures of a fit: observed vs fitted per arm, visual predictive checks, pairs, profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ifnexus._figures import need_columns, new_axes, new_figure
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_arm_fit", "plot_clinical_vpc", "plot_pairs", "plot_profile", "plot_vpc"]


def _rows(
    df: pd.DataFrame, key: str, value: str, columns: list[str], who: str, what: str
) -> pd.DataFrame:
    """Return the rows of ``df`` whose ``key`` is ``value``, after the column check."""
    need_columns(df, columns, who)
    sub = df[df[key] == value]
    if sub.empty:
        raise ValidationError(f"{who}: no {what} {value!r}")
    return sub


def _volume_axes(ax: Axes, title: str) -> Axes:
    """Finish a volume-over-days panel: log volume axis, labels, title, legend."""
    ax.set_yscale("log")
    ax.set_xlabel("day")
    ax.set_ylabel("volume (mm$^3$)")
    ax.set_title(title)
    ax.legend(fontsize=7, frameon=False)
    return ax


def plot_arm_fit(predictions: pd.DataFrame, arm: str, *, ax: Axes | None = None) -> Axes:
    """Observed volumes of one arm with the individual and population fits.

    Parameters
    ----------
    predictions
        :meth:`GrowthFit.predictions` (``animal``, ``arm``, ``day``, ``volume``,
        ``individual``, ``population``).
    arm
        The arm drawn.
    ax
        Axes to draw on (a new figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    ValidationError
        A missing column or an arm without rows.
    """
    sub = _rows(predictions, "arm", arm, ["animal", "arm", "day", "volume", "individual",
                                          "population"], "plot_arm_fit", "rows of arm")  # fmt: skip
    ax = new_axes(ax, (4.0, 3.2))
    for _, a in sub.groupby("animal", sort=False):
        ax.plot(a["day"], a["volume"], "o", color="0.5", ms=3, alpha=0.7)
        ax.plot(a["day"], a["individual"], "-", color="tab:blue", lw=0.8, alpha=0.6)
    pop = sub.groupby("day")["population"].first()
    ax.plot(pop.index, pop.to_numpy(), "-", color="black", lw=2, label="population (typical)")
    ax.plot([], [], "o", color="0.5", ms=3, label="observed")
    ax.plot([], [], "-", color="tab:blue", lw=0.8, label="individual fit")
    return _volume_axes(ax, arm)


def plot_vpc(vpc: pd.DataFrame, arm: str, *, ax: Axes | None = None) -> Axes:
    """Visual predictive check of one arm: simulated interval and median against the observed.

    Parameters
    ----------
    vpc
        :func:`~ifnexus.fit.vpc_table`.
    arm
        The arm drawn.
    ax
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    ValidationError
        A missing column or an arm without rows.
    """
    cols = ["arm", "day", "obs_lower", "obs_median", "obs_upper", "sim_lower", "sim_median",
            "sim_upper"]  # fmt: skip
    sub = _rows(vpc, "arm", arm, cols, "plot_vpc", "rows of arm").sort_values("day")
    ax = new_axes(ax, (4.0, 3.2))
    ax.fill_between(sub["day"], sub["sim_lower"], sub["sim_upper"], color="tab:blue", alpha=0.2,
                    label="simulated interval")  # fmt: skip
    ax.plot(sub["day"], sub["sim_median"], "-", color="tab:blue", label="simulated median")
    ax.plot(sub["day"], sub["obs_median"], "o-", color="black", ms=3, label="observed median")
    ax.plot(sub["day"], sub["obs_lower"], "--", color="black", lw=0.8, label="observed interval")
    ax.plot(sub["day"], sub["obs_upper"], "--", color="black", lw=0.8)
    return _volume_axes(ax, f"VPC: {arm}")


def plot_profile(profiles: pd.DataFrame, parameter: str, *, level: float = 0.9,
                 ax: Axes | None = None) -> Axes:  # fmt: skip
    """Profile likelihood of one parameter with the interval threshold.

    Parameters
    ----------
    profiles
        ``GrowthFit.profiles`` (``parameter``, ``value``, ``delta``; points whose ``status``
        is ``failed`` are marked with a red cross along the top).
    parameter
        The parameter drawn.
    level
        Interval level (threshold ``chi2_1(level)``).
    ax
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    ValidationError
        A missing column or a parameter without profile points.
    """
    from scipy import stats

    sub = _rows(profiles, "parameter", parameter, ["parameter", "value", "delta"],
                "plot_profile", "profile points of").sort_values("value")  # fmt: skip
    ax = new_axes(ax, (3.2, 2.6))
    failed = (sub["status"] == "failed").to_numpy() if "status" in sub else np.zeros(len(sub), bool)
    ok = sub[~failed]
    ax.plot(ok["value"], ok["delta"], "o-", ms=3, color="black")
    ax.axhline(float(stats.chi2.ppf(level, 1)), color="tab:red", ls="--", lw=1,
               label=f"{level:.0%} threshold")  # fmt: skip
    if failed.any():  # no end there: marked along the top, outside the profile's scale
        ax.plot(sub["value"][failed], np.full(int(failed.sum()), 0.97), "x", color="tab:red",
                transform=ax.get_xaxis_transform(), label="likelihood failed")  # fmt: skip
    v = sub["value"].to_numpy(dtype=float)
    if np.all(v > 0) and v.max() / v.min() > 10:  # a wide (often open) profile: log axis
        ax.set_xscale("log")
    else:
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(parameter)
    ax.set_ylabel(r"$\Delta(-2\log L)$")
    ax.legend(fontsize=7, frameon=False)
    return ax


def plot_pairs(draws: pd.DataFrame, *, fig: Figure | None = None, max_points: int = 2000) -> Figure:
    """Pairs plot of posterior draws (log axes): histograms on the diagonal, scatter below.

    Parameters
    ----------
    draws
        Tidy draws (``walker``, ``step``, ``parameter``, ``value``).
    fig
        Figure to draw on (a new one when omitted).
    max_points
        Most points per scatter (evenly thinned).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ValidationError
        A missing column or no draws.
    """
    need_columns(draws, ["walker", "step", "parameter", "value"], "plot_pairs")
    if draws.empty:
        raise ValidationError("plot_pairs: no draws")
    wide = draws.pivot_table(index=["walker", "step"], columns="parameter", values="value",
                             sort=False)  # fmt: skip
    names = list(dict.fromkeys(draws["parameter"]))
    wide = np.log10(wide[names].clip(lower=1e-300))
    stride = max(1, len(wide) // max_points)
    wide = wide.iloc[::stride]
    n = len(names)
    fig = fig or new_figure((1.6 * n + 0.5, 1.6 * n + 0.5))
    axes = fig.subplots(n, n, squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(wide[a], bins=30, color="tab:blue", alpha=0.7)
            else:
                ax.plot(wide[b], wide[a], ".", ms=1, alpha=0.3, color="tab:blue")
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(f"log10 {b}", fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(f"log10 {a}", fontsize=7)
    return fig


def plot_clinical_vpc(vpc: pd.DataFrame, group: str, *, ax: Axes | None = None) -> Axes:
    """Observed cumulative incidence of local failure against the fitted model's, with its band.

    Parameters
    ----------
    vpc
        :func:`~ifnexus.fit.clinical_vpc_table` (``group``, ``time_months``, ``observed``,
        ``model``, ``sim_lower``, ``sim_median``, ``sim_upper``).
    group
        The patient group drawn (its label).
    ax
        Axes to draw on (a new figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    ValidationError
        A missing column or a group without rows.
    """
    sub = _rows(vpc, "group", group, ["group", "time_months", "observed", "model", "sim_lower",
                                      "sim_median", "sim_upper"], "plot_clinical_vpc",
                "rows of group").sort_values("time_months")  # fmt: skip
    ax = new_axes(ax, (4.0, 3.2))
    x = sub["time_months"]
    ax.fill_between(x, sub["sim_lower"], sub["sim_upper"], step="post", color="tab:blue",
                    alpha=0.2, label="simulated studies (band)")  # fmt: skip
    ax.step(x, sub["sim_median"], where="post", color="tab:blue", lw=1, label="simulated median")
    ax.plot(x, sub["model"], "--", color="tab:blue", lw=1, label="model (no deaths)")
    ax.step(x, sub["observed"], where="post", color="black", lw=1.5, label="observed")
    ax.set_ylim(0, 1)
    ax.set_xlabel("months from the first fraction")
    ax.set_ylabel("cumulative incidence of local failure")
    ax.set_title(f"VPC: {group}", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return ax
