"""One run, one folder state (issue #13 item 4) and ``--out`` naming a file (item 1).

A run writes through a journal: a re-run leaves no file of the previous run it did not
rewrite; a run that fails (or is killed) leaves the previous complete state, never a mix, and
no temporary file; ``run.json`` lists the files with relative paths and is byte-identical for
the same seed; ``report`` refuses a folder whose files come from different runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ifnexus import _runfolder
from ifnexus._io import write_text
from ifnexus._runfolder import check_run_folder, run_folder
from ifnexus.cli import main
from ifnexus.errors import InputFormatError, ValidationError

TCD50 = ["simulate", "tcd50", "--doses", "10:30:10", "--patients", "20", "--seed", "4"]
COHORT = ["simulate", "--schedule", "20Gy x1", "--setting", "mouse", "--patients", "20"]


#: what ``simulate tcd50 --out`` writes (params_used.toml: the parameter values used)
TCD50_FILES = {"tcd50.csv", "tcd50.png", "summary.json", "params_used.toml", "run.json"}


def snapshot(d: Path) -> dict[str, bytes]:
    """Every file under ``d`` (hidden ones too), relative path -> bytes."""
    return {
        p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()
    }


def leftovers(d: Path) -> list[str]:
    """Temporary files, backups and journals under ``d``."""
    return [
        p.name
        for p in d.rglob("*")
        if p.name.endswith((".tmp", ".bak")) or "ifnexus-journal" in p.name
    ]


def run_ok(argv: list[str]) -> None:
    assert main(argv) == 0, argv


# -- re-runs -------------------------------------------------------------------------------------


def test_rerun_with_other_options_leaves_no_stale_file(tmp_path):
    out = tmp_path / "out"
    run_ok([*COHORT, "--out", str(out)])
    assert {"patients.csv", "timecourses.csv", "run.json"} <= set(snapshot(out))
    run_ok([*TCD50, "--out", str(out)])
    assert set(snapshot(out)) == TCD50_FILES
    rec = json.loads((out / "run.json").read_text())["ifnexus_run"]
    assert rec["command"] == "ifnexus simulate tcd50"
    assert sorted(f["path"] for f in rec["files"]) == sorted(TCD50_FILES - {"run.json"})
    assert check_run_folder(out)["id"] == rec["id"]


def test_rerun_keeps_user_files_changed_files_and_inputs(tmp_path):
    out = tmp_path / "out"
    run_ok([*COHORT, "--out", str(out)])
    (out / "notes.txt").write_text("mine")  # never listed in a manifest
    (out / "timecourses.csv").write_text("edited by hand")  # listed, but changed since
    run_ok([*TCD50, "--out", str(out)])
    files = set(snapshot(out))
    assert {"notes.txt", "timecourses.csv"} <= files
    assert "patients.csv" not in files
    # a previous output that is an input of the next run is never removed
    run_ok(["simulate", "--schedule", "8Gy x3", "--setting", "mouse", "--patients", "20",
            "--out", str(out)])  # fmt: skip
    patients = out / "patients.csv"
    data = patients.read_bytes()
    run_ok(["outcome", "km", str(patients), "--time", "followup", "--event", "local_failure",
            "--out", str(out)])  # fmt: skip
    assert patients.read_bytes() == data


def test_same_seed_gives_byte_identical_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run_ok([*TCD50, "--out", str(a)])
    run_ok([*TCD50, "--out", str(b), "--jobs", "2"])  # threads are not recorded
    assert snapshot(a) == snapshot(b)  # run.json included


def test_run_json_has_no_absolute_path(tmp_path):
    out = tmp_path / "out"
    run_ok([*COHORT, "--out", str(out)])
    text = (out / "run.json").read_text()
    assert str(tmp_path) not in text

    def strings(x):
        if isinstance(x, dict):
            for v in x.values():
                yield from strings(v)
        elif isinstance(x, list):
            for v in x:
                yield from strings(v)
        elif isinstance(x, str):
            yield x

    rec = json.loads(text)["ifnexus_run"]
    assert not [s for s in strings(rec) if os.path.isabs(s)]
    assert rec["seed"] == 0 and "out" not in rec["options"]
    for f in rec["files"]:
        assert (out / f["path"]).stat().st_size == f["size"]


# -- failures --------------------------------------------------------------------------------------


def _fail_on_figure(monkeypatch):
    import ifnexus._figures

    def boom(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(ifnexus._figures, "save_figure", boom)


def test_failed_rerun_leaves_the_previous_complete_state(tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_ok([*COHORT, "--out", str(out)])
    before = snapshot(out)
    _fail_on_figure(monkeypatch)  # tcd50 writes tcd50.csv, then fails on its figure
    with pytest.raises(RuntimeError, match="simulated"):
        main([*TCD50, "--out", str(out)])
    assert snapshot(out) == before
    assert not leftovers(out)
    check_run_folder(out)


def test_failed_rerun_of_the_same_command_restores_overwritten_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_ok([*TCD50, "--out", str(out)])
    before = snapshot(out)
    _fail_on_figure(monkeypatch)  # tcd50.csv is rewritten (other seed) before the failure
    with pytest.raises(RuntimeError):
        main([*TCD50[:-1], "5", "--out", str(out)])
    assert snapshot(out) == before and not leftovers(out)


def test_failed_first_run_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _fail_on_figure(monkeypatch)
    with pytest.raises(RuntimeError):
        main([*TCD50, "--out", str(out)])
    assert not out.exists() or snapshot(out) == {}


KILLER = """
import os, signal, sys
import ifnexus._figures
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
ifnexus._figures.save_figure = die
from ifnexus.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_run_is_undone_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    run_ok([*COHORT, "--out", str(out)])
    before = snapshot(out)
    proc = subprocess.run([sys.executable, "-c", KILLER, *TCD50, "--out", str(out)], check=False)
    assert proc.returncode == -signal.SIGKILL
    assert leftovers(out)  # the journal (and the new tcd50.csv) are left by the kill
    with pytest.raises(InputFormatError, match="did not finish"):
        check_run_folder(out)
    _runfolder.recover(out)  # what the next run into the folder does first
    assert snapshot(out) == before and not leftovers(out)
    run_ok([*TCD50, "--out", str(out)])
    assert set(snapshot(out)) == TCD50_FILES


