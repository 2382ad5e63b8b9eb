"""Search a radiotherapy + immunotherapy design space for the best local control under a constraint.

A search space is a small TOML file (:func:`read_space`; ``docs/trial.md``): ranges for the dose
per fraction, the number of fractions and the overall treatment time, and the timing, number and
spacing of doses (or the window) of the model's interventions (a STING agonist, IFNAR or JAK
blockade, anti-PD-1, an IFN amplifier: :data:`ifnexus.model.INTERVENTIONS`), an organ-at-risk
constraint on the LKB NTCP or the EQD2 of :func:`ifnexus.trial.organ_dose`, and the population.
:func:`optimise_design` maximises local control at the endpoint for the population and, separately,
for acute-competent, chronic and IFN-deficient tumours.

Optimiser: :func:`scipy.optimize.differential_evolution` (seeded; ``integrality`` for fraction
counts, dose counts, days and on/off switches; the organ constraint as a
:class:`scipy.optimize.NonlinearConstraint`, which differential evolution handles by preferring
feasible members, Lampinen 2002). It needs no gradient, which matters because a finite cohort's
local control is a step function of the design. Every evaluation simulates the same virtual
patients (the same seed: common random numbers), so designs differ only by their treatment.
The objective is the counted local control at the endpoint (the model's world without deaths,
the trial's ``local_control_net``); ties, frequent since it moves in steps of ``1/n``, are broken
by the mean of the model's per-tumour TCP (Zaider-Minerbo) weighted by ``0.5/n``, which can never
outweigh one patient. The best few designs are the best distinct feasible designs evaluated
during the search.

Robustness: each best design is re-evaluated (a) under posterior draws of the model parameters
when ``[population] posterior`` is given, else under a joint perturbation of the uncertain
parameters :data:`UNCERTAIN_PARAMETERS` (each multiplied by an independent factor uniform in
``[1 - f, 1 + f]``, ``f = perturbation``, default 0.2), on the same patients; and (b) on fresh
virtual patients (other seeds) with the nominal parameters. The tables say which.
"""

from __future__ import annotations

import difflib
import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._textfile import read_toml
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.trial._design import (
    DAYS_PER_YEAR,
    IFN_STATES,
    Population,
    _check_keys,
    _number,
    _population,
    _string,
    _table,
    _Where,
)

__all__ = [
    "UNCERTAIN_PARAMETERS",
    "OptimisationResult",
    "OptimisationSpace",
    "optimise_design",
    "plot_optimised",
    "read_space",
    "space_from_dict",
]

#: model parameters perturbed in the robustness check when no posterior is given
UNCERTAIN_PARAMETERS: tuple[str, ...] = (
    "alpha", "alpha_beta", "n0", "r", "k_A", "e_kill", "k_T", "p_tum", "rho_R",
)  # fmt: skip

_TABLES = ("optimise", "population", "endpoint", "schedule", "interventions", "constraint")
_OPT_KEYS = ("name", "seed", "patients", "followup_years", "generations", "population_size",
             "top", "states", "reference", "robustness_draws", "perturbation")  # fmt: skip
_SCHEDULE_KEYS = ("dose_per_fraction", "fractions", "overall_days")
_IMPULSE_KEYS = ("optional", "day", "dose", "repeat", "every")
_WINDOW_KEYS = ("optional", "start", "length", "dose")
_CONSTRAINT_KEYS = ("organ", "relative_dose", "volume", "max_ntcp", "max_eqd2")
_INTEGER = {"fractions", "overall_days", "day", "repeat", "every", "start", "length"}
#: accepted values of each variable (inclusive)
_LIMITS: dict[str, tuple[float, float]] = {
    "dose_per_fraction": (0.1, 30.0), "fractions": (1, 60), "overall_days": (0, 120),
    "day": (-60, 180), "repeat": (1, 20), "every": (1, 60), "start": (-60, 180),
    "length": (1, 365), "dose": (0.0, 10.0),
}  # fmt: skip
_STATE_CHOICES = ("population", *IFN_STATES)
_ISO_HINT = ', or "iso-toxic": the largest dose the constraint allows'


@dataclass(frozen=True)
class Variable:
    """One searched (``lo < hi``) or fixed (``lo == hi``) quantity of the design."""

    name: str
    lo: float
    hi: float
    integer: bool = False

    @property
    def searched(self) -> bool:
        """True when the optimiser varies it."""
        return self.hi > self.lo


