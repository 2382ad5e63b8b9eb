"""Benchmark: a 50 Gy/25 fx virtual cohort with 365 days of follow-up.

ifnexus (vectorised ETDRK4, compiled kernel) side by side with the per-patient alternatives on
the same tumours: libroadrunner looping over patients on the exported SBML of the same model
(one RoadRunner, parameters reset per patient) and a per-patient scipy ``solve_ivp`` loop
(Radau, rtol 1e-8: the reference solver). The per-patient tools run on a subsample and are
extrapolated to the full cohort. Cohort-wide accuracy: a larger sample of the same tumours is
integrated on an 8x finer grid (the same equations; ETDRK4 converges, so this is the reference
for every tumour, where the per-patient tools see only a few). Runs alternate; medians of wall and CPU time are reported with
the ratios, plus peak traced memory, patients per second and the largest relative difference in
tumour burden at day 365 against each tool.

    python benchmarks/model_cohort.py --patients 100000 --repeats 3
    python benchmarks/model_cohort.py --patients 20000 --repeats 1 --ifnexus-only
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

from ifnexus.model import Schedule, parse_schedule, simulate_cohort, tumour_model
from ifnexus.model._cohort import _config, _draws, _patients
from ifnexus.model._kernel import Q_NAMES
from ifnexus.model._sbml import _SYM
from ifnexus.model._solver import Drive, build_grid, grid_options, integrate
from ifnexus.model._system import STATE_NAMES, apply_fraction, initial_state

SCHEDULE = "50Gy/25fx"
DAYS = 365.0


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def _traits(n: int, seed: int):
    cfg = _config(SCHEDULE, "patient", "gross", None, None, (), DAYS, True, 0, seed, None)
    q = _patients(cfg, _draws(cfg.entropy, 0, n))
    return cfg, {k: v for k, v in q.items() if not k.startswith("_")}


def run_ifnexus(n: int, seed: int):
    return _timed(lambda: simulate_cohort(SCHEDULE, n_patients=n, days=DAYS, rng=seed))


def peak_memory(n: int, seed: int) -> int:
    """Peak traced (Python + numpy) memory of one more, untimed run (tracing slows it)."""
    tracemalloc.start()
    simulate_cohort(SCHEDULE, n_patients=n, days=DAYS, rng=seed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run_roadrunner(idx: np.ndarray, seed: int):
    """One RoadRunner on the exported SBML, parameters and states set per patient.

    libroadrunner fires an event whose trigger is already true at ``resetAll`` before new
    initial values can be set, so the day-0 fraction is applied to the initial state here (with
    the model's own jump rule) and the exported schedule starts with the second fraction; the
    equations and every later jump are the SBML's.
    """
    import roadrunner

    cfg, q = _traits(int(idx.max()) + 1, seed)
    sched = parse_schedule(SCHEDULE)
    rest = Schedule(sched.days, np.r_[0.0, sched.doses[1:]], label="day-0 fraction in z0")
    base = tumour_model(rest, setting="patient", days=DAYS)
    rr = roadrunner.RoadRunner(base.to_sbml())
    rr.integrator.relative_tolerance = 1e-8
    rr.integrator.absolute_tolerance = 1e-10
    keys = [k for k in Q_NAMES if np.ndim(q[k])]

    def loop():
        out = []
        for i in idx:
            rr.resetAll()
            qi = {k: (q[k][i] if k in keys else q[k]) for k in Q_NAMES}
            for k in keys:
                rr[f"q_{k}"] = float(qi[k])
            z0 = initial_state(cfg.p, qi, 1)
            apply_fraction(z0, float(sched.doses[0]), cfg.p, qi)
            z0 = z0[:, 0]
            z0[0] = np.exp(z0[0])
            for name, v in zip(STATE_NAMES, z0, strict=True):
                rr[_SYM[name]] = float(v)
            res = rr.simulate(0.0, DAYS, 2, selections=["time", "N", "D1", "D2", "D3", "D4"])
            out.append(res[-1, 1:].sum())
        return np.array(out)

    return _timed(loop)


def run_solve_ivp(idx: np.ndarray, seed: int):
    cfg, q = _traits(int(idx.max()) + 1, seed)

    def loop():
        out = []
        for i in idx:
            m = tumour_model(SCHEDULE, setting="patient", days=DAYS, alpha=q["alpha"][i],
                             alpha_beta=q["alpha"][i] / q["beta"][i], n0=q["n0"][i],
                             infiltration=q["tau"][i], chronic=q["chronic"][i],
                             growth_rate=q["r_g"][i])  # fmt: skip
            m.q.update({k: float(q[k][i]) for k in ("t_sting", "t_cluster")})
            out.append(float(m.reference([DAYS])["burden"].iloc[0]))
        return np.array(out)

    return _timed(loop)


def run_finer_grid(idx: np.ndarray, seed: int, factor: int = 8) -> np.ndarray:
    """Day-365 burden of the sampled tumours on a grid ``factor`` times finer (same equations)."""
    cfg, q = _traits(int(idx.max()) + 1, seed)
    qs = {k: (v[idx] if np.ndim(v) else v) for k, v in q.items()}
    sched = cfg.schedule
    drive = Drive(cfg.interventions, cfg.p)
    t0, t_end = sched.first_day, sched.first_day + DAYS
    grid = build_grid(sched, drive, t0, t_end, **grid_options("patient", refine=factor))
    z0 = initial_state(cfg.p, qs, idx.size)
    z = integrate(z0, cfg.p, qs, sched, drive, t0, t_end, grid=grid).z_end
    return np.exp(z[0]) + z[1:5].sum(axis=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rr-sample", type=int, default=200)
    ap.add_argument("--ivp-sample", type=int, default=4)
    ap.add_argument("--fine-sample", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ifnexus-only", action="store_true",
                    help="time ifnexus alone (for old/new comparisons: alternate processes with "
                         "PYTHONPATH set to each tree's src)")  # fmt: skip
    a = ap.parse_args()
    n = a.patients
    # warm the JIT cache outside the timings
    simulate_cohort(SCHEDULE, n_patients=8, days=DAYS, rng=a.seed)
    if a.ifnexus_only:
        for _ in range(a.repeats):
            _, w, c = run_ifnexus(n, a.seed)
            print(f"ifnexus {n} patients wall {w:.2f} s cpu {c:.2f} s load "
                  f"{os.getloadavg()[0]:.1f}")  # fmt: skip
        return
    rs = np.random.default_rng(1)
    rr_idx = np.sort(rs.choice(n, size=min(a.rr_sample, n), replace=False))
    ivp_idx = np.sort(rs.choice(n, size=min(a.ivp_sample, n), replace=False))
    t_ifx, t_rr, t_ivp = [], [], []
    res = rr_b = ivp_b = None
    for _ in range(a.repeats):
        res, w, c = run_ifnexus(n, a.seed)
        t_ifx.append((w, c))
        rr_b, w, c = run_roadrunner(rr_idx, a.seed)
        t_rr.append((w, c))
        ivp_b, w, c = run_solve_ivp(ivp_idx, a.seed)
        t_ivp.append((w, c))
    ours = res.patients["burden_end"].to_numpy()
    fine_idx = np.sort(rs.choice(n, size=min(a.fine_sample, n), replace=False))
    rel_fine = np.abs(ours[fine_idx] / run_finer_grid(fine_idx, a.seed) - 1)
    med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
    w_ifx, c_ifx = med(t_ifx, 0), med(t_ifx, 1)
    w_rr = med(t_rr, 0) * n / rr_idx.size
    c_rr = med(t_rr, 1) * n / rr_idx.size
    w_ivp = med(t_ivp, 0) * n / ivp_idx.size
    c_ivp = med(t_ivp, 1) * n / ivp_idx.size
    rel_rr = np.max(np.abs(rr_b / ours[rr_idx] - 1))
    rel_ivp = np.max(np.abs(ivp_b / ours[ivp_idx] - 1))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    import numba
    import roadrunner
    import scipy

    print(f"versions: numpy {np.__version__}, numba {numba.__version__}, scipy "
          f"{scipy.__version__}, libroadrunner {roadrunner.__version__}")  # fmt: skip
    print(f"cohort: {n} patients, {SCHEDULE}, {DAYS:g} days, {a.repeats} alternating repeats")
    print(f"ifnexus      wall {w_ifx:8.2f} s  cpu {c_ifx:8.2f} s  peak traced memory "
          f"{peak_memory(n, a.seed) / 2**20:7.1f} MiB  {n / w_ifx:9.0f} patients/s")  # fmt: skip
    print(f"roadrunner   wall {w_rr:8.2f} s  cpu {c_rr:8.2f} s  (extrapolated from "
          f"{rr_idx.size}; {rr_idx.size / med(t_rr, 0):.0f} patients/s)  max rel. diff in "
          f"burden {rel_rr:.1e}")  # fmt: skip
    print(f"solve_ivp    wall {w_ivp:8.2f} s  cpu {c_ivp:8.2f} s  (Radau rtol 1e-8, extrapolated "
          f"from {ivp_idx.size}; {ivp_idx.size / med(t_ivp, 0):.2f} patients/s)  max rel. diff "
          f"in burden {rel_ivp:.1e}")  # fmt: skip
    print(f"cohort-wide: {fine_idx.size} sampled tumours vs an 8x finer grid: max rel. diff in "
          f"burden {rel_fine.max():.1e}, 99th percentile {np.quantile(rel_fine, 0.99):.1e}")  # fmt: skip
    print(f"ratios (wall): roadrunner / ifnexus = {w_rr / w_ifx:.1f}x, solve_ivp / ifnexus = "
          f"{w_ivp / w_ifx:.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
