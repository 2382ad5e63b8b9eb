"""The lock file (constraints.txt) pins every dependency pyproject.toml declares, within its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

requirements = pytest.importorskip("packaging.requirements")
utils = pytest.importorskip("packaging.utils")

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if m:
            pins[utils.canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _declared() -> list[requirements.Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    parsed = [requirements.Requirement(r) for r in reqs]
    return [r for r in parsed if utils.canonicalize_name(r.name) != "ifnexus"]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = _pins()
    assert pins, "constraints.txt has no pins"
    problems = []
    for req in _declared():
        pinned = pins.get(utils.canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name} is not pinned (run make lock)")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}=={pinned} is outside {req.name}{req.specifier}")
    assert not problems, "; ".join(problems)


def test_the_lock_pins_one_version_per_package():
    names = [
        utils.canonicalize_name(m.group(1))
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if (m := re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip()))
    ]
    assert len(names) == len(set(names))
