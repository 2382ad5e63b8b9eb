"""File helpers shared by commands: open an h5ad with a clear error; JSON-safe output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ifnexus.errors import ValidationError


def json_safe(obj: Any) -> Any:
    """``obj`` made JSON-safe (:func:`ifnexus._json.json_safe`; numpy loaded on first use)."""
    from ifnexus._json import json_safe as safe

    return safe(obj)


def dumps(obj: Any) -> str:
    """``obj`` as indented JSON, made safe by :func:`json_safe`."""
    from ifnexus._json import dumps as to_json

    return to_json(obj)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as one JSON object on stdout."""
    typer.echo(dumps(obj))


def open_h5ad(path: Path, *, backed: bool):
    """``path`` read as AnnData (``backed``: opened read-only, read chunk by chunk).

    Raises
    ------
    ValidationError
        The file is missing or is not an h5ad.
    """
    import anndata as ad

    if not path.exists():
        raise ValidationError(f"input not found: {path}")
    try:
        return ad.read_h5ad(path, backed="r" if backed else None)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read as h5ad ({exc})") from exc


def out_file(out: Path, name: str, *, file_suffixes: tuple[str, ...]) -> Path:
    """Return the file ``name`` in the output directory ``out``.

    ``--out`` is a directory on every command. Where a command took a file path before, a path
    ending in one of ``file_suffixes`` keeps that old meaning for one release, with a warning.
    """
    if out.suffix.lower() in file_suffixes:
        from ifnexus.cli._app import warn

        warn(
            f"--out {out} names a file: deprecated, --out is a directory (the file is "
            f"OUT/{name}); a file path will be an error in 0.3"
        )
        return out
    return out / name
