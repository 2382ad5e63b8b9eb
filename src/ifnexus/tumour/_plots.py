"""Figures of a tumour profile: a score heatmap with annotation tracks, and purity by IFN state.

Each function draws on a given Figure/Axes or on a new pyplot-free Figure and returns it; no file
is written (save with :func:`ifnexus._figures.save_figure`). matplotlib is imported when a figure
is drawn, so importing ``ifnexus.tumour`` stays light.
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

__all__ = [
    "CN_COLOURS",
    "HEATMAP_SCORES",
    "STATE_COLOURS",
    "plot_purity_by_state",
    "plot_score_heatmap",
]

# the states of ifn_state (acute, chronic, none, undetermined) and of ifn_class (acute-competent,
# chronic, ifn-deficient), each vocabulary in its own order
STATE_COLOURS = {
    "acute": "#1b9e77",
    "acute-competent": "#66a61e",
    "chronic": "#d95f02",
    "ifn-deficient": "#7570b3",
    "none": "#e6ab02",
    "undetermined": "#d9d9d9",
    "NA": "#bdbdbd",
}
CN_COLOURS = {
    "homozygous": "#b2182b",
    "hemizygous": "#f4a582",
    "neutral": "#f7f7f7",
    "no-data": "#bdbdbd",
}
HEATMAP_SCORES = (
    "StromalScore",
    "ImmuneScore",
    "ImmuneScore_ifnaware",
    "ifna_score",
    "isgrs_score",
    "ifng_score",
    "CGAS_log2",
    "STING1_log2",
    "cytolytic_activity",
    "M1",
    "M2",
)


def _state(profile: pd.DataFrame) -> pd.Series:
    return (
        profile.get("ifn_state", pd.Series(pd.NA, index=profile.index))
        .astype(object)
        .where(lambda s: s.notna(), "NA")
    )


@overload
def plot_score_heatmap(
    profile: pd.DataFrame, path: None = None, *, fig: Figure | SubFigure | None = ...
) -> Figure | SubFigure: ...
@overload
def plot_score_heatmap(
    profile: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    fig: Figure | SubFigure | None = ...,
) -> Path: ...
def plot_score_heatmap(
    profile: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure | Path:
    """Heatmap of per-tumour signature scores (z-scored per row) under annotation tracks.

    Tracks: IFN state, CDKN2A and IFN-cluster status (when copy number was given) and ESTIMATE
    purity. Tumours are ordered by IFN state, then purity. Needs the expression columns.

    Parameters
    ----------
    profile
        The table returned by :func:`ifnexus.tumour.profile_tumours` (tumours as rows).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Figure with ``save_figure`` instead.
    fig
        Figure or SubFigure to draw the tracks, heatmap and colour bar on; a new Figure (width
        growing with the number of tumours, capped) when None.

    Returns
    -------
    matplotlib.figure.Figure
        The Figure holding the panels.

    Raises
    ------
    ValidationError
        If the profile has no signature scores (no expression was given).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    rows = [c for c in HEATMAP_SCORES if c in profile.columns and profile[c].notna().any()]
    rows += [c for c in profile.columns if c.startswith("danaher_") and profile[c].notna().any()]
    if not rows:
        raise ValidationError("no signature scores to draw (was expression given?)")
    state = _state(profile)
    order_key = pd.DataFrame(
        {
            "s": state.map({k: i for i, k in enumerate(STATE_COLOURS)}),
            "p": profile.get("TumorPurity"),
        }
    )
    order = order_key.sort_values(["s", "p"], kind="stable").index
    data = profile.loc[order, rows].astype(float)
    z = (data - data.mean()) / data.std(ddof=0).replace(0, np.nan)
    z = z.fillna(0.0).T
    tracks: list[tuple[str, list[str], dict[str, str]]] = [
        ("IFN state", list(state.loc[order]), STATE_COLOURS)
    ]
    for col, label in (("cdkn2a_status", "CDKN2A"), ("ifn_cluster_status", "IFN cluster")):
        if col in profile.columns:
            vals = profile.loc[order, col].astype(object).where(lambda s: s.notna(), "no-data")
            tracks.append((label, list(vals), CN_COLOURS))
    n = len(order)
    height = 1.2 + 0.28 * len(rows) + 0.3 * (len(tracks) + 1)
    if fig is None:  # width capped for big cohorts
        fig = new_figure((min(24.0, max(6.0, 0.18 * n + 3.5)), height), layout=None)
    ratios = [0.3] * (len(tracks) + 1) + [0.28 * len(rows)]
    gs = fig.add_gridspec(len(ratios), 2, height_ratios=ratios, width_ratios=[1, 0.03], hspace=0.08)
    track_axes = []
    for i, (label, vals, colours) in enumerate(tracks):
        ax = fig.add_subplot(gs[i, 0])
        track_axes.append(ax)
        keys = list(colours)
        codes = np.array([[keys.index(v) if v in keys else len(keys) - 1 for v in vals]])
        ax.imshow(
            codes,
            aspect="auto",
            cmap=ListedColormap(list(colours.values())),
            vmin=0,
            vmax=len(keys) - 1,
        )
        ax.set_yticks([0], [label], fontsize=8)
        ax.set_xticks([])
    ax = fig.add_subplot(gs[len(tracks), 0])
    pur = profile.loc[order].get("TumorPurity", pd.Series(np.nan, index=order)).astype(float)
    ax.imshow(pur.to_numpy()[None, :], aspect="auto", cmap="Greys", vmin=0, vmax=1)
    ax.set_yticks([0], ["purity"], fontsize=8)
    ax.set_xticks([])
    ax = fig.add_subplot(gs[-1, 0])
    im = ax.imshow(z.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-2.5, vmax=2.5)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    if n <= 120:
        ax.set_xticks(range(n), list(order), rotation=90, fontsize=6 if n > 30 else 8)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{n} tumours")
    cax = fig.add_subplot(gs[-1, 1])
    fig.colorbar(im, cax=cax, label="z (across tumours)")
    handles = [
        Patch(facecolor=c, edgecolor="0.6", linewidth=0.5, label=k)
        for k, c in STATE_COLOURS.items()
    ]
    handles += [
        Patch(facecolor=c, edgecolor="0.6", linewidth=0.5, label=f"CN {k}")
        for k, c in CN_COLOURS.items()
        if len(tracks) > 1
    ]
    # the key sits right above the first track, whatever the figure's height
    track_axes[0].legend(handles=handles, loc="lower center", ncol=4, fontsize=7, frameon=False,
                         bbox_to_anchor=(0.5, 1.15))  # fmt: skip
    return deprecated_path("plot_score_heatmap", path, fig) if path is not None else fig


