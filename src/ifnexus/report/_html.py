"""Assemble one self-contained HTML page: inline CSS, figures as base64 PNG, no external links.

The page must open offline and in any browser, so nothing is fetched: no fonts, no scripts
from a CDN. Tables are rendered from DataFrames with escaped cells, human column headers and
one number format per column. A number quoted in the text is written with :meth:`Table.cite`:
it is the table's own formatted cell, marked with ``data-table``/``data-row``/``data-col`` so a
browser test can check it against the cell it cites. Text may use two bits of markdown,
```code``` and ``**bold**``; they are rendered, never shown raw.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#12355b;color:#fff;padding:28px 40px}
header h1{margin:0 0 6px 0;font-size:26px}
header p{margin:0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:10px 30px 60px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:22px 0;padding:18px 26px}
section h2{margin-top:4px;color:#12355b;font-size:20px}
h3{font-size:15px;margin:18px 0 4px;color:#12355b}
.intro{color:#444;max-width:900px}
figure{margin:18px 0}
figure img{max-width:100%;height:auto;border:1px solid #e3e6ea;border-radius:4px}
.takeaway{font-weight:600;color:#0b6e4f;margin:6px 0 2px}
.num{border-bottom:1px dotted #0b6e4f;cursor:help}
figcaption{color:#555;font-size:14px}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 10px;text-align:right;vertical-align:top}
th{background:#eef1f5}
td:first-child,th:first-child{text-align:left}
td.text,th.text{text-align:left}
.note{color:#555;font-size:13px;max-width:900px;margin:2px 0}
code{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:90%;background:#eef1f5;padding:0 3px;border-radius:3px}
.kpis{display:flex;flex-wrap:wrap;gap:14px}
.kpi{background:#eef4fb;border-radius:6px;padding:10px 16px;min-width:150px;max-width:240px}
.kpi b{display:block;font-size:22px;color:#12355b}
nav a{margin-right:14px;color:#12355b}
footer{color:#777;font-size:12px;text-align:center;margin-top:30px}
"""

# Private-use delimiters of a cited number inside text: START table SEP row SEP col SEP text END.
_START, _SEP, _END = "\x1e", "\x1f", "\x1d"
_CITE = re.compile(f"{_START}([^{_END}]*){_END}")

Formatter = Callable[[object], str]


