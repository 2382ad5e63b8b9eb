"""One virtual tumour: its parameters, time courses, reference solution and SBML export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ifnexus.errors import ValidationError
from ifnexus.model._limits import check_days
from ifnexus.model._params import parameters
from ifnexus.model._radiobiology import Schedule, parse_schedule
from ifnexus.model._solver import (
    Drive,
    Grid,
    build_grid,
    grid_options,
    integrate,
    solve_reference,
)
from ifnexus.model._system import IDX, LOG_ROWS, STATE_NAMES, initial_state, signals
from ifnexus.model._variants import (
    Intervention,
    canonical_host,
    genotype_label,
    parse_genotype,
    parse_host,
    parse_interventions,
)

__all__ = ["TumourModel", "tumour_model"]


@dataclass(frozen=True)
class TumourModel:
    """One tumour under one schedule: scalar parameters ``p`` and tumour/host factors ``q``.

    Build it with :func:`tumour_model`. Times are days from the first fraction; the simulation
    starts at ``t0`` (earlier when an intervention starts before radiotherapy: from ``t0`` to
    the first fraction the clonogens are held at their sampled number while the intervention
    acts on the signalling and immune states, so the tumour meets radiotherapy at its size).

    Parameters
    ----------
    schedule
        The radiotherapy :class:`Schedule`.
    setting
        ``"patient"`` or ``"mouse"``.
    p
        Scalar parameter values by name.
    q
        Tumour traits and tumour/host competence factors by name.
    interventions
        The parsed interventions.
    days
        Follow-up in days from the first fraction.
    genotype, host
        Labels of the tumour genotype and host.
    in_vitro
        Tumour cells only (no host, immune layer or carrying capacity).
    """

    schedule: Schedule
    setting: str
    p: dict
    q: dict
    interventions: tuple[Intervention, ...]
    days: float
    genotype: str = "wild-type"
    host: str = "immunocompetent"
    in_vitro: bool = False

    @property
    def drive(self) -> Drive:
        """Time-dependent intervention inputs."""
        return Drive(self.interventions, self.p, first_fraction=self.schedule.first_day)

    @property
    def t0(self) -> float:
        """Start of the simulation (first fraction, or the first intervention if earlier)."""
        return min([self.schedule.first_day, *self.drive.breakpoints()])

    @property
    def t_end(self) -> float:
        """End of follow-up."""
        return self.schedule.first_day + self.days

    def initial_state(self) -> np.ndarray:
        """Return the pre-treatment state.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_states, 1)``; row 0 is ``ln N``.
        """
        return initial_state(self.p, self.q, 1, self.in_vitro)

    def grid(self) -> Grid:
        """Return the solver's time grid for this tumour.

        Returns
        -------
        Grid
            A node at every jump (fraction, dose, window edge), steps growing in between.
        """
        return build_grid(
            self.schedule, self.drive, self.t0, self.t_end, probes=(), **grid_options(self.setting)
        )

    def simulate(self, backend: str = "numba") -> pd.DataFrame:
        """Compute the time courses of every state and observable at the solver's grid times.

        Parameters
        ----------
        backend
            ``"numba"`` (compiled kernel, default) or ``"numpy"`` (the readable reference loop).

        Returns
        -------
        pandas.DataFrame
            ``time`` (days from the first fraction) and one column per state (``N`` in cells)
            and observable (``sting``, ``ifn``, ``acute``, ``kill``, ``burden``, ``cd8``);
            values after the jump at fraction times.
        """
        sol = integrate(self.initial_state(), self.p, self.q, self.schedule, self.drive, self.t0,
                        self.t_end, keep=np.array([0]), grid=self.grid(), in_vitro=self.in_vitro,
                        backend=backend)  # fmt: skip
        z = sol.full[:, :, 0].T  # type: ignore[index]  # keep= was given, so full is set
        return self._frame(sol.t, z)

    def reference(self, t_eval: ArrayLike, **kwargs: Any) -> pd.DataFrame:
        """Solve the same tumour with scipy ``solve_ivp`` (Radau, rtol 1e-8 by default).

        Parameters
        ----------
        t_eval
            Times in days from the first fraction, within the simulated follow-up.
        **kwargs
            ``method``, ``rtol``, ``atol`` of ``solve_ivp``.

        Returns
        -------
        pandas.DataFrame
            The same columns as :meth:`simulate` at ``t_eval`` (at a fraction time, the value
            after the jump).

        Raises
        ------
        ValidationError
            A time outside the simulated follow-up.
        """
        t_eval = np.asarray(t_eval, dtype=float) + self.schedule.first_day
        if np.any(t_eval < self.t0) or np.any(t_eval > self.t_end):
            raise ValidationError("t_eval must lie within the simulated follow-up")
        y = solve_reference(self.initial_state(), self.p, self.q, self.schedule, self.drive,
                            self.t0, self.t_end, t_eval, in_vitro=self.in_vitro, **kwargs)  # fmt: skip
        z = y.T.copy()
        z[list(LOG_ROWS)] = np.log(np.maximum(z[list(LOG_ROWS)], 1e-300))
        return self._frame(t_eval, z)

    def _frame(self, t: np.ndarray, z: np.ndarray) -> pd.DataFrame:
        d = self.drive
        wins = np.array([d.window_factors(tt) for tt in t]).reshape(-1, 3)
        ifnb = np.array([d.ifnb_level(tt) for tt in t], dtype=float)
        sg = signals(z, self.p, self.q, block=wins[:, 0], jak=wins[:, 1], amp=wins[:, 2],
                     in_vitro=self.in_vitro, ifnb=ifnb, **d.node_levels(t))  # fmt: skip
        out = {"time": t - self.schedule.first_day}
        for i, name in enumerate(STATE_NAMES):
            out[name] = np.exp(z[i]) if i in LOG_ROWS else z[i]
        for name in ("sting", "ifn", "acute", "kill"):
            out[name] = np.broadcast_to(sg[name], t.shape)
        out["burden"] = sg["B"]
        out["cd8"] = z[IDX["cd8_bystander"]] + z[IDX["cd8_effector"]]
        return pd.DataFrame(out)

    def to_sbml(self) -> str:
        """Export this tumour as SBML Level 3 Version 2 (see :func:`ifnexus.model.to_sbml`).

        Returns
        -------
        str
            The SBML document.
        """
        from ifnexus.model._sbml import to_sbml

        return to_sbml(self)


def _trait(name: str, value: object, minimum: float | None = None) -> float:
    """Return a tumour trait as a finite float (at least ``minimum``), or raise naming it."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or (minimum is not None and v < minimum):
        at_least = "" if minimum is None else f" >= {minimum:g}"
        raise ValidationError(f"{name} must be a finite number{at_least}, got {value!r}")
    return v


