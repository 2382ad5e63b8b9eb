"""The trial designer as a Shiny for Python app (``ifnexus serve``).

Why Shiny for Python: it installs from PyPI as one wheel with its JavaScript and CSS (Bootstrap,
jQuery, the Shiny client) inside it and serves them from the local server, so the page makes no
request beyond the machine (the end-to-end test checks this); its reactive server keeps the
app's state in Python, where the trial library is, and plots are drawn with matplotlib and sent
as PNG (:mod:`ifnexus.serve._canvas`). Panel, the other candidate, loads Bokeh's and its own resources from a CDN unless
configured otherwise, and brings a second plotting stack.

The page is a form (population, up to :data:`~ifnexus.serve._form.MAX_ARMS` arms, each a
schedule and interventions with their timing) and a **Run** button. A run builds the design
with :func:`~ifnexus.serve.design_from_form` (the checks of ``ifnexus trial``), runs it with
:func:`ifnexus.trial.run_trial` (``hazard_ratios="overall"``: the per-IFN-state Cox fits are
left out; nothing else changes; the arms side by side on the cores, which gives the same
numbers; ``reuse_arms=True``: an arm already run on the same population is not run
again, so editing one arm reruns only that arm) and the IFN time courses with
:func:`~ifnexus.serve.ifn_timecourses` (a second, small run of 12 patients per arm over 63
days, cached per arm: recording those patients during the trial's own five-year run costs more,
about 0.4 s of CPU, because the model records every step of the whole follow-up), and shows local-control curves, IFN-I time courses, a
table of the arms side by side, local control by IFN state, and downloads of the design (the
TOML ``ifnexus trial`` runs) and the results (CSV). Any error is shown in the page as one
message; the server goes on. Warnings of the run (e.g. a curve time beyond the last follow-up of
a small arm) are shown above the tables as notes.
"""

from __future__ import annotations

import html
import logging
import math
import warnings
from typing import Any, NamedTuple

from ifnexus._runoptions import RunOptions
from ifnexus.errors import IfnexusError, IfnexusWarning
from ifnexus.serve._form import MAX_ARMS, MAX_PATIENTS

__all__ = ["DEFAULT_ARMS", "create_app"]

log = logging.getLogger(__name__)

#: the arms the form starts with: name, schedule, interventions
DEFAULT_ARMS: tuple[tuple[str, str, str], ...] = (
    ("RT alone", "50Gy/25fx", ""),
    ("RT + anti-PD-1", "50Gy/25fx", "anti-pd1:day=0,dose=1,repeat=6,every=14"),
)

INTERVENTION_HELP = (
    "Separated by ';'. Forms: sting-agonist:day=0,dose=1,repeat=3,every=7 · "
    "anti-pd1:day=0,dose=1,repeat=6,every=14 · anti-ctla4:day=0,dose=1 · "
    "anti-ox40:day=1,dose=1 · ifn-beta:start=0,end=14 · ifnar-block:start=0,end=7 · "
    "jak-inhibitor:start=0,end=7 · ifn-amplifier:start=0,end=28 (days from the first fraction)."
)

#: all cores: the arms run side by side, each on its share of the kernel's threads
#: (``simulate_arms`` in ``ifnexus.trial._run``), an arm alone on all of them; results do not depend
#: on it
RUN_OPTIONS = RunOptions(n_jobs=-1)

#: form field ids read on Run
FIELDS = (
    "trial_name", "patients", "seed", "followup", "endpoint", "disease", "mix_acute",
    "mix_chronic", "mix_deficient", "reference",
    *(f"arm{i}_{k}" for i in range(1, MAX_ARMS + 1)
      for k in ("name", "schedule", "interventions")),
)  # fmt: skip


#: the page's plot size (CSS pixels) when the browser has not reported one yet
PLOT_SIZE_PX = (624.0, 320.0)
#: a plot's width and height in CSS pixels and the device pixel ratio
Size = tuple[float, float, float]
DEFAULT_SIZE: Size = (*PLOT_SIZE_PX, 1.0)


class DesignRun(NamedTuple):
    """What a Run shows: the trial, the IFN time courses and the two plots (PIL images)."""

    result: Any
    timecourses: Any
    lc_image: Any
    ifn_image: Any
    lc_size: Size
    ifn_size: Size


