"""Export a growth-fitting problem as PEtab v1, for pyPESTO, AMICI and other PEtab tools.

PEtab (Schmiester et al. 2021, PLoS Comput Biol 17:e1008646) states a parameter-estimation
problem as an SBML model plus tables: conditions (per-condition parameter values),
observables (the observation function and its noise model), measurements and parameters
(which are estimated, on which scale, within which bounds), tied together by a YAML file.

What is exported, and how it matches ``ifnexus fit growth`` (:class:`GrowthProblem` with
``random=()``, the pooled problem):

- the model: :func:`ifnexus.model.to_sbml`'s rate and assignment rules (one tumour, the same
  formulas), made general over arms. The per-tumour traits become formulas of the model
  parameters (``q_alpha = alpha``, ``q_beta = alpha / alpha_beta``, ``q_n0 = n0``,
  ``q_r_g = r``, initial assignments) and so does the pre-treatment state (``N = n0``, the
  tonic-IFN steady state of the signalling layer), so an estimated parameter acts where the
  ifnexus kernel uses it. The tumour grows from time 0 = day 0 of the study clock, as in
  :class:`~ifnexus.fit.ArmSimulator` (no time-zero hold). Left out: the Zaider-Minerbo
  integral ``Lam`` (the model's TCP; no formula reads it), whose rate ``lam n0 / N`` is
  infinite once a fraction kills every cell, where CVODE then fails;
- arms: one condition per arm. Genotype and host are the competence factors ``q_t_*``,
  ``q_h_*`` and ``q_chronic``; radiotherapy fractions are SBML events at every fraction time
  of any arm, each with a dose parameter set per condition (0 where the arm gives none: the
  event then changes nothing); the unrepaired dose of earlier fractions (Lea-Catcheside) is a
  formula of those doses and ``T_rep``. Interventions are slots with per-condition dose, day
  or window parameters (``sting_agonist_1_day``, ``ifnar_block_1_start``, ...);
- the observable: caliper volume, the burden ``N + D1 + ... + D4`` over
  :data:`~ifnexus.fit.CELLS_PER_MM3` (mm^3), with ``observableTransformation = log`` and
  ``noiseDistribution = normal``: PEtab v1's log-normal noise, ``log V_obs ~ N(log V,
  sigma^2)``, ifnexus's proportional residual error, with ``sigma`` the estimated parameter
  ``sigma_volume``. The burden is continuous across a fraction (killed cells move from ``N``
  to ``D1``), so a measurement on a fraction day is the same before or after the event;
- parameters: the chosen ones estimated on the log10 scale, bounded 1000-fold around their
  nominal values within their accepted ranges (``fit growth`` searches the same 1000-fold box for
  parameters without an upper limit of 1, but a logit scale for fractions); every
  other model parameter fixed at its value.

What cannot be said in PEtab v1, and is therefore refused or left out: between-animal random
effects (PEtab v1 has no mixed effects: the export is the fixed-effects, pooled problem; the
animal is kept in ``replicateId``); volumes below a detection limit (no censoring in v1); an
intervention before day 0 (every PEtab v1 condition starts at time 0); two fractions of one
arm at the same time (their events would fire in no defined order); an estimated parameter
whose value is 0 (no log10 scale); the model's joint constraints between parameters (``K``
above ``n0``), which ifnexus checks and PEtab does not.

Written here rather than with libSBML or the ``petab`` library so the export needs neither
at run time: the tables are plain TSV and the SBML is ``to_sbml``'s text with its drive rules
and events replaced; the tests load the result with ``petab`` (lint) and simulate it with
libroadrunner against ifnexus's own volumes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ifnexus.errors import IfnexusError, ValidationError
from ifnexus.fit._data import GrowthData
from ifnexus.fit._growth import _FOLD, _SIGMA_BOUNDS, DEFAULT_FREE, _check_names, free_names
from ifnexus.fit._simulate import CELLS_PER_MM3
from ifnexus.model import _generated_exports as _exports

__all__ = ["PETAB_FILES", "PetabExport", "to_petab"]

PETAB_FILES = MappingProxyType(
    {
        "yaml": "problem.yaml",
        "sbml": "model.xml",
        "conditions": "conditions.tsv",
        "observables": "observables.tsv",
        "measurements": "measurements.tsv",
        "parameters": "parameters.tsv",
    }
)
"""The files of an export, by role (read-only)."""

_SIGMA = "sigma_volume"  # bounds _SIGMA_BOUNDS and the fold _FOLD: GrowthProblem.bounds's
# states no formula reads and the observable does not use, left out of the export
# (_drop_unread): the Zaider-Minerbo integral (TCP only) diverges when a fraction kills all cells
_DROPPED_STATES = ("zm_lambda",)
_DRIVE = ("g_ag", "o_pd1", "blk", "jak", "amp", "hblk", "hjak", "grow", "ctla", "ifnb", "ox40")
_WINDOWS = {"ifnar-block": "ifnar_block", "jak-inhibitor": "jak_inhibitor",
            "ifn-amplifier": "ifn_amplifier"}  # fmt: skip
_IMPULSES = {"sting-agonist": "sting_agonist", "anti-pd1": "anti_pd1"}
_PD1_LEVEL = "anti_pd1_level"
# impulse interventions: the state holding the level, and its decay rate
_LEVELS = {"sting_agonist": ("g_ag", "k_ag"), "anti_pd1": (_PD1_LEVEL, "k_pd1")}
# per-tumour traits as formulas of the model parameters (the pooled problem: traits at 1)
_TRAITS = {"q_alpha": "alpha", "q_beta": "alpha / alpha_beta", "q_n0": "n0", "q_r_g": "r",
           "q_tau": "1"}  # fmt: skip
# the pre-treatment state (ifnexus.model._system.initial_state), by state name: formulas
# printed from the model's declaration (model/_equations.py) by tools/generate_model.py
_INIT_HELPERS = _exports.PETAB_INIT_HELPERS
# parameters that are formulas of other parameters (assignment rules in the SBML)
_FORMULA_PARAMS = frozenset({*(k for k in _TRAITS if k != "q_tau"), *(h for h, _ in _INIT_HELPERS)})
_INIT = dict(_exports.PETAB_INIT)


@dataclass(frozen=True)
class PetabExport:
    """A growth problem written as PEtab v1 (:func:`to_petab`).

    Attributes
    ----------
    out
        The folder written.
    files
        Path of each file by role (``yaml``, ``sbml``, ``conditions``, ``observables``,
        ``measurements``, ``parameters``).
    sbml
        The SBML text.
    conditions, observables, measurements, parameters
        The PEtab tables as written.
    """

    out: Path
    files: dict[str, Path]
    sbml: str
    conditions: pd.DataFrame
    observables: pd.DataFrame
    measurements: pd.DataFrame
    parameters: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """The estimated parameters: id, scale, bounds and nominal value.

        Returns
        -------
        pandas.DataFrame
            The rows of the parameter table with ``estimate == 1``.
        """
        p = self.parameters
        return p[p["estimate"] == 1].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Return the files, the counts and the estimated parameters as plain data.

        Returns
        -------
        dict
            ``out``, ``files``, ``conditions``, ``measurements``, ``estimated``.
        """
        return {
            "out": str(self.out),
            "files": {k: str(v) for k, v in self.files.items()},
            "conditions": len(self.conditions),
            "measurements": len(self.measurements),
            "estimated": self.summary.to_dict("records"),
        }


