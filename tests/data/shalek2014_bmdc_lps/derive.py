"""Derive the committed BMDC subset (Shalek 2014, unstimulated vs LPS 6 h) from the TSCAN package.

Run once (needs the ``rdata`` package, not an ifnexus dependency: ``pip install rdata``)::

    git -C <TSCAN mirror> show ca9d2013a0af5b88e7d3fc5393a4f33bd4066382:data/lpsdata.rda > lpsdata.rda
    python derive.py lpsdata.rda

The source object ``lpsdata`` is a plain numeric matrix (16,776 genes x 131 cells) of TPM values
from GEO GSE48968 (Smart-seq on the Fluidigm C1; mouse bone-marrow-derived dendritic cells),
restricted by the TSCAN authors to the unstimulated cells and the cells after 6 h of LPS, with
the genes detected in at least one of them. Gene symbols are upper case; column names carry the
published condition (``Unstimulated_S15``, ``LPS_6h_S84``, ...).

Steps (fixed before the caller was run on these cells):

1. condition = the column-name prefix (``Unstimulated`` 57 cells, ``LPS_6h`` 74 cells);
2. MGI capitalisation restored (``IFIT1`` -> ``Ifit1``; the ``mgi_case`` rule of
   ``tests/data/zilionis_mouse_lung/derive.py``), and the old symbol ``Ddx58`` renamed ``Rigi``
   (the current MGI symbol, used by the ifnexus programmes);
3. expression = ``log1p(TPM / 100)``: TPM rescaled to 10,000 per cell (the scale of
   count data normalised to 1e4, as ifnexus and scanpy do for counts) and natural-log
   transformed, so the caller reads it as log-normalised input;
4. genes kept when detected (TPM > 0) in at least ``MIN_DETECTION`` of the cells, plus every gene
   of the two ifnexus IFN programmes and of the built-in mouse marker table that the source
   measures;
5. written cells x genes (float32 CSR, values rounded to 3 decimals, gzip) as
   ``shalek2014_bmdc_lps.h5ad``; ``obs``: ``condition``, ``source_cell`` (the source column
   name).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import rdata
from scipy import sparse

from ifnexus.singlecell import marker_table, programme_sets

HERE = Path(__file__).parent
MIN_DETECTION = 0.40
RENAMES = {"Ddx58": "Rigi"}


def _mgi_case():
    spec = importlib.util.spec_from_file_location(
        "zilionis_derive", HERE.parent / "zilionis_mouse_lung" / "derive.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.mgi_case


def main(rda: str) -> None:
    """Write the derived h5ad next to this script."""
    mat = rdata.read_rda(rda)["lpsdata"]
    genes_upper = [str(g) for g in mat.coords[mat.dims[0]].values]
    cells = [str(c) for c in mat.coords[mat.dims[1]].values]
    tpm = np.asarray(mat, dtype=np.float64).T  # cells x genes
    if (tpm < 0).any() or not np.isfinite(tpm).all():
        raise SystemExit("TPM values must be finite and non-negative")
    condition = [c.rsplit("_", 1)[0] for c in cells]
    mgi_case = _mgi_case()
    genes = [RENAMES.get(mgi_case(g), mgi_case(g)) for g in genes_upper]

    keep_always = {g for s in programme_sets("mouse").values() for g in s}
    keep_always |= set(marker_table("mouse")["gene"].astype(str))
    detected = (tpm > 0).mean(axis=0) >= MIN_DETECTION
    keep = np.array([d or g in keep_always for d, g in zip(detected, genes, strict=True)])
    # duplicated symbols after re-capitalisation: keep the first occurrence
    seen: set[str] = set()
    for j, g in enumerate(genes):
        if keep[j] and g in seen:
            keep[j] = False
        if keep[j]:
            seen.add(g)
    x = np.round(np.log1p(tpm[:, keep] / 100.0), 3).astype(np.float32)
    obs = pd.DataFrame(
        {"condition": pd.Categorical(condition, categories=["Unstimulated", "LPS_6h"]),
         "source_cell": cells},
        index=[f"cell{i:03d}" for i in range(len(cells))],
    )  # fmt: skip
    var = pd.DataFrame(index=pd.Index([g for g, k in zip(genes, keep, strict=True) if k]))
    adata = ad.AnnData(X=sparse.csr_matrix(x), obs=obs, var=var)
    adata.uns["source"] = {
        "repository": "zji90/TSCAN",
        "commit": "ca9d2013a0af5b88e7d3fc5393a4f33bd4066382",
        "file": "data/lpsdata.rda",
        "geo": "GSE48968",
        "values": "log1p(TPM / 100)",
    }
    out = HERE / "shalek2014_bmdc_lps.h5ad"
    adata.write_h5ad(out, compression="gzip")
    prog = programme_sets("mouse")
    found = {k: f"{len(set(v) & set(adata.var_names))}/{len(v)}" for k, v in prog.items()}
    print(adata.shape, obs["condition"].value_counts().to_dict(), found, out.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1])
