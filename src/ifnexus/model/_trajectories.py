"""The recorded tumours' time courses of a cohort as arrays (``CohortResult.trajectories``).

:func:`ifnexus.model.simulate_cohort` records the full time courses of its first ``record``
tumours. They are computed as one array ``[patient, state, time]`` on the solver's grid (the
same for every tumour of a cohort); :class:`Trajectories` keeps that array, and the long table
``CohortResult.timecourses`` (``patient, time, state, value``, for users) is built from it by
:meth:`Trajectories.to_frame`, so the two hold the same numbers. Code that needs one state of
every recorded tumour (the designer's IFN plot) reads :meth:`Trajectories.state` instead of
searching the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ifnexus.errors import ValidationError

__all__ = ["Trajectories"]

_COLUMNS = ["patient", "time", "state", "value"]


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Recorded time courses of a cohort's first tumours, on the solver's grid.

    ``values[i, k, j]`` is state ``states[k]`` of tumour ``patients[i]`` at ``times[j]``.

    Attributes
    ----------
    patients
        Patient ids (rows of ``CohortResult.patients``), shape ``(n_patients,)``.
    times
        Days from the first fraction (the solver's grid, after the jump at a fraction time),
        shape ``(n_times,)``.
    states
        State names: every model state (``N`` as cells) plus ``burden``, ``acute``
        (pSTAT1/ISGF3), ``cd8``, ... (the ``state`` column of ``CohortResult.timecourses``).
    values
        Shape ``(n_patients, n_states, n_times)``.
    """

    patients: np.ndarray
    times: np.ndarray
    states: tuple[str, ...]
    values: np.ndarray

    @classmethod
    def empty(cls) -> Trajectories:
        """No recorded tumour (``record=0``)."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0), (), np.zeros((0, 0, 0)))

    @classmethod
    def concat(cls, parts: Sequence[Trajectories]) -> Trajectories:
        """Join the recorded tumours of several chunks (same times and states), in order.

        Raises
        ------
        ValueError
            Parts with different times or states (chunks of one cohort share them).
        """
        parts = [t for t in parts if t.patients.size]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        if any(t.states != first.states or not np.array_equal(t.times, first.times)
               for t in parts[1:]):  # fmt: skip
            raise ValueError("recorded chunks differ in their times or states")
        return cls(np.concatenate([t.patients for t in parts]), first.times, first.states,
                   np.concatenate([t.values for t in parts]))  # fmt: skip

    def state(self, name: str) -> np.ndarray:
        """Return one state of every recorded tumour, shape ``(n_patients, n_times)``.

        Raises
        ------
        ValidationError
            ``name`` is not a recorded state.
        """
        if name not in self.states:
            raise ValidationError(
                f"unknown state {name!r}; recorded: {', '.join(sorted(self.states))}"
            )
        return self.values[:, self.states.index(name), :]

    def to_frame(self) -> pd.DataFrame:
        """Return the long table ``patient, time, state, value`` (``CohortResult.timecourses``).

        Rows are ordered by patient, then state, then time.
        """
        if not self.patients.size:
            return pd.DataFrame(columns=_COLUMNS)
        n_pat, n_states, n_t = self.values.shape
        return pd.DataFrame({
            "patient": np.repeat(self.patients, n_states * n_t),
            "time": np.tile(self.times, n_pat * n_states),
            "state": np.tile(np.repeat(np.array(self.states, dtype=object), n_t), n_pat),
            "value": self.values.ravel(),
        })  # fmt: skip
