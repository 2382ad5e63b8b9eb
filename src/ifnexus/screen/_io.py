"""Reading MAGeCK-style count tables, sgRNA libraries and control lists, with strict validation.

A count table is what ``mageck count`` writes and ``mageck test -k`` reads: one row per sgRNA,
column 1 the sgRNA id, column 2 the gene, then one column per sample; tab-separated, or
comma-separated when the name ends in ``.csv`` (MAGeCK's rule). In memory it is a DataFrame
indexed by sgRNA id (index name ``sgRNA``) with a ``Gene`` column followed by the sample columns
as float64.

Orientation: count tables are guides x samples (rows sgRNAs, columns samples), in files and
in memory. It is the transpose of the cells/samples x genes matrices elsewhere in ifnexus, on
purpose: it is the layout of every MAGeCK, MAGeCKFlute and ScreenProcessing file screen users
read and write, and a table read here and written back is the same file. Unlike MAGeCK, which skips malformed lines with a log message, every malformed value
here is an error naming the file, line and column: a screen analysed on half its rows is worse
than no analysis.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._textfile import decode_text, first_line, read_text_bytes
from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError
from ifnexus.screen._count import (
    _CONTROL,
    MAX_ID_LENGTH,
    _sep_for,
    check_id,
    read_library_records,
)

logger = logging.getLogger(__name__)

__all__ = [
    "as_count_table",
    "merge_rank_summaries",
    "parse_samples",
    "read_control_list",
    "read_counts",
    "read_library",
]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


MAX_COUNT = float(2**53)
"""Largest read count accepted: beyond it float64 no longer holds every integer exactly."""


def read_counts(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a MAGeCK count table (``sgRNA``, ``Gene``, then one column per sample).

    Parameters
    ----------
    path
        TSV, or CSV when the name ends in ``.csv`` (optionally ``.gz``; gzip is recognised by
        content). UTF-8 text (a byte-order mark is dropped). The first line is a header unless
        all its sample fields are numbers (then samples are named ``0``, ``1``...).

    Returns
    -------
    DataFrame indexed by sgRNA id (index name ``sgRNA``) with column ``Gene`` (str) and one
    float64 column per sample, in file order.

    Raises
    ------
    InputFormatError
        Missing, empty or header-only file, text that is not UTF-8, a ``.gz`` name without
        gzip content or corrupt gzip data, fewer than three columns, a ragged line, an empty or
        duplicated sgRNA id, an empty gene, an id with a tab, newline or other control
        character or longer than :data:`~ifnexus.screen._count.MAX_ID_LENGTH`, a duplicated
        sample label, a non-numeric, negative, non-finite count or one above
        :data:`MAX_COUNT` (the message names the file, line and column).
    """
    p = Path(path)
    raw = read_text_bytes(p, "count table")
    sep = _sep_for(p)
    first = first_line(raw)
    if not raw.strip():
        raise InputFormatError(f"count table {p}: the file is empty")
    fields = first.split(sep)
    if len(fields) < 3:
        raise InputFormatError(
            f"count table {p}, line 1: expected sgRNA, Gene and at least one sample column "
            f"separated by {'commas' if sep == ',' else 'tabs'}, found {len(fields)} field(s)"
        )
    has_header = not all(_is_number(f) for f in fields[2:])
    fast = _read_counts_fast(p, raw, sep, fields, has_header)
    if fast is not None:
        return fast
    try:
        table = pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise InputFormatError(f"count table {p}: ragged line: {exc}") from None
    except pd.errors.EmptyDataError:
        raise InputFormatError(f"count table {p}: the file is empty") from None
    ncol = table.shape[1]
    if has_header:
        samples = [str(c).strip() for c in table.iloc[0, 2:]]
        table = table.iloc[1:].reset_index(drop=True)
    else:
        samples = [str(i) for i in range(ncol - 2)]
    if table.shape[0] == 0:
        raise InputFormatError(
            f"count table {p}: only a header line, no sgRNA rows (expected one row per sgRNA)"
        )
    if has_header and len(set(samples)) != len(samples):
        dup = sorted({s for s in samples if samples.count(s) > 1})
        raise InputFormatError(f"count table {p}, line 1: duplicated sample label(s) {dup}")
    if has_header:
        for c in samples:
            check_id(c, "sample label", f"count table {p}, line 1")
    offset = 2 if has_header else 1  # file line number of data row 0
    sg = table.iloc[:, 0].astype(str).to_numpy()
    gene = table.iloc[:, 1].astype(str).str.strip().to_numpy()
    empty = np.flatnonzero(gene == "")
    if empty.size:
        raise InputFormatError(
            f"count table {p}, line {empty[0] + offset}: empty gene id for sgRNA {sg[empty[0]]!r}"
        )
    bad_sg = np.flatnonzero(pd.Series(sg).str.strip().to_numpy() == "")
    if bad_sg.size:
        raise InputFormatError(f"count table {p}, line {bad_sg[0] + offset}: empty sgRNA id")
    _check_ids(sg, gene, lambda i: f"count table {p}, line {i + offset}")
    dup_mask = pd.Series(sg).duplicated(keep="first").to_numpy()
    if dup_mask.any():
        i = int(np.flatnonzero(dup_mask)[0])
        j = int(np.flatnonzero(sg == sg[i])[0])
        raise InputFormatError(
            f"count table {p}, line {i + offset}: duplicated sgRNA id {sg[i]!r} "
            f"(first seen on line {j + offset}); sgRNA ids must be unique"
        )
    values = np.empty((table.shape[0], ncol - 2), dtype=np.float64)
    for k in range(2, ncol):
        col = table.iloc[:, k]
        values[:, k - 2] = _count_column(
            col.str.strip(), col, InputFormatError,
            _cell(f"count table {p}", offset, samples[k - 2]),
        )  # fmt: skip
    df = pd.DataFrame(values, columns=samples)
    df.insert(0, "Gene", gene)
    df.index = pd.Index(sg, name="sgRNA")
    df.attrs["source"] = str(p)
    return df