def _ident(text: str, prefix: str, taken: set[str]) -> str:
    base = prefix + re.sub(r"\W", "_", text, flags=re.ASCII)
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _eval(expr: str, env: Mapping[str, float]) -> float:
    """Return the value of one of this module's own formulas (no user text reaches it)."""
    return float(eval(expr.replace("^", "**"), {"__builtins__": {}, "sqrt": math.sqrt}, dict(env)))  # noqa: S307


def _arm_inputs(data: GrowthData) -> dict[str, dict[str, Any]]:
    """Return per arm its factors, fractions, impulse doses and windows, checked for PEtab."""
    from ifnexus.model import parse_genotype, parse_host, parse_interventions, parse_schedule

    t = data.table
    out: dict[str, dict[str, Any]] = {}
    for name, arm in data.arms.items():
        sched = parse_schedule(arm.schedule)
        ivs = parse_interventions(list(arm.interventions))
        last = float(t.loc[t["arm"] == name, "day"].max())
        early = [b for iv in ivs for b in iv.breakpoints() if b < 0]
        if early:
            raise ValidationError(
                f"arm {name!r}: an intervention acts before day 0 (day {min(early):g}); every "
                "PEtab v1 condition starts at time 0, so the export needs the study clock to "
                "start at or before the first intervention (shift the days of data and arms)"
            )
        days = [float(d) for d, g in zip(sched.days, sched.doses, strict=True) if g > 0]
        if any(d < 0 for d in days):
            raise ValidationError(f"arm {name!r}: a fraction before day 0; PEtab v1 conditions "
                                  "start at time 0")  # fmt: skip
        if len(set(days)) < len(days):
            raise ValidationError(
                f"arm {name!r}: two fractions at the same time; PEtab/SBML events at one time "
                "fire in no defined order, so this schedule cannot be exported"
            )
        for iv in ivs:
            if iv.name in ("anti-ctla4", "anti-ox40", "ifn-beta"):
                raise ValidationError(f"arm {name!r}: {iv.name} is not in the PEtab export yet "
                                      "(simulate it with ifnexus)")  # fmt: skip
        fx = {float(d): float(g) for d, g in zip(sched.days, sched.doses, strict=True)
              if g > 0 and d <= last}  # fmt: skip
        imp = {key: [(float(d), float(iv.dose)) for iv in ivs if iv.name == n for d in iv.days]
               for n, key in _IMPULSES.items()}  # fmt: skip
        win = {key: [iv for iv in ivs if iv.name == n] for n, key in _WINDOWS.items()}
        out[name] = {"factors": {**parse_genotype(arm.genotype), **parse_host(arm.host)},
                     "fractions": fx, "impulses": imp, "windows": win, "last": last}  # fmt: skip
    return out


