"""HTML report assembly and figures: reads a study folder's results and runs no analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