def _check_ids(sg: np.ndarray, gene: np.ndarray, where: Callable[[int], str]) -> None:
    """Refuse the first sgRNA id or gene with a control character or over the length limit.

    Vectorised screen first (one joined string per column), the row found afterwards.
    """
    for what, col in (("sgRNA id", sg), ("gene", gene)):
        vals = [str(v) for v in col.tolist()]
        long = max((len(v) for v in vals), default=0) > MAX_ID_LENGTH
        if long or _CONTROL.search("".join(vals)):
            for i, v in enumerate(vals):
                check_id(v, what, where(i))


def _cell(
    prefix: str, offset: int | None, column: str, ids: pd.Index | None = None
) -> Callable[[int], str]:
    """Return a function naming a cell of a count table by row (line number or sgRNA id)."""

    def where(i: int) -> str:
        row = f"sgRNA {ids[i]!r}" if ids is not None else f"line {i + (offset or 0)}"
        return f"{prefix}, {row}, column {column!r}"

    return where


def _count_column(
    values: pd.Series, raw: pd.Series, exc: type[Exception], where: Callable[[int], str]
) -> np.ndarray:
    """Convert one sample column of counts to float64.

    The first non-numeric, non-finite, negative or too large (> :data:`MAX_COUNT`) value
    raises ``exc`` naming its place (``where(row)``) and the ``raw`` text it came from.
    """
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    for bad, what in (
        (~np.isfinite(num), "expected a finite read count"),
        (num < 0, "read counts cannot be negative"),
        (num > MAX_COUNT, f"a read count above {MAX_COUNT:.0f} (2^53) is not exact in float64"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            v = raw.iloc[i]
            raise exc(f"{where(i)}: {what}, found {repr(v) if isinstance(v, str) else v}")
    return num


def _read_counts_fast(
    p: Path, raw_bytes: bytes, sep: str, fields: list[str], has_header: bool
) -> pd.DataFrame | None:
    """Typed read for well-formed tables; None sends the caller to the diagnosing slow path."""
    ncol = len(fields)
    try:
        raw = pd.read_csv(
            io.BytesIO(raw_bytes),
            sep=sep,
            header=None,
            skiprows=1 if has_header else 0,
            dtype={0: str, 1: str, **{k: np.float64 for k in range(2, ncol)}},
            keep_default_na=False,
            na_values=[],
            engine="c",
        )
    except (ValueError, pd.errors.ParserError):
        return None
    if raw.shape[1] != ncol or raw.shape[0] == 0:
        return None
    vals = raw.iloc[:, 2:].to_numpy(dtype=np.float64)
    sg = raw.iloc[:, 0].to_numpy(dtype=object)
    gene = raw.iloc[:, 1].to_numpy(dtype=object)
    if (
        not np.isfinite(vals).all()
        or (vals < 0).any()
        or (vals > MAX_COUNT).any()
        or pd.isna(sg).any()
        or pd.isna(gene).any()
        or (gene == "").any()
        or pd.Index(sg).has_duplicates
    ):
        return None
    samples = [f.strip() for f in fields[2:]] if has_header else [str(i) for i in range(ncol - 2)]
    if len(set(samples)) != len(samples) or any(_bad_id(s) for s in samples):
        return None
    # ids are checked before any numpy string conversion: numpy pads every string to the
    # longest, so one 1 MB id would make the table n MB (the ids are str already here)
    if _any_bad_ids(sg) or _any_bad_ids(gene):
        return None
    df = pd.DataFrame(vals, columns=samples)
    df.insert(0, "Gene", pd.array(gene, dtype=object))
    df.index = pd.Index(sg, name="sgRNA", dtype=object)
    df.attrs["source"] = str(p)
    return df


def _bad_id(v: str) -> bool:
    return not v.strip() or len(v) > MAX_ID_LENGTH or _CONTROL.search(v) is not None


def _any_bad_ids(col: np.ndarray) -> bool:
    """Whether any id is blank, has a control character or is over the length limit.

    One pass of C-level string work over the column (a genome-wide table in a few ms): the
    lengths, one regex search over the joined ids, then the rare all-blank id.
    """
    vals = col.tolist()
    if not vals:
        return False
    lens = list(map(len, vals))
    if max(lens) > MAX_ID_LENGTH or min(lens) == 0:
        return True
    if _CONTROL.search("".join(vals)):
        return True
    return any(map(str.isspace, vals))


def as_count_table(counts: pd.DataFrame, *, name: str = "counts") -> pd.DataFrame:
    """Validate an in-memory count table and return it in canonical form (a copy).

    Accepts either the canonical form (index = sgRNA ids, a ``Gene`` column, sample columns) or
    a table with ``sgRNA`` and ``Gene`` columns, as ``pandas.read_csv`` gives for a MAGeCK file.
    The ids and counts are checked as :func:`read_counts` checks them (no control characters,
    at most :data:`~ifnexus.screen._count.MAX_ID_LENGTH` characters, counts finite, >= 0 and
    <= :data:`MAX_COUNT`), with a :class:`ValidationError` naming the row.

    Parameters
    ----------
    counts
        The count table, canonical or with ``sgRNA`` and ``Gene`` columns.
    name
        What to call the table in error messages.

    Returns
    -------
    pandas.DataFrame
        A copy in canonical form: index the sgRNA ids, a ``Gene`` column, one int column per
        sample.
    """
    if not isinstance(counts, pd.DataFrame):
        raise ValidationError(f"{name} must be a pandas DataFrame, got {type(counts).__name__}")
    df = counts.copy()
    if "sgRNA" in df.columns:
        df = df.set_index("sgRNA")
    if "Gene" not in df.columns:
        raise ValidationError(
            f"{name} has no 'Gene' column; expected MAGeCK's layout (sgRNA, Gene, samples...)"
        )
    samples = [c for c in df.columns if c != "Gene"]
    if not samples:
        raise ValidationError(f"{name} has no sample columns after 'Gene'")
    df.index = pd.Index(df.index.astype(str), name="sgRNA")
    if df.index.has_duplicates:
        dup = df.index[df.index.duplicated()][0]
        raise ValidationError(f"{name}: duplicated sgRNA id {dup!r}; sgRNA ids must be unique")
    out = pd.DataFrame(index=df.index)
    out["Gene"] = df["Gene"].astype(str).to_numpy()
    _check_ids(
        df.index.to_numpy(dtype=object),
        out["Gene"].to_numpy(dtype=object),
        lambda i: f"{name}, row {i} (sgRNA {str(df.index[i])[:40]!r})",
    )
    for s in samples:
        out[str(s)] = _count_column(
            df[s], df[s], ValidationError,
            _cell(name, None, str(s), df.index),
        )  # fmt: skip
    out.attrs.update(counts.attrs)
    return out


def parse_samples(spec: str | int | Sequence[str | int], samples: Sequence[str]) -> list[int]:
    """Resolve sample labels or 0-based indices (MAGeCK's ``-t``/``-c`` syntax) to indices.

    ``spec`` is a comma-separated string (``"HL60.final,KBM7.final"`` or ``"2,3"``), one label,
    one index, or a sequence of them. Labels win over indices when a label is itself a number.

    Parameters
    ----------
    spec
        The labels or indices, as described above.
    samples
        The sample labels of the count table, in column order.

    Returns
    -------
    list of int
        0-based positions in ``samples``.
    """
    if isinstance(spec, str):
        items: list[str | int] = [s.strip() for s in spec.split(",") if s.strip() != ""]
    elif isinstance(spec, int | np.integer):
        items = [int(spec)]
    else:
        items = list(spec)
    if not items:
        raise ValidationError("an empty sample list was given")
    labels = [str(s) for s in samples]
    out: list[int] = []
    for it in items:
        if isinstance(it, str) and it in labels:
            out.append(labels.index(it))
            continue
        try:
            idx = int(it)
        except (TypeError, ValueError):
            raise UnknownNameError(
                f"sample label {it!r} is not in the count table header; known labels: "
                f"{', '.join(labels)}"
            ) from None
        if not 0 <= idx < len(labels):
            raise UnknownNameError(
                f"sample index {idx} is out of range: the table has {len(labels)} samples "
                f"({', '.join(labels)})"
            )
        out.append(idx)
    if len(set(out)) != len(out):
        raise ValidationError(f"sample list {items!r} names a sample twice")
    return out


def read_library(path: str | os.PathLike[str], *, reverse_complement: bool = False) -> pd.DataFrame:
    """Read an sgRNA library file as a table.

    The rules are those of :func:`ifnexus.screen._count.read_library_records` (MAGeCK's
    ``mageck count -l``).

    Parameters
    ----------
    path
        The library file (CSV or tab-separated: id, sequence, gene).
    reverse_complement
        Store the reverse complement of each sequence (MAGeCK's ``--reverse-complement``).

    Returns
    -------
    pandas.DataFrame
        Columns ``sgRNA``, ``sequence``, ``Gene`` in file order.
    """
    ids, seqs, genes = read_library_records(path, reverse_complement=reverse_complement)
    return pd.DataFrame({"sgRNA": ids, "sequence": seqs, "Gene": genes})


def read_control_list(path: str | os.PathLike[str]) -> list[str]:
    """Read a list of ids (control sgRNAs or control genes), one per line; blank lines ignored.

    Parameters
    ----------
    path
        The list file (plain or ``.gz``).

    Returns
    -------
    list of str
        The ids, in file order.

    Raises
    ------
    InputFormatError
        A missing or empty file, text that is not UTF-8, a ``.gz`` name without gzip content,
        or a line with a tab (this is a list, not a table).
    """
    p = Path(path)
    text = decode_text(p, "control list")
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        item = line.strip()
        if not item:
            continue
        check_id(item, "id", f"control list {p}, line {n}")
        out.append(item)
    if not out:
        raise InputFormatError(f"control list {p}: no ids found")
    return out


def merge_rank_summaries(
    first: str | os.PathLike[str],
    second: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    first_prefix: str = "",
    second_prefix: str = "",
) -> Path:
    """Join two gene summaries side by side, as MAGeCK does for several comparisons.

    Reproduces ``fileOps.merge_rank_summary_files``: rows in the order of ``first``; the
    header's columns after ``id`` and ``num`` get ``first_prefix`` / ``second_prefix``; each row
    is the ``first`` row then the ``second`` row's columns after ``num``; genes missing from
    either file are left out. Written atomically (``out`` may be ``first``).

    Parameters
    ----------
    first, second
        The two ``gene_summary.txt`` files.
    out
        The merged file to write.
    first_prefix, second_prefix
        Prefixes of the two files' columns after ``id`` and ``num``.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    from ifnexus._io import atomic_open

    def rows(path: Path) -> tuple[list[str], list[list[str]]]:
        with open(path, encoding="utf-8") as fh:
            lines = [ln.split() for ln in fh]
        if not lines:
            raise InputFormatError(f"gene summary {path}: empty file")
        for n, f in enumerate(lines[1:], start=2):
            if len(f) < 4:
                raise InputFormatError(f"gene summary {path}, line {n}: fewer than 4 fields")
        return lines[0], lines[1:]

    h1, r1 = rows(Path(first))
    h2, r2 = rows(Path(second))
    h1 = h1[:2] + [first_prefix + t for t in h1[2:]]
    h2 = h2[:2] + [second_prefix + t for t in h2[2:]]
    table = {r[0]: r[1:] for r in r1}
    order = [r[0] for r in r1]
    njoin = 0
    for r in r2:
        gid = r[0]
        if gid not in table:
            logger.warning("%s appears in %s but not in %s; left out", gid, second, first)
            continue
        same = int(table[gid][0]) == int(r[1])
        table[gid] = table[gid] + r[2:]
        if same:
            njoin = len(table[gid])
    lines = ["\t".join(h1) + "\t" + "\t".join(h2[2:])]
    lines += ["\t".join([g, *table[g]]) for g in order if len(table[g]) == njoin]
    with atomic_open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(out)


_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_POW10 = 10.0 ** np.arange(-22, 23)  # exact doubles
_G5: dict[str, np.ndarray] = {}


def _g5_tables() -> dict[str, np.ndarray]:
    """Build the character tables for five significant digits m = 10000..99999 (once, ~10 MB).

    ``fixed``: the fixed-notation body for each exponent -4..4 (row (X + 4) * 90000 + m -
    10000, 11 bytes); ``mant``: "d.dddd" for scientific notation; ``exp``: "e+XX" / "e-XXX"
    for exponents -400..400 (row X + 400). Trailing zeros and a bare point are zero bytes.
    """
    if _G5:
        return _G5
    m = np.arange(10000, 100000)
    dig = np.stack([(m // 10**p) % 10 for p in range(4, -1, -1)], axis=1)
    ch = _DIGITS[dig]
    tz = np.zeros(m.shape[0], dtype=np.int64)  # trailing zeros among the five digits
    run = np.ones(m.shape[0], dtype=bool)
    for j in range(4, 0, -1):
        run &= dig[:, j] == 0
        tz += run
    fixed = np.zeros((9, m.shape[0], 11), dtype=np.uint8)
    for xe in range(-4, 5):
        f = fixed[xe + 4]
        if xe >= 0:
            f[:, : xe + 1] = ch[:, : xe + 1]
            if xe < 4:
                f[:, xe + 1] = ord(".")
                f[:, xe + 2 : 6] = ch[:, xe + 1 :]
                for i in range(xe + 1, 5):  # strip trailing zeros
                    f[tz >= 5 - i, xe + 1 + i - xe] = 0
                f[tz >= 4 - xe, xe + 1] = 0  # nothing after the point: no point
        else:
            nz = -xe - 1
            f[:, 0] = ord("0")
            f[:, 1] = ord(".")
            f[:, 2 : 2 + nz] = ord("0")
            f[:, 2 + nz : 7 + nz] = ch
            for i in range(1, 5):
                f[tz >= 5 - i, 2 + nz + i] = 0
    mant = np.zeros((m.shape[0], 6), dtype=np.uint8)
    mant[:, 0] = ch[:, 0]
    mant[:, 1] = ord(".")
    mant[:, 2:] = ch[:, 1:]
    for i in range(1, 5):
        mant[tz >= 5 - i, 1 + i] = 0
    mant[tz == 4, 1] = 0
    xs = np.arange(-400, 401)
    exp = np.zeros((xs.shape[0], 5), dtype=np.uint8)
    for i, x in enumerate(xs.tolist()):
        b = (f"e{x:+03d}").encode("ascii")
        exp[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    _G5["fixed"] = np.ascontiguousarray(fixed.reshape(-1, 11)).view("V11").ravel()
    _G5["mant"] = mant
    _G5["exp"] = exp
    return _G5


def g5_chars(x: np.ndarray) -> np.ndarray:
    """``"%.5g" % v`` for every value of ``x``, as a (n, 12) uint8 array padded with zeros.

    MAGeCK prints its sgRNA table with ``{:.5g}``; formatting 2-3 million numbers one by one
    takes most of a second, so the common case is done with array arithmetic: the value scaled
    to five significant digits (one correctly rounded multiplication by an exact power of ten)
    is rounded and its characters are read from tables; values within a few ulps of a rounding
    tie, outside the exact powers of ten, or not finite fall back to Python's formatting. The
    result is byte-identical to ``"%.5g" % v``.
    """
    tab = _g5_tables()
    v = np.asarray(x, dtype=np.float64).ravel()
    n = v.shape[0]
    a = np.abs(v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.floor(np.log10(a))
        e = np.where(np.isfinite(e), e, 0.0).astype(np.int64)
        s = a * _POW10[np.clip(4 - e, -22, 22) + 22]
        near = np.abs(s - 99999.5) < s * 8e-16  # the exponent itself depends on a tie
        near |= np.abs(s - 9999.5) < s * 8e-16
        e -= s < 9999.5
        e += s >= 99999.5
        k = 4 - e
        s = a * _POW10[np.clip(k, -22, 22) + 22]
        m = np.rint(s)
        frac = s - np.floor(s)
    nonzero = a > 0
    slow = (
        ~np.isfinite(v)
        | near
        | (
            nonzero
            & ((k < -22) | (k > 22) | (np.abs(frac - 0.5) < s * 8e-16) | (m < 10000) | (m > 99999))
        )
    )
    idx = np.where(slow | ~nonzero, 0, m - 10000).astype(np.int64)
    fx = (e >= -4) & (e <= 4)
    out = np.zeros((n, 12), dtype=np.uint8)
    body = tab["fixed"][np.where(fx, (e + 4) * 90000 + idx, 0)].view(np.uint8).reshape(n, 11)
    sci = np.flatnonzero(~fx & ~slow & nonzero)
    if sci.size:
        body[sci, :6] = tab["mant"][idx[sci]]
        body[sci, 6:11] = tab["exp"][np.clip(e[sci], -400, 400) + 400]
    zero = np.flatnonzero(~nonzero & ~slow)
    body[zero] = 0
    body[zero, 0] = ord("0")
    out[:, 1:] = body
    out[np.signbit(v), 0] = ord("-")
    for i in np.flatnonzero(slow).tolist():
        b = f"{float(v[i]):.5g}".encode("ascii")
        out[i] = 0
        out[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    return out
