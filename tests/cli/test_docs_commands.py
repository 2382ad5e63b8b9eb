"""Every ``ifnexus`` command the docs quote names a command and options that exist.

The reference is the command line itself (the commands and their options, as ``--help``
shows them): each ``ifnexus ...`` in a fenced block or in backticks of ``README.md`` and
``docs/*.md`` must resolve to a command (``trial DESIGN.toml`` is ``trial run``; the
deprecated ``tumor`` is ``tumour``; ``a/b`` lists alternatives) and each ``-x``/``--xx`` it
gives must be an option of that command.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ifnexus.cli._app import COMMANDS, DEPRECATED_COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


#: groups that need a subcommand (``simulate`` runs on its own too)
GROUPS: set[str] = set()


def _commands() -> dict[str, set[str]]:
    """Every command by its full name, with its option strings (groups too)."""
    out: dict[str, set[str]] = {}

    def walk(prefix: str, cmd) -> None:
        opts = {"--help", "-h"}
        for p in getattr(cmd, "params", ()):
            opts |= {*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())}
        out[prefix] = {o for o in opts if o.startswith("-")}
        if getattr(cmd, "commands", None) and not getattr(cmd, "invoke_without_command", False):
            GROUPS.add(prefix)
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(f"{prefix} {name}", sub)

    for name in COMMANDS:
        walk(name, load_command(name))
    return out


CMDS = _commands()


def _quoted(text: str) -> list[str]:
    text = re.sub(r"\\\n\s*", " ", text)  # shell line continuations
    found = [m.group(1) for m in re.finditer(r"`(ifnexus [^`]+)`", text)]
    blocks = re.findall(r"(?ms)^\s*```[^\n]*\n(.*?)^\s*```", text)
    for block in blocks:
        found += [m.group(1) for m in re.finditer(r"(?m)^\s*(?:\$ )?(ifnexus [^\n#]*)", block)]
    return found


def _resolve(words: list[str]) -> list[tuple[str, list[str]]]:
    """The command names a quoted line may mean (alternatives ``a/b``), with the rest."""
    first = DEPRECATED_COMMANDS.get(words[0], words[0])
    out = []
    for head in first.split("/"):
        rest = words[1:]
        if head == "trial" and rest and not rest[0].startswith("-"):
            if not all(f"trial {s}" in CMDS for s in rest[0].split("/")):
                rest = ["run", *rest]  # `ifnexus trial DESIGN.toml` runs the design
        subs = rest[0].split("/") if rest and f"{head} {rest[0].split('/')[0]}" in CMDS else []
        if subs:
            out += [(f"{head} {s}", rest[1:]) for s in subs]
        else:
            out.append((head, rest))
    return out


CASES = [
    pytest.param(page.name, line, id=f"{page.name}:{k}")
    for page in PAGES
    for k, line in enumerate(_quoted(page.read_text()))
    if line.split()[1] not in ("...",) and not line.split()[1].startswith("-")
]


def test_docs_quote_commands():
    assert len(CASES) > 100  # the pages do quote commands; the parser found them


@pytest.mark.parametrize(("page", "line"), CASES)
def test_quoted_command_exists(page, line):
    words = [w.strip("[]()|,") for w in line.split()[1:]]
    for name, rest in _resolve(words):
        assert name in CMDS, f"{page}: `{line}`: no command 'ifnexus {name}'"
        if name in GROUPS and rest and rest[0] not in ("...", "--help", "-h"):
            raise AssertionError(f"{page}: `{line}`: no command 'ifnexus {name} {rest[0]}'")
        for w in rest:
            for flag in w.split("=")[0].split("/"):
                if re.fullmatch(r"--?[A-Za-z][\w-]*", flag):
                    assert flag in CMDS[name], f"{page}: `{line}`: no option {flag} of {name!r}"
