"""Is the matrix raw counts or log-normalised? Detected from the values, or told.

Counts are non-negative integers; log-normalised values (``log1p`` of counts per 10k, the
scanpy and Seurat default) are non-integer and small (a cell's maximum is rarely above 10-12).
Normalised but unlogged values (CP10k, TPM) are neither and are refused, since mean-control
scores on a linear scale are dominated by a few genes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.scoring import ExpressionSource
from ifnexus.scoring._background import MAX_LOG_VALUE as _MAX_LOG
from ifnexus.scoring._background import value_evidence

InputKind = Literal["counts", "lognorm"]
#: Largest value accepted as log-normalised (log1p(1e6) is 13.8).
MAX_LOG_VALUE = _MAX_LOG


def detect_input_kind(source: ExpressionSource, *, n_rows: int = 2000) -> tuple[InputKind, str]:
    """Detect ``counts`` or ``lognorm`` from the first ``n_rows`` rows; return it and why.

    Parameters
    ----------
    source
        The matrix (:func:`ifnexus.scoring.expression_source`).
    n_rows
        Rows read to decide.

    Returns
    -------
    (str, str)
        ``"counts"`` or ``"lognorm"``, and a sentence saying why.

    Raises
    ------
    ValidationError
        Negative or non-finite values, or non-integer values above the log range.
    """
    block = source.reader(0, min(n_rows, source.shape[0]))
    vals: np.ndarray = (
        block.data
        if hasattr(block, "data") and not isinstance(block, np.ndarray)
        else np.asarray(block).ravel()
    )
    vals = np.asarray(vals, dtype=np.float64)
    if vals.size == 0 or not np.any(vals):
        raise InputFormatError(
            f"{source.description}: the first rows hold only zeros; cannot tell counts from log values"
        )
    if not np.isfinite(vals).all():
        raise InputFormatError(f"{source.description} holds non-finite values (NaN or infinity)")
    lo, hi = float(vals.min()), float(vals.max())
    if lo < 0:
        raise InputFormatError(
            f"{source.description} holds negative values (minimum {lo:.4g}); expected counts or "
            "log-normalised expression (scaled data? use .raw or a counts layer)"
        )
    if np.all(vals == np.round(vals)):
        return "counts", f"all values in the first rows are non-negative integers (max {hi:g})"
    if hi <= MAX_LOG_VALUE:
        return (
            "lognorm",
            f"non-integer values with maximum {hi:.3g} (<= {MAX_LOG_VALUE:g}, a log scale)",
        )
    raise InputFormatError(
        f"{source.description} holds non-integer values up to {hi:.4g}: normalised but not "
        "log-transformed? Give counts or log1p-normalised values (or say input_kind=...)"
    )


def check_input_kind(source: ExpressionSource, input_kind: InputKind) -> str:
    """Check an ``input_kind`` given by the caller against the values; return why it stands.

    ``"counts"`` on non-integer values no larger than :data:`MAX_LOG_VALUE` (log-normalised:
    they would be normalised and logged twice) and ``"lognorm"`` on whole numbers above it
    (counts: they would be scored unnormalised) are refused with the evidence; anything else
    is accepted as given.

    Parameters
    ----------
    source
        The matrix.
    input_kind
        ``"counts"`` or ``"lognorm"``, as given.

    Returns
    -------
    str
        The reason recorded with the kind (``"given by the caller"``).

    Raises
    ------
    ValidationError
        The values contradict ``input_kind`` (the message shows the evidence).
    """
    if input_kind not in ("counts", "lognorm"):
        raise ValidationError(f"input_kind must be 'counts' or 'lognorm', got {input_kind!r}")
    ev = value_evidence(source)
    if not ev["n_values"]:
        return "given by the caller"
    first = f"{source.description}: input_kind {input_kind!r} but the first {ev['n_rows']} rows"
    if input_kind == "counts" and not ev["integer"] and ev["max"] <= MAX_LOG_VALUE:
        raise ValidationError(
            f"{first} hold non-integer values with max "
            f"{ev['max']:.3g}: this looks log-normalised; use input_kind='lognorm' or leave it "
            "detected"
        )
    if input_kind == "lognorm" and ev["integer"] and ev["max"] > MAX_LOG_VALUE:
        raise ValidationError(
            f"{first} hold only whole numbers, up to {ev['max']:g}: "
            "these look like raw counts; use input_kind='counts' or leave it detected"
        )
    return "given by the caller"
