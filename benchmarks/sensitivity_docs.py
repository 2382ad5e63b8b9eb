"""The real run of docs/sensitivity.md: Morris screening, then Sobol on the parameters that matter.

Local control 2 and 5 years after 50 Gy/25 fx (patient setting, gross disease). Stage 1:
Morris over every uncertain parameter (assumed or calibrated in the patient setting); stage 2:
Sobol (first and total order, bootstrap intervals) over the parameters whose Morris mu* at 2 or
5 years is at least 10% of the largest. Writes docs/sensitivity/ (tables, figures, summary) and
prints the CPU and wall time of each stage.

    .venv/bin/python benchmarks/sensitivity_docs.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ifnexus import RunOptions
from ifnexus.sensitivity import model_sensitivity

OUT = Path(__file__).resolve().parents[1] / "docs" / "sensitivity"
COMMON = {"output": "local-control", "at": "2y,5y", "n_patients": 256, "rng": 2026,
          "options": RunOptions(n_jobs=2)}  # fmt: skip


def run(name, **kw):
    t0, c0 = time.perf_counter(), time.process_time()
    res = model_sensitivity("50Gy/25fx", **COMMON, **kw)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    res.write(OUT / name)
    print(f"{name}: {res.n_evaluations} cohorts, wall {wall:.0f} s, CPU {cpu:.0f} s")
    for o in res.outputs:
        print(" ", res.statement(o))
    return res, wall, cpu


def main():
    morris, w1, c1 = run("morris", method="morris", samples=8)
    top = []
    for o in morris.outputs:
        for p in morris.hinges_on(o):
            if p not in top:
                top.append(p)
    print("Sobol over", top)
    sobol, w2, c2 = run("sobol", method="sobol", samples=128, vary=top)
    (OUT / "timings.json").write_text(json.dumps(
        {"morris": {"cohorts": morris.n_evaluations, "wall_s": round(w1), "cpu_s": round(c1)},
         "sobol": {"cohorts": sobol.n_evaluations, "wall_s": round(w2), "cpu_s": round(c2),
                   "params": top}}, indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
