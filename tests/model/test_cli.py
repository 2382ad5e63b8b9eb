"""``ifnexus simulate`` through the CLI entry point."""

from __future__ import annotations

import json

from ifnexus.cli import main


def test_simulate_json(capsys, summary_keys):
    rc = main(
        [
            "simulate",
            "--schedule",
            "20Gy x1",
            "--setting",
            "mouse",
            "--patients",
            "30",
            "--seed",
            "0",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert set(summary_keys) <= set(out)
    assert out["n_patients"] == 30 and out["bed"] == 60.0


def test_simulate_out_dir(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        [
            "simulate",
            "--schedule",
            "8Gy x3",
            "--setting",
            "mouse",
            "--patients",
            "20",
            "--tumour",
            "sting-loss",
            "--host",
            "nude",
            "--intervention",
            "anti-pd1:day=0,dose=1",
            "--days",
            "40",
            "--record",
            "3",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "patients.csv",
        "timecourses.csv",
        "local_control.csv",
        "summary.json",
        "timecourses.png",
        "local_control.png",
    } <= names


def test_in_vitro_and_tcd50_json(capsys):
    assert (
        main(["simulate", "--in-vitro", "--doses", "2,4", "--tumour", "stat1-loss", "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert len(out["surviving_fraction"]) == 2
    assert (
        main(
            [
                "simulate",
                "tcd50",
                "--doses",
                "10:60:10",
                "--host",
                "nude",
                "--patients",
                "20",
                "--json",
            ]
        )
        == 0
    )
    assert 30 < json.loads(capsys.readouterr().out)["tcd50_gy"] < 60


def test_sbml_command(tmp_path, capsys):
    f = tmp_path / "m.xml"
    assert (
        main(["simulate", "sbml", "--schedule", "8Gy x3", "--setting", "mouse", "--out", str(f)])
        == 0
    )
    assert f.read_text().startswith("<?xml")


def test_bad_inputs_exit_2_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    cases = [
        (["--schedule", "50Gy/zz"], "accepted forms"),
        (["--schedule", "-2Gy x3"], "negative"),
        (["--schedule", "20Gy x1", "--tumour", "sting-lost"], "unknown tumour genotype"),
        (["--schedule", "20Gy x1", "--host", "mars"], "unknown host"),
        (["--schedule", "20Gy x1", "--intervention", "magic:day=1"], "unknown intervention"),
        (
            ["--schedule", "20Gy x1", "--intervention", "ifnar-block:start=9,end=3"],
            "before it starts",
        ),
    ]
    for args, needle in cases:
        rc = main(["simulate", *args, "--patients", "5", "--out", str(out)])
        err = capsys.readouterr().err
        assert rc == 2, args
        assert needle in err, (args, err)
        assert not out.exists()


def test_simulate_out_equals_library(tmp_path, capsys):
    """The CLI writes what the library computes: the files of CohortResult.write (the
    local_control.csv of local_control_table(), the summary.json of to_dict()), whatever --jobs."""
    import pandas as pd

    from ifnexus.model import simulate_cohort

    out = tmp_path / "run"
    argv = ["simulate", "--schedule", "20Gy x1", "--setting", "mouse", "--patients", "25",
            "--seed", "3", "--days", "60", "--jobs", "-1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    res = simulate_cohort("20Gy x1", n_patients=25, rng=3, setting="mouse", days=60, record=20)
    files = res.write(tmp_path / "lib")
    assert [f.name for f in files] == ["patients.csv", "timecourses.csv", "timecourses.png",
                                       "local_control.csv", "local_control.png", "summary.json"]  # fmt: skip
    for name in ("patients.csv", "timecourses.csv", "local_control.csv", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "lib" / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "local_control.csv"),
        res.local_control_table().astype({"at_risk": "int64"}),
        check_dtype=False,
    )
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(res.to_dict()))


def test_tcd50_out_equals_library(tmp_path, capsys):
    """simulate tcd50 --out writes TCD50Result.write's files; --json prints to_dict()."""
    import numpy as np

    from ifnexus.model import tcd50

    out = tmp_path / "cli"
    argv = ["simulate", "tcd50", "--doses", "10:60:10", "--host", "nude", "--patients", "20",
            "--seed", "1", "--json", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    res = tcd50(np.arange(10.0, 61.0, 10.0), n_patients=20, rng=1, host="nude")
    files = res.write(tmp_path / "lib")
    assert [f.name for f in files] == ["tcd50.csv", "tcd50.png", "summary.json"]
    for name in ("tcd50.csv", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "lib" / name).read_bytes(), name
    assert printed == json.loads(json.dumps(res.to_dict()))
    assert printed["host"] == "t-cell-deficient"  # the alias is recorded by its canonical name
