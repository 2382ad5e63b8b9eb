"""``ifnexus tumour profile``: EXPRESSION positional = ``--expression``; ``tumor`` still runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ifnexus.cli import main


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
def test_positional_expression_equals_the_alias(tmp_path, shared, capsys):
    expr = str(shared("reference", "estimate", "sample_input.txt"))
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["tumour", "profile", expr, "--no-figures", "--out", str(a), "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert main(["tumour", "profile", "--expression", expr, "--no-figures", "--out", str(b)]) == 0
    capsys.readouterr()
    assert (a / "tumours.csv").read_text() == (b / "tumours.csv").read_text()
    # --json prints the run record the command wrote (run.json adds the folder's manifest)
    written = json.loads((a / "run.json").read_text())
    assert run == {k: v for k, v in written.items() if k != "ifnexus_run"}
    assert main(["tumour", "profile", expr, "--expression", expr, "--out", str(a)]) == 2
    assert "not both" in capsys.readouterr().err


def test_deprecated_tumor_command_runs_the_tumour_command(tmp_path, capsys):
    seg = tmp_path / "seg.tsv"
    pd.DataFrame(
        [("a", "chr9", 1, 40000000, 100, -0.5)],
        columns=["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"],
    ).to_csv(seg, sep="\t", index=False)
    args = ["profile", "--segments", str(seg), "--build", "hg38", "--out"]
    assert main(["tumour", *args, str(tmp_path / "new")]) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main(["tumor", *args, str(tmp_path / "old")]) == 0
    err = capsys.readouterr().err
    assert "'ifnexus tumor' is deprecated" in err and "'ifnexus tumour'" in err
    new = (tmp_path / "new" / "tumours.csv").read_text()
    assert (tmp_path / "old" / "tumours.csv").read_text() == new
