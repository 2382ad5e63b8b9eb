"""``ifnexus score``: ``--out`` is a directory, ``--json`` equals the files, old file form warns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.scoring import ssgsea


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(200)]
    expr = pd.DataFrame(
        rng.gamma(2.0, 2.0, size=(200, 5)), index=genes, columns=[f"s{i}" for i in range(5)]
    )
    expr.index.name = "gene"
    path = tmp_path / "expr.tsv"
    expr.to_csv(path, sep="\t")
    gmt = tmp_path / "sets.gmt"
    sets = {"up": genes[:20], "other": genes[100:130]}
    gmt.write_text("".join(f"{k}\tdesc\t" + "\t".join(v) + "\n" for k, v in sets.items()))
    return path, gmt, expr, sets


def test_out_is_a_directory_and_json_describes_it(table, tmp_path, capsys):
    path, gmt, expr, sets = table
    out = tmp_path / "scores"
    args = ["score", str(path), "--gmt", str(gmt), "--method", "ssgsea", "--out", str(out)]
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    got = pd.read_csv(out / "scores.csv", index_col=0)
    expect = ssgsea(expr, sets)  # the library's own result
    np.testing.assert_allclose(got[["up", "other"]].to_numpy(), expect.to_numpy(), rtol=1e-10)
    report = pd.read_csv(out / "gene_report.csv", keep_default_na=False)
    assert payload["command"] == "score" and payload["unit"] == "sample"
    assert payload["n"] == len(got) and payload["sets"] == list(got.columns)
    assert payload["files"] == [str(out / "scores.csv"), str(out / "gene_report.csv")]
    assert payload["gene_report"] == json.loads(report.to_json(orient="records"))
    assert "deprecated" not in captured.err


def test_out_file_is_a_deprecated_alias(table, tmp_path, capsys):
    path, gmt, _, _ = table
    new_dir, old_file = tmp_path / "new", tmp_path / "old.csv"
    base = ["score", str(path), "--gmt", str(gmt), "--method", "ssgsea", "--out"]
    assert main([*base, str(new_dir)]) == 0
    capsys.readouterr()
    assert main([*base, str(old_file)]) == 0
    err = capsys.readouterr().err
    assert "deprecated" in err and "--out" in err
    assert old_file.read_text() == (new_dir / "scores.csv").read_text()
