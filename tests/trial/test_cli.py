"""``ifnexus trial DESIGN.toml``: outputs, --json, and bad designs ending in exit 2 with nothing written."""

from __future__ import annotations

import json

import pytest

from ifnexus.cli import main

DESIGN = """\
[trial]
name = "cli"
reference = "RT"
patients_per_arm = 40
followup_years = 3
seed = 1

[[arms]]
name = "RT"
schedule = "50Gy/25fx"

[[arms]]
name = "RT + anti-PD-1"
schedule = "50Gy/25fx"
interventions = ["anti-pd1:day=0,dose=1,repeat=6,every=14"]

[power]
accrual_years = 1
followup_years = 2
simulations = 20

[normal_tissue]
[[normal_tissue.organs]]
organ = "skin"
relative_dose = 0.9
"""


@pytest.fixture
def design(tmp_path):
    f = tmp_path / "design.toml"
    f.write_text(DESIGN)
    return f


def test_trial_writes_a_run_folder_and_prints_json(design, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["trial", str(design), "--out", str(out), "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [a["arm"] for a in summary["arms"]] == ["RT", "RT + anti-PD-1"]
    assert summary["power"]["experimental"] == "RT + anti-PD-1"
    for name in ("arms.csv", "by_state.csv", "comparisons.csv", "curves.csv", "patients.csv.gz",
                 "normal_tissue.csv", "local_control.png", "cumulative_incidence.png",
                 "differences.png", "summary.json", "run.json"):  # fmt: skip
        assert (out / name).is_file(), name
    assert json.loads((out / "summary.json").read_text()) == summary
    manifest = json.loads((out / "run.json").read_text())
    assert "trial" in json.dumps(manifest)


def test_seed_option_overrides_the_design(design, capsys):
    assert main(["trial", str(design), "--json", "--seed", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 5


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('reference = "RT"', 'reference = "RX"', "line 3: reference arm 'RX' does not exist"),
        ("simulations = 20", "simulations = 20\npower = 1.5", "'power' must be > 0 and < 1"),
        ('organ = "skin"', 'organ = "skn"', "unknown organ 'skn'"),
        (
            'name = "RT"\nschedule = "50Gy/25fx"',
            'name = "RT"',
            "arm 'RT' ([[arms]] #1) has no 'schedule'",
        ),
        ("seed = 1", "sed = 1", "unknown key 'sed' in [trial]; did you mean 'seed'?"),
    ],
)
def test_bad_designs_exit_2_and_write_nothing(tmp_path, capsys, old, new, message):
    f = tmp_path / "bad.toml"
    f.write_text(DESIGN.replace(old, new))
    out = tmp_path / "out"
    assert main(["trial", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_missing_design_is_an_error(tmp_path, capsys):
    assert main(["trial", str(tmp_path / "none.toml")]) == 2
    assert "cannot read the trial design" in capsys.readouterr().err


def test_a_bad_dvh_is_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "cord.csv").write_text("dose,volume\n0,1\n20,0.5\n30,0.7\n")
    f = tmp_path / "dvh.toml"
    f.write_text(DESIGN.replace('organ = "skin"\nrelative_dose = 0.9',
                                'organ = "spinal-cord"\ndvh = "cord.csv"\ndvh_prescription = 50'))  # fmt: skip
    out = tmp_path / "out"
    assert main(["trial", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cord.csv, line 4, column 'volume': a cumulative DVH cannot increase" in err
    assert not out.exists() or not any(out.iterdir())
