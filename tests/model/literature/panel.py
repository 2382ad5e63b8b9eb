"""Run the literature panel (``panel.toml``) against the model's public API.

One module for the pytest suite (``test_literature_panel.py``) and for the report writer
(``tools/literature_panel.py``): it reads the panel, turns each arm of an entry into a
``simulate_cohort`` / ``tcd50`` / ``in_vitro_survival`` call (the public API the CLI also
calls), reads out the quantity the published result is about and evaluates the entry's checks.

Written here rather than taken from a library: the panel is a table of comparisons between
model arms, and each check is one line of arithmetic (a difference, a ratio, a band); no
package does this. The statistics are deliberately plain: means over a cohort with the same
seed in every arm (common random numbers), so a difference between arms is the effect of the
arm, not of the draw.
"""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PANEL = Path(__file__).with_name("panel.toml")
KNOWN = Path(__file__).with_name("known_disagreements.toml")

SUMMARY_READOUTS = ("rmst", "median_ttf", "fail_within_365")
_ARM_KEYS = {
    "second_lesion",
    "schedule",
    "schedule_pulses",
    "genotype",
    "host",
    "interventions",
    "params",
    "margin",
}


class NotExpressible(Exception):
    """The model has no output for the quantity a published result is about."""


def load_panel(path: Path = PANEL) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return ``(meta, entries)`` of the panel file."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return data["meta"], data["entry"]


def load_known(path: Path = KNOWN) -> dict[str, dict[str, str]]:
    """Return the recorded disagreements: ``{id: {"kind": ..., "reason": ...}}``."""
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh).get("disagreement", {})


def pulses_schedule(total_gy: float, pulses: int, every_h: float) -> str:
    """``day:dose`` schedule of ``pulses`` equal pulses ``every_h`` hours apart from day 0."""
    dose = total_gy / pulses
    return ",".join(f"{k * every_h / 24.0:.4f}:{dose:g}" for k in range(pulses))


def arm_schedule(arm: dict[str, Any]) -> str | None:
    """The schedule string of an arm (``schedule_pulses`` expanded), or None (in vitro)."""
    if "schedule_pulses" in arm:
        sp = arm["schedule_pulses"]
        return pulses_schedule(float(sp["total_gy"]), int(sp["pulses"]), float(sp["every_h"]))
    return arm.get("schedule")


def arm_kwargs(entry: dict[str, Any], meta: dict[str, Any], name: str) -> dict[str, Any]:
    """Keyword arguments of the API call of arm ``name`` (without the schedule / doses)."""
    arm = entry["arms"][name]
    unknown = set(arm) - _ARM_KEYS
    if unknown:
        raise KeyError(f"{entry['id']}.{name}: unknown arm keys {sorted(unknown)}")
    kw: dict[str, Any] = {}
    if "genotype" in arm:
        kw["genotype"] = arm["genotype"]
    if "host" in arm:
        kw["host"] = arm["host"]
    if arm.get("interventions"):
        kw["interventions"] = list(arm["interventions"])
    if arm.get("params"):
        kw["params"] = {k: float(v) for k, v in arm["params"].items()}
    if "margin" in arm:
        kw["margin"] = arm["margin"]
    if arm.get("second_lesion"):
        # true (n0_second clonogens) or a size in clonogens
        sl = arm["second_lesion"]
        kw["second_lesion"] = True if sl is True else float(sl)
    if entry["kind"] == "in_vitro":
        return kw
    kw["setting"] = entry["setting"]
    if "disease" in entry:
        kw["disease"] = entry["disease"]
    if "days" in entry:
        kw["days"] = float(entry["days"])
    kw["rng"] = int(meta["seed"])
    if entry["kind"] == "tcd50":
        kw["n_patients"] = int(entry.get("n", 150))
    else:
        default = meta["n_mouse"] if entry["setting"] == "mouse" else meta["n_patient"]
        kw["n_patients"] = int(entry.get("n", default))
    return kw


