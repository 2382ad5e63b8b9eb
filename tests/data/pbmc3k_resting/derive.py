"""Derive the committed resting-PBMC subset (10x pbmc3k raw UMI counts) from anzarlv/QCseq.

Run once (needs the ``rdata`` package, not an ifnexus dependency: ``pip install rdata``)::

    git -C <QCseq mirror> show 4e1619615a359e7f58846080ebddc4574e435e86:data/sample_scRNAseq.rda \
        > sample_scRNAseq.rda
    python derive.py sample_scRNAseq.rda

The source object is a Seurat v5 object whose ``RNA`` assay holds one layer, ``counts`` (a
dgCMatrix, 13,714 genes x 2,700 cells: 10x Genomics' "3k PBMCs from a Healthy Donor" as read by
``CreateSeuratObject(min.cells = 3, min.features = 200)`` in Seurat's pbmc3k tutorial). rdata
has no converter for Seurat's S4 classes, so the slots are read from the parsed R object tree
(``assays$RNA@layers$counts``, the row names from ``assays$RNA@features`` and the column names
from ``assays$RNA@cells``, both LogMap matrices whose row names are the features and cells).

Steps: integer UMI counts (checked); ``N_CELLS`` cells drawn without replacement
(``numpy.random.default_rng(SEED)``, kept in their source order); genes kept when detected in at least
``MIN_DETECTION`` of the cells, plus every gene of the two ifnexus IFN programmes and of the
built-in human marker table that the source measures (so neither the IFN state nor the cell
types lose genes to the filter); written cells x genes (float32 CSR, gzip) as
``pbmc3k_resting.h5ad``. No labels exist in the source: the cells are unstimulated blood of one
healthy donor, which is the reference ("nothing should be called acute").
"""

from __future__ import annotations

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
N_CELLS = 1200
SEED = 0


def _pairs(o):  # an R pairlist as (tag, value) pairs
    out = []
    while o is not None and o.info.type.name == "LIST":
        tag = o.tag
        if tag is not None and tag.info.type.name == "REF":
            tag = tag.referenced_object
        name = None if tag is None else tag.value.value.decode()
        out.append((name, o.value[0]))
        o = o.value[1]
    return out


def _attr(o, name):
    for n, v in _pairs(o.attributes):
        if n == name:
            return v
    raise KeyError(name)


def _strings(o) -> list[str]:
    return [x.value.decode() for x in o.value]


def _element(o, name):
    return o.value[_strings(_attr(o, "names")).index(name)]


def main(rda: str) -> None:
    """Write the derived h5ad next to this script."""
    seurat = _pairs(rdata.parser.parse_file(rda).object)[0][1]
    rna = _element(_attr(seurat, "assays"), "RNA")
    m = _element(_attr(rna, "layers"), "counts")
    shape = tuple(int(v) for v in _attr(m, "Dim").value)
    counts = sparse.csc_matrix(
        (
            np.asarray(_attr(m, "x").value, dtype=np.float64),
            np.asarray(_attr(m, "i").value),
            np.asarray(_attr(m, "p").value),
        ),
        shape=shape,
    )
    genes = _strings(_attr(_attr(rna, "features"), "dimnames").value[0])
    cells = _strings(_attr(_attr(rna, "cells"), "dimnames").value[0])
    assert counts.shape == (len(genes), len(cells)) == (13714, 2700)
    assert np.array_equal(counts.data, np.round(counts.data)) and counts.data.min() > 0
    pick = np.sort(np.random.default_rng(SEED).choice(len(cells), N_CELLS, replace=False))
    x = counts.T.tocsr()[pick]  # cells x genes
    cells = [cells[i] for i in pick]
    detected = np.asarray((x > 0).mean(axis=0)).ravel()
    wanted = {g for gs in programme_sets("human").values() for g in gs.genes}
    wanted |= set(marker_table("human")["gene"])
    keep = (detected >= MIN_DETECTION) | np.isin(genes, sorted(wanted))
    out = ad.AnnData(
        X=x[:, keep].astype(np.float32),
        obs=pd.DataFrame({"donor": "pbmc3k", "condition": "resting"}, index=cells),
        var=pd.DataFrame(index=np.asarray(genes)[keep]),
    )
    out.uns["source"] = (
        "10x Genomics pbmc3k (3k PBMCs from a Healthy Donor, v1 chemistry) raw UMI counts, via "
        "github.com/anzarlv/QCseq data/sample_scRNAseq.rda @ 4e1619615a359e7f58846080ebddc4574e435e86"
    )
    out.write_h5ad(HERE / "pbmc3k_resting.h5ad", compression="gzip")
    print(out, f"{(HERE / 'pbmc3k_resting.h5ad').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1])
