"""Derive the committed HNSCC cell-type subset (Puram 2017, via the CHETAH package's example).

Run once::

    git -C <CHETAH mirror> show c19cba2906b44b3c56c9d8ad3b23f1fdf54b98e1:data/headneck_ref.rda \
        > headneck_ref.rda
    Rscript export.R headneck_ref.rda exported/      # needs R + SingleCellExperiment
    python derive.py exported/

``headneck_ref`` is a SingleCellExperiment of 180 cells x 7,943 genes from Puram et al. 2017
(GEO GSE103322; Smart-seq2), 20 cells of each of nine published non-malignant types
(``celltypes``). Its ``counts`` assay holds the authors' log2(TPM/10 + 1) values (range 0-13),
not counts. Steps: values multiplied by ln 2, i.e. natural-log ``log1p(TPM/10)``, which the
caller reads as log-normalised input; genes kept when detected in at least 30% of the cells,
plus every gene of the built-in human marker table and of the two IFN programmes; written cells x genes (float32 CSR, 3
decimals, gzip) as ``puram2017_hnscc_types.h5ad`` with ``obs["published_type"]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse

from ifnexus.singlecell import marker_table, programme_sets

HERE = Path(__file__).parent
MIN_DETECTION = 0.30


def main(exported: str) -> None:
    """Write the derived h5ad next to this script."""
    d = Path(exported)
    cells = pd.read_csv(d / "cells.csv")
    m = pd.read_csv(d / "matrix.csv.gz", index_col=0)
    if list(m.columns) != list(cells["cell"]):
        raise SystemExit("cell order differs between the matrix and the labels")
    v = m.to_numpy(dtype=np.float64)
    if (v < 0).any() or v.max() > 20:
        raise SystemExit("values are not log2(TPM/10 + 1)")
    markers = set(marker_table("human")["gene"].astype(str))
    markers |= {g for s in programme_sets("human").values() for g in s}
    keep = ((v > 0).mean(axis=1) >= MIN_DETECTION) | m.index.isin(sorted(markers))
    m, v = m.loc[keep], v[keep]
    x = np.round(v.T * np.log(2.0), 3).astype(np.float32)
    obs = pd.DataFrame({"published_type": pd.Categorical(cells["celltype"].astype(str))},
                       index=cells["cell"].astype(str).to_numpy())  # fmt: skip
    adata = ad.AnnData(sparse.csr_matrix(x), obs=obs, var=pd.DataFrame(index=m.index.astype(str)))
    adata.uns["source"] = {
        "repository": "jdekanter/CHETAH",
        "commit": "c19cba2906b44b3c56c9d8ad3b23f1fdf54b98e1",
        "file": "data/headneck_ref.rda",
        "geo": "GSE103322",
        "values": "log1p(TPM / 10) (natural log)",
    }
    out = HERE / "puram2017_hnscc_types.h5ad"
    adata.write_h5ad(out, compression="gzip")
    print(adata.shape, obs["published_type"].value_counts().to_dict(), out.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1])
