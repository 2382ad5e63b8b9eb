"""The study end to end at a small size, and its report rendered in headless Chromium.

The report is checked as a reader meets it: every figure loads, nothing overflows a laptop
screen, no raw markdown or snake_case header is left, and every number a takeaway quotes is the
cell of the table it cites. The trial and cohort sections are checked to agree where they
describe the same thing (the trial arm under the cohort's schedule, gross disease, 24 months).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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
    # seed 4: with the calibrated tumour IFN state, 60 patients of seed 3 leave a Fine-Gray level
    # of the study's outcome step separated (the library rightly refuses); seed 4 does not
    generate_study(
        d, n_patients=60, seed=4, trial_patients=40, ablation_patients=40, cells_per_sample=250
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
    assert all("seconds" not in c and c["outputs"] for c in commands)
    assert any(c["step"] == "tumour.profile_tumours" for c in commands)
    # the tumour profile sees every generated patient
    assert len(pd.read_csv(d / "analysis" / "tumour" / "tumours.csv")) == 60


def test_report_command_writes_self_contained_html(small_study, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(small_study), "--out", str(out)]) == 0
    html = out.read_text()
    assert html.count("<img") >= 8
    assert "http://" not in html and "https://" not in html  # opens offline: no external resources
    assert html.count("class='takeaway'") == html.count("<img")  # every figure has a takeaway


def test_report_refuses_incomplete_folder(tmp_path):
    with pytest.raises(InputFormatError, match="missing study.json"):
        build_report(tmp_path)
    assert main(["report", str(tmp_path)]) == 2


# Run in the page: every check the brief asks of a rendered report, returned as data.
_PAGE_CHECKS = """() => {
  const out = {};
  out.images = Array.from(document.images).map(i => i.complete && i.naturalWidth > 0);
  out.docWidth = document.documentElement.scrollWidth;
  out.viewWidth = window.innerWidth;
  out.wide = [];
  for (const el of document.querySelectorAll('table, figure img')) {
    const box = el.closest('section').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    const wrap = el.closest('.table-wrap');
    const clipped = wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : false;
    if (r.right > box.right + 1 || r.left < box.left - 1 || clipped) {
      out.wide.push((el.id || el.alt || el.tagName).slice(0, 60));
    }
  }
  out.cites = Array.from(document.querySelectorAll('span.num')).map(s => {
    const t = document.getElementById(s.dataset.table);
    let cell = null;
    if (t) {
      for (const tr of t.querySelectorAll('tbody tr')) {
        if (tr.dataset.row === s.dataset.row) {
          cell = tr.querySelector('td[data-col="' + CSS.escape(s.dataset.col) + '"]');
        }
      }
    }
    return [s.dataset.table, s.dataset.row, s.dataset.col, s.innerText,
            cell ? cell.innerText : null];
  });
  out.text = document.body.innerText;
  out.headers = Array.from(document.querySelectorAll('th')).map(th => th.innerText);
  return out;
}"""


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
        page = browser.new_page(viewport={"width": 1280, "height": 800})  # a typical laptop
        page.on("console", lambda m: messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        res = page.evaluate(_PAGE_CHECKS)
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    # every figure loaded
    assert len(res["images"]) >= 8 and all(res["images"]), res["images"]
    # no console errors or uncaught exceptions
    assert not [m for m in messages if m[0] in ("error", "pageerror")], messages
    # no horizontal overflow of the page, nor of any table or figure out of its section
    assert res["docWidth"] <= res["viewWidth"], (res["docWidth"], res["viewWidth"])
    assert res["wide"] == []
    # the headline numbers are the cells of the tables they cite
    cites = res["cites"]
    assert len(cites) >= 25
    unresolved = [c for c in cites if c[4] is None]
    assert unresolved == []
    mismatched = [c for c in cites if c[3] != c[4]]
    assert mismatched == []
    cited_tables = {c[0] for c in cites}
    assert {"trial-arms", "trial-vs-cohort", "cohort-by-state", "gray-test"} <= cited_tables
    # no raw markdown and no snake_case column headers left for the reader
    assert "`" not in res["text"] and "**" not in res["text"]
    assert [h for h in res["headers"] if "_" in h] == []
    assert shot.stat().st_size > 10_000


def test_headline_numbers_equal_the_study_tables(small_study, tmp_path):
    """The cited cells are the study's own numbers, formatted (not recomputed by the report)."""
    html = build_report(small_study, tmp_path / "r.html").read_text()
    lf = pd.read_csv(small_study / "recovery" / "local_failure_24m.csv")
    row = lf[(lf["population"] == "all patients") & lf["estimate_type"].str.startswith("observed")]
    pct = f"{100 * float(row['local_failure_24m'].iloc[0]):.0f}%"
    spans = re.findall(
        r"<span class='num' data-table='trial-vs-cohort' data-row='cohort / all patients / "
        r"observed, death competing \(Aalen-Johansen\)' data-col='local_failure_24m'[^>]*>"
        r"([^<]*)</span>",
        html,
    )
    assert spans and set(spans) == {pct}
    gray = pd.read_csv(small_study / "recovery" / "gray_test.csv")
    assert f"chi-square {gray['statistic'].iloc[0]:.2f}" in html


