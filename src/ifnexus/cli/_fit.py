"""``ifnexus fit``: fit the model to data (tumour growth curves, clinical local control)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json
from ifnexus.cli._options import (
    JOBS,
    JSON,
    NO_FIGURES,
    QUIET,
    run_options,
    scheduler_option,
    seed_option,
)
from ifnexus.cli._progress import progress
from ifnexus.errors import ConvergenceError, ValidationError

app = typer.Typer(
    help="Fit the model to data: tumour growth curves and clinical local control; PEtab export."
)


def _names(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if text is None:
        return default
    if text.strip().lower() == "none":
        return ()
    return tuple(x.strip() for x in text.split(",") if x.strip())


#: the growth study's two tables, read the same way by ``growth`` and ``petab``
_GROWTH = typer.Argument(..., help="Growth table: animal, arm, day, volume (mm^3).")
_ARMS = typer.Option(
    ..., "--arms", help="Arms table: arm, schedule and optional genotype, host, interventions."
)


@app.command("growth")
@run_output()
def growth_cmd(
    data: Path = _GROWTH,
    arms: Path = _ARMS,
    out: Path = typer.Option(..., "--out", help="Output directory."),
    free: str = typer.Option(
        None, "--free", help="Fixed effects, comma-separated (default r,n0,alpha,e_kill)."
    ),
    random: str = typer.Option(
        None,
        "--random",
        help="Traits varying between animals: n0, r, alpha, infiltration (default n0,r; "
        "'none' for no random effects).",
    ),
    level: float = typer.Option(0.9, "--level", help="Level of the intervals."),
    profile: str = typer.Option(
        None,
        "--profile",
        help="Quantities profiled, comma-separated (default the fixed effects; 'none').",
    ),
    no_posterior: bool = typer.Option(
        False, "--no-posterior", help="Skip the Bayesian posterior (emcee): MLE and profiles only."
    ),
    steps: int = typer.Option(
        5000,
        "--steps",
        help="Most emcee steps per walker: sampling stops once converged (checked every 100 "
        "steps from 200); the first half is warm-up.",
    ),
    walkers: int = typer.Option(None, "--walkers", help="emcee walkers (default 2 x n + 2)."),
    keep_unconverged: bool = typer.Option(
        False, "--keep-unconverged", help="Write a fit that did not converge and exit 0."
    ),
    lloq: float = typer.Option(
        None,
        "--lloq",
        help="Detection limit (mm^3): volumes below it (0 included) are left-censored (M3); "
        "an lloq column in the table overrides it per row.",
    ),
    jobs: int = JOBS,
    scheduler: str | None = scheduler_option(
        "Runs the profiles and the posterior's likelihood evaluations there."
    ),
    seed: int = seed_option(),
    no_figures: bool = NO_FIGURES,
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Fit a population model to tumour growth: MLE with profile intervals, posterior, VPC."""
    from ifnexus.fit import (
        DEFAULT_FREE,
        DEFAULT_RANDOM,
        fit_growth,
        read_arms,
        read_growth,
        write_growth_fit,
    )

    if not 0.0 < level < 1.0:
        raise ValidationError(f"--level must lie in (0, 1), got {level:g}")
    arm_map = read_arms(arms)
    gd = read_growth(data, arm_map, lloq=lloq)
    prof = None if profile is None else _names(profile, ())
    with progress("growth fit", total=None, quiet=quiet) as step:
        fit = fit_growth(
            gd,
            free=_names(free, DEFAULT_FREE),
            random=_names(random, DEFAULT_RANDOM),
            level=level,
            profile_params=prof,
            posterior=not no_posterior,
            walkers=walkers,
            steps=steps,
            rng=seed,
            progress=step,
            options=run_options(jobs=jobs, scheduler=scheduler),
        )
        _refuse_unconverged(fit, keep_unconverged)
        step("writing tables and figures")
        write_growth_fit(fit, out, figures=not no_figures, rng=seed)
    _report(fit, out, as_json)


