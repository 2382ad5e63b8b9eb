"""Conventions across every command, read from the commands themselves and their ``--help``.

* the main input is positional where a command has one;
* ``--out`` is a directory (its help says so);
* ``--json`` on every command that computes something;
* options that take no value are flags: no ``BOOLEAN`` / ``<bool>`` value in ``--help``, and no
  ``--x/--no-x`` pair except where both spellings name a choice;
* the old spellings (``--data``, ``-k``, ``--expression``, ``--n-jobs``, ``--out FILE``) still work.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.cli._app import COMMANDS, load_command


def _leaves() -> dict[str, object]:
    """Every runnable command by its full name ("outcome km", "score"), loaded."""
    found: dict[str, object] = {}

    def walk(prefix: str, cmd) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            if getattr(cmd, "invoke_without_command", False):  # simulate runs on its own too
                found[prefix] = cmd
            for name, sub in subs.items():
                walk(f"{prefix} {name}", sub)
        else:
            found[prefix] = cmd

    for name in COMMANDS:
        walk(name, load_command(name))
    return found


LEAVES = _leaves()

#: command -> the name of its positional main input
MAIN_INPUT = {
    "score": "input",
    "sc profile": "input",
    "tumour profile": "expression_arg",
    "outcome km": "data",
    "outcome logrank": "data",
    "outcome cox": "data",
    "outcome cif": "data",
    "outcome finegray": "data",
    "screen test": "counts_arg",
    "screen phenotype": "counts_arg",
    "screen mixture": "guides",
    "screen pathway": "genes",
    "genesets show": "name",
    "report": "study",
    "trial run": "design",
    "trial optimise": "space",
    "fit growth": "data",
    "fit petab": "data",
    "fit clinical": "data",
}
#: commands with no single main input, and why
NO_MAIN_INPUT = {
    "genesets list": "lists the shipped sets",
    "genesets export": "exports the shipped sets",
    "outcome features": "two inputs (--clinical, --features)",
    "screen count": "MAGeCK's -l library and --fastq files (several after one flag)",
    "simulate": "generates its input",
    "simulate tcd50": "generates its input",
    "simulate sbml": "generates its input",
    "simulate params": "lists the model's parameters",
    "simulate sensitivity": "generates its input (cohorts over parameter ranges)",
    "demo": "generates its input",
    "serve": "starts the designer (a web app)",
    "study hypotheses": "generates its input (simulated studies)",
}
#: commands that write files or a report but compute no result to print
NO_JSON = {
    "genesets export": "writes a GMT file of the shipped sets",
    "simulate sbml": "writes the model as SBML",
    "demo": "writes a study directory and its report",
    "report": "renders a report of an analysed study",
    "serve": "serves the trial designer in the browser",
}
#: --x/--no-x pairs where both spellings name a choice
PAIRS_ALLOWED = {("score", "--use-raw"), ("outcome features", "--per-sd")}


def _params(cmd) -> dict[str, object]:
    return {p.name: p for p in cmd.params}


def test_every_command_is_classified():
    assert set(LEAVES) == set(MAIN_INPUT) | set(NO_MAIN_INPUT)
    assert not set(MAIN_INPUT) & set(NO_MAIN_INPUT)


@pytest.mark.parametrize("name", sorted(MAIN_INPUT))
def test_main_input_is_positional(name):
    params = _params(LEAVES[name])
    arg = params[MAIN_INPUT[name]]
    assert type(arg).__name__.endswith("Argument"), f"{name}: {MAIN_INPUT[name]} is not positional"
    first = LEAVES[name].params[0]
    assert first is arg or type(first).__name__.endswith("Argument")


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_out_is_a_directory(name):
    out = [p for p in LEAVES[name].params if "--out" in getattr(p, "opts", ())]
    for p in out:
        assert "irectory" in (p.help or ""), f"{name}: --out help does not say directory"


@pytest.mark.parametrize("name", sorted(set(LEAVES) - set(NO_JSON)))
def test_json_on_computing_commands(name):
    opts = {o for p in LEAVES[name].params for o in getattr(p, "opts", ())}
    assert "--json" in opts, f"{name} computes something but has no --json"


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_flags_take_no_value(name, capsys):
    assert main([*name.split(), "--help"]) == 0
    text = capsys.readouterr().out
    assert "BOOLEAN" not in text and "<bool>" not in text, name
    for p in LEAVES[name].params:
        if getattr(p, "secondary_opts", None) and getattr(p, "is_flag", False):
            assert (name, p.opts[0]) in PAIRS_ALLOWED, f"{name}: {p.opts[0]}/{p.secondary_opts}"


@pytest.fixture
def clinical(tmp_path):
    # a small competing-risks table: times and codes written by hand (0 censored, 1, 2)
    df = pd.DataFrame(
        {
            "t": [2, 3, 3, 5, 7, 8, 11, 12, 14, 15, 18, 20, 21, 24, 26, 30],
            "e": [1, 0, 2, 1, 1, 0, 2, 1, 0, 1, 2, 0, 1, 0, 2, 0],
            "g": ["a", "b"] * 8,
        }
    )
    path = tmp_path / "clinical.csv"
    df.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    "cmd",
    [
        ["outcome", "km", "--time", "t", "--event", "e", "--cause", "1", "--group", "g"],
        ["outcome", "cif", "--time", "t", "--event", "e", "--cause", "1", "--group", "g"],
    ],
)
def test_positional_data_equals_the_data_alias(clinical, capsys, cmd):
    assert main([*cmd, clinical, "--json"]) == 0
    positional = json.loads(capsys.readouterr().out)
    assert main([*cmd, "--data", clinical, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == positional


def test_data_twice_or_never_is_a_usage_error(clinical, capsys):
    base = ["outcome", "km", "--time", "t", "--event", "e"]
    assert main([*base, clinical, "--data", clinical]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(base) == 2
    assert "Missing argument 'DATA'" in capsys.readouterr().err


def test_out_file_forms_warn_and_write_the_same_file(tmp_path, capsys):
    assert main(["genesets", "export", "--role", "region", "--out", str(tmp_path / "d")]) == 0
    assert "deprecated" not in capsys.readouterr().err
    new = tmp_path / "d" / "ifnexus_human_region.gmt"
    old = tmp_path / "old.gmt"
    assert main(["genesets", "export", "--role", "region", "--out", str(old)]) == 0
    err = capsys.readouterr().err
    assert "--out" in err and "deprecated" in err
    assert old.read_text() == new.read_text()


def test_sbml_out_directory_and_old_file(tmp_path, capsys):
    args = ["simulate", "sbml", "--schedule", "8Gy x3", "--setting", "mouse", "--out"]
    assert main([*args, str(tmp_path / "d")]) == 0
    assert main([*args, str(tmp_path / "m.xml")]) == 0
    assert "deprecated" in capsys.readouterr().err
    assert (tmp_path / "d" / "model.xml").read_text() == (tmp_path / "m.xml").read_text()


def test_library_errors_name_the_cli_flags(capsys):
    from ifnexus.cli._app import flag_names

    count = ["screen", "count", "-l", "lib.txt", "--fastq", "a.fq"]
    assert flag_names("trim_5 must be AUTO or integers, got 'x'", count) == (
        "--trim-5 must be AUTO or integers, got 'x'"
    )
    # quoted values and names the command has no flag for are left alone
    assert flag_names("column 'trim_5' not found; conf_level", count) == (
        "column 'trim_5' not found; conf_level"
    )
    km = ["outcome", "km", "x.csv"]
    assert flag_names("conf_level must be in (0, 1), got 2.0", km) == (
        "--conf-level must be in (0, 1), got 2.0"
    )
    assert flag_names("group_col 'g' not found", km) == "--group 'g' not found"
    assert main(["simulate", "--schedule", "8Gy x3", "--patients", "0"]) == 2
    err = capsys.readouterr().err
    assert "--patients must be >= 1" in err and "n_patients" not in err


def test_run_options_seed_and_quiet_are_declared_once():
    """--jobs, --chunk-size, --scheduler, --seed, --quiet come from cli/_options.py only."""
    from pathlib import Path

    import ifnexus.cli

    shared = ('"--jobs"', '"--chunk-size"', '"--scheduler"', '"--seed"', '"--quiet"', '"--n-jobs"')
    for path in Path(ifnexus.cli.__file__).parent.glob("_*.py"):
        if path.name in {"_options.py", "_app.py"}:
            continue
        text = path.read_text()
        assert not [flag for flag in shared if flag in text], path.name