@dataclass(frozen=True)
class Constraint:
    """An organ at risk and the limit on its NTCP or EQD2 (hottest bin)."""

    organ: str
    relative_dose: float = 1.0
    volume: float = 1.0
    max_ntcp: float | None = None
    max_eqd2: float | None = None

    @property
    def kind(self) -> str:
        """``"ntcp"`` or ``"eqd2"``."""
        return "ntcp" if self.max_ntcp is not None else "eqd2"

    @property
    def limit(self) -> float:
        """The limit."""
        return float(self.max_ntcp if self.max_ntcp is not None else self.max_eqd2)  # type: ignore[arg-type]

    def value(self, schedule: str) -> float:
        """Return the constrained quantity of ``schedule``.

        Parameters
        ----------
        schedule
            A schedule string.

        Returns
        -------
        float
            LKB NTCP or the hottest-bin EQD2 (Gy) of the organ.
        """
        from ifnexus.trial._ntcp import organ_dose

        d = organ_dose(schedule, self.organ, relative_dose=self.relative_dose, volume=self.volume)
        return float(d["ntcp"] if self.kind == "ntcp" else d["max_eqd2"])


@dataclass(frozen=True)
class OptimisationSpace:
    """What :func:`optimise_design` searches, for whom, and under which constraint.

    Parameters
    ----------
    variables
        Searched or fixed quantities: ``schedule.*`` and ``<intervention>.*`` names.
    interventions
        The interventions in the space (names of :data:`ifnexus.model.INTERVENTIONS`).
    constraint
        The organ-at-risk limit.
    population
        The virtual patients (as in a trial design).
    local_control_years
        The endpoint time.
    followup_years
        Simulated follow-up.
    patients
        Virtual patients per evaluation (the same in every evaluation).
    seed
        Seed of the patients and of the optimiser.
    generations, population_size
        Differential evolution's ``maxiter`` and ``popsize``.
    top
        How many best designs to report per population.
    states
        ``"population"`` (the given mix) and/or the IFN states to optimise for separately.
    reference
        The reference schedule of the exported trial designs.
    robustness_draws
        Draws of the robustness check (parameters and fresh patients each).
    perturbation
        Half-width ``f`` of the parameter factors when no posterior is given.
    name, source
        A title, and the file it came from.
    iso_toxic
        ``[schedule] dose_per_fraction = "iso-toxic"``: each design gets the largest dose per
        fraction (0.01 Gy steps) that meets the constraint, so only the fractions (and timing)
        are searched.
    """

    variables: tuple[Variable, ...]
    interventions: tuple[str, ...]
    constraint: Constraint
    population: Population = field(default_factory=Population)
    local_control_years: float = 2.0
    followup_years: float = 3.0
    patients: int = 300
    seed: int = 0
    generations: int = 20
    population_size: int = 8
    top: int = 3
    states: tuple[str, ...] = _STATE_CHOICES
    reference: str = "50Gy/25fx"
    robustness_draws: int = 10
    perturbation: float = 0.2
    name: str = "design search"
    source: str | None = None
    iso_toxic: bool = False

    def variable(self, name: str) -> Variable | None:
        """Return the variable called ``name`` (``None`` if the space has none).

        Parameters
        ----------
        name
            E.g. ``"schedule.fractions"``.

        Returns
        -------
        Variable or None
            The variable.
        """
        for v in self.variables:
            if v.name == name:
                return v
        return None

    @property
    def searched(self) -> tuple[Variable, ...]:
        """The variables the optimiser varies."""
        return tuple(v for v in self.variables if v.searched)

    def realise(self, x: Mapping[str, float]) -> tuple[str, tuple[str, ...]]:
        """Turn variable values into a schedule string and intervention strings.

        Parameters
        ----------
        x
            Values by variable name (fixed variables may be left out).

        Returns
        -------
        tuple
            The schedule (``"dGy xN"`` on weekdays, or ``"day:dose,..."`` spread evenly over
            ``overall_days`` when the space has it) and the interventions.
        """
        val = {v.name: float(x.get(v.name, v.lo)) for v in self.variables}
        for v in self.variables:
            if v.integer:
                val[v.name] = float(round(val[v.name]))
        n = int(val["schedule.fractions"])
        days = None
        if "schedule.overall_days" in val:
            span = max(val["schedule.overall_days"], n - 1.0)
            days = np.floor(np.linspace(0.0, span, n) + 0.5) if n > 1 else np.zeros(1)
        if self.iso_toxic:
            d = _iso_toxic_dose(self.constraint, n, None if days is None else tuple(days))
        else:
            d = round(val["schedule.dose_per_fraction"], 2)
        schedule = _schedule_text(d, n, days)
        ivs = []
        for name in self.interventions:
            if val.get(f"{name}.use", 1.0) < 0.5:
                continue
            dose = round(val[f"{name}.dose"], 3)
            if f"{name}.day" in val:
                ivs.append(
                    f"{name}:day={val[f'{name}.day']:g},dose={dose:g},"
                    f"repeat={val[f'{name}.repeat']:g},every={val[f'{name}.every']:g}"
                )
            else:
                start = val[f"{name}.start"]
                ivs.append(
                    f"{name}:start={start:g},end={start + val[f'{name}.length']:g},dose={dose:g}"
                )
        return schedule, tuple(ivs)


