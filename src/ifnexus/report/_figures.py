"""Report figures drawn from the tables a study wrote (plots only; no analysis here)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

_STATE_COLOURS = {
    "acute-competent": "#1b9e77",
    "acute": "#1b9e77",
    "chronic": "#d95f02",
    "ifn-deficient": "#7570b3",
    "none": "#999999",
    "all": "#333333",
}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def timecourse_figure(tc: pd.DataFrame) -> bytes:
    """Acute vs chronic IFN arms over time: columns scenario, day and one column per panel variable."""
    panels = [c for c in ("ifn", "acute_signal", "ustat1", "cd8", "tumour") if c in tc.columns]
    labels = {
        "ifn": "IFN-I in tumour (rel.)",
        "acute_signal": "acute pSTAT1 arm",
        "ustat1": "U-STAT1 / IRDS arm",
        "cd8": "CD8+ effector T cells",
        "tumour": "viable tumour cells",
    }
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.0))
    axes = np.atleast_1d(axes)
    for ax, col in zip(axes, panels, strict=True):
        for scen, grp in tc.groupby("scenario", sort=False):
            ax.plot(grp["day"], grp[col], label=scen, lw=1.6)
        ax.set_title(labels.get(col, col), fontsize=10)
        ax.set_xlabel("days from first fraction")
        if col == "tumour":
            ax.set_yscale("log")
    axes[0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _png(fig)


def bar_figure(df: pd.DataFrame, *, x: str, y: str, ylabel: str = "", title: str = "") -> bytes:
    """Bars of ``y`` (a fraction, shown as a percentage) by ``x``."""
    cats = list(dict.fromkeys(df[x]))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(cats) + 2), 3.4))
    ax.bar(np.arange(len(cats)), 100 * df.set_index(x).reindex(cats)[y], color="#12355b")
    ax.set_xticks(np.arange(len(cats)), cats, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel or f"{y} (%)")
    ax.set_ylim(0, 105)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _png(fig)


def volcano_figure(
    genes: pd.DataFrame,
    *,
    effect: str,
    pvalue: str,
    hit: str,
    label: str = "gene",
    highlight: list[str] | None = None,
) -> bytes:
    """Screen volcano: effect vs -log10 p, hits in colour, named genes labelled."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    p = np.clip(genes[pvalue].astype(float), 1e-300, 1)
    y = -np.log10(p)
    is_hit = genes[hit].astype(bool)
    ax.scatter(genes[effect], y, s=6, c=np.where(is_hit, "#d95f02", "#9aa3ad"), alpha=0.8, lw=0)
    for name in highlight or []:
        row = genes[genes[label] == name]
        if len(row):
            ax.annotate(
                name,
                (row[effect].iloc[0], -np.log10(max(float(row[pvalue].iloc[0]), 1e-300))),
                fontsize=8,
                xytext=(4, 2),
                textcoords="offset points",
            )
    ax.axvline(0, color="#ccc", lw=0.8)
    ax.set_xlabel(f"{effect} (radiation phenotype)")
    ax.set_ylabel(f"-log10 {pvalue}")
    fig.tight_layout()
    return _png(fig)


def sample_points_figure(
    df: pd.DataFrame, *, group: str, values: list[str], titles: list[str]
) -> bytes:
    """Per-sample values (dots) by condition for several metrics, samples as the unit."""
    fig, axes = plt.subplots(1, len(values), figsize=(3.0 * len(values), 3.0))
    axes = np.atleast_1d(axes)
    groups = list(dict.fromkeys(df[group]))
    for ax, col, title in zip(axes, values, titles, strict=True):
        for i, gname in enumerate(groups):
            v = df.loc[df[group] == gname, col].astype(float)
            ax.scatter(
                np.full(len(v), i) + np.linspace(-0.08, 0.08, len(v)), v, s=28, color="#12355b"
            )
            ax.hlines(v.mean(), i - 0.25, i + 0.25, color="#d95f02")
        ax.set_xticks(range(len(groups)), groups)
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.6, len(groups) - 0.4)
    fig.tight_layout()
    return _png(fig)


def faceted_bar_figure(
    df: pd.DataFrame, *, facet: str, x: str, y: str, hue: str, ylabel: str = ""
) -> bytes:
    """One panel per ``facet`` level: bars of ``y`` by ``x`` coloured by ``hue`` (y in [0, 1] shown as %)."""
    facets = list(dict.fromkeys(df[facet]))
    fig, axes = plt.subplots(1, len(facets), figsize=(4.2 * len(facets), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    hues = list(dict.fromkeys(df[hue]))
    width = 0.8 / len(hues)
    for ax, f in zip(axes, facets, strict=True):
        sub = df[df[facet] == f]
        cats = list(dict.fromkeys(sub[x]))
        for j, h in enumerate(hues):
            vals = sub[sub[hue] == h].set_index(x).reindex(cats)[y]
            ax.bar(
                np.arange(len(cats)) + (j - (len(hues) - 1) / 2) * width,
                100 * vals,
                width,
                label=str(h),
                color=_STATE_COLOURS.get(str(h)),
            )
        ax.set_xticks(np.arange(len(cats)), cats, fontsize=8, rotation=25, ha="right")
        ax.set_title(str(f), fontsize=10)
        ax.set_ylim(0, 105)
    axes[0].set_ylabel(ylabel or f"{y} (%)")
    axes[-1].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _png(fig)
