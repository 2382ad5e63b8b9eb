"""``ifnexus demo`` (generate, analyse, compare, report) and ``ifnexus report DIR``."""

from __future__ import annotations

import time
from pathlib import Path

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

    n_steps = len(GENERATE_STEPS) + len(ANALYSE_STEPS) + 2
    t0 = time.perf_counter()
    with progress("starting", total=n_steps, quiet=quiet) as step:
        generate_study(out, n_patients=patients, seed=seed, cells_per_sample=cells, progress=step)
        analyse_study(out, progress=step)
        step("comparing recovered results with the truth")
        compare_with_truth(out)
        step("writing the report")
        path = build_report(out)
    typer.echo(f"study written to {out} in {time.perf_counter() - t0:.0f} s")
    typer.echo(f"report: {path.resolve()}")


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
