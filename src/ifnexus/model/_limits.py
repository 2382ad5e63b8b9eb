"""Size limits of the model's inputs, refused up front (the limit is named in the error).

An absurd size should fail in milliseconds with the limit, not run for minutes or exhaust
memory. The limits are far beyond any experiment:

* ``MAX_DAYS`` = 3,650 days of follow-up (ten years; ``--days``; schedule and intervention days);
* ``MAX_FRACTIONS`` = 500 fractions in a schedule, and 500 repeats of an intervention;
* ``MAX_DOSE_POINTS`` = 1,000 doses in a dose grid (``--doses`` of ``tcd50`` and ``--in-vitro``),
  each at most ``MAX_DOSE_GY`` = 1,000 Gy, also the largest fraction of a schedule;
* ``MAX_PATIENTS`` = 5,000,000 virtual tumours in one cohort (the patient table alone takes
  about ``BYTES_PER_PATIENT`` = 520 bytes per tumour, 2.6 GB at the limit; for ``tcd50`` the
  limit holds for tumours x doses);
* ``MAX_RECORD`` = 200 recorded time courses (``--record``; about ``BYTES_PER_RECORD`` = 1.7 MB
  each at the default follow-up).
"""

from __future__ import annotations

import math

from ifnexus.errors import ValidationError

__all__ = [
    "BYTES_PER_PATIENT",
    "BYTES_PER_RECORD",
    "MAX_DAYS",
    "MAX_DOSE_GY",
    "MAX_DOSE_POINTS",
    "MAX_FRACTIONS",
    "MAX_PATIENTS",
    "MAX_RECORD",
    "check_days",
    "check_followup",
    "check_patients",
    "check_record",
    "check_whole",
]

MAX_DAYS = 3650.0
MAX_FRACTIONS = 500
MAX_DOSE_POINTS = 1000
MAX_DOSE_GY = 1000.0
MAX_PATIENTS = 5_000_000
MAX_RECORD = 200
BYTES_PER_PATIENT = 520
BYTES_PER_RECORD = 1_700_000


def check_days(days: float, what: str = "days of follow-up") -> float:
    """Return ``days`` as a float in (0, MAX_DAYS], or raise naming the limit."""
    try:
        d = float(days)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a number, got {days!r}") from None
    if not math.isfinite(d) or d <= 0:
        raise ValidationError(f"{what} must be > 0, got {days!r}")
    if d > MAX_DAYS:
        raise ValidationError(
            f"{what} {d:g} is over the limit of {MAX_DAYS:g} days (ten years); "
            "the model is calibrated on months of follow-up"
        )
    return d


def check_followup(days: float, course: float, schedule: str) -> float:
    """Return ``days`` if follow-up outlasts the course (last fraction ``course`` days after the first).

    Local failure is judged after the last fraction, so a follow-up that ends during the course
    (``--days 10`` with 50 Gy in 25 fractions over five weeks) knows nothing of local control:
    refused rather than reported as control.
    """
    if days <= course:
        raise ValidationError(
            f"days {days:g} is not longer than the radiotherapy course {schedule} (last "
            f"fraction {course:g} days after the first): local control is judged after the last "
            f"fraction, so give more than {course:g} days of follow-up"
        )
    return days


def _whole_number(value: int, what: str, minimum: int) -> int:
    """Return ``value`` as an int of at least ``minimum``, or raise naming ``what``."""
    try:
        k = int(value)
        whole = float(value) == k  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:  # 2.5 patients is refused, not silently 2
        raise ValidationError(f"{what} must be a whole number, got {value!r}")
    if k < minimum:
        raise ValidationError(f"{what} must be >= {minimum}, got {value}")
    return k


def check_whole(value: int, what: str, minimum: int = 1) -> int:
    """Return ``value`` as an int of at least ``minimum``; a fraction like 2.5 is refused."""
    return _whole_number(value, what, minimum)


def check_patients(n: int, what: str = "n_patients") -> int:
    """Return ``n`` as an int in [1, MAX_PATIENTS], or raise with the memory it would take."""
    k = _whole_number(n, what, 1)
    if k > MAX_PATIENTS:
        raise ValidationError(
            f"{what} {k} is over the limit of {MAX_PATIENTS} tumours (the result table alone "
            f"would take about {k * BYTES_PER_PATIENT / 1e9:.1f} GB at {BYTES_PER_PATIENT} bytes "
            "per tumour); simulate several cohorts with different seeds instead"
        )
    return k


def check_record(record: int) -> int:
    """Return ``record`` as an int in [0, MAX_RECORD], or raise naming the limit."""
    k = _whole_number(record, "record", 0)
    if k > MAX_RECORD:
        raise ValidationError(
            f"record {k} is over the limit of {MAX_RECORD} time courses (about "
            f"{BYTES_PER_RECORD / 1e6:.1f} MB each, {k * BYTES_PER_RECORD / 1e9:.1f} GB in all)"
        )
    return k
