"""``ifnexus simulate``: run the mechanistic model (cohorts, in vitro, TCD50, SBML export)."""

from __future__ import annotations

from pathlib import Path

import typer

from ifnexus._io import write_table, write_text
from ifnexus._runfolder import run_output
from ifnexus.cli._files import dumps, echo_json
from ifnexus.cli._options import (
    DISEASE,
    HOST,
    INTERVENTION,
    JOBS,
    JSON,
    N_JOBS_DEPRECATED,
    QUIET,
    SCHEDULER,
    TUMOUR,
    chunk_size_option,
    jobs_value,
    run_options,
    seed_option,
)
from ifnexus.cli._progress import progress
from ifnexus.errors import ValidationError

app = typer.Typer(
    help="Simulate the IFN-radiotherapy model: virtual cohorts, in-vitro survival, TCD50, SBML.",
    invoke_without_command=True,
)

# --tumour, --host, --intervention (simulate, tcd50, sbml, sensitivity) are in cli/_options.py
PARAMS = typer.Option(
    None,
    "--params",
    help="Parameter overrides, a TOML file of name = number lines (optional tables named "
    "mouse or patient for one setting); 'ifnexus simulate params' lists every parameter with "
    "unit, range and source. "
    "The values used are written to OUT/params_used.toml and run.json.",
)
POSTERIOR = typer.Option(
    None,
    "--posterior",
    help="A fit folder (ifnexus fit growth --out DIR): rerun the same tumours under --draws "
    "parameter sets drawn from its posterior and report parameter, sampling and total "
    "intervals (docs/model.md).",
)
DRAWS = typer.Option(50, "--draws", help="With --posterior: parameter sets drawn (seeded).")


def _check_setting(setting: str) -> str:
    from ifnexus.model import SETTINGS

    if setting not in SETTINGS:
        raise ValidationError(f"unknown --setting {setting!r}; accepted: {', '.join(SETTINGS)}")
    return setting


