"""The default posterior of `fit growth` on a small study: does it converge, after how many steps.

Design (issue 16, item 8 part 4): two arms of 6 animals (untreated; 8 Gy on day 10), measured
every 3 days from day 0 to 21; truth r = 0.25 /d, n0 = 2e7 cells, omega_n0 = 0.3,
sigma = 0.1. Fit of r and n0 (fixed), omega_n0 and sigma: 4 quantities, 16 walkers (the
default), the default cap of 5000 steps, run until the convergence rule holds (checked every
100 steps from step 200). Profiles are left out (not what is measured here).

Run::

    .venv/bin/python benchmarks/fit_posterior_default.py [--jobs 2]

Writes ``docs/fit/posterior_default.md`` (one table of the checks and the final diagnostics).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from ifnexus import RunOptions
from ifnexus.fit import Arm, fit_growth, simulate_growth_study

OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(jobs: int = 1) -> None:
    study = simulate_growth_study([Arm("control", "none"), Arm("RT", "10:8")], animals=6,
                                  days=range(0, 22, 3), params={"r": 0.25, "n0": 2e7},
                                  omega={"n0": 0.3}, sigma=0.1, rng=16)  # fmt: skip
    w0, c0 = time.perf_counter(), _cpu()
    fit = fit_growth(study, free=("r", "n0"), random=("n0",), profile_params=(), rng=0,
                     options=RunOptions(n_jobs=jobs),
                     progress=lambda m: print(m, flush=True))  # fmt: skip
    wall, cpu = time.perf_counter() - w0, _cpu() - c0
    post = fit.diagnostics["posterior"]
    lines = [
        f"Walkers initialised from: {post['initialisation']}; {post['walkers']} walkers, cap "
        f"{post['max_steps']} steps.",
        "",
        "| step | max R-hat | min ESS | max autocorrelation time | converged |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in post["checks"]:
        lines.append(f"| {c['step']} | {c['max_rhat']:.3f} | {c['min_ess']:.0f} | "
                     f"{c['max_tau']:.1f} | {c['converged']} |")  # fmt: skip
    lines += ["", "| quantity | R-hat | ESS | autocorrelation time | MLE | posterior median |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    e = fit.estimates.set_index("parameter")
    for n in post["rhat"]:
        lines.append(f"| {n} | {post['rhat'][n]:.3f} | {post['ess'][n]:.0f} | "
                     f"{post['autocorr_time'][n]:.1f} | {e.loc[n, 'estimate']:.4g} | "
                     f"{e.loc[n, 'posterior_median']:.4g} |")  # fmt: skip
    lines += ["", f"Converged: {fit.converged} after {post['steps']} steps; acceptance "
              f"{post['acceptance']:.2f}. Time: {wall:.0f} s wall, {cpu:.0f} s CPU (this process "
              f"and its workers) with {jobs} worker(s) on {os.cpu_count()} shared cores, load "
              f"average {os.getloadavg()[0]:.1f} at the end."]  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "posterior_default.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    main(ap.parse_args().jobs)
