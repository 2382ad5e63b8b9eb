"""Derive the committed Zilionis 2019 mouse lung subset from SydneyBioX/CLUEY's exampleData.rda.

Run once (needs the ``rdata`` package, not an ifnexus dependency: ``pip install rdata``)::

    git -C <CLUEY mirror> show 111ff6e71a04b00cd7e3f9896f7fa3d5ddd35efc:data/exampleData.rda > exampleData.rda
    python derive.py exampleData.rda

Steps: read the SingleCellExperiment's ``logcounts`` (a dgCMatrix, genes x cells) and its
colData; undo the normalisation exactly, ``counts = (2**logcounts - 1) * sizeFactor`` (scater's
log2 normalisation; the result is integer to 1e-12, checked); restore MGI capitalisation of the
gene symbols (the source upper-cased them: ``CD8A`` -> ``Cd8a``, ``H2-AB1`` -> ``H2-Ab1``,
``MT-ND1`` -> ``mt-Nd1``); keep the genes detected in at least 10% of the 800 cells or in at
least 20% of the cells of one published major type (to stay near 1 MB), plus every gene of
ifnexus's built-in mouse marker table (``ifnexus.singlecell.marker_table("mouse")``) that the
source measures, so that no marker is lost to the filter; write cells x genes
UMI counts (float32, CSR) with the published labels to ``zilionis_mouse_lung.h5ad`` (gzip).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import rdata
from scipy import sparse

from ifnexus.singlecell import marker_table

HERE = Path(__file__).parent
MIN_DETECTION = 0.10
MIN_DETECTION_IN_TYPE = 0.20


def mgi_case(symbol: str) -> str:
    """MGI capitalisation of an upper-cased mouse symbol (first letter upper, rest lower).

    ``H2-AB1`` -> ``H2-Ab1``, ``MT-ND1`` -> ``mt-Nd1`` and RIKEN clones ``1110007C09RIK`` ->
    ``1110007C09Rik``, as MGI writes them.
    """
    s = symbol.strip()
    if s.upper().startswith("MT-"):
        return "mt-" + s[3:].capitalize()
    m = re.match(r"^(H2)-([A-Z])(.*)$", s.upper())
    if m:
        return f"H2-{m.group(2)}{m.group(3).lower()}"
    m = re.match(r"^(\d+)([A-Z])(\d+)RIK(\d*)$", s.upper())
    if m:  # RIKEN clones: 1110007C09Rik
        return f"{m.group(1)}{m.group(2)}{m.group(3)}Rik{m.group(4)}"
    return s[:1].upper() + s[1:].lower()


def read_source(rda: str, keep_obs: list[str]) -> tuple[sparse.csr_matrix, list[str], pd.DataFrame]:
    """Read the source SingleCellExperiment: counts, gene symbols and the labels ``keep_obs``.

    Returns UMI counts (cells x genes, float32 CSR; ``(2**logcounts - 1) * sizeFactor``, checked
    to be integer), the MGI-cased gene symbols, and the labels as categorical columns named in
    snake case, indexed ``<library>_<barcode>``.
    """
    parsed = rdata.parser.parse_file(rda)
    sce = rdata.conversion.convert(parsed, default_encoding="utf8")["exampleData"]
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
    genes = [mgi_case(str(g)) for g in m.Dimnames[0]]
    cells = [str(c) for c in m.Dimnames[1]]
    obs = pd.DataFrame({str(k): np.asarray(v) for k, v in sce.colData.listData.items()})
    obs.index = pd.Index([f"{lib}_{bc}" for lib, bc in zip(obs["Library"], cells, strict=True)])
    obs = obs[keep_obs].rename(columns=lambda c: c.lower().replace(" ", "_"))
    for c in obs.columns:
        obs[c] = obs[c].astype(str).astype("category")
    return x, genes, obs


def detection(x: sparse.csr_matrix, obs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per gene: the share of all cells detecting it, and the largest share in one major type."""
    det = np.asarray((x > 0).mean(axis=0)).ravel()
    labels = obs["major_cell_type"].astype(str).to_numpy()
    det_in_type = np.vstack(
        [np.asarray((x[labels == t] > 0).mean(axis=0)).ravel() for t in np.unique(labels)]
    ).max(axis=0)
    return det, det_in_type


def main(rda: str) -> None:
    """Write the derived h5ad next to this script."""
    keep_obs = ["Library", "Animal", "Tissue", "Major cell type", "Minor subset",
                "Most likely Immgen cell type"]  # fmt: skip
    x, genes, obs = read_source(rda, keep_obs)
    det, det_in_type = detection(x, obs)
    markers = set(marker_table("mouse")["gene"])
    keep = (det >= MIN_DETECTION) | (det_in_type >= MIN_DETECTION_IN_TYPE)
    keep |= np.isin(np.asarray(genes), sorted(markers)) & (det > 0)
    var = pd.DataFrame(index=pd.Index(genes)[keep])
    if not var.index.is_unique:
        raise SystemExit("duplicate gene symbols after case restoration")
    a = ad.AnnData(x[:, keep], obs=obs, var=var)
    a.uns["source"] = {
        "repository": "SydneyBioX/CLUEY",
        "commit": "111ff6e71a04b00cd7e3f9896f7fa3d5ddd35efc",
        "path": "data/exampleData.rda",
        "values": "UMI counts, recovered exactly from logcounts and sizeFactor",
        "min_detection": MIN_DETECTION,
        "min_detection_in_type": MIN_DETECTION_IN_TYPE,
    }
    out = HERE / "zilionis_mouse_lung.h5ad"
    a.write_h5ad(out, compression="gzip")
    print(a, out.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1])
