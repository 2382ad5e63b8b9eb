"""What retrying failed profile points costs: the four-arm 40-animal fit, old vs new profile code.

The design of ``benchmarks/fit_speed.py`` (four arms of 10 animals, truth and seed 2025), fitted
serially (MLE and profiles of the four fixed effects, no posterior). Run it twice, each from a
``git archive`` copy of ``src``: once as it is, once with ``fit/_growth.py`` and
``fit/_laplace.py`` from before the change (``git show b77c77d~1:src/ifnexus/fit/_growth.py``)::

    PYTHONPATH=/tmp/new/src .venv/bin/python benchmarks/fit_profile_cost.py new
    PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/fit_profile_cost.py old

Prints one JSON object (wall and CPU seconds after a warm-up fit that compiles the kernel,
profile evaluations, the intervals). Results are quoted in docs/fit.md ("Interval status").
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings

from ifnexus.fit import Arm, fit_growth, simulate_growth_study

TRUTH = {"r": 0.25, "n0": 2e7, "alpha": 0.12, "e_kill": 3.0}
OMEGA = {"n0": 0.3, "r": 0.1}
ARMS = [
    Arm("control", "none"),
    Arm("RT", "10:8"),
    Arm("RT nude", "10:8", host="nude"),
    Arm("RT STING-loss", "10:8", genotype="sting-loss"),
]


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main(label: str) -> dict:
    """Fit the four-arm study serially and return its cost and intervals."""
    study = simulate_growth_study(ARMS, animals=10, days=range(0, 31, 3), params=TRUTH,
                                  omega=OMEGA, sigma=0.1, rng=2025)  # fmt: skip
    fit_growth(study, free=("r",), random=(), posterior=False, profile_params=())  # compile
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w0, c0 = time.perf_counter(), _cpu()
        fit = fit_growth(study, free=tuple(TRUTH), random=tuple(OMEGA), posterior=False)
        wall, cpu = time.perf_counter() - w0, _cpu() - c0
    e = fit.estimates
    cols = [k for k in e.columns if k.startswith("profile_")]
    d = fit.diagnostics
    return {"code": label, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "profile_evaluations": d["profile_evaluations"], "objective": fit.objective,
            "estimates": e[["parameter", "estimate", *cols]].to_dict("records"),
            "warnings": [str(w.message)[:200] for w in caught], "method": d["method"]}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "new"), indent=1, default=str))
