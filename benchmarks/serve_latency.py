"""Latency of one designer interaction (pressing Run) at 2,000 patients per arm.

Run::

    .venv/bin/python benchmarks/serve_latency.py [--browser | --figures]

Times, as medians of 5 alternating runs (every step once per round) after one warm-up (numba
compilation, imports), what the app's server does for a Run of a two-arm design (50 Gy/25 fx
with and without anti-PD-1, 5 years of follow-up): ``design_from_form`` (the checks of
``ifnexus trial``), ``run_design`` (``run_trial(..., hazard_ratios="overall")`` with the arms
side by side, and meanwhile in a second thread ``ifn_timecourses``, 12 recorded patients per
arm over 63 days, the IFN plot and the local-control plot's frame; then the local-control
curves drawn on that frame), both plots encoded as PNG as Shiny does, for a new design (every
arm runs) and after editing one arm (``reuse_arms=True``: only that arm runs), each with wall
and CPU time (CPU of the process, all threads). Beside it: the parts alone, the way the app ran
the trial before (the chunks of 1,024 patients of each arm on threads that each ran the
kernel's threads, then the time courses), the hazard ratio by ``ifnexus.trial._cox`` and by
lifelines' ``CoxPHFitter`` (the peer it replaced), and ``run_trial(..., hazard_ratios="all")``
(what ``ifnexus trial`` runs). With ``--browser``, it also serves the app and times, in
headless Chromium (Playwright, /usr/bin/chromium), the click on Run until the new arms table
and both new plots are shown, for a new design (a seed not run before: every arm runs) and for
an edit of one arm (arm 2's anti-PD-1 start moved: only that arm runs), alternating; the last
two lines are those medians. With ``--figures``, it times only the two plots: the curves drawn
on cached frames (what the app does), with the frames drawn too, and a new figure per plot
drawn in full (the app before). Results go to docs/benchmarks.md by hand.
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
    from ifnexus.serve._app import RUN_OPTIONS, run_design
    from ifnexus.serve._canvas import ifn_image, local_control_image
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
        # both plots drawn on their (cached) frames at the page's size and encoded
        png(local_control_image(result, size))
        png(ifn_image(tc, size))

    def interaction(form):
        # what the app's Run does: the form, the run (the IFN plot and the local-control
        # plot's frame drawn meanwhile, the curves on it after), both plots encoded
        run = run_design(design_from_form(form), size, size)
        png(run.lc_image)
        png(run.ifn_image)

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
        "run_design: run_trial, arms side by side; time courses, IFN plot, LC frame meanwhile":
            lambda: (clear(), run_design(d, size, size)),
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
        "two PNG plots, as the app (curves drawn on cached frames)": lambda: figures(r0, tc0),
        "one Run of a new design (every arm runs) + 2 PNG plots": new_design,
        "one Run after editing one arm (that arm runs) + 2 PNG plots": one_arm_edited,
        "run_trial(hazard_ratios='all') (ifnexus trial)": lambda: run_trial(d),
    }  # fmt: skip
    # alternating runs: repeat r times every part once, so load changes touch all parts alike
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in parts}
    for _ in range(REPEATS):
        for name, fn in parts.items():
            w, c, _out = _time(fn)
            times[name].append((w, c))
    return [(name, _median(t, 0), _median(t, 1)) for name, t in times.items()]


def _full_draw(draw, size=(624.0, 320.0, 1.0)):
    """A plot drawn the way the app drew it before: a new figure, one full draw, its pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from ifnexus.serve._canvas import PLOT_MARGINS

    w, h, ratio = size
    fig = Figure(figsize=(w / 96, h / 96), dpi=96 * ratio)
    left, right, bottom, top = PLOT_MARGINS
    fig.subplots_adjust(left=left / (w / 96), right=1 - right / (w / 96),
                        bottom=bottom / (h / 96), top=1 - top / (h / 96))  # fmt: skip
    canvas = FigureCanvasAgg(fig)
    draw(fig.add_subplot(1, 1, 1))
    canvas.draw()
    wp, hp = canvas.get_width_height(physical=True)
    return Image.frombuffer("RGBA", (wp, hp), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).copy()


