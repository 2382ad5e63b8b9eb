"""``ifnexus demo`` (generate, analyse, compare, report) and ``ifnexus report DIR``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._options import QUIET, seed_option
from ifnexus.cli._progress import progress


@run_output()
def demo_cmd(
    out: Path = typer.Option(Path("demo_output"), "--out", help="Study directory to write."),
    seed: int = seed_option("Seed of the whole study (0 is valid)."),
    patients: int = typer.Option(200, "--patients", help="Virtual patients in the cohort."),
    cells: int = typer.Option(2000, "--cells-per-sample", help="Cells per single-cell sample."),
    quiet: bool = QUIET,
) -> None:
    """Generate a virtual MPNST study with the model, analyse it with the functions behind the ifnexus commands, write the report."""
    from ifnexus.report import build_report
    from ifnexus.study import analyse_study, compare_with_truth, generate_study
    from ifnexus.study._generate import GENERATE_STEPS
    from ifnexus.study._pipeline import ANALYSE_STEPS

    n_steps = len(GENERATE_STEPS) + len(ANALYSE_STEPS) + 3
    t0 = time.perf_counter()
    with progress("starting", total=n_steps, quiet=quiet) as step:
        generate_study(out, n_patients=patients, seed=seed, cells_per_sample=cells, progress=step)
        analyse_study(out, progress=step)
        step("comparing recovered results with the truth")
        compare_with_truth(out)
        step("which explanation of the purity effect a study could tell (study hypotheses)")
        _study_hypotheses(out, seed)
        step("writing the report")
        path = build_report(out)
    typer.echo(f"study written to {out} in {time.perf_counter() - t0:.0f} s")
    typer.echo(f"report: {path.resolve()}")


def _study_hypotheses(out: Path, seed: int) -> None:
    """Write ``model/hypotheses.toml`` and run it into ``model/hypotheses/`` (the report reads it).

    The same as ``ifnexus study hypotheses model/hypotheses.toml --out model/hypotheses``.
    """
    import dataclasses

    from ifnexus._io import write_text
    from ifnexus.study._hypotheses import STUDY_DESIGN, read_hypotheses_design, run_hypotheses

    toml = out / "model" / "hypotheses.toml"
    write_text(toml, dataclasses.replace(STUDY_DESIGN, seed=seed).to_toml())
    run_hypotheses(read_hypotheses_design(toml), out / "model" / "hypotheses")


@run_output(file_suffixes=(".html", ".htm"), check_only=True)
def report_cmd(
    study: Path = typer.Argument(
        ..., metavar="STUDY", help="A study directory written by `ifnexus demo`."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Output directory: writes report.html there (default: STUDY). Deprecated: a path "
        "ending in .html is the file itself.",
    ),
) -> None:
    """Write the self-contained HTML report of a study folder."""
    from ifnexus.cli._files import out_file
    from ifnexus.report import build_report

    html = None if out is None else out_file(out, "report.html", file_suffixes=(".html", ".htm"))
    typer.echo(str(build_report(study, html)))


app = typer.Typer(
    no_args_is_help=True,
    help="Virtual-study analyses: which explanation of the purity effect a study could tell.",
)


@app.command("hypotheses")
@run_output()
def hypotheses_cmd(
    design: Path | None = typer.Argument(
        None,
        metavar="[DESIGN.toml]",
        help="Design ([hypotheses] truths, sizes, followups, measurement_sets, studies, power, "
        "seed, pool_patients, gross_share, example_patients; [assumptions]); the defaults "
        "when omitted. The options below override it.",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        help="Directory for design.toml, power.csv, power.png, examples.csv, example_*/, "
        "summary.json and run.json.",
    ),
    seed: int | None = seed_option(
        "Seed of the pool and of every simulated study (0 is valid).", default=None
    ),
    sizes: str | None = typer.Option(None, "--sizes", help="Cohort sizes, comma-separated."),
    followups: str | None = typer.Option(
        None, "--followups", help="Follow-up (years, at most 5), comma-separated."
    ),
    studies: int | None = typer.Option(None, "--studies", help="Simulated studies per cell."),
    power: float | None = typer.Option(None, "--power", help="Target power, in (0, 1)."),
    as_json: bool = typer.Option(False, "--json", help="Print the power table as JSON on stdout."),
    quiet: bool = QUIET,
) -> None:
    """Simulate studies under each explanation of the purity effect; which measurements, cohort size and follow-up tell them apart."""
    import dataclasses

    from ifnexus.cli._files import echo_json
    from ifnexus.errors import ValidationError
    from ifnexus.study._hypotheses import (
        HypothesesDesign,
        check_design,
        read_hypotheses_design,
        run_hypotheses,
    )

    def _numbers(text: str, flag: str, kind: type) -> tuple[Any, ...]:
        try:
            vals = tuple(kind(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise ValidationError(
                f"{flag}: expected comma-separated numbers, got {text!r}"
            ) from None
        if not vals or any(v <= 0 for v in vals):
            raise ValidationError(f"{flag}: expected positive numbers, got {text!r}")
        return vals

    if power is not None and not 0 < power < 1:
        raise ValidationError(f"--power must be in (0, 1), got {power:g}")
    d = read_hypotheses_design(design) if design is not None else HypothesesDesign()
    over: dict[str, Any] = {}
    if seed is not None:
        over["seed"] = seed
    if sizes is not None:
        over["sizes"] = _numbers(sizes, "--sizes", int)
    if followups is not None:
        over["followups"] = _numbers(followups, "--followups", float)
    if studies is not None:
        over["studies"] = studies
    if power is not None:
        over["power"] = power
    d = dataclasses.replace(d, **over)
    check_design(d, source="options")
    with progress("simulating studies", quiet=quiet) as step:
        n = len(d.truths) * len(d.sizes) * len(d.followups) * d.studies
        step(f"pool of {d.pool_patients} model patients, 2 example studies, {n} studies")
        res = run_hypotheses(d, out)
    tab = res["power"]
    if as_json:
        echo_json({"power": tab.to_dict(orient="records"),
                   "examples": res["examples"].to_dict(orient="records")})  # fmt: skip
        return
    typer.echo(tab.to_string(index=False))
