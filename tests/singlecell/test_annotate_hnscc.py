"""Cell-type calls on held-out human tumour cells against published labels (issue #14 item 4).

Reference: the published types of Puram et al. 2017 (GEO GSE103322; head-and-neck tumours,
Smart-seq2), 20 cells each of nine non-malignant types (tests/data/puram2017_hnscc_types).
The set was scored once with the marker lists frozen (docs/singlecell.md, "Cell types"); the
lineage gate of the fourth round was prompted by that result, so the figures below are **no
longer independent** (the second-round figures are kept in the docs). The issue gives no
number for cell types; these tests hold every scored type to one bar fixed for all types
alike (recall and precision >= 0.8). The types that miss it on this set are strict xfails
carrying the measured figures, so a change that meets the bar is noticed.
"""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import pytest

from ifnexus.scoring import expression_source, prepare
from ifnexus.singlecell import annotate_cells

DATA = Path(__file__).resolve().parents[1] / "data" / "puram2017_hnscc_types"
BAR = 0.8
#: published label(s) -> the coarse call that is right for them
EXPECTED = {
    "mono_macro": ["Macrophage"],
    "endothelial": ["Endothelial"],
    "dc": ["Dendritic"],
    "fibroblast": ["Fibroblast"],
    "b": ["B cell"],
    "cd8_t": ["CD8 T cell"],
    "cd4_t": ["CD4 T cell", "reg. T cell"],
}
RECALL_MISSES = {
    "fibroblast": "measured 14/20 = 0.70 with the lineage gate (0.40 before: 8 called pDC); "
    "2 called macrophage, 4 unassigned",
    "b": "measured 13/20 = 0.65: 6 unassigned (fewer than 2 B markers detected)",
    "cd8_t": "measured 13/20 = 0.65",
    "cd4_t": "measured 23/40 = 0.57 (T lineage 0.88) with the lineage gate (0.50 before, 6 "
    "called mature DC): CD4/CD8 unresolved (t_cell) or unassigned",
    "dc": "measured 15/20 = 0.75 with the lineage gate (1.00 before, at precision 0.54): 3 "
    "cells called mature DC express 2 T-lineage genes (CD3G with CD28 or CD5), 2 express "
    "2-3 collagen/LUM genes",
}
PRECISION_MISSES: dict[str, str] = {}


@pytest.fixture(scope="module")
def calls():
    a = ad.read_h5ad(DATA / "puram2017_hnscc_types.h5ad")
    src = expression_source(a)
    ann, _ = annotate_cells(
        src, species="human", background=prepare(src, transform="none"), transform="none"
    )
    called = ann["cell_type"].astype(str)
    called.index = a.obs_names
    return a.obs["published_type"].astype(str), called


def _mark(t: str, misses: dict[str, str]):
    return (
        pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=misses[t]))
        if t in misses
        else t
    )


def test_subset_is_the_published_design(calls):
    labels, _ = calls
    assert labels.value_counts().eq(20).all() and labels.nunique() == 9


@pytest.mark.parametrize("cell_type", [_mark(t, RECALL_MISSES) for t in EXPECTED])
def test_recall_per_published_type(calls, cell_type):
    labels, called = calls
    is_t = labels.isin(EXPECTED[cell_type])
    assert (called[is_t] == cell_type).mean() >= BAR


@pytest.mark.parametrize("cell_type", [_mark(t, PRECISION_MISSES) for t in EXPECTED])
def test_precision_per_call(calls, cell_type):
    labels, called = calls
    hit = called == cell_type
    assert hit.sum() > 0
    assert labels[hit].isin(EXPECTED[cell_type]).mean() >= BAR


def test_mast_cells_have_no_type_and_are_left_unassigned(calls):
    """The marker table has no mast-cell type: the right answer is 'unassigned'."""
    labels, called = calls
    assert (called[labels == "Mast"] == "unassigned").mean() >= BAR


def test_stromal_cells_are_never_called_dc(calls):
    """The lineage gate: fibroblasts and endothelium with SERPINF1/TCF4 are not pDC."""
    labels, called = calls
    stroma = labels.isin(["Fibroblast", "Endothelial"])
    assert not (called[stroma] == "dc").any()


def test_cd4_t_cells_are_never_called_dc(calls):
    """The lineage gate: CCR7+ CD4 T cells are not mature DC."""
    labels, called = calls
    assert not (called[labels.isin(["CD4 T cell", "reg. T cell"])] == "dc").any()


def test_stromal_cells_are_never_called_lymphocytes(calls):
    labels, called = calls
    stroma = labels.isin(["Fibroblast", "Endothelial"])
    assert not called[stroma].isin(["b", "cd4_t", "cd8_t", "t_cell", "nk"]).any()
