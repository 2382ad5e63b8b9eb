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
    plot_violins,
)
from ifnexus.singlecell._profile import Profile, _jsonable, profiled_obs

logger = logging.getLogger(__name__)


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
        if embedding_key(adata) is not None:
            paths["fig_embedding"] = save_figure(
                plot_embedding(adata, result), fig_dir / "embedding_scores.png", dpi=110
            )
        paths["fig_violins"] = save_figure(
            plot_violins(result), fig_dir / "violins_ifn_by_celltype.png", dpi=110
        )
        paths["fig_composition"] = save_figure(
            plot_composition(result), fig_dir / "composition.png", dpi=110
        )
    return paths
