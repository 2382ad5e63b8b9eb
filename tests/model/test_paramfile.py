"""Issue 15 item 16: --params FILE (TOML), the values used in the output, `simulate params`.

References: the parameter declarations (every value, unit, range and source of
``PARAMETERS``), a file's own contents (round trip) and tomllib's own syntax errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ifnexus.cli import main
from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError
from ifnexus.model import PARAMETERS, ParameterSet, parameters, read_params, simulate_cohort


def _file(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_read_params_top_level_and_setting_tables(tmp_path):
    f = _file(tmp_path, "alpha_cv = 0.3\nr = 0.1\n[patient]\nr = 0.05\n[mouse]\nk_I = 9\n")
    assert read_params(f) == {"alpha_cv": 0.3, "r": 0.05}
    assert read_params(f, "mouse") == {"alpha_cv": 0.3, "r": 0.1, "k_I": 9.0}


def test_parameter_set_values_and_round_trip(tmp_path):
    ps = ParameterSet.from_toml(_file(tmp_path, "e_kill = 0.2\n"), "patient")
    vals = ps.values
    assert vals["e_kill"] == 0.2 and vals["alpha"] == parameters("patient")["alpha"]
    assert set(vals) == {p.name for p in PARAMETERS}
    back = ParameterSet.from_toml(ps.write(tmp_path / "used.toml"), "patient")
    assert back.values == vals  # every value written at full precision
    s = ps.summary
    assert s.loc[s["overridden"], "name"].tolist() == ["e_kill"]


def test_cohort_takes_a_parameter_set(tmp_path):
    ps = ParameterSet.from_toml(_file(tmp_path, "[patient]\nalpha = 0.3\n"))
    a = simulate_cohort("50Gy/25fx", n_patients=8, rng=0, days=200, params=ps)
    b = simulate_cohort("50Gy/25fx", n_patients=8, rng=0, days=200, params={"alpha": 0.3})
    assert a.patients.equals(b.patients)
    with pytest.raises(ValidationError, match="parameter set is for the 'patient' setting"):
        simulate_cohort("8Gy x3", setting="mouse", n_patients=2, params=ps)


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("aplha = 0.3\n", UnknownNameError,
         r"p\.toml, line 1: unknown model parameter 'aplha'; did you mean 'alpha'"),
        ("[patient]\n\np_r1 = 1.5\n", ValidationError,
         r"p\.toml, line 3: parameter 'p_r1' must be a finite number in \[0, 1\].*got 1\.5"),
        ("K = -1\n", ValidationError, r"line 1: parameter 'K' must be a finite number > 0"),
        ("alpha = \"big\"\n", ValidationError,
         r"line 1: parameter 'alpha' must be a number in >= 0 \(1/Gy\), got 'big'"),
        ("alpha = true\n", ValidationError, r"parameter 'alpha' must be a number"),
        ("alpha = 1\nbeta 2\n", InputFormatError, r"p\.toml: not valid TOML: .*line 2, column 6"),
        ("[rat]\nalpha = 1\n", ValidationError, r"line 1: unknown table \[rat\]"),
        ("K = 1e6\n", ValidationError, r"parameter 'K' \(carrying capacity.*must be > 'n0'"),
    ],
)  # fmt: skip
def test_bad_parameter_files(tmp_path, text, error, match):
    with pytest.raises(error, match=match):
        read_params(_file(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(InputFormatError, match="cannot read the parameter file"):
        read_params(tmp_path / "nope.toml")


def test_cli_params_written_to_the_output(tmp_path, capsys):
    f = _file(tmp_path, "[patient]\nalpha = 0.25\n")
    out = tmp_path / "o"
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--patients", "8", "--days", "200",
               "--params", str(f), "--out", str(out), "--quiet", "--json"])  # fmt: skip
    assert rc == 0
    used = ParameterSet.from_toml(out / "params_used.toml")
    assert used.values == parameters("patient", alpha=0.25)
    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["overrides"] == {"alpha": 0.25}
    assert run["parameters"]["values"]["alpha"] == 0.25
    assert run["ifnexus_run"]["options"]["params"] == str(f)
    names = {e["path"] for e in run["ifnexus_run"]["files"]}
    assert "params_used.toml" in names
    # the file of a run reproduces it
    out2 = tmp_path / "o2"
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--patients", "8", "--days", "200",
               "--params", str(out / "params_used.toml"), "--out", str(out2), "--quiet"])  # fmt: skip
    assert rc == 0
    assert (out / "patients.csv").read_bytes() == (out2 / "patients.csv").read_bytes()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("aplha = 1\n", "unknown model parameter 'aplha'; did you mean 'alpha'"),
        ("[patient]\nf_circ = 2\n", r"line 2: parameter 'f_circ' must be a finite number in \[0, 1\]"),
        ("x = [\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_cli_bad_params_write_nothing(tmp_path, capsys, text, match):
    out = tmp_path / "o"
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--patients", "4",
               "--params", str(_file(tmp_path, text)), "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err
    assert match.split("\\")[0].split("(")[0][:20] in err
    assert not out.exists()


def test_cli_intervention_compartment_that_does_not_exist(tmp_path, capsys):
    out = tmp_path / "o"
    rc = main(["simulate", "--schedule", "8Gy x3", "--setting", "mouse", "--patients", "4",
               "--intervention", "ifnar-block:start=0,end=7,compartment=stroma",
               "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "compartment must be one of tumour, host, both, got 'stroma'" in err
    assert not out.exists()


def test_simulate_params_lists_every_parameter(capsys):
    assert main(["simulate", "params", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [p.name for p in PARAMETERS]
    by = {r["name"]: r for r in rows}
    for p in PARAMETERS:
        r = by[p.name]
        assert (r["unit"], r["mouse"], r["patient"], r["range"], r["source"]) == (
            p.unit, p.mouse, p.patient, p.range_text, p.source)  # fmt: skip
    assert main(["simulate", "params", "--setting", "patient"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split()[:5] == ["name", "unit", "value", "range", "meaning"]
    assert len(text) == len(PARAMETERS) + 1
    r_line = next(line for line in text if line.startswith("r "))
    assert "1/d" in r_line and "Eilber" in r_line  # the patient source


def test_simulate_params_bad_setting(capsys):
    assert main(["simulate", "params", "--setting", "rat"]) == 2
    assert "unknown --setting 'rat'" in capsys.readouterr().err


def test_overrides_in_python_suggest_close_names():
    with pytest.raises(
        UnknownNameError, match="unknown model parameter 'e_kil'; did you mean 'e_kill'"
    ):
        simulate_cohort("50Gy/25fx", n_patients=2, params={"e_kil": 0.1})
