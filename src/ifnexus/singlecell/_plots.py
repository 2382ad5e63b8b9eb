"""Figures of a single-cell profile: embedding, violins, composition and the IFN-state map.

Each function draws on a given Axes (``ax=``) or Figure (``fig=``), or on a new pyplot-free
Figure, and returns it; none writes a file (``write_profile`` saves them through
:func:`ifnexus._figures.save_figure`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np

from ifnexus._figures import deprecated_path, new_axes, new_figure
from ifnexus.errors import ValidationError
from ifnexus.singlecell._markers import CELL_TYPES

if TYPE_CHECKING:
    from anndata import AnnData
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure, SubFigure

    from ifnexus.singlecell._profile import Profile

__all__ = [
    "EMBEDDINGS",
    "embedding_key",
    "plot_composition",
    "plot_embedding",
    "plot_ifn_state",
    "plot_violins",
]

#: Colour of each IFN state in :func:`plot_ifn_state`.
STATE_COLOURS: dict[str, str] = {
    "acute": "#c0392b",
    "chronic": "#e67e22",
    "none": "#95a5a6",
    "undetermined": "#34495e",
}

#: ``.obsm`` keys searched, in order, for a 2-D embedding.
EMBEDDINGS: tuple[str, ...] = ("X_umap", "X_tsne", "X_pca")


def _colours(name: str) -> Colormap:
    from matplotlib import colormaps

    return colormaps[name]


def embedding_key(adata: AnnData) -> str | None:
    """Return the first of ``EMBEDDINGS`` present in ``adata.obsm``, or None when there is none."""
    return next((k for k in EMBEDDINGS if k in getattr(adata, "obsm", {})), None)


@overload
def plot_embedding(
    adata: AnnData,
    result: Profile,
    path: None = None,
    *,
    fig: Figure | SubFigure | None = ...,
) -> Figure | SubFigure: ...
@overload
def plot_embedding(
    adata: AnnData,
    result: Profile,
    path: str | os.PathLike[str],
    *,
    fig: Figure | SubFigure | None = ...,
) -> Path | None: ...
def plot_embedding(
    adata: AnnData,
    result: Profile,
    path: str | os.PathLike[str] | None = None,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure | Path | None:
    """Embedding (UMAP, t-SNE or PCA from ``.obsm``) coloured by IFN scores and by cell type.

    Parameters
    ----------
    adata
        The profiled AnnData (its ``.obsm`` holds ``X_umap``, ``X_tsne`` or ``X_pca``).
    result
        The :class:`~ifnexus.singlecell.Profile` of ``adata``.
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned (None without an embedding), as before. Save the returned Figure with
        ``save_figure`` instead.
    fig
        Figure or SubFigure to lay the panels out on; a new Figure when None.

    Returns
    -------
    matplotlib.figure.Figure
        The Figure: one panel per IFN score present, then one coloured by cell type.

    Raises
    ------
    ValidationError
        If ``adata.obsm`` holds none of ``X_umap``, ``X_tsne``, ``X_pca`` (see ``embedding_key``).
    """
    key = embedding_key(adata)
    if key is None:
        if path is not None:  # the old signature skipped the figure
            return None
        raise ValidationError(
            f"plot_embedding: adata.obsm has none of {', '.join(EMBEDDINGS)}; compute an "
            "embedding first (e.g. scanpy.tl.umap)"
        )
    xy = np.asarray(adata.obsm[key])[:, :2]
    cols = [c for c in ("ifn_acute", "ifn_chronic", "ifn_gamma") if result.cells[c].notna().any()]
    if fig is None:
        fig = new_figure((4.2 * (len(cols) + 1), 4))
    axes = np.atleast_1d(fig.subplots(1, len(cols) + 1, squeeze=False)).ravel()
    for ax, c in zip(axes, cols, strict=False):
        sc = ax.scatter(
            xy[:, 0], xy[:, 1], c=result.cells[c].to_numpy(), s=4, cmap="viridis", rasterized=True
        )
        fig.colorbar(sc, ax=ax, shrink=0.8, label=f"{c} score")
        ax.set_title(c)
    ax = axes[-1]
    types = result.cells["cell_type"].astype(str).to_numpy()
    cmap = _colours("tab20")  # one colour per cell type (13)
    for i, t in enumerate(CELL_TYPES):
        m = types == t
        if m.any():
            ax.scatter(xy[m, 0], xy[m, 1], s=4, color=cmap(i % 20), label=t, rasterized=True)
    ax.legend(markerscale=3, fontsize=7, frameon=False, loc="best")
    ax.set_title("cell type")
    name = key[2:].upper() if key != "X_tsne" else "t-SNE"
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{name} 1")
        ax.set_ylabel(f"{name} 2")
    return deprecated_path("plot_embedding", path, fig) if path is not None else fig


@overload
def plot_violins(
    result: Profile, path: None = None, *, fig: Figure | SubFigure | None = ...
) -> Figure | SubFigure: ...
@overload
def plot_violins(
    result: Profile, path: str | os.PathLike[str], *, fig: Figure | SubFigure | None = ...
) -> Path: ...
def plot_violins(
    result: Profile,
    path: str | os.PathLike[str] | None = None,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure | Path:
    """Violins of the IFN scores per cell type, split by condition when there is one.

    Parameters
    ----------
    result
        A :class:`~ifnexus.singlecell.Profile`.
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Figure with ``save_figure`` instead.
    fig
        Figure or SubFigure to lay the panels (one per IFN score) out on; a new Figure when None.

    Returns
    -------
    matplotlib.figure.Figure
        The Figure: one panel per IFN score (acute, chronic) present.

    Raises
    ------
    ValidationError
        If no IFN score was computed.
    """
    cells = result.cells
    conds = sorted(cells["condition"].unique()) if "condition" in cells.columns else ["all"]
    types = [t for t in CELL_TYPES if (cells["cell_type"].astype(str) == t).any()]
    scores = [c for c in ("ifn_acute", "ifn_chronic") if cells[c].notna().any()]
    if not scores:
        raise ValidationError("plot_violins: the profile has no ifn_acute or ifn_chronic score")
    if fig is None:
        fig = new_figure((max(6, 1.1 * len(types) * len(conds)), 3.2 * len(scores)))
    axes = np.atleast_1d(fig.subplots(len(scores), 1, squeeze=False)).ravel()
    width = 0.8 / len(conds)
    cmap = _colours("Set2")
    for ax, score in zip(axes, scores, strict=True):
        for j, cond in enumerate(conds):
            sel = cells if cond == "all" else cells[cells["condition"] == cond]
            data, pos = [], []
            for i, t in enumerate(types):
                v = sel.loc[sel["cell_type"].astype(str) == t, score].dropna().to_numpy()
                if len(v) >= 2:
                    data.append(v)
                    pos.append(i + (j - (len(conds) - 1) / 2) * width)
            if data:
                parts = ax.violinplot(data, positions=pos, widths=width * 0.9, showmedians=True)
                for body in parts["bodies"]:
                    body.set_facecolor(cmap(j % 8))
                    body.set_alpha(0.7)
                for key in ("cbars", "cmins", "cmaxes"):  # range in the body colour
                    parts[key].set_color(cmap(j % 8))
                parts["cmedians"].set_color("black")
            ax.plot([], [], color=cmap(j % 8), lw=6, label=str(cond))
        ax.set_xticks(range(len(types)))
        ax.set_xticklabels(types, rotation=30, ha="right")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylabel(f"{score} score")
        if len(conds) > 1:
            ax.legend(frameon=False, fontsize=8)
    return deprecated_path("plot_violins", path, fig) if path is not None else fig


@overload
def plot_composition(result: Profile, path: None = None, *, ax: Axes | None = ...) -> Axes: ...
@overload
def plot_composition(
    result: Profile, path: str | os.PathLike[str], *, ax: Axes | None = ...
) -> Path: ...
def plot_composition(
    result: Profile,
    path: str | os.PathLike[str] | None = None,
    *,
    ax: Axes | None = None,
) -> Axes | Path:
    """Stacked bars of cell-type proportions per sample (grouped by condition).

    Parameters
    ----------
    result
        A :class:`~ifnexus.singlecell.Profile` (its ``samples`` hold ``prop_<cell type>``).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    ax
        Axes to draw on; a new Figure's Axes (width growing with the samples) when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    s = result.samples
    if "condition" in s.columns:
        s = s.sort_values(["condition"], kind="stable")
    props = s[[f"prop_{t}" for t in CELL_TYPES]].to_numpy()
    ax = new_axes(ax, (max(4, 0.5 * len(s) + 2), 4))
    bottom = np.zeros(len(s))
    cmap = _colours("tab20")  # one colour per cell type (13)
    labels = (
        [f"{i}\n({c})" for i, c in zip(s.index, s["condition"], strict=True)]
        if "condition" in s.columns
        else list(map(str, s.index))
    )
    for i, t in enumerate(CELL_TYPES):
        ax.bar(range(len(s)), props[:, i], bottom=bottom, color=cmap(i % 20), label=t)
        bottom += props[:, i]
    ax.set_xticks(range(len(s)))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("sample")
    ax.set_ylabel("fraction of cells")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", frameon=False, fontsize=8)
    return deprecated_path("plot_composition", path, ax) if path is not None else ax


