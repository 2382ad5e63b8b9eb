"""Coverage of the 90% profile intervals of ``ifnexus fit clinical`` (issue 16 item 5, clinical).

Designs (synthetic clinical studies simulated by the model's own cohort simulator from the
patient setting's values, so alpha = 0.2 /Gy and alpha_cv = 0.23 are the truth):

- ``100 pts, 1 schedule``: 100 patients with gross disease, 50 Gy in 25 fractions;
- ``300 pts, 2 schedules``: 150 with 50 Gy / 25 fx and 150 with 70 Gy / 35 fx;

follow-up uniform between 24 and 60 months (staggered accrual, the five-year study), deaths
without local failure at 3% per year. Each replicate draws a new study (seed 5000 + r) and a
new virtual population for the fit (seed 9000 + r, 256 tumours per group, so the Monte Carlo
error of the likelihood is part of what the coverage measures), fits ``alpha`` (``alpha_cv``
fixed at its truth) and profiles it. Coverage = share of replicates whose interval holds the
truth; its Monte Carlo SE is sqrt(c (1 - c) / R).

Run::

    .venv/bin/python benchmarks/fit_clinical_coverage.py [REPLICATES] [100|300]
    # default 20 replicates of both designs; 100 or 300: that design only

Writes ``docs/fit/clinical_coverage_<patients>.csv`` (one row per replicate) and
``docs/fit/clinical_coverage.md`` (every design found); rewritten after each replicate. About
7 s (one schedule) and 14 s (two) of CPU per replicate on an idle core.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.fit import PatientGroup, fit_clinical, simulate_clinical_study

TRUTH = 0.2
OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
DESIGNS = {
    "100 pts, 1 schedule": [(PatientGroup("50Gy/25fx"), 100)],
    "300 pts, 2 schedules": [(PatientGroup("50Gy/25fx"), 150), (PatientGroup("70Gy/35fx"), 150)],
}


def _write(df: pd.DataFrame, key: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / f"clinical_coverage_{key}.csv", index=False)
    found = [OUT / f"clinical_coverage_{k.split()[0]}.csv" for k in DESIGNS]
    df = pd.concat([pd.read_csv(f) for f in found if f.is_file()], ignore_index=True)
    lines = ["| design | replicates | median estimate of alpha | median 90% interval width "
             "| coverage | MC SE | median CPU per fit |",
             "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, sub in df.groupby("design", sort=False):
        n = len(sub)
        c = float(sub["holds"].mean())
        w = float((sub["upper"] - sub["lower"]).median())
        lines.append(f"| {name} | {n} | {sub['estimate'].median():.4g} | {w:.3g} | "
                     f"{c:.0%} ({int(sub['holds'].sum())}/{n}) | "
                     f"{np.sqrt(c * (1 - c) / n):.0%} | {sub['cpu_s'].median():.1f} s |")  # fmt: skip
    (OUT / "clinical_coverage.md").write_text("\n".join(lines) + "\n")


def main(replicates: int = 20, only: str | None = None) -> None:
    """Run the coverage study."""
    for name, design in DESIGNS.items():
        key = name.split()[0]
        if only is not None and key != only:
            continue
        rows = []
        for r in range(replicates):
            data = simulate_clinical_study(design, min_followup=24, max_followup=60,
                                           death_rate=0.03, rng=5000 + r)  # fmt: skip
            c0 = time.process_time()
            fit = fit_clinical(data, free=("alpha",), n_tumours=256, rng=9000 + r)
            e = fit.estimates.iloc[0]
            rows.append({"design": name, "replicate": r, "estimate": e["estimate"],
                         "lower": e["profile_lower"], "upper": e["profile_upper"],
                         "holds": bool(e["profile_lower"] <= TRUTH <= e["profile_upper"]),
                         "converged": fit.converged,
                         "local_failures": fit.diagnostics["n_local_failures"],
                         "mc_se_objective": fit.diagnostics["mc_se_objective"],
                         "cpu_s": time.process_time() - c0})  # fmt: skip
            _write(pd.DataFrame(rows), key)
            print(name, r, rows[-1], flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, sys.argv[2] if len(sys.argv) > 2 else None)