def test_trial_takeaway_states_the_trial_table(small_study, tmp_path):
    """The trial takeaway's numbers and directions are those of model/trial.csv, arm by arm."""
    from ifnexus.report._html import plain_text

    html = build_report(small_study, tmp_path / "r.html").read_text()
    tr = pd.read_csv(small_study / "model" / "trial.csv")
    allp = tr[(tr["regimen"] == "50Gy/25fx") & (tr["ifn_state"] == "all")].set_index("combination")
    pct = {c: round(100 * v) for c, v in allp["local_control"].items()}
    base = pct["RT alone"]
    text = plain_text(re.sub(r"<[^>]+>", "", html))
    assert (
        f"50 Gy in 25 fractions, gross disease: local control at 24 months is {base}% with "
        "radiotherapy alone" in text
    )
    for combo in ("+ IFNAR block during RT", "+ IFNAR block after RT", "+ STING agonist"):
        v = pct[combo]
        word = "leaves it at" if v == base else ("raises it to" if v > base else "lowers it to")
        assert f"{word} {v}%" in text, combo


def test_trial_and_cohort_agree_on_the_same_schedule_and_population(small_study):
    """Item 13: the trial's 50 Gy/25 fx arm and the cohort's gross-disease patients are the same
    population under the same schedule; by the same computation their local failure by 24
    months agrees within the sampling interval, and each estimate is the table it comes from."""
    d = small_study
    lf = pd.read_csv(d / "recovery" / "local_failure_24m.csv").set_index(
        ["source", "population", "estimate_type"]
    )
    tr = pd.read_csv(d / "model" / "trial.csv")
    arm = tr[(tr["regimen"] == "50Gy/25fx") & (tr["combination"] == "RT alone")]
    arm = arm[arm["ifn_state"] == "all"].iloc[0]
    assert arm["disease"] == "gross"
    trial = lf.loc[("virtual trial, RT alone", "gross disease", "model, no deaths")]
    assert trial["local_failure_24m"] == pytest.approx(1 - arm["local_control"])
    assert trial["n"] == arm["n"]
    # the cohort's model truth, counted directly from the generated patients (days -> months)
    truth = pd.read_csv(d / "truth" / "patients.csv")
    gross = truth[truth["disease"] == "gross"]
    failed = (gross["time_to_failure"] <= 24 * 365.25 / 12).sum()
    cohort = lf.loc[("cohort", "gross disease", "model, no deaths")]
    assert cohort["local_failure_24m"] == pytest.approx(failed / len(gross))
    assert cohort["n"] == len(gross)
    # two independent samples of one population: the difference is within its 95% interval
    p1, n1 = trial["local_failure_24m"], trial["n"]
    p2, n2 = cohort["local_failure_24m"], cohort["n"]
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert abs(p1 - p2) <= 1.96 * se
    # the observed incidence (death competing) cannot exceed the net model failure by much:
    # deaths only remove patients before failure
    obs = lf.loc[("cohort", "gross disease", "observed, death competing (Aalen-Johansen)")]
    assert obs["local_failure_24m"] <= cohort["local_failure_24m"] + 1e-12


def test_local_control_at_equals_the_models_local_control_at_the_end_of_follow_up():
    """Identity: with follow-up of exactly 24 months, local_control_at is the model's own flag."""
    from ifnexus.model import simulate_cohort
    from ifnexus.study._trial import local_control_at

    res = simulate_cohort("50Gy/25fx", n_patients=60, setting="patient", days=730.5, rng=7)
    assert local_control_at(res.patients) == pytest.approx(res.patients["local_control"].mean())
    assert math.isnan(local_control_at(res.patients.iloc[:0]))
    short = simulate_cohort("50Gy/25fx", n_patients=20, setting="patient", days=300, rng=7)
    if (~short.patients["local_failure"]).any():
        with pytest.raises(ValueError, match="followed for less than 24 months"):
            local_control_at(short.patients)


