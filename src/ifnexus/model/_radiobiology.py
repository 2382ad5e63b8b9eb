"""Radiobiology: linear-quadratic survival, BED/EQD2, lymphocyte kill and radiotherapy schedules.

The formulas are the standard ones (Fowler 1989 Br J Radiol 62:679; Joiner & van der Kogel,
*Basic Clinical Radiobiology*):

* surviving fraction of one fraction of dose ``d``: ``SF = exp(-alpha d - beta d^2)``;
* ``BED = sum_i d_i (1 + d_i / (alpha/beta))`` (full repair between fractions, no repopulation);
* ``EQD2 = BED / (1 + 2 / (alpha/beta))``;
* lymphocytes in the field: ``SF_l = exp(-alpha_l d - beta_l d^2)`` with
  ``alpha_l = 0.182 /Gy``, ``beta_l = 0.143 /Gy^2`` (Cho et al. 2023 Phys Med Biol 68:165010).

Incomplete repair between fractions close in time (Lea-Catcheside; Thames 1985 Int J Radiat
Biol 47:319; Dale 1985 Br J Radiol 58:515): sublethal damage is repaired mono-exponentially
with half-time ``T_rep``, ``mu = ln 2 / T_rep``. For instantaneous fractions ``d_i`` at
``t_i`` the quadratic term of the whole course is
``beta [sum_i d_i^2 + 2 sum_{i<j} d_i d_j exp(-mu (t_j - t_i))] = beta G D^2``
(``D = sum d_i``, ``G`` the dose-protraction factor, :func:`protraction_factor`). In the model
each fraction adds ``2 beta d_j Y_j`` to its log-kill, ``Y_j`` the dose of the earlier
fractions still unrepaired at ``t_j`` (:func:`unrepaired_dose`): two doses a minute apart act
as one dose of their sum, a day apart as two fractions. BED with incomplete repair is
``D + G D^2 / (alpha/beta)``.

Schedules are lists of (day, dose). The parser accepts the notation clinicians write:

* ``"50Gy/25fx"`` - total dose / number of fractions, one fraction per weekday (Monday to
  Friday, day 0 is a Monday, no fractions on days 5, 6, 12, 13, ...);
* ``"8Gy x3"`` - dose per fraction x number of fractions, also on weekdays (so ``x3`` is three
  consecutive days and ``x1`` a single dose on day 0);
* ``"0:8,1:8,2:8"`` - an explicit ``day:dose`` list (days may be fractional, e.g. twice daily);
* ``"none"`` - no radiation (an unirradiated control).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ifnexus.errors import ValidationError
from ifnexus.model._limits import MAX_DAYS, MAX_DOSE_GY, MAX_FRACTIONS

__all__ = [
    "ALPHA_L",
    "BETA_L",
    "Schedule",
    "bed",
    "eqd2",
    "lq_survival",
    "lymphocyte_survival",
    "parse_schedule",
    "protraction_factor",
    "unrepaired_dose",
    "weekday_days",
]

ALPHA_L = 0.182  # /Gy, lymphocytes (Cho et al. 2023 Phys Med Biol 68:165010)
BETA_L = 0.143  # /Gy^2, lymphocytes (Cho et al. 2023)

ACCEPTED_FORMS = (
    "'50Gy/25fx' (total/fractions, weekdays), '8Gy x3' (dose x fractions, weekdays), "
    "'0:8,1:8,2:8' (explicit day:dose list) or 'none'"
)


def lq_survival(dose: ArrayLike, alpha: ArrayLike, beta: ArrayLike) -> np.ndarray | float:
    """Linear-quadratic surviving fraction ``exp(-alpha d - beta d^2)`` of one fraction.

    Parameters
    ----------
    dose
        Dose per fraction in Gy (scalar or array, >= 0).
    alpha, beta
        LQ coefficients in /Gy and /Gy^2 (broadcast against ``dose``).

    Returns
    -------
    numpy.ndarray or float
        The surviving fraction.

    Examples
    --------
    One 2-Gy fraction with alpha = 0.3 /Gy and beta = 0.03 /Gy^2:
    ``exp(-0.3 * 2 - 0.03 * 2**2) = exp(-0.72) = 0.4868``.

    >>> from ifnexus.model import lq_survival
    >>> round(float(lq_survival(2.0, 0.3, 0.03)), 4)
    0.4868
    """
    d = np.asarray(dose, dtype=float)
    if np.any(d < 0):
        raise ValidationError(f"dose must be >= 0 Gy, got {dose!r}")
    return np.exp(-np.asarray(alpha) * d - np.asarray(beta) * d * d)


def lymphocyte_survival(
    dose: ArrayLike, alpha_l: float = ALPHA_L, beta_l: float = BETA_L
) -> np.ndarray | float:
    """Surviving fraction of lymphocytes in the field after one fraction (Cho et al. 2023).

    Parameters
    ----------
    dose
        Dose per fraction in Gy (scalar or array).
    alpha_l, beta_l
        Lymphocyte LQ coefficients in /Gy and /Gy^2 (default :data:`ALPHA_L`, :data:`BETA_L`).

    Returns
    -------
    numpy.ndarray or float
        The surviving fraction, shaped like ``dose``.
    """
    return lq_survival(dose, alpha_l, beta_l)


_HOURS = 24.0  # the model's time unit is the day; repair half-times are given in hours


def _repair_rate(half_time_h: float) -> float:
    """``ln 2 / T_rep`` in 1/day, for a repair half-time in hours (> 0)."""
    t = float(half_time_h)
    if not (np.isfinite(t) and t > 0):
        raise ValidationError(
            f"repair half-time must be a finite number > 0 h, got {half_time_h!r}"
        )
    return float(np.log(2.0) * _HOURS / t)


def unrepaired_dose(days: ArrayLike, doses: ArrayLike, half_time_h: float) -> np.ndarray:
    """Dose of the earlier fractions still unrepaired at each fraction, ``Y_j``.

    ``Y_j = sum_{i<j} d_i exp(-mu (t_j - t_i))`` with ``mu = ln 2 / T_rep``: the sublethal
    damage that fraction ``j`` can still combine with (mono-exponential repair; Thames 1985).

    Parameters
    ----------
    days
        Fraction times in days, ascending.
    doses
        Dose of each fraction in Gy.
    half_time_h
        Repair half-time ``T_rep`` in hours.

    Returns
    -------
    numpy.ndarray
        ``Y_j`` in Gy, one per fraction (``Y_0 = 0``).

    Examples
    --------
    Two 10-Gy doses one repair half-time apart: half of the first is unrepaired.

    >>> from ifnexus.model import unrepaired_dose
    >>> [round(float(y), 9) for y in unrepaired_dose([0, 1 / 24], [10, 10], 1.0)]
    [0.0, 5.0]
    """
    t = np.atleast_1d(np.asarray(days, dtype=float))
    d = np.atleast_1d(np.asarray(doses, dtype=float))
    mu = _repair_rate(half_time_h)
    y = np.zeros(d.size)
    for j in range(1, d.size):
        y[j] = (y[j - 1] + d[j - 1]) * np.exp(-mu * (t[j] - t[j - 1]))
    return y


def protraction_factor(
    days: ArrayLike,
    doses: ArrayLike,
    half_time_h: float | tuple[float, ...],
    *,
    weights: tuple[float, ...] | None = None,
) -> float:
    """Lea-Catcheside dose-protraction factor ``G`` of instantaneous fractions.

    ``G = [sum_i d_i^2 + 2 sum_{i<j} d_i d_j exp(-mu (t_j - t_i))] / D^2``; with several repair
    components (bi-exponential repair: ``half_time_h=(T_1, T_2)``, ``weights=(c, 1 - c)``) the
    repairable damage is split between them and ``G = sum_k c_k G_k``.

    Parameters
    ----------
    days, doses
        Fraction times (days) and doses (Gy).
    half_time_h
        Repair half-time(s) in hours.
    weights
        Share of each repair component (default equal shares); must sum to 1.

    Returns
    -------
    float
        ``G``: 1 for a single dose (or doses given at once), ``1/n`` for ``n`` equal fractions
        far apart.

    Examples
    --------
    Two equal doses ``dt`` apart: ``G = (1 + exp(-mu dt)) / 2``, 1/2 when fully repaired.

    >>> from ifnexus.model import protraction_factor
    >>> round(protraction_factor([0, 1 / 24], [5, 5], 1.0), 6)
    0.75
    """
    d = np.atleast_1d(np.asarray(doses, dtype=float))
    total = d.sum()
    if total <= 0:
        raise ValidationError("protraction factor of a schedule without dose")
    ts: tuple[float, ...] = (
        tuple(float(v) for v in half_time_h)
        if isinstance(half_time_h, tuple | list)
        else (float(half_time_h),)
    )
    w = np.full(len(ts), 1.0 / len(ts)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(ts),) or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValidationError(
            f"weights must be {len(ts)} non-negative shares summing to 1, got {weights!r}"
        )
    g = 0.0
    for tk, wk in zip(ts, w, strict=True):
        y = unrepaired_dose(days, d, tk)
        g += wk * ((d * d).sum() + 2.0 * (d * y).sum()) / total**2
    return float(g)


def _doses_of(schedule: Schedule | str | ArrayLike) -> np.ndarray:
    if isinstance(schedule, Schedule):
        return schedule.doses
    if isinstance(schedule, str):
        return parse_schedule(schedule).doses
    return np.atleast_1d(np.asarray(schedule, dtype=float))


def bed(
    schedule: Schedule | str | ArrayLike,
    alpha_beta: ArrayLike,
    *,
    repair_half_time: float | None = None,
) -> np.ndarray | float:
    """Biologically effective dose ``sum d_i (1 + d_i / (alpha/beta))`` in Gy.

    Parameters
    ----------
    schedule
        A :class:`Schedule`, a schedule string, or an array of doses per fraction (Gy).
    alpha_beta
        alpha/beta ratio in Gy (scalar or array; an array gives one BED per value).
    repair_half_time
        Repair half-time in hours: with it, ``D + G D^2 / (alpha/beta)`` with the
        Lea-Catcheside factor ``G`` of the fraction times (needs a :class:`Schedule` or a
        string); ``None`` (default) assumes full repair between fractions.

    Returns
    -------
    float or numpy.ndarray
        BED in Gy (a float for a scalar ``alpha_beta``).

    Raises
    ------
    ValidationError
        ``alpha_beta`` is not positive.

    Examples
    --------
    25 x 2 Gy for a tumour with alpha/beta = 10 Gy: ``50 (1 + 2/10) = 60`` Gy; 3 x 8 Gy:
    ``24 (1 + 8/10) = 43.2`` Gy.

    >>> from ifnexus.model import bed
    >>> bed("50Gy/25fx", 10)
    60.0
    >>> bed("8Gy x3", 10)
    43.2
    """
    d = _doses_of(schedule)
    ab = np.asarray(alpha_beta, dtype=float)
    if np.any(ab <= 0):
        raise ValidationError(f"alpha/beta must be > 0 Gy, got {alpha_beta!r}")
    quad = (d * d).sum()
    if repair_half_time is not None and d.size > 1:
        if isinstance(schedule, str):
            schedule = parse_schedule(schedule)
        if not isinstance(schedule, Schedule):
            raise ValidationError("incomplete repair needs fraction times: pass a Schedule")
        quad = quad + 2.0 * (d * unrepaired_dose(schedule.days, d, repair_half_time)).sum()
    out = d.sum() + quad / ab
    return float(out) if out.ndim == 0 else out


def eqd2(
    schedule: Schedule | str | ArrayLike,
    alpha_beta: ArrayLike,
    *,
    repair_half_time: float | None = None,
) -> np.ndarray | float:
    """Equivalent dose in 2-Gy fractions ``BED / (1 + 2 / (alpha/beta))`` in Gy.

    Parameters
    ----------
    schedule
        A :class:`Schedule`, a schedule string, or an array of doses per fraction (Gy).
    alpha_beta
        alpha/beta ratio in Gy (scalar or array).
    repair_half_time
        Repair half-time in hours for incomplete repair between fractions (see :func:`bed`);
        ``None`` (default) assumes full repair.

    Returns
    -------
    float or numpy.ndarray
        EQD2 in Gy (a float for a scalar ``alpha_beta``).

    Examples
    --------
    A schedule of 2-Gy fractions is its own EQD2, whatever alpha/beta; 3 x 8 Gy at alpha/beta
    = 10 Gy is ``43.2 / (1 + 2/10) = 36`` Gy.

    >>> from ifnexus.model import eqd2
    >>> round(eqd2("50Gy/25fx", 3), 9)
    50.0
    >>> round(eqd2("8Gy x3", 10), 9)
    36.0
    """
    ab = np.asarray(alpha_beta, dtype=float)
    out = bed(schedule, ab, repair_half_time=repair_half_time) / (1.0 + 2.0 / ab)
    return float(out) if np.ndim(out) == 0 else out


def weekday_days(n: int, start: float = 0.0) -> np.ndarray:
    """Days of ``n`` daily fractions on weekdays (day ``start`` is a Monday).

    Parameters
    ----------
    n
        Number of fractions.
    start
        Day of the first fraction.

    Returns
    -------
    numpy.ndarray
        ``n`` fraction days: five a week, weekends skipped.
    """
    k = np.arange(int(n))
    return start + 7.0 * (k // 5) + (k % 5)


@dataclass(frozen=True)
class Schedule:
    """A radiotherapy schedule: fraction days (from the first fraction) and doses in Gy.

    Parameters
    ----------
    days
        Day of each fraction (days from the first fraction, ascending).
    doses
        Dose of each fraction in Gy, one per day.
    label
        Display name (e.g. ``"50Gy/25fx"``); default the ``day:dose`` list.
    """

    days: np.ndarray
    doses: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        days = np.atleast_1d(np.asarray(self.days, dtype=float))
        doses = np.atleast_1d(np.asarray(self.doses, dtype=float))
        if days.shape != doses.shape or days.ndim != 1:
            raise ValidationError("schedule days and doses must be 1-D arrays of the same length")
        if np.any(~np.isfinite(days)) or np.any(~np.isfinite(doses)):
            raise ValidationError("schedule days and doses must be finite numbers")
        if np.any(doses < 0):
            raise ValidationError(f"negative dose in schedule: {doses[doses < 0][0]:g} Gy")
        if np.any(days < 0):
            raise ValidationError(f"negative day in schedule: {days[days < 0][0]:g}")
        if np.any(np.diff(days) <= 0):
            raise ValidationError(
                "schedule days must be strictly increasing (one fraction per time)"
            )
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "doses", doses)

    @property
    def n_fractions(self) -> int:
        """Number of fractions with a dose > 0."""
        return int(np.count_nonzero(self.doses > 0))

    @property
    def total_dose(self) -> float:
        """Physical dose in Gy."""
        return float(self.doses.sum())

    @property
    def first_day(self) -> float:
        """Day of the first fraction (0 when there is none)."""
        return float(self.days[0]) if self.days.size else 0.0

    @property
    def last_day(self) -> float:
        """Day of the last fraction (0 when there is none)."""
        return float(self.days[-1]) if self.days.size else 0.0

    def bed(
        self, alpha_beta: ArrayLike, *, repair_half_time: float | None = None
    ) -> np.ndarray | float:
        """Return the BED of this schedule; see :func:`bed`.

        Parameters
        ----------
        alpha_beta
            alpha/beta ratio in Gy (scalar or array).
        repair_half_time
            Repair half-time in hours (incomplete repair); ``None``: full repair.

        Returns
        -------
        float or numpy.ndarray
            BED in Gy.
        """
        return bed(self, alpha_beta, repair_half_time=repair_half_time)

    def eqd2(
        self, alpha_beta: ArrayLike, *, repair_half_time: float | None = None
    ) -> np.ndarray | float:
        """Return the EQD2 of this schedule; see :func:`eqd2`.

        Parameters
        ----------
        alpha_beta
            alpha/beta ratio in Gy (scalar or array).
        repair_half_time
            Repair half-time in hours (incomplete repair); ``None``: full repair.

        Returns
        -------
        float or numpy.ndarray
            EQD2 in Gy.
        """
        return eqd2(self, alpha_beta, repair_half_time=repair_half_time)

    def unrepaired(self, half_time_h: float) -> np.ndarray:
        """Return the unrepaired dose of earlier fractions at each fraction (:func:`unrepaired_dose`).

        Parameters
        ----------
        half_time_h
            Repair half-time in hours.

        Returns
        -------
        numpy.ndarray
            ``Y_j`` in Gy per fraction.
        """
        return unrepaired_dose(self.days, self.doses, half_time_h)

    def scaled(self, total: float) -> Schedule:
        """Return the same fraction days with doses rescaled to a new total dose (used by TCD50).

        Parameters
        ----------
        total
            The new total dose in Gy (>= 0).

        Returns
        -------
        Schedule
            The rescaled schedule, labelled with its total (e.g. ``"60Gy"``).

        Raises
        ------
        ValidationError
            ``total`` is negative or the schedule has no dose to rescale.
        """
        if total < 0:
            raise ValidationError(f"total dose must be >= 0 Gy, got {total:g}")
        if self.doses.size == 0 or self.total_dose == 0:
            raise ValidationError("cannot rescale an empty schedule")
        return Schedule(self.days, self.doses * (total / self.total_dose), label=f"{total:g}Gy")

    def __str__(self) -> str:
        return self.label or ",".join(
            f"{t:g}:{d:g}" for t, d in zip(self.days, self.doses, strict=False)
        )


_NUM = r"(\d+(?:\.\d*)?|\.\d+)"
_TOTAL_FX = re.compile(rf"^{_NUM}\s*gy\s*/\s*(\d+)\s*(?:fx|fxs|fractions?|f)$")
_DOSE_X = re.compile(rf"^{_NUM}\s*gy\s*[x\u00d7\*]\s*(\d+)$")


def _bad(token: str, why: str) -> ValidationError:
    return ValidationError(
        f"cannot parse schedule {token!r}: {why}; accepted forms: {ACCEPTED_FORMS}"
    )


def _checked(raw: str, sched: Schedule) -> Schedule:
    """Return ``sched``, or refuse a fraction over ``MAX_DOSE_GY`` (it overflows the kernel)."""
    if sched.doses.size and float(sched.doses.max()) > MAX_DOSE_GY:
        raise _bad(
            raw,
            f"a fraction of {float(sched.doses.max()):g} Gy is over the limit of "
            f"{MAX_DOSE_GY:g} Gy per fraction",
        )
    return sched


def parse_schedule(text: str | Schedule) -> Schedule:
    """Parse a schedule string into a :class:`Schedule`.

    Parameters
    ----------
    text
        ``"50Gy/25fx"``, ``"25Gy/5fx"``, ``"8Gy x3"``, ``"20Gy x1"``, ``"0:8,1:8,2:8"`` or
        ``"none"`` (see the module docstring for the day convention). A :class:`Schedule` is
        returned unchanged.

    Returns
    -------
    Schedule

    Raises
    ------
    ValidationError
        Unparseable text, a negative dose or one over 1,000 Gy per fraction, zero fractions or
        more than 500, duplicate or negative days or a day after 3,650; the message names the
        offending token and the accepted forms.

    Examples
    --------
    25 fractions of 2 Gy, Monday to Friday from day 0 (a Monday), so no dose on days 5 and 6:

    >>> from ifnexus.model import parse_schedule
    >>> s = parse_schedule("50Gy/25fx")
    >>> len(s.doses), float(s.doses.sum()), s.days[:7].tolist()
    (25, 50.0, [0.0, 1.0, 2.0, 3.0, 4.0, 7.0, 8.0])
    >>> parse_schedule("8Gy x3").days.tolist()
    [0.0, 1.0, 2.0]
    """
    if isinstance(text, Schedule):
        return text
    if not isinstance(text, str):
        raise ValidationError(f"schedule must be a string, got {type(text).__name__}")
    raw = text.strip()
    if len(raw) > 20 * MAX_FRACTIONS:
        raise _bad(raw[:40] + "...", f"{len(raw)} characters; at most {MAX_FRACTIONS} fractions")
    s = raw.lower().replace("\u2009", " ")
    if s in {"none", "0", "0gy", "sham"}:
        return Schedule(np.zeros(0), np.zeros(0), label="none")
    if "-" in s and re.search(r"(^|[:,\s])-", s):
        raise _bad(raw, "doses and days must not be negative")
    m = _TOTAL_FX.match(s)
    if m:
        total, n = float(m.group(1)), int(m.group(2))
        if n < 1:
            raise _bad(raw, "the number of fractions must be >= 1")
        if n > MAX_FRACTIONS:
            raise _bad(raw, f"{n} fractions, over the limit of {MAX_FRACTIONS}")
        return _checked(raw, Schedule(weekday_days(n), np.full(n, total / n), label=raw))
    m = _DOSE_X.match(s)
    if m:
        d, n = float(m.group(1)), int(m.group(2))
        if n < 1:
            raise _bad(raw, "the number of fractions must be >= 1")
        if n > MAX_FRACTIONS:
            raise _bad(raw, f"{n} fractions, over the limit of {MAX_FRACTIONS}")
        return _checked(raw, Schedule(weekday_days(n), np.full(n, d), label=raw))
    if ":" in s:
        days, doses = [], []
        for tok in s.split(","):
            tok = tok.strip()
            parts = tok.split(":")
            if len(parts) != 2:
                raise _bad(raw, f"token {tok!r} is not day:dose")
            try:
                day = float(parts[0])
                dose = float(parts[1].removesuffix("gy").strip())
            except ValueError:
                raise _bad(raw, f"token {tok!r} is not two numbers day:dose") from None
            if not (np.isfinite(day) and np.isfinite(dose)) or day < 0 or dose < 0:
                raise _bad(raw, f"token {tok!r} needs a day >= 0 and a dose >= 0 Gy")
            if day > MAX_DAYS:
                raise _bad(raw, f"day {day:g} is over the limit of {MAX_DAYS:g} days")
            days.append(day)
            doses.append(dose)
        if len(days) > MAX_FRACTIONS:
            raise _bad(raw, f"{len(days)} fractions, over the limit of {MAX_FRACTIONS}")
        order = np.argsort(days, kind="stable")
        d_sorted = np.asarray(days)[order]
        if np.any(np.diff(d_sorted) == 0):
            dup = d_sorted[:-1][np.diff(d_sorted) == 0][0]
            raise _bad(raw, f"day {dup:g} is listed twice")
        return _checked(raw, Schedule(d_sorted, np.asarray(doses)[order], label=raw))
    raise _bad(raw, "unrecognised notation")
