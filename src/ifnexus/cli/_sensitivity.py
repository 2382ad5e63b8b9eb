"""``ifnexus simulate sensitivity``: Sobol and Morris indices of a cohort output (SALib).

Registered on the ``simulate`` group by ``cli/_model.py``; the options of the tumour, host,
interventions and disease are the declarations of ``cli/_options.py`` that ``simulate`` and its
other subcommands use (this module imports nothing of ``cli/_model.py``, which imports it).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json
from ifnexus.cli._options import (
    DISEASE,
    HOST,
    INTERVENTION,
    JOBS,
    JSON,
    NO_FIGURES,
    QUIET,
    TUMOUR,
    run_options,
    seed_option,
)
from ifnexus.cli._progress import progress
from ifnexus.errors import ValidationError


class MethodChoice(StrEnum):
    """``--method``."""

    sobol = "sobol"
    morris = "morris"


class OutputChoice(StrEnum):
    """``--output``."""

    local_control = "local-control"
    ifn_auc = "ifn-auc"
    time_to_failure = "time-to-failure"


def _ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for item in items:
        name, sep, rest = item.partition("=")
        lo, sep2, hi = rest.partition(":")
        try:
            if not (sep and sep2 and name.strip()):
                raise ValueError
            out[name.strip()] = (float(lo), float(hi))
        except ValueError:
            raise ValidationError(
                f"--range {item!r}: expected NAME=LOW:HIGH (e.g. --range alpha=0.1:0.3)"
            ) from None
        if out[name.strip()][0] >= out[name.strip()][1]:
            raise ValidationError(f"--range {item!r}: the range is empty; give LOW < HIGH")
    return out


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValidationError("--vary: give parameter names, comma-separated (e.g. alpha,r)")
    return names


def _looks_like_names(text: str) -> bool:
    """``--params alpha,r`` (names, as ``--vary`` takes) rather than a file name."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*", text) is not None


@run_output()
def sensitivity_cmd(
    schedule: str = typer.Option(
        ..., "--schedule", help="Radiotherapy schedule: '50Gy/25fx', '8Gy x3', ..."
    ),
    method: MethodChoice = typer.Option(
        MethodChoice.sobol, "--method", help="sobol (first and total order) or morris."
    ),
    output: OutputChoice = typer.Option(
        OutputChoice.local_control,
        "--output",
        help="local-control (at --at), ifn-auc (mean 30-day IFN-I AUC) or time-to-failure "
        "(median among failures).",
    ),
    at: str = typer.Option(
        "2y,5y", "--at", help="Local control: times after the first fraction: 2y, 18m, 730 (days)."
    ),
    vary: str = typer.Option(
        None,
        "--vary",
        help="Parameters to vary, comma-separated (default: those whose value is assumed or "
        "calibrated in the setting; 'ifnexus simulate params' lists them).",
    ),
    ranges: list[str] = typer.Option(
        None,
        "--range",
        help="A parameter's range NAME=LOW:HIGH, repeatable (default: the documented range, "
        "or the value x/÷ --factor).",
    ),
    factor: float = typer.Option(
        2.0, "--factor", help="x/÷ factor of the log-uniform ranges where none is documented."
    ),
    samples: int = typer.Option(
        None,
        "--samples",
        help="Sobol base samples (a power of two, >= 16; N(D+2) cohorts; default 64) or Morris "
        "trajectories (>= 4; N(D+1) cohorts; default 10).",
    ),
    patients: int = typer.Option(
        256, "--patients", help="Tumours per cohort (the same at every point)."
    ),
    setting: str = typer.Option("patient", "--setting", help="patient (MPNST, default) or mouse."),
    disease: str = DISEASE,
    tumour: str = TUMOUR,
    host: str = HOST,
    intervention: list[str] = INTERVENTION,
    days: float = typer.Option(
        None, "--days", help="Follow-up in days for ifn-auc and time-to-failure."
    ),
    params: Path = typer.Option(
        None,
        "--params",
        help="TOML file of parameter overrides (as for simulate): the fixed values and the "
        "centre of the factor ranges.",
    ),
    threshold: float = typer.Option(
        0.1,
        "--threshold",
        help="A parameter matters when ST > this (Morris: mu* > this x the largest).",
    ),
    seed: int = seed_option(),
    out: Path = typer.Option(None, "--out", help="Directory for the tables and the figure."),
    as_json: bool = JSON,
    no_figures: bool = NO_FIGURES,
    jobs: int = JOBS,
    quiet: bool = QUIET,
) -> None:
    """Global sensitivity (Sobol or Morris, via SALib) of local control, IFN AUC or time to failure."""
    from ifnexus.model import SETTINGS, ParameterSet
    from ifnexus.sensitivity import model_sensitivity

    if setting not in SETTINGS:
        raise ValidationError(f"unknown --setting {setting!r}; accepted: {', '.join(SETTINGS)}")
    rng_given = _ranges(list(ranges or []))
    names = _names(vary)
    if params is not None and not params.exists() and _looks_like_names(str(params)):
        raise ValidationError(
            f"--params {str(params)!r}: expected a TOML file of parameter overrides (as for "
            "simulate); the parameters to vary are given with --vary"
        )
    pset = ParameterSet(setting) if params is None else ParameterSet.from_toml(params, setting)
    opts = run_options(jobs=jobs)
    with progress(f"sensitivity ({method.value})", quiet=quiet) as step:

        def tick(done: int, total: int) -> None:
            if done == 1 or done % 50 == 0 or done == total:
                step(f"{method.value}: cohort {done} of {total}")

        res = model_sensitivity(schedule, output=output.value, at=at, method=method.value,
                                vary=names, ranges=rng_given, factor=factor, samples=samples,
                                n_patients=patients, setting=setting, disease=disease,
                                genotype=tumour, host=host,
                                interventions=list(intervention or []), days=days,
                                params=dict(pset.overrides), rng=seed, threshold=threshold,
                                options=opts, progress=tick)  # fmt: skip
        if out is not None:
            step("writing tables and figure")
            res.write(out, figures=not no_figures)
    if as_json:
        echo_json(res.to_dict())
        return
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if method.value == "sobol" else [
        "mu_star", "mu_star_conf", "sigma"]  # fmt: skip
    for o in res.outputs:
        t = res.table[res.table["output"] == o].sort_values(cols[2 if method.value == "sobol" else 0],
                                                            ascending=False)  # fmt: skip
        typer.echo(f"{o} ({res.n_evaluations} cohorts of {patients} tumours)")
        typer.echo("  " + "  ".join(["parameter".ljust(18), *(c.rjust(12) for c in cols)]))
        for r in t.itertuples(index=False):
            vals = [f"{getattr(r, c):12.4g}" for c in cols]
            typer.echo("  " + "  ".join([str(r.parameter).ljust(18), *vals]))
        typer.echo(res.statement(o))
    if out is not None:
        typer.echo(f"wrote tables and figure to {out}")