def plot_ifn_state(result: Profile, *, ax: Axes | None = None) -> Axes:
    """Map of the calibrated IFN state: acute-only vs sustained programme, per cell.

    Each cell with both scores is a point at (``ifn_z_sustained``, ``ifn_z_acute``), its
    programme scores in reference standard deviations, coloured by ``ifn_state``; dashed lines
    mark the shift that labels a mixture component (``min_shift`` of the calibration).

    Parameters
    ----------
    result
        A :class:`~ifnexus.singlecell.Profile`.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (the title says how many cells could not be placed).

    Raises
    ------
    ValidationError
        The profile has no IFN-state columns.
    """
    cells = result.cells
    need = {"ifn_state", "ifn_z_acute", "ifn_z_sustained"}
    if not need <= set(cells.columns):
        raise ValidationError(
            f"plot_ifn_state: the profile has no IFN-state columns ({', '.join(sorted(need))})"
        )
    ax = new_axes(ax, (5, 4.5))
    z = cells[["ifn_z_sustained", "ifn_z_acute"]].to_numpy(dtype=float)
    placed = np.isfinite(z).all(axis=1)
    state = cells["ifn_state"].astype(str).to_numpy()
    for name, colour in STATE_COLOURS.items():
        sel = placed & (state == name)
        if sel.any():
            ax.scatter(z[sel, 0], z[sel, 1], s=6, color=colour, label=f"{name} ({sel.sum()})",
                       alpha=0.7, linewidths=0)  # fmt: skip
    shift = float(result.settings.get("ifn_state", {}).get("min_shift", 3.0))
    ax.axhline(shift, color="grey", lw=0.8, ls="--")
    ax.axvline(shift, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("U-ISGF3 sustained programme (reference SDs)")
    ax.set_ylabel("acute-only pISGF3 programme (reference SDs)")
    mode = result.settings.get("ifn_state", {}).get("mode", "")
    n_out = int((~placed).sum())
    ax.set_title(f"IFN state ({mode} calibration)" + (f"; {n_out} cells not placed" if n_out else ""),
                 fontsize=9)  # fmt: skip
    if placed.any():
        ax.legend(frameon=False, fontsize=8, markerscale=2)
    return ax