def _drive_rules(arms: dict[str, dict[str, Any]]) -> tuple[dict[str, str], list[str]]:
    """Return the drive's assignment rules over intervention slots, and the slot ids.

    The agonist level and the anti-PD-1 level (sums of decaying doses) are states that decay
    at ``k_ag`` / ``k_pd1`` and jump by each dose (:func:`_impulse_events`): the same values
    as the sums, and a small formula for the many rules that use them (a simulator that
    inlines assignment rules, such as libroadrunner, would otherwise compile a sum of
    piecewise terms into every use of the IFN-I level).
    """
    from ifnexus.model._solver import _PD1_K

    slots: list[str] = []
    for key in _IMPULSES.values():
        n = max(len(a["impulses"][key]) for a in arms.values())
        slots += [f"{key}_{j}_{x}" for j in range(1, n + 1) for x in ("day", "dose")]
    pieces: dict[str, list[str]] = {"blk": [], "jak": [], "hblk": [], "hjak": [], "amp": []}
    for key in _WINDOWS.values():
        n = max(len(a["windows"][key]) for a in arms.values())
        for j in range(1, n + 1):
            s, e, g = f"{key}_{j}_start", f"{key}_{j}_end", f"{key}_{j}_dose"
            slots += [s, e, g]
            inside = f"and_(geq(time, {s}), lt(time, {e}))"
            if key == "ifn_amplifier":
                pieces["amp"].append(f"piecewise({g}, {inside}, 0)")
                continue
            tum, host = f"{key}_{j}_tumour", f"{key}_{j}_host"
            slots += [tum, host]
            t_var, h_var = ("blk", "hblk") if key == "ifnar_block" else ("jak", "hjak")
            pieces[t_var].append(f"(1 - piecewise({g} * {tum}, {inside}, 0))")
            pieces[h_var].append(f"(1 - piecewise({g} * {host}, {inside}, 0))")
    rules = {
        "o_pd1": f"{_PD1_LEVEL} / ({_PD1_LEVEL} + {_PD1_K!r})",
        **{
            v: (f"1 - {' * '.join(pieces[v])}" if pieces[v] else "0")
            for v in ("blk", "jak", "hblk", "hjak")
        },  # fmt: skip
        "amp": " + ".join(pieces["amp"]) if pieces["amp"] else "0",
        "grow": "1",  # no time-zero hold: the animals grow from day 0 (ArmSimulator)
        "ctla": "0",  # anti-CTLA-4 occupancy: arms with anti-ctla4 are refused above
        "ifnb": "0",  # exogenous IFN-beta: arms with ifn-beta are refused above
        "ox40": "0",  # anti-OX40 occupancy: arms with anti-ox40 are refused above
    }
    return rules, slots


def _slot_values(arm: dict[str, Any], slots: Sequence[str]) -> dict[str, float]:
    v = dict.fromkeys(slots, 0.0)
    for key, pairs in arm["impulses"].items():
        for j, (day, dose) in enumerate(pairs, start=1):
            v[f"{key}_{j}_day"], v[f"{key}_{j}_dose"] = day, dose
    for key, ivs in arm["windows"].items():
        for j, iv in enumerate(ivs, start=1):
            v[f"{key}_{j}_start"], v[f"{key}_{j}_end"] = float(iv.start), float(iv.end)
            v[f"{key}_{j}_dose"] = float(iv.dose)
            if key != "ifn_amplifier":
                v[f"{key}_{j}_tumour"] = float(iv.acts_on("tumour"))
                v[f"{key}_{j}_host"] = float(iv.acts_on("host"))
    return v


