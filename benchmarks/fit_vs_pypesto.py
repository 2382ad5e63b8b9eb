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

Optimisers, from the same start (the model's values, sigma 0.2) in the same box (1000-fold
around the start, sigma in [0.005, 3]), one start each:

- ifnexus: what ``ifnexus fit growth`` runs for this problem (``_maximum_likelihood``): for a
  pooled problem without censored values, scipy's ``least_squares`` (trust-region reflective)
  on the log-volume residuals with sigma profiled out (``sqrt(RSS / N)``), forward-difference
  Jacobian of relative step 1e-6, tolerances 1e-10, on natural-log parameters;
- pyPESTO L-BFGS-B: pyPESTO's default optimiser (``pypesto.optimize.ScipyOptimizer``,
  L-BFGS-B) on PEtab's log10 scale, finite-difference gradients of step 1e-5 (pyPESTO's
  roadrunner objective gives no sensitivities), ftol 1e-10, gtol 1e-5;
- pyPESTO ls_trf: the same algorithm as ifnexus inside pyPESTO (``ScipyOptimizer("ls_trf")``,
  the same step and tolerances), sigma held at its start and then profiled
  (``sigma0 * sqrt(mean(res^2))``, PEtab's residuals being divided by sigma). pyPESTO 0.7.0's
  roadrunner objective returns PEtab's residual table rather than numbers, so a two-line
  wrapper passes its ``residual`` column on (:func:`_ls_problem`); each of its residual
  evaluations goes through ``petab.calculate_residuals`` (pandas), which makes it slower per
  evaluation than pyPESTO's likelihood.

The headline ratio is against the faster pyPESTO optimiser that reaches ifnexus's optimum.
pyPESTO's libroadrunner objective needs one PEtab condition per animal (``per_animal=True``: the
same likelihood; with one condition per arm it asks libroadrunner for repeated output times,
which fails with ``CV_TOO_CLOSE``), so it simulates each animal where ifnexus simulates each arm
once (without random effects every animal of an arm has the same prediction).

What each side integrates: the exported SBML carries all of the model's states, the second
lesion's two included (``N2``, held by its own rate law ``N2 * ... * second_lesion`` at
``second_lesion = 0``, and ``Es2``, read only by the second lesion's kill): the same likelihood.
ifnexus's kernel skips what it does not need (see docs/fit/vs_pypesto.md for the counts at the
measured commit).

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
from ifnexus.fit._growth import _maximum_likelihood

OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
TOL = 0.01  # equal optimum: |difference| in ifnexus's -2 log L
RUNS = 3
LBFGS = "pyPESTO L-BFGS-B"
LS = "pyPESTO ls_trf"
RATIOS: dict[str, float] = {}  # design -> CPU ratio against pyPESTO's faster optimiser


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
    res = _maximum_likelihood(prob, prob.start(), prob.bounds())  # what `fit growth` runs
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


def _ls_problem(problem, k_sigma: int, log_sigma0: float):
    """pyPESTO's problem with sigma held at its start and residuals as numbers.

    pyPESTO 0.7.0's roadrunner objective answers a residual request with PEtab's residual
    table (``petab.calculate_residuals``, strings and all), which ``ls_trf`` cannot use; this
    wraps the same objective call and passes on its ``residual`` column.
    """
    import pypesto
    from pypesto.C import MODE_RES, RES

    rr = problem.objective

    def res(x: np.ndarray) -> np.ndarray:
        table = rr.call_unprocessed(x, (0,), MODE_RES, False)[RES][0]  # petab: a list of tables
        return table["residual"].to_numpy(float)

    i_sigma = problem.x_free_indices[k_sigma]
    return pypesto.Problem(pypesto.Objective(res=res, x_names=list(problem.x_names)),
                           lb=problem.lb_full, ub=problem.ub_full,
                           x_fixed_indices=[*problem.x_fixed_indices, i_sigma],
                           x_fixed_vals=[*problem.x_fixed_vals, log_sigma0],
                           x_names=list(problem.x_names), x_scales=list(problem.x_scales))  # fmt: skip


def _pypesto_ls(problem, x0: np.ndarray, k_sigma: int) -> tuple[np.ndarray, int, float, float]:
    """pyPESTO's least squares (``ls_trf``) with sigma held at its start, then profiled.

    PEtab's residuals are divided by sigma, so sigma cannot be a least-squares parameter (it
    would run to its upper bound); held fixed, the fixed effects' optimum is the MLE's
    whatever its value, and the MLE of sigma is then ``sigma0 * sqrt(mean(res^2))`` (one
    more residual evaluation, timed and counted). The same settings as ifnexus's least squares
    (trust-region reflective, forward-difference Jacobian of relative step 1e-6, tolerances
    1e-10).
    """
    import pypesto.optimize

    opt = pypesto.optimize.ScipyOptimizer(method="ls_trf", tol=1e-10,
                                          options={"xtol": 1e-10, "gtol": 1e-10,
                                                   "diff_step": 1e-6, "tr_solver": "exact"})  # fmt: skip
    keep = [i for i in range(x0.size) if i != k_sigma]
    problem.set_x_guesses([problem.get_full_vector(x0[keep], problem.x_fixed_vals)])
    w, c = time.perf_counter(), time.process_time()
    res = pypesto.optimize.minimize(problem, opt, n_starts=1, progress_bar=False,
                                    filename=None)  # fmt: skip
    best = res.optimize_result.list[0]
    if best["x"] is None:
        raise RuntimeError(f"pyPESTO's least squares failed: {best['message']}")
    x_full = np.asarray(best["x"])
    r = np.asarray(problem.objective.get_res(x_full[problem.x_free_indices]), dtype=float)
    log_s = x0[k_sigma] + np.log10(np.sqrt(np.mean(r**2)))
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    x = np.insert(x_full[problem.x_free_indices], k_sigma, log_s)
    n = sum(int(best[k] or 0) for k in ("n_fval", "n_res")) + 1
    return x, n, wall, cpu


