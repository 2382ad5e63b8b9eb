"""The part of a fit's result that growth and clinical fits share (fields, summary, to_dict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FitResult"]


@dataclass
class FitResult:
    """Fields and methods of :class:`~ifnexus.fit.GrowthFit` and :class:`~ifnexus.fit.ClinicalFit`.

    The subclasses document the fields (their ``problem`` and ``estimates`` differ).
    """

    problem: Any
    x: np.ndarray
    objective: float
    converged: bool
    estimates: pd.DataFrame
    profiles: pd.DataFrame
    draws: pd.DataFrame
    diagnostics: dict[str, Any]
    level: float

    @property
    def summary(self) -> pd.DataFrame:
        """The estimates table.

        Returns
        -------
        pandas.DataFrame
            See ``estimates``.
        """
        return self.estimates

    def params(self) -> dict[str, float]:
        """Return the fitted fixed effects by model parameter name.

        Returns
        -------
        dict
            Name -> estimate.
        """
        v = self.problem.natural(self.x)
        return {n: float(v[i]) for i, n in enumerate(self.problem.free)}

    def predictions(self) -> pd.DataFrame:
        """Return the problem's predictions at the estimate (``problem.predictions(x)``).

        Returns
        -------
        pandas.DataFrame
            One row per measurement (growth) or patient (clinical).
        """
        return self.problem.predictions(self.x)

    def to_dict(self) -> dict:
        """Return the fit as plain data.

        Returns
        -------
        dict
            ``estimates`` (records), ``objective``, ``converged``, ``level``, ``free`` and
            ``diagnostics`` (growth fits add ``random``).
        """
        return {
            "estimates": self.estimates.to_dict("records"),
            "objective": self.objective,
            "converged": self.converged,
            "level": self.level,
            "free": list(self.problem.free),
            **self._extra_dict(),
            "diagnostics": self.diagnostics,
        }

    def _extra_dict(self) -> dict[str, Any]:
        return {}