def _impulse_events(slots: Sequence[str]) -> list[str]:
    """Return one event per dose slot: the level jumps by the slot's dose at the slot's day."""
    from ifnexus.model._sbml import _mathml

    out = []
    for day in (s for s in slots if s.endswith("_day")):
        key = day.rsplit("_", 2)[0]
        level = _LEVELS[key][0]
        dose = day[: -len("day")] + "dose"
        out.append(
            f'<event id="{day[: -len("_day")]}" useValuesFromTriggerTime="true">'
            '<trigger initialValue="false" persistent="true">'
            f"{_mathml(f'geq(time, {day})')}</trigger><listOfEventAssignments>"
            f'<eventAssignment variable="{level}">{_mathml(f"{level} + {dose}")}'
            "</eventAssignment></listOfEventAssignments></event>"
        )
    return out


def _events(times: Sequence[float], slots: Sequence[str]) -> str:
    """Return the SBML events: one per fraction time and one per intervention dose slot.

    A fraction's dose is ``fraction_<k>_dose``, set per condition.
    """
    from ifnexus.model._sbml import _FRACTION, _SF, _SFC, _SFL, _mathml

    out = ["<listOfEvents>", *_impulse_events(slots)]
    for k, tk in enumerate(times, start=1):
        dose = f"fraction_{k}_dose"
        # unrepaired dose of the earlier fractions (Lea-Catcheside): mu = 24 ln 2 / T_rep (1/d)
        prior = " + ".join(
            f"fraction_{i}_dose * exp(-{24 * math.log(2.0)!r} / T_rep * {tk - ti!r})"
            for i, ti in enumerate(times[: k - 1], start=1)
        ) or "0"  # fmt: skip
        # the placeholders of to_sbml's fraction events (SFC: surviving fraction of resting
        # lymphocytes, a pure function of the dose); an unknown one is caught by _undeclared
        sub = {"SFk": f"({_SF})", "SFL": f"({_SFL})", "SFC": f"({_SFC})"}
        out.append(
            f'<event id="fraction_{k}" useValuesFromTriggerTime="true">'
            '<trigger initialValue="false" persistent="true">'
            f"{_mathml(f'geq(time, {tk!r})')}</trigger><listOfEventAssignments>"
        )
        for var, expr in _FRACTION:
            e = expr
            for a, b in sub.items():
                e = e.replace(a, b)
            e = e.replace("PRIOR", f"({prior})").replace("DOSE", dose)
            # the traits by their formulas (q_alpha -> alpha, ...): AMICI 1.0.1 does not
            # substitute assignment-rule parameters in event assignments (its generated C++
            # leaves q_alpha undeclared); the same values
            for trait, formula in _TRAITS.items():
                e = re.sub(rf"\b{trait}\b", f"({formula})", e)
            out.append(f'<eventAssignment variable="{var}">{_mathml(e)}</eventAssignment>')
        out.append("</listOfEventAssignments></event>")
    out.append("</listOfEvents>")
    return "\n".join(out)


