"""Assemble one self-contained HTML page: inline CSS, figures as base64 PNG, no external links.

The page must open offline and in any browser, so nothing is fetched: no fonts, no scripts
from a CDN. Tables are rendered from DataFrames with escaped cells.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#12355b;color:#fff;padding:28px 40px}
header h1{margin:0 0 6px 0;font-size:26px}
header p{margin:0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:10px 30px 60px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:22px 0;padding:18px 26px}
section h2{margin-top:4px;color:#12355b;font-size:20px}
.intro{color:#444;max-width:900px}
figure{margin:18px 0}
figure img{max-width:100%;border:1px solid #e3e6ea;border-radius:4px}
.takeaway{font-weight:600;color:#0b6e4f;margin:6px 0 2px}
figcaption{color:#555;font-size:14px}
table{border-collapse:collapse;font-size:13px;margin:10px 0}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 10px;text-align:right}
th{background:#eef1f5}
td:first-child,th:first-child{text-align:left}
.kpis{display:flex;flex-wrap:wrap;gap:14px}
.kpi{background:#eef4fb;border-radius:6px;padding:10px 16px;min-width:150px}
.kpi b{display:block;font-size:22px;color:#12355b}
nav a{margin-right:14px;color:#12355b}
footer{color:#777;font-size:12px;text-align:center;margin-top:30px}
"""


@dataclass
class Figure:
    """A figure: PNG bytes, the one-line takeaway a clinician reads first, and a caption."""

    png: bytes
    takeaway: str
    caption: str = ""
    alt: str = ""


@dataclass
class Table:
    """A table with a title and an optional note."""

    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass
class Section:
    """A report section: title, intro paragraph, figures, tables."""

    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _table_html(t: Table) -> str:
    df = t.frame
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cells = []
        for v in r:
            if isinstance(v, float):
                txt = f"{v:.3g}" if abs(v) < 1e4 else f"{v:.3e}"
            else:
                txt = str(v)
            cells.append(f"<td>{html.escape(txt)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f"<p class='intro'>{html.escape(t.note)}</p>" if t.note else ""
    return (
        f"<h3>{html.escape(t.title)}</h3>{note}<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def render_html(
    title: str,
    subtitle: str,
    sections: list[Section],
    *,
    kpis: dict[str, str] | None = None,
    footer: str = "",
) -> str:
    """Return the report page as one HTML string with every figure embedded."""
    nav = " ".join(f"<a href='#{html.escape(s.key)}'>{html.escape(s.title)}</a>" for s in sections)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header><main>",
        f"<nav>{nav}</nav>",
    ]
    if kpis:
        parts.append("<section id='summary'><h2>Summary</h2><div class='kpis'>")
        for k, v in kpis.items():
            parts.append(f"<div class='kpi'><b>{html.escape(v)}</b>{html.escape(k)}</div>")
        parts.append("</div></section>")
    for s in sections:
        parts.append(f"<section id='{html.escape(s.key)}'><h2>{html.escape(s.title)}</h2>")
        if s.intro:
            parts.append(f"<p class='intro'>{html.escape(s.intro)}</p>")
        for f in s.figures:
            b64 = base64.b64encode(f.png).decode("ascii")
            parts.append(
                f"<figure><p class='takeaway'>{html.escape(f.takeaway)}</p>"
                f"<img class='fig' alt='{html.escape(f.alt or f.takeaway)}' src='data:image/png;base64,{b64}'>"
                f"<figcaption>{html.escape(f.caption)}</figcaption></figure>"
            )
        for t in s.tables:
            parts.append(_table_html(t))
        parts.append("</section>")
    parts.append(f"<footer>{html.escape(footer)}</footer></main></body></html>")
    return "".join(parts)
