"""Write a :class:`Profile` to a folder: tables, the profiled h5ad, figures; all atomically."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd

from ifnexus._io import atomic_path, write_table, write_text
from ifnexus.singlecell._markers import CELL_TYPES
from ifnexus.singlecell._profile import Profile, _jsonable, profiled_obs

logger = logging.getLogger(__name__)

EMBEDDINGS: tuple[str, ...] = ("X_umap", "X_tsne", "X_pca")


def _write_h5ad(adata: Any, result: Profile, path: Path) -> None:
    obs = profiled_obs(adata, result)
    uns_settings = _jsonable(result.settings)
    with atomic_path(path) as tmp:
        if getattr(adata, "isbacked", False):
            # copy the file and rewrite obs/uns only: X stays on disk, never in memory
            import h5py
            from anndata.io import write_elem

            shutil.copyfile(adata.filename, tmp)
            with h5py.File(tmp, "r+") as f:
                del f["obs"]
                write_elem(f, "obs", obs)
                uns = dict(adata.uns)
                uns["ifnexus_profile"] = uns_settings
                if "uns" in f:
                    del f["uns"]
                write_elem(f, "uns", uns)
        else:
            out = ad.AnnData(
                X=adata.X,
                obs=obs,
                var=adata.var,
                uns={**adata.uns, "ifnexus_profile": uns_settings},
                obsm=dict(adata.obsm),
                varm=dict(adata.varm),
                layers=dict(adata.layers),
                obsp=dict(adata.obsp),
            )
            if adata.raw is not None:
                out.raw = adata.raw.to_adata()
            out.write_h5ad(tmp)


def _savefig(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def plot_embedding(adata: Any, result: Profile, path: Path) -> Path | None:
    """Embedding (UMAP, t-SNE or PCA from ``.obsm``) coloured by IFN scores and cell type."""
    key = next((k for k in EMBEDDINGS if k in getattr(adata, "obsm", {})), None)
    if key is None:
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    xy = np.asarray(adata.obsm[key])[:, :2]
    cols = [c for c in ("ifn_acute", "ifn_chronic", "ifn_gamma") if result.cells[c].notna().any()]
    fig, axes = plt.subplots(1, len(cols) + 1, figsize=(4.2 * (len(cols) + 1), 4))
    for ax, c in zip(axes, cols, strict=False):
        sc = ax.scatter(
            xy[:, 0], xy[:, 1], c=result.cells[c].to_numpy(), s=4, cmap="viridis", rasterized=True
        )
        fig.colorbar(sc, ax=ax, shrink=0.8)
        ax.set_title(c)
    ax = axes[-1]
    types = result.cells["cell_type"].astype(str).to_numpy()
    cmap = plt.get_cmap("tab10")
    for i, t in enumerate(CELL_TYPES):
        m = types == t
        if m.any():
            ax.scatter(xy[m, 0], xy[m, 1], s=4, color=cmap(i % 10), label=t, rasterized=True)
    ax.legend(markerscale=3, fontsize=7, frameon=False, loc="best")
    ax.set_title("cell type")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{key[2:]} 1")
        ax.set_ylabel(f"{key[2:]} 2")
    _savefig(fig, path)
    return path


def plot_violins(result: Profile, path: Path) -> Path:
    """Violins of the IFN scores per cell type, split by condition when there is one."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    cells = result.cells
    conds = sorted(cells["condition"].unique()) if "condition" in cells.columns else ["all"]
    types = [t for t in CELL_TYPES if (cells["cell_type"].astype(str) == t).any()]
    scores = [c for c in ("ifn_acute", "ifn_chronic") if cells[c].notna().any()]
    fig, axes = plt.subplots(
        len(scores),
        1,
        figsize=(max(6, 1.1 * len(types) * len(conds)), 3.2 * len(scores)),
        squeeze=False,
    )
    width = 0.8 / len(conds)
    cmap = plt.get_cmap("Set2")
    for ax, score in zip(axes[:, 0], scores, strict=True):
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
            ax.plot([], [], color=cmap(j % 8), lw=6, label=str(cond))
        ax.set_xticks(range(len(types)))
        ax.set_xticklabels(types, rotation=30, ha="right")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylabel(score)
        if len(conds) > 1:
            ax.legend(frameon=False, fontsize=8)
    _savefig(fig, path)
    return path


def plot_composition(result: Profile, path: Path) -> Path:
    """Stacked bars of cell-type proportions per sample (grouped by condition)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    s = result.samples
    if "condition" in s.columns:
        s = s.sort_values(["condition"], kind="stable")
    props = s[[f"prop_{t}" for t in CELL_TYPES]].to_numpy()
    fig, ax = plt.subplots(figsize=(max(4, 0.5 * len(s) + 2), 4))
    bottom = np.zeros(len(s))
    cmap = plt.get_cmap("tab10")
    labels = (
        [f"{i}\n({c})" for i, c in zip(s.index, s["condition"], strict=True)]
        if "condition" in s.columns
        else list(map(str, s.index))
    )
    for i, t in enumerate(CELL_TYPES):
        ax.bar(range(len(s)), props[:, i], bottom=bottom, color=cmap(i % 10), label=t)
        bottom += props[:, i]
    ax.set_xticks(range(len(s)))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("fraction of cells")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", frameon=False, fontsize=8)
    _savefig(fig, path)
    return path


def write_profile(
    result: Profile, adata: Any, out_dir: str | Path, *, figures: bool = True
) -> dict[str, Path]:
    """Write ``cells.csv``, ``samples.csv``, ``comparisons.csv``, ``genes.csv``,
    ``settings.json``, ``profiled.h5ad``, ``pseudobulk.h5ad`` (when counts exist) and
    ``figures/*.png`` under ``out_dir``; return the written paths by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    cells = result.cells.copy()
    cells.index.name = "cell"
    paths["cells"] = write_table(cells, out / "cells.csv", index=True)
    paths["samples"] = write_table(result.samples, out / "samples.csv", index=True)
    comp = (
        result.comparisons
        if len(result.comparisons)
        else pd.DataFrame(columns=["metric", "group", "reference", "note"])
    )
    paths["comparisons"] = write_table(comp, out / "comparisons.csv")
    paths["genes"] = write_table(result.genes, out / "genes.csv")
    paths["settings"] = write_text(
        out / "settings.json", json.dumps(_jsonable(result.settings), indent=1) + "\n"
    )
    _write_h5ad(adata, result, out / "profiled.h5ad")
    paths["profiled"] = out / "profiled.h5ad"
    if result.pseudobulk is not None:
        with atomic_path(out / "pseudobulk.h5ad") as tmp:
            result.pseudobulk.write_h5ad(tmp)
        paths["pseudobulk"] = out / "pseudobulk.h5ad"
    if figures:
        fig_dir = out / "figures"
        emb = plot_embedding(adata, result, fig_dir / "embedding_scores.png")
        if emb is not None:
            paths["fig_embedding"] = emb
        paths["fig_violins"] = plot_violins(result, fig_dir / "violins_ifn_by_celltype.png")
        paths["fig_composition"] = plot_composition(result, fig_dir / "composition.png")
    return paths
