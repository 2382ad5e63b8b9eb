"""HTML report assembly and figures: reads a study folder's results and runs no analysis."""

from ifnexus.report._build import build_report
from ifnexus.report._html import Figure, Section, Table, render_html

__all__ = ["Figure", "Section", "Table", "build_report", "render_html"]