def cli_command(entry: dict[str, Any], meta: dict[str, Any], name: str) -> str:
    """The ``ifnexus simulate`` command line equivalent to arm ``name`` of ``entry``."""
    arm = entry["arms"][name]
    kw = arm_kwargs(entry, meta, name)
    parts = ["ifnexus", "simulate"]
    if entry["kind"] == "tcd50":
        parts.append("tcd50")
    if entry["kind"] == "in_vitro":
        parts += ["--in-vitro", "--doses", ",".join(f"{d:g}" for d in entry["doses"])]
    else:
        sched = arm_schedule(arm)
        if "schedule_pulses" in arm:
            sp = arm["schedule_pulses"]
            sched = (
                f"<{sp['pulses']} pulses of {sp['total_gy'] / sp['pulses']:g} Gy every "
                f"{sp['every_h']:g} h: 0:{sp['total_gy'] / sp['pulses']:g},"
                f"{sp['every_h'] / 24:.4f}:{sp['total_gy'] / sp['pulses']:g},...>"
            )
        if entry["kind"] == "tcd50":
            parts += ["--doses", ",".join(f"{d:g}" for d in entry["doses"])]
        else:
            parts += ["--schedule", shlex.quote(str(sched))]
        parts += ["--setting", kw["setting"]]
        if kw.get("disease", "gross") != "gross":
            parts += ["--disease", kw["disease"]]
    if "genotype" in kw:
        parts += ["--tumour", kw["genotype"]]
    if "host" in kw:
        parts += ["--host", kw["host"]]
    for iv in kw.get("interventions", []):
        parts += ["--intervention", shlex.quote(iv)]
    if "margin" in kw:
        parts += ["--margin", kw["margin"]]
    if "second_lesion" in kw:
        sl = kw["second_lesion"]
        if sl is True:
            from ifnexus.model import parameters

            sl = parameters(kw["setting"])["n0_second"]
        parts += ["--second-lesion", f"{sl:g}"]
    if "params" in kw:
        # --params takes a TOML file; bash process substitution makes the line runnable as is
        toml = "\\n".join(f"{k} = {v!r}" for k, v in kw["params"].items())
        parts += ["--params", f"<(printf '{toml}\\n')"]
    if entry["kind"] != "in_vitro":
        parts += ["--patients", str(kw["n_patients"]), "--seed", str(kw["rng"])]
        if "days" in kw:
            parts += ["--days", f"{kw['days']:g}"]
    return " ".join(parts)


def _summary(patients, readout: str) -> float:
    ok = ~patients["numerical_failure"].astype(bool)
    p = patients[ok]
    failed = p["local_failure"].astype(bool).to_numpy()
    ttf = p["time_to_failure"].to_numpy(dtype=float)
    if readout == "rmst":
        return float(np.mean(np.where(failed, ttf, p["followup"].to_numpy(dtype=float))))
    if not failed.any():
        return float("nan")
    if readout == "median_ttf":
        return float(np.median(ttf[failed]))
    if readout == "fail_within_365":
        return float(np.mean(ttf[failed] <= 365.0))
    raise KeyError(readout)


def _readouts(entry: dict[str, Any]) -> set[str]:
    out = {entry["readout"]}
    out |= {c["readout"] for c in entry["checks"] if "readout" in c}
    return out


def run_arm(entry: dict[str, Any], meta: dict[str, Any], name: str) -> dict[str, Any]:
    """Run one arm; return ``{readout: value}`` (an array for the in-vitro ``sf``).

    Raises
    ------
    ifnexus.errors.IfnexusError
        The model cannot express the arm (unknown intervention, genotype, disease, ...).
    NotExpressible
        The model has no output for the readout.
    """
    import ifnexus.model as m

    kw = arm_kwargs(entry, meta, name)
    kind = entry["kind"]
    if kind == "in_vitro":
        return {"sf": np.asarray(m.in_vitro_survival(np.asarray(entry["doses"], float), **kw))}
    if kind == "tcd50":
        return {"tcd50_gy": float(m.tcd50(np.asarray(entry["doses"], float), **kw).tcd50_gy)}
    schedule = arm_schedule(entry["arms"][name])
    if schedule is None:
        raise KeyError(f"{entry['id']}.{name}: a cohort arm needs a schedule")
    res = m.simulate_cohort(schedule, **kw)
    pts = res.patients
    out: dict[str, Any] = {}
    for r in _readouts(entry):
        if r not in SUMMARY_READOUTS and r not in pts.columns:
            raise NotExpressible(
                f"the model reports no {r!r} (per-tumour outputs: {len(pts.columns)} columns)"
            )
        out[r] = _summary(pts, r) if r in SUMMARY_READOUTS else mean_readout(pts[r])
    return out


def mean_readout(values: Any) -> float:
    """Mean of a per-tumour readout over its evaluable tumours; NaN when none is evaluable.

    Missing values (NaN, or ``pd.NA`` of a nullable column such as the pandas ``"boolean"``
    ``severe_lymphopenia_1mo``) are left out; a readout with no value at all (e.g. a follow-up
    shorter than the readout's day) has no mean, and the entry is then ``not evaluable``.
    """
    present = values.dropna()
    return float(present.astype(float).mean()) if len(present) else float("nan")


def _missing(x: Any) -> bool:
    return bool(np.any(np.isnan(np.asarray(x, dtype=float))))


@dataclass
class CheckResult:
    """One check of an entry: its text, the values compared and whether it holds."""

    text: str
    values: str
    ok: bool
    evaluable: bool = True


