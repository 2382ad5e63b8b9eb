"""HTML report assembly and figures: reads a study folder's results and runs no analysis."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> its module under ifnexus.report, imported on first use (PEP 562): importing
# ifnexus.report (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "build_report": "_build",
    "Figure": "_html",
    "Section": "_html",
    "Table": "_html",
    "render_html": "_html",
}

__all__ = [
    "Figure",
    "Section",
    "Table",
    "build_report",
    "render_html",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.report._build import build_report
    from ifnexus.report._html import Figure, Section, Table, render_html


def __getattr__(name: str) -> Any:
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
