"""analyse_study calls the library (no subprocess) and writes what the commands write."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ifnexus.cli import main

pytestmark = pytest.mark.filterwarnings(
    "ignore::ifnexus.errors.IfnexusWarning", "ignore::FutureWarning"
)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A small generated study, analysed with every way of starting a process disabled."""
    from ifnexus.study import analyse_study, generate_study

    d = tmp_path_factory.mktemp("study")
    # 40 patients is small: with the calibrated IFN state, seeds 5-8 leave a feature level without
    # a local failure or with the events separated (seed 5: no chronic tumour, true or called,
    # fails locally), and Fine-Gray rightly refuses the infinite coefficient; seed 9 does not
    generate_study(
        d, n_patients=40, seed=9, trial_patients=20, ablation_patients=20, cells_per_sample=150
    )

    def refuse(*args, **kwargs):
        raise AssertionError(f"analyse_study started a process: {args[:1]}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "run", refuse)
        mp.setattr(subprocess, "Popen", refuse)
        mp.setattr(subprocess, "call", refuse)
        mp.setattr(subprocess, "check_output", refuse)
        messages: list[str] = []
        analyse_study(d, progress=messages.append)
    from ifnexus.study._pipeline import ANALYSE_STEPS

    assert messages == list(ANALYSE_STEPS)
    return d


def _cli(argv: list[str], capsys) -> str:
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return cap.out


def test_step_log_names_library_functions(study):
    log = json.loads((study / "analysis" / "commands.json").read_text())
    steps = [s["step"] for s in log]
    assert steps[0] == "tumour.profile_tumours"
    assert {"screen.mageck_test", "singlecell.profile", "outcome.FineGrayFitter.fit"} <= set(steps)
    for s in log:
        assert "seconds" not in s
        assert all((study / o).is_file() for o in s["outputs"]), s
    # paths in the log are relative to the study, so a moved study keeps a valid log
    assert log[0]["parameters"]["expression"] == "inputs/expression.tsv"


def test_tumour_profile_equals_cli(study, tmp_path, capsys):
    inp = study / "inputs"
    out = tmp_path / "tumour"
    _cli(["tumour", "profile", "--expression", str(inp / "expression.tsv"),
          "--segments", str(inp / "segments.tsv"), "--build", "hg38",
          "--clinical", str(inp / "clinical.csv"), "--out", str(out)], capsys)  # fmt: skip
    for name in ("tumours.csv", "genes_9p21.csv"):
        assert (out / name).read_bytes() == (study / "analysis" / "tumour" / name).read_bytes()
    cli_run = json.loads((out / "run.json").read_text())
    lib_run = json.loads((study / "analysis" / "tumour" / "run.json").read_text())
    for run in (cli_run, lib_run):  # where the files went and the folder's run manifest differ
        run.pop("files"), run.pop("inputs"), run.pop("ifnexus_run", None)
    assert cli_run == lib_run


def test_outcome_equals_cli(study, tmp_path, capsys):
    ana = study / "analysis" / "outcome"
    data = ["--data", str(ana / "cohort.csv"), "--time", "time_months", "--event", "event",
            "--cause", "1"]  # fmt: skip
    cif = json.loads(_cli(["outcome", "cif", *data, "--group", "ifn_state", "--times",
                           "12,24,36,48", "--json", "--out", str(tmp_path / "cif")], capsys))  # fmt: skip
    lib = json.loads((ana / "cif.json").read_text())
    cif.pop("files"), lib.pop("files")
    assert cif == lib
    for name in ("cif.csv", "gray_test.csv", "result.json"):
        assert (tmp_path / "cif" / name).read_bytes() == (ana / "cif" / name).read_bytes()
    fg = json.loads(_cli(["outcome", "finegray", *data, "--covariates", "ifn_state,TumorPurity",
                          "--categorical", "ifn_state", "--json"], capsys))  # fmt: skip
    assert fg == json.loads((ana / "finegray.json").read_text())
    feats = pd.read_csv(study / "analysis" / "tumour" / "tumours.csv")
    cls = feats["ifn_class"]  # as the study does: its states are the classes
    feats["ifn_state"] = cls.where(cls != "undetermined")
    feats.to_csv(tmp_path / "tumours.csv", index=False)
    _cli(["outcome", "features", "--clinical", str(study / "inputs" / "clinical.csv"),
          "--features", str(tmp_path / "tumours.csv"),
          "--time", "time_months", "--event", "event", "--cause", "1", "--id", "patient_id=sample",
          "--columns", "ifn_state,TumorPurity,ifn_cluster_status,cdkn2a_status",
          "--reference", "ifn_state=acute-competent,ifn_cluster_status=neutral,cdkn2a_status=neutral",
          "--model", "finegray", "--out", str(tmp_path / "features")], capsys)  # fmt: skip
    for name in ("effects.csv", "tests.csv", "curves.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "features" / name), pd.read_csv(ana / "features" / name)
        )


def test_screen_and_singlecell_equal_cli(study, tmp_path, capsys):
    inp, ana = study / "inputs", study / "analysis"
    _cli(["screen", "test", "-k", str(inp / "screen_counts.txt"), "-t", "treated_1,treated_2",
          "-c", "untreated_1,untreated_2", "-n", str(tmp_path / "mageck")], capsys)  # fmt: skip
    for kind in ("gene_summary", "sgrna_summary"):
        name = f"mageck.{kind}.txt"
        assert (tmp_path / name).read_bytes() == (ana / "screen" / name).read_bytes()
    _cli(["screen", "phenotype", "-k", str(inp / "screen_counts.txt"), "--t0", "T0_1,T0_2",
          "--untreated", "untreated_1,untreated_2", "--treated", "treated_1,treated_2",
          "--doublings", "gamma=8,tau=6,rho=3", "--control-gene", "non-targeting", "--fdr", "0.05",
          "--no-figures", "--out", str(tmp_path / "phenotype")], capsys)  # fmt: skip
    for name in ("genes.csv", "sgrnas.csv", "pathway_ranks.csv", "pathway_enrichment.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "phenotype" / name),
            pd.read_csv(ana / "screen" / "phenotype" / name),
        )
    _cli(["sc", "profile", str(inp / "sc_tumours.h5ad"), "--species", "mouse", "--sample-key",
          "sample", "--condition-key", "condition", "--no-figures", "--out", str(tmp_path / "sc")],
         capsys)  # fmt: skip
    for name in ("samples.csv", "cells.csv", "comparisons.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "sc" / name), pd.read_csv(ana / "sc" / name)
        )


def test_failing_step_names_the_step(tmp_path):
    from ifnexus.study import PipelineError, analyse_study

    with pytest.raises(PipelineError, match="generate_study"):
        analyse_study(tmp_path)
    (tmp_path / "inputs").mkdir()
    with pytest.raises(PipelineError, match="tumour.profile_tumours"):
        analyse_study(tmp_path)


def test_study_writes_the_figures_the_commands_write(study):
    """The PNG files of an analysed study: those the commands write (sc profile: ifn_state.png)."""
    ana = study / "analysis"
    got = {str(p.relative_to(ana)) for p in ana.rglob("*.png")}
    phen = {f"screen/phenotype/{k}_{p}.png" for k in ("volcano", "rank", "replicates")
            for p in ("gamma", "tau", "rho")}  # fmt: skip
    want = {
        "tumour/score_heatmap.png", "tumour/purity_by_ifn_state.png",
        "outcome/features/curves.png", "outcome/features/forest_finegray.png",
        "outcome/cif/cif.png", "sc/figures/violins_ifn_by_celltype.png",
        "sc/figures/composition.png", "sc/figures/ifn_state.png", *phen,
    }  # fmt: skip
    assert got == want
    assert all((ana / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in got)