@app.callback()
@run_output()
def simulate(
    ctx: typer.Context,
    schedule: str = typer.Option(
        None,
        "--schedule",
        help="'50Gy/25fx' (weekdays), '25Gy/5fx', '8Gy x3', '20Gy x1', '0:8,1:8' or 'none'.",
    ),
    setting: str = typer.Option(
        None,
        "--setting",
        help="patient (MPNST, default) or mouse (syngeneic graft); with --posterior, the fit's.",
    ),
    disease: str = typer.Option(
        "gross",
        "--disease",
        help="gross, postop (residual disease after surgery) or preop (the gross tumour "
        "receives the course and is resected --t-surgery days after its last fraction); "
        "patient setting.",
    ),
    tumour: str = TUMOUR,
    host: str = HOST,
    intervention: list[str] = INTERVENTION,
    params: Path = PARAMS,
    margin: str = typer.Option(
        None,
        "--margin",
        help="Resected disease (postop, preop): resection margin R0 or R1 for every tumour "
        "(default: sampled, R1 with probability p_r1).",
    ),
    t_surgery: float = typer.Option(
        None,
        "--t-surgery",
        help="With --disease preop: days from the last fraction to the resection (parameter "
        "t_surgery, default 31.5: 3-6 weeks).",
    ),
    node_in_field: bool = typer.Option(
        False,
        "--node-in-field",
        help="The tumour-draining lymph node is inside the radiation field (parameter "
        "dln_in_field = 1): its lymphocytes and the primed pool die with each fraction.",
    ),
    second_lesion: float = typer.Option(
        None,
        "--second-lesion",
        help="A second, unirradiated lesion of this many clonogens (e.g. 3e7): it shares the "
        "primed T cells and reports second_lesion_ratio_30d and abscopal_response.",
    ),
    in_vitro: bool = typer.Option(
        False,
        "--in-vitro",
        help="Tumour cells only: clonogenic survival after graded single doses (--doses).",
    ),
    doses: str = typer.Option(
        "2,4,6,8", "--doses", help="In-vitro doses (Gy), comma list or start:stop:step."
    ),
    patients: int = typer.Option(1000, "--patients", help="Number of virtual tumours."),
    posterior: Path = POSTERIOR,
    draws: int = DRAWS,
    bootstrap: int = typer.Option(
        200,
        "--bootstrap",
        help="With --posterior: bootstrap replicates of the patients within each draw (the "
        "sampling part of the intervals).",
    ),
    seed: int = seed_option(),
    days: float = typer.Option(
        None,
        "--days",
        help="Follow-up in days from the first fraction (default 120 mouse, 1825 patient; 14 in vitro).",
    ),
    record: int | None = typer.Option(
        None,
        "--record",
        help="Tumours whose full time courses are written with --out (default 20; not with "
        "--posterior).",
    ),
    out: Path = typer.Option(None, "--out", help="Directory for tidy tables and figures."),
    as_json: bool = JSON,
    jobs: int = JOBS,
    chunk_size: int | None = chunk_size_option("Patients"),
    scheduler: str | None = SCHEDULER,
    quiet: bool = QUIET,
    n_jobs: int | None = N_JOBS_DEPRECATED,
) -> None:
    """Simulate a virtual cohort (or, with --in-vitro, a clonogenic assay) under one schedule."""
    if ctx.invoked_subcommand is not None:
        return
    from ifnexus.model import in_vitro_curves, parse_dose_grid, simulate_cohort

    opts = run_options(jobs=jobs_value(jobs, n_jobs), chunk_size=chunk_size, scheduler=scheduler)

    if posterior is not None:
        if in_vitro:
            raise ValidationError("--posterior applies to cohorts, not to --in-vitro")
        if record is not None:
            raise ValidationError(
                "--record does not apply with --posterior (each draw simulates a new cohort; "
                "its tables are per draw and per measure); run without --posterior, e.g. with "
                "--params from the fit, to record time courses"
            )
        setting = setting or _posterior_setting(posterior)
    record = 20 if record is None else record
    setting = setting or "patient"
    _check_setting(setting)
    _check_named(schedule, tumour, host, intervention or (), disease, margin)
    pset = _params(params, setting)
    if node_in_field:
        from ifnexus.model import ParameterSet

        pset = ParameterSet(setting, {**pset.overrides, "dln_in_field": 1.0}, pset.source)
    if t_surgery is not None:
        from ifnexus.model import ParameterSet

        if disease != "preop":
            raise ValidationError("--t-surgery applies with --disease preop only")
        extra = {"t_surgery": _t_surgery(t_surgery)}
        pset = ParameterSet(setting, {**pset.overrides, **extra}, pset.source)
    if second_lesion is not None:
        from ifnexus.model import ParameterSet

        if not (second_lesion > 0 and second_lesion < float("inf")):
            raise ValidationError(
                f"--second-lesion: the second lesion's size must be a number of clonogens > 0, "
                f"got {second_lesion:g}"
            )
        extra = {"second_lesion": 1.0, "n0_second": float(second_lesion)}
        try:
            pset = ParameterSet(setting, {**pset.overrides, **extra}, pset.source)
        except ValidationError as e:  # the size against the carrying capacity K
            raise ValidationError(f"--second-lesion {second_lesion:g}: {e}") from None
    ivs = list(intervention or [])
    if posterior is not None:
        if schedule is None:
            raise ValidationError("--schedule is required (e.g. --schedule '8Gy x3')")
        _simulate_posterior(schedule, posterior, draws=draws, bootstrap=bootstrap,
                            patients=patients, setting=setting, disease=disease, tumour=tumour,
                            host=host, ivs=ivs, days=days, seed=seed, pset=pset, margin=margin,
                            opts=opts, out=out, as_json=as_json, quiet=quiet)  # fmt: skip
        return
    if in_vitro:
        grid = parse_dose_grid(doses, min_doses=1)
        df = in_vitro_curves(grid, genotypes=[tumour], setting=setting, days=14.0 if days is None else days,
                             interventions=ivs, params=dict(pset.overrides))  # fmt: skip
        summary = {"mode": "in-vitro", "setting": setting, "genotype": df["genotype"].iloc[0],
                   "doses": df["dose"].tolist(), "surviving_fraction": df["surviving_fraction"].tolist(),
                   "lq_surviving_fraction": df["lq_surviving_fraction"].tolist()}  # fmt: skip
        if out is not None:
            from ifnexus._figures import save_figure
            from ifnexus.model._plots import plot_survival

            write_table(df, out / "survival.csv")
            save_figure(plot_survival(df), out / "survival.png")  # type: ignore[arg-type]
            write_text(out / "summary.json", dumps(summary))
            _write_params(pset, out)
        _report(summary, as_json, out)
        return
    if schedule is None:
        raise ValidationError(
            "--schedule is required (e.g. --schedule '50Gy/25fx'), or use --in-vitro"
        )
    with progress(f"simulating {patients} tumours", quiet=quiet) as step:
        step(f"simulating {patients} tumours ({opts.workers} thread(s))")
        res = simulate_cohort(schedule, n_patients=patients, setting=setting, disease=disease,
                              genotype=tumour, host=host, interventions=ivs, days=days, rng=seed,
                              record=record if out is not None else 0, params=pset,
                              margin=margin, options=opts)  # fmt: skip
        summary = res.to_dict()
        step("writing tables and figures")
        _write_cohort(res, summary, out)
        if out is not None:
            _write_params(pset, out)
    _report(summary, as_json, out)