def run_design(
    design: Any, lc_size: Size = DEFAULT_SIZE, ifn_size: Size = DEFAULT_SIZE
) -> DesignRun:
    """Compute what the page's Run shows: the trial, the IFN time courses and both plots.

    The trial runs with :data:`RUN_OPTIONS` (arms side by side), keeping each arm's model run
    for the next Run (``reuse_arms=True``), and fits the overall Cox hazard ratio only.
    Meanwhile, in a second thread, the IFN time courses (:func:`~ifnexus.serve.ifn_timecourses`)
    and their plot are computed and the local-control plot's frame is drawn (when not cached:
    :mod:`ifnexus.serve._canvas`): the model's kernel releases the GIL, so this Python work
    fills the cores between the arms' kernels instead of following the trial. After the trial
    only its curves are drawn on that frame.

    Parameters
    ----------
    design
        The design built from the form (:func:`~ifnexus.serve.design_from_form`).
    lc_size, ifn_size
        Width and height (CSS pixels) and pixel ratio of the two plots.

    Returns
    -------
    DesignRun
        The :class:`~ifnexus.trial.TrialResult`, the time-course table and the two plots.
    """
    from concurrent.futures import ThreadPoolExecutor

    from ifnexus.serve._canvas import ifn_image, local_control_backdrop, local_control_image
    from ifnexus.serve._timecourse import ifn_timecourses
    from ifnexus.trial import run_trial

    def side() -> tuple[Any, Any]:
        import numba

        numba.set_num_threads(1)  # 12 patients: one block of the kernel; the cores run the arms
        tc = ifn_timecourses(design)
        image = ifn_image(tc, ifn_size)
        local_control_backdrop(design.followup_years, design.endpoint.local_control_years,
                               lc_size)  # fmt: skip
        return tc, image

    with ThreadPoolExecutor(max_workers=1) as ex:
        future = ex.submit(side)
        result = run_trial(design, hazard_ratios="overall", options=RUN_OPTIONS, reuse_arms=True)
        tc, ifn = future.result()
    return DesignRun(result, tc, local_control_image(result, lc_size), ifn, lc_size, ifn_size)


def _fmt(x: Any, spec: str = ".3f") -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    return format(int(v), spec) if spec == "d" else format(v, spec)


def _cell(arm: str, col: str, value: Any, spec: str = ".3f") -> str:
    return (
        f'<span class="num" data-arm="{html.escape(arm)}" data-col="{col}">'
        f"{_fmt(value, spec)}</span>"
    )


