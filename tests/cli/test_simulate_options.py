"""The cohort options of ``simulate`` and its subcommands are one declaration each.

Review of issues #15/#17: ``simulate sensitivity`` redeclared ``--tumour``, ``--host`` and
``--intervention``, and its copies had drifted (no accepted values, no ``nude`` alias). The
definition of "one declaration" is checked in the source (the flag spelled in one module only)
and in the commands (every command that takes the option shows the same help).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ifnexus.cli
from ifnexus.cli._app import load_command

SHARED = ("--tumour", "--host", "--intervention")
COMMANDS = ("tcd50", "sbml", "sensitivity")


def _options(cmd: Any) -> dict[str, Any]:
    return {o.opts[0]: o for o in cmd.params if o.param_type_name == "option"}


def _simulate() -> Any:
    return load_command("simulate")  # a Typer group (Typer's own click)


def test_flags_are_spelled_in_one_module():
    for path in Path(ifnexus.cli.__file__).parent.glob("_*.py"):
        if path.name in {"_options.py", "_app.py"}:
            continue
        text = path.read_text()
        flags = [f for f in SHARED if not (path.name == "_serve.py" and f == "--host")]
        assert not [f for f in flags if f'"{f}"' in text], path.name  # serve: the server's host


@pytest.mark.parametrize("flag", SHARED)
def test_every_simulate_command_shows_the_same_option(flag):
    group = _simulate()
    ref = _options(group)[flag]
    for name in COMMANDS:
        opt = _options(group.commands[name])[flag]
        assert (opt.help, opt.default, opt.multiple) == (ref.help, ref.default, ref.multiple), name


def test_disease_of_tcd50_and_sensitivity_is_one_declaration():
    group = _simulate()
    a = _options(group.commands["tcd50"])["--disease"]
    b = _options(group.commands["sensitivity"])["--disease"]
    assert (a.help, a.default) == (b.help, b.default)
    assert a.default == "gross"