def _check_named(schedule=None, tumour=None, host=None, interventions=(), disease=None,
                 margin=None) -> None:  # fmt: skip
    """Parse the model's named inputs up front so that a refusal names the flag given.

    The library's messages name the input in its own words (``unknown host 'x'``, ``cannot
    parse schedule 'x'``); on the command line each is prefixed with its flag
    (``--host: unknown host 'x'; accepted: ...``).
    """
    from ifnexus.errors import IfnexusError
    from ifnexus.model import parse_genotype, parse_host, parse_intervention, parse_schedule
    from ifnexus.model._cohort import check_disease, check_margin

    flag = {o: o.param_decls[0] for o in (TUMOUR, HOST, INTERVENTION)}  # declared once
    checks = [("--schedule", parse_schedule, schedule), (flag[TUMOUR], parse_genotype, tumour),
              (flag[HOST], parse_host, host), ("--disease", check_disease, disease),
              ("--margin", check_margin, margin)]  # fmt: skip
    checks += [(flag[INTERVENTION], parse_intervention, iv) for iv in interventions]
    for name, check, value in checks:
        if value is None:
            continue
        try:
            check(value)
        except IfnexusError as e:
            if name in str(e) or str(e).startswith(name[2:] + " "):
                raise  # names the flag already (or flag_names makes it so)
            raise type(e)(f"{name}: {e}") from None


def _t_surgery(value: float) -> float:
    """Return ``--t-surgery`` checked against the parameter's range (a clear error names it)."""
    from ifnexus.model._params import get_parameter

    try:
        return get_parameter("t_surgery").check(value)
    except ValidationError as e:
        raise ValidationError(f"--t-surgery: {e}") from None


def _posterior_setting(posterior: Path) -> str:
    """Return the setting a fit folder was fitted in (its ``diagnostics.json``)."""
    from ifnexus.fit._posterior import read_posterior

    return str(read_posterior(posterior)[1].get("setting", "mouse"))


def _simulate_posterior(schedule: str, posterior: Path, *, draws: int, bootstrap: int,
                        patients: int, setting: str, disease: str, tumour, host, ivs, days,
                        seed: int, pset, margin, opts, out: Path | None, as_json: bool,
                        quiet: bool) -> None:  # fmt: skip
    """Run ``simulate --posterior``: the cohort under draws of a fit's posterior."""
    from ifnexus.model import simulate_posterior

    with progress(f"simulating {patients} tumours x {draws} draws", quiet=quiet) as step:
        step(f"simulating {patients} tumours under {draws} posterior draws")
        res = simulate_posterior(schedule, posterior, draws=draws, n_patients=patients,
                                 setting=setting, disease=disease, genotype=tumour, host=host,
                                 interventions=ivs, days=days, rng=seed, params=pset,
                                 margin=margin, bootstrap=bootstrap, options=opts)  # fmt: skip
        summary = res.to_dict()
        if out is not None:
            step("writing tables and figures")
            res.write(out)
            _write_params(pset, out)
    if as_json:
        echo_json(summary)
        return
    typer.echo(f"{summary['schedule']} ({setting}), {patients} tumours x {draws} posterior "
               f"draws of {', '.join(res.free)}; {res.level:.0%} intervals: parameter | "
               "sampling | total")  # fmt: skip
    for m, r in res.table.iterrows():
        if not _finite(r["mean"]):
            continue
        typer.echo(f"{m}: {r['mean']:.4g}  [{r['param_lower']:.4g}, {r['param_upper']:.4g}] | "
                   f"[{r['sampling_lower']:.4g}, {r['sampling_upper']:.4g}] | "
                   f"[{r['total_lower']:.4g}, {r['total_upper']:.4g}]")  # fmt: skip
    if out is not None:
        typer.echo(f"wrote tables and figures to {out}")