def _schedule_text(d: float, n: int, days: Any) -> str:
    if days is None:
        return f"{d:g}Gy x{n}"
    return ",".join(f"{int(t)}:{d:g}" for t in days)


_ISO_CACHE: dict[tuple[Any, ...], float] = {}


def _iso_toxic_dose(c: Constraint, n: int, days: tuple[float, ...] | None) -> float:
    """Largest dose per fraction (0.01 Gy steps, rounded down) meeting the constraint."""
    from scipy.optimize import brentq

    key = (c, n, days)
    if key not in _ISO_CACHE:
        lo, hi = _LIMITS["dose_per_fraction"]

        def excess(d: float) -> float:
            return c.value(_schedule_text(d, n, days)) - c.limit

        if excess(hi) <= 0:
            d = hi
        elif excess(lo) > 0:
            d = lo
        else:
            d = float(brentq(excess, lo, hi, xtol=1e-6))
        _ISO_CACHE[key] = math.floor(d * 100 + 1e-9) / 100
    return _ISO_CACHE[key]


# ------------------------------------------------------------------------------- reading


def read_space(path: str | os.PathLike[str]) -> OptimisationSpace:
    """Read a design search space from a TOML file (``docs/trial.md`` lists every key).

    Parameters
    ----------
    path
        The TOML file; relative ``patient_table`` / ``posterior`` paths are read from its folder.

    Returns
    -------
    OptimisationSpace
        The checked space.

    Raises
    ------
    InputFormatError
        Unreadable file or invalid TOML.
    ValidationError
        Unknown keys (with the closest known one), an empty range, a value out of bounds, a
        constraint no design in the space can meet: the message names the key and line.
    UnknownNameError
        An unknown intervention, organ or IFN state.
    """
    p = Path(path)
    data, text = read_toml(p, "search space")
    return space_from_dict(data, source=str(p), text=text, base_dir=p.parent)


def _unknown(key: str, accepted: tuple[str, ...], where: str, what: str) -> ValidationError:
    close = difflib.get_close_matches(str(key), accepted, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ValidationError(f"{where}unknown {what} '{key}'{hint} (accepted: {', '.join(accepted)})")


def _variable(
    d: Mapping[str, Any], key: str, name: str, where: str, default: Any = None
) -> Variable:
    """Read a number (fixed) or a two-element ``[lo, hi]`` range (searched)."""
    v = d.get(key, default)
    integer = key in _INTEGER
    lo_lim, hi_lim = _LIMITS[key]
    kind = "whole numbers" if integer else "numbers"
    if isinstance(v, list):
        if len(v) != 2 or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in v
        ):
            raise ValidationError(
                f"{where}'{key}' must be a number or a range [low, high] of two {kind}, got {v!r}"
            )
        lo, hi = float(v[0]), float(v[1])
    elif isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        lo = hi = float(v)
    else:
        raise ValidationError(f"{where}'{key}' must be a number or a range [low, high], got {v!r}")
    if integer and (lo != int(lo) or hi != int(hi)):
        raise ValidationError(f"{where}'{key}' must be whole numbers, got {v!r}")
    if hi < lo:
        raise ValidationError(
            f"{where}'{key}' is an empty range [{lo:g}, {hi:g}]: the low end must not exceed the high end"
        )
    if lo < lo_lim or hi > hi_lim:
        raise ValidationError(f"{where}'{key}' must lie within [{lo_lim:g}, {hi_lim:g}], got {v!r}")
    return Variable(name=name, lo=lo, hi=hi, integer=integer)


