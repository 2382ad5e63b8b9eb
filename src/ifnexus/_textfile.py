"""Reading users' text files safely, and file names made safe when they come from data.

:func:`read_text_bytes` returns a file's bytes, gunzipped when the content is gzip (whatever the
name), and refuses a name ending in ``.gz`` whose content is not gzip, a corrupt or truncated
gzip stream, text that is not UTF-8 and NUL bytes, each with an
:class:`~ifnexus.errors.InputFormatError` naming the file (and line and byte column for text).
A UTF-8 byte-order mark at the start is dropped. There is no encoding fallback: a Latin-1 or
UTF-16 file is refused with the place of the first bad byte, never read as mojibake.

:func:`safe_file_stem` turns a name taken from data (a sample label, a gene, a comparison) into
one path component that cannot leave the output folder.

:func:`read_toml` reads a TOML file (a parameter file, a trial design, a search space) through
the same checks, with tomllib's line and column for a syntax error.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tomllib
import zlib
from pathlib import Path

from ifnexus.errors import InputFormatError, ValidationError

__all__ = ["decode_text", "first_line", "read_text_bytes", "read_toml", "safe_file_stem"]

GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"


def _readable(p: Path) -> bool:
    # a regular file, or a named pipe such as bash's process substitution
    # (``--params <(printf 'alpha = 0.3\n')``), which is read once, as a whole
    return p.is_file() or p.is_fifo()


def read_text_bytes(path: str | os.PathLike[str], what: str) -> bytes:
    """Return the bytes of a text file, decompressed when gzip, checked as UTF-8 text.

    Parameters
    ----------
    path
        The file. Gzip is recognised by its content; a name ending in ``.gz`` must be gzip.
    what
        What the file is, for messages (``"count table"``, ``"library"``...).

    Returns
    -------
    bytes
        The (decompressed) content without a leading UTF-8 byte-order mark; valid UTF-8
        without NUL bytes.

    Raises
    ------
    InputFormatError
        Not a file, unreadable, ``.gz`` name without gzip content, corrupt or truncated gzip
        data, a byte sequence that is not UTF-8 or a NUL byte (line and byte column named).
    """
    p = Path(path)
    if not _readable(p):
        raise InputFormatError(f"{what} {p}: file not found")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputFormatError(f"{what} {p}: cannot read ({exc.strerror or exc})") from None
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFormatError(
                f"{what} {p}: corrupt or truncated gzip data ({exc}); check the download or "
                "re-compress the file"
            ) from None
    elif p.name.lower().endswith(".gz"):
        raise InputFormatError(
            f"{what} {p}: the name ends in .gz but the content is not gzip-compressed (it "
            f"starts with {raw[:8]!r}); remove .gz from the name or compress the file"
        )
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    check_text(raw, p, what)
    return raw


def _place(raw: bytes, pos: int) -> str:
    """Name the line and byte of ``raw[pos]``; CRLF, LF and a lone CR each end a line."""
    head = raw[:pos]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    col = pos - (max(head.rfind(b"\n"), head.rfind(b"\r")) + 1) + 1
    return f"line {line}, byte {col}"


def check_text(raw: bytes, p: Path, what: str) -> None:
    """Raise :class:`InputFormatError` unless ``raw`` is UTF-8 text without NUL bytes."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                f"{what} {p}, {_place(raw, exc.start)}: not UTF-8 text (byte "
                f"0x{raw[exc.start]:02x}); save the file as UTF-8"
            ) from None
    nul = raw.find(b"\0")
    if nul >= 0:
        raise InputFormatError(
            f"{what} {p}, {_place(raw, nul)}: a NUL byte; this is not a text file"
        )


def first_line(raw: bytes) -> str:
    """Return the first line of checked text bytes; CRLF, LF and a lone CR end it."""
    return re.split(rb"\r\n|\r|\n", raw, maxsplit=1)[0].decode("utf-8")


def decode_text(path: str | os.PathLike[str], what: str) -> str:
    """Return the text of a file read by :func:`read_text_bytes` (same checks and errors).

    Line ends become LF: CRLF (Windows) and a lone CR (old Mac, Excel's "CSV (Macintosh)")
    each end a line, as in Python's text mode and in pandas.
    """
    text = read_text_bytes(path, what).decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_toml(path: str | os.PathLike[str], what: str) -> tuple[dict, str]:
    """Return the parsed content and the text of a TOML file.

    Parameters
    ----------
    path
        The file (UTF-8 text, gzip recognised by content as in :func:`read_text_bytes`).
    what
        What the file is, for messages (``"parameter file"``, ``"trial design"``...).

    Returns
    -------
    tuple of (dict, str)
        The parsed tables and the text (kept so that later messages can name a key's line).

    Raises
    ------
    InputFormatError
        A missing or unreadable file (``cannot read the <what> <path>``), text that is not
        UTF-8, or TOML syntax (tomllib's line and column).
    """
    p = Path(path)
    if not _readable(p):
        raise InputFormatError(f"cannot read the {what} {p}: file not found")
    text = decode_text(p, what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFormatError(f"{p}: not valid TOML: {exc}") from None
    return data, text


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_MAX_STEM = 120


def safe_file_stem(name: str, *, what: str = "name") -> str:
    """Return ``name`` as one safe path component (a file stem that stays in its folder).

    Path separators, control characters and characters Windows forbids become ``_``; leading
    dots become ``_`` (no ``..``, no hidden files); a name longer than 120 characters is cut
    and ends in 8 hex digits of its SHA-1, so different long names stay different. A name that
    needs no change is returned as is.

    Parameters
    ----------
    name
        The name taken from data or options.
    what
        What the name is, for the error message.

    Returns
    -------
    str
        The safe stem.

    Raises
    ------
    ValidationError
        An empty name.

    Examples
    --------
    >>> safe_file_stem("../../../ESC1_vs_T0")
    '___.._.._ESC1_vs_T0'
    >>> safe_file_stem("HL60.final_vs_HL60.initial")
    'HL60.final_vs_HL60.initial'
    """
    text = str(name)
    if not text:
        raise ValidationError(f"{what}: an empty name cannot name a file")
    out = _UNSAFE.sub("_", text)
    stripped = out.lstrip(".")
    if len(stripped) != len(out):
        out = "_" * (len(out) - len(stripped)) + stripped
    if len(out) > _MAX_STEM:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        out = f"{out[: _MAX_STEM - 9]}-{digest}"
    return out