TERMINATOR = KILLER.replace("signal.SIGKILL", "signal.SIGTERM")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs SIGTERM")
def test_terminated_run_is_undone_at_once(tmp_path):
    out = tmp_path / "out"
    run_ok([*TCD50, "--out", str(out)])
    before = snapshot(out)
    argv = [*TCD50[:-1], "9", "--out", str(out)]  # another seed: tcd50.csv is rewritten first
    proc = subprocess.run([sys.executable, "-c", TERMINATOR, *argv], check=False)
    assert proc.returncode == 128 + signal.SIGTERM
    assert snapshot(out) == before and not leftovers(out)


def test_kill_after_commit_rolls_forward(tmp_path):
    out = tmp_path / "out"
    with run_folder(out, command="test") as run:
        write_text(out / "a.txt", "1")
    with run_folder(out, command="test") as run:
        write_text(out / "a.txt", "2")
        # as if killed between the commit entry and the removal of the backups
        run.previous = None
        run._write_manifest()
        run._log(commit=run.token)
        saved = run.journal.read_text()
    run.journal.write_text(saved)  # the journal the kill would have left
    (out / f".a.txt.{run.token}.bak").write_text("1")
    _runfolder.recover(out)
    assert (out / "a.txt").read_text() == "2" and not leftovers(out)
    check_run_folder(out)


def test_stale_atomic_temp_files_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".tcd50.csv.ab12cd_9.tmp").write_text("half")
    run_ok([*TCD50, "--out", str(out)])
    assert not leftovers(out)


# -- prefix outputs (screen count/test -n PREFIX) ----------------------------------------------------


