"""File helpers shared by commands: open an h5ad with a clear error; JSON-safe output."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import typer

from ifnexus.errors import ValidationError


def json_safe(obj: Any) -> Any:
    """``obj`` made JSON-safe: NaN/inf -> None, numpy scalars -> Python, keys -> str.

    ``json.dumps`` would otherwise write ``NaN`` (not JSON) or fail on numpy integers.
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dumps(obj: Any) -> str:
    """``obj`` as indented JSON, made safe by :func:`json_safe`."""
    return json.dumps(json_safe(obj), indent=1)


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
