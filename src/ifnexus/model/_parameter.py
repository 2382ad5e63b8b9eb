"""The parameter record of the model: name, symbol, unit, meaning, value per setting, source.

:class:`Parameter` is the typed declaration every model number is written in
(:data:`ifnexus.model.PARAMETERS`); ``mouse`` is a syngeneic graft of about 10^7-10^8 cells,
``patient`` an MPNST under curative-intent radiotherapy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


def _p(name, symbol, unit, meaning, group, value, source, patient=None, source_patient=""):
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
    )