def _sbml_states(sbml: str) -> str:
    import re

    from ifnexus.model._generated_exports import SBML_RATES

    model = {v for v, _ in SBML_RATES}
    ruled = set(re.findall(r'<rateRule variable="(\w+)"', sbml))
    return f"{len(ruled & model)} of the model's {len(model)} (+{len(ruled - model)} drive levels)"


def _kernel_states() -> str:
    from ifnexus.model import _generated_kernel as gk

    off = getattr(gk, "NS_OFF", gk.NS)  # states integrated without a second lesion
    return f"{off} of {gk.NS}" if off != gk.NS else str(gk.NS)


def _design(name: str, study, free: tuple[str, ...]) -> list[str]:
    prob = GrowthProblem(study, free=free, random=())
    y = study.table["volume"].to_numpy()
    const = 2 * float(np.sum(np.log(y)))
    with tempfile.TemporaryDirectory() as tmp:
        problem, ex = _pypesto_problem(study, free, Path(tmp))
        n_rules = _sbml_states(ex.files["sbml"].read_text())
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
        k_sigma = next(i for i, p in enumerate(free_ids) if name_of[p] == "sigma")
        problem_ls = _ls_problem(problem, k_sigma, x0[k_sigma])
        prob(prob.start())  # warm-up: the kernel (cached compilation) and the arm simulators
        problem.objective(x0)  # warm-up: the compiled SBML
        problem_ls.objective.get_res(np.delete(x0, k_sigma))
        runs: dict[str, list] = {"ifnexus": [], LBFGS: [], LS: []}
        for _ in range(RUNS):  # alternating
            runs["ifnexus"].append(_ifnexus(prob))
            runs[LBFGS].append(_pypesto(problem, x0))
            runs[LS].append(_pypesto_ls(problem_ls, x0, k_sigma))
        # each optimum in both objectives (-2 log L; PEtab's shifted by 2 sum log y)
        x_ifn = runs["ifnexus"][-1][0]
        cross = {"ifnexus": (prob(x_ifn), 2 * float(problem.objective(to_petab_x(x_ifn))) - const)}
        for tool in (LBFGS, LS):
            x_pp = runs[tool][-1][0]
            cross[tool] = (prob(to_ifn_x(x_pp)), 2 * float(problem.objective(x_pp)) - const)
    med = {t: (statistics.median(r[2] for r in rs), statistics.median(r[3] for r in rs))
           for t, rs in runs.items()}  # fmt: skip
    lines = [
        f"### {name}: {len(study.arms)} arms, {len(study.animals)} animals, {len(y)} "
        f"measurements ({len(ex.conditions)} PEtab conditions)",
        "",
        f"Model states integrated: ifnexus's kernel {_kernel_states()}; the exported SBML "
        f"{n_rules} (the second lesion's N2 and Es2 included: the same likelihood; the SBML "
        "leaves out the model's Zaider-Minerbo integral Lam, read by no observable).",
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
    lines.append("")
    ratios = {}
    for tool in (LBFGS, LS):
        d_ifn = cross[tool][0] - cross["ifnexus"][0]
        d_pp = cross[tool][1] - cross["ifnexus"][1]
        equal = abs(d_ifn) < TOL and abs(d_pp) < TOL
        cpu_ratio = med[tool][1] / med["ifnexus"][1]
        if equal:
            ratios[tool] = cpu_ratio
        lines.append(
            f"- {tool}: equal optimum (|difference| < {TOL} in -2 log L in both objectives) "
            + ("**yes**" if equal else "**no**: its ratio is not at equal optimum")
            + f" ({d_ifn:+.2g} in ifnexus's objective, {d_pp:+.2g} in PEtab's, its optimum "
            f"minus ifnexus's); ratio {tool} / ifnexus: CPU {cpu_ratio:.1f}x, wall "
            f"{med[tool][0] / med['ifnexus'][0]:.1f}x."
        )
    head = (f"**{min(ratios.values()):.1f}x** (CPU, against pyPESTO's faster optimiser at equal "
            f"optimum, {min(ratios, key=ratios.__getitem__)})" if ratios
            else "**none**: no pyPESTO run reached ifnexus's optimum")  # fmt: skip
    lines += [
        "",
        f"Ratio pyPESTO / ifnexus: {head}. Evaluations: "
        + "; ".join(f"{t} {', '.join(str(r[1]) for r in rs)}" for t, rs in runs.items())
        + ". Load average at the end of this design "
        f"{os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[2]:.1f} (15 min).",
        "",
    ]
    RATIOS[name] = min(ratios.values()) if ratios else float("nan")
    print("\n".join(lines), flush=True)
    return lines


def _commit() -> str:
    import subprocess

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=OUT.parents[1], capture_output=True, text=True)
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "src", "benchmarks/fit_vs_pypesto.py")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        " (with uncommitted changes under src/)" if dirty else ""
    )


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
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} at the start; "
        f"commit {_commit()}. Written by `benchmarks/fit_vs_pypesto.py`.",
        "",
    ]
    for name, (study, free) in _designs().items():
        lines += _design(name, study, free)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vs_pypesto.md").write_text("\n".join(lines))
    for name, ratio in RATIOS.items():
        print(f"RATIO {name}: pyPESTO / ifnexus CPU {ratio:.1f}x at equal optimum (goal >= 10x: "
              f"{'met' if ratio >= 10 else 'NOT met'})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
