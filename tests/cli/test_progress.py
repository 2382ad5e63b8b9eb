"""Progress display: rich on a terminal's stderr, nothing with --quiet or off a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

from ifnexus.cli._progress import progress, shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shown_only_on_a_terminal_without_quiet(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert shown(quiet=False) and not shown(quiet=True)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not shown(quiet=False)


def test_steps_are_drawn_on_a_terminal(monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress("working", total=2) as step:
        step("first stage")
        step("second stage")
    assert "stage" in term.getvalue()


def test_quiet_and_pipes_draw_nothing(monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress("working", total=2, quiet=True) as step:
        step("first stage")
    assert term.getvalue() == ""
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress("working") as step:
        step("first stage")
    assert pipe.getvalue() == ""


def test_command_output_off_a_terminal_is_only_its_result():
    """Run through a pipe, a long command prints its result and no progress."""
    args = ["simulate", "--schedule", "8Gy x3", "--setting", "mouse", "--patients", "8"]
    proc = subprocess.run(
        [sys.executable, "-m", "ifnexus", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert proc.stdout.lstrip().startswith("{")
    assert "simulating" not in proc.stderr and "\x1b" not in proc.stderr
