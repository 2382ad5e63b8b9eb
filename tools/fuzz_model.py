"""Seeded robustness sweep of the model's public surface: every case runs sanely or is refused.

Run from the repository root (small cases; the machine is shared, so ``nice`` it)::

    nice python tools/fuzz_model.py --seed 0 --n 200            # API and CLI cases
    nice python tools/fuzz_model.py --seed 1 --n 50 --only cli  # CLI cases only
    nice python tools/fuzz_model.py --seed 0 --n 200 --json fuzz.json

It draws ``--n`` random but valid-looking cases from a numpy ``Generator`` seeded with
``--seed`` (the same seed draws the same cases) and runs each through one of:

* ``ifnexus.model.simulate_cohort`` (``api-cohort``): setting mouse / patient; disease gross /
  postop / preop; margins (also given where they do not apply); schedules ``none``,
  ``50Gy/25fx``, ``20Gy x1``, ``0:20,0.0007:20``, single doses up to 100 Gy (and beyond),
  hundreds of small fractions, two doses on the same day, pulsed low-dose-rate trains;
  every host and tumour genotype alone and combined (aliases and mixed case too);
  interventions of every kind, before and after the first fraction, negative days, repeats,
  overlapping windows, doses at the edges of their range; a second lesion; parameter overrides
  at the edges of each parameter's declared range; short and long follow-up; one patient;
  recorded time courses;
* ``ifnexus.model.tcd50`` (``api-tcd50``) over small dose grids and fraction numbers;
* ``ifnexus.model.in_vitro_survival`` (``api-invitro``) over dose lists with edge doses;
* ``ifnexus.model.tumour_model(...).simulate()`` (``api-tumour``): one median tumour;
* the command line ``ifnexus simulate ... --json --out DIR`` (``cli``), with a ``--params``
  TOML file for parameter overrides.

Inputs just outside the accepted ranges are drawn too (a fraction over 1,000 Gy, an agent
dose of 1e300, 2.5 patients or fractions, a misspelt host / genotype / disease / margin,
``--out`` under an existing file): they must be refused.

Every outcome is checked. A case is a DEFECT when it raises an exception that is not an
``ifnexus.errors.IfnexusError`` (API) or exits with a traceback / status other than 0 and 2
(CLI); emits a numpy ``RuntimeWarning`` (API); reports NaN or inf in a summary number or in
``ifn_kill``; a probability outside [0, 1]; negative counts, times or sizes (``ifn_t_peak`` may
be negative: days from the first fraction, an intervention can start earlier); IFN labels other
than acute / chronic / none (``unknown`` for a flagged numerical failure); local control > 0
of an untreated, unresected gross tumour in a T-cell deficient host followed long enough for it
to grow to detection; IFN label counts that do not add up to the cohort; a
``ConvergenceError`` ("check parameters") when no parameter was overridden; a
``local_control_table`` (what ``--out`` draws) outside [0, 1]; a result that
differs when rerun with the same seed (every ``--repeat-every``-th case); a CLI refusal whose
message names none of the options (or parameter names) given, or that leaves files in
``--out``. Refusals are counted per message so they can be read.

Exit status 0 when no defect was found, 1 otherwise; ``--json FILE`` writes every case with
its outcome. Each case stays small (at most 8 tumours, follow-up of at most a few years) so a
few hundred cases take minutes after the kernel is compiled once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ifnexus.errors import ConvergenceError, IfnexusError  # noqa: E402
from ifnexus.model import _variants  # noqa: E402

# the names the model accepts, read from its own tables (not restated here)
GENOTYPE_NAMES = tuple(_variants.GENOTYPES)
HOST_NAMES = tuple(_variants.HOSTS) + tuple(_variants._HOST_ALIASES)
IMPULSES = tuple(_variants.DOSED)
WINDOWS = tuple(_variants._WINDOW)
LABELS = {"acute", "chronic", "none", "unknown"}
T_CELL_DEFICIENT = {
    h
    for h in HOST_NAMES
    if _variants.HOSTS[_variants._HOST_ALIASES.get(h, h)].get("h_T", 1.0) == 0.0
}

Case = dict[str, Any]


# ----------------------------------------------------------------------------- drawing


def _pick(rng: np.random.Generator, seq: Any) -> Any:
    return seq[int(rng.integers(len(seq)))]


def draw_schedule(rng: np.random.Generator) -> str:
    """A schedule string: standard, single large doses, many small ones, same-day, pulsed."""
    kind = _pick(
        rng,
        ("none", "std", "single", "large", "many", "sameday", "pulsed", "list", "tiny", "zero")
        + ("std", "single", "huge"),
    )
    if kind == "none":
        return str(_pick(rng, ("none", "None", "0", "sham", "0Gy")))
    if kind == "std":
        return str(_pick(rng, ("50Gy/25fx", "25Gy/5fx", "8Gy x3", "60Gy/30fx", "66Gy/33fx")))
    if kind == "single":
        return str(_pick(rng, ("20Gy x1", "0:20,0.0007:20", "0:8,1:8", "12Gy x1")))
    if kind == "large":
        d = float(_pick(rng, (30.0, 50.0, 80.0, 100.0, 150.0, round(rng.uniform(20, 100), 2))))
        return f"{d:g}Gy x1"
    if kind == "many":
        n = int(_pick(rng, (40, 60, 100, int(rng.integers(30, 120)))))
        total = round(float(rng.uniform(10, 80)), 1)
        return f"{total:g}Gy/{n}fx"
    if kind == "sameday":
        a = round(float(rng.uniform(1, 10)), 2)
        return str(_pick(rng, (f"0:{a},0:{a}", f"0:{a},0.0:{a}", f"0:{a},1e-9:{a}")))
    if kind == "pulsed":
        n = int(rng.integers(2, 20))
        step = float(_pick(rng, (3 / 1440, 0.0007, 1e-4, 1.0 / 24)))
        d = round(float(rng.uniform(0.1, 2.0)), 3)
        return ",".join(f"{k * step:.6g}:{d}" for k in range(n))
    if kind == "list":
        n = int(rng.integers(1, 6))
        days = np.sort(rng.choice(np.arange(0, 40), size=n, replace=False))
        return ",".join(f"{int(t)}:{round(float(rng.uniform(0, 20)), 2)}" for t in days)
    if kind == "huge":  # over the 1000 Gy per fraction limit: refused, naming the schedule
        return str(_pick(rng, ("0:1e300", "2000Gy x1", "0:2,1:1001")))
    if kind == "tiny":
        return str(_pick(rng, ("1e-6Gy x1", "0.001Gy/10fx", "0:1e-12")))
    return str(_pick(rng, ("0Gy x1", "0:0", "0Gy/5fx")))


def _impulse(rng: np.random.Generator, name: str) -> str:
    day = float(_pick(rng, (0.0, -3.0, -30.0, 7.0, 60.0, round(float(rng.uniform(-20, 40)), 2))))
    dose = float(
        _pick(rng, (0.0, 1.0, 100.0, 1e-6, 1e4, 1e300, round(float(rng.uniform(0, 5)), 3)))
    )
    parts = [f"day={day:g}", f"dose={dose:g}"]
    if rng.random() < 0.5:
        parts.append(f"repeat={int(_pick(rng, (1, 2, 4, 10, 50)))}")
        parts.append(f"every={float(_pick(rng, (0.01, 0.5, 1.0, 3.0, 7.0))):g}")
    return f"{name}:{','.join(parts)}"


def _window(rng: np.random.Generator, name: str) -> str:
    start = float(_pick(rng, (0.0, -7.0, -30.0, 3.0, round(float(rng.uniform(-20, 40)), 2))))
    length = float(_pick(rng, (1e-3, 0.5, 7.0, 28.0, 200.0)))
    parts = [f"start={start:g}", f"end={start + length:g}"]
    if rng.random() < 0.7:
        if name in ("ifnar-block", "jak-inhibitor"):
            dose = float(_pick(rng, (0.0, 1.0, 0.5, 0.95)))
        else:
            dose = float(_pick(rng, (0.0, 1.0, 100.0, 10.0, 1e-6, 1e300)))
        parts.append(f"dose={dose:g}")
    if name in ("ifnar-block", "jak-inhibitor") and rng.random() < 0.5:
        parts.append(f"compartment={_pick(rng, ('tumour', 'host', 'both', 'Host'))}")
    return f"{name}:{','.join(parts)}"


def draw_interventions(rng: np.random.Generator) -> list[str]:
    """Zero to three interventions of any kind; sometimes the same one twice (overlapping)."""
    out: list[str] = []
    for _ in range(int(_pick(rng, (0, 0, 1, 1, 2, 3)))):
        name = str(_pick(rng, IMPULSES + WINDOWS))
        out.append(_impulse(rng, name) if name in IMPULSES else _window(rng, name))
    if out and rng.random() < 0.15:
        out.append(out[-1])  # the same intervention twice: overlapping windows / same-day doses
    return out


def draw_genotype(rng: np.random.Generator) -> str | None:
    k = int(_pick(rng, (0, 0, 1, 1, 2, 3)))
    if k == 0:
        return None
    names = list(rng.choice(GENOTYPE_NAMES, size=k, replace=False))
    if rng.random() < 0.2:
        names = [n.upper() for n in names]
    return ",".join(names)


def draw_params(rng: np.random.Generator, table: list[dict[str, Any]]) -> dict[str, float]:
    """One to three parameters at an edge of their declared range (or just inside it)."""
    out: dict[str, float] = {}
    spread = [p for p in table if str(p["name"]).endswith(("_sigma", "_cv", "_gsd", "omega"))]
    for _ in range(int(rng.integers(1, 4))):
        p = _pick(rng, spread if rng.random() < 0.3 else table)  # the population spreads
        base = float(p["patient"]) or 1.0
        rng_text = p["range"]
        if rng_text == "[0, 1]":
            v = float(_pick(rng, (0.0, 1.0)))
        elif rng_text == "(0, 1]":
            v = float(_pick(rng, (1.0, 1e-6)))
        elif rng_text == "(0, 365]":
            v = float(_pick(rng, (365.0, 1e-3)))
        elif rng_text == ">= 1":
            v = float(_pick(rng, (1.0, 10.0)))
        elif rng_text == ">= 0":
            v = float(_pick(rng, (0.0, base * 10, base * 1e3)))
        else:  # "> 0"
            v = float(_pick(rng, (base * 1e-3, base * 1e3, 1e-9)))
        out[str(p["name"])] = v
    return out


def draw_case(rng: np.random.Generator, table: list[dict[str, Any]], only: str | None) -> Case:
    """One case: its kind and arguments."""
    kind = only or str(
        _pick(rng, ("api-cohort",) * 5 + ("cli",) * 3 + ("api-tcd50", "api-invitro", "api-tumour"))
    )
    setting = str(_pick(rng, ("patient", "mouse")))
    case: Case = {"kind": kind, "setting": setting, "seed": int(rng.integers(0, 2**31))}
    if kind == "api-invitro":
        n = int(rng.integers(1, 6))
        edges = (0.0, 2.0, 8.0, 20.0, 100.0, 400.0, 1000.0, 1001.0, 1e-6)
        doses = [float(_pick(rng, edges)) for _ in range(n)]
        case.update(
            doses=doses,
            genotype=draw_genotype(rng),
            days=float(_pick(rng, (14.0, 1.0, 0.5, 30.0))),
            interventions=draw_interventions(rng) if rng.random() < 0.3 else [],
        )
        return case
    if kind == "api-tcd50":
        case.update(
            doses=str(_pick(rng, ("10,20,40,80", "0,30,60,100", "5:80:15", "1,2", "20,200"))),
            fractions=_pick(rng, (1, 1, 2, 5, 2.5)),
            n_patients=_pick(rng, (2, 3, 4, 6, 2.5)),
            host=_pick(rng, (None, "nude", "immunocompetent")),
            setting="mouse",
        )
        return case
    disease = str(_pick(rng, ("gross", "gross", "postop", "preop")))
    if setting == "mouse" and disease != "gross" and rng.random() < 0.8:
        disease = "gross"  # resected disease is patient-only: refused, so keep it rare
    schedule = draw_schedule(rng)
    days_pick = _pick(rng, (None, 30.0, 60.0, 120.0, 200.0, 400.0, 3.0, 0.5, 0.0))
    days: float | None = (
        None if days_pick is None else float(days_pick) or round(float(rng.uniform(5, 500)), 1)
    )
    if setting == "patient" and days is None and rng.random() < 0.7:
        days = 400.0  # keep most cases short; the default 1825 days still appears
    case.update(
        schedule=schedule,
        disease=disease,
        genotype=draw_genotype(rng),
        host=_pick(rng, (None,) + HOST_NAMES),
        interventions=draw_interventions(rng),
        days=days,
        n_patients=_pick(rng, (1, 1, 2, 3, 5, 8, 3.0) * 3 + (2.5,)),
        record=_pick(rng, (0, 0, 0, 1, 3) * 3 + (1.5,)),
        margin=_pick(rng, (None, "R0", "R1", "r1"))
        if rng.random() < (0.5 if disease != "gross" else 0.05)
        else None,
        second_lesion=_pick(rng, (False,) * 6 + (True, True, 3e7, 1e3, 1e10)),
        params=draw_params(rng, table) if rng.random() < 0.3 else {},
        heterogeneity=bool(rng.random() < 0.85),
    )
    if kind != "api-tumour" and rng.random() < 0.08:  # untreated, in a T-cell-deficient host
        case.update(schedule="none", disease="gross", host="nude", interventions=[],
                    params={}, days=float(_pick(rng, (60.0, 120.0, 400.0))))  # fmt: skip
    if rng.random() < 0.05:  # a misspelt name: refused, naming the option
        key = str(_pick(rng, ("host", "genotype", "disease", "margin")))
        case[key] = str(_pick(rng, ("nudee", "sting-los", "gros", "R2", "Immuno competent")))
    if kind == "api-tumour":
        case["days"] = case["days"] or 60.0
    return case


# ----------------------------------------------------------------------------- checks


def _finite_nonneg(problems: list[str], what: str, v: Any) -> None:
    if v is None:
        return
    x = float(v)
    if not math.isfinite(x):
        problems.append(f"{what} is not finite ({x})")
    elif x < 0:
        problems.append(f"{what} is negative ({x})")


def _probability(problems: list[str], what: str, v: Any) -> None:
    x = float(v)
    if not (math.isfinite(x) and 0.0 <= x <= 1.0):
        problems.append(f"{what} = {x} is not a probability in [0, 1]")


def check_summary(d: dict[str, Any]) -> list[str]:
    """Problems of a cohort summary (the ``simulate --json`` object)."""
    problems: list[str] = []
    for key in ("bed", "eqd2", "ifn_auc_30d", "days", "n_patients", "n_numerical_failure"):
        _finite_nonneg(problems, key, d.get(key))
    for key in ("cd8_fold_change_day7", "median_time_to_failure"):
        _finite_nonneg(problems, key, d.get(key))
    n_ok = int(d["n_patients"]) - int(d["n_numerical_failure"])
    if n_ok > 0:
        _probability(problems, "local_control", d["local_control"])
        _probability(problems, "tcp_mean", d["tcp_mean"])
    labels = d.get("ifn_labels", {})
    if set(labels) - LABELS:
        problems.append(f"ifn_labels has undocumented keys {sorted(set(labels) - LABELS)}")
    if any(int(v) < 0 for v in labels.values()):
        problems.append(f"negative ifn_labels count {labels}")
    if sum(int(v) for v in labels.values()) != n_ok:
        problems.append(f"ifn_labels {labels} do not add up to the {n_ok} evaluable tumours")
    return problems


def check_patients(df: Any, case: Case) -> list[str]:
    """Problems of the per-tumour table."""
    problems: list[str] = []
    bad = df["numerical_failure"].to_numpy(dtype=bool) if "numerical_failure" in df else None
    ok = df if bad is None else df.loc[~bad]
    if set(df["ifn_label"]) - LABELS:
        problems.append(f"ifn_label values {sorted(set(df['ifn_label']) - LABELS)}")
    for col in ("tcp",):
        x = ok[col].to_numpy(dtype=float)
        if np.any(~np.isfinite(x)) or np.any((x < 0) | (x > 1)):
            problems.append(f"{col} outside [0, 1]: {x.tolist()}")
    for col in (
        "n0", "alpha", "beta", "bed", "eqd2", "followup", "ifn_peak", "ifn_auc_30d",
        "clonogens_end", "burden_end", "irds_end", "ifn_baseline", "ifn_4wk", "alc_baseline",
    ):  # fmt: skip
        if col in ok:
            x = ok[col].to_numpy(dtype=float)
            if np.any(~np.isfinite(x)) or np.any(x < 0):
                problems.append(f"{col} not finite or negative: {x.tolist()}")
    # ifn_t_peak may be negative: days from the first fraction, and an intervention before it
    # can give the peak (a window from day -7 peaks at -7)
    for col in ("time_to_failure", "alc_1mo", "alc_3mo", "second_lesion_ratio_30d"):
        if col in ok:
            x = ok[col].to_numpy(dtype=float)
            if np.any(np.isinf(x)) or np.any(x[np.isfinite(x)] < 0):
                problems.append(f"{col} infinite or negative: {x.tolist()}")
    if len(ok):
        fail = ok["local_failure"].to_numpy(dtype=bool)
        ttf = ok["time_to_failure"].to_numpy(dtype=float)
        if np.any(fail & ~np.isfinite(ttf)):
            problems.append("a local failure without a time to failure")
        if np.any(ttf[fail] > ok["followup"].to_numpy(dtype=float)[fail] + 1e-9):
            problems.append("a time to failure after the end of follow-up")
        if np.any(fail & ok["local_control"].to_numpy(dtype=bool)):
            problems.append("a tumour both failed and controlled")
    untreated = (
        case.get("disease") == "gross"
        and str(case.get("schedule", "")).strip().lower() in {"none", "0", "sham", "0gy"}
        and not case.get("interventions")
        and not case.get("params")
        and case.get("host") in T_CELL_DEFICIENT
        and (case.get("days") or 1825.0) >= 60.0
    )
    if untreated and len(ok) and ok["local_control"].any():
        problems.append(
            "an untreated gross tumour in a T-cell-deficient host is locally controlled "
            f"(local_control {ok['local_control'].tolist()})"
        )
    return problems


def check_timecourses(tc: Any, case: Case) -> list[str]:
    problems: list[str] = []
    if case.get("record") and not len(tc):
        problems.append(f"record={case['record']} gave no time courses")
    if len(tc):
        x = tc["value"].to_numpy(dtype=float)
        if np.any(np.isinf(x)):
            problems.append("infinite value in the time courses")
        if np.any(~np.isfinite(tc["time"].to_numpy(dtype=float))):
            problems.append("a non-finite time in the time courses")
    return problems


# ----------------------------------------------------------------------------- running


def _cohort_kwargs(case: Case) -> dict[str, Any]:
    return {
        k: case[k]
        for k in (
            "setting", "disease", "genotype", "host", "interventions", "days", "n_patients",
            "record", "margin", "second_lesion", "params", "heterogeneity",
        )
        if k in case
    }  # fmt: skip


def run_api(case: Case) -> tuple[str, list[str], Any]:
    """Run one API case; return (outcome, problems, fingerprint for the seed check)."""
    from ifnexus import model

    kind = case["kind"]
    if kind == "api-cohort":
        res = model.simulate_cohort(case["schedule"], rng=case["seed"], **_cohort_kwargs(case))
        d = res.to_dict()
        problems = check_summary(d) + check_patients(res.patients, case)
        problems += check_timecourses(res.timecourses, case)
        lc = res.local_control_table()  # what write() draws: over the unflagged tumours
        x = lc[["local_control", "ci_lower", "ci_upper"]].to_numpy(dtype=float)
        if np.any(~np.isfinite(x)) or np.any((x < 0) | (x > 1)):
            problems.append("local_control_table outside [0, 1] or not finite")
        outcome = f"ok ({d['n_numerical_failure']} flagged)" if d["n_numerical_failure"] else "ok"
        return outcome, problems, (json.dumps(d, sort_keys=True, default=str), res.patients)
    if kind == "api-tcd50":
        fit = model.tcd50(
            case["doses"],
            fractions=case["fractions"],
            setting=case["setting"],
            n_patients=case["n_patients"],
            rng=case["seed"],
            host=case["host"],
        )
        problems = []
        if not (math.isfinite(fit.tcd50_gy) and fit.tcd50_gy > 0):
            problems.append(f"tcd50 = {fit.tcd50_gy}")
        return "ok", problems, repr(fit.tcd50_gy)
    if kind == "api-invitro":
        curves = model.in_vitro_curves(
            case["doses"],
            genotypes=[case["genotype"]],
            setting=case["setting"],
            days=case["days"],
            interventions=case["interventions"],
        )
        sf = curves["surviving_fraction"].to_numpy(dtype=float)
        problems = []
        if np.any(~np.isfinite(curves["ifn_kill"].to_numpy(dtype=float))):
            problems.append(f"ifn_kill not finite: {curves['ifn_kill'].tolist()}")
        if sf.shape != (len(case["doses"]),):
            problems.append(f"shape {sf.shape} for {len(case['doses'])} doses")
        if np.any(~np.isfinite(sf)) or np.any((sf < 0) | (sf > 1 + 1e-9)):
            problems.append(f"surviving fraction outside [0, 1]: {sf.tolist()}")
        order = np.argsort(case["doses"], kind="stable")
        if np.any(np.diff(sf[order]) > 1e-9):
            problems.append(f"survival rises with dose: {sf.tolist()} at {case['doses']}")
        return "ok", problems, sf.tolist()
    # api-tumour
    kw = _cohort_kwargs(case)
    for k in ("n_patients", "record", "margin", "second_lesion", "heterogeneity"):
        kw.pop(k, None)
    tm = model.tumour_model(case["schedule"], **kw)
    df = tm.simulate()
    problems = []
    num = df.select_dtypes("number").to_numpy(dtype=float)
    if np.any(~np.isfinite(num)):
        problems.append("non-finite value in the tumour's time course")
    return "ok", problems, None


def _cli_argv(case: Case, tmp: Path) -> list[str]:
    argv = ["simulate", "--schedule", case["schedule"], "--setting", case["setting"]]
    if case["disease"] != "gross" or case["seed"] % 3 == 0:
        argv += ["--disease", case["disease"]]
    if case["genotype"]:
        argv += ["--tumour", case["genotype"]]
    if case["host"]:
        argv += ["--host", case["host"]]
    for iv in case["interventions"]:
        argv += ["--intervention", iv]
    if case["days"] is not None:
        argv += ["--days", f"{case['days']:g}"]
    argv += ["--patients", str(case["n_patients"]), "--seed", str(case["seed"])]
    if case["record"]:
        argv += ["--record", str(case["record"])]
    if case["margin"]:
        argv += ["--margin", case["margin"]]
    if case["second_lesion"] is not False:
        size = 3e7 if case["second_lesion"] is True else case["second_lesion"]
        argv += ["--second-lesion", f"{size:g}"]
    if case["params"]:
        pf = tmp / "params.toml"
        pf.write_text("".join(f"{k} = {v!r}\n" for k, v in case["params"].items()))
        argv += ["--params", str(pf)]
    return argv


def run_cli(case: Case, py: str) -> tuple[str, list[str], Any]:
    """Run one CLI case in a subprocess; return (outcome, problems, fingerprint)."""
    tmp = Path(tempfile.mkdtemp(prefix="ifnexus_fuzz_"))
    try:
        out = tmp / "out"
        if case["seed"] % 17 == 0:  # --out under an existing file: refused up front
            (tmp / "afile").write_text("x")
            out = tmp / "afile" / "out"
        argv = _cli_argv(case, tmp) + ["--json", "--quiet", "--out", str(out)]
        case["argv"] = argv
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.run(
            [py, "-m", "ifnexus", *argv], capture_output=True, text=True, env=env, timeout=600
        )
        err = proc.stderr
        problems: list[str] = []
        if "Traceback" in err or proc.returncode not in (0, 2):
            problems.append(f"exit {proc.returncode} with: {err.strip()[-600:]}")
            return "crash", problems, None
        if proc.returncode == 2:
            given = [a for a in argv if a.startswith("--")] + list(case["params"])
            if not any(g in err for g in given):
                problems.append(f"the refusal names none of the options given: {err.strip()}")
            left = sorted(p.name for p in out.rglob("*")) if out.is_dir() else []
            if left:
                problems.append(f"refused but left files in --out: {left}")
            return "refused: " + _first_error_line(err), problems, None
        if case["seed"] % 17 == 0:
            problems.append("--out under an existing file was not refused")
        d = json.loads(proc.stdout)
        problems = check_summary(d)
        if not (out / "summary.json").exists() or not (out / "patients.csv").exists():
            problems.append("summary.json / patients.csv missing from --out")
        else:
            import pandas as pd

            df = pd.read_csv(out / "patients.csv")
            problems += check_patients(df, case)
        return "ok", problems, json.dumps(d, sort_keys=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _first_error_line(text: str) -> str:
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:160]
    return text.strip().splitlines()[-1][:160] if text.strip() else "(no message)"


def run_case(case: Case, py: str) -> tuple[str, list[str], Any]:
    """Run a case and turn any exception into an outcome."""
    if case["kind"] == "cli":
        return run_cli(case, py)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            outcome, problems, fp = run_api(case)
        problems += [f"RuntimeWarning: {w.message}" for w in caught if w.category is RuntimeWarning]
        return outcome, problems, fp
    except IfnexusError as exc:
        msg = str(exc).strip()
        problems = [] if msg else ["an IfnexusError without a message"]
        if isinstance(exc, ConvergenceError) and not case.get("params"):
            problems.append("ConvergenceError blaming the parameters, but none was overridden")
        return f"refused: {type(exc).__name__}: {msg[:160]}", problems, None
    except Exception as exc:  # noqa: BLE001 - any other exception is what the sweep hunts
        tb = traceback.format_exc(limit=6)
        return f"crash: {type(exc).__name__}", [f"{type(exc).__name__}: {exc}\n{tb}"], None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return a[0] == b[0] and a[1].equals(b[1])
    return bool(a == b)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="seed of the case draws")
    ap.add_argument("--n", type=int, default=100, help="number of cases")
    ap.add_argument(
        "--only",
        choices=("api-cohort", "api-tcd50", "api-invitro", "api-tumour", "cli"),
        help="draw only this kind of case",
    )
    ap.add_argument("--repeat-every", type=int, default=5, help="rerun every k-th API case")
    ap.add_argument("--json", type=Path, help="write every case and outcome to this file")
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)  # flagged numerical failures are counted, not logged
    from ifnexus.model import parameter_table

    table = parameter_table().to_dict("records")
    rng = np.random.default_rng(args.seed)
    outcomes: Counter[str] = Counter()
    defects: list[tuple[int, Case, list[str]]] = []
    records = []
    t_start = time.time()
    for i in range(args.n):
        case = draw_case(rng, table, args.only)
        t0 = time.time()
        outcome, problems, fp = run_case(case, sys.executable)
        if fp is not None and i % args.repeat_every == 0:
            _, _, fp2 = run_case(dict(case), sys.executable)
            if not _same(fp, fp2):
                problems.append("the same seed gave a different result")
        outcomes[outcome.split(":")[0] if outcome.startswith("crash") else outcome] += 1
        status = "DEFECT" if problems else "ok"
        print(f"[{i:4d}] {status:6s} {case['kind']:11s} {time.time() - t0:6.1f}s {outcome[:110]}")
        if problems:
            defects.append((i, case, problems))
            print(f"       case: {json.dumps(case, default=str)}")
            for p in problems:
                print(f"       - {p}")
        records.append({"i": i, "case": case, "outcome": outcome, "problems": problems})
        sys.stdout.flush()
    print(f"\n{args.n} cases in {time.time() - t_start:.0f} s, {len(defects)} with defects")
    for k, v in outcomes.most_common():
        print(f"  {v:4d}  {k}")
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=str))
    return 1 if defects else 0


if __name__ == "__main__":
    raise SystemExit(main())
