"""``ifnexus tumour profile``: files written, parity in tumours.csv, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError

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


def _ifn_cohort(tmp_path):
    """Public IFN stimulation data (tests/data/ifn_bulk) as a CPM file plus a clinical table."""
    from pathlib import Path

    from ifnexus.genesets import estimate_common_genes, get_set

    data = Path(__file__).resolve().parents[1] / "data" / "ifn_bulk"
    info = pd.read_csv(data / "samples.tsv", sep="\t")
    info = info[info["dataset"] == "jankowski_hppt"].set_index("sample")
    lin = 2.0 ** pd.read_csv(data / "jankowski_hppt.tsv.gz", sep="\t", index_col=0) - 1.0
    fill = [g for g in dict.fromkeys([*get_set("ESTIMATE_IMMUNE").genes,
                                      *get_set("ESTIMATE_STROMAL").genes,
                                      *list(estimate_common_genes())[:1500]]) if g not in lin.index]  # fmt: skip
    rng = np.random.default_rng(1)
    filler = pd.DataFrame(rng.gamma(2.0, 20.0, (len(fill), lin.shape[1])), index=fill,
                          columns=lin.columns)  # fmt: skip
    expr = tmp_path / "expr.tsv"
    pd.concat([lin, filler]).rename_axis("gene").to_csv(expr, sep="\t")
    clin = tmp_path / "clinical.csv"
    info[["stimulus"]].rename_axis("sample").to_csv(clin)
    return expr, clin, info


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
def test_controls_from_the_clinical_table(tmp_path, capsys):
    expr, clin, info = _ifn_cohort(tmp_path)
    out = tmp_path / "out"
    rc = main(["tumour", "profile", str(expr), "--clinical", str(clin), "--scale", "tpm",
               "--controls", "stimulus=untreated", "--out", str(out), "--no-figures"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    tum = pd.read_csv(out / "tumours.csv", index_col=0)
    called = tum["ifn_state"].groupby(info["stimulus"]).agg(set)
    assert called["IFNa"] == {"acute"} and called["IFNb"] == {"acute"}
    np.testing.assert_allclose(tum[["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].sum(axis=1), 1)
    run = json.loads((out / "run.json").read_text())
    assert run["ifn_calibration"]["mode"] == "controls"
    assert run["ifn_state_reference"] == "3 control samples"
    assert run["ifn_state_counts"]["acute"] >= 6
    ids = ",".join(info.index[info["stimulus"] == "untreated"])
    out2 = tmp_path / "out2"
    assert main(["tumour", "profile", str(expr), "--scale", "tpm", "--controls", ids,
                 "--out", str(out2), "--no-figures"]) == 0  # fmt: skip
    tum2 = pd.read_csv(out2 / "tumours.csv", index_col=0)
    assert (tum2["ifn_state"] == tum["ifn_state"]).all()


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
@pytest.mark.parametrize(
    ("spec", "clinical", "message"),
    [
        ("stimulus=sham", True, "no sample has stimulus = 'sham'"),
        ("arm=untreated", True, "no column 'arm'"),
        ("stimulus=untreated", False, "names a clinical column; give --clinical"),
        ("untreated_rep1,nobody", False, "control sample(s) not in the expression: nobody"),
        ("untreated_rep1,untreated_rep2", False, "2 control sample(s) given; at least 3"),
        (" , ", False, "--controls is empty"),
    ],
)
def test_bad_controls_exit_2(tmp_path, capsys, spec, clinical, message):
    expr, clin, _ = _ifn_cohort(tmp_path)
    out = tmp_path / "out"
    args = ["tumour", "profile", str(expr), "--scale", "tpm", "--controls", spec, "--out",
            str(out), "--no-figures"]  # fmt: skip
    rc = main(args + (["--clinical", str(clin)] if clinical else []))
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and message in err, err
    assert not out.exists()


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
def test_profile_table_is_a_trial_population(tmp_path, capsys):
    """tumours.csv feeds ``ifnexus trial`` through ifn_class (its ifn_state is acute/none/...)."""
    from ifnexus.trial._run import _read_patient_table

    expr, clin, info = _ifn_cohort(tmp_path)
    out = tmp_path / "out"
    assert main(["tumour", "profile", str(expr), "--scale", "tpm", "--clinical", str(clin),
                 "--controls", "stimulus=untreated", "--out", str(out), "--no-figures"]) == 0  # fmt: skip
    table = _read_patient_table(str(out / "tumours.csv"))
    tum = pd.read_csv(out / "tumours.csv")
    expected = tum["ifn_class"].where(tum["ifn_class"] != "undetermined")
    assert table["ifn_state"].fillna("NA").tolist() == expected.fillna("NA").tolist()
    assert set(table["ifn_state"].dropna()) <= {"acute-competent", "chronic", "ifn-deficient"}


@pytest.mark.parametrize("flag", ["--chronic-z", "--chronic-margin"])
def test_removed_chronic_rule_is_refused_and_nothing_written(tmp_path, capsys, flag):
    expr, _, _ = _ifn_cohort(tmp_path)
    out = tmp_path / "never"
    args = ["tumour", "profile", str(expr), "--scale", "tpm", "--no-figures", flag, "2"]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {flag} was removed in 0.2") and "--controls" in err
    assert not out.exists() or not any(out.iterdir())


def test_removed_chronic_keywords_are_refused():
    from ifnexus.tumour import profile_tumours

    seg = pd.DataFrame({"Sample": ["t"], "Chromosome": ["9"], "Start": [1], "End": [40000000],
                        "Num_Probes": [5], "Segment_Mean": [0.0]})  # fmt: skip
    for kw in ("chronic_z", "chronic_margin"):
        with pytest.raises(ValidationError, match=rf"{kw}= was removed in 0.2.*controls="):
            profile_tumours(segments=seg, build="hg38", **{kw: 1.0})
