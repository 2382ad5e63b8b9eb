"""Latency of one designer interaction (pressing Run) at 2,000 patients per arm.

Run::

    .venv/bin/python benchmarks/serve_latency.py [--browser | --figures]

Times, as medians of 5 alternating runs (every step once per round) after one warm-up (numba
compilation, imports), what the app's server does for a Run of a two-arm design (50 Gy/25 fx
with and without anti-PD-1, 5 years of follow-up): ``design_from_form`` (the checks of
``ifnexus trial``), ``run_design`` (``run_trial(..., hazard_ratios="overall")`` with the arms
side by side, and meanwhile in a second thread ``ifn_timecourses``, 12 recorded patients per
arm over 63 days, and the IFN figure), then the local-control figure, both figures drawn once
and encoded as PNG as Shiny does, for a new design (every arm runs) and after editing one arm
(``reuse_arms=True``: only that arm runs), each with wall and CPU time (CPU of the process, all
threads). Beside it: the parts alone, the way the app ran the trial before (the chunks of
1,024 patients of each arm on threads that each ran the kernel's threads, then the time
courses), the hazard ratio by ``ifnexus.trial._cox`` and by lifelines' ``CoxPHFitter`` (the
peer it replaced), and ``run_trial(..., hazard_ratios="all")`` (what ``ifnexus trial`` runs).
With ``--browser``, it also serves the app and times, in headless Chromium (Playwright,
/usr/bin/chromium), the click on Run until the arms table and both plots are shown (a new seed
each time: every arm runs). With ``--figures``, it times only the two figures: drawn once
(what the app does) against a figure saved with a layout engine, as Shiny saves one (drawn
twice), and against tight layout. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time

FORM = {
    "trial_name": "latency", "patients": 2000, "seed": 1, "followup": 5, "endpoint": 2,
    "disease": "gross", "mix_acute": 0.45, "mix_chronic": 0.25, "mix_deficient": 0.30,
    "reference": "RT", "arm1_name": "RT", "arm1_schedule": "50Gy/25fx",
    "arm1_interventions": "", "arm2_name": "RT + anti-PD-1", "arm2_schedule": "50Gy/25fx",
    "arm2_interventions": "anti-pd1:day=0,dose=1,repeat=6,every=14",
}  # fmt: skip
REPEATS = 5


def _time(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def _median(rows, i):
    return statistics.median(r[i] for r in rows)


def library() -> list[tuple[str, float, float]]:
    import numpy as np
    import pandas as pd

    from ifnexus import RunOptions
    from ifnexus.outcome import CoxModel
    from ifnexus.serve import design_from_form, ifn_timecourses
    from ifnexus.serve._app import (
        RUN_OPTIONS,
        figure_image,
        ifn_figure,
        local_control_figure,
        run_design,
    )
    from ifnexus.serve._timecourse import _arm_timecourse
    from ifnexus.trial import run_trial
    from ifnexus.trial._run import _ARM_CACHE, cox_hazard_ratio

    size = (624.0, 320.0, 1.0)  # the page's plot (half a wide page, 320 px high), in CSS px

    def clear():
        _arm_timecourse.cache_clear()
        _ARM_CACHE.clear()

    def timecourses(d):
        clear()
        return ifn_timecourses(d)

    def png(image):  # Shiny's encoding of a PIL image (render.plot(compress_level=1))
        image.save(io.BytesIO(), format="PNG", compress_level=1)

    def figures(result, tc):
        # both figures drawn once at the page's size and encoded
        for fig in (local_control_figure(result), ifn_figure(tc)):
            png(figure_image(fig, *size))

    def interaction(form):
        # what the app's Run does: the form, the run (the IFN figure drawn meanwhile), then
        # the local-control figure
        result, _tc, ifn_image = run_design(design_from_form(form), size)
        png(figure_image(local_control_figure(result), *size))
        png(ifn_image)

    def new_design():
        clear()  # a new design: every arm runs
        interaction(FORM)

    edits = iter(range(1, 10_000))

    def one_arm_edited():
        # the reference arm as last run, arm 2's anti-PD-1 start moved: only arm 2 runs
        interaction({**FORM, "arm2_interventions":
                     f"anti-pd1:day={next(edits)},dose=1,repeat=6,every=14"})  # fmt: skip

    before = RunOptions(n_jobs=-1, chunk_size=1024)

    def as_before(d):
        # the app's run before: each arm's chunks of 1,024 on all cores, then the time courses
        clear()
        r = run_trial(d, hazard_ratios="overall", options=before, reuse_arms=True)
        return r, ifn_timecourses(d)

    new_design()  # warm-up (numba compilation, imports)
    one_arm_edited()
    d = design_from_form(FORM)
    r0 = run_trial(d, hazard_ratios="none")
    tc0 = ifn_timecourses(d)
    pts = r0.patients
    both = pd.concat([pts[pts["arm"] == "RT"].assign(experimental=0),
                      pts[pts["arm"] != "RT"].assign(experimental=1)])  # fmt: skip

    def lifelines_hr():
        s = CoxModel().fit(both[["time", "event", "experimental"]], "time", "event",
                           covariates=["experimental"], cause=1).summary  # fmt: skip
        return float(np.asarray(s["exp_coef"])[0])

    parts = {
        "design_from_form": lambda: design_from_form(FORM),
        "run_design: run_trial, arms side by side, + ifn_timecourses and IFN figure meanwhile":
            lambda: (clear(), run_design(d, size)),
        "run_trial(hazard_ratios='overall'), arms side by side (RUN_OPTIONS)": lambda: run_trial(
            d, hazard_ratios="overall", options=RUN_OPTIONS
        ),
        "run_trial(hazard_ratios='overall'), one thread": lambda: run_trial(
            d, hazard_ratios="overall"
        ),
        "before: run_trial, chunks of 1,024 on all cores, then ifn_timecourses": lambda: (
            as_before(d)
        ),
        "ifn_timecourses (12 patients x 2 arms, 63 days)": lambda: timecourses(d),
        "hazard ratio, ifnexus.trial._cox (what trial and serve use)": lambda: cox_hazard_ratio(
            both
        ),
        "hazard ratio, lifelines CoxPHFitter via ifnexus.outcome.CoxModel (peer)": lifelines_hr,
        "two PNG figures, as the app (drawn once)": lambda: figures(r0, tc0),
        "one Run of a new design (every arm runs) + 2 PNG figures": new_design,
        "one Run after editing one arm (that arm runs) + 2 PNG figures": one_arm_edited,
        "run_trial(hazard_ratios='all') (ifnexus trial)": lambda: run_trial(d),
    }  # fmt: skip
    # alternating runs: repeat r times every part once, so load changes touch all parts alike
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in parts}
    for _ in range(REPEATS):
        for name, fn in parts.items():
            w, c, _out = _time(fn)
            times[name].append((w, c))
    return [(name, _median(t, 0), _median(t, 1)) for name, t in times.items()]


def figures_layouts() -> None:
    """Time the app's two figures: drawn once, saved with a layout engine, tight layout."""
    from ifnexus._figures import new_figure
    from ifnexus.serve import design_from_form, ifn_timecourses, plot_ifn_timecourses
    from ifnexus.serve._app import figure_image, ifn_figure, local_control_figure
    from ifnexus.trial import plot_trial_curves, run_trial

    d = design_from_form(FORM)
    r = run_trial(d, hazard_ratios="none")
    tc = ifn_timecourses(d)

    def once():  # what the app does now
        for fig in (local_control_figure(r), ifn_figure(tc)):
            figure_image(fig, 624, 320).save(io.BytesIO(), format="PNG", compress_level=1)

    def saved():  # the fixed-margin figures saved as Shiny saves a figure (drawn twice)
        for fig in (local_control_figure(r), ifn_figure(tc)):
            fig.set_size_inches(6.5, 320 / 96)
            fig.savefig(io.BytesIO(), format="png", dpi=96)

    def tight():
        for draw in (
            lambda ax: plot_trial_curves(r.curves, "local_control_km", endpoint_years=2, ax=ax),
            lambda ax: plot_ifn_timecourses(tc, ax=ax),
        ):
            fig = new_figure((6.5, 3.6))
            fig.set_layout_engine("tight")
            draw(fig.add_subplot(1, 1, 1))
            fig.set_size_inches(6.5, 320 / 96)
            fig.savefig(io.BytesIO(), format="png", dpi=96)

    ways = {"drawn once (the app)": once, "fixed margins, savefig as Shiny saves a figure": saved,
            "tight layout, savefig": tight}  # fmt: skip
    for fn in ways.values():
        fn()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for _ in range(7):
        for name, fn in ways.items():
            w, c, _out = _time(fn)
            times[name].append((w, c))
    for name, t in times.items():
        print(f"| two figures, {name} | {_median(t, 0):.2f} | {_median(t, 1):.2f} |")