def _finite(x) -> bool:
    """Return whether ``x`` is a finite number."""
    import math

    return isinstance(x, float) and math.isfinite(x)


def _params(path: Path | None, setting: str):
    """Return the checked parameter set of ``--params`` (no overrides without a file)."""
    from ifnexus.model import ParameterSet

    return ParameterSet(setting) if path is None else ParameterSet.from_toml(path, setting)


def _write_params(pset, out: Path) -> None:
    """Record the parameter values used: ``params_used.toml`` and the ``run.json`` record."""
    pset.write(out / "params_used.toml")
    write_text(out / "run.json", dumps({"parameters": pset.to_dict()}))


def _write_cohort(res, summary: dict, out: Path | None) -> None:
    """Write the tables and figures of a simulated cohort under ``out`` (nothing when ``None``)."""
    if out is not None:
        res.write(out)  # the library writes what --out holds (summary.json is res.to_dict())


def _report(summary: dict, as_json: bool, out: Path | None) -> None:
    if as_json:
        echo_json(summary)
        return
    for k, v in summary.items():
        typer.echo(f"{k}: {v}")
    if out is not None:
        typer.echo(f"wrote tables and figures to {out}")


@app.command("tcd50")
@run_output()
def tcd50_cmd(
    doses: str = typer.Option(
        ..., "--doses", help="Dose grid (Gy): start:stop:step (stop included) or a comma list."
    ),
    fractions: int = typer.Option(
        1, "--fractions", help="Equal fractions per course (weekdays); 1 = single dose."
    ),
    setting: str = typer.Option(
        None,
        "--setting",
        help="mouse (default, graft TCD50 assay) or patient; with --posterior, the fit's.",
    ),
    disease: str = DISEASE,
    tumour: str = TUMOUR,
    host: str = HOST,
    intervention: list[str] = INTERVENTION,
    params: Path = PARAMS,
    patients: int = typer.Option(
        200, "--patients", help="Tumours per dose (the same tumours at every dose)."
    ),
    posterior: Path = POSTERIOR,
    draws: int = typer.Option(
        20, "--draws", help="With --posterior: parameter sets drawn (seeded)."
    ),
    seed: int = seed_option(),
    days: float = typer.Option(None, "--days", help="Follow-up in days."),
    out: Path = typer.Option(None, "--out", help="Directory for the table and figure."),
    as_json: bool = JSON,
    jobs: int = JOBS,
    chunk_size: int | None = chunk_size_option("Tumours"),
    scheduler: str | None = SCHEDULER,
    quiet: bool = QUIET,
    n_jobs: int | None = N_JOBS_DEPRECATED,
) -> None:
    """Dose controlling 50% of tumours, from a logistic fit over a dose grid."""
    from ifnexus.model import parse_dose_grid, tcd50, tcd50_posterior

    opts = run_options(jobs=jobs_value(jobs, n_jobs), chunk_size=chunk_size, scheduler=scheduler)
    if posterior is not None:
        setting = setting or _posterior_setting(posterior)
    setting = setting or "mouse"
    _check_setting(setting)
    _check_named(None, tumour, host, intervention or (), disease)
    pset = _params(params, setting)
    grid = parse_dose_grid(doses)
    if posterior is not None:
        with progress(f"TCD50 under {draws} posterior draws", quiet=quiet) as step:
            step(f"TCD50 over {len(grid)} doses x {patients} tumours x {draws} draws")
            pres = tcd50_posterior(grid, posterior, draws=draws, fractions=fractions,
                                   setting=setting, n_patients=patients, rng=seed,
                                   params=pset, genotype=tumour, host=host,
                                   interventions=list(intervention or []), days=days,
                                   disease=disease, options=opts)  # fmt: skip
        if out is not None:
            pres.write(out)
            _write_params(pset, out)
        _report(pres.to_dict(), as_json, out)
        return
    with progress(f"TCD50 over {len(grid)} doses x {patients} tumours", quiet=quiet) as step:
        step(f"TCD50 over {len(grid)} doses x {patients} tumours ({opts.workers} thread(s))")
        res = tcd50(grid, fractions=fractions, setting=setting, n_patients=patients, rng=seed,
                    genotype=tumour, host=host, interventions=list(intervention or []), days=days,
                    disease=disease, params=dict(pset.overrides), options=opts)  # fmt: skip
    summary = res.to_dict()  # the run (setting, fractions, tumours, genotype, host) and the fit
    if out is not None:
        res.write(out)  # tcd50.csv, tcd50.png, summary.json
        _write_params(pset, out)
    _report(summary, as_json, out)