def _arms_html(result: Any) -> str:
    """Render the arms side by side (numbers in spans with ``data-arm``/``data-col``)."""
    d = result.design
    t = d.endpoint.local_control_years
    comp = result.comparisons
    comp_all = comp[comp["ifn_state"] == "all"].set_index("arm") if not comp.empty else None
    head = (
        "<tr><th>arm</th><th>schedule</th><th>interventions</th><th>n</th>"
        f"<th>local control at {t:g} y (95% CI)</th><th>KM local control at {t:g} y (95% CI)</th>"
        f"<th>local failure CIF at {t:g} y</th><th>difference vs {html.escape(d.reference)} "
        "(95% CI)</th><th>McNemar p</th><th>HR of local failure (95% CI)</th>"
        "<th>lymphocyte loss</th></tr>"
    )
    rows = []
    for _, r in result.arms.iterrows():
        a = str(r["arm"])
        if comp_all is not None and a in comp_all.index:
            c = comp_all.loc[a]
            diff = (
                f"{_cell(a, 'difference', c['difference'], '+.3f')} "
                f"({_cell(a, 'ci_lower', c['ci_lower'], '+.3f')} to "
                f"{_cell(a, 'ci_upper', c['ci_upper'], '+.3f')})"
            )
            p = _cell(a, "mcnemar_p", c["mcnemar_p"], ".3g")
            hr = (
                f"{_cell(a, 'hr', c['hr'], '.2f')} ({_cell(a, 'hr_lower', c['hr_lower'], '.2f')}"
                f"–{_cell(a, 'hr_upper', c['hr_upper'], '.2f')})"
            )
        else:
            diff, p, hr = "reference", "", ""
        rows.append(
            f'<tr data-arm="{html.escape(a)}"><td>{html.escape(a)}</td>'
            f"<td>{html.escape(str(r['schedule']))}</td>"
            f"<td>{html.escape(str(r['interventions']) or 'none')}</td>"
            f"<td>{_cell(a, 'n', r['n'], 'd')}</td>"
            f"<td>{_cell(a, 'local_control_net', r['local_control_net'])} "
            f"({_cell(a, 'net_lower', r['net_lower'])}–{_cell(a, 'net_upper', r['net_upper'])})</td>"
            f"<td>{_cell(a, 'local_control_km', r['local_control_km'])} "
            f"({_cell(a, 'km_lower', r['km_lower'])}–{_cell(a, 'km_upper', r['km_upper'])})</td>"
            f"<td>{_cell(a, 'cif_local_failure', r['cif_local_failure'])}</td>"
            f"<td>{diff}</td><td>{p}</td><td>{hr}</td>"
            f"<td>{_cell(a, 'lymphocyte_loss', r.get('lymphocyte_loss'))}</td></tr>"
        )
    return (
        '<table class="table table-sm" id="arms-table"><thead>'
        + head
        + "</thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _states_html(result: Any) -> str:
    """Local control (net, 95% CI) per arm and IFN state."""
    from ifnexus.trial import IFN_STATES

    states = ("all", *IFN_STATES)
    bs = result.by_state.set_index(["arm", "ifn_state"])
    head = "<tr><th>arm</th>" + "".join(f"<th>{s} (n)</th>" for s in states) + "</tr>"
    rows = []
    for arm in result.design.arms:
        a = arm.name
        cells = []
        for s in states:
            r = bs.loc[(a, s)]
            cells.append(
                f"<td>{_cell(a, f'state:{s}', r['local_control_net'])} "
                f"({_fmt(r['net_lower'])}–{_fmt(r['net_upper'])}; n={int(r['n'])})</td>"
            )
        rows.append(f"<tr><td>{html.escape(a)}</td>{''.join(cells)}</tr>")
    return (
        '<table class="table table-sm" id="states-table"><thead>'
        + head
        + "</thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _form_ui() -> Any:
    from shiny import ui

    arms = []
    for i in range(1, MAX_ARMS + 1):
        name, schedule, ivs = DEFAULT_ARMS[i - 1] if i <= len(DEFAULT_ARMS) else ("", "", "")
        arms.append(
            ui.card(
                ui.card_header(f"Arm {i}"),
                ui.input_text(f"arm{i}_name", "Name (empty: no arm)", value=name),
                ui.input_text(
                    f"arm{i}_schedule",
                    "Schedule",
                    value=schedule,
                    placeholder="50Gy/25fx, 8Gy x3, 0:8,1:8 or none",
                ),  # fmt: skip
                ui.input_text_area(
                    f"arm{i}_interventions", "Interventions and timing", value=ivs, rows=2
                ),  # fmt: skip
            )
        )
    sidebar = ui.sidebar(
        ui.h5("Population"),
        ui.input_text("trial_name", "Trial name", value="Virtual trial"),
        ui.input_select(
            "disease", "Disease", {"gross": "gross disease", "postop": "post-operative"}
        ),
        ui.input_numeric("mix_acute", "Acute-competent fraction", 0.45, min=0, max=1, step=0.05),
        ui.input_numeric("mix_chronic", "Chronic fraction", 0.25, min=0, max=1, step=0.05),
        ui.input_numeric("mix_deficient", "IFN-deficient fraction", 0.30, min=0, max=1, step=0.05),
        ui.input_numeric(
            "patients", f"Patients per arm (≤ {MAX_PATIENTS:,})", 400, min=1, max=MAX_PATIENTS
        ),  # fmt: skip
        ui.input_numeric("seed", "Seed", 2025, min=0, step=1),
        ui.input_numeric("followup", "Follow-up (years)", 5, min=0.5, max=10, step=0.5),
        ui.input_numeric("endpoint", "Local control at (years)", 2, min=0.25, step=0.25),
        ui.input_text("reference", "Reference arm (empty: the first)", value="RT alone"),
        width=320,
    )
    return sidebar, ui.layout_columns(*arms, col_widths=[3, 3, 3, 3])


def create_app() -> Any:
    """Build the designer's Shiny app (what ``ifnexus serve`` serves).

    Returns
    -------
    shiny.App
        The app (an ASGI application: ``uvicorn.run(app)`` serves it).

    Raises
    ------
    MissingDependencyError
        Without the ``serve`` extra (Shiny for Python).
    """
    from ifnexus._optional import import_optional

    import_optional("shiny", extra="serve", purpose="ifnexus serve (the trial designer)")
    from shiny import App, reactive, render, ui

    from ifnexus.serve._canvas import ifn_image, local_control_image
    from ifnexus.serve._form import design_from_form, results_table
    from ifnexus.trial import design_to_toml

    sidebar, arm_cards = _form_ui()
    page = ui.page_sidebar(
        sidebar,
        # Shiny's default busy indicators are CSS animations (a spinner on each output, a
        # pulsing banner) that the browser redraws on the same two cores the model runs on;
        # the outputs being recomputed are greyed out instead (Shiny's fade), without animation
        ui.busy_indicators.use(spinners=False, pulse=False, fade=True),
        ui.p(
            "Build the arms, pick the population and press Run. Every arm runs on the same "
            "virtual patients (common random numbers), as ifnexus trial does with the design "
            "downloaded below."
        ),
        arm_cards,
        ui.p("Interventions: " + INTERVENTION_HELP, class_="small text-muted"),
        ui.div(
            ui.input_action_button("run", "Run", class_="btn-primary"),
            ui.output_ui("downloads", inline=True),
            class_="d-flex gap-2 align-items-center",
        ),
        ui.output_ui("message"),
        ui.output_ui("results"),
        ui.layout_columns(
            ui.card(
                ui.card_header("Local control (Kaplan-Meier, 95% CI)"),
                ui.output_plot("lc_plot", height="320px"),
            ),
            ui.card(
                ui.card_header("IFN-I in the tumour (median and 10-90% of patients)"),
                ui.output_plot("ifn_plot", height="320px"),
            ),
            col_widths=[6, 6],
        ),  # fmt: skip
        title="ifnexus trial designer",
    )

    def server(input: Any, output: Any, session: Any) -> None:
        current: Any = reactive.value(None)
        msg: Any = reactive.value("")

        def plot_size(output_id: str) -> tuple[float, float, float]:
            # the size the browser reports for the output (render.plot reads it too, so a
            # resized page redraws), else the page's default plot size
            cd = session.clientdata
            w, h = cd.output_width(output_id), cd.output_height(output_id)
            if not w or not h:
                w, h = PLOT_SIZE_PX
            return float(w), float(h), float(cd.pixelratio() or 1.0)

        @reactive.effect
        @reactive.event(input.run)
        def _run() -> None:
            values = {k: input[k]() for k in FIELDS}
            sizes = plot_size("lc_plot"), plot_size("ifn_plot")
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", IfnexusWarning)
                    design = design_from_form(values)
                    run = run_design(design, *sizes)
            except IfnexusError as exc:
                current.set(None)
                msg.set(str(exc))
                return
            except Exception as exc:  # the page must survive anything a field can cause
                log.exception("the designer's run failed")
                current.set(None)
                msg.set(f"the run failed: {type(exc).__name__}: {exc}")
                return
            msg.set("")
            notes = list(dict.fromkeys(str(w.message) for w in caught
                                       if issubclass(w.category, IfnexusWarning)))  # fmt: skip
            current.set({"design": design, "result": run.result, "run": run, "notes": notes})

        @render.ui
        def message() -> Any:
            text = msg()
            if not text:
                return None
            return ui.div(text, class_="alert alert-danger", role="alert", id="error-message")

        @render.ui
        def results() -> Any:
            s = current()
            if s is None:
                return None
            r = s["result"]
            d = s["design"]
            return ui.div(
                ui.h5(
                    f"{d.name}: {d.patients_per_arm:,} patients per arm, seed {d.seed}, "
                    f"follow-up {d.followup_years:g} years"
                ),
                *[ui.div(f"note: {n}", class_="alert alert-warning py-1 small warning-note")
                  for n in s["notes"]],
                ui.HTML(_arms_html(r)),
                ui.h6("Local control at "
                      f"{d.endpoint.local_control_years:g} years by IFN state (95% CI)"),
                ui.HTML(_states_html(r)),
                id="results-panel",
            )  # fmt: skip

        @render.ui
        def downloads() -> Any:
            if current() is None:
                return None
            return ui.TagList(
                ui.download_button("download_toml", "Design (TOML)"),
                ui.download_button("download_csv", "Results (CSV)"),
            )

        @render.download_button(filename="trial_design.toml")
        def download_toml() -> Any:
            s = current()
            if s is not None:
                yield design_to_toml(s["design"])

        @render.download_button(filename="trial_results.csv")
        def download_csv() -> Any:
            s = current()
            if s is not None:
                yield results_table(s["result"]).to_csv(index=False)

        @render.plot(alt="Kaplan-Meier local control per arm with 95% bands", compress_level=1)
        def lc_plot() -> Any:
            s = current()
            if s is None:
                return None
            size = plot_size("lc_plot")
            run = s["run"]
            if size == run.lc_size:  # drawn during the run, at this size
                return run.lc_image
            return local_control_image(run.result, size)

        @render.plot(alt="IFN-I time course per arm, median and 10-90% band", compress_level=1)
        def ifn_plot() -> Any:
            s = current()
            if s is None:
                return None
            size = plot_size("ifn_plot")
            run = s["run"]
            if size == run.ifn_size:  # drawn during the run, at this size
                return run.ifn_image
            return ifn_image(run.timecourses, size)

    return App(page, server)
