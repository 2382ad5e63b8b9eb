"""IFN time courses of a trial's arms: the model's recorded trajectories, summarised per arm.

:func:`ifnexus.trial.run_trial` keeps one row per patient, not trajectories. The designer shows
how each arm moves the tumour's IFN-I, so :func:`ifn_timecourses` reruns a small cohort of each
arm with :func:`ifnexus.model.simulate_cohort` (``record=``) on the trial's population (the
same IFN-state mix, disease, parameter overrides and seed, so every arm sees the same sampled
patients) over the first weeks (cached per arm: editing one arm reruns only that arm), and summarises the recorded ``ifn`` state on a daily grid: the
median and the 10th-90th percentile band across patients. The band is the spread between
patients, not a confidence interval.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._figures import new_axes

__all__ = ["ifn_timecourses", "plot_ifn_timecourses"]


def ifn_timecourses(
    design: Any,
    *,
    n_patients: int = 12,
    days: float = 63.0,
    state: str = "ifn",
) -> pd.DataFrame:
    """Per-arm median and 10-90% band of a model state over time, on the trial's population.

    Parameters
    ----------
    design
        A :class:`ifnexus.trial.TrialDesign`.
    n_patients
        Patients recorded per arm (1 to 200; the same sampled patients in every arm).
    days
        Days from the first fraction (at most the trial's follow-up).
    state
        The recorded model state (``ifn``: IFN-I in the tumour, EC50 units; ``acute``,
        ``cd8``, ``burden``, ... as in :attr:`ifnexus.model.CohortResult.timecourses`).

    Returns
    -------
    pandas.DataFrame
        ``arm``, ``state``, ``day`` (0, 1, ... ``days``), ``median``, ``lower`` (10th
        percentile), ``upper`` (90th), ``n`` (patients recorded).

    Raises
    ------
    ValidationError
        ``n_patients`` outside 1-200, ``days`` not positive, or an unknown ``state``.
    """
    from ifnexus.errors import ValidationError
    from ifnexus.trial import DAYS_PER_YEAR, ifn_mix_parameters

    if not 1 <= int(n_patients) <= 200:
        raise ValidationError(f"n_patients must be in 1-200, got {n_patients}")
    if not days > 0:
        raise ValidationError(f"days must be > 0, got {days}")
    pop = design.population
    horizon = float(min(days, design.followup_years * DAYS_PER_YEAR))
    params = ifn_mix_parameters(pop.ifn_mix, pop.params) if pop.ifn_mix else dict(pop.params)
    key = tuple(sorted((params or {}).items()))
    frames = [
        _arm_timecourse(arm.schedule, tuple(arm.interventions), pop.setting, pop.disease,
                        pop.margin, key, design.seed, int(n_patients), horizon, state)
        .assign(arm=arm.name)
        for arm in design.arms
    ]  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    return out[["arm", "state", "day", "median", "lower", "upper", "n"]]


@functools.lru_cache(maxsize=64)
def _arm_timecourse(
    schedule: str,
    interventions: tuple[str, ...],
    setting: str,
    disease: str,
    margin: str | None,
    params: tuple[tuple[str, float], ...],
    seed: int,
    n_patients: int,
    horizon: float,
    state: str,
) -> pd.DataFrame:
    """One arm's summary; cached, so editing one arm in the designer reruns only that arm."""
    from ifnexus.model import simulate_cohort

    res = simulate_cohort(
        schedule, n_patients=n_patients, setting=setting, disease=disease,
        interventions=list(interventions), days=horizon, rng=seed, record=n_patients,
        params=dict(params) or None, margin=margin,
    )  # fmt: skip
    grid = np.arange(0.0, np.floor(horizon) + 1.0)
    rec = res.trajectories
    values = rec.state(state)  # (patients, times)
    curves = [np.interp(grid, rec.times, v) for v in values[np.isfinite(values).all(axis=1)]]
    m = np.vstack(curves) if curves else np.full((1, grid.size), np.nan)
    lo, med, hi = np.percentile(m, [10, 50, 90], axis=0)
    return pd.DataFrame({"state": state, "day": grid, "median": med, "lower": lo, "upper": hi,
                         "n": len(curves)})  # fmt: skip


def draw_ifn_curves(ax: Any, timecourses: pd.DataFrame) -> list[Any]:
    """Draw each arm's median and 10-90% band on ``ax``.

    The curves of :func:`plot_ifn_timecourses`, also drawn by the designer on a cached frame
    (``ifnexus.serve._canvas``).

    Parameters
    ----------
    ax
        Axes to draw on.
    timecourses
        The table of :func:`ifn_timecourses`.

    Returns
    -------
    list
        The artists, bands first (a full draw draws collections before lines).
    """
    fills, lines = [], []
    for i, (name, g) in enumerate(timecourses.groupby("arm", sort=False)):
        colour = f"C{i % 10}"
        x = g["day"].to_numpy(float)
        lines.extend(ax.plot(x, g["median"].to_numpy(float), color=colour, lw=1.6,
                             label=str(name)))  # fmt: skip
        fills.append(ax.fill_between(x, g["lower"].to_numpy(float), g["upper"].to_numpy(float),
                                     color=colour, alpha=0.18, lw=0))  # fmt: skip
    return [*fills, *lines]


def plot_ifn_timecourses(timecourses: pd.DataFrame, *, ax: Any = None) -> Any:
    """Median and 10-90% band of each arm's time course (:func:`ifn_timecourses`).

    Parameters
    ----------
    timecourses
        The table of :func:`ifn_timecourses`.
    ax
        Axes to draw on (a new figure's when None).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = new_axes(ax, (6.5, 3.6))
    draw_ifn_curves(ax, timecourses)
    state = str(timecourses["state"].iloc[0]) if len(timecourses) else "ifn"
    ax.set_xlabel("days from the first fraction")
    ax.set_ylabel("IFN-I in the tumour (EC50)" if state == "ifn" else state)
    ax.set_title("median and 10-90% of patients", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    return ax
