"""``profile(min_effect=, cluster_key=)`` and ``sc profile --min-effect/--cluster-key``.

Planted truth (``make_data`` of test_profile.py): every acute cell has its Hallmark IFN-alpha
genes x8 (a shift of about ln 8 score units, above the default ``min_effect`` ln 2); cell types
carry their markers x25.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.singlecell import profile
from ifnexus.singlecell._ifn_state import DETECTION_ALPHA, MIN_DETECTED, MIN_EFFECT

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data_options", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)


@pytest.fixture(scope="module")
def data():
    a = _mod.make_data(seed=4, n_per_sample=40)
    # one cluster holding both T-cell types; every other cluster is one planted type
    a.obs["cluster"] = a.obs["true_type"].replace({"cd4_t": "T", "cd8_t": "T"})
    return a


def test_min_effect_reaches_the_ifn_state_call(data):
    truth = data.obs["true_state"].to_numpy()
    default = profile(data, key_added=None)
    assert default.settings["ifn_state"]["min_effect"] == pytest.approx(math.log(2))
    assert (default.cells["ifn_state"].to_numpy()[truth == "acute"] == "acute").mean() >= 0.9
    # a shift of 50 score units (e^50-fold) is beyond any planted burst: nothing is raised
    huge = profile(data, key_added=None, min_effect=50.0)
    assert huge.settings["ifn_state"]["min_effect"] == 50.0
    assert not (huge.cells["ifn_state"] == "acute").any()
    assert not (huge.cells["ifn_state"] == "chronic").any()
    # recorded where the other IFN-state options are: .uns of the AnnData written to
    stored = profile(data, copy=True, min_effect=1.5)
    assert stored.adata.uns["ifnexus"]["ifn_state"]["min_effect"] == 1.5


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), True, "1", None])
def test_bad_min_effect_refused_before_scoring(data, bad, monkeypatch):
    import ifnexus.singlecell._profile as prof

    def boom(*a, **k):
        raise AssertionError("scored before min_effect was checked")

    monkeypatch.setattr(prof, "prepare", boom)
    with pytest.raises(ValidationError, match=r"min_effect / --min-effect must be a finite"):
        profile(data, key_added=None, min_effect=bad)


def test_cluster_key_gives_one_type_per_cluster(data):
    per_cell = profile(data, key_added=None)
    clustered = profile(data, key_added=None, cluster_key="cluster")
    assert per_cell.settings["cluster_key"] == ""
    assert per_cell.settings["cell_type_calls"] == "per cell"
    assert clustered.settings["cluster_key"] == "cluster"
    assert clustered.settings["cell_type_calls"] == "per cluster"
    cluster = data.obs["cluster"].to_numpy()
    types = clustered.cells["cell_type"].astype(str).to_numpy()
    for c in np.unique(cluster):
        assert len(set(types[cluster == c])) == 1, c
    pure = cluster != "T"
    assert (types[pure] == data.obs["true_type"].to_numpy()[pure]).all()
    # the default stays per cell: the mixed T cluster gets both planted T types
    t_cells = per_cell.cells["cell_type"].astype(str).to_numpy()[~pure]
    assert {"cd4_t", "cd8_t"} <= set(t_cells)


def test_unknown_cluster_key_names_it_and_lists_columns(data, monkeypatch):
    import ifnexus.singlecell._profile as prof

    def boom(*a, **k):
        raise AssertionError("scored before the cluster key was checked")

    monkeypatch.setattr(prof, "prepare", boom)
    with pytest.raises(
        ValidationError,
        match=r"cluster key 'leiden' is not a column of \.obs; available: .*cluster",
    ):
        profile(data, key_added=None, cluster_key="leiden")
    holed = data.copy()
    holed.obs["cluster"] = holed.obs["cluster"].astype(object)
    holed.obs.iloc[0, holed.obs.columns.get_loc("cluster")] = None
    with pytest.raises(ValidationError, match=r"\.obs\['cluster'\] has 1 missing values"):
        profile(holed, key_added=None, cluster_key="cluster")


@pytest.fixture(scope="module")
def h5ad(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("sc_opts") / "in.h5ad"
    data.write_h5ad(path)
    return path


def test_cli_min_effect_and_cluster_key(h5ad, data, tmp_path, capsys):
    out = tmp_path / "prof"
    args = ["sc", "profile", str(h5ad), "--min-effect", "50", "--cluster-key", "cluster"]
    assert main([*args, "--no-figures", "--out", str(out)]) == 0, capsys.readouterr().err
    settings = json.loads((out / "settings.json").read_text())
    assert settings["ifn_state"]["min_effect"] == 50.0
    assert settings["cluster_key"] == "cluster"
    run = (out / "run.json").read_text()
    assert '"min_effect": 50.0' in run and '"cluster_key": "cluster"' in run
    cells = pd.read_csv(out / "cells.csv", index_col=0)
    assert not (cells["ifn_state"] == "acute").any()
    assert (cells.groupby(data.obs["cluster"].to_numpy())["cell_type"].nunique() == 1).all()


def test_cli_default_min_effect_is_ln2(h5ad, tmp_path, capsys):
    out = tmp_path / "prof"
    assert main(["sc", "profile", str(h5ad), "--no-figures", "--out", str(out)]) == 0
    settings = json.loads((out / "settings.json").read_text())
    assert settings["ifn_state"]["min_effect"] == MIN_EFFECT
    assert settings["cluster_key"] == ""
    # the evidence floor's CLI defaults are the library's
    assert settings["ifn_state"]["evidence_floor"]["min_detected"] == MIN_DETECTED
    assert settings["ifn_state"]["evidence_floor"]["detection_alpha"] == DETECTION_ALPHA


def test_cli_evidence_floor_options_reach_the_call(h5ad, tmp_path, capsys):
    out = tmp_path / "prof"
    args = ["sc", "profile", str(h5ad), "--min-detected", "500", "--detection-alpha", "0"]
    assert main([*args, "--no-figures", "--out", str(out)]) == 0, capsys.readouterr().err
    settings = json.loads((out / "settings.json").read_text())
    assert settings["ifn_state"]["evidence_floor"]["min_detected"] == 500
    assert settings["ifn_state"]["evidence_floor"]["detection_alpha"] == 0.0
    # no cell can express 500 genes of a 12- or 18-gene programme: no acute or chronic call
    cells = pd.read_csv(out / "cells.csv", index_col=0)
    assert not cells["ifn_state"].isin(["acute", "chronic"]).any()


@pytest.mark.parametrize(("flag", "bad"), [("--min-detected", "-1"), ("--detection-alpha", "1.5")])
def test_cli_bad_evidence_floor(h5ad, tmp_path, capsys, flag, bad):
    out = tmp_path / "bad"
    assert main(["sc", "profile", str(h5ad), flag, bad, "--out", str(out)]) == 2
    assert flag in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("bad", ["-1", "nan", "inf"])
def test_cli_bad_min_effect(h5ad, tmp_path, capsys, bad):
    out = tmp_path / "bad"
    assert main(["sc", "profile", str(h5ad), "--min-effect", bad, "--out", str(out)]) == 2
    assert "--min-effect must be a finite number >= 0" in capsys.readouterr().err
    assert not out.exists()


def test_cli_unknown_cluster_key(h5ad, tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(["sc", "profile", str(h5ad), "--cluster-key", "leiden", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cluster key 'leiden' is not a column of .obs" in err and "true_type" in err
    assert not out.exists()
