"""Wall and CPU time of ``run_trial`` for 2,000 patients per arm (what the optimiser and the
browser designer of issue 17 would call per design).

Run::

    .venv/bin/python benchmarks/trial_speed.py

Prints medians of 3 runs (after one warm-up that compiles the model kernel) for a two-arm design
(50 Gy/25 fx with and without anti-PD-1, 5 years of follow-up, no power or normal-tissue
section), split into the model's simulation and the trial statistics. No peer tool runs virtual
trials on a mechanistic model, so there is no side-by-side comparison; the statistics'
peer is lifelines (Kaplan-Meier, Cox), against which ``ifnexus.trial._km`` and
``ifnexus.trial._cox`` (what ``run_trial`` uses) are tested. Results go to
docs/benchmarks.md and docs/trial.md by hand.
"""

from __future__ import annotations

import os
import statistics
import time

from ifnexus.trial import design_from_dict, run_trial

DESIGN = {
    "trial": {"reference": "RT", "patients_per_arm": 2000, "followup_years": 5, "seed": 1},
    "arms": [
        {"name": "RT", "schedule": "50Gy/25fx"},
        {"name": "RT + anti-PD-1", "schedule": "50Gy/25fx",
         "interventions": ["anti-pd1:day=0,dose=1,repeat=6,every=14"]},
    ],
}  # fmt: skip


def _time(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    from ifnexus.model import simulate_cohort

    design = design_from_dict(DESIGN)
    run_trial(design)  # warm-up: numba compilation and imports
    runs = [_time(lambda: run_trial(design)) for _ in range(3)]
    sims = [_time(lambda: [simulate_cohort("50Gy/25fx", n_patients=2000, days=5 * 365.25, rng=1,
                                           interventions=iv) for iv in
                           ([], ["anti-pd1:day=0,dose=1,repeat=6,every=14"])])
            for _ in range(3)]  # fmt: skip
    quick = [_time(lambda: run_trial(design, hazard_ratios="none")) for _ in range(3)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    swall = statistics.median(r[0] for r in sims)
    print(f"cores available: {os.cpu_count()}")
    print(f"run_trial, 2 arms x 2000 patients: wall {wall:.2f} s, CPU {cpu:.2f} s (median of 3)")
    print(f"  of which the model (2 x simulate_cohort): wall {swall:.2f} s")
    print(f"  trial statistics (KM, CIF, Cox, paired bootstrap, life table): {wall - swall:.2f} s")
    qw, qc = statistics.median(r[0] for r in quick), statistics.median(r[1] for r in quick)
    print(f"run_trial(hazard_ratios='none'): wall {qw:.2f} s, CPU {qc:.2f} s (median of 3)")


if __name__ == "__main__":
    main()