@overload
def plot_purity_by_state(
    profile: pd.DataFrame, path: None = None, *, ax: Axes | None = ...
) -> Axes: ...
@overload
def plot_purity_by_state(
    profile: pd.DataFrame, path: str | os.PathLike[str], *, ax: Axes | None = ...
) -> Path: ...
def plot_purity_by_state(
    profile: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    ax: Axes | None = None,
) -> Axes | Path:
    """ESTIMATE purity and IFN-aware purity per IFN state (box plus points).

    Parameters
    ----------
    profile
        The table returned by :func:`ifnexus.tumour.profile_tumours` (tumours as rows).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValidationError
        If the profile has no purity (no expression was given).
    """
    cols = [
        c
        for c in ("TumorPurity", "TumorPurity_ifnaware")
        if c in profile and profile[c].notna().any()
    ]
    if not cols:
        raise ValidationError("no purity to draw (was expression given?)")
    state = _state(profile)
    states = [s for s in STATE_COLOURS if (state == s).any()]
    ax = new_axes(ax, (2.2 + 1.6 * len(states), 3.6))
    width = 0.8 / len(cols)
    for j, col in enumerate(cols):
        for i, s in enumerate(states):
            vals = profile.loc[state == s, col].astype(float).dropna().to_numpy()
            x = i + (j - (len(cols) - 1) / 2) * width
            if len(vals):
                ax.boxplot(
                    [vals],
                    positions=[x],
                    widths=width * 0.8,
                    showfliers=False,
                    patch_artist=True,
                    boxprops={"facecolor": STATE_COLOURS[s], "alpha": 0.35 + 0.3 * j},
                    medianprops={"color": "black"},
                )
                offs = (
                    np.linspace(-width * 0.25, width * 0.25, len(vals)) if len(vals) > 1 else [0.0]
                )
                ax.scatter(x + np.asarray(offs), vals, s=10, color="black", zorder=3)
    ax.set_xticks(range(len(states)), states)
    ax.set_xlim(-0.6, len(states) - 0.4)
    ax.set_xlabel("IFN state")
    ax.set_ylabel("Tumour purity (fraction of tumour cells)")
    ax.set_ylim(0, 1.05)
    # which box is which: the lighter one ESTIMATE's purity, the darker one the IFN-aware one
    from matplotlib.patches import Patch

    names = {"TumorPurity": "ESTIMATE purity", "TumorPurity_ifnaware": "IFN-aware purity"}
    ax.legend(handles=[Patch(facecolor="0.5", alpha=0.35 + 0.3 * j, label=names[c])
                       for j, c in enumerate(cols)], fontsize=8, frameon=False, loc="lower right")  # fmt: skip
    return deprecated_path("plot_purity_by_state", path, ax) if path is not None else ax
