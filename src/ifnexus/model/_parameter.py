"""The parameter record of the model: name, symbol, unit, meaning, value per setting, source.

:class:`Parameter` is the typed declaration every model number is written in
(:data:`ifnexus.model.PARAMETERS`); ``mouse`` is a syngeneic graft of about 10^7-10^8 cells,
``patient`` an MPNST under curative-intent radiotherapy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ifnexus.errors import ValidationError

__all__ = ["SETTINGS", "Parameter", "Setting"]

Setting = Literal["mouse", "patient"]
SETTINGS: tuple[str, ...] = ("mouse", "patient")


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes
    ----------
    name
        Identifier used in the code and in SBML export.
    symbol
        Symbol in the equations of ``docs/model.md``.
    unit
        Unit (``1`` for dimensionless).
    meaning
        What it is, in one line.
    group
        ``tumour``, ``radiation``, ``signalling``, ``immune``, ``intervention``, ``population``
        or ``outcome``.
    mouse, patient
        Value in each setting (equal when the parameter is shared).
    source
        Source of the value (``assumed: reason`` where no paper gives it).
    source_patient
        Source of the patient value where it differs from the mouse value's source.
    lower, upper
        The accepted range of a value (an override included): ``lower <= value <= upper``;
        default ``[0, inf)``, as every parameter is a rate, amplitude, size or probability.
        Fractions and probabilities have ``upper = 1``.
    lower_open
        True when ``lower`` itself is refused (``value > lower``): sizes, half-saturation
        constants and clearances the equations divide by or take the logarithm of.
    """

    name: str
    symbol: str
    unit: str
    meaning: str
    group: str
    mouse: float
    patient: float
    source: str
    source_patient: str = ""
    lower: float = 0.0
    upper: float = math.inf
    lower_open: bool = False

    @property
    def range_text(self) -> str:
        """The accepted range as text: ``[0, 1]``, ``> 0``, ``>= 0``, ``>= 1``."""
        if math.isinf(self.upper):
            return f"{'>' if self.lower_open else '>='} {self.lower:g}"
        return f"{'(' if self.lower_open else '['}{self.lower:g}, {self.upper:g}]"

    def check(self, value: object) -> float:
        """Return ``value`` as a float in the accepted range, or raise naming it.

        Parameters
        ----------
        value
            A candidate value (an override).

        Returns
        -------
        float
            The value.

        Raises
        ------
        ValidationError
            Not a number, not finite, or outside ``[lower, upper]`` (``lower`` excluded when
            ``lower_open``); the message names the parameter, its range and unit.
        """
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(
                f"parameter {self.name!r} must be a number, got {value!r}"
            ) from None
        low_ok = v > self.lower if self.lower_open else v >= self.lower
        if not math.isfinite(v) or not low_ok or v > self.upper:
            unit = "" if self.unit == "1" else f"{self.unit}: "
            raise ValidationError(
                f"parameter {self.name!r} must be a finite number "
                f"{'' if math.isinf(self.upper) else 'in '}{self.range_text} "
                f"({unit}{self.meaning}), got {value!r}"
            )
        return v

    def value(self, setting: str) -> float:
        """Return the value in ``setting``.

        Parameters
        ----------
        setting
            ``"mouse"`` or ``"patient"``.

        Returns
        -------
        float
            The parameter's value there, in its unit.
        """
        return self.mouse if setting == "mouse" else self.patient

    @property
    def shared(self) -> bool:
        """True when both settings use the same value."""
        return self.mouse == self.patient


def _p(
    name,
    symbol,
    unit,
    meaning,
    group,
    value,
    source,
    patient=None,
    source_patient="",
    *,
    lower=0.0,
    upper=math.inf,
    lower_open=False,
):
    return Parameter(
        name=name,
        symbol=symbol,
        unit=unit,
        meaning=meaning,
        group=group,
        mouse=float(value),
        patient=float(value if patient is None else patient),
        source=source,
        source_patient=source_patient,
        lower=float(lower),
        upper=float(upper),
        lower_open=bool(lower_open),
    )
