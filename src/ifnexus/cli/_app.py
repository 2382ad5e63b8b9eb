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
from ifnexus.errors import IfnexusError

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
    """Register each domain's commands; a domain's module is imported only when its command
    runs (or for help), so e.g. ``ifnexus screen count`` never loads pandas or scanpy."""
    import importlib

    from typer.core import TyperGroup

    # command name -> (module under ifnexus.cli, function for a single command or None for
    # the module's Typer group); the order is the order of the help listing
    lazy: dict[str, tuple[str, str | None]] = {
        "genesets": ("_genesets", None),
        "tumour": ("_tumour", None),
        "outcome": ("_outcome", None),
        "score": ("_scoring", "score_cmd"),
        "sc": ("_singlecell", None),
        "screen": ("_screen", None),
        "demo": ("_study", "demo_cmd"),
        "report": ("_study", "report_cmd"),
        "simulate": ("_model", None),
    }

    # old spellings kept for one release: they run the new command after a warning on stderr
    deprecated = {"tumor": "tumour"}

    def load(name: str) -> click.Command:
        module, func = lazy[name]
        mod = importlib.import_module(f"ifnexus.cli.{module}")
        if func is None:
            cmd = typer.main.get_group(mod.app)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(getattr(mod, func))
            cmd = typer.main.get_command(single)
        cmd.name = name
        return cmd

    class LazyGroup(TyperGroup):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return [*super().list_commands(ctx), *(n for n in lazy if n not in self.commands)]

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            if cmd_name in deprecated:
                new = deprecated[cmd_name]
                typer.echo(
                    f"warning: 'ifnexus {cmd_name}' is deprecated and will be removed in 0.3; "
                    f"use 'ifnexus {new}'",
                    err=True,
                )
                cmd_name = new
            if cmd_name not in self.commands and cmd_name in lazy:
                self.commands[cmd_name] = load(cmd_name)
            return super().get_command(ctx, cmd_name)

    app.info.cls = LazyGroup


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
