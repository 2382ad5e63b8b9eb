"""Option declarations shared by several ``ifnexus`` commands, declared once.

Declarations only (no imports beyond Typer), so every command module can import this
without loading a domain. A command keeps its own declaration where its help text differs;
the run options (``--jobs``, ``--chunk-size``, ``--scheduler``), ``--seed`` and ``--quiet``
are declared here only, and :func:`run_options` turns them into one :class:`ifnexus.RunOptions`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # pragma: no cover
    from ifnexus import RunOptions


class SpeciesChoice(StrEnum):
    """``--species`` of the commands that detect the species when it is not given."""

    human = "human"
    mouse = "mouse"


#: ``--species`` where the default is detected from the gene names (``score``, ``sc profile``)
SPECIES_DETECTED = typer.Option(None, "--species", help="human or mouse (default: detected).")
#: ``--json``: print one JSON object instead of the readable text
JSON = typer.Option(False, "--json", help="Print one JSON object on stdout.")
#: ``--no-figures``: tables only
NO_FIGURES = typer.Option(False, "--no-figures", help="Skip the figures.")
#: ``--quiet``: no progress display (it is also off when stderr is not a terminal)
QUIET = typer.Option(False, "--quiet", "-q", help="No progress display on stderr.")


def _check_jobs(value: int | None) -> int | None:
    if value is not None and value == 0:
        raise typer.BadParameter(
            "0 is not a thread count; give a positive count, or -1 for all cores "
            "(-2 all but one, ...)"
        )
    return value


#: ``--jobs``: local worker threads; -1 all cores, as in scikit-learn and joblib
JOBS = typer.Option(
    1,
    "--jobs",
    "-j",
    callback=_check_jobs,
    help="Local threads (-1: all cores, -2: all but one, ...).",
)
#: ``--n-jobs``: the old spelling of ``--jobs`` (simulate, tcd50), hidden, warns
N_JOBS_DEPRECATED = typer.Option(
    None, "--n-jobs", hidden=True, callback=_check_jobs, help="Deprecated: use --jobs."
)


def scheduler_option(extra: str = "") -> Any:
    """``--scheduler``: a Dask cluster instead of local threads (``extra``: a command's note)."""
    return typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (e.g. tcp://host:8786): run the chunks on that cluster "
        "(same results as in process; --jobs is then ignored)." + (f" {extra}" if extra else ""),
    )


#: ``--scheduler``: a Dask cluster instead of local threads
SCHEDULER = scheduler_option()


def chunk_size_option(what: str = "Rows") -> Any:
    """``--chunk-size``: ``what`` per chunk, default the library function's own."""
    return typer.Option(
        None, "--chunk-size", min=1, help=f"{what} per chunk (default: the function's own)."
    )


def seed_option(help: str = "Random seed (0 is valid).", default: int | None = 0) -> Any:
    """``--seed``: a non-negative integer (a negative one is a usage error naming ``--seed``)."""
    return typer.Option(default, "--seed", min=0, help=help)


def jobs_value(jobs: int, n_jobs: int | None) -> int:
    """``--jobs``, or the value of the deprecated ``--n-jobs`` with a warning on stderr."""
    if n_jobs is None:
        return jobs
    from ifnexus.cli._app import usage_error, warn

    if jobs != 1:
        raise usage_error("give --jobs only (--n-jobs is its deprecated spelling)")
    warn("--n-jobs is deprecated and will be removed in 0.3; use --jobs")
    return n_jobs


def run_options(
    *, jobs: int = 1, chunk_size: int | None = None, scheduler: str | None = None
) -> RunOptions:
    """One :class:`ifnexus.RunOptions` from ``--jobs``, ``--chunk-size`` and ``--scheduler``."""
    from ifnexus import RunOptions

    return RunOptions(chunk_size=chunk_size, n_jobs=jobs, scheduler=scheduler)


def main_input(positional: Any, alias: Any, *, metavar: str, flag: str) -> Any:
    """Return the main input, given positionally (``METAVAR``) or by its older flag (one of them)."""
    from ifnexus.cli._app import usage_error

    if positional is not None and alias is not None:
        raise usage_error(f"give {metavar} once: as {metavar} or as {flag} {metavar}, not both")
    if positional is None and alias is None:
        raise usage_error(f"Missing argument '{metavar}'.")
    return positional if positional is not None else alias


# the cohort options of ``simulate`` and its subcommands (tcd50, sbml, sensitivity): one
# declaration each, so that their help cannot drift apart between the commands
#: ``--tumour``: tumour genotype(s)
TUMOUR = typer.Option(
    None,
    "--tumour",
    help="Tumour genotype(s), comma-separated: sting-loss, cgas-loss, irf3-loss, ifnar1-loss, stat1-loss, ifn-cluster-loss, chronic-ifn.",
)
#: ``--host``: host genotype
HOST = typer.Option(
    None,
    "--host",
    help="Host: immunocompetent (default), t-cell-deficient (alias nude), ifnar-loss, sting-loss.",
)
#: ``--intervention``: drugs and blockades, repeatable
INTERVENTION = typer.Option(
    None,
    "--intervention",
    help="Intervention, repeatable: 'sting-agonist:day=0,dose=1', 'anti-pd1:day=0,dose=1,repeat=4,every=3', 'ifnar-block:start=0,end=7', 'jak-inhibitor:start=0,end=7', 'ifn-amplifier:start=0,end=28', 'anti-ctla4:day=0,repeat=3,every=3', 'ifn-beta:start=0,end=14', 'anti-ox40:day=1'.",
)
#: ``--disease`` of ``simulate tcd50`` and ``simulate sensitivity``
DISEASE = typer.Option(
    "gross", "--disease", help="gross, postop or preop (RT then resection; patient setting)."
)
