"""Chunked FASTQ / FASTQ.gz reading into numpy byte arrays, with record validation.

Reads are never turned into Python strings: each chunk is one ``uint8`` array plus the start and
length of every sequence line, which is what the vectorised guide matching in
:mod:`ifnexus.screen._count` needs. Blocks are 4 MiB so the newline search and the
gathers that follow stay in the CPU cache, and the same buffer is refilled with ``readinto``.
Every record is checked (``@`` header, ``+`` separator, sequence and quality of equal length, no
truncated record at the end of the file); a malformed record is an :class:`InputFormatError`
naming the file and the record number.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ifnexus.errors import InputFormatError

__all__ = ["MAX_LINE_BYTES", "SLACK", "SeqChunk", "iter_fastq"]

_CHUNK_BYTES = 1 << 22
MAX_LINE_BYTES = 1 << 20
"""Longest FASTQ line accepted (1 MiB); a longer one is refused instead of buffered."""
SLACK = 64  # bytes after the data that a window gather may touch (their values are masked)


@dataclass
class SeqChunk:
    """A block of reads: ``buf`` holds the bytes, ``start``/``length`` the sequence lines.

    ``buf`` is valid until the next chunk is requested (the reader reuses it) and has at least
    :data:`SLACK` readable bytes after the last record.
    """

    buf: np.ndarray
    start: np.ndarray
    length: np.ndarray
    first_read: int  # 0-based index of the first read of this chunk in the file


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    if path.name.lower().endswith(".gz"):
        raise InputFormatError(
            f"FASTQ {path}: the name ends in .gz but the content is not gzip-compressed (it "
            f"starts with {magic!r}); remove .gz from the name or compress the file"
        )
    return open(path, "rb", buffering=0)


def _strip_tail(data: bytearray, n: int) -> int:
    """Length of ``data[:n]`` without trailing blank lines, ending in one newline (0 if empty)."""
    k = n
    while k > 0 and data[k - 1] in (10, 13):
        k -= 1
    if k == 0:
        return 0
    data[k] = 10
    return k + 1


def iter_fastq(
    path: str | os.PathLike[str], *, max_reads: int | None = None, chunk_bytes: int = _CHUNK_BYTES
) -> Iterator[SeqChunk]:
    """Yield :class:`SeqChunk` blocks of a FASTQ file (plain or gzip, detected by content).

    Parameters
    ----------
    path
        FASTQ or FASTQ.gz.
    max_reads
        Stop after this many reads (MAGeCK's trim-5 detection looks at the first 100,000).
    chunk_bytes
        Bytes read per block (the block grows when one record is longer).

    Raises
    ------
    InputFormatError
        Missing file, empty file, a name ending in ``.gz`` whose content is not gzip, corrupt
        or truncated gzip data, a line longer than :data:`MAX_LINE_BYTES`, or a malformed /
        truncated record (named by number).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFormatError(f"FASTQ {p}: file not found")
    try:
        fh = _open(p)
    except OSError as exc:
        raise InputFormatError(f"FASTQ {p}: cannot open ({exc})") from None
    size = max(int(chunk_bytes), 256)
    data = bytearray(size + SLACK)
    nread = 0
    left = 0
    with fh:
        eof = False
        while not eof:
            try:
                got = fh.readinto(memoryview(data)[left:size])
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise InputFormatError(
                    f"FASTQ {p}: corrupt or truncated compressed data after record {nread} ({exc})"
                ) from None
            n = left + got
            if got == 0 and n < size:
                eof = True
                n = _strip_tail(data, n)
                if n == 0:
                    break
            arr = np.frombuffer(data, dtype=np.uint8)
            nl = np.flatnonzero(arr[:n] == 10)
            nlines = nl.shape[0]
            if eof:
                _check_line_lengths(p, arr, nl, n, nread)
            if eof and nlines % 4:
                raise InputFormatError(
                    f"FASTQ {p}: truncated record {nread + nlines // 4 + 1} at the end of the "
                    f"file ({nlines % 4} of 4 lines present)"
                )
            use = nlines - nlines % 4
            if max_reads is not None:
                use = min(use, (max_reads - nread) * 4)
            if use == 0 and not eof:
                if n >= size:  # one record longer than the block: grow it
                    _check_line_lengths(p, arr, nl, n, nread)
                    size *= 2
                    bigger = bytearray(size + SLACK)
                    bigger[:n] = data[:n]
                    data = bigger
                left = n
                continue
            if use > 0:
                has_cr = data.find(b"\r", 0, n) >= 0
                yield SeqChunk(arr, *_records(p, arr, nl[:use], nread, has_cr), nread)
                nread += use // 4
            if max_reads is not None and nread >= max_reads:
                return
            cut = int(nl[use - 1]) + 1 if use > 0 else 0
            left = n - cut
            if left:
                data[:left] = data[cut:n]
    if nread == 0:
        raise InputFormatError(f"FASTQ {p}: no reads found")


def _check_line_lengths(p: Path, arr: np.ndarray, nl: np.ndarray, n: int, nread: int) -> None:
    """Refuse a line longer than :data:`MAX_LINE_BYTES` among the ``n`` bytes buffered."""
    ends = np.append(nl, n)
    starts = np.concatenate([[0], nl + 1])
    long = np.flatnonzero(ends - starts > MAX_LINE_BYTES)
    if long.size:
        k = int(long[0])
        raise InputFormatError(
            f"FASTQ {p}: line {4 * nread + k + 1} (record {nread + k // 4 + 1}) is longer than "
            f"the limit of {MAX_LINE_BYTES} bytes; is this a FASTQ file?"
        )


def _records(
    p: Path, arr: np.ndarray, ends: np.ndarray, nread: int, has_cr: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the records whose line ends are ``ends``; return sequence starts and lengths.

    An empty header or '+' line shows up as a newline where '@' or '+' should be, so the
    first-byte checks cover it.
    """
    lens = np.diff(ends, prepend=-1) - 1
    if lens.max(initial=0) > MAX_LINE_BYTES:
        _check_line_lengths(p, arr, ends, int(ends[-1]), nread)
    e = ends.reshape(-1, 4)
    s1 = e[:, 0] + 1
    l1 = e[:, 1] - s1
    # the byte after each '+'-line start and after each quality line: '+' then the next '@'
    nxt = arr[ends[1::2] + 1]
    pairs = nxt.view(np.uint16)  # little-endian: '+' (0x2B) low byte, '@' (0x40) high byte
    bad = pairs != 0x402B
    bad[-1] = nxt[-2] != 43  # the last record's next header lies in the next chunk
    bad_first = arr[0] != 64
    if has_cr:  # Windows line ends: lengths without the '\r'
        l3 = e[:, 3] - e[:, 2] - 1
        l1 = l1 - ((l1 > 0) & (arr[np.maximum(e[:, 1] - 1, 0)] == 13))
        l3 = l3 - ((l3 > 0) & (arr[np.maximum(e[:, 3] - 1, 0)] == 13))
        bad_q = l1 != l3
    else:
        bad_q = (e[:, 1] - e[:, 0]) != (e[:, 3] - e[:, 2])
    if bad_first or bad.any() or bad_q.any():
        # record k is bad for its own '@' (flag of record k-1), its '+' or its lengths
        bad_h = np.empty(e.shape[0], dtype=bool)
        bad_h[0] = bad_first
        bad_h[1:] = nxt[1:-1:2] != 64
        bad_p = nxt[0::2] != 43
        k = int(np.flatnonzero(bad_h | bad_p | bad_q)[0])
        what = (
            "header line does not start with '@'"
            if bad_h[k]
            else "third line does not start with '+'"
            if bad_p[k]
            else "sequence and quality lengths differ"
        )
        raise InputFormatError(f"FASTQ {p}: malformed record {nread + k + 1}: {what}")
    return s1, l1
