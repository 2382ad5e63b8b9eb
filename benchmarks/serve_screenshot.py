"""Screenshot of the trial designer for docs/serve.md (headless Chromium via Playwright).

Run::

    .venv/bin/python benchmarks/serve_screenshot.py

Serves the app on a free localhost port, fills in a three-arm design (400 patients per arm,
seed 2025), presses Run and saves the full page to ``docs/serve/designer.png``; then enters a
bad schedule and saves the message to ``docs/serve/designer_error.png``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from ifnexus.serve import running_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "serve"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as url, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = b.new_page(viewport={"width": 1500, "height": 1750})
        page.goto(url)
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


if __name__ == "__main__":
    main()
