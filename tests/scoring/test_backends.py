"""One engine, every backend: dense, sparse, DataFrame, AnnData (raw, layer, backed), dask, cluster."""

from __future__ import annotations

import anndata as ad
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus import RunOptions
from ifnexus.scoring import prepare, score_sets, ssgsea


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n, g = 240, 600
    lam = rng.gamma(0.5, 1.0, size=g)
    x = np.log1p(rng.poisson(lam, size=(n, g))).astype(np.float64)  # float64: sparse == dense sums
    genes = [f"GENE{i}" for i in range(g)]
    cells = [f"cell{i}" for i in range(n)]
    sets = {"a": genes[:12], "b": genes[300:330:2], "c": genes[50:54]}
    return x, genes, cells, sets


KW = {"n_bins": 12, "ctrl_size": 20, "rng": 3}
CHUNKS = RunOptions(chunk_size=50)


def test_all_backends_identical(data, tmp_path):
    x, genes, cells, sets = data
    base = score_sets(
        sparse.csr_matrix(x), sets, var_names=genes, obs_names=cells, **KW, options=CHUNKS
    )
    adata = ad.AnnData(
        sparse.csr_matrix(x), obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=genes)
    )
    adata.layers["lg"] = x.copy()
    path = tmp_path / "x.h5ad"
    adata.write_h5ad(path)
    backed = ad.read_h5ad(path, backed="r")
    runs = {
        "dense": score_sets(x, sets, var_names=genes, obs_names=cells, **KW, options=CHUNKS),
        "csc": score_sets(
            sparse.csc_matrix(x), sets, var_names=genes, obs_names=cells, **KW, options=CHUNKS
        ),
        "frame": score_sets(
            pd.DataFrame(x, index=cells, columns=genes), sets, **KW, options=CHUNKS
        ),
        "anndata": score_sets(adata, sets, **KW, options=CHUNKS),
        "layer": score_sets(adata, sets, layer="lg", **KW, options=CHUNKS),
        "backed": score_sets(backed, sets, **KW, options=CHUNKS),
        "dask_dense": score_sets(
            da.from_array(x, chunks=(50, 600)), sets, var_names=genes, obs_names=cells, **KW
        ),
        "dask_sparse": score_sets(
            da.from_array(sparse.csr_matrix(x), chunks=(50, 600), asarray=False),
            sets,
            var_names=genes,
            obs_names=cells,
            **KW,
            options=CHUNKS,
        ),
        "threads": score_sets(adata, sets, **KW, options=RunOptions(chunk_size=50, n_jobs=2)),
        "all_cores": score_sets(adata, sets, **KW, options=RunOptions(chunk_size=50, n_jobs=-1)),
    }
    backed.file.close()
    for name, out in runs.items():
        assert list(out.index) == cells, name
        np.testing.assert_allclose(
            out.to_numpy(), base.to_numpy(), rtol=0, atol=1e-12, err_msg=name
        )
    # same sparse kernel on the same chunks: bit-identical
    np.testing.assert_array_equal(runs["backed"].to_numpy(), base.to_numpy())
    np.testing.assert_array_equal(runs["dask_sparse"].to_numpy(), base.to_numpy())


def test_local_cluster_identical(data, tmp_path):
    distributed = pytest.importorskip("distributed")
    x, genes, cells, sets = data
    adata = ad.AnnData(
        sparse.csr_matrix(x.astype(np.float32)),
        obs=pd.DataFrame(index=cells),
        var=pd.DataFrame(index=genes),
    )
    path = tmp_path / "x.h5ad"
    adata.write_h5ad(path)
    local = score_sets(adata, sets, **KW, options=CHUNKS)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        backed = ad.read_h5ad(path, backed="r")
        remote = score_sets(
            backed,
            sets,
            **KW,
            options=RunOptions(chunk_size=50, scheduler=cluster.scheduler_address),
        )
        backed.file.close()
    np.testing.assert_array_equal(remote.to_numpy(), local.to_numpy())


def test_background_reused(data):
    x, genes, cells, sets = data
    bg = prepare(x, var_names=genes, n_bins=12)
    a = score_sets(x, sets, var_names=genes, background=bg, ctrl_size=20, rng=3)
    b = score_sets(x, sets, var_names=genes, n_bins=12, ctrl_size=20, rng=3)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    np.testing.assert_allclose(bg.means.to_numpy(), x.mean(axis=0))
    # many sets in one pass equal each set alone
    for name, genes_ in sets.items():
        alone = score_sets(x, {name: genes_}, var_names=genes, n_bins=12, ctrl_size=20, rng=3)
        np.testing.assert_allclose(alone[name].to_numpy(), b[name].to_numpy(), atol=1e-12)


def test_ssgsea_method_uses_shared_kernel(data):
    x, genes, cells, sets = data
    ours = score_sets(
        sparse.csr_matrix(x),
        sets,
        method="ssgsea",
        var_names=genes,
        obs_names=cells,
        options=RunOptions(chunk_size=64),
    )
    direct = ssgsea(pd.DataFrame(x.T, index=genes, columns=cells), sets)
    np.testing.assert_allclose(ours.to_numpy(), direct.to_numpy(), rtol=1e-12)
