"""Write a :class:`Profile` to a folder: tables, the profiled h5ad, figures; all atomically."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import anndata as ad
import pandas as pd

from ifnexus._figures import save_figure
from ifnexus._io import atomic_path, write_table, write_text
from ifnexus.singlecell._plots import (
    embedding_key,
    plot_composition,
    plot_embedding,
    plot_ifn_state,
    plot_violins,
)
from ifnexus.singlecell._profile import Profile, _jsonable, profile_elements

logger = logging.getLogger(__name__)


def _write_h5ad(adata: Any, result: Profile, path: Path) -> None:
    """``profiled.h5ad``: the input with the profile under its key (``ifnexus_*`` by default).

    The input's own ``.obs`` columns are kept as they are: the profile's columns are prefixed
    (``ifnexus_cell_type``, ``ifnexus_ifn_state``, ...), and a clash with existing ones is
    refused (:func:`store_profile`), never overwritten.
    """
    if result.adata is not None and result.key_added is not None:
        # profile() already stored the results (key_added): write that AnnData
        base, key = result.adata, result.key_added
        obs = base.obs
        obsm_add = {f"{key}_marker_scores": base.obsm[f"{key}_marker_scores"]}
        uns_add = {key: base.uns[key]}
    else:
        base = adata
        obs, obsm_add, uns_add = profile_elements(adata, result, key_added="ifnexus")
    with atomic_path(path) as tmp:
        if getattr(base, "isbacked", False):
            # copy the file and rewrite obs/obsm/uns only: X stays on disk, never in memory
            import h5py
            from anndata.io import write_elem

            shutil.copyfile(base.filename, tmp)
            with h5py.File(tmp, "r+") as f:
                del f["obs"]
                write_elem(f, "obs", obs)
                if "obsm" not in f:
                    write_elem(f, "obsm", obsm_add)
                else:
                    for k, v in obsm_add.items():
                        if k in f["obsm"]:
                            del f["obsm"][k]
                        write_elem(f["obsm"], k, v)
                uns = {**dict(base.uns), **uns_add}
                if "uns" in f:
                    del f["uns"]
                write_elem(f, "uns", uns)
        else:
            out = ad.AnnData(
                X=base.X,
                obs=obs,
                var=base.var,
                uns={**base.uns, **uns_add},
                obsm={**dict(base.obsm), **obsm_add},
                varm=dict(base.varm),
                layers=dict(base.layers),
                obsp=dict(base.obsp),
            )
            if base.raw is not None:
                out.raw = base.raw.to_adata()
            out.write_h5ad(tmp)


def write_profile(
    result: Profile, adata: Any, out_dir: str | Path, *, figures: bool = True
) -> dict[str, Path]:
    """Write a profile's tables, h5ad files and figures under ``out_dir``.

    The files: ``cells.csv``, ``samples.csv``, ``comparisons.csv``, ``genes.csv``,
    ``ifn_components.csv`` (the IFN-state mixture components), ``settings.json``,
    ``profiled.h5ad``, ``pseudobulk.h5ad`` (when counts exist) and ``figures/*.png``
    (``ifn_state.png``: :func:`plot_ifn_state`); the written paths are returned by name.

    Parameters
    ----------
    result
        The :class:`Profile` to write.
    adata
        The AnnData it was computed from (for ``profiled.h5ad`` and the embedding figure).
    out_dir
        Output directory (created).
    figures
        Also draw and save the figures.

    Returns
    -------
    dict
        Name (``cells``, ``samples``, ..., ``fig_violins``) -> path written.

    The CSV tables keep the unprefixed column names of :attr:`Profile.cells`
    (``cell_type``, ``ifn_state``, ...); ``profiled.h5ad`` is the input with the results
    under ``.obs["ifnexus_<column>"]``, ``.obsm["ifnexus_marker_scores"]`` and
    ``.uns["ifnexus"]`` (or the ``key_added`` of the profile), so the input's own columns
    are kept.
    """
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
    comps = result.ifn_components
    if not len(comps.columns):
        comps = pd.DataFrame(columns=["group", "component", "label", "weight", "reference"])
    paths["ifn_components"] = write_table(comps, out / "ifn_components.csv")
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
        if embedding_key(adata) is not None:
            emb = plot_embedding(adata, result)
            paths["fig_embedding"] = save_figure(emb, fig_dir / "embedding_scores.png", dpi=110)
        violins = plot_violins(result)
        paths["fig_violins"] = save_figure(
            violins, fig_dir / "violins_ifn_by_celltype.png", dpi=110
        )
        comp_ax = plot_composition(result)
        paths["fig_composition"] = save_figure(comp_ax, fig_dir / "composition.png", dpi=110)
        state_ax = plot_ifn_state(result)
        paths["fig_ifn_state"] = save_figure(state_ax, fig_dir / "ifn_state.png", dpi=110)
    return paths
