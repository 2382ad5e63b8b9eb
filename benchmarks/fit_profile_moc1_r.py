"""The upper side of the MOC1 growth-rate profile with the profile code of issue #16 item 2.

docs/fit_real.md reports a 90% profile interval for MOC1 ``r`` whose upper end (0.0914) was a
failed likelihood evaluation taken as the end. This re-runs that side only, from the committed
estimate (``docs/fit_real/moc1/estimates.csv``, the committed optimum's -2 log L is checked),
with the profile search that retries failed points and reports a not-found end. The lower
side is cut off at the estimate (its end was a clean crossing).

Run (about 500 s CPU; from a ``git archive`` copy of ``src`` so that uncommitted edits of a
shared tree cannot enter)::

    PYTHONPATH=/tmp/src/src .venv/bin/python benchmarks/fit_profile_moc1_r.py

Writes ``docs/fit/moc1_r_profile.json``. The committed file came from the same steps run at
commit b77c77d (its ``code`` entry; the later bracket change does not apply: no bracket formed):
2068 likelihood evaluations, 495 s CPU, 1372 s wall on the shared cores.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.fit import read_arms, read_growth
from ifnexus.fit._growth import GrowthProblem, _hessian, profile

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "morisada2018_moc1"
FIT = ROOT / "docs" / "fit_real" / "moc1"
FREE, RANDOM = ("r", "n0", "alpha", "e_kill"), ("n0", "r")


def main() -> dict:
    """Profile the upper side of ``r`` at the committed MOC1 estimate and write the result."""
    data = read_growth(DATA / "growth_fit.csv", read_arms(DATA / "arms.csv"))
    prob = GrowthProblem(data, FREE, RANDOM)
    est = pd.read_csv(FIT / "estimates.csv").set_index("parameter")
    x = prob.transformed(np.array([est.loc[n, "estimate"] for n in prob.names]))
    committed = json.loads((FIT / "run.json").read_text(encoding="utf-8"))["objective"]
    t0, c0 = time.perf_counter(), time.process_time()
    f_hat = prob(x)
    if abs(f_hat - committed) > 0.05:
        raise SystemExit(f"-2 log L {f_hat:.4f} is not the committed optimum {committed:.4f}")
    modes = prob.mode_state()
    H = _hessian(prob, x)
    cov = np.linalg.inv(0.5 * H)
    i = prob.names.index("r")
    bounds = prob.bounds()
    bounds[i] = (x[i] - 1e-9, bounds[i][1])  # the upper side only
    prob.set_modes(modes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = profile(prob, x, f_hat, i, bounds, level=0.9, scale=math.sqrt(cov[i, i]),
                      slope=cov[:, i] / cov[i, i], hessian=H)  # fmt: skip
    up = res.upper

    def nat(v: float) -> float | None:
        return math.exp(v) if math.isfinite(v) else None

    out = {
        "objective": f_hat,
        "status": up.status,
        "upper": nat(up.value),
        "failed_at": nat(up.failed_at),
        "reason": up.reason,
        "reached": nat(up.reached),
        "reached_delta": up.reached_delta,
        "points": [
            {"r": math.exp(v), "delta": d if ok else None, "ok": ok} for v, d, ok in res.points
        ],  # fmt: skip
        "runtime_warnings": [str(w.message) for w in caught],
        "evaluations": prob.objective.evaluations,
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
    }
    (ROOT / "docs" / "fit" / "moc1_r_profile.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
