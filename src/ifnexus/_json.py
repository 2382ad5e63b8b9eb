"""JSON-safe conversion of results (NaN -> null, numpy -> Python) for library writers and the CLI."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def json_safe(obj: Any) -> Any:
    """``obj`` made JSON-safe: NaN/inf -> None, numpy scalars -> Python, keys -> str.

    ``json.dumps`` would otherwise write ``NaN`` (not JSON) or fail on numpy integers.
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dumps(obj: Any) -> str:
    """``obj`` as indented JSON, made safe by :func:`json_safe`."""
    return json.dumps(json_safe(obj), indent=1)
