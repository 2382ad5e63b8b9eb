"""``ifnexus sc profile`` writes the documented outputs, in memory and backed alike."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import anndata as ad
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
    assert "ifn_acute" in prof.obs.columns and prof.uns["ifnexus_profile"]["input_kind"] == "counts"
    assert json.loads((out / "settings.json").read_text())["acute_threshold"] == 0.5
    pb = ad.read_h5ad(out / "pseudobulk.h5ad")
    assert pb.obs["n_cells"].sum() == len(cells)
    for fig in ("embedding_scores.png", "violins_ifn_by_celltype.png", "composition.png"):
        assert (out / "figures" / fig).stat().st_size > 1000
    # backed: same tables, profiled.h5ad written by copying the file
    out2 = tmp_path / "prof_backed"
    assert main([*args[:-1], str(out2), "--backed", "--chunk-size", "50", "--no-figures"]) == 0
    cells2 = pd.read_csv(out2 / "cells.csv", index_col=0)
    pd.testing.assert_frame_equal(cells, cells2, atol=1e-10)
    prof2 = ad.read_h5ad(out2 / "profiled.h5ad")
    assert prof2.obs["ifn_state"].tolist() == prof.obs["ifn_state"].tolist()
    assert prof2.X.shape == prof.X.shape


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
