"""Fixtures of the designer's tests: the app served on a free port, and headless Chromium."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url():
    """The designer served by uvicorn in a thread on a free localhost port; stopped after."""
    pytest.importorskip("shiny", reason="the serve extra (shiny) is not installed")
    uvicorn = pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
    from ifnexus.serve import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the designer did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


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
