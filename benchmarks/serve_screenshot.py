"""Screenshot of the trial designer for docs/serve.md (headless Chromium via Playwright).

Run::

    .venv/bin/python benchmarks/serve_screenshot.py

Serves the app on a free localhost port, fills in a three-arm design (400 patients per arm,
seed 2025), presses Run and saves the full page to ``docs/serve/designer.png``; then enters a
bad schedule and saves the message to ``docs/serve/designer_error.png``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from ifnexus.serve import create_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "serve"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = b.new_page(viewport={"width": 1500, "height": 1750})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#run")
            page.fill("#arm3_name", "RT 60 Gy")
            page.fill("#arm3_schedule", "60Gy/30fx")
            page.click("#run")
            page.wait_for_selector("#ifn_plot img", timeout=120_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / "designer.png"), full_page=True)
            page.fill("#arm3_schedule", "60 Gy in 30")
            page.click("#run")
            page.wait_for_selector("#error-message", timeout=60_000)
            page.locator("#error-message").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / "designer_error.png"))
            b.close()
    finally:
        server.should_exit = True
        th.join(timeout=10)


if __name__ == "__main__":
    main()
