"""A virtual trial's design: arms, population, endpoint, follow-up, power and normal tissue.

A design is read from a small TOML file (:func:`read_design`) or built from a dict
(:func:`design_from_dict`, which the optimiser and a web designer can call). Every key is
checked: an unknown key is an error that names the table, the key, the TOML line and the closest
known key; an arm without a schedule, a reference arm that does not exist, an alpha or power
outside (0, 1) or an unknown organ are errors naming the key. The documented example is
``ifnexus/trial/data/example_trial.toml`` (:func:`example_design_path`).

TOML is parsed with the standard library's :mod:`tomllib`; it does not report positions, so the
line of a key is found by a small scan of the text (table headers and ``key =`` lines), which is
all an error message needs.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ifnexus._textfile import read_toml
from ifnexus.errors import UnknownNameError, ValidationError

__all__ = [
    "IFN_STATES",
    "Arm",
    "Endpoint",
    "NormalTissueSpec",
    "OrganSpec",
    "Population",
    "PowerSpec",
    "TrialDesign",
    "design_from_dict",
    "design_to_toml",
    "example_design_path",
    "read_design",
]

#: The IFN states of a tumour, as ``ifnexus tumour profile`` calls them.
IFN_STATES: tuple[str, ...] = ("acute-competent", "chronic", "ifn-deficient")
DAYS_PER_YEAR = 365.25
MAX_PATIENTS_PER_ARM = 200_000


@dataclass(frozen=True)
class Arm:
    """One arm: a radiotherapy schedule and interventions with their timing.

    Parameters
    ----------
    name
        The arm's label (unique within the design).
    schedule
        A schedule as :func:`ifnexus.model.parse_schedule` reads it (``"50Gy/25fx"``,
        ``"8Gy x3"``, ``"0:8,1:8"``, ``"none"``).
    interventions
        Intervention strings as :func:`ifnexus.model.parse_intervention` reads them
        (``"sting-agonist:day=0,dose=1,repeat=3,every=7"``, ``"ifnar-block:start=0,end=7"``).
    """

    name: str
    schedule: str
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Population:
    """The virtual patients every arm treats (the same patients in every arm).

    Parameters
    ----------
    setting, disease
        Model setting (``"patient"``) and disease extent (``"gross"`` or ``"postop"``).
    ifn_mix
        Fractions of ``acute-competent``, ``chronic`` and ``ifn-deficient`` tumours (summing to
        1); ``None`` keeps the model's own population frequencies.
    patient_table
        A ``tumour profile`` table (``ifn_class`` column, else ``ifn_state``; optional ``age``)
        whose IFN-state frequencies (and ages) define the population; exclusive with ``ifn_mix``.
    age_mean, age_sd, age_min, age_max
        Ages at entry (years): a normal distribution truncated to ``[age_min, age_max]``
        (ignored for a patient table with an ``age`` column, whose ages are resampled).
    male_fraction
        Fraction of men (the life table is by sex).
    params
        Model parameter overrides by name (:func:`ifnexus.model.parameters`).
    posterior
        Posterior draws of model parameters (the ``posterior_draws.csv`` of ``ifnexus fit``:
        ``walker``, ``step``, ``parameter``, ``value``; or one column per parameter); the
        trial is rerun for ``posterior_draws`` of them to give parameter-uncertainty
        intervals.
    posterior_draws
        How many draws to run (chosen with the design's seed).
    margin
        Post-operative disease only: ``"R0"`` or ``"R1"`` surgical margin for every patient;
        ``None`` lets the model sample it.
    """

    setting: str = "patient"
    disease: str = "gross"
    ifn_mix: Mapping[str, float] | None = None
    patient_table: str | None = None
    age_mean: float = 40.0
    age_sd: float = 15.0
    age_min: float = 18.0
    age_max: float = 85.0
    male_fraction: float = 0.55
    params: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    posterior: str | None = None
    posterior_draws: int = 20
    margin: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """The endpoint: local control at a time point; time to local failure is always analysed.

    Parameters
    ----------
    local_control_years
        The time point (years from the first fraction) of the local-control comparison.
    """

    local_control_years: float = 2.0


@dataclass(frozen=True)
class PowerSpec:
    """A real two-arm trial to size for the predicted effect.

    Parameters
    ----------
    alpha
        Type I error (two-sided unless ``sides`` is 1).
    power
        The power wanted, in (0, 1).
    arm
        The experimental arm compared with the reference (default: the first other arm).
    accrual_years, followup_years
        Uniform accrual over ``accrual_years``, then ``followup_years`` of further follow-up
        before the analysis.
    allocation
        Fraction of patients randomised to the experimental arm.
    simulations
        Simulated trials per sample size.
    sides
        1 or 2.
    """

    alpha: float = 0.05
    power: float = 0.8
    arm: str | None = None
    accrual_years: float = 3.0
    followup_years: float = 2.0
    allocation: float = 0.5
    simulations: int = 400
    sides: int = 2


@dataclass(frozen=True)
class OrganSpec:
    """An organ at risk and the dose it receives in every arm.

    Parameters
    ----------
    organ
        A name of :data:`ifnexus.trial.ORGANS` (``spinal-cord``, ``small-bowel``, ...).
    relative_dose
        Dose to the organ per fraction as a fraction of the prescribed dose per fraction,
        uniform over ``volume``; exclusive with ``dvh``.
    volume
        Fraction of the organ receiving ``relative_dose`` (the rest none).
    dvh
        A DVH table (``dose``, ``volume`` columns) of the plan with total prescription
        ``dvh_prescription`` Gy; each arm scales it to its own schedule.
    dvh_kind
        ``"cumulative"`` or ``"differential"``.
    dvh_prescription
        The prescription (Gy, total) the DVH's doses belong to.
    """

    organ: str
    relative_dose: float | None = None
    volume: float = 1.0
    dvh: str | None = None
    dvh_kind: str = "cumulative"
    dvh_prescription: float | None = None


@dataclass(frozen=True)
class NormalTissueSpec:
    """Organs at risk and the NTCP above which an arm is flagged.

    Parameters
    ----------
    ntcp_limit
        Arms whose NTCP for an organ exceeds this are flagged.
    organs
        The organs at risk.
    """

    ntcp_limit: float = 0.05
    organs: tuple[OrganSpec, ...] = ()


@dataclass(frozen=True)
class TrialDesign:
    """A virtual trial: arms compared on the same virtual patients.

    Parameters
    ----------
    arms
        Two or more arms.
    reference
        Name of the reference arm.
    name
        A title.
    population, endpoint
        See :class:`Population` and :class:`Endpoint`.
    patients_per_arm
        Virtual patients (the same ones in every arm).
    followup_years
        Follow-up from the first fraction.
    seed
        The seed of the patient draws (shared by every arm: common random numbers).
    power, normal_tissue
        Optional sample-size and normal-tissue sections.
    source
        The TOML file the design came from (for messages), or ``None``.
    """

    arms: tuple[Arm, ...]
    reference: str
    name: str = "virtual trial"
    population: Population = field(default_factory=Population)
    endpoint: Endpoint = field(default_factory=Endpoint)
    patients_per_arm: int = 500
    followup_years: float = 5.0
    seed: int = 0
    power: PowerSpec | None = None
    normal_tissue: NormalTissueSpec | None = None
    source: str | None = None

    def arm(self, name: str) -> Arm:
        """Return the arm called ``name``.

        Parameters
        ----------
        name
            The arm's name.

        Returns
        -------
        Arm
            The arm.

        Raises
        ------
        UnknownNameError
            No arm has that name (the message lists the arms).
        """
        for a in self.arms:
            if a.name == name:
                return a
        raise UnknownNameError(
            f"no arm named {name!r}; arms: {', '.join(a.name for a in self.arms)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the design as the TOML tables it reads from (JSON-ready).

        Returns
        -------
        dict
            Tables ``trial``, ``population``, ``endpoint``, ``arms`` and, when given,
            ``power`` and ``normal_tissue``.
        """
        pop = self.population
        out: dict[str, Any] = {
            "trial": {"name": self.name, "reference": self.reference,
                      "patients_per_arm": self.patients_per_arm,
                      "followup_years": self.followup_years, "seed": self.seed},
            "population": {k: (dict(v) if isinstance(v, Mapping) else v)
                           for k, v in vars(pop).items() if v is not None},
            "endpoint": {"local_control_years": self.endpoint.local_control_years},
            "arms": [{"name": a.name, "schedule": a.schedule,
                      "interventions": list(a.interventions)} for a in self.arms],
        }  # fmt: skip
        if self.power is not None:
            out["power"] = {k: v for k, v in vars(self.power).items() if v is not None}
        if self.normal_tissue is not None:
            out["normal_tissue"] = {
                "ntcp_limit": self.normal_tissue.ntcp_limit,
                "organs": [{k: v for k, v in vars(o).items() if v is not None}
                           for o in self.normal_tissue.organs],
            }  # fmt: skip
        return out


# ------------------------------------------------------------------------------- reading

_TABLES = ("trial", "population", "endpoint", "arms", "power", "normal_tissue")
_KEYS: dict[str, tuple[str, ...]] = {
    "trial": ("name", "reference", "patients_per_arm", "followup_years", "seed"),
    "population": ("setting", "disease", "ifn_mix", "patient_table", "age_mean", "age_sd",
                   "age_min", "age_max", "male_fraction", "params", "posterior",
                   "posterior_draws", "margin"),
    "endpoint": ("local_control_years",),
    "arms": ("name", "schedule", "interventions"),
    "power": ("alpha", "power", "arm", "accrual_years", "followup_years", "allocation",
              "simulations", "sides"),
    "normal_tissue": ("ntcp_limit", "organs"),
    "normal_tissue.organs": ("organ", "relative_dose", "volume", "dvh", "dvh_kind",
                             "dvh_prescription"),
}  # fmt: skip


class _Where:
    """Finds the line of a table or key in the TOML text, for messages."""

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str | None, source: str | None) -> None:
        self.lines = [] if text is None else text.splitlines()
        self.source = source

    def _section_lines(self, table: str, index: int | None) -> range | None:
        starts = []
        for i, line in enumerate(self.lines):
            m = self._header.match(line)
            if m:
                starts.append((i, m.group(2).replace('"', "").replace(" ", "")))
        count = -1
        for j, (i, name) in enumerate(starts):
            if name == table:
                count += 1
                if index is None or count == index:
                    end = starts[j + 1][0] if j + 1 < len(starts) else len(self.lines)
                    return range(i, end)
        if table in {"trial", ""}:  # keys before any header
            end = starts[0][0] if starts else len(self.lines)
            return range(0, end)
        return None

    def line(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        """1-based line of ``key`` in ``table`` (its ``index``-th for arrays), else of the table."""
        rng = self._section_lines(table, index)
        if rng is None:
            return None
        if key is not None:
            pat = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
            for i in rng:
                if pat.match(self.lines[i]):
                    return i + 1
        return rng.start + 1 if rng.start < len(self.lines) else None

    def at(self, table: str, index: int | None = None, key: str | None = None) -> str:
        """``'FILE, line N: '`` (or less when not known)."""
        where = self.source or "design"
        line = self.line(table, index, key)
        return f"{where}, line {line}: " if line else f"{where}: "


def _label(table: str, index: int | None, key: str | None = None) -> str:
    base = f"[[{table}]] #{index + 1}" if index is not None else f"[{table}]"
    return f"{base} key '{key}'" if key else base


def _check_keys(d: Mapping[str, Any], table: str, where: _Where, index: int | None = None,
                allowed: Sequence[str] | None = None) -> None:  # fmt: skip
    allowed = _KEYS[table] if allowed is None else allowed
    for k in d:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            tab = table.split(".")[0]
            raise ValidationError(
                f"{where.at(tab, index, k)}unknown key '{k}' in {_label(table, index)}{hint} "
                f"(accepted: {', '.join(allowed)})"
            )


def _number(d: Mapping[str, Any], key: str, default: float, where: str, *, lo: float | None = None,
            hi: float | None = None, open_lo: bool = False, open_hi: bool = False,
            integer: bool = False) -> Any:  # fmt: skip
    v = d.get(key, default)
    if v is None:
        return None
    kind = "a whole number" if integer else "a number"
    if (
        isinstance(v, bool)
        or not isinstance(v, int | float)
        or (integer and not isinstance(v, int))
    ):
        raise ValidationError(f"{where}'{key}' must be {kind}, got {v!r}")
    bad = (lo is not None and (v <= lo if open_lo else v < lo)) or (
        hi is not None and (v >= hi if open_hi else v > hi)
    )
    if bad or v != v or v in (float("inf"), float("-inf")):
        lo_s = "" if lo is None else (f"> {lo:g}" if open_lo else f">= {lo:g}")
        hi_s = "" if hi is None else (f"< {hi:g}" if open_hi else f"<= {hi:g}")
        rng = " and ".join(s for s in (lo_s, hi_s) if s)
        raise ValidationError(f"{where}'{key}' must be {rng}, got {v!r}")
    return int(v) if integer else float(v)


def _string(d: Mapping[str, Any], key: str, default: str | None, where: str) -> Any:
    v = d.get(key, default)
    if v is not None and not isinstance(v, str):
        raise ValidationError(f"{where}'{key}' must be a string, got {v!r}")
    return v


def _table(d: Mapping[str, Any], key: str, where: _Where) -> dict[str, Any]:
    v = d.get(key, {})
    if not isinstance(v, Mapping):
        raise ValidationError(f"{where.at(key)}'{key}' must be a table ([{key}]), got {v!r}")
    return dict(v)


def read_design(path: str | os.PathLike[str]) -> TrialDesign:
    """Read a trial design from a TOML file (see ``docs/trial.md`` for every key).

    Parameters
    ----------
    path
        The TOML file. A ``patient_table`` or organ ``dvh`` path in it is read relative to the
        file's folder.

    Returns
    -------
    TrialDesign
        The checked design.

    Raises
    ------
    InputFormatError
        The file cannot be read or is not valid TOML (the message names the file and line).
    ValidationError
        An unknown key (with the closest known one), an arm without a schedule, a reference arm
        that does not exist, a value out of range: the message names the key and TOML line.
    UnknownNameError
        An unknown organ or IFN state.
    """
    p = Path(path)
    data, text = read_toml(p, "trial design")
    return design_from_dict(data, source=str(p), text=text, base_dir=p.parent)


def design_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    text: str | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> TrialDesign:
    """Build and check a design from the tables of a TOML file, given as a dict.

    Parameters
    ----------
    data
        Tables ``trial``, ``population``, ``endpoint``, ``arms`` (a list), and optionally
        ``power`` and ``normal_tissue`` (see ``docs/trial.md``).
    source
        The file name for messages.
    text
        The TOML text (for line numbers in messages).
    base_dir
        Folder against which relative ``patient_table`` and ``dvh`` paths are resolved.

    Returns
    -------
    TrialDesign
        The checked design.

    Raises
    ------
    ValidationError
        See :func:`read_design`.
    UnknownNameError
        An unknown organ or IFN state.
    """
    from ifnexus.trial._ntcp import ORGANS

    w = _Where(text, source)
    base = Path(base_dir) if base_dir is not None else None
    for k in data:
        if k not in _TABLES:
            close = difflib.get_close_matches(str(k), _TABLES, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValidationError(
                f"{w.at(k)}unknown table or key '{k}'{hint} (accepted: {', '.join(_TABLES)})"
            )
    trial = _table(data, "trial", w)
    _check_keys(trial, "trial", w)
    at = w.at("trial")
    name = _string(trial, "name", "virtual trial", at)
    n = _number(trial, "patients_per_arm", 500, w.at("trial", key="patients_per_arm"), lo=1,
                hi=MAX_PATIENTS_PER_ARM, integer=True)  # fmt: skip
    fu = _number(trial, "followup_years", 5.0, w.at("trial", key="followup_years"), lo=0,
                 open_lo=True, hi=10)  # fmt: skip
    seed = _number(trial, "seed", 0, w.at("trial", key="seed"), lo=0, integer=True)

    # arms
    arms_raw = data.get("arms")
    if not isinstance(arms_raw, list) or len(arms_raw) < 2:
        raise ValidationError(
            f"{w.at('arms')}the design needs two or more [[arms]] tables (each with name and "
            f"schedule), got {0 if not isinstance(arms_raw, list) else len(arms_raw)}"
        )
    arms = []
    for i, a in enumerate(arms_raw):
        if not isinstance(a, Mapping):
            raise ValidationError(f"{w.at('arms', i)}[[arms]] #{i + 1} must be a table")
        _check_keys(a, "arms", w, i)
        aw = w.at("arms", i)
        label = _string(a, "name", None, aw)
        if not label:
            raise ValidationError(f"{aw}[[arms]] #{i + 1} has no 'name'")
        sched = _string(a, "schedule", None, w.at("arms", i, "schedule"))
        if sched is None or not sched.strip():
            raise ValidationError(
                f"{aw}arm {label!r} ([[arms]] #{i + 1}) has no 'schedule'; give one, e.g. "
                f'schedule = "50Gy/25fx" (or "none" for no radiotherapy)'
            )
        ivs = a.get("interventions", [])
        if isinstance(ivs, str):  # one string, interventions separated by ';'
            ivs = [x.strip() for x in ivs.split(";") if x.strip()]
        if not isinstance(ivs, list) or not all(isinstance(s, str) for s in ivs):
            raise ValidationError(
                f"{w.at('arms', i, 'interventions')}arm {label!r}: 'interventions' must be a "
                f'list of strings such as "sting-agonist:day=0,dose=1", got {ivs!r}'
            )
        _check_arm_model(label, sched, ivs, w.at("arms", i, "schedule"))
        arms.append(Arm(name=label, schedule=sched.strip(), interventions=tuple(ivs)))
    names = [a.name for a in arms]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ValidationError(f"{w.at('arms')}arm names must be unique; repeated: {dup}")
    ref = _string(trial, "reference", names[0], w.at("trial", key="reference"))
    if ref not in names:
        close = difflib.get_close_matches(ref, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValidationError(
            f"{w.at('trial', key='reference')}reference arm {ref!r} does not exist{hint} "
            f"(arms: {', '.join(names)})"
        )

    population = _population(_table(data, "population", w), w, base)
    ep = _table(data, "endpoint", w)
    _check_keys(ep, "endpoint", w)
    lc_years = _number(ep, "local_control_years", 2.0, w.at("endpoint", key="local_control_years"),
                       lo=0, open_lo=True, hi=fu)  # fmt: skip
    power = None
    if "power" in data:
        power = _power(_table(data, "power", w), w, names, ref)
        if power.accrual_years + power.followup_years > fu + 1e-9:
            raise ValidationError(
                f"{w.at('power', key='followup_years')}[power] accrual_years + followup_years "
                f"({power.accrual_years + power.followup_years:g}) exceeds [trial] followup_years "
                f"({fu:g}): the virtual patients must be followed as long as the real trial"
            )
    nt = None
    if "normal_tissue" in data:
        nt = _normal_tissue(_table(data, "normal_tissue", w), w, base, ORGANS)
    return TrialDesign(
        arms=tuple(arms), reference=ref, name=name, population=population,
        endpoint=Endpoint(local_control_years=lc_years), patients_per_arm=n,
        followup_years=fu, seed=seed, power=power, normal_tissue=nt, source=source,
    )  # fmt: skip


def _check_arm_model(label: str, schedule: str, ivs: list[str], at: str) -> None:
    """Parse the arm's schedule and interventions now, so a bad one names the arm and line."""
    from ifnexus.errors import IfnexusError
    from ifnexus.model import parse_interventions, parse_schedule

    try:
        parse_schedule(schedule)
        parse_interventions(ivs)
    except IfnexusError as exc:
        msg = exc.args[0] if exc.args else str(exc)
        cls = UnknownNameError if isinstance(exc, UnknownNameError) else ValidationError
        raise cls(f"{at}arm {label!r}: {msg}") from None


def _population(d: dict[str, Any], w: _Where, base: Path | None) -> Population:
    _check_keys(d, "population", w)

    def at(k: str) -> str:
        return w.at("population", key=k)

    setting = _string(d, "setting", "patient", at("setting"))
    disease = _string(d, "disease", "gross", at("disease"))
    if setting != "patient":
        raise ValidationError(
            f"{at('setting')}'setting' must be \"patient\" for a trial (the life table and the "
            f"endpoint in years are for patients), got {setting!r}"
        )
    if disease not in ("gross", "postop"):
        raise ValidationError(
            f'{at("disease")}\'disease\' must be "gross" or "postop", got {disease!r}'
        )
    mix = d.get("ifn_mix")
    table = _string(d, "patient_table", None, at("patient_table"))
    if mix is not None and table is not None:
        raise ValidationError(
            f"{at('patient_table')}give either 'ifn_mix' or 'patient_table' in [population], not both"
        )
    if mix is not None:
        if not isinstance(mix, Mapping):
            raise ValidationError(f"{at('ifn_mix')}'ifn_mix' must be a table of state = fraction")
        for k in mix:
            if k not in IFN_STATES:
                close = difflib.get_close_matches(str(k), IFN_STATES, n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise UnknownNameError(
                    f"{at('ifn_mix')}unknown IFN state '{k}' in 'ifn_mix'{hint} "
                    f"(accepted: {', '.join(IFN_STATES)})"
                )
        vals = {k: _number(mix, k, 0.0, at("ifn_mix") + "ifn_mix ", lo=0, hi=1) for k in mix}
        total = sum(vals.values())
        if abs(total - 1.0) > 1e-6:
            raise ValidationError(
                f"{at('ifn_mix')}the 'ifn_mix' fractions must sum to 1, got {total:g}"
            )
        mix = MappingProxyType({k: float(vals.get(k, 0.0)) for k in IFN_STATES})
    if table is not None and base is not None and not Path(table).is_absolute():
        table = str(base / table)
    params = d.get("params", {})
    if not isinstance(params, Mapping) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in params.values()
    ):
        raise ValidationError(f"{at('params')}'params' must be a table of parameter = number")
    if params:
        from ifnexus.model import parameters

        try:
            parameters(setting, **{k: float(v) for k, v in params.items()})
        except (UnknownNameError, ValidationError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise type(exc)(f"{at('params')}[population] params: {msg}") from None
    margin = _string(d, "margin", None, at("margin"))
    if margin is not None and (margin not in ("R0", "R1") or disease != "postop"):
        raise ValidationError(
            f'{at("margin")}\'margin\' must be "R0" or "R1" and needs disease = "postop", '
            f"got {margin!r} with disease {disease!r}"
        )
    posterior = _string(d, "posterior", None, at("posterior"))
    if posterior is not None and base is not None and not Path(posterior).is_absolute():
        posterior = str(base / posterior)
    n_draws = _number(d, "posterior_draws", 20, at("posterior_draws"), lo=2, hi=1000, integer=True)
    lo = _number(d, "age_min", 18.0, at("age_min"), lo=0, hi=110)
    hi = _number(d, "age_max", 85.0, at("age_max"), lo=0, hi=110)
    if hi <= lo:
        raise ValidationError(f"{at('age_max')}'age_max' ({hi:g}) must be above 'age_min' ({lo:g})")
    return Population(
        setting=setting, disease=disease, ifn_mix=mix, patient_table=table,
        age_mean=_number(d, "age_mean", 40.0, at("age_mean"), lo=0, hi=110),
        age_sd=_number(d, "age_sd", 15.0, at("age_sd"), lo=0),
        age_min=lo, age_max=hi,
        male_fraction=_number(d, "male_fraction", 0.55, at("male_fraction"), lo=0, hi=1),
        params=MappingProxyType({k: float(v) for k, v in params.items()}),
        posterior=posterior, posterior_draws=n_draws, margin=margin,
    )  # fmt: skip


def _power(d: dict[str, Any], w: _Where, names: list[str], ref: str) -> PowerSpec:
    _check_keys(d, "power", w)

    def at(k: str) -> str:
        return w.at("power", key=k)

    arm = _string(d, "arm", None, at("arm"))
    others = [x for x in names if x != ref]
    if arm is None:
        arm = others[0]
    elif arm not in others:
        raise ValidationError(
            f"{at('arm')}[power] arm {arm!r} is not an arm other than the reference {ref!r} "
            f"(arms: {', '.join(others)})"
        )
    sides = _number(d, "sides", 2, at("sides"), lo=1, hi=2, integer=True)
    return PowerSpec(
        alpha=_number(d, "alpha", 0.05, at("alpha"), lo=0, hi=1, open_lo=True, open_hi=True),
        power=_number(d, "power", 0.8, at("power"), lo=0, hi=1, open_lo=True, open_hi=True),
        arm=arm,
        accrual_years=_number(d, "accrual_years", 3.0, at("accrual_years"), lo=0),
        followup_years=_number(d, "followup_years", 2.0, at("followup_years"), lo=0),
        allocation=_number(d, "allocation", 0.5, at("allocation"), lo=0, hi=1, open_lo=True,
                           open_hi=True),
        simulations=_number(d, "simulations", 400, at("simulations"), lo=20, hi=100_000,
                            integer=True),
        sides=sides,
    )  # fmt: skip


def _normal_tissue(
    d: dict[str, Any], w: _Where, base: Path | None, organs_known
) -> NormalTissueSpec:
    _check_keys(d, "normal_tissue", w)
    limit = _number(d, "ntcp_limit", 0.05, w.at("normal_tissue", key="ntcp_limit"), lo=0, hi=1,
                    open_lo=True, open_hi=True)  # fmt: skip
    raw = d.get("organs", [])
    if not isinstance(raw, list) or not raw:
        raise ValidationError(
            f"{w.at('normal_tissue')}[normal_tissue] needs one or more [[normal_tissue.organs]] "
            f"tables (organ = ..., relative_dose = ... or dvh = ...)"
        )
    out = []
    for i, o in enumerate(raw):
        tab = "normal_tissue.organs"
        if not isinstance(o, Mapping):
            raise ValidationError(f"{w.at(tab, i)}[[{tab}]] #{i + 1} must be a table")
        _check_keys(o, tab, w, i)

        def at(k: str, i: int = i, tab: str = tab) -> str:
            return w.at(tab, i, k)

        organ = _string(o, "organ", None, at("organ"))
        if organ is None:
            raise ValidationError(f"{w.at(tab, i)}[[{tab}]] #{i + 1} has no 'organ'")
        from ifnexus.trial._ntcp import canonical_organ

        try:
            organ = canonical_organ(organ)
        except UnknownNameError as exc:
            raise UnknownNameError(f"{at('organ')}{exc.args[0]}") from None
        rel = _number(o, "relative_dose", None, at("relative_dose"), lo=0, hi=2)  # type: ignore[arg-type]
        dvh = _string(o, "dvh", None, at("dvh"))
        if (rel is None) == (dvh is None):
            raise ValidationError(
                f"{w.at(tab, i)}organ {organ!r}: give exactly one of 'relative_dose' (fraction of "
                f"the prescribed dose per fraction) or 'dvh' (a dose,volume table)"
            )
        kind = _string(o, "dvh_kind", "cumulative", at("dvh_kind"))
        if kind not in ("cumulative", "differential"):
            raise ValidationError(
                f'{at("dvh_kind")}\'dvh_kind\' must be "cumulative" or "differential", got {kind!r}'
            )
        presc = _number(o, "dvh_prescription", None, at("dvh_prescription"), lo=0, open_lo=True)  # type: ignore[arg-type]
        if dvh is not None and presc is None:
            raise ValidationError(
                f"{w.at(tab, i)}organ {organ!r}: a 'dvh' needs 'dvh_prescription' (the total "
                f"prescribed dose, Gy, of the plan the DVH belongs to)"
            )
        if dvh is not None and base is not None and not Path(dvh).is_absolute():
            dvh = str(base / dvh)
        if dvh is not None:  # a bad DVH is an error now, before any simulation
            from ifnexus.trial._ntcp import read_dvh

            read_dvh(dvh, kind)  # type: ignore[arg-type]
        out.append(OrganSpec(
            organ=organ, relative_dose=rel,
            volume=_number(o, "volume", 1.0, at("volume"), lo=0, hi=1, open_lo=True),
            dvh=dvh, dvh_kind=kind, dvh_prescription=presc,
        ))  # fmt: skip
    return NormalTissueSpec(ntcp_limit=limit, organs=tuple(out))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        if not math.isfinite(v):
            raise ValidationError(f"cannot write the non-finite number {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string
    if isinstance(v, Mapping):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ValidationError(f"cannot write {type(v).__name__} {v!r} to TOML")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def design_to_toml(design: TrialDesign) -> str:
    """Write a design as the TOML text :func:`read_design` reads back to the same design.

    Parameters
    ----------
    design
        The design.

    Returns
    -------
    str
        TOML with the tables ``[trial]``, ``[population]``, ``[endpoint]``, ``[[arms]]`` and,
        when set, ``[power]`` and ``[normal_tissue]`` / ``[[normal_tissue.organs]]``.
    """
    d = design.to_dict()
    out: list[str] = []
    for table in ("trial", "population", "endpoint", "power"):
        if table in d:
            out.append(f"[{table}]")
            out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in d[table].items()]
            out.append("")
    for arm in d["arms"]:
        out.append("[[arms]]")
        out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in arm.items()]
        out.append("")
    if "normal_tissue" in d:
        out += [
            "[normal_tissue]",
            f"ntcp_limit = {_toml_value(d['normal_tissue']['ntcp_limit'])}",
            "",
        ]
        for organ in d["normal_tissue"]["organs"]:
            out.append("[[normal_tissue.organs]]")
            out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in organ.items()]
            out.append("")
    return "\n".join(out)


def example_design_path() -> Path:
    """Return the path of the shipped example design (``data/example_trial.toml``).

    Returns
    -------
    pathlib.Path
        The example TOML file inside the installed package.
    """
    return Path(
        str(resources.files("ifnexus.trial").joinpath("data").joinpath("example_trial.toml"))
    )
