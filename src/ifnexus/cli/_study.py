"""``ifnexus demo`` (generate, analyse, compare, report) and ``ifnexus report DIR``."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


def demo_cmd(
    out: Path = typer.Option(Path("demo_output"), "--out", help="Study folder to write."),
    seed: int = typer.Option(0, "--seed", help="Seed of the whole study (0 is valid)."),
    patients: int = typer.Option(200, "--patients", help="Virtual patients in the cohort."),
    cells: int = typer.Option(2000, "--cells-per-sample", help="Cells per single-cell sample."),
) -> None:
    """Generate a virtual MPNST study with the model, analyse it with the ifnexus commands, write the report."""
    from ifnexus.report import build_report
    from ifnexus.study import analyse_study, compare_with_truth, generate_study
    from ifnexus.study._generate import GENERATE_STEPS
    from ifnexus.study._pipeline import ANALYSE_STEPS

    n_steps = len(GENERATE_STEPS) + len(ANALYSE_STEPS) + 2
    t0 = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=n_steps)

        def step(msg: str) -> None:
            bar.update(task, description=msg, advance=1)

        generate_study(out, n_patients=patients, seed=seed, cells_per_sample=cells, progress=step)
        analyse_study(out, progress=step)
        step("comparing recovered results with the truth")
        compare_with_truth(out)
        step("writing the report")
        path = build_report(out)
    typer.echo(f"study written to {out} in {time.perf_counter() - t0:.0f} s")
    typer.echo(f"report: {path.resolve()}")


def report_cmd(
    study: Path = typer.Argument(..., help="A study folder written by `ifnexus demo`."),
    out: Path | None = typer.Option(None, "--out", help="HTML file (default: STUDY/report.html)."),
) -> None:
    """Write the self-contained HTML report of a study folder."""
    from ifnexus.report import build_report

    typer.echo(str(build_report(study, out)))
