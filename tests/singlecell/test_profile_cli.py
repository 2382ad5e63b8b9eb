"""``ifnexus sc profile`` writes the documented outputs, in memory and backed alike."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)


@pytest.fixture(scope="module")
def h5ad(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "in.h5ad"
    _mod.make_data(seed=3, n_per_sample=40).write_h5ad(path)
    return path


def test_sc_profile_outputs(h5ad, tmp_path, capsys):
    out = tmp_path / "prof"
    args = [
        "sc",
        "profile",
        str(h5ad),
        "--sample-key",
        "sample",
        "--condition-key",
        "condition",
        "--reference",
        "sham",
        "--out",
        str(out),
    ]
    assert main(args) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "input: counts" in err
    cells = pd.read_csv(out / "cells.csv", index_col=0)
    assert {"cell_type", "ifn_acute", "ifn_chronic", "ifn_state", "cell_type_confidence"} <= set(
        cells.columns
    )
    samples = pd.read_csv(out / "samples.csv", index_col=0)
    assert len(samples) == 6 and "cd8_of_immune" in samples.columns
    comp = pd.read_csv(out / "comparisons.csv")
    assert set(comp["group"]) == {"RT"} and set(comp["reference"]) == {"sham"}
    prof = ad.read_h5ad(out / "profiled.h5ad")
    assert prof.uns["ifnexus"]["input_kind"] == "counts"
    # the h5ad holds the CSV's per-cell results under the ifnexus_ prefix
    for col in ("cell_type", "ifn_acute", "ifn_chronic", "ifn_state", "cell_type_confidence"):
        got, want = prof.obs[f"ifnexus_{col}"], cells[col]
        if pd.api.types.is_numeric_dtype(want):
            np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), atol=1e-6)
        else:
            assert got.astype(str).tolist() == want.astype(str).tolist()
    markers = prof.obsm["ifnexus_marker_scores"]
    for t in markers.columns:
        np.testing.assert_allclose(markers[t].to_numpy(), cells[f"marker_{t}"], atol=1e-6)
    assert json.loads((out / "settings.json").read_text())["ifn_state"]["mode"] == "mixture"
    comps = pd.read_csv(out / "ifn_components.csv")
    assert {"group", "label", "weight", "shift_acute"} <= set(comps.columns)
    pb = ad.read_h5ad(out / "pseudobulk.h5ad")
    assert pb.obs["n_cells"].sum() == len(cells)
    figs = (
        "embedding_scores.png",
        "violins_ifn_by_celltype.png",
        "composition.png",
        "ifn_state.png",
    )
    for fig in figs:
        assert (out / "figures" / fig).stat().st_size > 1000
    # backed: same tables, profiled.h5ad written by copying the file
    out2 = tmp_path / "prof_backed"
    assert main([*args[:-1], str(out2), "--backed", "--chunk-size", "50", "--no-figures"]) == 0
    cells2 = pd.read_csv(out2 / "cells.csv", index_col=0)
    pd.testing.assert_frame_equal(cells, cells2, atol=1e-10)
    prof2 = ad.read_h5ad(out2 / "profiled.h5ad")
    assert prof2.obs["ifnexus_ifn_state"].tolist() == prof.obs["ifnexus_ifn_state"].tolist()
    pd.testing.assert_frame_equal(
        prof2.obsm["ifnexus_marker_scores"], prof.obsm["ifnexus_marker_scores"], atol=1e-10
    )
    assert prof2.X.shape == prof.X.shape


def test_sc_profile_keeps_input_columns_and_file(tmp_path, capsys):
    """The user's own obs columns survive in profiled.h5ad; the input file is not changed."""
    a = _mod.make_data(seed=4, n_per_sample=30)
    a.obs["cell_type"] = "annotated by the user"
    a.obs["ifn_state"] = "user state"
    path = tmp_path / "mine.h5ad"
    a.write_h5ad(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for backed in ([], ["--backed"]):
        out = tmp_path / f"out{len(backed)}"
        args = ["sc", "profile", str(path), "--sample-key", "sample", "--no-figures"]
        assert main([*args, *backed, "--out", str(out)]) == 0, capsys.readouterr().err
        prof = ad.read_h5ad(out / "profiled.h5ad")
        assert (prof.obs["cell_type"] == "annotated by the user").all()
        assert (prof.obs["ifn_state"] == "user state").all()
        cells = pd.read_csv(out / "cells.csv", index_col=0)
        assert prof.obs["ifnexus_cell_type"].astype(str).tolist() == cells["cell_type"].tolist()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_sc_profile_refuses_to_overwrite_earlier_results(tmp_path, capsys):
    """A file that already holds ifnexus_* results is refused (exit 2), nothing is written."""
    a = _mod.make_data(seed=5, n_per_sample=20)
    a.obs["ifnexus_cell_type"] = "from an earlier run"
    path = tmp_path / "again.h5ad"
    a.write_h5ad(path)
    out = tmp_path / "again"
    assert main(["sc", "profile", str(path), "--no-figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "already holds .obs['ifnexus_cell_type']" in err and "Traceback" not in err
    assert "--key-added" in err and "--overwrite" in err
    assert not out.exists()
    # another prefix keeps the earlier results; --overwrite replaces them
    base = ["sc", "profile", str(path), "--no-figures"]
    assert main([*base, "--key-added", "run2", "--out", str(out)]) == 0, capsys.readouterr().err
    prof = ad.read_h5ad(out / "profiled.h5ad")
    assert (prof.obs["ifnexus_cell_type"] == "from an earlier run").all()
    cells = pd.read_csv(out / "cells.csv", index_col=0)
    assert prof.obs["run2_cell_type"].astype(str).tolist() == cells["cell_type"].tolist()
    assert "run2" in prof.uns and "run2_marker_scores" in prof.obsm
    out2 = tmp_path / "again2"
    assert main([*base, "--overwrite", "--out", str(out2)]) == 0, capsys.readouterr().err
    prof2 = ad.read_h5ad(out2 / "profiled.h5ad")
    assert prof2.obs["ifnexus_cell_type"].astype(str).tolist() == cells["cell_type"].tolist()


def test_sc_profile_bad_keys(h5ad, tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(["sc", "profile", str(h5ad), "--sample-key", "donor", "--out", str(out)]) == 2
    assert "sample key 'donor' is not a column of .obs" in capsys.readouterr().err
    assert main(["sc", "profile", str(h5ad), "--species", "mouse", "--out", str(out)]) == 2
    assert "look human" in capsys.readouterr().err
    assert not out.exists()


def test_sc_profile_scheduler_identical(h5ad, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    base = ["sc", "profile", str(h5ad), "--sample-key", "sample", "--no-figures"]
    local = tmp_path / "local"
    assert main([*base, "--out", str(local)]) == 0, capsys.readouterr().err
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = tmp_path / "remote"
        args = [*base, "--backed", "--chunk-size", "60", "--scheduler", cluster.scheduler_address]
        assert main([*args, "--out", str(remote)]) == 0, capsys.readouterr().err
    a = pd.read_csv(local / "cells.csv", index_col=0)
    b = pd.read_csv(remote / "cells.csv", index_col=0)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_csv(local / "samples.csv", index_col=0),
        pd.read_csv(remote / "samples.csv", index_col=0),
        check_exact=True,
    )


def test_sc_profile_unreachable_scheduler(h5ad, tmp_path, capsys):
    import dask

    out = tmp_path / "nosched"
    args = ["sc", "profile", str(h5ad), "--no-figures", "--scheduler", "tcp://127.0.0.1:9"]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main([*args, "--out", str(out)]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()
