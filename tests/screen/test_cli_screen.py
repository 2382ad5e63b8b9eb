"""`ifnexus screen` commands: MAGeCK flags in, MAGeCK files out; phenotype and pathway outputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main

DEMO = ("reference", "crispr", "mageck-demo")


def test_screen_test_cli_matches_mageck(shared, tmp_path, capsys):
    k = shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv")
    rc = main(["screen", "test", "-k", str(k), "-t", "HL60.final,KBM7.final", "-c",
               "HL60.initial,KBM7.initial", "-n", str(tmp_path / "lk"), "--normcounts-to-file",
               "--out", str(tmp_path / "fig")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    for kind in ("gene_summary", "sgrna_summary", "normalized"):  # MAGeCK's files, byte for byte
        ref = shared("reference", "crispr", "mageck-0.5.9.5-default", f"mageck_test.{kind}.txt")
        assert (tmp_path / f"lk.{kind}.txt").read_bytes() == ref.read_bytes(), kind
    assert (tmp_path / "fig" / "volcano.png").stat().st_size > 1000


def test_screen_count_cli_space_separated_fastqs(shared, tmp_path, capsys):
    base = shared(*DEMO, "demo2_run_mageck_from_fastq")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["screen", "count", "-l", str(base / "library.txt"), "-n", str(tmp_path / "d"),
                   "--sample-label", "L1,CTRL", "--fastq", str(base / "test1.fastq"),
                   str(base / "test2.fastq")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    ours = pd.read_csv(tmp_path / "d.count.txt", sep="\t")
    pd.testing.assert_frame_equal(ours, pd.read_csv(base / "demo.count.txt", sep="\t"))


def test_screen_test_cli_bad_label(shared, tmp_path, capsys):
    k = shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv")
    rc = main(["screen", "test", "-k", str(k), "-t", "HL60.FINAL", "-n", str(tmp_path / "x")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "error:" in err and "HL60.FINAL" in err and "HL60.final" in err
    assert not (tmp_path / "x.gene_summary.txt").exists()


def _screen_table(path):
    rng = np.random.default_rng(1)
    genes = ["non-targeting"] * 300 + [f"G{i}" for i in range(80) for _ in range(4)]
    genes[300:304] = ["STING1"] * 4
    genes[304:308] = ["IRF3"] * 4
    base = rng.poisson(400, len(genes)).astype(float)
    cols = {"Gene": genes}
    for r in (1, 2):
        cols[f"T0_{r}"] = rng.poisson(base)
        cols[f"U_{r}"] = rng.poisson(base)
        ir = rng.poisson(base).astype(float)
        ir[300:308] *= 6  # STING1 and IRF3 knock-down: radioresistance
        cols[f"IR_{r}"] = ir
    df = pd.DataFrame(cols, index=pd.Index([f"s{i}" for i in range(len(genes))], name="sgRNA"))
    df.to_csv(path, sep="\t")
    return df


def test_screen_phenotype_cli_outputs(tmp_path, capsys):
    k = tmp_path / "counts.txt"
    _screen_table(k)
    out = tmp_path / "ph"
    rc = main(["screen", "phenotype", "-k", str(k), "--t0", "T0_1,T0_2", "--untreated", "U_1,U_2",
               "--treated", "IR_1,IR_2", "--doublings", "gamma=8,tau=5,rho=3", "--out", str(out),
               "--plot-gene", "STING1"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    g = pd.read_csv(out / "genes.csv")
    for p in ("gamma", "tau", "rho"):
        for c in (p, f"{p}_p", f"{p}_score", f"{p}_hit"):
            assert c in g.columns
    assert set(g["rho_hit"].unique()) <= {True, False}
    hits = set(g.loc[g["rho_hit"], "gene"])
    assert {"STING1", "IRF3"} <= hits
    enr = pd.read_csv(out / "pathway_enrichment.csv")
    assert set(enr["phenotype"]) == {"gamma", "tau", "rho"}
    for f in ("volcano_rho.png", "rank_rho.png", "replicates_rho.png", "sgrnas_STING1.png"):
        assert (out / f).stat().st_size > 1000
    rc = main(["screen", "pathway", str(out / "genes.csv"), "--score", "rho"])
    assert rc == 0
    assert "STING1" in capsys.readouterr().out


def test_screen_phenotype_cli_no_controls(tmp_path, capsys):
    k = tmp_path / "counts.txt"
    _screen_table(k)
    rc = main(["screen", "phenotype", "-k", str(k), "--t0", "T0_1", "--untreated", "U_1",
               "--treated", "IR_1", "--control-gene", "NTC", "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 2
    assert "non-targeting" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["gamma", "delta=3", "gamma=x"])
def test_doublings_parse_errors(tmp_path, capsys, bad):
    k = tmp_path / "counts.txt"
    _screen_table(k)
    rc = main(["screen", "phenotype", "-k", str(k), "--t0", "T0_1", "--untreated", "U_1",
               "--treated", "IR_1", "--doublings", bad, "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 2
    assert "--doublings" in capsys.readouterr().err


def _ifx(args, capsys):
    rc = main(args)
    assert rc == 0, capsys.readouterr().err
    capsys.readouterr()


def test_screen_test_several_comparisons_as_mageck(shared, tmp_path, capsys):
    # MAGeCK (crisprFunction.magecktest_main): with several -t/-c pairs each comparison is
    # written to PREFIX.<t>_vs_<c>.*, the first is copied to PREFIX.*, and the next ones'
    # gene columns are joined onto PREFIX.gene_summary.txt with "<t>_vs_<c>|" prefixes
    # (fileOps.merge_rank_summary_files); each comparison equals a run of its own.
    k = str(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    m = str(tmp_path / "m")
    _ifx(["screen", "test", "-k", k, "-t", "HL60.final", "-c", "HL60.initial", "-t",
          "KBM7.final", "-c", "KBM7.initial", "-n", m], capsys)  # fmt: skip
    _ifx(["screen", "test", "-k", k, "-t", "KBM7.final", "-c", "KBM7.initial", "-n",
          str(tmp_path / "one")], capsys)  # fmt: skip
    a, b = "HL60.final_vs_HL60.initial", "KBM7.final_vs_KBM7.initial"
    assert (tmp_path / f"m.{a}.sgrna_summary.txt").read_bytes() == (
        tmp_path / "m.sgrna_summary.txt"
    ).read_bytes()
    for kind in ("gene_summary", "sgrna_summary"):
        assert (tmp_path / f"m.{b}.{kind}.txt").read_bytes() == (
            tmp_path / f"one.{kind}.txt"
        ).read_bytes()
    merged = pd.read_csv(tmp_path / "m.gene_summary.txt", sep="\t")
    first = pd.read_csv(tmp_path / f"m.{a}.gene_summary.txt", sep="\t")
    second = pd.read_csv(tmp_path / f"m.{b}.gene_summary.txt", sep="\t").set_index("id")
    cols = list(first.columns)
    assert list(merged.columns) == cols[:2] + [f"{a}|{c}" for c in cols[2:]] + [
        f"{b}|{c}" for c in cols[2:]
    ]
    assert merged["id"].tolist() == first["id"].tolist()  # rows in the first file's order
    np.testing.assert_array_equal(
        merged[f"{b}|pos|score"].to_numpy(), second.loc[merged["id"], "pos|score"].to_numpy()
    )


def test_screen_test_day0_label_as_mageck(shared, tmp_path, capsys):
    # --day0-label: every other sample is one comparison against the day-0 group
    k = str(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    _ifx(["screen", "test", "-k", k, "--day0-label", "HL60.initial,KBM7.initial", "-n",
          str(tmp_path / "d"), "--normcounts-to-file"], capsys)  # fmt: skip
    _ifx(["screen", "test", "-k", k, "-t", "KBM7.final", "-c", "HL60.initial,KBM7.initial",
          "-n", str(tmp_path / "one"), "--normcounts-to-file"], capsys)  # fmt: skip
    day0 = "HL60.initial,KBM7.initial"
    for t in ("HL60.final", "KBM7.final"):
        assert (tmp_path / f"d.{t}_vs_{day0}.sgrna_summary.txt").exists()
    assert (tmp_path / f"d.KBM7.final_vs_{day0}.sgrna_summary.txt").read_bytes() == (
        tmp_path / "one.sgrna_summary.txt"
    ).read_bytes()
    # the normalised table is the last comparison's, as MAGeCK overwrites it
    assert (tmp_path / "d.normalized.txt").read_bytes() == (
        tmp_path / "one.normalized.txt"
    ).read_bytes()
    merged = pd.read_csv(tmp_path / "d.gene_summary.txt", sep="\t")
    assert f"HL60.final_vs_{day0}|neg|score" in merged.columns
    assert f"KBM7.final_vs_{day0}|neg|score" in merged.columns


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--day0-label", "HL60.initial", "-t", "HL60.final"], "replaces -t"),
        (["--day0-label", "nope"], "'nope' is not a sample"),
        (["-t", "HL60.final", "-t", "KBM7.final", "-c", "HL60.initial"], "one -c per -t"),
        ([], "give the treatment samples"),
    ],
)
def test_screen_test_comparison_errors(shared, tmp_path, capsys, extra, match):
    k = str(shared(*DEMO, "demo3_mle_with_cnv_correction", "leukemia.new.csv"))
    rc = main(["screen", "test", "-k", k, "-n", str(tmp_path / "x"), *extra])
    assert rc == 2
    assert match in capsys.readouterr().err


def test_screen_pathway_malformed_table_exit_2(tmp_path, capsys):
    bad = tmp_path / "genes.csv"
    bad.write_text("gene,rho\nA,1\nB,2,3,4\n")  # a row with more fields than the header
    assert main(["screen", "pathway", str(bad), "--score", "rho"]) == 2
    assert f"gene table {bad}: cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("ascending", [False, True])
def test_screen_pathway_auc_follows_ascending(tmp_path, capsys, ascending):
    # issue 14: a set ranked first with --ascending was reported as "AUC 0.000"
    n = 50
    score = np.arange(n, dtype=float)  # G0 smallest ... G49 largest
    first = ["STING1", "IRF3", "STAT1"]  # set genes placed first in the chosen direction
    names = [f"G{i}" for i in range(n)]
    for j, gene in enumerate(first):
        names[j if ascending else n - 1 - j] = gene
    path = tmp_path / "genes.csv"
    pd.DataFrame({"gene": names, "lo": score}).to_csv(path, index=False)
    argv = ["screen", "pathway", str(path), "--score", "lo", "--out", str(tmp_path / "o")]
    rc = main(argv + (["--ascending"] if ascending else []))
    text = capsys.readouterr().out
    assert rc == 0
    assert "AUC 1.000" in text
    enr = pd.read_csv(tmp_path / "o" / "enrichment.csv").iloc[0]
    assert enr["auc"] == 1.0 and bool(enr["ascending"]) is ascending and enr["p"] < 0.01
    ranks = pd.read_csv(tmp_path / "o" / "ranks.csv").set_index("set_gene")
    assert ranks.loc["STING1", "rank"] == 1


def test_screen_phenotype_cli_default_doublings_said_and_recorded(tmp_path, capsys):
    # issue 14: without --doublings the phenotypes were silently divided by one doubling
    import json

    k = tmp_path / "counts.txt"
    _screen_table(k)
    base = ["screen", "phenotype", "-k", str(k), "--t0", "T0_1,T0_2", "--untreated", "U_1,U_2",
            "--treated", "IR_1,IR_2", "--no-figures"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "none")]) == 0
    err = capsys.readouterr().err
    assert "warning: no --doublings for gamma, tau, rho: assumed 1 doubling" in err
    assert "log2 enrichment" in err and "doublings_assumed" in err
    assert err.count("doublings") >= 1 and "IfnexusWarning" not in err  # said once, CLI words
    params = json.loads((tmp_path / "none" / "params.json").read_text())
    assert params["doublings_assumed"] == ["gamma", "tau", "rho"]
    assert params["doublings"] == {"gamma": [1.0, 1.0], "tau": [1.0, 1.0], "rho": [1.0, 1.0]}
    assert main([*base, "--doublings", "gamma=8,tau=5", "--out", str(tmp_path / "part"),
                 "--json"]) == 0  # fmt: skip
    got = capsys.readouterr()
    assert "warning: no --doublings for rho: assumed 1 doubling" in got.err
    assert json.loads(got.out)["doublings_assumed"] == ["rho"]
    params = json.loads((tmp_path / "part" / "params.json").read_text())
    assert params["doublings_assumed"] == ["rho"] and params["doublings"]["gamma"] == [8.0, 8.0]
    assert main([*base, "--doublings", "gamma=8,tau=5,rho=3", "--out", str(tmp_path / "all")]) == 0
    assert "doublings" not in capsys.readouterr().err
    params = json.loads((tmp_path / "all" / "params.json").read_text())
    assert params["doublings_assumed"] == []