def tumour_model(
    schedule: str | Schedule,
    *,
    setting: str = "patient",
    disease: str = "gross",
    genotype: str | Sequence[str] | None = None,
    host: str | None = None,
    interventions: str | Intervention | Sequence[str | Intervention] = (),
    days: float | None = None,
    params: dict[str, float] | None = None,
    alpha: float | None = None,
    alpha_beta: float | None = None,
    n0: float | None = None,
    infiltration: float = 1.0,
    chronic: float | None = None,
    in_vitro: bool = False,
    growth_rate: float | None = None,
) -> TumourModel:
    """One tumour at the median of the population (or with the given traits).

    Parameters
    ----------
    schedule, setting, disease, genotype, host, interventions, days, params
        As in :func:`ifnexus.model.simulate_cohort`.
    alpha, alpha_beta, n0, infiltration, chronic
        Tumour traits; default the setting's medians (``chronic`` from the genotype). Finite;
        ``alpha``, ``alpha_beta`` and ``n0`` > 0, ``infiltration`` and ``chronic`` >= 0.
    in_vitro
        Tumour cells only (no host, immune layer or carrying capacity).
    growth_rate
        Clonogen growth rate in 1/d (>= 0, as the parameter ``r``); default the setting's
        median ``r``.

    Returns
    -------
    TumourModel
        The tumour, ready to ``simulate()``, ``reference()`` or export ``to_sbml()``.

    Raises
    ------
    ValidationError
        Unknown disease extent, post-operative disease in the mouse setting, or
        pre-operative disease (a cohort setting: its resection draws a margin and residual
        disease per tumour, and the single tumour and its SBML export have no resection);
        a trait that is not a finite number in its range.
    """
    from ifnexus.model._cohort import DEFAULT_DAYS, DISEASES

    p = parameters(setting, **(params or {}))
    if disease not in DISEASES:
        raise ValidationError(
            f"unknown disease extent {disease!r}; accepted: {', '.join(DISEASES)}"
        )
    if disease == "preop":
        raise ValidationError(
            "disease='preop' is simulated in cohorts only (simulate_cohort, 'ifnexus simulate "
            "--disease preop'): its resection draws a margin and residual disease per tumour, "
            "and the single-tumour model and its SBML export have no resection event"
        )
    g = parse_genotype(genotype)
    h = parse_host(host)
    if in_vitro:
        h = {"h_T": 0.0, "h_ifnar": 0.0, "h_sting": 0.0}
    a = p["alpha"] if alpha is None else _trait("alpha", alpha)
    ab = p["alpha_beta"] if alpha_beta is None else _trait("alpha_beta", alpha_beta)
    if a <= 0 or ab <= 0:
        raise ValidationError(f"alpha and alpha/beta must be > 0, got {a:g} and {ab:g}")
    n0v = (p["n0_postop"] if disease == "postop" else p["n0"]) if n0 is None else _trait("n0", n0)
    if n0v <= 0:
        raise ValidationError(f"n0 must be > 0 cells, got {n0v:g}")
    q = {
        "alpha": a,
        "beta": a / ab,
        "n0": n0v,
        "tau": _trait("infiltration", infiltration, 0.0),
        **{k: v for k, v in g.items() if k != "chronic"},
        "chronic": g["chronic"] if chronic is None else _trait("chronic", chronic, 0.0),
        "r_g": p["r"] if growth_rate is None else _trait("growth_rate", growth_rate, 0.0),
        **h,
    }
    d = DEFAULT_DAYS[setting] if days is None else check_days(days)
    return TumourModel(
        schedule=parse_schedule(schedule), setting=setting, p=p, q=q,
        interventions=parse_interventions(interventions), days=d,
        genotype=genotype_label(genotype), host="none (in vitro)" if in_vitro else canonical_host(host),
        in_vitro=bool(in_vitro),
    )  # fmt: skip
