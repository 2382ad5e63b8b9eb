"""Tumour volumes of a population of animals at given days, in the model's vectorised kernel.

The model's cohort simulator draws its tumours' traits itself; a fit needs the opposite: every
animal's traits given (fixed effects plus that animal's random effects) and the burden read at
the measurement days. This module does that with the model's own pieces (the parameter set,
the genotype/host/intervention parsers, the solver grid and ``integrate``, which runs the
compiled kernel over all tumours of an arm at once); it changes nothing in the model.

The kernel takes one scalar parameter vector per call and one row of per-tumour traits per
tumour (``alpha``, ``beta``, ``n0``, growth rate ``r_g``, ``tau``, competence factors): so
random effects can act on the traits (:data:`RANDOM_EFFECTS`), while any scalar parameter can
be a fixed effect. The tumour grows from day 0 (the model's time-zero hold, which keeps a
cohort's tumour at its sampled size until the first fraction, is off: a growth study measures
the growth before treatment).

Volume: caliper volume counts every tumour cell, doomed ones included, so the observable is
the model's burden ``B = N + D1 + ... + D4`` divided by :data:`CELLS_PER_MM3` (10^6 cells per
mm^3, the usual conversion: about 10^9 cells per cm^3, Del Monte 2009 Cell Cycle 8:505).
Day 0 of the study clock is the start of the simulation, when every animal holds its ``n0``
cells; measurements falling on a fraction day are read just before that fraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numba
import numpy as np

from ifnexus.errors import ValidationError
from ifnexus.fit._data import Arm

__all__ = ["CELLS_PER_MM3", "RANDOM_EFFECTS", "ArmSimulator"]

CELLS_PER_MM3 = 1e6
"""Tumour cells per mm^3 of caliper volume."""
RANDOM_EFFECTS = ("n0", "r", "alpha", "infiltration")
"""Traits that may vary between animals (log-normal): the per-tumour inputs of the kernel."""
_ONE_THREAD = 256  # the kernel's block group (16 blocks of 16 lanes) runs on one thread


@dataclass
class ArmSimulator:
    """Simulate the animals of one arm at a fixed set of days.

    Parameters
    ----------
    arm
        The arm (schedule, genotype, host, interventions).
    days
        Measurement days (study clock), any order; volumes come back in sorted unique order.
    setting
        The model's parameter setting (``"mouse"``).

    Attributes
    ----------
    days
        Sorted unique days at which volumes are returned.
    """

    arm: Arm
    days: np.ndarray
    setting: str = "mouse"
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        from ifnexus.model import (
            parse_genotype,
            parse_host,
            parse_interventions,
            parse_schedule,
        )

        self.days = np.unique(np.asarray(self.days, dtype=float))
        self._schedule = parse_schedule(self.arm.schedule)
        self._genotype = parse_genotype(self.arm.genotype)
        self._host = parse_host(self.arm.host)
        self._interventions = parse_interventions(list(self.arm.interventions))

    def volumes(self, p: Mapping[str, float], traits: Mapping[str, np.ndarray]) -> np.ndarray:
        """Return the volume (mm^3) of each tumour at each day.

        Parameters
        ----------
        p
            Every model parameter by name (``ifnexus.model.parameters(setting, ...)``).
        traits
            Per-tumour multipliers by name (:data:`RANDOM_EFFECTS`), each of shape ``(n,)``:
            ``n0``, ``r`` and ``alpha`` multiply ``p['n0']``, ``p['r']`` and ``p['alpha']``;
            ``infiltration`` is the T-cell infiltration ability (median 1).

        Returns
        -------
        numpy.ndarray
            ``(n, len(days))``; NaN for a tumour whose integration was not finite.
        """
        from ifnexus.model._kernel import Q_NAMES
        from ifnexus.model._solver import Drive, build_grid, grid_options, integrate
        from ifnexus.model._system import initial_state

        n = len(next(iter(traits.values()))) if traits else 1
        if "r" in traits and "r_g" not in Q_NAMES:
            raise ValidationError("this model version has no per-tumour growth rate (r_g)")
        ones = np.ones(n)
        g, h = self._genotype, self._host
        alpha = p["alpha"] * np.asarray(traits.get("alpha", ones), dtype=float)
        q = {
            "alpha": alpha,
            "beta": alpha / p["alpha_beta"],
            "n0": p["n0"] * np.asarray(traits.get("n0", ones), dtype=float),
            "tau": np.asarray(traits.get("infiltration", ones), dtype=float),
            "r_g": p["r"] * np.asarray(traits.get("r", ones), dtype=float),
            "chronic": g["chronic"] * ones,
            **{k: v * ones for k, v in g.items() if k != "chronic"},
            **{k: v * ones for k, v in h.items()},
        }
        drive = Drive(self._interventions, dict(p))
        t0 = min([0.0, *drive.breakpoints()])
        t_end = float(self.days.max()) + 1.0
        probes = tuple(float(d) for d in self.days if t0 < d < t_end)
        grid = self._cache.get("grid")  # the grid depends on the schedule and dose days only
        if grid is None:
            grid = build_grid(self._schedule, drive, t0, t_end, probes=probes,
                              **grid_options(self.setting))  # fmt: skip
            self._cache["grid"] = grid
        z0 = initial_state(dict(p), q, n)
        threads = numba.get_num_threads()
        if n <= _ONE_THREAD:  # one block group: threads would only wait on each other
            numba.set_num_threads(1)
        try:
            sol = integrate(z0, dict(p), q, self._schedule, drive, t0, t_end, probes=probes,
                            grid=grid, check_finite=False)  # fmt: skip
        finally:
            numba.set_num_threads(threads)
        out = np.empty((n, self.days.size))
        for k, d in enumerate(self.days):
            z = z0 if d <= t0 else sol.probes[float(d)]
            out[:, k] = (np.exp(z[0]) + z[1:5].sum(axis=0)) / CELLS_PER_MM3
        out[~np.isfinite(out)] = np.nan
        return out
