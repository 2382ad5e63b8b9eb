"""Line-checked reading of the curated tab-separated tables shipped with the gene-set resource."""

from __future__ import annotations

from collections.abc import Iterator

from ifnexus.errors import InputFormatError


def tsv_rows(text: str, origin: str, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line number, stripped fields)`` for each data row of a headed TSV text.

    Blank lines and ``#`` comments are skipped; the header must be exactly ``columns``; every row
    must have ``len(columns)`` fields. Errors name ``origin`` and the line.
    """
    header_seen = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if not header_seen:
            if tuple(fields) != columns:
                raise InputFormatError(
                    f"{origin}, line {lineno}: header must be {' '.join(columns)!r} "
                    f"(tab-separated), got {' '.join(fields)!r}"
                )
            header_seen = True
            continue
        if len(fields) != len(columns):
            raise InputFormatError(
                f"{origin}, line {lineno}: expected {len(columns)} tab-separated fields "
                f"({', '.join(columns)}), got {len(fields)}"
            )
        yield lineno, fields
    if not header_seen:
        raise InputFormatError(f"{origin}: no header line {' '.join(columns)!r} found")
