"""``ifnexus fit growth`` through the CLI entry point: outputs, convergence rule, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.fit import Arm, simulate_growth_study


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("growth")
    s = simulate_growth_study([Arm("ctrl", "none"), Arm("rt", "6:8")], animals=3,
                              days=range(0, 16, 3), params={"r": 0.25}, sigma=0.1, rng=2)  # fmt: skip
    s.table.to_csv(d / "growth.csv", index=False)
    (d / "arms.csv").write_text(
        "arm,schedule,genotype,host,interventions\nctrl,none,,,\nrt,6:8,,,\n"
    )
    return d / "growth.csv", d / "arms.csv"


def _args(files, out, *extra):
    g, a = files
    return ["fit", "growth", str(g), "--arms", str(a), "--out", str(out), "--free", "r",
            "--random", "none", "--quiet", *extra]  # fmt: skip


def test_fit_growth_writes_the_run_folder(files, tmp_path, capsys):
    out = tmp_path / "fit"
    rc = main(_args(files, out, "--steps", "30", "--walkers", "8", "--keep-unconverged", "--json"))
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["free"] == ["r"] and summary["random"] == []
    names = {p.name for p in out.iterdir()}
    assert {"estimates.csv", "posterior_draws.csv", "profiles.csv", "predictions.csv", "vpc.csv",
            "diagnostics.json", "run.json", "fit.png", "vpc.png", "pairs.png",
            "profiles.png"} <= names  # fmt: skip
    est = pd.read_csv(out / "estimates.csv").set_index("parameter")
    assert est.loc["r", "estimate"] == pytest.approx(0.25, rel=0.05)  # the simulated truth
    assert est.loc["r", "profile_lower"] < 0.25 < est.loc["r", "profile_upper"]
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["model"]["parameters_sha256"] and diag["fit_format"] == 1
    assert set(diag["diagnostics"]["posterior"]["rhat"]) == {"r", "sigma"}


def test_unconverged_posterior_exits_2_and_writes_nothing(files, tmp_path, capsys):
    # 4 walkers x 10 kept steps = 40 draws: the ESS can never reach the rule's 50
    out = tmp_path / "fit"
    rc = main(_args(files, out, "--steps", "20", "--walkers", "4", "--profile", "none"))
    assert rc == 2
    err = capsys.readouterr().err
    assert "did not converge" in err and "--keep-unconverged" in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        (["--free", "r,e_kil"], "did you mean 'e_kill'"),
        (["--random", "tau"], "unknown random effect 'tau'"),
        (["--level", "1.5"], "--level must lie in"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(files, tmp_path, capsys, extra, pattern):
    out = tmp_path / "fit"
    rc = main([*_args(files, out, "--no-posterior"), *extra])
    assert rc == 2
    assert pattern in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_bad_table_names_the_line(files, tmp_path, capsys):
    g, a = files
    bad = tmp_path / "bad.csv"
    bad.write_text(g.read_text().replace("\nctrl-1,ctrl,3.0,", "\nctrl-1,ctrl,3.0,-"))
    out = tmp_path / "fit"
    rc = main(["fit", "growth", str(bad), "--arms", str(a), "--out", str(out), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "line 3, column volume" in err and "must be >= 0" in err
    assert not out.exists()


def test_posterior_folder_draws_and_model_stamp(files, tmp_path):
    import ifnexus.fit._posterior as post
    from ifnexus.errors import InputFormatError, ValidationError

    out = tmp_path / "fit"
    g, a = files
    assert main(_args(files, out, "--steps", "24", "--walkers", "8", "--profile", "none",
                      "--no-figures", "--keep-unconverged")) == 0  # fmt: skip
    sets = post.draw_parameter_sets(out, 5, rng=1)
    assert len(sets) == 5 and all(set(s) == {"r"} for s in sets)
    assert sets == post.draw_parameter_sets(out, 5, rng=1)
    draws = pd.read_csv(out / "posterior_draws.csv")
    assert {s["r"] for s in sets} <= set(draws.loc[draws["parameter"] == "r", "value"])
    # a folder from another model version (another parameter table) is refused
    meta = out / "diagnostics.json"
    info = json.loads(meta.read_text())
    info["model"]["parameters_sha256"] = "0" * 64
    meta.write_text(json.dumps(info))
    with pytest.raises(ValidationError, match="another model version"):
        post.draw_parameter_sets(out, 2)
    with pytest.raises(InputFormatError, match="no diagnostics.json"):
        post.read_posterior(tmp_path)


def test_record_is_refused_with_posterior(tmp_path, capsys):
    # --record writes one cohort's time courses; under --posterior each draw is a new cohort
    out = tmp_path / "sim"
    rc = main(["simulate", "--schedule", "8Gy x1", "--posterior", str(tmp_path / "fit"),
               "--record", "5", "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 2
    assert "--record does not apply with --posterior" in capsys.readouterr().err
    assert not out.exists()