def figures_layouts() -> None:
    """Time the app's two plots: curves on cached frames, a frame drawn too, a full draw."""
    from ifnexus.serve import _canvas, design_from_form, ifn_timecourses, plot_ifn_timecourses
    from ifnexus.trial import plot_trial_curves, run_trial

    d = design_from_form(FORM)
    r = run_trial(d, hazard_ratios="none")
    tc = ifn_timecourses(d)
    size = (624.0, 320.0, 1.0)

    def png(image):
        image.save(io.BytesIO(), format="PNG", compress_level=1)

    def cached():  # what the app does (the frames drawn in an earlier Run)
        png(_canvas.local_control_image(r, size))
        png(_canvas.ifn_image(tc, size))

    def uncached():  # the frames drawn too (a new follow-up, endpoint, IFN scale or plot size)
        _canvas._CACHE.clear()
        cached()

    def full():  # the app before: a new figure per plot, one full draw
        def lc(ax):
            plot_trial_curves(r.curves, "local_control_km", endpoint_years=2, ax=ax)
            ax.set_ylabel("Local control (KM)")

        def ifn(ax):
            plot_ifn_timecourses(tc, ax=ax)
            ax.set_title("")

        png(_full_draw(lc, size))
        png(_full_draw(ifn, size))

    ways = {"curves on cached frames (the app)": cached,
            "frames drawn too (not cached)": uncached,
            "new figures, one full draw each (before)": full}  # fmt: skip
    for fn in ways.values():
        fn()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for _ in range(7):
        for name, fn in ways.items():
            w, c, _out = _time(fn)
            times[name].append((w, c))
    for name, t in times.items():
        print(f"| two plots, {name} | {_median(t, 0):.3f} | {_median(t, 1):.3f} |")


def browser() -> dict[str, tuple[float, float]]:
    """Click-to-page times in headless Chromium: a new design, and an edit of one arm."""
    from playwright.sync_api import sync_playwright

    from ifnexus.serve import running_app

    shown = (
        "([text]) => document.querySelector('#arms-table')?.innerText.includes(text)"
        " && [...document.querySelectorAll('#lc_plot img, #ifn_plot img')]"
        ".filter(i => !window.__old.includes(i.src) && i.complete).length == 2"
    )
    times: dict[str, list[tuple[float, float]]] = {"new": [], "edit": []}
    with running_app() as url, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = b.new_page()
        page.goto(url)
        page.wait_for_selector("#run")
        page.fill("#patients", "2000")
        page.fill("#reference", "RT alone")
        for i in range(REPEATS + 1):
            for kind in ("new", "edit"):
                day = 0 if kind == "new" else 1 + i
                page.fill("#seed", str(1 + i))  # new: a seed not run before, every arm runs
                page.fill("#arm2_interventions",  # edit: arm 2's start moved, only it runs
                          f"anti-pd1:day={day},dose=1,repeat=6,every=14")  # fmt: skip
                page.evaluate(
                    "window.__old = [...document.querySelectorAll('img')].map(i => i.src)"
                )
                time.sleep(0.2)
                w, c = time.perf_counter(), time.process_time()
                page.click("#run")
                # the new table (its seed and arm 2's interventions) and both new plots shown
                page.wait_for_function(shown, arg=[f"anti-pd1:day={day},"], polling=5,
                                       timeout=120_000)  # fmt: skip
                page.wait_for_function(
                    "([s]) => document.querySelector('#results-panel h5').innerText"
                    ".includes('seed ' + s + ',')", arg=[str(1 + i)], timeout=1_000)  # fmt: skip
                if i:  # the first round is the warm-up
                    times[kind].append((time.perf_counter() - w, time.process_time() - c))
        b.close()
    return {k: (_median(v, 0), _median(v, 1)) for k, v in times.items()}


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
        res = browser()
        for kind, what in (("new", "a new design (every arm runs)"),
                           ("edit", "an edit of one arm (that arm runs)")):  # fmt: skip
            w, c = res[kind]
            print(f"| **Run clicked in Chromium until table and both plots shown: {what}** | "
                  f"**{w:.2f}** | {c:.2f} (server process) |")  # fmt: skip
    print(f"medians of {REPEATS}; load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
