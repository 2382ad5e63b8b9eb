"""Shared test helpers: the one path helper for ../shared reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The ../shared folder beside the project (IFNEXUS_SHARED overrides)."""
    return Path(os.environ.get("IFNEXUS_SHARED", _ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Path under ../shared; skip the calling test with a reason when it is absent."""
    p = shared_dir().joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data not available: {p} (../shared is absent in a fresh clone)")
    return p


@pytest.fixture
def shared():
    """Fixture form of :func:`shared_path`: ``shared('reference', 'survival', 'x.csv')``."""
    return shared_path
