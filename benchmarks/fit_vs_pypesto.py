"""ifnexus vs pyPESTO on the same growth-fitting problem: time to the same optimum.

Issue 16 item 8 (side by side with pyPESTO and its default simulator). AMICI, the simulator
pyPESTO's PEtab importer uses by default, has no wheel for this platform and Python 3.11 on PyPI
(amici 1.1.0 needs Python >= 3.12). amici 1.0.1 builds from its source distribution here (about
7 minutes on the shared cores, SWIG taken from PyPI, in a throwaway folder), and pyPESTO 0.7.0
compiles the export with it (2-5 minutes; the export writes the fraction events with the trait
formulas for that), but AMICI's first simulation of an irradiated condition fails (CVODES
``FIRST_RHSFUNC_ERR``: the right-hand side failed at its first call), not resolved in the
session that wrote this. So pyPESTO runs with its libroadrunner simulator
(``simulator_type="roadrunner"``, the other simulator it ships an importer for), on the PEtab
export of the problem (:func:`ifnexus.fit.to_petab`), with pyPESTO's default solver options
(CVODE, relative tolerance 1e-6, absolute 1e-12).

The problem is the one both tools can state: the pooled, fixed-effects problem (PEtab v1 has
no random effects), ``random=()`` in ifnexus. Two designs:

- ``two-arm``: two arms of 6 animals (untreated; 8 Gy on day 10), measured every 3 days from
  day 0 to 21, simulated with r = 0.25 /d, n0 = 2e7 cells, alpha = 0.12 /Gy and a log-normal
  error of SD 0.1 (no between-animal variability); estimated r, n0, alpha and sigma;
- ``four-arm``: the issue's four-arm, 40-animal study of ``benchmarks/fit_speed.py`` (untreated;
  8 Gy on day 10; the same in nude hosts; the same in STING-deficient tumours; every 3 days
  to day 30; between-animal variability omega_n0 0.3, omega_r 0.1, which the pooled problem
  does not model); estimated r, n0, alpha, e_kill and sigma.

Each tool minimises with scipy's L-BFGS-B and finite-difference gradients of step 1e-5
(pyPESTO's roadrunner objective gives no sensitivities), one start, the same start (the model's
values, sigma 0.2) and the same box (1000-fold around the start, sigma in [0.005, 3]); ifnexus
through its own optimiser (``fit growth``'s trust-box L-BFGS-B on natural-log parameters),
pyPESTO through ``pypesto.optimize.ScipyOptimizer`` on PEtab's log10 scale. pyPESTO's
libroadrunner objective needs one PEtab condition per animal (``per_animal=True``: the same
likelihood; with one condition per arm it asks libroadrunner for repeated output times, which
fails with ``CV_TOO_CLOSE``), so it simulates each animal where ifnexus simulates each arm once.

Equal optimum: both optima are evaluated in both objectives (ifnexus's -2 log L of the log
volumes; PEtab's log-normal likelihood differs from it by the constant ``2 sum log y``), and the
optimum is "equal" when the two optima differ by less than 0.01 in ifnexus's -2 log L. Time:
wall and CPU seconds of each tool's optimisation (problem set-up, SBML loading and compilation
excluded; one warm-up evaluation each before timing), medians of 3 alternating runs.

Run::

    .venv/bin/python benchmarks/fit_vs_pypesto.py

Writes ``docs/fit/vs_pypesto.md``.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ifnexus.fit import Arm, GrowthProblem, simulate_growth_study
from ifnexus.fit._growth import _minimise

OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
TOL = 0.01  # equal optimum: |difference| in ifnexus's -2 log L
RUNS = 3


def _designs() -> dict[str, tuple]:
    two = simulate_growth_study([Arm("control", "none"), Arm("RT", "10:8")], animals=6,
                                days=range(0, 22, 3), params={"r": 0.25, "n0": 2e7,
                                                              "alpha": 0.12},
                                omega={}, sigma=0.1, rng=8)  # fmt: skip
    four_arms = [Arm("control", "none"), Arm("RT", "10:8"), Arm("RT nude", "10:8", host="nude"),
                 Arm("RT STING-loss", "10:8", genotype="sting-loss")]  # fmt: skip
    four = simulate_growth_study(four_arms, animals=10, days=range(0, 31, 3),
                                 params={"r": 0.25, "n0": 2e7, "alpha": 0.12, "e_kill": 3.0},
                                 omega={"n0": 0.3, "r": 0.1}, sigma=0.1, rng=2025)  # fmt: skip
    return {"two-arm": (two, ("r", "n0", "alpha")),
            "four-arm": (four, ("r", "n0", "alpha", "e_kill"))}  # fmt: skip


def _ifnexus(prob: GrowthProblem) -> tuple[np.ndarray, int, float, float]:
    w, c = time.perf_counter(), time.process_time()
    res = _minimise(prob, prob.start(), prob.bounds())
    return res.x, res.nfev, time.perf_counter() - w, time.process_time() - c


def _pypesto_problem(study, free, folder: Path):
    import petab.v1 as petab
    import pypesto.petab

    from ifnexus.fit import to_petab

    ex = to_petab(study, free=free, out=folder, sigma=0.2, per_animal=True)
    pp = petab.Problem.from_yaml(str(ex.files["yaml"]))
    importer = pypesto.petab.PetabImporter(pp, simulator_type="roadrunner")
    return importer.create_problem(), ex  # pyPESTO's default solver options


def _pypesto(problem, x0: np.ndarray) -> tuple[np.ndarray, int, float, float]:
    import pypesto.optimize

    opt = pypesto.optimize.ScipyOptimizer(method="L-BFGS-B",
                                          options={"maxiter": 500, "ftol": 1e-10, "gtol": 1e-5,
                                                   "eps": 1e-5})  # fmt: skip
    problem.set_x_guesses([problem.get_full_vector(x0, problem.x_fixed_vals)])  # the start
    w, c = time.perf_counter(), time.process_time()
    res = pypesto.optimize.minimize(problem, opt, n_starts=1, progress_bar=False,
                                    filename=None)  # fmt: skip
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    best = res.optimize_result.list[0]
    if best["x"] is None or not np.isfinite(best["fval"]):
        raise RuntimeError(f"pyPESTO's start failed: {best['message']}")
    x = np.asarray(best["x"])[problem.x_free_indices]  # the result is over every parameter
    return x, int(best["n_fval"]), wall, cpu


def _design(name: str, study, free: tuple[str, ...]) -> list[str]:
    prob = GrowthProblem(study, free=free, random=())
    y = study.table["volume"].to_numpy()
    const = 2 * float(np.sum(np.log(y)))
    with tempfile.TemporaryDirectory() as tmp:
        problem, ex = _pypesto_problem(study, free, Path(tmp))
        ids = list(problem.x_names)
        free_ids = [ids[i] for i in problem.x_free_indices]
        name_of = {pid: (pid if pid in free else "sigma") for pid in free_ids}
        order = [free_ids.index(next(p for p in free_ids if name_of[p] == n)) for n in prob.names]

        def to_petab_x(x_ifn: np.ndarray) -> np.ndarray:  # ifnexus vector -> PEtab's log10
            nat = dict(zip(prob.names, prob.natural(x_ifn), strict=True))
            return np.array([np.log10(nat[name_of[p]]) for p in free_ids])

        def to_ifn_x(x_pp: np.ndarray) -> np.ndarray:
            return prob.transformed(10.0 ** x_pp[order])

        x0 = to_petab_x(prob.start())
        prob(prob.start())  # warm-up: the kernel (cached compilation) and the arm simulators
        problem.objective(x0)  # warm-up: the compiled SBML
        runs: dict[str, list] = {"ifnexus": [], "pyPESTO": []}
        for _ in range(RUNS):  # alternating
            runs["ifnexus"].append(_ifnexus(prob))
            runs["pyPESTO"].append(_pypesto(problem, x0))
        x_ifn = runs["ifnexus"][-1][0]
        x_pp = runs["pyPESTO"][-1][0]
        # each optimum in both objectives (-2 log L; PEtab's shifted by 2 sum log y)
        cross = {
            "ifnexus": (prob(x_ifn), 2 * float(problem.objective(to_petab_x(x_ifn))) - const),
            "pyPESTO": (prob(to_ifn_x(x_pp)), 2 * float(problem.objective(x_pp)) - const),
        }
    med = {t: (statistics.median(r[2] for r in rs), statistics.median(r[3] for r in rs))
           for t, rs in runs.items()}  # fmt: skip
    lines = [
        f"### {name}: {len(study.arms)} arms, {len(study.animals)} animals, {len(y)} "
        f"measurements ({len(ex.conditions)} PEtab conditions)",
        "",
        f"| tool | -2 log L at its optimum, ifnexus objective | same, PEtab objective - 2 sum "
        f"log y | estimates ({', '.join(prob.names)}) | objective evaluations | wall s "
        f"(median of {RUNS}) | CPU s (median of {RUNS}) | CPU ms per evaluation |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for tool, rs in runs.items():
        x, nfev = rs[-1][0], rs[-1][1]
        nat = prob.natural(x if tool == "ifnexus" else to_ifn_x(x))
        est = ", ".join(f"{v:.4g}" for v in nat)
        wall, cpu = med[tool]
        per = statistics.median(r[3] / r[1] for r in rs)
        lines.append(f"| {tool} | {cross[tool][0]:.4f} | {cross[tool][1]:.4f} | {est} | "
                     f"{nfev} | {wall:.2f} | {cpu:.2f} | {1e3 * per:.1f} |")  # fmt: skip
    d_ifn = cross["pyPESTO"][0] - cross["ifnexus"][0]
    d_pp = cross["pyPESTO"][1] - cross["ifnexus"][1]
    equal = abs(d_ifn) < TOL and abs(d_pp) < TOL
    lines += [
        "",
        f"Equal optimum (|difference| < {TOL} in -2 log L in both objectives): "
        + ("**yes**" if equal else "**no**: the ratio below is not at equal optimum")
        + f" (pyPESTO's optimum minus ifnexus's: {d_ifn:+.2g} in ifnexus's objective, "
        f"{d_pp:+.2g} in PEtab's). Ratio pyPESTO / ifnexus: **CPU "
        f"{med['pyPESTO'][1] / med['ifnexus'][1]:.1f}x**, wall "
        f"{med['pyPESTO'][0] / med['ifnexus'][0]:.1f}x. Evaluations: "
        + ", ".join(f"{t} {', '.join(str(r[1]) for r in rs)}" for t, rs in runs.items())
        + "; load average at the end of this design "
        f"{os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[2]:.1f} (15 min).",
        "",
    ]
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    import petab.v1
    import pypesto
    import roadrunner
    import scipy

    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    from ifnexus._version import __version__

    lines = [
        f"ifnexus {__version__}; pyPESTO {pypesto.__version__} with libroadrunner "
        f"{roadrunner.__version__} (AMICI 1.0.1 builds from source but fails to simulate the "
        "export: see the module docstring), petab "
        f"{petab.v1.__version__}, scipy {scipy.__version__}; Python {platform.python_version()}, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} at the start. "
        "Written by `benchmarks/fit_vs_pypesto.py`.",
        "",
    ]
    for name, (study, free) in _designs().items():
        lines += _design(name, study, free)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vs_pypesto.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
