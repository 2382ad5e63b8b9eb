"""Root Typer app, version flag, and the one handler that turns IfnexusError into a message.

Each domain's commands live in their own ``cli/_<domain>.py`` module and are registered in
:func:`_register`; command functions parse options, call one library function, write results.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click
import typer

from ifnexus import __version__
from ifnexus._errors import IfnexusError

app = typer.Typer(
    name="ifnexus",
    help="The interferon axis of the radiotherapy response: model, screens, scoring, tumours, outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ifnexus {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """The interferon axis of the radiotherapy response, executable and measurable."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _register() -> None:
    from ifnexus.cli import _genesets

    app.add_typer(_genesets.app, name="genesets")

    from ifnexus.cli import _tumor

    app.add_typer(_tumor.app, name="tumor")

    from ifnexus.cli import _outcome

    app.add_typer(_outcome.app, name="outcome")

    from ifnexus.cli import _scoring

    app.command("score")(_scoring.score_cmd)

    from ifnexus.cli import _singlecell

    app.add_typer(_singlecell.app, name="sc")

    from ifnexus.cli import _screen

    app.add_typer(_screen.app, name="screen")

    from ifnexus.cli import _study

    app.command("demo")(_study.demo_cmd)
    app.command("report")(_study.report_cmd)

    from ifnexus.cli import _model

    app.add_typer(_model.app, name="simulate")


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad input or usage, 1 other failure)."""
    try:
        rv = app(
            args=list(argv) if argv is not None else None,
            prog_name="ifnexus",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        return 1
    except IfnexusError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    return int(rv) if isinstance(rv, int) else 0


def entry() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())
