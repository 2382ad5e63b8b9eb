"""Synthetic growth studies with known truth: the identifiability checks and coverage studies.

Each animal draws its random effects from ``N(0, omega^2)`` and each measurement a
log-normal residual with SD ``sigma``, then the volumes come from the same kernel the fit uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import ValidationError
from ifnexus.fit._data import Arm, GrowthData, growth_data
from ifnexus.fit._simulate import RANDOM_EFFECTS, ArmSimulator

__all__ = ["simulate_growth_study"]


def simulate_growth_study(
    arms: Sequence[Arm],
    *,
    animals: int = 10,
    days: Sequence[float] = (0, 3, 6, 9, 12, 15, 18, 21),
    params: Mapping[str, float] | None = None,
    omega: Mapping[str, float] | None = None,
    sigma: float = 0.1,
    setting: str = "mouse",
    rng: RngLike = 0,
) -> GrowthData:
    """Simulate a growth study from known parameters.

    Parameters
    ----------
    arms
        The arms; every arm gets ``animals`` animals measured on ``days``.
    animals
        Animals per arm.
    days
        Measurement days (study clock).
    params
        Model parameter values (overrides of the setting's).
    omega
        SD of the log random effect of each trait (``n0``, ``alpha``, ``infiltration``).
    sigma
        SD of the log residual error.
    setting
        Parameter setting.
    rng
        Seed.

    Returns
    -------
    GrowthData
        The study; animals are named ``<arm>-<k>``.

    Raises
    ------
    ValidationError
        Fewer than one animal, negative ``sigma`` or ``omega``, an unknown trait.
    """
    from ifnexus.model import parameters

    if animals < 1:
        raise ValidationError(f"animals must be >= 1, got {animals}")
    if sigma < 0:
        raise ValidationError(f"sigma must be >= 0, got {sigma:g}")
    om = dict(omega or {})
    for k, v in om.items():
        if k not in RANDOM_EFFECTS:
            raise ValidationError(
                f"omega: unknown trait {k!r}; accepted: {', '.join(RANDOM_EFFECTS)}"
            )
        if v < 0:
            raise ValidationError(f"omega[{k!r}] must be >= 0, got {v:g}")
    g = as_generator(rng)
    p = parameters(setting, **dict(params or {}))
    d = np.asarray(days, dtype=float)
    rows = []
    for arm in arms:
        sim = ArmSimulator(arm, d, setting)
        traits = {k: np.exp(v * g.standard_normal(animals)) for k, v in om.items()}
        if not traits:
            traits = {"n0": np.ones(animals)}
        vol = sim.volumes(p, traits) * np.exp(sigma * g.standard_normal((animals, sim.days.size)))
        for i in range(animals):
            for j, day in enumerate(sim.days):
                rows.append((f"{arm.name}-{i + 1}", arm.name, day, vol[i, j]))
    df = pd.DataFrame(rows, columns=["animal", "arm", "day", "volume"])
    return growth_data(df, {a.name: a for a in arms}, source="<synthetic study>")