def _sbml(
    base: str,
    rules: dict[str, str],
    slots: Sequence[str],
    new_params: Sequence[str],
    fraction_times: Sequence[float],
    inits: dict[str, str],
) -> str:
    """Return ``to_sbml``'s document with its drive, events and initial values made general."""
    from ifnexus.model._sbml import _mathml

    text = base
    decay = {"g_ag": "-k_ag * g_ag"}  # the agonist level: a decaying state (_drive_rules)
    for var, expr in [*rules.items(), *decay.items()]:
        pat = re.compile(rf'<assignmentRule variable="{var}">.*?</assignmentRule>', re.S)
        if not pat.search(text):  # pragma: no cover - guards against a changed to_sbml
            raise IfnexusError(f"the SBML export has no rule for {var!r}; the PEtab export "
                               "does not match this model version")  # fmt: skip
        kind = "rateRule" if var in decay else "assignmentRule"
        new = f'<{kind} variable="{var}">{_mathml(expr)}</{kind}>'
        text = pat.sub(new.replace("\\", "\\\\"), text, count=1)
    text = text.replace("</listOfRules>", f'<rateRule variable="{_PD1_LEVEL}">'
                        f"{_mathml(f'-k_pd1 * {_PD1_LEVEL}')}</rateRule>\n</listOfRules>", 1)  # fmt: skip
    # the traits and the initial-state helpers are formulas of the estimated parameters: written
    # as assignment rules (non-constant parameters), because simulators do not re-evaluate an
    # initial assignment of a constant parameter when a parameter it reads is changed and the
    # model reset (libroadrunner's reset(), which pyPESTO's roadrunner objective uses, kept
    # q_alpha and q_r_g at their nominal values, so alpha and r had no effect)
    formulas = {k: v for k, v in inits.items() if k in _FORMULA_PARAMS}
    inits = {k: v for k, v in inits.items() if k not in _FORMULA_PARAMS}
    for sym in formulas:
        text, n = re.subn(rf'(<parameter id="{sym}" value="[^"]*" constant=")true"', r'\1false"',
                          text, count=1)  # fmt: skip
        if n == 0 and sym not in new_params:  # pragma: no cover - guards a changed to_sbml
            raise IfnexusError(f"the SBML export declares no parameter {sym!r}; the PEtab "
                               "export does not match this model version")  # fmt: skip
    text = text.replace("</listOfRules>", "".join(
        f'<assignmentRule variable="{sym}">{_mathml(e)}</assignmentRule>\n'
        for sym, e in formulas.items()) + "</listOfRules>", 1)  # fmt: skip
    # slot, helper and dose parameters; initial assignments after the parameter list
    extra = "".join(
        f'\n<parameter id="{p}" value="0.0" constant="{str(p not in formulas).lower()}"/>'
        for p in new_params
    )
    extra += f'\n<parameter id="{_PD1_LEVEL}" value="0.0" constant="false"/>'
    text = text.replace("</listOfParameters>", extra + "\n</listOfParameters>"
                        "\n<listOfInitialAssignments>"
                        + "".join(f'\n<initialAssignment symbol="{s}">{_mathml(e)}</initialAssignment>'
                                  for s, e in inits.items())
                        + "\n</listOfInitialAssignments>", 1)  # fmt: skip
    events = _events(fraction_times, slots)
    text, n = re.subn(r"<listOfEvents>.*</listOfEvents>", lambda _m: events, text, count=1,
                      flags=re.S)  # fmt: skip
    if n != 1:  # pragma: no cover
        raise IfnexusError("the SBML export has no list of events; the PEtab export does not "
                           "match this model version")  # fmt: skip
    return _drop_unread(text)


def _drop_unread(text: str) -> str:
    """Return the document without the states of ``_DROPPED_STATES`` (rate rule, declaration).

    The Zaider-Minerbo integral (``Lam``, rate ``lam n0 / N``) is read by no formula of the
    model and is not the observable (it serves the model's TCP only), so leaving it out changes
    no simulated volume. Kept, it makes the problem unsolvable for CVODE where a fraction kills
    every clonogen (``N`` underflows to 0, the rate to infinity): an optimiser's line search
    reaches such parameters (``alpha`` at its upper bound), and libroadrunner then fails with
    ``CV_CONV_FAILURE`` at the fraction's time.
    """
    from ifnexus.model._sbml import _SYM

    for state in _DROPPED_STATES:
        sym = _SYM[state]
        if re.search(rf"<ci>\s*{sym}\s*</ci>", text):  # pragma: no cover - a changed model
            raise IfnexusError(f"the model now reads {sym!r} in a formula; the PEtab export can no "
                               "longer leave it out")  # fmt: skip
        text, n_rule = re.subn(rf'<rateRule variable="{sym}">.*?</rateRule>\n?', "", text,
                               count=1, flags=re.S)  # fmt: skip
        text, n_decl = re.subn(rf'<parameter id="{sym}" [^>]*/>\n?', "", text, count=1)
        if n_rule != 1 or n_decl != 1:  # pragma: no cover - guards against a changed to_sbml
            raise IfnexusError(f"the SBML export has no state {sym!r}; the PEtab export does not "
                               "match this model version")  # fmt: skip
    return text


def _undeclared(sbml: str) -> list[str]:
    """Return the identifiers the document's formulas use but does not declare."""
    declared = set(re.findall(r'<(?:parameter|compartment) id="([^"]+)"', sbml))
    used = set(re.findall(r"<ci>\s*([^<\s]+)\s*</ci>", sbml))
    return sorted(used - declared)


def _bounds(name: str, value: float) -> tuple[float, float]:
    from ifnexus.model import get_parameter

    spec = get_parameter(name)
    lo = max(value / _FOLD, spec.lower)
    hi = min(value * _FOLD, spec.upper)
    return lo, hi


