"""Figures of the guide mixture: the fit over the guide scores, and posterior against effect.

Like :mod:`ifnexus.screen._plots`: each function draws on the Axes given as ``ax=`` (or a new
pyplot-free Figure's) and returns it; nothing is shown or saved here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ifnexus._figures import new_axes
from ifnexus.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ifnexus.screen._mixture import MixtureResult

__all__ = ["mixture_figures", "mixture_fit_plot", "posterior_plot"]

_COLOURS = {"null": "tab:grey", "negative": "tab:blue", "positive": "tab:red", "total": "k"}


def mixture_fit_plot(result: MixtureResult, *, bins: int = 80, ax: Axes | None = None) -> Axes:
    """Histogram of the targeting guides' scores with the fitted mixture drawn over it.

    The null component ((1 - tau) f0), each active component (tau f1) and their sum are drawn
    as densities; the control guides' histogram is outlined when a controls null was fitted.

    Parameters
    ----------
    result
        A :class:`~ifnexus.screen.MixtureResult`.
    bins
        Histogram bins.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = new_axes(ax, (5.5, 4.5))
    g = result.guides
    score = g["score"].to_numpy(dtype=float)
    ctrl = g["control"].to_numpy(dtype=bool)
    x = score[~ctrl & np.isfinite(score)]
    c = score[ctrl & np.isfinite(score)]
    lo, hi = np.quantile(np.r_[x, c], [0.0005, 0.9995]) if x.size else (-1.0, 1.0)
    edges = np.linspace(lo, hi, bins + 1).tolist()
    ax.hist(x, bins=edges, density=True, color="0.8", label=f"targeting guides ({x.size})")
    if c.size:
        ax.hist(c, bins=edges, density=True, histtype="step", color="tab:green",
                label=f"control guides ({c.size})")  # fmt: skip
    grid = np.linspace(lo, hi, 400)
    dens = result.fit.densities(grid)
    for col in ("null", *result.fit.directions, "total"):
        w = result.fit.weights.get(col)
        lab = "null (inactive)" if col == "null" else col
        if w is not None:
            lab = f"active, {col} (tau {w:.3f})"
        ax.plot(grid, dens[col], color=_COLOURS[col], lw=1.2 if col != "total" else 0.8,
                ls="--" if col == "total" else "-", label=lab)  # fmt: skip
    ax.set_xlabel(f"guide {result.params.get('score', 'score')}")
    ax.set_ylabel("density")
    ax.set_title("guide score mixture fit")
    ax.legend(fontsize=7, frameon=False)
    return ax


def posterior_plot(
    result: MixtureResult,
    *,
    label: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Gene posterior probability against the effect of its active guides.

    Points are coloured by the estimated fraction of active guides; hits are outlined and the
    genes in ``label`` (default: the cGAS-STING-IFN-I core, through symbol aliases) named.

    Parameters
    ----------
    result
        A :class:`~ifnexus.screen.MixtureResult`.
    label
        Genes to name.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    from ifnexus.screen._plots import _label_points, _label_set

    ax = new_axes(ax, (5.5, 4.5))
    g = result.genes
    ok = (g["status"] == "ok").to_numpy()
    if not ok.any():
        raise ValidationError("posterior plot: no gene was scored (all undetermined)")
    x = g["effect"].to_numpy(dtype=float)[ok]
    y = g["posterior"].to_numpy(dtype=float)[ok]
    f = g["active_fraction"].to_numpy(dtype=float)[ok]
    hit = g["hit"].to_numpy(dtype=bool)[ok]
    names = g["gene"].astype(str).to_numpy()[ok]
    sc = ax.scatter(x, y, c=f, s=6, cmap="viridis", vmin=0, vmax=1, lw=0, rasterized=True)
    if hit.any():
        hit_label = f"hit (FDR <= {result.params.get('fdr', 0.05):g}): {int(hit.sum())}"
        ax.scatter(x[hit], y[hit], s=14, facecolor="none", edgecolor="tab:red", lw=0.6,
                   label=hit_label)  # fmt: skip
        ax.legend(fontsize=7, frameon=False, loc="center left")
    lab = _label_set(names, label)
    idx = np.flatnonzero(np.isin(names, list(lab)))
    texts = [lab[n] if lab[n] == n else f"{n} ({lab[n]})" for n in names[idx]]
    _label_points(ax, x[idx], y[idx], texts)
    ax.figure.colorbar(sc, ax=ax, label="fraction of active guides")
    ax.set_xlabel(f"effect of the active guides ({result.params.get('score', 'score')})")
    ax.set_ylabel("posterior P(gene active)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"mixture gene calls: {int(ok.sum())} scored, {int((~ok).sum())} undetermined")
    return ax


def mixture_figures(result: MixtureResult) -> dict[str, Axes]:
    """Draw the figures ``ifnexus screen mixture`` writes, by file stem.

    Parameters
    ----------
    result
        A :class:`~ifnexus.screen.MixtureResult`.

    Returns
    -------
    dict of str to matplotlib.axes.Axes
        ``mixture_fit`` and ``mixture_posterior``, each on its own Figure (save them with
        :func:`~ifnexus.screen.write_figures`).
    """
    return {
        "mixture_fit": mixture_fit_plot(result),
        "mixture_posterior": posterior_plot(result),
    }
