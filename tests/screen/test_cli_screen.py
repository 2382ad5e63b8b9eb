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
    ref = shared("reference", "crispr", "mageck-0.5.9.5-default", "mageck_test.gene_summary.txt")
    ours = pd.read_csv(tmp_path / "lk.gene_summary.txt", sep="\t")
    theirs = pd.read_csv(ref, sep="\t")
    assert ours["id"].tolist() == theirs["id"].tolist()
    assert np.allclose(ours["pos|score"], theirs["pos|score"], rtol=1e-6)
    assert (tmp_path / "lk.normalized.txt").exists()
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
