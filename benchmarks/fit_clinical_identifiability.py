"""What sparse clinical data identify: profiles of ``ifnexus fit clinical`` on a synthetic study.

One synthetic study (the model's own cohort simulator, patient setting: alpha = 0.2 /Gy,
alpha_cv = 0.23, n0 = 2.7e9 clonogens): 300 patients with gross disease, 150 treated with
50 Gy / 25 fx and 150 with 70 Gy / 35 fx, follow-up uniform 24-60 months, deaths without local
failure at 3% per year (seed 77). Two fits with profiles (256 virtual tumours per group, seed
78): ``alpha`` with its between-tumour spread ``alpha_cv``, and ``alpha`` with the clonogen
number ``n0`` (the classic TCP trade-off: a dose-response curve fixes ``n0 exp(-alpha D)``
far better than either).

Run::

    .venv/bin/python benchmarks/fit_clinical_identifiability.py

Writes ``docs/fit/clinical_identifiability.csv`` and ``.md`` and the first fit's folder
(tables, VPC and profiles figures) in ``docs/fit/clinical_two_schedules/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from ifnexus.fit import PatientGroup, fit_clinical, simulate_clinical_study, write_clinical_fit

OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"
TRUTH = {"alpha": 0.2, "alpha_cv": 0.23, "n0": 2.7e9}


def main() -> None:
    """Run both fits and write the tables."""
    data = simulate_clinical_study(
        [(PatientGroup("50Gy/25fx"), 150), (PatientGroup("70Gy/35fx"), 150)],
        min_followup=24, max_followup=60, death_rate=0.03, rng=77,
    )  # fmt: skip
    rows = []
    lines = ["| fit | parameter | truth | estimate | 90% profile interval | CPU |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for k, free in enumerate((("alpha", "alpha_cv"), ("alpha", "n0"))):
        c0 = time.process_time()
        fit = fit_clinical(data, free=free, n_tumours=256, rng=78, progress=print)
        cpu = time.process_time() - c0
        for _, e in fit.estimates.iterrows():
            p = e["parameter"]
            rows.append({"fit": " + ".join(free), "parameter": p, "truth": TRUTH[p],
                         "estimate": e["estimate"], "lower": e["profile_lower"],
                         "upper": e["profile_upper"], "converged": fit.converged,
                         "objective": fit.objective, "cpu_s": cpu})  # fmt: skip
            lines.append(f"| {' + '.join(free)} | {p} | {TRUTH[p]:.4g} | {e['estimate']:.4g} | "
                         f"{e['profile_lower']:.4g} - {e['profile_upper']:.4g} | {cpu:.0f} s |")  # fmt: skip
        if k == 0:
            write_clinical_fit(fit, OUT / "clinical_two_schedules", rng=0)
        pd.DataFrame(rows).to_csv(OUT / "clinical_identifiability.csv", index=False)
        (OUT / "clinical_identifiability.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