def to_petab(
    data: GrowthData,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    out: str | os.PathLike[str],
    params: Mapping[str, float] | None = None,
    sigma: float = 0.2,
    per_animal: bool = False,
    individual: Sequence[str] = (),
    setting: str = "mouse",
) -> PetabExport:
    """Write a growth study as a PEtab v1 problem (the fixed-effects, pooled problem).

    Parameters
    ----------
    data
        The growth data and its arms (:func:`~ifnexus.fit.read_growth`).
    free
        Model parameters to estimate (log10 scale); the others are fixed at their values.
    out
        Folder to write: ``problem.yaml``, ``model.xml`` (SBML L3V2), ``conditions.tsv``,
        ``observables.tsv``, ``measurements.tsv``, ``parameters.tsv``.
    params
        Values of model parameters (overrides of the setting's), the nominal values written,
        e.g. the estimates of a fit.
    sigma
        Nominal residual SD on the log scale (``sigma_volume``, estimated).
    per_animal
        One condition per animal (with its arm's values) instead of one per arm: the same
        likelihood, and no condition with two measurements at one time, which pyPESTO's
        libroadrunner simulator cannot simulate (pyPESTO 0.7.0, libroadrunner 2.10: CVODE
        ``CV_TOO_CLOSE``); AMICI handles either form.
    individual
        With ``per_animal``: parameters estimated per animal (``n0__<animal>``, set in each
        animal's condition) instead of once; the animal-specific variant of the problem,
        individual values without a population distribution.
    setting
        The model's parameter setting.

    Returns
    -------
    PetabExport
        The files and tables written.

    Raises
    ------
    UnknownNameError
        An unknown name in ``free`` or ``individual`` (with close names).
    ValidationError
        What PEtab v1 cannot express (a volume below a detection limit, an intervention or
        fraction before day 0, two fractions of an arm at one time, an estimated parameter
        whose value is 0), ``sigma`` not in
        [0.005, 3], ``individual`` without ``per_animal``, or a parameter value outside its
        range.

    Notes
    -----
    Between-animal random effects have no PEtab v1 form: the export is the pooled problem
    (the objective of ``ifnexus fit growth --random none``), with each animal kept in the
    ``replicateId`` column. See ``docs/fit.md`` ("PEtab export").
    """
    from ifnexus._io import write_table, write_text
    from ifnexus.model import get_parameter, parameters, to_sbml, tumour_model
    from ifnexus.model._sbml import _SYM

    free = _check_names(list(free), free_names(setting), "free", "parameter")
    if not (_SIGMA_BOUNDS[0] <= float(sigma) <= _SIGMA_BOUNDS[1]):
        raise ValidationError(f"sigma must lie in [{_SIGMA_BOUNDS[0]:g}, {_SIGMA_BOUNDS[1]:g}], "
                              f"got {sigma!r}")  # fmt: skip
    individual = _check_names(list(individual), free_names(setting), "individual", "parameter")
    if individual and not per_animal:
        raise ValidationError("individual: per-animal parameters need per_animal=True (one "
                              "condition per animal)")  # fmt: skip
    p = parameters(setting, **dict(params or {}))
    for n in (*free, *individual):
        if not p[n] > 0:
            raise ValidationError(
                f"free: {n!r} is {p[n]:g}; PEtab estimates it on the log10 scale, which needs a "
                f"value > 0 (set one with params={{{n!r}: ...}})"
            )
    low = data.table.get("below_lloq")
    if low is not None and bool(np.any(low)):
        i = int(np.flatnonzero(np.asarray(low, dtype=bool))[0])
        row = data.table.iloc[i]
        raise ValidationError(
            f"{int(np.sum(low))} measurement(s) are below the detection limit (first: animal "
            f"{row['animal']!r}, day {row['day']:g}); PEtab v1 has no censored measurements, so "
            "the export cannot state them: leave them out of the growth table to export"
        )
    arms = _arm_inputs(data)
    plain = _initial_state(arms, p, (*free, *individual))
    free = tuple(n for n in free if n not in individual)
    ptaken: set[str] = set(p) | {_SIGMA}
    ind_ids = {n: {a: _ident(str(a), f"{n}__", ptaken) for a in data.animals} for n in individual}
    rules, slots = _drive_rules(arms)
    times = sorted({d for a in arms.values() for d in a["fractions"]})
    doses = [f"fraction_{k}_dose" for k in range(1, len(times) + 1)]
    base = to_sbml(tumour_model("none", setting=setting, params=dict(p)))
    factor_keys = sorted({k for a in arms.values() for k in a["factors"]})
    inits = {**{s: e for s, e in _TRAITS.items() if s != "q_tau"}, **dict(_INIT_HELPERS),
             **{_SYM[s]: e for s, e in _INIT.items()}}  # fmt: skip
    helpers = [h for h, _ in _INIT_HELPERS]
    # states whose (parameter-free) initial value differs between arms: set per condition
    per_arm = {f"init_{_SYM[k]}": v for k, v in plain.items() if len(set(v.values())) > 1}
    inits.update({k[len("init_") :]: k for k in per_arm})
    sbml = _sbml(base, rules, slots, [*slots, *doses, *helpers, *per_arm], times, inits)
    same = {_SYM[k]: next(iter(v.values())) for k, v in plain.items() if len(set(v.values())) == 1}
    for sym, v in {"q_tau": 1.0, **same}.items():
        sbml = re.sub(rf'(<parameter id="{sym}" value=")[^"]*"', rf"\g<1>{v!r}" + '"', sbml)

    missing = _undeclared(sbml)
    if missing:  # pragma: no cover - guards against a changed to_sbml
        raise IfnexusError(f"the PEtab export's SBML uses {', '.join(missing)}, which it does not "
                           "declare; this model version is not exportable yet")  # fmt: skip

    # conditions: one per arm (or per animal, with the arm's values)
    taken: set[str] = set()
    rows, cond_of, arm_id = [], {}, {}
    t = data.table
    for name, a in arms.items():
        cid = arm_id[name] = _ident(name, "arm_", taken)
        frac = {d: a["fractions"].get(tt, 0.0) for d, tt in zip(doses, times, strict=True)}
        factors = {f"q_{k}": float(a["factors"].get(k, 1.0)) for k in factor_keys}
        values = {**factors, **_slot_values(a, slots), **frac,
                  **{k: v[name] for k, v in per_arm.items()}}  # fmt: skip
        if not per_animal:
            cond_of[name] = cid
            rows.append({"conditionId": cid, "conditionName": name, **values})
            continue
        for animal in dict.fromkeys(t.loc[t["arm"] == name, "animal"]):
            aid = _ident(str(animal), f"{cid}__", taken)
            cond_of[animal] = aid
            own = {n: ind_ids[n][animal] for n in individual}
            rows.append({"conditionId": aid, "conditionName": f"{name} / {animal}", **values,
                         **own})  # fmt: skip
    conditions = pd.DataFrame(rows)

    # every free parameter must act in the document (a guard against a changed model)
    for n in free:
        if f"<ci>{n}</ci>" not in sbml:  # pragma: no cover
            raise ValidationError(f"free: {n!r} does not enter the exported SBML model")
    obs_formula = " + ".join(_SYM[s] for s in ("N", "D1", "D2", "D3", "D4"))
    observables = pd.DataFrame([{
        "observableId": "volume",
        "observableName": "tumour volume (mm^3)",
        "observableFormula": f"({obs_formula}) / {CELLS_PER_MM3:g}",
        "observableTransformation": "log",
        "noiseFormula": _SIGMA,
        "noiseDistribution": "normal",
    }])  # fmt: skip
    measurements = pd.DataFrame({
        "observableId": "volume",
        "simulationConditionId": t["animal" if per_animal else "arm"].map(cond_of).to_numpy(),
        "measurement": t["volume"].to_numpy(dtype=float),
        "time": t["day"].to_numpy(dtype=float),
        "datasetId": t["arm"].map(arm_id).to_numpy(),
        "replicateId": t["animal"].astype(str).to_numpy(),
    })  # fmt: skip
    # rows grouped by condition in sorted order: pyPESTO 0.7.0's libroadrunner objective pairs
    # the conditions in table order with parameter mappings in sorted order
    measurements = measurements.sort_values("simulationConditionId", kind="stable")
    measurements = measurements.reset_index(drop=True)
    prows = []
    for n in individual:
        lo, hi = _bounds(n, p[n])
        prows += [{"parameterId": i, "parameterName": f"{get_parameter(n).meaning} ({a})",
                   "parameterScale": "log10", "lowerBound": lo, "upperBound": hi,
                   "nominalValue": float(p[n]), "estimate": 1}
                  for a, i in ind_ids[n].items()]  # fmt: skip
    for n, v in p.items():
        if n in individual:  # set per condition
            continue
        spec = get_parameter(n)
        est = n in free
        lo, hi = _bounds(n, v) if est else (spec.lower, spec.upper)
        prows.append({"parameterId": n, "parameterName": spec.meaning,
                      "parameterScale": "log10" if est else "lin", "lowerBound": lo,
                      "upperBound": hi, "nominalValue": float(v), "estimate": int(est)})  # fmt: skip
    prows.append({"parameterId": _SIGMA, "parameterName": "residual SD of log volume",
                  "parameterScale": "log10", "lowerBound": _SIGMA_BOUNDS[0],
                  "upperBound": _SIGMA_BOUNDS[1], "nominalValue": float(sigma), "estimate": 1})  # fmt: skip
    partab = pd.DataFrame(prows)
    # put the estimated ones first
    partab = pd.concat([partab[partab["estimate"] == 1], partab[partab["estimate"] == 0]])
    partab = partab.reset_index(drop=True)

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = {k: folder / v for k, v in PETAB_FILES.items()}
    write_text(files["sbml"], sbml)
    for key, df in (("conditions", conditions), ("observables", observables),
                    ("measurements", measurements), ("parameters", partab)):  # fmt: skip
        write_table(df, files[key], sep="\t")
    write_text(files["yaml"], _yaml(free, individual, len(conditions), per_animal,
                                    len(measurements)))  # fmt: skip
    return PetabExport(folder, files, sbml, conditions, observables, measurements, partab)


