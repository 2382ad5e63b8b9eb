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


app = typer.Typer(
    no_args_is_help=True,
    help="Virtual-study analyses: which explanation of the purity effect a study could tell.",
)


@app.command("hypotheses")
@run_output()
def hypotheses_cmd(
    out: Path = typer.Option(
        None, "--out", help="Directory for power.csv, power.png, summary.json and run.json."
    ),
    seed: int = seed_option("Seed of the pool and of every simulated study (0 is valid)."),
    sizes: str = typer.Option("100,200,400", "--sizes", help="Cohort sizes, comma-separated."),
    followups: str = typer.Option("2,5", "--followups", help="Follow-up (years), comma-separated."),
    studies: int = typer.Option(30, "--studies", help="Simulated studies per cell."),
    power: float = typer.Option(0.8, "--power", help="Target power, in (0, 1)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance of the purity effect."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON on stdout."),
    quiet: bool = QUIET,
) -> None:
    """Simulate studies under each purity explanation; power to identify the right one."""
    from ifnexus.cli._files import echo_json
    from ifnexus.errors import ValidationError
    from ifnexus.study._hypotheses import hypothesis_power, plot_hypothesis_power

    def _numbers(text: str, flag: str, kind: type) -> list[Any]:
        try:
            vals = [kind(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise ValidationError(
                f"{flag}: expected comma-separated numbers, got {text!r}"
            ) from None
        if not vals or any(v <= 0 for v in vals):
            raise ValidationError(f"{flag}: expected positive numbers, got {text!r}")
        return vals

    if not 0 < power < 1:
        raise ValidationError(f"--power must be in (0, 1), got {power:g}")
    if not 0 < alpha < 1:
        raise ValidationError(f"--alpha must be in (0, 1), got {alpha:g}")
    n = _numbers(sizes, "--sizes", int)
    fu = _numbers(followups, "--followups", float)
    with progress("simulating studies", quiet=quiet) as step:
        step(f"{len(n) * len(fu) * studies * 2} studies")
        tab = hypothesis_power(n, fu, studies=studies, alpha=alpha, power=power, seed=seed)
        if out is not None:
            from ifnexus._figures import save_figure
            from ifnexus._io import write_table, write_text
            from ifnexus._json import dumps

            out.mkdir(parents=True, exist_ok=True)
            write_table(tab, out / "power.csv")
            save_figure(plot_hypothesis_power(tab), out / "power.png")
            write_text(out / "summary.json", dumps({"power": tab.to_dict(orient="records")}))
    if as_json:
        echo_json({"power": tab.to_dict(orient="records")})
        return
    typer.echo(tab.to_string(index=False))