@dataclass
class EntryResult:
    """The outcome of one entry: ``agree``, ``disagree``, ``not evaluable`` or ``not expressible``.

    ``not evaluable``: a check compares a readout that has no value in an arm (NaN: no
    tumour evaluable, e.g. follow-up shorter than the readout's day); the model ran, but the
    comparison cannot be made, so it is neither an agreement nor a disagreement.
    """

    entry: dict[str, Any]
    status: str
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""

    @property
    def model_text(self) -> str:
        """What the model gave, one line."""
        if self.status == "not expressible":
            return f"not expressible: {self.error}"
        if self.status == "not evaluable":
            return f"not evaluable: no value to compare in {self.error}"
        readouts = [self.entry["readout"]]
        readouts += [c["readout"] for c in self.entry["checks"] if c.get("readout")]
        parts = []
        for r in dict.fromkeys(readouts):
            arms = [a for a, v in self.values.items() if r in v]
            parts.append(f"{r}: " + ", ".join(f"{a} {_fmt(self.values[a][r])}" for a in arms))
        return "; ".join(parts)


def _fmt(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return "not evaluable" if _missing(x) else f"{x:.3g}"


def evaluate(entry: dict[str, Any], values: dict[str, dict[str, Any]]) -> list[CheckResult]:
    """Evaluate the checks of ``entry`` on arm readouts ``values[arm][readout]``."""
    out = []
    for c in entry["checks"]:
        r = c.get("readout", entry["readout"])
        op = c["op"]
        if op == "decreasing":
            vs = [values[a][r] for a in c["arms"]]
            ordered = all(np.all(x - y >= c["margin"]) for x, y in zip(vs, vs[1:], strict=False))
            shown = ", ".join(f"{a} {_fmt(v)}" for a, v in zip(c["arms"], vs, strict=True))
            text = f"{r}: " + " > ".join(c["arms"]) + f" (each by >= {c['margin']:g})"
            evaluable = not any(_missing(v) for v in vs)
            out.append(CheckResult(text, f"{r} {shown}", bool(ordered) and evaluable, evaluable))
            continue
        a = values[c["a"]][r]
        b = values[c["b"]][r] if "b" in c else None
        ok: Any
        with np.errstate(divide="ignore", invalid="ignore"):
            if op == "greater":
                ok, text = np.all(a - b >= c["margin"]), f"{c['a']} - {c['b']} >= {c['margin']:g}"
            elif op == "less":
                ok, text = np.all(b - a >= c["margin"]), f"{c['b']} - {c['a']} >= {c['margin']:g}"
            elif op == "ratio_at_least":
                ok, text = np.all(a / b >= c["value"]), f"{c['a']} / {c['b']} >= {c['value']:g}"
            elif op == "ratio_at_most":
                ok, text = np.all(a / b <= c["value"]), f"{c['a']} / {c['b']} <= {c['value']:g}"
            elif op == "ratio_between":
                q = a / b
                ok = np.all((q >= c["low"]) & (q <= c["high"]))
                text = f"{c['low']:g} <= {c['a']} / {c['b']} <= {c['high']:g}"
            elif op == "close":
                ok, text = (
                    np.all(np.abs(a - b) <= c["tol"]),
                    f"|{c['a']} - {c['b']}| <= {c['tol']:g}",
                )
            elif op == "between":
                ok = np.all((a >= c["low"]) & (a <= c["high"]))
                text = f"{c['low']:g} <= {c['a']} <= {c['high']:g}"
            else:
                raise KeyError(f"{entry['id']}: unknown check op {op!r}")
        vals = f"{r} {c['a']} {_fmt(a)}" + (f", {c['b']} {_fmt(b)}" if b is not None else "")
        evaluable = not (_missing(a) or (b is not None and _missing(b)))
        out.append(CheckResult(f"{r}: {text}", vals, bool(ok) and evaluable, evaluable))
    return out


def run_entry(entry: dict[str, Any], meta: dict[str, Any], *, catch: bool = True) -> EntryResult:
    """Run every arm of ``entry`` and evaluate its checks.

    With ``catch`` (the report), an :class:`ifnexus.errors.IfnexusError` from the model (or a
    readout it does not report, :class:`NotExpressible`) makes the entry ``not expressible``;
    without it (the tests) the error propagates.
    """
    from ifnexus.errors import IfnexusError

    values: dict[str, dict[str, Any]] = {}
    try:
        for name in entry["arms"]:
            values[name] = run_arm(entry, meta, name)
    except (IfnexusError, NotExpressible) as exc:
        if not catch:
            raise
        return EntryResult(
            entry,
            "not expressible",
            values,
            [],
            str(exc).split("; accepted")[0].split("; known")[0],
        )
    checks = evaluate(entry, values)
    blind = [c for c in checks if not c.evaluable]
    if blind:
        return EntryResult(
            entry,
            "not evaluable",
            values,
            checks,
            "; ".join(f"{c.text} [{c.values}]" for c in blind),
        )
    status = "agree" if all(c.ok for c in checks) else "disagree"
    return EntryResult(entry, status, values, checks)
