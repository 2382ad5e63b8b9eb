"""Root Typer app, version flag, and the one handler that turns errors into a message and a code.

Each domain's commands live in their own ``cli/_<domain>.py`` module and are registered lazily by
:class:`_LazyGroup`: a domain's module is imported only when one of its commands runs (or its
own help is asked for), so ``ifnexus --help`` loads no domain and no scientific library.

Typer has used two different clicks over the versions ``typer>=0.12,<1`` allows: the standalone
``click`` package (0.12 to at least 0.24) and its own vendored copy ``typer._click`` (0.29).
Usage errors are instances of the click that typer actually runs, so the handler resolves that
module once, from ``typer.core``, instead of importing ``click`` (whose exception classes a
vendoring typer never raises). Checked with typer 0.12.5, 0.15.4 and 0.20.1 (click 8.1.7),
0.24.2 (click 8.5.1) and 0.29.2.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import typer
import typer.core

from ifnexus._version import __version__
from ifnexus.errors import IfnexusError, IfnexusWarning


def _typer_click() -> ModuleType:
    """Return the click module typer itself uses: ``typer._click`` (vendored) or ``click``."""
    vendored = getattr(typer.core, "_click", None)
    if isinstance(vendored, ModuleType):
        return vendored
    standalone = getattr(typer.core, "click", None)
    if isinstance(standalone, ModuleType):
        return standalone
    return importlib.import_module("click")  # pragma: no cover - every typer has one of the two


_click = _typer_click()
_exceptions = _click.exceptions


def _classes(*candidates: Any) -> tuple[type[BaseException], ...]:
    """Return the exception classes among ``candidates`` (``None`` where one does not exist)."""
    return tuple({c for c in candidates if isinstance(c, type)})


#: usage and input errors (exit 2 for usage errors; ``exit_code`` of the exception)
CLICK_ERRORS: tuple[type[BaseException], ...] = (_exceptions.ClickException,)
#: ``--help``, ``--version``, ``raise typer.Exit(code)``: typer's own class and click's
EXIT_ERRORS = _classes(getattr(typer, "Exit", None), getattr(_exceptions, "Exit", None))
#: Ctrl-C at a prompt, ``raise typer.Abort()``
ABORT_ERRORS = _classes(getattr(typer, "Abort", None), getattr(_exceptions, "Abort", None))


def usage_error(message: str) -> BaseException:
    """Build a usage error (exit 2, usage line shown) of the click typer runs, for ``raise``."""
    current = importlib.import_module(f"{_click.__name__}.globals").get_current_context
    ctx = current(silent=True)
    return _exceptions.UsageError(message, ctx=ctx)


def warn(message: str) -> None:
    """Print one ``warning: ...`` line on stderr (deprecated spellings, ignored settings)."""
    typer.echo(f"warning: {message}", err=True)


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
    """The interferon axis of the radiotherapy response, executable and measurable."""  # noqa: D401
    import logging

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


#: command name -> (module under ifnexus.cli, function for a single command or None for the
#: module's Typer group, the one-line help shown by ``ifnexus --help``); the order is the order
#: of the help listing. ``tests/cli`` checks that each line equals the loaded command's own.
COMMANDS: dict[str, tuple[str, str | None, str]] = {
    "genesets": (
        "_genesets",
        None,
        "The curated gene-set resource (sources, licences, mouse mapping).",
    ),
    "tumour": ("_tumour", None, "Bulk tumour profiling: purity, contexture, 9p21, IFN state."),
    "outcome": (
        "_outcome",
        None,
        "Local control after radiotherapy: Kaplan-Meier, log-rank, Cox, cumulative incidence, "
        "Gray's test, Fine-Gray, tumour features.",
    ),
    "score": (
        "_scoring",
        "score_cmd",
        "Score cells or samples for gene sets; ids first, one column per set.",
    ),
    "sc": (
        "_singlecell",
        None,
        "Single-cell IFN / immune profiling (h5ad in, tables + figures out).",
    ),
    "screen": (
        "_screen",
        None,
        "CRISPR screens: MAGeCK-compatible count/test, CRISPRi gamma/tau/rho phenotypes.",
    ),
    "demo": (
        "_study",
        "demo_cmd",
        "Generate a virtual MPNST study with the model, analyse it with the functions behind "
        "the ifnexus commands, write the report.",
    ),
    "report": ("_study", "report_cmd", "Write the self-contained HTML report of a study folder."),
    "study": (
        "_study",
        None,
        "Virtual-study analyses: which explanation of the purity effect a study could tell.",
    ),
    "simulate": (
        "_model",
        None,
        "Simulate the IFN-radiotherapy model: virtual cohorts, in-vitro survival, TCD50, SBML.",
    ),
    "fit": (
        "_fit",
        None,
        "Fit the model to data: tumour growth curves and clinical local control; PEtab export.",
    ),
    "trial": (
        "_trial",
        None,
        "Virtual trials: arms on the same virtual patients (run), and the design search (optimise).",
    ),
    "serve": (
        "_serve",
        "serve_cmd",
        "Start the trial designer: build arms, run them on the same patients, download TOML/CSV.",
    ),
}

#: old spellings kept for one release: they run the new command after a warning on stderr
DEPRECATED_COMMANDS: dict[str, str] = {"tumor": "tumour"}


def load_command(name: str) -> Any:
    """Return the click command (or group) of top-level command ``name``, importing its module."""
    module, func, _ = COMMANDS[name]
    mod = importlib.import_module(f"ifnexus.cli.{module}")
    cmd: Any
    if func is None:
        cmd = typer.main.get_group(mod.app)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(getattr(mod, func))
        cmd = typer.main.get_command(single)
    cmd.name = name
    _flags_take_no_value(cmd)
    return cmd


def _flags_take_no_value(cmd: Any) -> None:
    """Show on/off options as flags in ``--help``: no ``<bool>`` value (typer 0.29 shows one)."""
    for param in getattr(cmd, "params", ()):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    make_help_option = cmd.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    cmd.get_help_option = get_help_option
    for sub in getattr(cmd, "commands", {}).values():
        _flags_take_no_value(sub)


class _LazyGroup(typer.core.TyperGroup):
    """The root group: loads a domain's commands on first use; help lists them without loading."""

    _listing = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _flags_take_no_value(self)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and cmd_name in COMMANDS and cmd_name not in self.commands:
            # the help listing needs a name and a line of help, not the command's module
            return typer.core.TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][2])
        if cmd_name in DEPRECATED_COMMANDS:
            new = DEPRECATED_COMMANDS[cmd_name]
            warn(
                f"'ifnexus {cmd_name}' is deprecated and will be removed in 0.3; use 'ifnexus {new}'"
            )
            cmd_name = new
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app.info.cls = _LazyGroup


