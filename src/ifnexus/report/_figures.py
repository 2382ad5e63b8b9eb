"""Report figures drawn from the tables a study wrote (plots only; no analysis here).

Every figure is drawn on its own :class:`matplotlib.figure.Figure` (no pyplot, no backend
switch: importing the report leaves the caller's matplotlib backend alone) with a constrained
layout, and saved with ``bbox_inches="tight"`` so no label is cut. Axes carry units, panels that
show several series carry a legend.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

STATE_COLOURS = {
    "acute-competent": "#1b9e77",
    "acute": "#1b9e77",
    "chronic": "#d95f02",
    "ifn-deficient": "#7570b3",
    "none": "#999999",
    "all": "#333333",
}
_DPI = 110


def _figure(width: float, height: float) -> MplFigure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _png(fig: MplFigure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    return buf.getvalue()


def _percent_axis(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 105)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel(label)


TIMECOURSE_PANELS: dict[str, str] = {
    "ifn": "IFN-I in tumour (x EC50)",
    "acute_signal": "acute pSTAT1 signal (0-1)",
    "ustat1": "U-STAT1, chronic arm (a.u.)",
    "cd8": "CD8+ T-cell density (rel.)",
    "tumour": "tumour burden (cells)",
}


def timecourse_figure(tc: pd.DataFrame) -> bytes:
    """Acute vs chronic IFN arms over time: columns scenario, day and one column per panel."""
    panels = [c for c in TIMECOURSE_PANELS if c in tc.columns]
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    fig = _figure(9.0, 2.7 * nrows + 0.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, col in zip(axes, panels, strict=False):
        for scen, grp in tc.groupby("scenario", sort=False):
            ax.plot(grp["day"], grp[col], label=str(scen), lw=1.6,
                    color=STATE_COLOURS.get(str(scen)))  # fmt: skip
        ax.set_ylabel(TIMECOURSE_PANELS[col], fontsize=9)
        ax.set_xlabel("days from first fraction")
        if col == "tumour":
            ax.set_yscale("log")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False,
               title="tumour (typical parameters)")  # fmt: skip
    return _png(fig)


def bar_figure(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    ylabel: str,
    xlabel: str = "",
    title: str = "",
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """Bars of ``y`` (a fraction, drawn as a percentage and written on each bar) by ``x``."""
    cats = list(dict.fromkeys(df[x]))
    vals = 100 * df.set_index(x).reindex(cats)[y].to_numpy(float)
    fig = _figure(max(5.5, 0.6 * len(cats) + 2.0), 3.6)
    ax = fig.add_subplot()
    bars = ax.bar(np.arange(len(cats)), vals, color="#12355b")
    ax.bar_label(bars, labels=[f"{v:.0f}" for v in vals], fontsize=8, padding=1)
    names = [(labels or {}).get(str(c), str(c)) for c in cats]
    ax.set_xticks(np.arange(len(cats)), names, rotation=35, ha="right", fontsize=8)
    _percent_axis(ax, ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    return _png(fig)


def faceted_bar_figure(
    df: pd.DataFrame,
    *,
    facet: str,
    x: str,
    y: str,
    hue: str,
    ylabel: str,
    legend_title: str = "",
    facet_titles: Mapping[str, str] | None = None,
) -> bytes:
    """One panel per ``facet`` level: bars of ``y`` by ``x`` coloured by ``hue`` (y in [0, 1] as %)."""
    facets = list(dict.fromkeys(df[facet]))
    fig = _figure(min(9.0, 3.1 * len(facets) + 0.6), 3.9)
    axes = np.atleast_1d(fig.subplots(1, len(facets), sharey=True, squeeze=False)).ravel()
    hues = list(dict.fromkeys(df[hue]))
    width = 0.8 / len(hues)
    for ax, f in zip(axes, facets, strict=True):
        sub = df[df[facet] == f]
        cats = list(dict.fromkeys(sub[x]))
        for j, h in enumerate(hues):
            vals = sub[sub[hue] == h].set_index(x).reindex(cats)[y]
            ax.bar(np.arange(len(cats)) + (j - (len(hues) - 1) / 2) * width, 100 * vals, width,
                   label=str(h), color=STATE_COLOURS.get(str(h)))  # fmt: skip
        ax.set_xticks(np.arange(len(cats)), cats, fontsize=8, rotation=30, ha="right")
        ax.set_title((facet_titles or {}).get(str(f), str(f)), fontsize=10)
        ax.set_ylim(0, 105)
    _percent_axis(axes[0], ylabel)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False,
               title=legend_title or None)  # fmt: skip
    return _png(fig)


def volcano_figure(
    genes: pd.DataFrame,
    *,
    effect: str,
    pvalue: str,
    hit: str,
    xlabel: str,
    ylabel: str,
    label: str = "gene",
    highlight: Sequence[str] = (),
) -> bytes:
    """Screen volcano: effect vs -log10 p, hits in colour, named genes labelled."""
    fig = _figure(6.0, 4.4)
    ax = fig.add_subplot()
    p = np.clip(genes[pvalue].astype(float), 1e-300, 1)
    y = -np.log10(p)
    is_hit = genes[hit].fillna(False).astype(bool).to_numpy()
    x = genes[effect].astype(float).to_numpy()
    ax.scatter(x[~is_hit], y[~is_hit], s=7, c="#9aa3ad", alpha=0.8, lw=0, label="not a hit")
    ax.scatter(x[is_hit], y[is_hit], s=9, c="#d95f02", alpha=0.9, lw=0, label="hit (5% FDR)")
    named = genes[genes[label].isin(list(highlight))]
    if len(named):
        ax.scatter(named[effect], -np.log10(np.clip(named[pvalue].astype(float), 1e-300, 1)),
                   s=36, facecolors="none", edgecolors="#12355b", lw=1.0,
                   label="planted IFN-axis gene")  # fmt: skip
        # stack the labels to the right of the cluster so they never overlap
        order = named.sort_values(pvalue)
        x_text = float(np.nanmax(x)) * 1.02 if np.isfinite(np.nanmax(x)) else 1.0
        y_top = float(np.nanmax(y))
        for i, (_, r) in enumerate(order.iterrows()):
            yy = -np.log10(max(float(r[pvalue]), 1e-300))
            ax.annotate(str(r[label]), (float(r[effect]), yy), fontsize=8,
                        xytext=(x_text, y_top * (1 - 0.09 * i)), textcoords="data",
                        ha="left", va="center",
                        arrowprops={"arrowstyle": "-", "color": "#888", "lw": 0.6})  # fmt: skip
        ax.set_xlim(right=x_text + 0.3 * (x_text - float(np.nanmin(x))))
    ax.axvline(0, color="#ccc", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return _png(fig)


def sample_points_figure(
    df: pd.DataFrame,
    *,
    group: str,
    values: Sequence[str],
    titles: Sequence[str],
    ylabels: Sequence[str],
    group_labels: Mapping[str, str] | None = None,
) -> bytes:
    """Per-sample values (dots) by condition for several metrics, samples as the unit."""
    fig = _figure(3.3 * len(values), 3.3)
    axes = np.atleast_1d(fig.subplots(1, len(values), squeeze=False)).ravel()
    groups = list(dict.fromkeys(df[group]))
    for ax, col, title, ylab in zip(axes, values, titles, ylabels, strict=True):
        for i, gname in enumerate(groups):
            v = df.loc[df[group] == gname, col].astype(float)
            ax.scatter(np.full(len(v), i) + np.linspace(-0.08, 0.08, len(v)), v, s=28,
                       color="#12355b", label="sample" if i == 0 else None)  # fmt: skip
            ax.hlines(v.mean(), i - 0.25, i + 0.25, color="#d95f02",
                      label="mean" if i == 0 else None)  # fmt: skip
        ax.set_xticks(range(len(groups)), [(group_labels or {}).get(g, g) for g in groups])
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylab)
        ax.set_ylim(bottom=0)
        ax.set_xlim(-0.6, len(groups) - 0.4)
    axes[0].legend(fontsize=8, frameon=False, loc="upper left")
    return _png(fig)


def cif_figure(
    curves: pd.DataFrame,
    at_risk: pd.DataFrame,
    *,
    gray: str,
    xlabel: str = "months from first fraction",
    ylabel: str = "cumulative incidence of local failure",
    legend_title: str = "",
) -> bytes:
    """Cumulative incidence by group with confidence bands, Gray's test and an at-risk table.

    ``curves``: ``group``, ``time``, ``cif``, ``lower``, ``upper``; ``at_risk``: ``group``,
    ``time``, ``at_risk`` (numbers at risk at the tick times); ``gray``: the test as text.
    """
    groups = list(dict.fromkeys(at_risk["group"]))
    ticks = sorted(at_risk["time"].unique())
    fig = _figure(7.2, 4.6 + 0.22 * len(groups))
    ax, tab = fig.subplots(2, 1, sharex=True,
                           gridspec_kw={"height_ratios": [4.0, 0.5 + 0.32 * len(groups)]})  # fmt: skip
    for g in groups:
        cg = curves[curves["group"] == g].sort_values("time")
        t = np.concatenate(([0.0], cg["time"].to_numpy(float)))
        colour = STATE_COLOURS.get(str(g))
        ax.step(t, np.concatenate(([0.0], cg["cif"].to_numpy(float))), where="post",
                label=str(g), color=colour, lw=1.6)  # fmt: skip
        if cg["lower"].notna().any():
            lo = np.concatenate(([0.0], cg["lower"].to_numpy(float)))
            hi = np.concatenate(([0.0], cg["upper"].to_numpy(float)))
            ax.fill_between(t, lo, hi, step="post", alpha=0.12, color=colour, lw=0)
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="upper left", title=legend_title or None,
              title_fontsize=8)  # fmt: skip
    ax.text(0.98, 0.97, gray, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"boxstyle": "round", "fc": "white", "ec": "#ccc"})  # fmt: skip
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel)
    # the at-risk table: one row per group, numbers at the tick times
    tab.set_ylim(-0.5, len(groups) - 0.5)
    tab.set_yticks(range(len(groups)), [str(g) for g in groups][::-1], fontsize=8)
    for i, g in enumerate(groups[::-1]):
        row = at_risk[at_risk["group"] == g].set_index("time")["at_risk"]
        for t in ticks:
            tab.text(t, i, f"{int(row.get(t, 0))}", ha="center", va="center", fontsize=8,
                     color=STATE_COLOURS.get(str(g), "#333"))  # fmt: skip
    tab.set_title("number at risk", fontsize=8, loc="left")
    tab.tick_params(axis="x", bottom=False, labelbottom=False)
    tab.tick_params(axis="y", left=False)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    ax.set_xticks(ticks)
    ax.set_xlim(ticks[0] - 0.04 * (ticks[-1] - ticks[0]), ticks[-1] * 1.04)
    return _png(fig)


def forest_figure(
    effects: pd.DataFrame,
    *,
    label_col: str,
    series_col: str,
    xlabel: str,
) -> bytes:
    """Forest plot of ratios on a log axis with plain tick labels (0.5, 1, 2) and human terms."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    from ifnexus.outcome import plot_forest

    n = effects[label_col].nunique()
    fig = _figure(8.0, 0.42 * n + 1.6)
    ax = fig.add_subplot()
    plot_forest(effects, label_col=label_col, series_col=series_col, xlabel=xlabel, ax=ax)
    lo = float(np.nanmin(effects["lower"]))
    hi = float(np.nanmax(effects["upper"]))
    candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
    ticks = [t for t in candidates if lo / 1.5 <= t <= hi * 1.5] or [1]
    if len(ticks) > 8:  # wide range: powers of ten plus 0.5 and 2 around 1
        ticks = [t for t in ticks if t in (0.01, 0.05, 0.1, 0.5, 1, 2, 10, 50, 100)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="y", labelsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    return _png(fig)


def purity_figure(tumours: pd.DataFrame, *, group: str, value: str, ylabel: str) -> bytes:
    """Box plot with points of ``value`` by ``group`` (e.g. ESTIMATE purity by IFN state)."""
    groups = sorted(tumours[group].dropna().unique())
    fig = _figure(5.2, 3.5)
    ax = fig.add_subplot()
    data = [tumours.loc[tumours[group] == g, value].astype(float).dropna() for g in groups]
    ax.boxplot(data, positions=range(len(groups)), widths=0.5, showfliers=False)
    rng = np.random.default_rng(0)  # horizontal jitter only (drawing, not data)
    for i, (g, v) in enumerate(zip(groups, data, strict=True)):
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(v)), v, s=14, alpha=0.8,
                   color=STATE_COLOURS.get(str(g), "#12355b"))  # fmt: skip
    ax.set_xticks(
        range(len(groups)), [f"{g}\n(n = {len(v)})" for g, v in zip(groups, data, strict=True)]
    )
    ax.set_ylabel(ylabel)
    ax.set_xlabel("called IFN state")
    return _png(fig)