def test_stale_subfolders_left_empty_are_removed(tmp_path):
    out = tmp_path / "out"
    with run_folder(out, command="test"):
        write_text(out / "figs" / "a.png", "1")
        write_text(out / "keep" / "b.txt", "2")
    (out / "keep" / "mine.txt").write_text("mine")
    with run_folder(out, command="test"):
        write_text(out / "c.txt", "3")
    assert set(snapshot(out)) == {"c.txt", "keep/mine.txt", "run.json"}
    assert not (out / "figs").exists()


def test_prefix_run_leaves_other_prefixes_temporary_files_alone(tmp_path):
    (tmp_path / ".b.count.txt.abcd1234.tmp").write_text("b is being written")
    (tmp_path / ".a.count.txt.abcd1234.tmp").write_text("left by a killed run of a")
    with run_folder(tmp_path / "a", command="test", prefix=True):
        write_text(tmp_path / "a.count.txt", "a")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {".b.count.txt.abcd1234.tmp", "a.count.txt", "a.run.json"}


def test_prefix_runs_have_their_own_manifest(tmp_path):
    pre = tmp_path / "res" / "s1"
    with run_folder(pre, command="test", prefix=True):
        write_text(Path(f"{pre}.count.txt"), "a")
        write_text(Path(f"{pre}.T_vs_C.gene_summary.txt"), "b")
    with run_folder(tmp_path / "res" / "s2", command="test", prefix=True):
        write_text(tmp_path / "res" / "s2.count.txt", "c")
    with run_folder(pre, command="test", prefix=True):
        write_text(Path(f"{pre}.count.txt"), "a2")
    names = {p.name for p in (tmp_path / "res").iterdir()}
    assert names == {"s1.count.txt", "s1.run.json", "s2.count.txt", "s2.run.json"}


# -- --out naming a file ---------------------------------------------------------------------------

OUT_FILE_COMMANDS = [
    TCD50,
    COHORT,
    ["simulate", "--in-vitro"],
    ["simulate", "sbml", "--schedule", "20Gy x1"],
    ["screen", "phenotype", "counts.txt", "--t0", "a", "--untreated", "b", "--treated", "c"],
    ["screen", "pathway", "genes.csv", "--score", "s"],
    ["screen", "test", "counts.txt", "-t", "b"],
    ["score", "in.csv", "--sets", "IFNA"],
    ["sc", "profile", "in.h5ad"],
    ["tumour", "profile", "expr.tsv"],
    ["outcome", "km", "clin.csv", "--time", "t", "--event", "e"],
    ["outcome", "logrank", "clin.csv", "--time", "t", "--event", "e", "--group", "g"],
    ["outcome", "cox", "clin.csv", "--time", "t", "--event", "e", "--covariates", "x"],
    ["outcome", "cif", "clin.csv", "--time", "t", "--event", "e", "--cause", "1"],
    [
        "outcome",
        "finegray",
        "clin.csv",
        "--time",
        "t",
        "--event",
        "e",
        "--cause",
        "1",
        "--covariates",
        "x",
    ],  # fmt: skip
    [
        "outcome",
        "features",
        "--clinical",
        "clin.csv",
        "--features",
        "f.csv",
        "--time",
        "t",
        "--event",
        "e",
    ],  # fmt: skip
    ["demo"],
    ["report", "study"],
    ["genesets", "export"],
]