def _context_of(argv: list[str]) -> Any:
    """Return the (unparsed) context of the deepest command named in ``argv``, for its usage."""
    cmd = typer.main.get_command(app)
    ctx = _click.Context(cmd, info_name="ifnexus")
    for arg in argv:
        if arg.startswith("-"):
            continue
        get = getattr(cmd, "get_command", None)
        sub = get(ctx, DEPRECATED_COMMANDS.get(arg, arg)) if get is not None else None
        if sub is None:
            break
        cmd, ctx = sub, _click.Context(sub, info_name=arg, parent=ctx)
    return ctx


#: library argument names whose CLI flag is spelled differently (the rest map by spelling:
#: ``trim_5`` is ``--trim-5``); used only where the command has that flag
LIBRARY_TO_FLAG: dict[str, str] = {
    "n_patients": "--patients",
    "n_jobs": "--jobs",
    "rng": "--seed",
    "group_col": "--group",
    "event_codes": "--codes",
    "cengroup_col": "--cengroup",
    "sample_labels": "--sample-label",
    "genotype": "--tumour",
    "interventions": "--intervention",
    "rra_options": "--additional-rra-parameters",
}


def flag_names(message: str, argv: list[str]) -> str:
    """Return ``message`` with the library's argument names replaced by the command's flags.

    A library error names its Python argument (``trim_5 must be ...``); on the command line the
    user typed ``--trim-5``. Only names of the running command's own options are replaced:
    snake_case names anywhere outside quotes, a one-word name where it starts the message, and
    any name written as a keyword argument (``disease='preop' is ...`` reads ``--disease
    'preop' is ...``, ``margin= is ...`` reads ``--margin is ...``).
    """
    import re

    try:
        params = _context_of(argv).command.params
    except Exception:  # noqa: BLE001 - the message is shown unchanged rather than not at all
        return message
    flags: dict[str, str] = {}
    for param in params:
        longs = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        if not longs or getattr(param, "hidden", False):
            continue
        flag = max(longs, key=len)
        flags[flag[2:].replace("-", "_")] = flag
        flags.setdefault(param.name, flag)
    have = set(flags.values())
    flags.update({k: v for k, v in LIBRARY_TO_FLAG.items() if v in have})
    for name, flag in sorted(flags.items(), key=lambda kv: -len(kv[0])):
        message = _keyword_to_flag(message, name, flag)
        if "_" in name:
            message = re.sub(rf"(?<![\w\-'\"]){re.escape(name)}(?![\w\-'\"])", flag, message)
        elif message.startswith(f"{name} "):
            message = flag + message[len(name) :]
    return message


def _keyword_to_flag(message: str, name: str, flag: str) -> str:
    """Replace ``name=`` (a keyword argument) by ``flag`` outside quoted values of ``message``."""
    import re

    keyword = rf"(?<![\w\-\"]){re.escape(name)}="
    parts = re.split(r"('[^']*')", message)  # odd items are quoted values: left as they are
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(keyword + r"(?=\s)", flag, parts[i])
        parts[i] = re.sub(keyword, flag + " ", parts[i])
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad input or usage, 1 other failure).

    Usage errors (unknown option or command, a missing value or argument, a bad choice) print
    the usage line and the message on stderr and return 2, whatever typer/click version runs.
    """
    try:
        rv = app(
            args=list(argv) if argv is not None else None,
            prog_name="ifnexus",
            standalone_mode=False,
        )
    except EXIT_ERRORS as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except CLICK_ERRORS as exc:
        if isinstance(exc, _exceptions.UsageError) and exc.ctx is None:
            # typer 0.29's parser raises some usage errors (an option missing its value)
            # without a context: rebuild the command's so the usage line is shown
            exc.ctx = _context_of(list(argv) if argv is not None else sys.argv[1:])
        exc.show()  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", 1))
    except ABORT_ERRORS:
        typer.echo("aborted", err=True)
        return 1
    except IfnexusError as exc:
        args = list(argv) if argv is not None else sys.argv[1:]
        typer.echo(f"error: {flag_names(str(exc), args)}", err=True)
        return 2
    return int(rv) if isinstance(rv, int) else 0


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show an ifnexus warning as one ``warning: ...`` line; others as Python shows them."""
    if issubclass(category, IfnexusWarning):
        warn(str(message))
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def entry() -> None:  # pragma: no cover - console-script shim
    """Run the ``ifnexus`` console script: :func:`main` with the process's arguments.

    On the command line an :class:`~ifnexus.errors.IfnexusWarning` reads as one
    ``warning: <message>`` line on stderr, like the CLI's own warnings, not as Python's
    ``path:line: IfnexusWarning: ...`` with the source line; library users keep Python's form.
    """
    warnings.showwarning = _show_warning
    sys.exit(main())
