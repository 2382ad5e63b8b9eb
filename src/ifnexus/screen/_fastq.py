"""Chunked FASTQ / FASTQ.gz reading into numpy byte arrays, with record validation.

Reads are never turned into Python strings: each chunk is one ``uint8`` array plus the start and
length of every sequence line, which is what the vectorised guide matching in
:mod:`ifnexus.screen._count` needs. Every record is checked (``@`` header, ``+`` separator,
sequence and quality of equal length, no truncated record at the end of the file); a malformed
record is an :class:`InputFormatError` naming the file and the record number.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ifnexus._errors import InputFormatError

__all__ = ["SeqChunk", "iter_fastq"]

_CHUNK_BYTES = 1 << 25


@dataclass
class SeqChunk:
    """A block of reads: ``buf`` holds the bytes, ``start``/``length`` the sequence lines."""

    buf: np.ndarray
    start: np.ndarray
    length: np.ndarray
    first_read: int  # 0-based index of the first read of this chunk in the file


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


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
        Bytes read per block.

    Raises
    ------
    InputFormatError
        Missing file, empty file, or a malformed / truncated record (named by number).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFormatError(f"FASTQ {p}: file not found")
    nread = 0
    leftover = b""
    try:
        fh = _open(p)
    except OSError as exc:
        raise InputFormatError(f"FASTQ {p}: cannot open ({exc})") from None
    with fh:
        eof = False
        while not eof:
            try:
                data = fh.read(chunk_bytes)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise InputFormatError(
                    f"FASTQ {p}: corrupt or truncated compressed data after record {nread} ({exc})"
                ) from None
            eof = not data
            buf = leftover + data
            if not buf:
                break
            arr = np.frombuffer(buf, dtype=np.uint8)
            nl = np.flatnonzero(arr == 10)
            if eof and arr[-1] != 10:
                nl = np.append(nl, arr.shape[0])
            nlines = nl.shape[0]
            if eof:
                # ignore blank lines at the very end
                starts_all = np.concatenate([[0], nl[:-1] + 1])
                while nlines > 0 and nl[nlines - 1] - starts_all[nlines - 1] <= (
                    1 if arr[nl[nlines - 1] - 1 : nl[nlines - 1]].tobytes() == b"\r" else 0
                ):
                    nlines -= 1
                if nlines % 4:
                    raise InputFormatError(
                        f"FASTQ {p}: truncated record {nread + nlines // 4 + 1} at the end of the "
                        f"file ({nlines % 4} of 4 lines present)"
                    )
            use = nlines - nlines % 4
            if max_reads is not None:
                use = min(use, (max_reads - nread) * 4)
            if use > 0:
                ends = nl[:use]
                starts = np.empty(use, dtype=np.int64)
                starts[0] = 0
                starts[1:] = ends[:-1] + 1
                last = arr.shape[0] - 1
                h0, p0 = starts[0::4], starts[2::4]
                s1, e1 = starts[1::4], ends[1::4]
                s3, e3 = starts[3::4], ends[3::4]
                l1 = e1 - s1
                l1 -= (l1 > 0) & (arr[np.maximum(e1 - 1, 0)] == 13)
                l3 = e3 - s3
                l3 -= (l3 > 0) & (arr[np.maximum(e3 - 1, 0)] == 13)
                bad_h = (ends[0::4] == h0) | (arr[np.minimum(h0, last)] != 64)  # '@'
                bad_p = (ends[2::4] == p0) | (arr[np.minimum(p0, last)] != 43)  # '+'
                bad_q = l1 != l3
                bad = bad_h | bad_p | bad_q
                if bad.any():
                    k = int(np.flatnonzero(bad)[0])
                    what = (
                        "header line does not start with '@'"
                        if bad_h[k]
                        else "third line does not start with '+'"
                        if bad_p[k]
                        else "sequence and quality lengths differ"
                    )
                    raise InputFormatError(f"FASTQ {p}: malformed record {nread + k + 1}: {what}")
                yield SeqChunk(arr, s1.copy(), l1, nread)
                nread += use // 4
            if max_reads is not None and nread >= max_reads:
                return
            cut = nl[use - 1] + 1 if use > 0 else 0
            leftover = buf[cut:] if not eof else b""
    if nread == 0:
        raise InputFormatError(f"FASTQ {p}: no reads found")
