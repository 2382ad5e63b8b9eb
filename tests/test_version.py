"""The version comes from one place (``ifnexus/_version.py``): the package, its metadata and the CLI agree."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import ifnexus
from ifnexus._version import __version__ as source_version

ROOT = Path(__file__).resolve().parents[1]


def test_package_metadata_and_cli_report_the_same_version():
    cli = subprocess.run(
        [sys.executable, "-m", "ifnexus", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ifnexus.__version__ == source_version
    assert importlib.metadata.version("ifnexus") == source_version
    assert cli.stdout.strip() == f"ifnexus {source_version}"


def test_pyproject_reads_the_version_from_version_py():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in meta["project"]
    assert "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "ifnexus._version.__version__"
    }


def test_changelog_has_a_section_for_the_version_being_made():
    # 0.2.0.dev0 is on its way to 0.2.0: the changelog's Unreleased section names it.
    release = re.match(r"\d+\.\d+\.\d+", source_version).group(0)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [Unreleased] - {release}" in changelog or f"## [{release}]" in changelog
