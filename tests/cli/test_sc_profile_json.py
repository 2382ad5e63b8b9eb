"""``ifnexus sc profile --json``: one object whose counts equal the written cells table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

from ifnexus.cli import main

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data", Path(__file__).parents[1] / "singlecell" / "test_profile.py"
)
_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_data)


def test_sc_profile_json_equals_its_tables(tmp_path, capsys):
    path = tmp_path / "in.h5ad"
    _data.make_data(seed=3, n_per_sample=30).write_h5ad(path)
    out = tmp_path / "prof"
    args = ["sc", "profile", str(path), "--sample-key", "sample", "--out", str(out)]
    assert main([*args, "--json", "--quiet", "--no-figures", "--jobs", "-1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    cells = pd.read_csv(out / "cells.csv")
    assert payload["command"] == "sc profile" and payload["n_cells"] == len(cells)
    counts = cells["cell_type"].value_counts()
    assert payload["cell_types"] == {k: int(v) for k, v in counts.items() if v}
    assert all(Path(f).exists() for f in payload["files"])