@app.command("clinical")
@run_output()
def clinical_cmd(
    data: Path = typer.Argument(
        ..., help="Clinical table: patient, time, event (0/1/2), schedule, optional covariates."
    ),
    out: Path = typer.Option(..., "--out", help="Output directory."),
    free: str = typer.Option(
        None, "--free", help="Parameters estimated, comma-separated (default alpha,alpha_cv)."
    ),
    time_unit: str = typer.Option(
        "months", "--time-unit", help="Unit of the time column: months or days."
    ),
    level: float = typer.Option(0.9, "--level", help="Level of the intervals."),
    profile: str = typer.Option(
        None, "--profile", help="Parameters profiled, comma-separated (default all; 'none')."
    ),
    posterior: bool = typer.Option(
        False,
        "--posterior",
        help="Also sample the posterior (emcee; needed by simulate --posterior; slow).",
    ),
    steps: int = typer.Option(
        1000,
        "--steps",
        help="Most emcee steps per walker: sampling stops once converged (checked every 100 "
        "steps from 200); the first half is warm-up.",
    ),
    walkers: int = typer.Option(
        None, "--walkers", help="emcee walkers (default 2 x n + 2, >= 16)."
    ),
    tumours: int = typer.Option(
        1024, "--tumours", help="Virtual tumours per patient group (Monte Carlo size)."
    ),
    keep_unconverged: bool = typer.Option(
        False, "--keep-unconverged", help="Write a fit that did not converge and exit 0."
    ),
    seed: int = seed_option(),
    no_figures: bool = NO_FIGURES,
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Fit the model to clinical local control: MLE with profile intervals, posterior, VPC."""
    from ifnexus.fit import DEFAULT_CLINICAL_FREE, fit_clinical, read_clinical, write_clinical_fit

    if not 0.0 < level < 1.0:
        raise ValidationError(f"--level must lie in (0, 1), got {level:g}")
    if time_unit not in ("months", "days"):
        raise ValidationError(f"--time-unit must be months or days, got {time_unit!r}")
    cd = read_clinical(data, time_unit=time_unit)
    prof = None if profile is None else _names(profile, ())
    with progress("clinical fit", total=None, quiet=quiet) as step:
        fit = fit_clinical(
            cd,
            free=_names(free, DEFAULT_CLINICAL_FREE),
            level=level,
            profile_params=prof,
            posterior=posterior,
            walkers=walkers,
            steps=steps,
            n_tumours=tumours,
            rng=seed,
            progress=step,
        )
        _refuse_unconverged(fit, keep_unconverged)
        step("writing tables and figures")
        write_clinical_fit(fit, out, figures=not no_figures, rng=seed)
    _report(fit, out, as_json)


@app.command("petab")
@run_output()
def petab_cmd(
    data: Path = _GROWTH,
    arms: Path = _ARMS,
    out: Path = typer.Option(..., "--out", help="Output directory (the PEtab files)."),
    free: str = typer.Option(
        None, "--free", help="Parameters estimated, comma-separated (default r,n0,alpha,e_kill)."
    ),
    sigma: float = typer.Option(
        0.2, "--sigma", help="Nominal residual SD of log volume (estimated as sigma_volume)."
    ),
    per_animal: bool = typer.Option(
        False,
        "--per-animal",
        help="One condition per animal instead of per arm (the same likelihood; pyPESTO's "
        "libroadrunner simulator needs it).",
    ),
    individual: str = typer.Option(
        None,
        "--individual",
        help="With --per-animal: parameters estimated per animal, comma-separated (e.g. n0).",
    ),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Export a growth study as a PEtab v1 problem (pooled fixed effects) for pyPESTO/AMICI."""
    from ifnexus.fit import DEFAULT_FREE, read_arms, read_growth, to_petab

    gd = read_growth(data, read_arms(arms))
    ex = to_petab(gd, free=_names(free, DEFAULT_FREE), out=out, sigma=sigma,
                  per_animal=per_animal, individual=_names(individual, ()))  # fmt: skip
    if as_json:
        echo_json(ex.to_dict())
        return
    if not quiet:
        cols = ["parameterId", "parameterScale", "lowerBound", "upperBound", "nominalValue"]
        typer.echo(ex.summary[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    typer.echo(f"{len(ex.conditions)} condition(s), {len(ex.measurements)} measurement(s); "
               f"wrote {ex.files['yaml']}")  # fmt: skip


def _refuse_unconverged(fit: Any, keep: bool) -> None:
    """Stop before writing a fit that did not converge, unless ``--keep-unconverged``."""
    if fit.converged or keep:
        return
    d = fit.diagnostics
    why = d["optimizer"]["message"]
    if "posterior" in d and not d["posterior"]["converged"]:
        why = f"posterior: {d['posterior']['rule']}"
    raise ConvergenceError(
        f"the fit did not converge ({why}); nothing written. Rerun with more --steps, "
        "fewer --free parameters, or --keep-unconverged to write it anyway"
    )


def _interval_notes(est: Any) -> list[str]:
    """One line per profile-interval end that is not a threshold crossing (open or not found)."""
    lines = []
    for _, row in est.iterrows():
        for side in ("lower", "upper"):
            status = row.get(f"profile_{side}_status")
            if status == "bound":
                lines.append(f"{row['parameter']}: {side} end open (the threshold is not "
                             f"reached within the search range)")  # fmt: skip
            elif status == "failed":
                lines.append(f"{row['parameter']}: {side} end NOT FOUND (the likelihood failed "
                             f"at {row[f'profile_{side}_failed_at']:.4g}; see diagnostics.json)")  # fmt: skip
    return lines


def _report(fit: Any, out: Path, as_json: bool) -> None:
    """Print the fit: its ``to_dict()`` as JSON, or the estimates table and a status line."""
    if as_json:
        echo_json(fit.to_dict())
        return
    est = fit.estimates
    cols = [c for c in ("parameter", "estimate", "profile_lower", "profile_upper",
                        "posterior_median", "cri_lower", "cri_upper", "rhat") if c in est]  # fmt: skip
    typer.echo(est[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for line in _interval_notes(est):
        typer.echo(line)
    state = "converged" if fit.converged else "NOT converged (kept: --keep-unconverged)"
    typer.echo(f"fit {state}; -2 log L = {fit.objective:.3f}; wrote {out}")
