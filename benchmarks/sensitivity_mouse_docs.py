"""The mouse run of docs/sensitivity.md: Morris screening of local control after 20 Gy x 1.

A syngeneic graft (mouse setting, immunocompetent host, 20 Gy single dose: the Lee et al. 2009
experiment the mouse e_kill is calibrated to), local control 60 and 120 days after the dose,
Morris over every parameter assumed or calibrated in the mouse setting, then Sobol (N = 128)
over the eight with the largest mu* at 120 days. Writes docs/sensitivity/mouse_morris/ and
docs/sensitivity/mouse_sobol/ and prints the timings.

    .venv/bin/python benchmarks/sensitivity_mouse_docs.py
"""

from __future__ import annotations

import time
from pathlib import Path

from ifnexus import RunOptions
from ifnexus.sensitivity import model_sensitivity

OUT = Path(__file__).resolve().parents[1] / "docs" / "sensitivity" / "mouse_morris"


def main():
    t0, c0 = time.perf_counter(), time.process_time()
    res = model_sensitivity("20Gy x1", setting="mouse", output="local-control", at="60,120",
                            method="morris", samples=8, n_patients=256, rng=2026,
                            options=RunOptions(n_jobs=2))  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    res.write(OUT)
    print(f"mouse morris: {res.n_evaluations} cohorts, wall {wall:.0f} s, CPU {cpu:.0f} s")
    for o in res.outputs:
        print(" ", res.statement(o))
    ev = res.evaluations
    for o in res.outputs:
        print(o, ev[o].quantile([0.05, 0.5, 0.95]).round(3).tolist())
    top = res.hinges_on("local_control_120d")[:8]
    t0, c0 = time.perf_counter(), time.process_time()
    sob = model_sensitivity("20Gy x1", setting="mouse", output="local-control", at="60,120",
                            method="sobol", samples=128, vary=top, n_patients=256, rng=2026,
                            options=RunOptions(n_jobs=2))  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sob.write(OUT.parent / "mouse_sobol")
    print(
        f"mouse sobol over {top}: {sob.n_evaluations} cohorts, wall {wall:.0f} s, CPU {cpu:.0f} s"
    )
    for o in sob.outputs:
        print(" ", sob.statement(o))


if __name__ == "__main__":
    main()