def _initial_state(
    arms: dict[str, dict[str, Any]], p: Mapping[str, float], free: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Check the initial assignments against ifnexus's pre-treatment state in every arm.

    Returns the value of each state without an initial assignment, by arm: numbers that no
    estimated parameter changes (checked by moving each by 10%), else refused.
    """
    from ifnexus.model._system import LOG_ROWS, STATE_NAMES, initial_state

    def state(pp: Mapping[str, float], factors: Mapping[str, float]) -> np.ndarray:
        q = {"alpha": pp["alpha"], "beta": pp["alpha"] / pp["alpha_beta"], "n0": pp["n0"],
             "tau": 1.0, "r_g": pp["r"], **factors}  # fmt: skip
        z = initial_state(dict(pp), {k: np.float64(v) for k, v in q.items()}, 1)[:, 0]
        z[list(LOG_ROWS)] = np.exp(z[list(LOG_ROWS)])  # N and the second lesion
        return z

    plain: dict[str, dict[str, float]] = {}
    for name, a in arms.items():
        ref = state(p, a["factors"])
        env: dict[str, float] = {**p, **{f"q_{k}": float(v) for k, v in a["factors"].items()},
                                 "q_n0": p["n0"], "q_tau": 1.0}  # fmt: skip
        for h, e in _INIT_HELPERS:
            env[h] = _eval(e, env)
        moved = {n: state({**p, n: p[n] * 1.1}, a["factors"]) for n in free}
        for i, s in enumerate(STATE_NAMES):
            if s in _INIT:
                mine = _eval(_INIT[s], env)
                if not math.isclose(mine, float(ref[i]), rel_tol=1e-12, abs_tol=1e-300):
                    raise IfnexusError(  # pragma: no cover - guards against a changed model
                        f"arm {name!r}: the PEtab export's initial {s} ({mine!r}) is not the "
                        f"model's ({float(ref[i])!r}); this model version's initial state is "
                        "not exportable yet"
                    )
                continue
            plain.setdefault(s, {})[name] = float(ref[i])
            dep = [n for n, z in moved.items() if z[i] != ref[i]]
            if dep:  # pragma: no cover - guards against a changed model
                raise IfnexusError(
                    f"the model's initial {s} depends on {', '.join(dep)}, which this version "
                    f"of the PEtab export cannot write as a formula; leave "
                    f"{', '.join(dep)} out of the estimated parameters"
                )
    return plain


def _yaml(
    free: Sequence[str], individual: Sequence[str], n_cond: int, per_animal: bool, n_meas: int
) -> str:
    from ifnexus._version import __version__

    own = (f"; per animal (no population distribution): {', '.join(individual)}"
           if individual else "")  # fmt: skip
    head = [
        f"# PEtab v1 problem written by ifnexus {__version__} (ifnexus fit petab).",
        "# The fixed-effects (pooled) growth problem: PEtab v1 cannot state random effects,",
        "# so the between-animal variability of `ifnexus fit growth` is NOT part of it; each",
        "# animal is kept in measurements.tsv's replicateId column. Observable: caliper volume",
        "# (mm^3) with log-normal noise (observableTransformation log, noiseDistribution",
        "# normal), SD sigma_volume on the log scale.",
        f"# Estimated (log10 scale): {', '.join([*free, _SIGMA])}{own}.",
        f"# {n_cond} condition(s), one per {'animal' if per_animal else 'arm'}; {n_meas} "
        "measurement(s). Time: days from day 0 of the study clock.",
    ]
    body = [
        "format_version: 1",
        f"parameter_file: {PETAB_FILES['parameters']}",
        "problems:",
        "- condition_files:",
        f"  - {PETAB_FILES['conditions']}",
        "  measurement_files:",
        f"  - {PETAB_FILES['measurements']}",
        "  observable_files:",
        f"  - {PETAB_FILES['observables']}",
        "  sbml_files:",
        f"  - {PETAB_FILES['sbml']}",
    ]
    return "\n".join(head + body) + "\n"
