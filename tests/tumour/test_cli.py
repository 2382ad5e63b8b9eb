"""``ifnexus tumour profile``: files written, parity in tumours.csv, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main

REQUIRED = [
    "StromalScore",
    "ImmuneScore",
    "ESTIMATEScore",
    "TumorPurity",
    "TumorPurity_ifnaware",
    "purity_calibration",
    "expression_scale",
    "danaher_CD8_T_cells",
    "cytolytic_activity",
    "M1",
    "M2",
    "cdkn2a_status",
    "ifn_cluster_status",
    "ifn_codeleted_with_cdkn2a",
    "ifn_state",
    "ifn_p_acute",
    "ifn_p_chronic",
    "ifn_p_none",
    "ifn_state_reason",
    "ifn_capacity",
    "ifn_class",
    "ifn_state_evidence",
]


def _seg(tmp_path, rows):
    p = tmp_path / "seg.tsv"
    pd.DataFrame(
        rows, columns=["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"]
    ).to_csv(p, sep="\t", index=False)
    return p


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
def test_profile_writes_everything(tmp_path, shared, capsys):
    expr = shared("reference", "estimate", "sample_input.txt")
    ref = pd.read_csv(
        shared("reference", "estimate", "ov_estimate_reference_scores.csv"), index_col=0
    )
    seg = _seg(
        tmp_path,
        [
            ("s516", "9", 1, 21000000, 10, 0.0),
            ("s516", "9", 21000001, 30000000, 50, -1.5),
            ("s518", "9", 1, 40000000, 100, 0.01),
        ],
    )
    out = tmp_path / "out"
    rc = main(
        [
            "tumour",
            "profile",
            "--expression",
            str(expr),
            "--segments",
            str(seg),
            "--build",
            "hg19",
            "--platform",
            "affymetrix",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    tum = pd.read_csv(out / "tumours.csv", index_col=0)
    assert all(c in tum.columns for c in REQUIRED)
    for col in ("StromalScore", "ImmuneScore", "ESTIMATEScore", "TumorPurity"):
        np.testing.assert_allclose(tum.loc[ref.index, col], ref[col], rtol=1e-12)
    assert tum.loc["s516", "ifn_class"] == "ifn-deficient"
    assert tum.loc["s516", "cdkn2a_status"] == "homozygous"
    for f in ("genes_9p21.csv", "score_heatmap.png", "purity_by_ifn_state.png"):
        assert (out / f).stat().st_size > 0
    run = json.loads((out / "run.json").read_text())
    assert run["expression_scale"] == "log" and run["n_common_genes"] == 10412
    assert run["thresholds"]["homozygous_log2"] == -1.1


def test_segments_only_cli(tmp_path, capsys):
    seg = _seg(tmp_path, [("a", "chr9", 1, 40000000, 100, -0.5)])
    out = tmp_path / "o"
    assert (
        main(["tumour", "profile", "--segments", str(seg), "--build", "hg38", "--out", str(out)])
        == 0
    )
    tum = pd.read_csv(out / "tumours.csv", index_col=0)
    assert tum.loc["a", "cdkn2a_status"] == "hemizygous"
    assert not (out / "score_heatmap.png").exists()


def test_bad_input_exit_2_and_no_output(tmp_path, capsys):
    seg = _seg(tmp_path, [("a", "9", 10, 100, 5, 0.0), ("b", "9", 500, 400, 5, 0.0)])
    out = tmp_path / "o"
    assert (
        main(["tumour", "profile", "--segments", str(seg), "--build", "hg38", "--out", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert "error:" in err and "line 3, sample 'b': segment ends before it starts" in err
    assert not (out / "tumours.csv").exists()
    assert main(["tumour", "profile", "--out", str(out)]) == 2
    assert main(["tumour", "profile", "--segments", str(seg), "--out", str(out)]) == 2


def test_gene_level_cli(tmp_path):
    p = tmp_path / "gistic.tsv"
    p.write_text(
        "Gene Symbol\tLocus ID\tCytoband\tt1\tt2\nCDKN2A\t1029\t9p21.3\t-2\t0\nIFNB1\t3456\t9p21.3\t-2\t-1\n"
    )
    out = tmp_path / "o"
    assert main(["tumour", "profile", "--gene-cn", str(p), "--out", str(out)]) == 0
    tum = pd.read_csv(out / "tumours.csv", index_col=0)
    assert (
        tum.loc["t1", "ifn_class"] == "ifn-deficient"
        and tum.loc["t2", "ifn_cluster_status"] == "hemizygous"
    )
    assert tum.loc["t1", "cn_source"] == "gene-level gistic"
