"""ifnexus vs pyPESTO on the same growth-fitting problem: time to the same optimum.

Issue 16 item 8 (side by side with pyPESTO and its default simulator). AMICI, pyPESTO's
default simulator, has no binary wheel on PyPI for this platform (``pip download
--only-binary=:all: amici``: no matching distribution) and its source build needs a C++
tool chain, SWIG and BLAS headers this machine does not offer, so pyPESTO runs with its
libroadrunner simulator (``simulator_type="roadrunner"``, the other simulator it ships an
importer for), on the PEtab export of the problem (:func:`ifnexus.fit.to_petab`).

The problem is the one both tools can state: the pooled, fixed-effects problem (PEtab v1 has
no random effects), ``random=()`` in ifnexus. Design: two arms of 6 animals (untreated; 8 Gy
on day 10), measured every 3 days from day 0 to 21, simulated with r = 0.25 /d,
n0 = 2e7 cells, alpha = 0.12 /Gy and a log-normal error of SD 0.1 (no between-animal
variability). Estimated: r, n0, alpha and the residual SD, from the model's default values
(sigma 0.2), each tool with scipy's L-BFGS-B and finite-difference gradients (pyPESTO's
roadrunner objective gives no sensitivities), one start.

Equal optimum: both optima are evaluated with ifnexus's objective (-2 log L of the log
volumes); PEtab's log-normal likelihood differs from it by the constant ``2 sum log y``.
Time: wall and CPU seconds of each tool's optimisation (problem set-up, SBML loading and
compilation excluded for pyPESTO; ifnexus's first call compiles nothing: the kernel is
cached), medians of 3 alternating runs.

Run::

    .venv/bin/python benchmarks/fit_vs_pypesto.py

Writes ``docs/fit/vs_pypesto.md``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ifnexus.fit import Arm, GrowthProblem, simulate_growth_study
from ifnexus.fit._growth import _minimise

FREE = ("r", "n0", "alpha")
TRUTH = {"r": 0.25, "n0": 2e7, "alpha": 0.12}
OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
LN10 = float(np.log(10.0))


def _study():
    return simulate_growth_study([Arm("control", "none"), Arm("RT", "10:8")], animals=6,
                                 days=range(0, 22, 3), params=TRUTH, omega={}, sigma=0.1,
                                 rng=8)  # fmt: skip


def _ifnexus(prob: GrowthProblem) -> tuple[np.ndarray, float, int, float, float]:
    w, c = time.perf_counter(), time.process_time()
    res = _minimise(prob, prob.start(), prob.bounds())
    return res.x, float(res.fun), res.nfev, time.perf_counter() - w, time.process_time() - c


def _pypesto_problem(study, folder: Path):
    import petab.v1 as petab
    import pypesto.petab

    from ifnexus.fit import to_petab

    ex = to_petab(study, free=FREE, out=folder, sigma=0.2, per_animal=True)
    pp = petab.Problem.from_yaml(str(ex.files["yaml"]))
    from pypesto.objective.roadrunner import SolverOptions

    importer = pypesto.petab.PetabImporter(pp, simulator_type="roadrunner")
    problem = importer.create_problem()
    # CVODE at pyPESTO's default relative tolerance (1e-6) makes finite-difference gradients
    # noise and L-BFGS-B stop far from the optimum (measured: -2 log L 97 above ifnexus's);
    # 1e-10 relative, 1e-12 absolute, as tight as ifnexus's fixed-grid integration
    problem.objective.solver_options = SolverOptions(relative_tolerance=1e-10,
                                                     absolute_tolerance=1e-12)  # fmt: skip
    return problem, ex


def _pypesto(problem, x0: np.ndarray) -> tuple[np.ndarray, float, int, float, float]:
    import pypesto.optimize

    # the finite-difference step ifnexus's optimiser uses (scipy's default 1e-8 is below the
    # integrator's noise)
    opt = pypesto.optimize.ScipyOptimizer(method="L-BFGS-B",
                                          options={"maxiter": 500, "ftol": 1e-10, "gtol": 1e-5,
                                                   "eps": 1e-5})  # fmt: skip
    problem.set_x_guesses([problem.get_full_vector(x0, problem.x_fixed_vals)])  # the start
    w, c = time.perf_counter(), time.process_time()
    res = pypesto.optimize.minimize(problem, opt, n_starts=1, progress_bar=False,
                                    filename=None)  # fmt: skip
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    best = res.optimize_result.list[0]
    x = np.asarray(best["x"])[problem.x_free_indices]  # the result is over every parameter
    return x, float(best["fval"]), int(best["n_fval"]), wall, cpu


def main() -> None:
    study = _study()
    prob = GrowthProblem(study, free=FREE, random=())
    with tempfile.TemporaryDirectory() as tmp:
        problem, ex = _pypesto_problem(study, Path(tmp))
        ids = list(problem.x_names)
        free_ids = [ids[i] for i in problem.x_free_indices]
        # the same start: the model's values and sigma 0.2, on PEtab's log10 scale
        start_nat = dict(zip(prob.names, prob.natural(prob.start()), strict=True))
        name_of = {pid: (pid if pid in FREE else "sigma") for pid in free_ids}
        x0 = np.array([np.log10(start_nat[name_of[pid]]) for pid in free_ids])
        f0 = float(problem.objective(x0))
        response = ", ".join(
            f"{pid} {float(problem.objective(x0 + 0.01 * np.eye(len(x0))[k])) - f0:+.3g}"
            for k, pid in enumerate(free_ids)
        )
        runs: dict[str, list] = {"ifnexus": [], "pyPESTO": []}
        for _ in range(3):  # alternating
            runs["ifnexus"].append(_ifnexus(prob))
            runs["pyPESTO"].append(_pypesto(problem, x0))
    y = study.table["volume"].to_numpy()
    const = 2 * float(np.sum(np.log(y)))
    lines = ["| tool | -2 log L (ifnexus objective) at its optimum | estimates (r, n0, alpha, "
             "sigma) | objective evaluations | wall s (median of 3) | CPU s (median of 3) |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    med = {}
    for tool, rs in runs.items():
        x, fval, nfev, _, _ = rs[-1]
        if tool == "ifnexus":
            nat = prob.natural(x)
            f_ifn = prob(x)
        else:
            vals = dict(zip(free_ids, 10.0**x, strict=True))
            nat = np.array([vals[next(p for p in free_ids if name_of[p] == n)]
                            for n in prob.names])  # fmt: skip
            f_ifn = prob(prob.transformed(nat))
            # the same objective: PEtab's at pyPESTO's optimum equals ifnexus's there
            same_objective = abs(2 * fval - const - f_ifn)
        wall = statistics.median(r[3] for r in rs)
        cpu = statistics.median(r[4] for r in rs)
        med[tool] = (wall, cpu, f_ifn)
        est = ", ".join(f"{v:.4g}" for v in nat)
        lines.append(f"| {tool} | {f_ifn:.4f} | {est} | {nfev} | {wall:.2f} | {cpu:.2f} |")
        med[tool] += (cpu / nfev,)
    import pypesto
    import roadrunner

    d_obj = med["pyPESTO"][2] - med["ifnexus"][2]
    equal = abs(d_obj) < 0.01
    lines += [
        "",
        f"pyPESTO's objective responds to each parameter at the start (change of its -log L "
        f"for +0.01 on the log10 scale): {response}. Same objective at pyPESTO's optimum "
        f"(|-2 log L (PEtab) - 2 sum log y - ifnexus's|): {same_objective:.2g}. CPU per "
        f"objective evaluation: ifnexus {1e3 * med['ifnexus'][3]:.1f} ms, pyPESTO "
        f"{1e3 * med['pyPESTO'][3]:.1f} ms ({med['pyPESTO'][3] / med['ifnexus'][3]:.0f}x).",
        "",
        "Equal optimum: "
        + ("yes." if equal else "**no**: the ratio below is not a ratio at equal optimum."),
        "",
        f"Ratio (pyPESTO / ifnexus): wall {med['pyPESTO'][0] / med['ifnexus'][0]:.1f}x, CPU "
        f"{med['pyPESTO'][1] / med['ifnexus'][1]:.1f}x; the optima differ by {d_obj:+.2g} in "
        f"-2 log L. pyPESTO {pypesto.__version__} with libroadrunner {roadrunner.__version__} "
        f"(AMICI: no wheel); {len(y)} measurements, {len(ex.conditions)} PEtab conditions (one "
        f"per animal); {os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} at "
        "the end.",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vs_pypesto.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
