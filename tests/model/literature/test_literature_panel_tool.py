"""tools/literature_panel.py names the commit of every batch of entries from git history.

The expectation is the history built here: a throwaway repository in which ``panel.toml``
gains entries in three commits (the third also touching another file) and one entry is left
uncommitted; the tool must name each commit with the entries it added, and no other.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "literature_panel.py"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _tool():
    spec = importlib.util.spec_from_file_location("ifnexus_literature_panel_tool", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _entry(i: str, s: str) -> str:
    return f'[[entry]]\nid = "{i}"\nset = "{s}"\n\n'


def test_split_commits_from_history(tmp_path, monkeypatch):
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    panel = tmp_path / "tests" / "model" / "literature" / "panel.toml"
    panel.parent.mkdir(parents=True)
    git("init", "-q")
    text = "[meta]\nseed = 0\n\n" + _entry("a", "calibration") + _entry("b", "validation")
    panel.write_text(text)
    git("add", ".")
    git("commit", "-q", "-m", "first")
    text += _entry("c", "validation")
    panel.write_text(text)
    git("commit", "-q", "-am", "batch 2")
    text += _entry("d", "validation")
    panel.write_text(text)
    (tmp_path / "other.txt").write_text("x")
    git("add", ".")
    git("commit", "-q", "-m", "batch 3 with another file")
    panel.write_text(text + _entry("e", "validation"))  # not committed
    commits = git("log", "--reverse", "--format=%h").split()

    tool = _tool()
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "RUNNER", panel.with_name("panel.py"))
    entries = [
        {"id": i, "set": s}
        for i, s in zip("abcde", ["calibration", *["validation"] * 4], strict=True)
    ]
    batches = tool._split_commits(entries)
    assert [(b["commit"], b["ids"], b["alone"]) for b in batches] == [
        (commits[0], ["a", "b"], True),
        (commits[1], ["c"], True),
        (commits[2], ["d"], False),
        (None, ["e"], False),
    ]
    text = tool._split_text(batches)
    assert f"`{commits[0]}` for the first 2 (1 calibration, 1 validation)" in text
    assert f"`{commits[1]}` for the 1 of batch 2 (1 validation)" in text
    assert f"`{commits[2]}` for the 1 of batch 3 (1 validation; also changing other" in text
    assert "1 entry not yet committed" in text
    assert "each committing `panel.toml` alone" not in text


def test_split_text_without_history():
    assert "not available" in _tool()._split_text([])
