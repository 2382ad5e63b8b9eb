"""``ifnexus screen test COUNTS``: positional equals MAGeCK's ``-k``; ``--json`` equals the files."""

from __future__ import annotations

import json

import pandas as pd

from ifnexus.cli import main

DEMO = ("reference", "crispr", "mageck-demo", "demo3_mle_with_cnv_correction", "leukemia.new.csv")
GROUPS = ["-t", "HL60.final,KBM7.final", "-c", "HL60.initial,KBM7.initial"]


def test_screen_test_positional_json_and_k_alias(shared, tmp_path, capsys):
    counts = str(shared(*DEMO))
    new, old = str(tmp_path / "new"), str(tmp_path / "old")
    assert main(["screen", "test", counts, *GROUPS, "-n", new, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert main(["screen", "test", "-k", counts, *GROUPS, "-n", old]) == 0
    capsys.readouterr()
    for kind in ("gene_summary", "sgrna_summary"):
        new_file = tmp_path / f"new.{kind}.txt"
        assert new_file.read_bytes() == (tmp_path / f"old.{kind}.txt").read_bytes(), kind
    # the JSON's hit counts are those of the gene summary it wrote (FDR below the threshold)
    genes = pd.read_csv(tmp_path / "new.gene_summary.txt", sep="\t")
    (one,) = payload["comparisons"]
    fdr = payload["fdr_threshold"]
    assert payload["command"] == "screen test"
    assert one["n_negative"] == int((genes["neg|fdr"] < fdr).sum())
    assert one["n_positive"] == int((genes["pos|fdr"] < fdr).sum())
    assert str(tmp_path / "new.gene_summary.txt") in payload["files"]
    assert main(["screen", "test", counts, "-k", counts, *GROUPS, "-n", new]) == 2
    assert "not both" in capsys.readouterr().err
