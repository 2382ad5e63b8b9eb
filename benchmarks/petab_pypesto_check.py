"""The PEtab export read by pyPESTO: its objective at the nominal values equals ifnexus's.

A four-arm synthetic study (control, 3 x 8 Gy, 3 x 8 Gy in nude mice, 3 x 8 Gy + anti-PD-1;
5 animals each, 8 caliper days) is exported with ``to_petab(per_animal=True)``, imported with
``pypesto.petab.PetabImporter(simulator_type="roadrunner")`` (pyPESTO's libroadrunner
objective: no AMICI, so no C++ build) and its negative log-likelihood evaluated at the
nominal parameters. ifnexus's value at the same parameters is the pooled objective of
``GrowthProblem(random=())`` (``-2 log L`` of the log volumes) turned into PEtab's
convention: ``0.5 * objective + sum(log y)`` (PEtab's log-normal density is of the volume,
so it carries the Jacobian ``1 / y``). Writes docs/fit_petab/pypesto_check.json.

Run: .venv/bin/python benchmarks/petab_pypesto_check.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ifnexus.fit import Arm, GrowthProblem, simulate_growth_study, to_petab

FREE = ("r", "n0", "alpha", "e_kill")
SIGMA = 0.15


def main() -> int:
    import petab.v1 as petab
    import pypesto
    import roadrunner
    from pypesto.petab import PetabImporter

    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    arms = [
        Arm("control", "none"),
        Arm("RT", "10:8,11:8,12:8"),
        Arm("RT nude", "10:8,11:8,12:8", host="nude"),
        Arm("RT+aPD1", "10:8,11:8,12:8", interventions=("anti-pd1:day=10,repeat=3,every=3",)),
    ]
    data = simulate_growth_study(
        arms, animals=5, days=(0, 3, 6, 9, 12, 15, 18, 21), omega={"n0": 0.3}, sigma=0.1, rng=7
    )
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        ex = to_petab(data, free=FREE, sigma=SIGMA, per_animal=True, out=tmp)
        prob = petab.Problem.from_yaml(str(ex.files["yaml"]))
        lint_errors = bool(petab.lint.lint_problem(prob))
        t0 = time.perf_counter()
        problem = PetabImporter(prob, simulator_type="roadrunner").create_problem()
        t_import = time.perf_counter() - t0
        pdf = prob.parameter_df
        x = np.array(
            [
                np.log10(pdf.loc[n, "nominalValue"])
                if pdf.loc[n, "parameterScale"] == "log10"
                else pdf.loc[n, "nominalValue"]
                for n in problem.x_names
            ]
        )[problem.x_free_indices]
        t0 = time.perf_counter()
        fval = float(problem.objective(x))
        t_eval = time.perf_counter() - t0
    prob_ifx = GrowthProblem(data, free=FREE, random=())
    xi = prob_ifx.transformed(np.array([*(prob_ifx.base[n] for n in FREE), SIGMA]))
    obj = float(prob_ifx(xi))
    nllh = 0.5 * obj + float(np.sum(np.log(data.table["volume"])))
    out = {
        "study": "4 arms x 5 animals x 8 days (simulate_growth_study, rng=7)",
        "free": list(FREE), "sigma": SIGMA, "conditions": len(ex.conditions),
        "measurements": len(ex.measurements), "petab_lint_errors": lint_errors,
        "pypesto_version": pypesto.__version__, "libroadrunner_version": roadrunner.__version__,
        "pypesto_simulator": "roadrunner", "pypesto_nllh": fval, "ifnexus_nllh": nllh,
        "relative_difference": abs(fval - nllh) / abs(nllh),
        "pypesto_import_seconds": round(t_import, 1), "pypesto_objective_seconds": round(t_eval, 3),
    }  # fmt: skip
    dest = Path(__file__).resolve().parents[1] / "docs" / "fit_petab" / "pypesto_check.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0 if out["relative_difference"] < 1e-4 and not lint_errors else 1


if __name__ == "__main__":
    sys.exit(main())
