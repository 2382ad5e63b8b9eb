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
their MGI capitalisation with ``mgi_case``: both read by ``read_source`` of the sibling
``zilionis_mouse_lung/derive.py``, whose ``detection`` also gives the detection shares.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

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


def main(rda: str) -> None:
    """Write the derived h5ad next to this script."""
    keep_obs = ["Library", "Animal", "Tissue", "Major cell type", "Minor subset"]
    x, gene_list, obs = _sibling.read_source(rda, keep_obs)
    genes = np.asarray(gene_list)
    det, det_in_type = _sibling.detection(x, obs)
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
