"""Mean-control scores against scanpy 1.11 (the stored reference and scanpy run here)."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
from scipy import sparse

from ifnexus import RunOptions
from ifnexus.scoring import control_genes, prepare, score_sets

# The lists behind ../shared/reference/singlecell (scanpy 1.11.5 defaults on pbmc68k_reduced);
# test_reference_lists checks that scanpy itself reproduces the stored scores from them.
PBMC_SETS = {
    "tcell": ["CD3D", "CD3E", "CD2", "IL7R", "LCK", "CD7"],
    "bcell": ["CD79A", "CD79B", "MS4A1"],
    "monocyte": ["LYZ", "S100A8", "S100A9", "FCN1"],
}


@pytest.fixture(scope="module")
def pbmc():
    return sc.datasets.pbmc68k_reduced()


@pytest.fixture
def reference(shared):
    path = shared("reference", "singlecell", "pbmc68k_reduced_score_genes_scanpy1.11.5.csv")
    return pd.read_csv(path, index_col=0)


def test_reference_lists(pbmc, reference):
    for name, genes in PBMC_SETS.items():
        b = pbmc.copy()
        sc.tl.score_genes(b, genes, score_name=name)
        np.testing.assert_allclose(b.obs[name].to_numpy(), reference[name].to_numpy(), atol=1e-5)


def test_pbmc68k_parity(pbmc, reference):
    ours = score_sets(pbmc, PBMC_SETS, options=RunOptions(chunk_size=128))
    assert list(ours.index) == list(reference.index)
    for name in PBMC_SETS:  # docs/scoring.md states agreement within 1e-6
        np.testing.assert_allclose(ours[name].to_numpy(), reference[name].to_numpy(), atol=1e-6)


def _synthetic(seed: int = 1, n: int = 300, g: int = 3000, dtype=np.float32) -> ad.AnnData:
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.5, 1.0, size=g)
    x = np.log1p(rng.poisson(lam, size=(n, g))).astype(dtype)
    genes = [f"GENE{i}" for i in range(g)]
    return ad.AnnData(sparse.csr_matrix(x), var=pd.DataFrame(index=genes))


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("ctrl_as_ref", [True, False])
def test_sampled_controls_match_scanpy(seed, ctrl_as_ref):
    """Bins of ~120 genes: controls are drawn, and an int seed reproduces scanpy's draws."""
    a = _synthetic()
    genes = list(a.var_names)
    sets = {"s1": genes[:20], "s2": genes[100:160:3], "s3": genes[2000:2030]}
    ours = score_sets(a, sets, rng=seed, options=RunOptions(chunk_size=77), ctrl_as_ref=ctrl_as_ref)
    for name, members in sets.items():
        b = a.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.tl.score_genes(
                b, members, random_state=seed, score_name=name, ctrl_as_ref=ctrl_as_ref
            )
        np.testing.assert_allclose(ours[name].to_numpy(), b.obs[name].to_numpy(), atol=1e-6)


def test_gene_pool_and_bins_match_scanpy():
    a = _synthetic(seed=3, g=1500)
    genes = list(a.var_names)
    pool = genes[::2]
    ours = score_sets(a, {"s": genes[10:40:2]}, gene_pool=pool, n_bins=10, ctrl_size=20, rng=2)
    b = a.copy()
    sc.tl.score_genes(b, genes[10:40:2], gene_pool=pool, n_bins=10, ctrl_size=20, random_state=2)
    np.testing.assert_allclose(ours["s"].to_numpy(), b.obs["score"].to_numpy(), atol=1e-6)


def test_means_chunk_invariant_and_generator_streams():
    a = _synthetic(seed=4, n=200, g=800)
    b1, b2 = (
        prepare(a, options=RunOptions(chunk_size=7)),
        prepare(a, options=RunOptions(chunk_size=1000)),
    )
    assert np.array_equal(b1.means.to_numpy(), b2.means.to_numpy())
    assert b1.bins.equals(b2.bins)
    genes = list(a.var_names)
    one = score_sets(a, {"x": genes[:15]}, rng=np.random.default_rng(9), n_bins=10, ctrl_size=5)
    two = score_sets(a, {"x": genes[:15]}, rng=np.random.default_rng(9), n_bins=10, ctrl_size=5)
    np.testing.assert_array_equal(one["x"].to_numpy(), two["x"].to_numpy())
    c1 = control_genes(b1, genes[:15], ctrl_size=5, rng=1)
    c2 = control_genes(b1, genes[:15], ctrl_size=5, rng=2)
    assert not c1.equals(c2)


def test_lognorm_transform_matches_scanpy_preprocessing():
    rng = np.random.default_rng(0)
    counts = rng.poisson(rng.gamma(0.6, 2.0, size=400), size=(120, 400)).astype(np.float64)
    counts[5] = 0  # an empty cell stays zero
    genes = [f"G{i}" for i in range(400)]
    a = ad.AnnData(sparse.csr_matrix(counts), var=pd.DataFrame(index=genes))
    b = a.copy()
    sc.pp.normalize_total(b, target_sum=1e4)
    sc.pp.log1p(b)
    sets = {"s": genes[:25]}
    ours = score_sets(a, sets, transform="lognorm", n_bins=10, ctrl_size=10)
    sc.tl.score_genes(b, genes[:25], n_bins=10, ctrl_size=10)
    np.testing.assert_allclose(ours["s"].to_numpy(), b.obs["score"].to_numpy(), atol=1e-6)
