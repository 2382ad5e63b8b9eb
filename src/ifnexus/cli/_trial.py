"""``ifnexus trial``: virtual multi-arm trials (``run``) and the design search (``optimise``).

``ifnexus trial DESIGN.toml`` (no subcommand) still runs the design: the group treats a first
argument that is not a subcommand as ``run``'s (:class:`_TrialGroup`), so it is the same command,
not a deprecated alias.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import typer.core

from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json
from ifnexus.cli._options import (
    JOBS,
    JSON,
    NO_FIGURES,
    QUIET,
    chunk_size_option,
    run_options,
    seed_option,
)
from ifnexus.cli._progress import progress


class _TrialGroup(typer.core.TyperGroup):
    """``trial`` with ``run`` as the default subcommand (``ifnexus trial DESIGN.toml``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_TrialGroup,
    no_args_is_help=True,
    help="Virtual trials: arms on the same virtual patients (run), and the design search "
    "(optimise).",
)


def _out(what: str) -> Any:
    return typer.Option(None, "--out", help=f"Directory for {what}, summary.json and run.json.")


def _seed(table: str) -> Any:
    return seed_option(f"Random seed (0 is valid); overrides [{table}] seed.", None)


#: the model's chunk size (results do not depend on it), shared by both commands
_CHUNK = chunk_size_option("Patients")


def _execute(
    title: str,
    compute: Any,
    *,
    out: Path | None,
    no_figures: bool,
    as_json: bool,
    jobs: int,
    chunk_size: int | None,
    quiet: bool,
    writing: str,
) -> dict | None:
    """Run ``compute(options, step)``, write its result under ``out``; the summary to print.

    Returns None when the summary was printed as JSON (``--json``).
    """
    opts = run_options(jobs=jobs, chunk_size=chunk_size, scheduler=None)
    with progress(title, quiet=quiet) as step:
        res = compute(opts, step)
        summary = res.to_dict()
        if out is not None:
            step(writing)
            res.write(out, figures=not no_figures)
    if as_json:
        echo_json(summary)
        return None
    return summary


@app.command("run")
@run_output()
def trial_cmd(
    design: Path = typer.Argument(
        ...,
        metavar="DESIGN.toml",
        help="The trial design (TOML: [trial], [population], [endpoint], [[arms]], optional "
        "[power] and [normal_tissue]; see docs/trial.md).",
    ),
    out: Path = _out("the tables, figures"),
    seed: int | None = _seed("trial"),
    as_json: bool = JSON,
    no_figures: bool = NO_FIGURES,
    jobs: int = JOBS,
    chunk_size: int | None = _CHUNK,
    quiet: bool = QUIET,
) -> None:
    """Run a virtual trial: arms on the same virtual patients, compared with a reference arm."""
    import dataclasses

    from ifnexus.trial import read_design, run_trial

    spec = read_design(design)
    if seed is not None:
        spec = dataclasses.replace(spec, seed=seed)

    def compute(opts: Any, step: Any) -> Any:
        step(f"simulating {len(spec.arms)} arms x {spec.patients_per_arm} patients")
        return run_trial(spec, options=opts)

    summary = _execute(f"running {len(spec.arms)} arms", compute, out=out,
                       no_figures=no_figures, as_json=as_json, jobs=jobs, chunk_size=chunk_size,
                       quiet=quiet, writing="writing tables and figures")  # fmt: skip
    if summary is None:
        return
    t = spec.endpoint.local_control_years
    typer.echo(f"{spec.name}: local control at {t:g} years (net of deaths; Wilson 95%)")
    for row in summary["arms"]:
        flag = "  [over NTCP limit]" if row.get("over_ntcp_limit") else ""
        typer.echo(
            f"  {row['arm']}: {row['local_control_net']:.3f} "
            f"({row['net_lower']:.3f}-{row['net_upper']:.3f}){flag}"
        )
    for row in summary["comparisons"]:
        if row["ifn_state"] != "all":
            continue
        typer.echo(
            f"  {row['arm']} vs {row['reference']}: difference {row['difference']:+.3f} "
            f"({row['ci_lower']:+.3f} to {row['ci_upper']:+.3f}), HR {row['hr']:.2f} "
            f"({row['hr_lower']:.2f}-{row['hr_upper']:.2f})"
        )
    pw = summary.get("power")
    if pw and pw.get("schoenfeld"):
        typer.echo(
            f"  sample size for {pw['power']:g} power (alpha {pw['alpha']:g}): Schoenfeld "
            f"{pw['schoenfeld']['n_total']}, Freedman {pw['freedman']['n_total']}, simulation "
            f"{pw['simulated_n_total']} patients"
        )
    if out is not None:
        typer.echo(f"wrote tables and figures to {out}")


@app.command("optimise")
@run_output()
def optimise_cmd(
    space: Path = typer.Argument(
        ...,
        metavar="SPACE.toml",
        help="The search space (TOML: [optimise], [population], [endpoint], [schedule], "
        "[interventions.NAME], [constraint]; see docs/trial.md).",
    ),
    out: Path = _out("best_designs.csv, robustness.csv, history.csv, designs/*.toml, optimise.png"),
    seed: int | None = _seed("optimise"),
    as_json: bool = JSON,
    no_figures: bool = NO_FIGURES,
    jobs: int = JOBS,
    chunk_size: int | None = _CHUNK,
    quiet: bool = QUIET,
) -> None:
    """Search schedules and drug timing for the best local control under an organ constraint."""
    from ifnexus.trial._optimise import optimise_design, read_space

    spec = read_space(space)
    summary = _execute(
        f"optimising for {len(spec.states)} populations",
        lambda opts, step: optimise_design(spec, options=opts, seed=seed, progress=step),
        out=out, no_figures=no_figures, as_json=as_json, jobs=jobs, chunk_size=chunk_size,
        quiet=quiet, writing="writing tables, designs and figure",
    )  # fmt: skip
    if summary is None:
        return
    c = spec.constraint
    typer.echo(
        f"{spec.name}: local control at {spec.local_control_years:g} years, "
        f"{c.organ} {c.kind.upper()} <= {c.limit:g}; robustness: {summary['robustness_source']}"
    )
    for row in summary["best"]:
        if row["rank"] != 1:
            continue
        ivs = f" + {row['interventions']}" if row["interventions"] else ""
        typer.echo(
            f"  {row['state']}: {row['local_control']:.3f} (reference "
            f"{row['reference_local_control']:.3f}) with {row['schedule']}{ivs}"
        )
    if out is not None:
        typer.echo(f"wrote tables, designs and figure to {out}")
