"""End to end: headless Chromium builds a two-arm design in the page, runs it, and the numbers
shown equal ``ifnexus trial`` (the library) on the design the page exports as TOML."""

from __future__ import annotations

import math

import pandas as pd
import pytest

ARMS = {"RT alone": ("50Gy/25fx", ""), "RT 60 Gy + anti-PD-1": (
    "60Gy/30fx", "anti-pd1:day=0,dose=1,repeat=4,every=14")}  # fmt: skip


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 1400})
    outside: list[str] = []

    def route(r):  # every request must stay on this machine (assets served locally)
        if r.request.url.startswith(server_url.rstrip("/")) or r.request.url.startswith(
            ("ws://127.0.0.1", "data:", "blob:")
        ):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    p = context.new_page()
    p.goto(server_url)
    p.wait_for_selector("#run")
    p.outside = outside
    yield p
    context.close()


def _fill_design(page, patients="150"):
    page.fill("#trial_name", "two arms")
    page.fill("#patients", patients)
    page.fill("#seed", "11")
    page.fill("#followup", "3")
    page.fill("#endpoint", "2")
    page.fill("#mix_acute", "0.5")
    page.fill("#mix_chronic", "0.3")
    page.fill("#mix_deficient", "0.2")
    for i, (name, (schedule, ivs)) in enumerate(ARMS.items(), start=1):
        page.fill(f"#arm{i}_name", name)
        page.fill(f"#arm{i}_schedule", schedule)
        page.fill(f"#arm{i}_interventions", ivs)
    page.fill("#reference", "RT alone")


def _shown(page, arm: str, col: str) -> float:
    text = page.locator(f'span.num[data-arm="{arm}"][data-col="{col}"]').inner_text()
    return math.nan if text == "–" else float(text)


def test_two_arm_design_matches_ifnexus_trial(page, tmp_path):
    from ifnexus.serve import results_table
    from ifnexus.trial import read_design, run_trial

    _fill_design(page)
    page.click("#run")
    page.wait_for_selector("#arms-table", timeout=120_000)
    assert page.locator("#error-message").count() == 0
    with page.expect_download() as dl:
        page.click("#download_toml")
    toml = tmp_path / "design.toml"
    dl.value.save_as(toml)
    with page.expect_download() as dl_csv:
        page.click("#download_csv")
    csv = tmp_path / "results.csv"
    dl_csv.value.save_as(csv)

    design = read_design(toml)
    assert [a.name for a in design.arms] == list(ARMS)
    assert design.patients_per_arm == 150 and design.seed == 11 and design.reference == "RT alone"
    assert design.population.ifn_mix == {
        "acute-competent": 0.5,
        "chronic": 0.3,
        "ifn-deficient": 0.2,
    }
    result = run_trial(design)  # what `ifnexus trial design.toml` runs (with every Cox fit)
    arms = result.arms.set_index("arm")
    for arm in ARMS:
        assert _shown(page, arm, "n") == 150
        for col in ("local_control_net", "net_lower", "net_upper", "local_control_km",
                    "km_lower", "km_upper", "cif_local_failure", "lymphocyte_loss"):  # fmt: skip
            assert _shown(page, arm, col) == pytest.approx(arms.loc[arm, col], abs=5e-4), col
        for state in ("all", "acute-competent", "chronic", "ifn-deficient"):
            want = result.by_state.set_index(["arm", "ifn_state"]).loc[(arm, state)]
            assert _shown(page, arm, f"state:{state}") == pytest.approx(
                want["local_control_net"], abs=5e-4
            )
    comp = result.comparisons.set_index(["arm", "ifn_state"]).loc[("RT 60 Gy + anti-PD-1", "all")]
    for col in ("difference", "ci_lower", "ci_upper"):
        assert _shown(page, "RT 60 Gy + anti-PD-1", col) == pytest.approx(comp[col], abs=5e-4)
    for col in ("hr", "hr_lower", "hr_upper"):
        assert _shown(page, "RT 60 Gy + anti-PD-1", col) == pytest.approx(comp[col], abs=5e-3)
    # the results CSV is the library's table to the last digit
    got = pd.read_csv(csv)
    want = results_table(result)
    pd.testing.assert_frame_equal(
        got.drop(columns=["interventions"]),
        want.drop(columns=["interventions"]).reset_index(drop=True),
        check_dtype=False,
    )
    # both plots rendered as images
    assert page.locator("#lc_plot img").count() == 1
    assert page.locator("#ifn_plot img").count() == 1
    assert page.outside == []


BAD = [
    ("#arm2_schedule", "60Gyx", "cannot parse schedule"),
    ("#arm2_interventions", "anti-pd2:day=0", "unknown intervention"),
    ("#patients", "", "Patients per arm"),
    ("#patients", "50000", "at most 20,000"),
    ("#seed", "1.5", "whole number"),
    ("#mix_chronic", "0.9", "sum to 1"),
    ("#reference", "RT", "reference arm 'RT' does not exist"),
    ("#followup", "40", "followup_years"),
    ("#endpoint", "4", "local_control_years"),
    ("#arm2_name", "RT alone", "unique"),
    ("#arm1_schedule", "", "enter a schedule"),
]


def test_bad_entries_show_a_message_and_the_app_goes_on(page):
    for field, value, expected in BAD:
        _fill_design(page, patients="60")
        page.fill(field, value)
        page.click("#run")
        msg = page.locator("#error-message")
        msg.wait_for(timeout=60_000)
        page.wait_for_function(
            "([t]) => document.querySelector('#error-message')?.innerText.includes(t)",
            arg=[expected], timeout=30_000,
        )  # fmt: skip
        assert page.locator("#arms-table").count() == 0, field
    # the server survived every one: a good design runs in the same page and clears the message
    _fill_design(page, patients="60")
    page.click("#run")
    page.wait_for_selector("#arms-table", timeout=120_000)
    assert page.locator("#error-message").count() == 0
    assert page.outside == []


def test_warnings_of_a_run_are_shown_as_notes(page):
    # five patients on a palliative 2 Gy: every one fails within months, so the Kaplan-Meier
    # curve has no patient at risk at later times; the library warns and the page shows it
    _fill_design(page, patients="5")
    page.fill("#followup", "1")
    page.fill("#endpoint", "1")
    page.fill("#arm1_schedule", "2Gy x1")
    page.fill("#arm2_schedule", "2Gy x1")
    page.click("#run")
    page.wait_for_selector("#arms-table", timeout=120_000)
    notes = page.locator(".warning-note")
    assert notes.count() >= 1
    assert "beyond the last follow-up" in notes.first.inner_text()