def browser() -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    from ifnexus.serve import running_app

    walls, cpus = [], []
    with running_app() as url, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = b.new_page()
        page.goto(url)
        page.wait_for_selector("#run")
        page.fill("#patients", "2000")
        page.fill("#seed", "1")
        page.fill("#reference", "RT alone")
        for i in range(REPEATS + 1):
            page.fill("#seed", str(1 + i))  # a new design each time
            w, c = time.perf_counter(), time.process_time()
            page.click("#run")
            page.wait_for_function(
                "([s]) => document.querySelector('#results-panel h5')?.innerText"
                ".includes('seed ' + s) && document.querySelector('#ifn_plot img')"
                " && document.querySelector('#lc_plot img')",
                arg=[str(1 + i)], timeout=120_000,
            )  # fmt: skip
            if i:  # the first is the warm-up
                walls.append(time.perf_counter() - w)
                cpus.append(time.process_time() - c)
        b.close()
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    print(f"cores available: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
    print("| step (2 arms x 2,000 patients) | wall (s) | CPU (s) |")
    print("|---|---|---|")
    if "--figures" in sys.argv:
        figures_layouts()
        return
    for name, w, c in library():
        print(f"| {name} | {w:.2f} | {c:.2f} |")
    if "--browser" in sys.argv:
        w, c = browser()
        print(f"| Run clicked in Chromium until table and plots shown | {w:.2f} | {c:.2f} "
              "(server process) |")  # fmt: skip
    print(f"medians of {REPEATS}; load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
