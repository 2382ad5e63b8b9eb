"""The one reader of the outcome commands' tables (clinical and feature CSV/TSV files).

The separator comes from the file name (``.csv`` comma; ``.tsv``, ``.tab``, ``.txt`` tab; the
same with ``.gz``), else from the header line alone (tab, comma or semicolon, whichever occurs;
a header holding none of them is one column). The text goes through
:func:`ifnexus._textfile.read_text_bytes` first (gzip by content, a ``.gz`` name that is not
gzip, non-UTF-8 text and NUL bytes are errors naming the line and byte). Then every row must
have as many fields as the header (a short or long row is an error naming its line), the header
must not repeat a column name or leave one empty (but the first, an unnamed index
column as pandas writes it, which is called ``Unnamed: 0``), and there must be at least one data row.
Every failure is an :class:`~ifnexus.errors.InputFormatError` naming the file.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from ifnexus._textfile import read_text_bytes
from ifnexus.errors import InputFormatError

__all__ = ["MAX_TABLE_BYTES", "read_outcome_table", "table_separator"]

#: Largest table read (after decompression): 1 GiB; a clinical table is a few megabytes.
MAX_TABLE_BYTES = 1 << 30

_SEP_BY_SUFFIX = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
_SEP_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}


def table_separator(name: str, header: str) -> str:
    r"""Return the field separator of a table called ``name`` whose first line is ``header``.

    By extension (``.csv`` -> ``,``; ``.tsv``/``.tab``/``.txt`` -> tab; a trailing ``.gz`` is
    ignored), else the first of tab, comma and semicolon found in the header (comma when none:
    a one-column table).

    Examples
    --------
    >>> table_separator("clinical.tsv", "id,time")
    '\t'
    >>> table_separator("clinical.dat", "id;time;event")
    ';'
    """
    low = name.lower().removesuffix(".gz")
    for suffix, sep in _SEP_BY_SUFFIX.items():
        if low.endswith(suffix):
            return sep
    for sep in ("\t", ",", ";"):
        if sep in header:
            return sep
    return ","


def read_outcome_table(
    path: str | os.PathLike[str], *, what: str = "table", min_columns: int = 2
) -> pd.DataFrame:
    """Read a clinical or feature table (CSV or TSV, optionally gzipped) strictly.

    Parameters
    ----------
    path
        The file.
    what
        What the file holds, for messages (``"clinical table"``, ``"feature table"``).
    min_columns
        The fewest columns accepted.

    Returns
    -------
    pandas.DataFrame
        One row per data line, columns as in the header, types inferred by pandas.

    Raises
    ------
    InputFormatError
        Missing or unreadable file, bad gzip, text that is not UTF-8, an empty file, a header
        without data rows, an empty or repeated column name, fewer than ``min_columns``
        columns, a row with more or fewer fields than the header, a file over 1 GiB, or an
        unterminated quote; the message names the file and, where there is one, the line.
    """
    p = Path(path)
    if p.is_file() and p.stat().st_size > MAX_TABLE_BYTES:
        raise InputFormatError(
            f"{what} {p}: {p.stat().st_size} bytes, over the limit of {MAX_TABLE_BYTES} bytes"
        )
    raw = read_text_bytes(p, what)
    if len(raw) > MAX_TABLE_BYTES:
        raise InputFormatError(
            f"{what} {p}: {len(raw)} bytes once decompressed, over the limit of "
            f"{MAX_TABLE_BYTES} bytes"
        )
    text = raw.decode("utf-8")
    if not text.strip():
        raise InputFormatError(f"{what} {p}: the file is empty; expected a header line and rows")
    header_line = text.split("\n", 1)[0].rstrip("\r")
    sep = table_separator(p.name, header_line)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        header = next(rows)
        n = len(header)
        names = [h.strip() for h in header]
        if n < min_columns:
            raise InputFormatError(
                f"{what} {p}, line 1: {n} column with the {_SEP_NAMES[sep]} separator; "
                f"expected a header of at least {min_columns} columns (is the separator right? "
                f".csv files are comma-separated, .tsv/.txt tab-separated)"
            )
        if not names[0]:  # pandas' to_csv of an unnamed index: its column, as pandas names it
            names[0] = "Unnamed: 0"
        empty = [i + 1 for i, h in enumerate(names) if not h]
        if empty:
            raise InputFormatError(
                f"{what} {p}, line 1: column {empty[0]} has no name; every column needs one"
            )
        dup = sorted({h for h in names if names.count(h) > 1})
        if dup:
            raise InputFormatError(
                f"{what} {p}, line 1: repeated column name(s) {dup}; column names must be unique"
            )
        n_rows = 0
        for row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if len(row) != n:
                raise InputFormatError(
                    f"{what} {p}, line {rows.line_num}: {len(row)} fields, expected {n} as in "
                    f"the header ({_SEP_NAMES[sep]}-separated)"
                )
            n_rows += 1
    except csv.Error as exc:
        raise InputFormatError(f"{what} {p}, line {rows.line_num}: {exc}") from None
    if n_rows == 0:
        raise InputFormatError(f"{what} {p}: a header ({', '.join(names[:6])}) but no data rows")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError) as exc:  # pragma: no cover - checked above
        raise InputFormatError(f"{what} {p}: cannot read as a table ({exc})") from None
    df.columns = pd.Index(names)
    return df
