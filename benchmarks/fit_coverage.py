"""Coverage of the 90% profile-likelihood intervals of ``ifnexus fit growth`` (issue 16 item 5).

Design (one untreated arm, the cheapest design that has every level of the population
model): 6 animals measured every 3 days from day 0 to 21; truth r = 0.25 /d, n0 = 2e7 cells
(20 mm^3), omega_n0 = 0.3, sigma = 0.1. Each replicate draws a new study (seed = replicate),
fits r and n0 (fixed effects), omega_n0 and sigma by Laplace maximum likelihood, and profiles
r and n0. Coverage = share of replicates whose interval holds the truth; its Monte Carlo SE is
sqrt(c (1 - c) / R).

Run::

    .venv/bin/python benchmarks/fit_coverage.py [REPLICATES]   # default 20

Writes ``docs/fit/coverage.csv`` (one row per replicate) and ``docs/fit/coverage.md`` (the
table pasted into docs/fit.md). About 12 s of CPU per replicate; the tables are rewritten after each one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.fit import Arm, fit_growth, simulate_growth_study

TRUTH = {"r": 0.25, "n0": 2e7}
OMEGA = 0.3
SIGMA = 0.1
OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"


def _write(df: pd.DataFrame) -> pd.DataFrame:
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / "coverage.csv", index=False)
    n = len(df)
    lines = ["| quantity | truth | median estimate | 90% profile interval coverage | MC SE |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, true in {**TRUTH, "omega_n0": OMEGA, "sigma": SIGMA}.items():
        med = df[f"{name}_estimate"].median()
        if name in TRUTH:
            c = df[f"{name}_covered"].mean()
            k = int(df[f"{name}_covered"].sum())
            cov, se = f"{c:.0%} ({k}/{n})", f"{np.sqrt(c * (1 - c) / n):.0%}"
        else:
            cov, se = "not profiled", ""
        lines.append(f"| {name} | {true:g} | {med:.4g} | {cov} | {se} |")
    lines.append("")
    lines.append(f"{n} replicates, {int(df['converged'].sum())} converged; median CPU per fit "
                 f"{df['cpu_s'].median():.1f} s.")  # fmt: skip
    (OUT / "coverage.md").write_text("\n".join(lines) + "\n")
    return df


def main(replicates: int = 20) -> pd.DataFrame:
    rows: list[dict] = []
    df = pd.DataFrame()
    for rep in range(replicates):
        t0 = time.process_time()
        study = simulate_growth_study([Arm("ctrl", "none")], animals=6, days=range(0, 22, 3),
                                      params=TRUTH, omega={"n0": OMEGA}, sigma=SIGMA,
                                      rng=1000 + rep)  # fmt: skip
        fit = fit_growth(study, free=("r", "n0"), random=("n0",), posterior=False, level=0.9)
        e = fit.estimates.set_index("parameter")
        row = {"replicate": rep, "converged": fit.converged, "cpu_s": time.process_time() - t0}
        for name, true in {**TRUTH, "omega_n0": OMEGA, "sigma": SIGMA}.items():
            row[f"{name}_estimate"] = e.loc[name, "estimate"]
            if name in TRUTH:
                lo, hi = e.loc[name, "profile_lower"], e.loc[name, "profile_upper"]
                row[f"{name}_lower"], row[f"{name}_upper"] = lo, hi
                row[f"{name}_covered"] = bool(lo <= true <= hi)
        rows.append(row)
        print(rep, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
              flush=True)  # fmt: skip
        df = _write(pd.DataFrame(rows))  # after every replicate: a cut run keeps its table
    return df


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
