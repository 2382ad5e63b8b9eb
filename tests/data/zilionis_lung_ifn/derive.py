"""Derive the IFN-state subset of Zilionis 2019 mouse lung CD45+ cells from SydneyBioX/CLUEY.

Same source object and count recovery as ``tests/data/zilionis_mouse_lung`` (whose subset keeps
genes detected in >= 10% of cells, so only 1 of the 15 mouse acute-only programme genes), but
with a gene filter chosen for the IFN state: every gene of the two ifnexus IFN programmes
(mouse orthologs) and of the built-in mouse marker table that the source measures, plus the
genes detected in at least ``MIN_DETECTION`` of all cells or ``MIN_DETECTION_IN_TYPE`` of one
published major type (the background from which the scorer draws expression-matched control
genes). Run once (needs the ``rdata`` package, not an ifnexus dependency)::

    git -C <CLUEY mirror> show 111ff6e71a04b00cd7e3f9896f7fa3d5ddd35efc:data/exampleData.rda \
        > exampleData.rda
    python derive.py exampleData.rda

Counts: ``(2**logcounts - 1) * sizeFactor`` (integer to 1e-6, checked); gene symbols given back
their MGI capitalisation with ``mgi_case`` of the sibling ``zilionis_mouse_lung/derive.py``.
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
MIN_DETECTION = 0.05
MIN_DETECTION_IN_TYPE = 0.10

_spec = importlib.util.spec_from_file_location(
    "zilionis_derive", HERE.parent / "zilionis_mouse_lung" / "derive.py"
)
assert _spec is not None and _spec.loader is not None
_sibling = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sibling)
mgi_case = _sibling.mgi_case


def main(rda: str) -> None:
    """Write the derived h5ad next to this script."""
    sce = rdata.conversion.convert(rdata.parser.parse_file(rda), default_encoding="utf8")[
        "exampleData"
    ]
    m = sce.assays.data.listData["logcounts"]
    n_genes, n_cells = (int(v) for v in m.Dim)
    size_factor = np.asarray(sce.colData.listData["sizeFactor"], dtype=np.float64)
    indptr = np.asarray(m.p)
    col = np.repeat(np.arange(n_cells), np.diff(indptr))
    counts = (2.0 ** np.asarray(m.x, dtype=np.float64) - 1.0) * size_factor[col]
    if np.abs(counts - np.round(counts)).max() > 1e-6:
        raise SystemExit("logcounts do not invert to integer counts")
    x = sparse.csc_matrix(
        (np.round(counts).astype(np.float32), np.asarray(m.i), indptr), shape=(n_genes, n_cells)
    ).T.tocsr()
    genes = np.asarray([mgi_case(str(g)) for g in m.Dimnames[0]])
    obs = pd.DataFrame({str(k): np.asarray(v) for k, v in sce.colData.listData.items()})
    obs.index = pd.Index(
        [f"{lib}_{bc}" for lib, bc in zip(obs["Library"], m.Dimnames[1], strict=True)]
    )
    keep_obs = ["Library", "Animal", "Tissue", "Major cell type", "Minor subset"]
    obs = obs[keep_obs].rename(columns=lambda c: c.lower().replace(" ", "_"))
    for c in obs.columns:
        obs[c] = obs[c].astype(str).astype("category")
    det = np.asarray((x > 0).mean(axis=0)).ravel()
    labels = obs["major_cell_type"].astype(str).to_numpy()
    det_in_type = np.vstack(
        [np.asarray((x[labels == t] > 0).mean(axis=0)).ravel() for t in np.unique(labels)]
    ).max(axis=0)
    wanted = {g for gs in programme_sets("mouse").values() for g in gs.genes}
    wanted |= set(marker_table("mouse")["gene"])
    keep = (det >= MIN_DETECTION) | (det_in_type >= MIN_DETECTION_IN_TYPE)
    keep |= np.isin(genes, sorted(wanted)) & (det > 0)
    if not pd.Index(genes[keep]).is_unique:
        raise SystemExit("duplicate gene symbols after case restoration")
    a = ad.AnnData(x[:, keep], obs=obs, var=pd.DataFrame(index=genes[keep]))
    a.uns["source"] = {
        "repository": "SydneyBioX/CLUEY",
        "commit": "111ff6e71a04b00cd7e3f9896f7fa3d5ddd35efc",
        "path": "data/exampleData.rda",
        "values": "UMI counts, recovered exactly from logcounts and sizeFactor",
    }
    out = HERE / "zilionis_lung_ifn.h5ad"
    a.write_h5ad(out, compression="gzip")
    print(a, f"{out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1])