def _is_missing(v: object) -> bool:
    """Whether a cell value is missing: None, ``pd.NA``, ``pd.NaT`` or a NaN of any float type.

    ``pd.isna`` covers the nullable dtypes' ``pd.NA`` (a "boolean" or "Int64" column's gap),
    numpy float NaNs of every width and NaT; anything list-like is a value, not a gap.
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        missing = pd.isna(v)
    except (TypeError, ValueError):
        return False
    return isinstance(missing, bool | np.bool_) and bool(missing)


def fmt_pct(v: object) -> str:
    """Format a fraction as a whole percentage: 0.4321 -> ``43%``."""
    return "n/a" if _is_missing(v) else f"{100 * float(v):.0f}%"  # type: ignore[arg-type]


def fmt_p(v: object) -> str:
    """Format a p-value: ``<0.001`` below 0.001, else three decimals.

    Examples
    --------
    >>> fmt_p(0.0004), fmt_p(0.1056), fmt_pct(0.4321)
    ('<0.001', '0.106', '43%')
    """
    if _is_missing(v):
        return "n/a"
    x = float(v)  # type: ignore[arg-type]
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def fmt_fixed(decimals: int) -> Formatter:
    """Return a formatter with a fixed number of decimals (``n/a`` for missing)."""

    def f(v: object) -> str:
        return "n/a" if _is_missing(v) else f"{float(v):.{decimals}f}"  # type: ignore[arg-type]

    return f


def fmt_int(v: object) -> str:
    """Format a count."""
    return "n/a" if _is_missing(v) else f"{int(round(float(v))):d}"  # type: ignore[arg-type]


def fmt_yesno(v: object) -> str:
    """Format a boolean as yes/no."""
    return "n/a" if _is_missing(v) else ("yes" if bool(v) else "no")


_FORMATS: dict[str, Formatter] = {
    "pct": fmt_pct,
    "p": fmt_p,
    "int": fmt_int,
    "yesno": fmt_yesno,
    "text": lambda v: "" if _is_missing(v) else str(v),
    "f1": fmt_fixed(1),
    "f2": fmt_fixed(2),
    "f3": fmt_fixed(3),
}


def _default_format(s: pd.Series) -> Formatter:
    if pd.api.types.is_bool_dtype(s):
        return fmt_yesno
    if pd.api.types.is_integer_dtype(s):
        return fmt_int
    if pd.api.types.is_float_dtype(s):
        return fmt_fixed(2)
    return _FORMATS["text"]


@dataclass
class Figure:
    """A figure: PNG bytes, the one-line takeaway a clinician reads first, and a caption.

    Parameters
    ----------
    png
        The image, PNG bytes.
    takeaway
        The one sentence a clinician reads first.
    caption
        What is shown: endpoint, population, units.
    alt
        Text alternative for screen readers (the takeaway when empty).
    """

    png: bytes
    takeaway: str
    caption: str = ""
    alt: str = ""


@dataclass
class Table:
    """A table with a title, an optional note, human headers and one format per column.

    Parameters
    ----------
    title
        Heading shown above the table; say the endpoint, time point and population.
    frame
        The data; its column names are the keys ``headers``, ``formats`` and :meth:`cite` use.
    note
        A sentence under the title.
    id
        The HTML id (``data-table`` of the numbers citing it); derived from the title if empty.
    headers
        Human column headers by column name (columns not listed keep their name).
    formats
        Per column a format name (``pct``, ``p``, ``int``, ``yesno``, ``text``, ``f1``, ``f2``,
        ``f3``) or a callable; by default integers as counts and floats with two decimals.
    key
        Columns whose values, joined by ``" / "``, name a row (default: the first column).
    lead
        A takeaway sentence shown above the table (may cite this and other tables).
    """

    title: str
    frame: pd.DataFrame
    note: str = ""
    id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str | Formatter] = field(default_factory=dict)
    key: list[str] = field(default_factory=list)
    lead: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:40]
        if not self.key:
            self.key = [str(self.frame.columns[0])]
        missing = [c for c in [*self.key, *self.formats, *self.headers] if c not in self.frame]
        if missing:
            raise KeyError(f"table {self.id!r}: no column(s) {missing} in {list(self.frame)}")

    def formatter(self, col: str) -> Formatter:
        """Return the formatter of column ``col``.

        Parameters
        ----------
        col
            The column name.

        Returns
        -------
        Callable
            The function that turns a value of the column into its text.
        """
        f = self.formats.get(col)
        if f is None:
            return _default_format(self.frame[col])
        return _FORMATS[f] if isinstance(f, str) else f

    def row_keys(self) -> list[str]:
        """Return the name of each row (key columns joined by ``" / "``).

        Returns
        -------
        list of str
            One key per row, in row order.
        """
        return [
            " / ".join(str(v) for v in vals)
            for vals in self.frame[self.key].itertuples(index=False, name=None)
        ]

    def cell(self, row: str, col: str) -> str:
        """Return the formatted text of the cell in row ``row`` (a row key) and column ``col``.

        Parameters
        ----------
        row
            The row's key, as :meth:`row_keys` gives it.
        col
            The column name.

        Returns
        -------
        str
            The cell as the table shows it.

        Raises
        ------
        KeyError
            No such row.
        """
        keys = self.row_keys()
        if row not in keys:
            raise KeyError(f"table {self.id!r}: no row {row!r} (rows: {keys})")
        return self.formatter(col)(self.frame[col].iloc[keys.index(row)])

    def value(self, row: str, col: str) -> object:
        """Return the raw value of a cell.

        Parameters
        ----------
        row
            The row's key, as :meth:`row_keys` gives it.
        col
            The column name.

        Returns
        -------
        object
            The value in ``frame``.
        """
        return self.frame[col].iloc[self.row_keys().index(row)]

    def cite(self, row: str, col: str) -> str:
        """Return the cell's text, marked in the page as a number quoted from this table.

        Parameters
        ----------
        row
            The row's key, as :meth:`row_keys` gives it.
        col
            The column name.

        Returns
        -------
        str
            The text with the citation marks the page renders (table and row on hover).
        """
        return f"{_START}{self.id}{_SEP}{row}{_SEP}{col}{_SEP}{self.cell(row, col)}{_END}"


@dataclass
class Section:
    """A report section: title, intro paragraph, figures, tables.

    Parameters
    ----------
    key
        Short id of the section (its HTML anchor).
    title
        Heading.
    intro
        Opening paragraph.
    figures, tables
        Shown in this order after the intro.
    lead_tables
        Shown right after the intro, before the figures (a table the reader needs first,
        such as one that reconciles this section's numbers with another's).
    """

    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    lead_tables: list[Table] = field(default_factory=list)


def plain_text(text: str) -> str:
    """``text`` as a reader sees it: citation marks and the markdown subset removed."""
    text = _CITE.sub(lambda m: m.group(1).split(_SEP)[-1], text)
    return text.replace("**", "").replace("`", "")


def inline(text: str) -> str:
    """Escape ``text`` for HTML and render citations, ```code``` and ``**bold**``."""
    out = html.escape(text)

    def cite(m: re.Match[str]) -> str:
        table, row, col, shown = m.group(1).split(_SEP)
        return (
            f"<span class='num' data-table='{table}' data-row='{row}' data-col='{col}' "
            f"title='from table {table}, row {row}'>{shown}</span>"
        )

    out = _CITE.sub(cite, out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _table_html(t: Table) -> str:
    df = t.frame
    cols = [str(c) for c in df.columns]
    fmts = {c: t.formatter(c) for c in cols}
    text_cols = {c for c in cols if not pd.api.types.is_numeric_dtype(df[c])}
    esc = html.escape
    head = "".join(
        f"<th data-col='{esc(c)}'{' class=text' if c in text_cols else ''}>"
        f"{esc(t.headers.get(c, c))}</th>"
        for c in cols
    )
    rows = []
    for key, (_, r) in zip(t.row_keys(), df.iterrows(), strict=True):
        cells = "".join(
            f"<td data-col='{esc(c)}'{' class=text' if c in text_cols else ''}>"
            f"{esc(fmts[c](r[c]))}</td>"
            for c in cols
        )
        rows.append(f"<tr data-row='{esc(key)}'>{cells}</tr>")
    note = f"<p class='note'>{inline(t.note)}</p>" if t.note else ""
    lead = f"<p class='takeaway lead'>{inline(t.lead)}</p>" if t.lead else ""
    return (
        f"<h3>{inline(t.title)}</h3>{lead}{note}<div class='table-wrap'><table id='{esc(t.id)}'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def render_html(
    title: str,
    subtitle: str,
    sections: list[Section],
    *,
    kpis: dict[str, str] | None = None,
    footer: str = "",
) -> str:
    """Return the report page as one HTML string with every figure embedded.

    Parameters
    ----------
    title, subtitle
        Page heading and the line under it.
    sections
        The sections, in order.
    kpis
        Summary tiles: label -> value (values may cite tables).
    footer
        Small print at the bottom.

    Returns
    -------
    str
        The complete HTML document.
    """
    ids = [t.id for s in sections for t in (*s.lead_tables, *s.tables)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"table ids must be unique in a report; repeated: {dupes}")
    nav = " ".join(f"<a href='#{html.escape(s.key)}'>{html.escape(s.title)}</a>" for s in sections)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1><p>{inline(subtitle)}</p></header><main>",
        f"<nav>{nav}</nav>",
    ]
    if kpis:
        parts.append("<section id='summary'><h2>Summary</h2><div class='kpis'>")
        for k, v in kpis.items():
            parts.append(f"<div class='kpi'><b>{inline(v)}</b>{inline(k)}</div>")
        parts.append("</div></section>")
    for s in sections:
        parts.append(f"<section id='{html.escape(s.key)}'><h2>{html.escape(s.title)}</h2>")
        if s.intro:
            parts.append(f"<p class='intro'>{inline(s.intro)}</p>")
        for t in s.lead_tables:
            parts.append(_table_html(t))
        for f in s.figures:
            b64 = base64.b64encode(f.png).decode("ascii")
            alt = html.escape(plain_text(f.alt or f.takeaway), quote=True)
            parts.append(
                f"<figure><p class='takeaway'>{inline(f.takeaway)}</p>"
                f"<img class='fig' alt='{alt}' src='data:image/png;base64,{b64}'>"
                f"<figcaption>{inline(f.caption)}</figcaption></figure>"
            )
        for t in s.tables:
            parts.append(_table_html(t))
        parts.append("</section>")
    parts.append(f"<footer>{inline(footer)}</footer></main></body></html>")
    return "".join(parts)