@pytest.mark.parametrize("argv", OUT_FILE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_out_naming_an_existing_file_is_refused_before_any_work(argv, tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("precious")
    before = snapshot(tmp_path)
    assert main([*argv, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target} is an existing file" in err, err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("argv", OUT_FILE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_out_under_an_existing_file_is_refused_before_any_work(argv, tmp_path, capsys):
    """Found by tools/fuzz_model.py: ``--out FILE/sub`` ran the command, then exited 1 with a
    NotADirectoryError traceback when the run folder's journal was created."""
    target = tmp_path / "results"
    target.write_text("precious")
    before = snapshot(tmp_path)
    assert main([*argv, "--out", str(target / "sub" / "dir")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --out ") and f"{target} is an existing file" in err, err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_check_out_path_names_the_flag(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(ValidationError, match="--out .* is an existing file"):
        _runfolder.check_out_path(f)
    _runfolder.check_out_path(tmp_path)  # a directory is fine
    _runfolder.check_out_path(tmp_path / "new")  # so is a new path


# -- report ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_study(tmp_path_factory) -> Path:
    """A small study written as `ifnexus demo` writes it: one run, with its run.json."""
    from ifnexus.report import build_report
    from ifnexus.study import analyse_study, compare_with_truth, generate_study

    d = tmp_path_factory.mktemp("study") / "s"
    # seed 4: with the calibrated tumour IFN state, 60 patients of seed 3 leave a Fine-Gray level
    # of the study's outcome step separated (the library rightly refuses); seed 4 does not
    with run_folder(d, command="ifnexus demo", seed=4):
        generate_study(d, n_patients=60, seed=4, trial_patients=40, ablation_patients=40,
                       cells_per_sample=250)  # fmt: skip
        analyse_study(d)
        compare_with_truth(d)
        build_report(d)
    return d


def test_report_accepts_a_complete_run_and_rewrites_its_report(cli_study, tmp_path):
    d = tmp_path / "s"
    shutil.copytree(cli_study, d)
    assert main(["report", str(d)]) == 0
    assert main(["report", str(d)]) == 0  # report.html rewritten since the run: still fine
    assert check_run_folder(d, ignore=["report.html"])["command"] == "ifnexus demo"


def test_report_refuses_a_folder_mixing_runs(cli_study, tmp_path, capsys):
    d = tmp_path / "s"
    shutil.copytree(cli_study, d)
    rel = "model/trial.csv"  # rewritten since the run (as by another run or by hand)
    (d / rel).write_text((d / rel).read_text() + "\n")
    assert main(["report", str(d)]) == 2
    err = capsys.readouterr().err
    assert "files from different runs" in err and rel in err, err


def test_report_refuses_a_nested_run_of_another_command(cli_study, tmp_path, capsys):
    d = tmp_path / "s"
    shutil.copytree(cli_study, d)
    run_ok([*TCD50, "--out", str(d / "analysis" / "extra")])
    assert main(["report", str(d)]) == 2
    err = capsys.readouterr().err
    assert "analysis/extra/run.json is the manifest of another run" in err, err


def test_report_refuses_a_missing_file_and_an_unfinished_run(cli_study, tmp_path, capsys):
    d = tmp_path / "s"
    shutil.copytree(cli_study, d)
    (d / "truth" / "patients.csv").unlink()
    assert main(["report", str(d)]) == 2
    assert "truth/patients.csv is missing" in capsys.readouterr().err
    shutil.rmtree(d)
    shutil.copytree(cli_study, d)
    (d / ".ifnexus-journal").write_text("")
    assert main(["report", str(d)]) == 2
    assert "did not finish" in capsys.readouterr().err


def test_folder_without_manifest_is_not_checked(tmp_path):
    assert check_run_folder(tmp_path) is None


def test_screen_count_prefix_rerun_leaves_no_stale_file(shared, tmp_path):
    base = shared("reference", "crispr", "mageck-demo", "demo2_run_mageck_from_fastq")
    count = ["screen", "count", "-l", str(base / "library.txt"), "--sample-label", "L1,CTRL",
             "--fastq", str(base / "test1.fastq"), str(base / "test2.fastq")]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo library's own warnings
        run_ok([*count, "-n", str(tmp_path / "other")])
        run_ok([*count, "-n", str(tmp_path / "d"), "--unmapped-to-file"])
        assert (tmp_path / "d.unmapped.txt").is_file()
        run_ok([*count, "-n", str(tmp_path / "d")])
    names = {p.name for p in tmp_path.iterdir()}
    assert "d.unmapped.txt" not in names
    assert {"d.count.txt", "d.run.json", "other.count.txt", "other.run.json"} <= names
    rec = json.loads((tmp_path / "d.run.json").read_text())["ifnexus_run"]
    assert rec["command"] == "ifnexus screen count"
    assert all(f["path"].startswith("d.") for f in rec["files"])
    assert not leftovers(tmp_path)


def test_screen_test_manifest_lists_every_prefixed_file(shared, tmp_path):
    k = shared("reference", "crispr", "mageck-demo", "demo3_mle_with_cnv_correction",
               "leukemia.new.csv")  # fmt: skip
    two = ["-t", "HL60.final", "-c", "HL60.initial", "-t", "KBM7.final", "-c", "KBM7.initial"]
    pre = tmp_path / "x"
    run_ok(["screen", "test", "-k", str(k), "-n", str(pre), *two, "--normcounts-to-file"])
    listed = {f["path"] for f in json.loads((tmp_path / "x.run.json").read_text())[
        "ifnexus_run"]["files"]}  # fmt: skip
    written = {p.name for p in tmp_path.iterdir()} - {"x.run.json"}
    assert listed == written  # incl. x.gene_summary.txt, copied from the first comparison
    # one comparison now: the per-comparison files of the last run are removed
    run_ok(["screen", "test", "-k", str(k), "-n", str(pre), *two[:4]])
    assert not [p.name for p in tmp_path.iterdir() if "KBM7" in p.name or "normalized" in p.name]
    assert not leftovers(tmp_path)


def test_out_spelled_two_ways_is_one_folder(tmp_path):
    (tmp_path / "x").mkdir()
    run_ok([*TCD50, "--out", str(tmp_path / "x" / ".." / "out")])
    run_ok([*COHORT, "--out", str(tmp_path / "out")])
    assert "tcd50.csv" not in snapshot(tmp_path / "out")


def test_a_crafted_manifest_cannot_remove_files_outside_the_folder(tmp_path):
    import hashlib

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    entry = {"path": "../victim.txt", "size": victim.stat().st_size,
             "sha256": hashlib.sha256(victim.read_bytes()).hexdigest()}  # fmt: skip
    (out / "run.json").write_text(json.dumps({"ifnexus_run": {"id": "x", "files": [entry]}}))
    run_ok([*TCD50, "--out", str(out)])
    assert victim.read_text() == "keep me"


def test_prefix_that_is_a_folder_or_under_a_file_is_refused(tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("g1,ACGTACGTACGTACGTACGT,G\n")
    fq = tmp_path / "a.fastq"
    fq.write_text("@r\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n")
    count = ["screen", "count", "-l", str(lib), "--fastq", str(fq)]
    for prefix, says in [(tmp_path, "names a directory"), (f"{tmp_path}/", "names a directory"),
                         (lib / "x", "is an existing file")]:  # fmt: skip
        before = snapshot(tmp_path)
        assert main([*count, "-n", str(prefix)]) == 2
        err = capsys.readouterr().err
        assert "-n/--output-prefix" in err and says in err and "Traceback" not in err, err
        assert snapshot(tmp_path) == before


def test_a_second_run_into_a_folder_being_written_is_refused(tmp_path, capsys):
    import socket

    out = tmp_path / "out"
    run_ok([*TCD50, "--out", str(out)])
    before = snapshot(out)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        journal = {"pid": str(other.pid), "host": socket.gethostname()}
        (out / ".ifnexus-journal").write_text(json.dumps(journal) + "\n")
        before[".ifnexus-journal"] = (out / ".ifnexus-journal").read_bytes()
        assert main([*COHORT, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"another ifnexus run (process {other.pid})" in err, err
        assert snapshot(out) == before  # the live run's journal is not replayed
        with pytest.raises(InputFormatError, match="is writing into this folder"):
            check_run_folder(out)
    finally:
        other.kill()
        other.wait()
    run_ok([*COHORT, "--out", str(out)])  # its process gone, the journal is a killed run's
    assert "tcd50.csv" not in snapshot(out) and not leftovers(out)
