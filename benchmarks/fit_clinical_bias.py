"""Where the clinical fit's bias in alpha came from: paired refits of the same studies.

The coverage study of ``ifnexus fit clinical`` (``benchmarks/fit_clinical_coverage.py``) found
alpha about 4% low. Each candidate cause is changed alone and the same simulated studies are
refitted (paired: the same data, and the same virtual population where the variant allows):

- ``base``: as the coverage study was run then: exact failure times from
  ``simulate_clinical_study`` fitted with the default interval likelihood (a failure reported at
  ``t`` happened in ``(t - 30.44 d, t]``), 256 virtual tumours, Silverman bandwidth;
- ``w1``: the interval one day wide (the density at the exact time: the likelihood the exact
  data call for);
- ``hhalf``: the kernel bandwidth of the failure times halved;
- ``w1n512``: ``w1`` with the virtual tumours doubled (the first 256 are ``w1``'s: the draws
  are made in blocks of 1024).

Design: 100 patients, 50 Gy / 25 fx, follow-up 24-60 months, deaths 3%/year; study seed
5000 + r, population seed 9000 + r; alpha free (truth 0.2), alpha_cv fixed at its truth; no
profile (the estimate only).

Run::

    nice .venv/bin/python benchmarks/fit_clinical_bias.py [REPLICATES]   # default 6

Writes ``docs/fit/clinical_bias.csv`` (variant, replicate, estimate, wald_se_log, bandwidth,
cpu_s). About 8 s of CPU per fit (16 s with 512 tumours).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.fit import PatientGroup, fit_clinical, simulate_clinical_study
from ifnexus.fit import _clinical as C

OUT = Path(__file__).resolve().parents[1] / "docs" / "fit" / "clinical_bias.csv"
VARIANTS = {
    "base": {},
    "w1": {"interval_days": 1.0},
    "hhalf": {},
    "w1n512": {"interval_days": 1.0, "n_tumours": 512},
}


def main(replicates: int = 6) -> None:
    """Run every variant on the same studies."""
    silverman = C.ClinicalProblem._bandwidths
    rows = []
    for variant, kw in VARIANTS.items():
        if variant == "hhalf":
            C.ClinicalProblem._bandwidths = lambda self, x: 0.5 * silverman(self, x)  # type: ignore[method-assign]
        else:
            C.ClinicalProblem._bandwidths = silverman  # type: ignore[method-assign]
        for r in range(replicates):
            data = simulate_clinical_study([(PatientGroup("50Gy/25fx"), 100)], min_followup=24,
                                           max_followup=60, death_rate=0.03, rng=5000 + r)  # fmt: skip
            c0 = time.process_time()
            fit = fit_clinical(data, free=("alpha",), profile_params=(),
                               **{"n_tumours": 256, "rng": 9000 + r, **kw})  # fmt: skip
            e = fit.estimates.iloc[0]
            rows.append({"variant": variant, "replicate": r, "estimate": e["estimate"],
                         "wald_se_log": e["wald_se_log"],
                         "bandwidth": float(np.mean(fit.problem.bandwidth)),
                         "cpu_s": time.process_time() - c0})  # fmt: skip
            pd.DataFrame(rows).to_csv(OUT, index=False)
            print(rows[-1], flush=True)
    C.ClinicalProblem._bandwidths = silverman  # type: ignore[method-assign]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