def _human(name: str) -> str:
    """Spell a snake_case category as words: ``malignant_schwann`` -> ``malignant Schwann``."""
    words = {"cd8_t": "CD8+ T", "cd4_t": "CD4+ T", "nk": "NK", "dc": "dendritic",
             "b": "B", "mono_macro": "monocyte/macrophage", "malignant_schwann": "malignant Schwann"}  # fmt: skip
    return words.get(name, name.replace("_", " "))


def composition_figure(
    samples: pd.DataFrame, *, sample: str = "sample", prefix: str = "prop_"
) -> bytes:
    """Stacked bars of cell-type shares (``prop_*`` columns, fractions) per sample, in %."""
    from matplotlib import colormaps

    cols = [c for c in samples.columns if c.startswith(prefix)]
    cols = [c for c in cols if samples[c].fillna(0).sum() > 0]
    order = samples.sort_values(["condition", sample]) if "condition" in samples else samples
    fig = _figure(7.4, 3.8)
    ax = fig.add_subplot()
    bottom = np.zeros(len(order))
    cmap = colormaps["tab10"]
    for i, c in enumerate(cols):
        v = 100 * order[c].fillna(0).to_numpy(float)
        ax.bar(np.arange(len(order)), v, bottom=bottom, color=cmap(i % 10),
               label=_human(c[len(prefix):]), width=0.7)  # fmt: skip
        bottom += v
    ax.set_xticks(np.arange(len(order)), [str(s) for s in order[sample]], rotation=30, ha="right")
    ax.set_xlabel("sample")
    ax.set_ylabel("share of cells (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5),
              title="cell type", title_fontsize=8)  # fmt: skip
    return _png(fig)


