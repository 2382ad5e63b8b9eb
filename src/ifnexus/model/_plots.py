"""Figures of model results (matplotlib, Agg backend; written atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._io import atomic_path

__all__ = ["plot_local_control", "plot_survival", "plot_tcd50", "plot_timecourses"]


def _fig(nrows=1, ncols=1, size=(6, 4)):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=size, squeeze=False)


def _save(fig, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    p = Path(path)
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format=p.suffix.lstrip(".") or "png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return p


def plot_timecourses(tc: pd.DataFrame, path: str | Path,
                     states=("burden", "ifn", "acute", "ustat1", "irds", "cd8")) -> Path:  # fmt: skip
    """Time courses (long table ``patient, time, state, value``) of selected states, one panel each."""
    fig, axes = _fig(2, 3, (12, 6))
    for ax, st in zip(axes.ravel(), states, strict=False):
        sub = tc[tc["state"] == st]
        for _pid, g in sub.groupby("patient"):
            ax.plot(g["time"], g["value"], lw=0.8, alpha=0.7)
        if st == "burden":
            ax.set_yscale("log")
        ax.set_title(st)
        ax.set_xlabel("days from first fraction")
    fig.tight_layout()
    return _save(fig, path)


def plot_local_control(curves: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Kaplan-Meier local-control curves (output of ``CohortResult.local_control_curve``)."""
    fig, axes = _fig()
    ax = axes[0, 0]
    for grp, g in curves.groupby("group", sort=True):
        ax.step(g["time"], g["local_control"], where="post", label=str(grp))
        ax.fill_between(g["time"], g["ci_lower"], g["ci_upper"], step="post", alpha=0.15)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days from first fraction")
    ax.set_ylabel("local control")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_survival(df: pd.DataFrame, path: str | Path) -> Path:
    """Clonogenic survival curves (output of ``in_vitro_curves``)."""
    fig, axes = _fig()
    ax = axes[0, 0]
    for g, sub in df.groupby("genotype", sort=False):
        ax.semilogy(np.r_[0, sub["dose"]], np.r_[1, sub["surviving_fraction"]], "o-", label=g)
    ax.set_xlabel("dose (Gy)")
    ax.set_ylabel("surviving fraction")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_tcd50(table: pd.DataFrame, b0: float, b1: float, path: str | Path) -> Path:
    """Control fraction per dose with the fitted logistic."""
    fig, axes = _fig()
    ax = axes[0, 0]
    ax.plot(table["dose"], table["tcp_mean"], "o", label="mean TCP")
    x = np.linspace(table["dose"].min(), table["dose"].max(), 200)
    ax.plot(x, 1 / (1 + np.exp(-(b0 + b1 * x))), "-", label="logistic fit")
    ax.axhline(0.5, color="grey", lw=0.5)
    ax.set_xlabel("dose (Gy)")
    ax.set_ylabel("fraction controlled")
    ax.legend(fontsize=8)
    return _save(fig, path)
