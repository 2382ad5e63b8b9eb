"""score_sets as named stages; run options and the deprecated engine keywords."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.scoring import (
    prepare,
    resolve_sets,
    score_sets,
    ssgsea,
    ssgsea_scores,
    weight_matrix,
    weighted_scores,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    n, g = 150, 400
    x = np.log1p(rng.poisson(rng.gamma(0.5, 1.0, size=g), size=(n, g))).astype(np.float64)
    genes = [f"GENE{i}" for i in range(g)]
    sets = {"a": genes[:12], "b": genes[200:240:2], "c": [*genes[50:54], "NOTHERE"]}
    return x, genes, sets


def test_stages_by_hand_equal_score_sets(data):
    x, genes, sets = data
    frame = pd.DataFrame(x, columns=genes)
    resolved, report = resolve_sets(sets, genes, species="human")
    assert resolved["c"] == genes[50:54] and report.set_index("set").loc["c", "n_found"] == 4
    bg = prepare(frame, n_bins=10)
    w, controls = weight_matrix(bg, resolved, ctrl_size=15, rng=4)
    by_hand = weighted_scores(frame, w)
    ours = score_sets(frame, sets, species="human", n_bins=10, ctrl_size=15, rng=4)
    np.testing.assert_array_equal(by_hand, ours.to_numpy())
    # and the weights are the mean-control definition: mean(set) - mean(controls)
    for j, (name, members) in enumerate(resolved.items()):
        ctrl = controls.loc[j, "control_genes"].split(";")
        expect = frame[members].mean(axis=1) - frame[ctrl].mean(axis=1)
        np.testing.assert_allclose(ours[name].to_numpy(), expect.to_numpy(), atol=1e-12)


def test_weighted_scores_closed_form():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 0.0], [5.0, 0.0, 1.0]])
    w = np.array([[0.5, 1.0], [0.5, 0.0], [-1.0, 0.0]])
    genes = ["A", "B", "C"]
    expect = x @ w
    for data in (x, sparse.csr_matrix(x)):
        np.testing.assert_array_equal(weighted_scores(data, w, var_names=genes), expect)
        np.testing.assert_array_equal(
            weighted_scores(data, w, var_names=genes, options=RunOptions(chunk_size=1, n_jobs=2)),
            expect,
        )
    # lognorm: rows normalised to 1e4 then log1p, before the product
    ln = np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4)
    np.testing.assert_allclose(
        weighted_scores(x, w, var_names=genes, transform="lognorm"), ln @ w, rtol=1e-14
    )
    with pytest.raises(ValidationError, match="weights must be genes x sets with 3 rows"):
        weighted_scores(x, w[:2], var_names=genes)


def test_ssgsea_scores_equal_kernel_on_transpose(data):
    x, genes, sets = data
    resolved, _ = resolve_sets(sets, genes, species="human")
    rows = ssgsea_scores(x, resolved, var_names=genes, options=RunOptions(chunk_size=40))
    kernel = ssgsea(pd.DataFrame(x.T, index=genes), resolved)
    np.testing.assert_allclose(rows, kernel.to_numpy(), rtol=1e-12)


def test_background_summary(data):
    x, genes, _ = data
    bg = prepare(x, var_names=genes, n_bins=10, gene_pool=genes[::2])
    s = bg.summary
    assert list(s.columns) == ["mean", "in_pool", "bin"] and list(s.index) == genes
    np.testing.assert_allclose(s["mean"].to_numpy(), x.mean(axis=0), rtol=1e-12)
    assert s["in_pool"].tolist() == [i % 2 == 0 for i in range(len(genes))]
    assert s.loc[~s["in_pool"], "bin"].isna().all()
    pool = s.loc[s["in_pool"], "mean"]  # scanpy's cut: rank(min) // round(n / (n_bins - 1))
    expect = pool.rank(method="min") // round(len(pool) / 9)
    np.testing.assert_array_equal(s.loc[s["in_pool"], "bin"].to_numpy(), expect.to_numpy())


def test_deprecated_engine_keywords(data):
    x, genes, sets = data
    kw = {"var_names": genes, "n_bins": 10, "ctrl_size": 15}
    new = score_sets(x, sets, **kw, options=RunOptions(chunk_size=30, n_jobs=2))
    with pytest.warns(FutureWarning, match=r"score_sets: chunk_size=, n_jobs= is deprecated"):
        old = score_sets(x, sets, **kw, chunk_size=30, n_jobs=2)
    np.testing.assert_array_equal(old.to_numpy(), new.to_numpy())
    with pytest.warns(FutureWarning, match=r"prepare: chunk_size= is deprecated"):
        b_old = prepare(x, var_names=genes, chunk_size=30)
    b_new = prepare(x, var_names=genes, options=RunOptions(chunk_size=30))
    assert b_old.bins.equals(b_new.bins)
    with pytest.raises(ValidationError, match="not both"):
        score_sets(x, sets, **kw, options=RunOptions(), chunk_size=30)
    with pytest.raises(ValidationError, match="options must be an ifnexus.RunOptions"):
        score_sets(x, sets, **kw, options={"n_jobs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        score_sets(x, sets, **kw)


def test_all_cores_goes_through_runoptions_workers(data, monkeypatch):
    """n_jobs=-1 runs on RunOptions.workers threads (all cores), with the same numbers."""
    import ifnexus.scoring._chunks as chunks

    x, genes, sets = data
    seen = []
    real = chunks.ThreadPoolExecutor

    class Spy(real):
        def __init__(self, max_workers=None, **kw):
            seen.append(max_workers)
            super().__init__(max_workers=max_workers, **kw)

    monkeypatch.setattr(chunks, "ThreadPoolExecutor", Spy)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    opts = RunOptions(chunk_size=20, n_jobs=-1)
    assert opts.workers == 3
    a = score_sets(x, sets, var_names=genes, n_bins=10, options=opts)
    b = score_sets(x, sets, var_names=genes, n_bins=10)
    assert seen and set(seen) == {3}
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


@pytest.mark.parametrize("bad", [-1, True])
def test_bad_seeds_refused_by_the_package_seed_check(data, bad):
    x, genes, sets = data
    with pytest.raises(ValidationError, match="rng must be an integer seed"):
        score_sets(x, sets, var_names=genes, n_bins=10, rng=bad)


def test_score_sets_never_writes_into_the_anndata(data):
    """score_sets returns a new DataFrame; the AnnData (obs, var, X, uns, obsm) is unchanged."""
    import anndata as ad

    x, genes, sets = data
    a = ad.AnnData(
        sparse.csr_matrix(x),
        obs=pd.DataFrame({"a": np.arange(len(x))}, index=[f"c{i}" for i in range(len(x))]),
        var=pd.DataFrame(index=genes),
    )
    counts = np.expm1(x).round()
    a.layers["lg"] = counts.copy()
    obs, var, xx = a.obs.copy(), a.var.copy(), a.X.copy()
    out = score_sets(a, sets, layer="lg", n_bins=10, transform="lognorm")
    out2 = score_sets(a, sets, method="ssgsea")
    assert list(out.index) == list(a.obs_names) and list(out2.index) == list(a.obs_names)
    pd.testing.assert_frame_equal(a.obs, obs)
    pd.testing.assert_frame_equal(a.var, var)
    assert (a.X != xx).nnz == 0 and np.array_equal(a.layers["lg"], counts)
    assert not a.uns and not a.obsm