@app.command("sbml")
@run_output(file_suffixes=(".xml", ".sbml"))
def sbml_cmd(
    schedule: str = typer.Option(
        ..., "--schedule", help="Radiotherapy schedule (as for simulate)."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output directory: writes model.xml (SBML) there (deprecated: a path ending in "
        ".xml/.sbml is the file itself).",
    ),
    setting: str = typer.Option("patient", "--setting", help="patient or mouse."),
    disease: str = typer.Option(
        "gross", "--disease", help="gross or postop (preop is simulated in cohorts only)."
    ),
    tumour: str = TUMOUR,
    host: str = HOST,
    intervention: list[str] = INTERVENTION,
    days: float = typer.Option(None, "--days", help="Follow-up in days."),
    params: Path = PARAMS,
) -> None:
    """Export one median tumour of the model as SBML Level 3 (libroadrunner, COPASI, tellurium)."""
    from ifnexus.model import tumour_model

    _check_setting(setting)
    _check_named(schedule, tumour, host, intervention or (), disease)
    pset = _params(params, setting)
    m = tumour_model(schedule, setting=setting, disease=disease, genotype=tumour, host=host,
                     interventions=list(intervention or []), days=days,
                     params=dict(pset.overrides))  # fmt: skip
    from ifnexus.cli._files import out_file

    out = out_file(out, "model.xml", file_suffixes=(".xml", ".sbml"))
    write_text(out, m.to_sbml())
    typer.echo(
        f"wrote {out} (time 0 = day {m.t0:g} from the first fraction; {m.t_end - m.t0:g} days)"
    )


@app.command("params")
def params_cmd(
    setting: str = typer.Option(
        None, "--setting", help="Show one setting's values (patient or mouse); default both."
    ),
    as_json: bool = JSON,
) -> None:
    """List every model parameter: unit, value per setting, accepted range and source."""
    from ifnexus.model import parameter_table

    table = parameter_table()
    if setting is not None:
        _check_setting(setting)
        table = table.assign(value=table[setting]).drop(columns=["mouse", "patient"])
        if setting == "patient":
            table["source"] = table["source_patient"].where(table["source_patient"] != "",
                                                            table["source"])  # fmt: skip
        table = table.drop(columns=["source_patient"])
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    value_cols = ["value"] if setting is not None else ["mouse", "patient"]
    cols = ["name", "unit", *value_cols, "range", "meaning", "source"]
    rows = [[str(r[c]) if c not in value_cols else f"{r[c]:.4g}" for c in cols]
            for r in table.to_dict(orient="records")]  # fmt: skip
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols[:-2])]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(cols[:-2], widths, strict=True))
               + "  meaning | source")  # fmt: skip
    for r in rows:
        head = "  ".join(v.ljust(w) for v, w in zip(r[:-2], widths, strict=True))
        typer.echo(f"{head}  {r[-2]} | {r[-1]}")


from ifnexus.cli._sensitivity import sensitivity_cmd  # noqa: E402 - the sensitivity command

app.command("sensitivity")(sensitivity_cmd)
