"""The study end to end at a small size, and its report rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import InputFormatError
from ifnexus.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> Path:
    """Generate, analyse and compare a small study once for this module (the demo's code path)."""
    from ifnexus.study import analyse_study, compare_with_truth, generate_study

    d = tmp_path_factory.mktemp("study")
    generate_study(
        d, n_patients=60, seed=3, trial_patients=40, ablation_patients=40, cells_per_sample=250
    )
    analyse_study(d)
    compare_with_truth(d)
    return d


def test_study_layout_and_truth(small_study):
    d = small_study
    for rel in (
        "inputs/expression.tsv",
        "inputs/segments.tsv",
        "inputs/clinical.csv",
        "inputs/screen_counts.txt",
        "inputs/sc_tumours.h5ad",
        "truth/patients.csv",
        "analysis/tumour/tumours.csv",
        "analysis/screen/phenotype/genes.csv",
        "analysis/screen/mageck.gene_summary.txt",
        "analysis/sc/cells.csv",
        "recovery/screen.csv",
        "recovery/ifn_state_confusion.csv",
    ):
        assert (d / rel).is_file(), rel
    clinical = pd.read_csv(d / "inputs" / "clinical.csv")
    assert len(clinical) == 60 and set(clinical["event"]) <= {0, 1, 2}
    commands = json.loads((d / "analysis" / "commands.json").read_text())
    assert all(c["seconds"] >= 0 and c["outputs"] for c in commands)
    assert any(c["step"] == "tumour.profile_tumours" for c in commands)
    # the tumour profile sees every generated patient
    assert len(pd.read_csv(d / "analysis" / "tumour" / "tumours.csv")) == 60


def test_report_command_writes_self_contained_html(small_study, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(small_study), "--out", str(out)]) == 0
    html = out.read_text()
    assert html.count("<img") >= 6
    assert "http://" not in html and "https://" not in html  # opens offline: no external resources
    assert html.count("class='takeaway'") == html.count("<img")  # every figure has a takeaway


def test_report_refuses_incomplete_folder(tmp_path):
    with pytest.raises(InputFormatError, match="missing study.json"):
        build_report(tmp_path)
    assert main(["report", str(tmp_path)]) == 2


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (make test installs it)"
)
def test_report_renders_in_headless_chromium(small_study, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    path = build_report(small_study, tmp_path / "report.html")
    messages: list[tuple[str, str]] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
        page.goto(path.resolve().as_uri())
        loaded = page.evaluate(
            "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
        )
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert len(loaded) >= 6 and all(loaded)
    assert not [m for m in messages if m[0] in ("error", "pageerror")]
    assert shot.stat().st_size > 10_000


def test_trial_takeaway_states_the_trial_table(small_study, tmp_path):
    """The trial takeaway's numbers and directions are those of model/trial.csv, arm by arm."""
    html = build_report(small_study, tmp_path / "r.html").read_text()
    tr = pd.read_csv(small_study / "model" / "trial.csv")
    ref = tr["regimen"].iloc[0]
    allp = tr[(tr["regimen"] == ref) & (tr["ifn_state"] == "all")].set_index("combination")
    pct = {c: round(100 * v) for c, v in allp["local_control"].items()}
    base = pct["RT alone"]
    assert f"{ref}: 2-year local control is {base}% with radiotherapy alone" in html
    for combo in ("+ IFNAR block during RT", "+ IFNAR block after RT", "+ STING agonist"):
        v = pct[combo]
        word = "leaves it at" if v == base else ("raises it to" if v > base else "lowers it to")
        assert f"{word} {v}%" in html, combo
