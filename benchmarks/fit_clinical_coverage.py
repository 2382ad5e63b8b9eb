"""Coverage of the 90% profile intervals of ``ifnexus fit clinical`` (issue 16 item 5, clinical).

Designs (synthetic clinical studies simulated by the model's own cohort simulator from the
patient setting's values, so alpha = 0.2 /Gy and alpha_cv = 0.23 are the truth):

- ``100 pts, 1 schedule``: 100 patients with gross disease, 50 Gy in 25 fractions;
- ``300 pts, 2 schedules``: 150 with 50 Gy / 25 fx and 150 with 70 Gy / 35 fx;

follow-up uniform between 24 and 60 months (staggered accrual, the five-year study), deaths
without local failure at 3% per year, visits every month from the first fraction (a failure is
reported at the visit that finds it: the observation model of the fit's interval likelihood,
``visit_days = interval_days = 30.44``). Each replicate draws a new study (seed 5000 + r) and
a new virtual population for the fit (seed 9000 + r, 256 tumours per group unless told, so the
Monte Carlo error of the likelihood is part of what the coverage measures), fits ``alpha`` (``alpha_cv``
fixed at its truth) and profiles it. Two intervals per fit, from the same profile:

- ``plain``: the likelihood-ratio interval (threshold chi2_1(0.9) = 2.706 on -2 log L),
  read off the profile points by linear interpolation of sqrt(delta);
- ``mc``: the reported interval (``fit_clinical``'s default ``mc_intervals=True``): the
  threshold raised by 1 + V_mc / V_data, V_mc the jackknife variance of the estimate over
  blocks of virtual tumours.

Coverage = share of replicates whose interval holds the truth, with its 95% Wilson interval.

Run::

    nice .venv/bin/python benchmarks/fit_clinical_coverage.py [REPLICATES] [100|300] [TUMOURS]
    # default 40 replicates of both designs; 100 or 300: that design only; TUMOURS virtual
    # tumours per group (default 256)

Writes ``docs/fit/clinical_coverage_<patients>.csv`` (``_<patients>_n<TUMOURS>.csv`` when
not 256; one row per replicate) and ``docs/fit/clinical_coverage.md`` (every design found);
rewritten after each replicate.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus._proportion import wilson_interval
from ifnexus.fit import PatientGroup, fit_clinical, simulate_clinical_study
from ifnexus.fit._clinical_data import DAYS_PER_MONTH

TRUTH = 0.2
LEVEL = 0.9
N_TUMOURS = 256
OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
DESIGNS = {
    "100 pts, 1 schedule": [(PatientGroup("50Gy/25fx"), 100)],
    "300 pts, 2 schedules": [(PatientGroup("50Gy/25fx"), 150), (PatientGroup("70Gy/35fx"), 150)],
}


def plain_interval(points: pd.DataFrame, estimate: float, level: float) -> tuple[float, float]:
    """Ends of the plain likelihood-ratio interval, interpolated on the profile points.

    Linear in ``sqrt(delta)`` against ``log(value)`` between the two points that bracket the
    threshold on each side (the signed root of the profile is near-linear there).
    """
    target = math.sqrt(float(stats.chi2.ppf(level, 1)))
    out = []
    for side in (-1, 1):
        p = points[(points["value"] - estimate) * side >= 0].copy()
        p["r"] = np.sqrt(p["delta"].clip(lower=0))
        p = p.assign(dist=(np.log(p["value"]) - math.log(estimate)) * side).sort_values("dist")
        end = math.inf * side
        for (_, a), (_, b) in zip(p.iloc[:-1].iterrows(), p.iloc[1:].iterrows(), strict=True):
            if a["r"] <= target <= b["r"] and b["r"] > a["r"]:
                w = (target - a["r"]) / (b["r"] - a["r"])
                end = math.exp(math.log(a["value"]) + w * (math.log(b["value"]) - math.log(a["value"])))  # fmt: skip
                break
        out.append(end)
    return out[0], out[1]


def _write(df: pd.DataFrame, key: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / f"clinical_coverage_{key}.csv", index=False)
    found = sorted(OUT.glob("clinical_coverage_*.csv"))
    df = pd.concat([pd.read_csv(f) for f in found], ignore_index=True)
    df["design"] = df["design"] + ", " + df["n_tumours"].astype(str) + " tumours/group"
    lines = ["| design | replicates | median estimate of alpha (truth 0.2) | mean estimate "
             "(SE) | SD of estimates | median SE from the data | median V_mc / V_data "
             "| coverage, plain LR interval [95% Wilson] | coverage, MC-widened interval "
             "[95% Wilson] | median CPU per fit |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, sub in df.groupby("design", sort=False):
        n = len(sub)
        cells = []
        for col in ("holds_plain", "holds"):
            k = int(sub[col].sum())
            lo, hi = wilson_interval(k, n)
            cells.append(f"{k / n:.0%} ({k}/{n}) [{lo:.0%}, {hi:.0%}]")
        est = sub["estimate"]
        lines.append(f"| {name} | {n} | {est.median():.4f} | {est.mean():.4f} "
                     f"({est.std(ddof=1) / math.sqrt(n):.4f}) | {est.std(ddof=1):.4f} | "
                     f"{(sub['estimate'] * sub['wald_se_log']).median():.4f} | "
                     f"{sub['mc_var_ratio'].median():.2f} | {cells[0]} | {cells[1]} | "
                     f"{sub['cpu_s'].median():.1f} s |")  # fmt: skip
    (OUT / "clinical_coverage.md").write_text("\n".join(lines) + "\n")


def main(replicates: int = 40, only: str | None = None, n_tumours: int = N_TUMOURS) -> None:
    """Run the coverage study."""
    for name, design in DESIGNS.items():
        key = name.split()[0] + ("" if n_tumours == N_TUMOURS else f"_n{n_tumours}")
        if only is not None and name.split()[0] != only:
            continue
        rows = []
        for r in range(replicates):
            data = simulate_clinical_study(design, min_followup=24, max_followup=60,
                                           death_rate=0.03, visit_days=DAYS_PER_MONTH,
                                           rng=5000 + r)  # fmt: skip
            c0 = time.process_time()
            fit = fit_clinical(data, free=("alpha",), n_tumours=n_tumours,
                               interval_days=DAYS_PER_MONTH, level=LEVEL, rng=9000 + r)  # fmt: skip
            e = fit.estimates.iloc[0]
            lo_p, hi_p = plain_interval(fit.profiles, float(e["estimate"]), LEVEL)
            rows.append({"design": name, "replicate": r, "study_seed": 5000 + r,
                         "population_seed": 9000 + r, "n_tumours": n_tumours,
                         "estimate": e["estimate"], "wald_se_log": e["wald_se_log"],
                         "mc_var_ratio": e["mc_var_ratio"],
                         "lower": e["profile_lower"], "upper": e["profile_upper"],
                         "holds": bool(e["profile_lower"] <= TRUTH <= e["profile_upper"]),
                         "lower_plain": lo_p, "upper_plain": hi_p,
                         "holds_plain": bool(lo_p <= TRUTH <= hi_p),
                         "converged": fit.converged,
                         "local_failures": fit.diagnostics["n_local_failures"],
                         "mc_se_objective": fit.diagnostics["mc_se_objective"],
                         "cpu_s": time.process_time() - c0})  # fmt: skip
            _write(pd.DataFrame(rows), key)
            print(name, r, rows[-1], flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(
        int(a[0]) if a else 40, a[1] if len(a) > 1 else None, int(a[2]) if len(a) > 2 else N_TUMOURS
    )