def test_recovery_grays_test_equals_the_outcome_analysis(small_study):
    """The report's Gray's test, 24-month incidences and numbers at risk (recovery) equal the
    outcome library on the analysis' cohort table and the study's own outcome analysis."""
    from ifnexus.outcome import gray_test

    cohort = pd.read_csv(small_study / "analysis" / "outcome" / "cohort.csv")
    ref = gray_test(cohort, "time_months", "event", "ifn_state", cause=1)
    got = pd.read_csv(small_study / "recovery" / "gray_test.csv")
    assert got["statistic"].iloc[0] == pytest.approx(ref["statistic"].iloc[0], rel=1e-9)
    assert got["p_value"].iloc[0] == pytest.approx(ref["p_value"].iloc[0], rel=1e-9)
    # and the numbers the report quotes are those of the study's own outcome analysis
    ana = small_study / "analysis" / "outcome" / "cif"
    cli_gray = pd.read_csv(ana / "gray_test.csv")
    assert got["statistic"].iloc[0] == pytest.approx(cli_gray["statistic"].iloc[0], rel=1e-9)
    cli_cif = pd.read_csv(ana / "cif.csv")
    cli_24 = cli_cif[cli_cif["time"] == 24.0].set_index("group")["cif"]
    lc = pd.read_csv(small_study / "recovery" / "local_control.csv")
    rec_24 = lc[lc["labels"] == "called state"].set_index("ifn_state")["cif_local_failure_24m"]
    pd.testing.assert_series_equal(
        rec_24.sort_index(), cli_24.sort_index(), check_names=False, rtol=1e-12
    )
    at_risk = pd.read_csv(small_study / "recovery" / "cif_at_risk.csv")
    for (g, t), n in at_risk.set_index(["group", "time"])["at_risk"].items():
        assert n == int(((cohort["ifn_state"] == g) & (cohort["time_months"] >= t)).sum())


def test_html_renders_markdown_subset_and_cites_cells():
    from ifnexus.report._html import Section, Table, inline, plain_text, render_html

    assert inline("run `ifnexus demo` **now** <b>") == (
        "run <code>ifnexus demo</code> <strong>now</strong> &lt;b&gt;"
    )
    t = Table(
        "Arms",
        pd.DataFrame({"arm": ["a", "b"], "lc": [0.434, np.nan], "p": [0.0004, 0.2]}),
        id="arms",
        headers={"lc": "Local control"},
        formats={"lc": "pct", "p": "p"},
    )
    assert t.cell("a", "lc") == "43%" and t.cell("b", "lc") == "n/a"
    assert t.cell("a", "p") == "<0.001" and t.cell("b", "p") == "0.200"
    text = f"LC {t.cite('a', 'lc')}"
    assert plain_text(text) == "LC 43%"
    page = render_html("T", "s", [Section("k", "K", intro=text, tables=[t])])
    assert (
        "<span class='num' data-table='arms' data-row='a' data-col='lc' "
        "title='from table arms, row a'>43%</span>"
    ) in page
    assert "<th data-col='lc'>Local control</th>" in page
    with pytest.raises(KeyError, match="no row"):
        t.cite("c", "lc")


def test_human_names():
    from ifnexus.report._build import schedule_label, term_label

    assert term_label("ifn_cluster_status", "ifn_cluster_status[homozygous]", "vs neutral") == (
        "IFN cluster (9p21): homozygous loss vs none"
    )
    assert term_label("ifn_state", "ifn_state[T.chronic]", "vs acute-competent") == (
        "IFN state: chronic vs acute-competent"
    )
    assert term_label("TumorPurity", "TumorPurity", "per SD (0.0797)") == (
        "Tumour purity (ESTIMATE), per SD (0.08)"
    )
    assert schedule_label("50Gy/25fx") == "50 Gy in 25 fractions"
    assert schedule_label("8Gy x3") == "3 x 8 Gy"
    assert schedule_label("20Gy x1") == "20 Gy single fraction"


def test_importing_the_report_keeps_the_callers_backend():
    code = (
        "import matplotlib; matplotlib.use('svg'); import pandas as pd; import ifnexus.report; "
        "from ifnexus.report._figures import bar_figure; "
        "bar_figure(pd.DataFrame({'x': ['a'], 'y': [0.5]}), x='x', y='y', ylabel='%'); "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