def score_by_group_figure(
    cells: pd.DataFrame,
    *,
    scores: Mapping[str, str],
    group: str = "cell_type",
    hue: str = "condition",
) -> bytes:
    """Box plots of per-cell scores by cell type (x) and condition (colour), one panel per score."""
    groups = [g for g in cells[group].value_counts().index]
    hues = sorted(cells[hue].dropna().unique())
    colours = ["#d95f02", "#1b9e77", "#7570b3", "#999999"]
    fig = _figure(9.0, 2.5 * len(scores) + 0.9)
    axes = np.atleast_1d(fig.subplots(len(scores), 1, sharex=True, squeeze=False)).ravel()
    width = 0.8 / len(hues)
    for ax, (col, label) in zip(axes, scores.items(), strict=True):
        for j, h in enumerate(hues):
            data = [cells.loc[(cells[group] == g) & (cells[hue] == h), col].dropna().to_numpy(float)
                    for g in groups]  # fmt: skip
            pos = np.arange(len(groups)) + (j - (len(hues) - 1) / 2) * width
            keep = [k for k, d in enumerate(data) if d.size]
            bp = ax.boxplot([data[k] for k in keep], positions=pos[keep], widths=width * 0.85,
                            showfliers=False, patch_artist=True)  # fmt: skip
            for patch in bp["boxes"]:
                patch.set_facecolor(colours[j % len(colours)])
                patch.set_alpha(0.7)
            for med in bp["medians"]:
                med.set_color("#222")
            ax.plot([], [], color=colours[j % len(colours)], lw=6, alpha=0.7, label=str(h))
        ax.axhline(0, color="#ccc", lw=0.8, zorder=0)
        ax.set_ylabel(label, fontsize=9)
    axes[-1].set_xticks(
        np.arange(len(groups)), [_human(g) for g in groups], rotation=30, ha="right"
    )
    axes[-1].set_xlabel("cell type (called)")
    axes[0].legend(fontsize=8, frameon=False, loc="upper right", ncols=len(hues), title="arm",
                   title_fontsize=8)  # fmt: skip
    return _png(fig)