def space_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    text: str | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> OptimisationSpace:
    """Build and check a search space from the tables of its TOML file, given as a dict.

    Parameters
    ----------
    data
        Tables ``optimise``, ``population``, ``endpoint``, ``schedule``, ``interventions`` and
        ``constraint`` (see :func:`read_space`).
    source
        The file name for messages.
    text
        The TOML text (for line numbers in messages).
    base_dir
        Folder for relative paths.

    Returns
    -------
    OptimisationSpace
        The checked space.

    Raises
    ------
    ValidationError, UnknownNameError
        As :func:`read_space`.
    """
    from ifnexus.model import INTERVENTIONS
    from ifnexus.model._variants import _IMPULSE
    from ifnexus.trial._ntcp import canonical_organ

    w = _Where(text, source)
    for k in data:
        if k not in _TABLES:
            raise _unknown(k, _TABLES, w.at(k), "table")
    opt = _table(data, "optimise", w)
    _check_keys(opt, "optimise", w, allowed=_OPT_KEYS)

    def at(tab: str, k: str | None = None) -> str:
        return w.at(tab, key=k)

    fu = _number(
        opt, "followup_years", 3.0, at("optimise", "followup_years"), lo=0, open_lo=True, hi=10
    )
    ep = _table(data, "endpoint", w)
    _check_keys(ep, "endpoint", w, allowed=("local_control_years",))
    lc_years = _number(ep, "local_control_years", min(2.0, fu), at("endpoint", "local_control_years"),
                       lo=0, open_lo=True, hi=fu)  # fmt: skip
    states = opt.get("states", list(_STATE_CHOICES))
    if isinstance(states, str):
        states = [states]
    if not isinstance(states, list) or not states or not all(isinstance(s, str) for s in states):
        raise ValidationError(
            f"{at('optimise', 'states')}'states' must be a list of {', '.join(_STATE_CHOICES)}"
        )
    for s in states:
        if s not in _STATE_CHOICES:
            close = difflib.get_close_matches(s, _STATE_CHOICES, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UnknownNameError(
                f"{at('optimise', 'states')}unknown state '{s}' in 'states'{hint} (accepted: {', '.join(_STATE_CHOICES)})"
            )
    reference = _string(opt, "reference", "50Gy/25fx", at("optimise", "reference"))
    from ifnexus.errors import IfnexusError
    from ifnexus.model import parse_schedule

    try:
        parse_schedule(reference)
    except IfnexusError as exc:
        raise ValidationError(f"{at('optimise', 'reference')}'reference': {exc.args[0]}") from None

    sched = _table(data, "schedule", w)
    _check_keys(sched, "schedule", w, allowed=_SCHEDULE_KEYS)
    variables: list[Variable] = []
    iso = sched.get("dose_per_fraction") == "iso-toxic"
    for key in ("dose_per_fraction", "fractions"):
        if key not in sched:
            raise ValidationError(
                f"{at('schedule')}[schedule] needs '{key}' (a number or a range [low, high]"
                f"{'' if key == 'fractions' else _ISO_HINT})"
            )
        if not (iso and key == "dose_per_fraction"):
            variables.append(_variable(sched, key, f"schedule.{key}", at("schedule", key)))
    if "overall_days" in sched:
        variables.append(
            _variable(
                sched, "overall_days", "schedule.overall_days", at("schedule", "overall_days")
            )
        )

    ivs = _table(data, "interventions", w)
    names: list[str] = []
    for name, tab in ivs.items():
        if name not in INTERVENTIONS:
            close = difflib.get_close_matches(str(name), INTERVENTIONS, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UnknownNameError(
                f"{at('interventions.' + name)}unknown intervention '{name}' in [interventions]{hint} (accepted: {', '.join(INTERVENTIONS)})"
            )
        if not isinstance(tab, Mapping):
            raise ValidationError(
                f"{at('interventions.' + name)}[interventions.{name}] must be a table"
            )
        tname = f"interventions.{name}"
        impulse = name in _IMPULSE
        allowed = _IMPULSE_KEYS if impulse else _WINDOW_KEYS
        for k in tab:
            if k not in allowed:
                raise _unknown(k, allowed, w.at(tname, key=k), f"key in [{tname}]")
        optional = tab.get("optional", False)
        if not isinstance(optional, bool):
            raise ValidationError(
                f"{w.at(tname, key='optional')}'optional' must be true or false, got {optional!r}"
            )
        if optional:
            variables.append(Variable(f"{name}.use", 0.0, 1.0, integer=True))
        defaults: dict[str, Any] = ({"day": 0, "repeat": 1, "every": 7, "dose": 1.0} if impulse
                                    else {"start": 0, "length": 7, "dose": 1.0 if name in ("ifn-amplifier", "ifn-beta") else 0.9})  # fmt: skip
        for k, default in defaults.items():
            variables.append(_variable(tab, k, f"{name}.{k}", w.at(tname, key=k), default))
        if name in {"ifnar-block", "jak-inhibitor"} and variables[-1].hi > 1:
            raise ValidationError(
                f"{w.at(tname, key='dose')}[{tname}] 'dose' is the blocked fraction of signalling and must be <= 1"
            )
        names.append(name)

    con = _table(data, "constraint", w)
    _check_keys(con, "constraint", w, allowed=_CONSTRAINT_KEYS)
    if not con:
        raise ValidationError(
            f"{w.at('constraint')}the search space needs a [constraint] table (organ, and max_ntcp or max_eqd2); without one the answer is simply the highest dose"
        )
    organ = _string(con, "organ", None, at("constraint", "organ"))
    if organ is None:
        raise ValidationError(
            f'{at("constraint")}[constraint] needs \'organ\' (e.g. "skin", "spinal-cord")'
        )
    try:
        organ = canonical_organ(organ)
    except UnknownNameError as exc:
        raise UnknownNameError(f"{at('constraint', 'organ')}{exc.args[0]}") from None
    if ("max_ntcp" in con) == ("max_eqd2" in con):
        raise ValidationError(
            f"{at('constraint')}[constraint] needs exactly one of 'max_ntcp' (0-1) or 'max_eqd2' (Gy)"
        )
    constraint = Constraint(
        organ=organ,
        relative_dose=_number(con, "relative_dose", 1.0, at("constraint", "relative_dose"), lo=0, open_lo=True, hi=2),
        volume=_number(con, "volume", 1.0, at("constraint", "volume"), lo=0, open_lo=True, hi=1),
        max_ntcp=_number(con, "max_ntcp", None, at("constraint", "max_ntcp"), lo=0, hi=1, open_lo=True, open_hi=True),  # type: ignore[arg-type]
        max_eqd2=_number(con, "max_eqd2", None, at("constraint", "max_eqd2"), lo=0, open_lo=True),  # type: ignore[arg-type]
    )  # fmt: skip
    space = OptimisationSpace(
        variables=tuple(variables), interventions=tuple(names), constraint=constraint,
        population=_population(_table(data, "population", w), w, Path(base_dir) if base_dir else None),
        local_control_years=lc_years, followup_years=fu,
        patients=_number(opt, "patients", 300, at("optimise", "patients"), lo=10, hi=20_000, integer=True),
        seed=_number(opt, "seed", 0, at("optimise", "seed"), lo=0, integer=True),
        generations=_number(opt, "generations", 20, at("optimise", "generations"), lo=1, hi=1000, integer=True),
        population_size=_number(opt, "population_size", 8, at("optimise", "population_size"), lo=2, hi=100, integer=True),
        top=_number(opt, "top", 3, at("optimise", "top"), lo=1, hi=20, integer=True),
        states=tuple(dict.fromkeys(states)), reference=reference,
        robustness_draws=_number(opt, "robustness_draws", 10, at("optimise", "robustness_draws"), lo=0, hi=500, integer=True),
        perturbation=_number(opt, "perturbation", 0.2, at("optimise", "perturbation"), lo=0, hi=1, open_hi=True),
        name=_string(opt, "name", "design search", at("optimise", "name")), source=source,
        iso_toxic=iso,
    )  # fmt: skip
    # the organ dose grows with the dose per fraction and the number of fractions, whatever the
    # spacing: the smallest of both is the least any design of the space gives
    low = {v.name: v.lo for v in space.variables}
    sched_low, _ = space.realise(low)
    least = constraint.value(sched_low)
    if least > constraint.limit + 1e-12:
        key = "max_ntcp" if constraint.kind == "ntcp" else "max_eqd2"
        raise ValidationError(
            f"{at('constraint', key)}infeasible constraint: [constraint] {key} = {constraint.limit:g} "
            f"but the gentlest schedule of the space ({sched_low}) already gives {constraint.kind.upper()} "
            f"{least:.4g} to the {organ}; lower [schedule] dose_per_fraction or fractions, or raise {key}"
        )
    return space


# ------------------------------------------------------------------------------- search


@dataclass
class OptimisationResult:
    """The best designs per population, their robustness and the search history.

    Attributes
    ----------
    space
        The space searched.
    best
        One row per (state, rank): ``state``, ``rank``, ``local_control`` (search patients),
        ``schedule``, ``interventions``, the variables, ``constraint_value``, ``total_dose``,
        ``fractions``, ``reference_local_control`` and the reference schedule's constrained
        quantity (reported, not constrained).
    robustness
        Per draw: ``state``, ``rank``, ``source`` (``posterior``, ``perturbation`` or
        ``patients``), ``draw``, ``local_control``.
    history
        Per state and generation: the best objective so far.
    """

    space: OptimisationSpace
    best: pd.DataFrame
    robustness: pd.DataFrame
    history: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """The best designs with their robustness (median and 5-95% range per source)."""
        df = self.best.copy()
        if self.robustness.empty:
            return df
        g = self.robustness.groupby(["state", "rank", "source"])["local_control"]
        agg = g.agg(median="median", q05=lambda s: s.quantile(0.05), q95=lambda s: s.quantile(0.95))
        wide = agg.unstack("source")
        wide.columns = [f"{src}_{stat}" for stat, src in wide.columns]
        return df.merge(wide.reset_index(), on=["state", "rank"], how="left")

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data.

        Returns
        -------
        dict
            ``name``, ``constraint``, ``robustness_source`` and ``best`` (records of
            :attr:`summary`).
        """
        s = self.summary
        c = self.space.constraint
        return {
            "name": self.space.name,
            "constraint": {"organ": c.organ, "kind": c.kind, "limit": c.limit,
                           "relative_dose": c.relative_dose, "volume": c.volume},
            "endpoint_years": self.space.local_control_years,
            "patients": self.space.patients,
            "robustness_source": _robust_source(self.space),
            "best": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                      for k, v in r.items()} for r in s.to_dict(orient="records")],
        }  # fmt: skip

    def design(self, state: str, rank: int = 1) -> Any:
        """Return a trial design comparing the reference schedule with one best design.

        Parameters
        ----------
        state
            ``"population"`` or an IFN state.
        rank
            1 for the best.

        Returns
        -------
        TrialDesign
            Two arms (reference and the optimised design) on that population, with the
            constraint's organ as normal tissue.
        """
        from ifnexus.trial._design import design_from_dict

        row = self.best[(self.best["state"] == state) & (self.best["rank"] == rank)]
        if row.empty:
            raise ValidationError(f"no best design for state {state!r} and rank {rank}")
        r = row.iloc[0]
        sp = self.space
        pop = {k: (dict(v) if isinstance(v, Mapping) else v)
               for k, v in vars(sp.population).items() if v is not None}  # fmt: skip
        if not pop.get("params"):
            pop.pop("params", None)
        if state != "population":
            pop.pop("patient_table", None)
            pop["ifn_mix"] = {s: float(s == state) for s in IFN_STATES}
        ivs = [s for s in str(r["interventions"]).split(";") if s]
        organ: dict[str, Any] = {"organ": sp.constraint.organ, "relative_dose": sp.constraint.relative_dose,
                                 "volume": sp.constraint.volume}  # fmt: skip
        data = {
            "trial": {"name": f"{sp.name}: {state} rank {rank}", "reference": "reference",
                      "patients_per_arm": sp.patients, "followup_years": sp.followup_years,
                      "seed": sp.seed},
            "population": pop,
            "endpoint": {"local_control_years": sp.local_control_years},
            "arms": [{"name": "reference", "schedule": sp.reference},
                     {"name": "optimised", "schedule": str(r["schedule"]), "interventions": ivs}],
            "normal_tissue": {"ntcp_limit": sp.constraint.max_ntcp or 0.05, "organs": [organ]},
        }  # fmt: skip
        return design_from_dict(data)

    def write(self, out: str | os.PathLike[str], *, figures: bool = True) -> None:
        """Write the tables, one trial TOML per best design, the figure and ``summary.json``.

        Files: ``best_designs.csv``, ``robustness.csv``, ``history.csv``,
        ``designs/<state>_rank<k>.toml``, ``optimise.png`` (with ``figures``), ``summary.json``.

        Parameters
        ----------
        out
            The output folder.
        figures
            Also draw the figure.
        """
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps
        from ifnexus.trial._design import design_to_toml

        o = Path(out)
        o.mkdir(parents=True, exist_ok=True)
        write_table(self.summary, o / "best_designs.csv")
        write_table(self.robustness, o / "robustness.csv")
        write_table(self.history, o / "history.csv")
        (o / "designs").mkdir(exist_ok=True)
        for _, r in self.best.iterrows():
            d = self.design(str(r["state"]), int(r["rank"]))
            write_text(o / "designs" / f"{r['state']}_rank{int(r['rank'])}.toml", design_to_toml(d))
        if figures:
            from ifnexus._figures import save_figure

            save_figure(plot_optimised(self), o / "optimise.png")
        write_text(o / "summary.json", dumps(self.to_dict()))


def plot_optimised(result: OptimisationResult, *, ax: Any = None) -> Any:
    """Plot local control of the best design per population against the reference schedule.

    Parameters
    ----------
    result
        An :class:`OptimisationResult`.
    ax
        A matplotlib axes (a new one if ``None``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes: bars for the reference and best design, the robustness 5-95% range as an
        error bar.
    """
    from ifnexus._figures import new_axes

    ax = new_axes(ax, (1.6 + 1.4 * len(result.space.states), 3.4))
    s = result.summary
    top = s[s["rank"] == 1].reset_index(drop=True)
    x = np.arange(len(top))
    lc = top["local_control"].to_numpy(float)
    ax.bar(x - 0.2, top["reference_local_control"].to_numpy(float), 0.4,
           label=f"reference ({result.space.reference})", color="0.7")  # fmt: skip
    ax.bar(x + 0.2, lc, 0.4, label="best design", color="C0")
    src = _robust_source(result.space)
    if f"{src}_q05" in top:
        lo = np.clip(lc - top[f"{src}_q05"].to_numpy(float), 0, None)
        hi = np.clip(top[f"{src}_q95"].to_numpy(float) - lc, 0, None)
        ax.errorbar(x + 0.2, lc, yerr=np.vstack([lo, hi]), fmt="none", color="k", capsize=3,
                    label=f"{src} 5-95%")  # fmt: skip
    ax.set_xticks(
        x,
        [f"{a}\n{b}" for a, b in zip(top["state"], top["schedule"].str.slice(0, 24), strict=True)],
        fontsize=7,
    )
    ax.set_ylabel(f"local control at {result.space.local_control_years:g} y")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    return ax


def _robust_source(space: OptimisationSpace) -> str:
    return "posterior" if space.population.posterior else "perturbation"


def _de_kwargs(seed: int) -> dict[str, Any]:
    from scipy.optimize import differential_evolution

    key = "rng" if "rng" in inspect.signature(differential_evolution).parameters else "seed"
    return {key: seed}


class _Evaluator:
    """Local control of a design on fixed virtual patients, cached by realised design."""

    def __init__(self, space: OptimisationSpace, params: dict[str, float], options: Any,
                 rng: int) -> None:  # fmt: skip
        self.space = space
        self.params = params
        self.options = options
        self.rng = rng
        self.cache: dict[tuple[str, tuple[str, ...]], tuple[float, float]] = {}
        self.points: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}
        self.best = 1.0  # the best (lowest) objective so far

    def local_control(self, schedule: str, ivs: tuple[str, ...], params: dict[str, float] | None = None,
                      rng: int | None = None) -> tuple[float, float]:  # fmt: skip
        """Return the counted LC at the endpoint and the mean model TCP of the evaluable patients."""
        from ifnexus.model import simulate_cohort

        sp = self.space
        res = simulate_cohort(
            schedule, n_patients=sp.patients, setting=sp.population.setting,
            disease=sp.population.disease, interventions=list(ivs),
            days=sp.followup_years * DAYS_PER_YEAR, rng=self.rng if rng is None else rng,
            params=(self.params if params is None else params) or None, options=self.options,
            margin=sp.population.margin,
        )  # fmt: skip
        p = res.patients
        ok = ~p["numerical_failure"].to_numpy(bool)
        ttf = p["time_to_failure"].to_numpy(float) / DAYS_PER_YEAR
        lc = ~(np.isfinite(ttf) & (ttf <= sp.local_control_years))
        if not ok.any():
            return math.nan, math.nan
        return float(lc[ok].mean()), float(p["tcp"].to_numpy(float)[ok].mean())

    def __call__(self, x: np.ndarray) -> float:
        names = [v.name for v in self.space.searched]
        vals = dict(zip(names, (float(t) for t in x), strict=True))
        key = self.space.realise(vals)
        if key not in self.cache:
            self.cache[key] = self.local_control(*key)
            self.points[key] = vals
        lc, tcp = self.cache[key]
        if not math.isfinite(lc):
            return 1.0
        f = -(lc + 0.5 * tcp / self.space.patients)
        self.best = min(self.best, f)
        return f


def _state_params(
    space: OptimisationSpace, state: str, base: Mapping[str, float]
) -> dict[str, float]:
    from ifnexus.trial._run import _read_patient_table, ifn_mix_parameters

    pop = space.population
    if state != "population":
        return ifn_mix_parameters({s: float(s == state) for s in IFN_STATES}, base)
    mix = pop.ifn_mix
    if pop.patient_table:
        t = _read_patient_table(pop.patient_table)
        counts = t["ifn_state"].dropna().astype(str).value_counts()
        mix = {s: float(counts.get(s, 0)) / float(counts.sum()) for s in IFN_STATES}
    return ifn_mix_parameters(mix, base) if mix is not None else dict(base)


def optimise_design(
    space: OptimisationSpace,
    *,
    options: Any = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> OptimisationResult:
    """Search the space for the designs with the best local control under its constraint.

    Parameters
    ----------
    space
        From :func:`read_space` or :func:`space_from_dict`.
    options
        :class:`ifnexus.RunOptions` of the model runs (results do not depend on it).
    seed
        Overrides the space's seed (patients and optimiser).
    progress
        Called with a short message as each population starts.

    Returns
    -------
    OptimisationResult
        The best designs per population (``space.states``), robustness and history.

    Raises
    ------
    ValidationError
        The search found no design that meets the constraint.
    """
    from scipy.optimize import NonlinearConstraint, differential_evolution

    from ifnexus._rng import seed_entropy

    sp = space
    s0 = sp.seed if seed is None else int(seed)
    entropy = seed_entropy(s0)
    searched = sp.searched
    base = dict(sp.population.params)
    post = None
    if sp.population.posterior:
        from ifnexus.trial._run import read_posterior

        post = read_posterior(sp.population.posterior)
    rows, hist, rob = [], [], []
    for state in sp.states:
        if progress is not None:
            progress(f"searching for {state} tumours")
        params = _state_params(sp, state, base)
        ev = _Evaluator(sp, params, options, entropy)
        names = [v.name for v in searched]

        def con(x: np.ndarray, names: list[str] = names) -> float:
            return sp.constraint.value(
                sp.realise(dict(zip(names, (float(t) for t in x), strict=True)))[0]
            )

        trace: list[float] = []
        if searched:
            differential_evolution(
                ev, bounds=[(v.lo, v.hi) for v in searched], maxiter=sp.generations,
                popsize=sp.population_size, polish=False, init="latinhypercube", tol=0.0,
                integrality=[v.integer for v in searched], updating="deferred",
                constraints=NonlinearConstraint(con, -np.inf, sp.constraint.limit),
                callback=lambda *a, _t=trace, _e=ev, **k: _t.append(_e.best),
                **_de_kwargs(s0),
            )  # fmt: skip
        else:
            ev(np.zeros(0))
        hist += [
            {"state": state, "generation": i + 1, "best_local_control": -t}
            for i, t in enumerate(trace)
        ]
        feas = []
        for key, (lc, tcp) in ev.cache.items():
            cv = sp.constraint.value(key[0])
            if math.isfinite(lc) and cv <= sp.constraint.limit + 1e-12:
                feas.append((lc + 0.5 * tcp / sp.patients, lc, key, cv))
        if not feas:
            raise ValidationError(
                f"no design the search evaluated for {state} meets [constraint] "
                f"{'max_ntcp' if sp.constraint.kind == 'ntcp' else 'max_eqd2'} = {sp.constraint.limit:g}; "
                f"widen [schedule] towards gentler schedules or raise the limit"
            )
        feas.sort(key=lambda t: -t[0])
        ref_lc, _ = ev.local_control(sp.reference, ())
        ref_cv = sp.constraint.value(sp.reference)  # reported, not constrained
        for rank, (_, lc, key, cv) in enumerate(feas[: sp.top], start=1):
            from ifnexus.model import parse_schedule

            s = parse_schedule(key[0])
            vals = {v.name: v.lo for v in sp.variables} | ev.points[key]
            ints = {v.name for v in sp.variables if v.integer}
            vals = {k: (round(v) if k in ints else v) for k, v in vals.items()}
            rows.append({
                "state": state, "rank": rank, "local_control": lc, "schedule": key[0],
                "interventions": ";".join(key[1]), "total_dose": float(s.doses.sum()),
                "fractions": int(s.doses.size),
                "overall_days": float(s.days.max() - s.days.min()) if s.days.size else 0.0,
                f"{sp.constraint.organ}_{sp.constraint.kind}": cv,
                "reference_local_control": ref_lc,
                f"reference_{sp.constraint.organ}_{sp.constraint.kind}": ref_cv, **vals,
            })  # fmt: skip
            rob += _robustness(sp, ev, key, state, rank, base, post, entropy)
    return OptimisationResult(space=sp, best=pd.DataFrame(rows), robustness=pd.DataFrame(rob),
                              history=pd.DataFrame(hist))  # fmt: skip


def _robustness(sp: OptimisationSpace, ev: _Evaluator, key: tuple[str, tuple[str, ...]], state: str,
                rank: int, base: dict[str, float], post: pd.DataFrame | None,
                entropy: int) -> list[dict[str, Any]]:  # fmt: skip
    """Re-evaluate one design under parameter uncertainty and on fresh patients."""
    from ifnexus.model import parameters

    k = sp.robustness_draws
    if k == 0:
        return []
    out = []
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, 0x726F62])))
    if post is not None:
        pick = np.sort(gen.choice(len(post), size=min(k, len(post)), replace=False))
        draws = [({c: float(v) for c, v in post.iloc[int(i)].items()}, int(i) + 1) for i in pick]
        source = "posterior"
    else:
        nominal = parameters(sp.population.setting, **base)
        f = sp.perturbation
        draws = []
        for j in range(k):
            fac = gen.uniform(1 - f, 1 + f, size=len(UNCERTAIN_PARAMETERS))
            d = {
                n: float(nominal[n]) * float(x)
                for n, x in zip(UNCERTAIN_PARAMETERS, fac, strict=True)
            }
            d["rho_R"] = min(d["rho_R"], 1.0)
            draws.append((d, j + 1))
        source = "perturbation"
    for d, idx in draws:
        lc, _ = ev.local_control(*key, params=_state_params(sp, state, {**base, **d}))
        out.append(
            {"state": state, "rank": rank, "source": source, "draw": idx, "local_control": lc}
        )
    for j in range(k):  # fresh patients, nominal parameters
        lc, _ = ev.local_control(*key, rng=int(gen.integers(2**31)))
        out.append(
            {"state": state, "rank": rank, "source": "patients", "draw": j + 1, "local_control": lc}
        )
    return out
