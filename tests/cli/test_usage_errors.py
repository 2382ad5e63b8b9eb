"""Usage errors through the installed ``ifnexus`` command: exit 2, the usage line, no traceback.

Typer 0.29 vendors click as ``typer._click``; the handler used to catch the standalone click's
classes and every usage error became a traceback with exit code 1. These run the real console
script (as a user does), not the test runner.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from ifnexus.cli import main
from ifnexus.cli._app import COMMANDS, DEPRECATED_COMMANDS, _typer_click, load_command


def _command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m ifnexus``."""
    script = Path(sys.executable).with_name("ifnexus")
    if script.is_file():
        return [str(script)]
    found = shutil.which("ifnexus")
    return [found] if found else [sys.executable, "-m", "ifnexus"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_command(), *args], capture_output=True, text=True, timeout=120, check=False
    )


USAGE_ERRORS = {
    "unknown option": ["score", "--bogus", "x"],
    "option missing its value": ["outcome", "km", "--data"],
    "missing argument": ["sc", "profile"],
    "unknown subcommand": ["bogus"],
    "unknown sub-subcommand": ["outcome", "bogus"],
    "bad choice": ["screen", "test", "--norm-method", "bad", "-k", "x"],
    "bad outcome choice": [
        "outcome",
        "cif",
        "x.csv",
        "--time",
        "t",
        "--event",
        "e",
        "--cause",
        "1",
        "--conf-type",
        "bad",
    ],  # fmt: skip
    "missing required option": ["simulate", "tcd50"],
    "not an integer": ["simulate", "--patients", "many"],
}


@pytest.mark.parametrize("args", list(USAGE_ERRORS.values()), ids=list(USAGE_ERRORS))
def test_usage_error_exit_2_usage_no_traceback(args):
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Usage: ifnexus" in proc.stderr
    assert "Error:" in proc.stderr
    assert proc.stdout == ""


def test_usage_line_names_the_command():
    proc = run("outcome", "km", "--data")
    assert "Usage: ifnexus outcome km" in proc.stderr
    assert "'--data' requires an argument" in proc.stderr


def test_in_process_main_returns_2(capsys):
    assert main(["score", "--bogus", "x"]) == 2
    err = capsys.readouterr().err
    assert "No such option" in err and "--bogus" in err


def test_handler_uses_the_click_typer_raises():
    """The exception classes caught are those of the click module typer's own core uses."""
    import typer.core

    click = _typer_click()
    assert click is getattr(typer.core, "_click", None) or click is getattr(
        typer.core, "click", None
    )
    assert issubclass(typer.BadParameter, click.exceptions.ClickException)


def test_version_and_help_exit_0():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("ifnexus ")
    proc = run("--help")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    for name in COMMANDS:
        assert name in proc.stdout


def test_help_listing_equals_each_commands_own_help():
    """The root help lists commands without loading them; its lines are the commands' own."""
    for name, (_, _, line) in COMMANDS.items():
        assert load_command(name).get_short_help_str(10_000) == line, name


def test_root_help_loads_no_domain():
    code = (
        "import sys; from ifnexus.cli import main; main(['--help']); "
        "print(sorted(m for m in sys.modules if m.startswith('ifnexus.cli.')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = proc.stdout.strip().splitlines()[-1]
    assert loaded == "['ifnexus.cli._app']", loaded


def test_flags_show_no_value_in_help():
    proc = run("outcome", "features", "--help")
    assert proc.returncode == 0
    assert "<bool>" not in proc.stdout and "BOOLEAN" not in proc.stdout


def test_deprecated_tumor_alias_warns_and_runs(capsys):
    assert main(["tumor", "--help"]) == 0
    old = capsys.readouterr()
    assert "'ifnexus tumor' is deprecated" in old.err and "use 'ifnexus tumour'" in old.err
    assert main(["tumour", "--help"]) == 0
    new = capsys.readouterr()
    words = old.out.replace("ifnexus tumor ", "ifnexus tumour ").split()
    assert words == new.out.split()  # the same help (rich pads to the name's length)
    assert "tumor" in DEPRECATED_COMMANDS


def test_deprecated_tumor_alias_usage_error_exit_2():
    proc = run("tumor", "profile", "--out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "deprecated" in proc.stderr and "Usage: ifnexus tumor profile" in proc.stderr


def test_typer_is_in_the_supported_range():
    major, minor = (int(x) for x in typer.__version__.split(".")[:2])
    assert (0, 12) <= (major, minor) < (1, 0)
