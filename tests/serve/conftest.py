"""Fixtures of the designer's tests: the app served on a free port, and headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def server_url():
    """The designer served by uvicorn in a thread on a free localhost port; stopped after."""
    pytest.importorskip("shiny", reason="the serve extra (shiny) is not installed")
    pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
    from ifnexus.serve import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    exe = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium is not installed (make chromium installs it)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(exe), headless=True)
        yield b
        b.close()
