"""Arms run side by side (``simulate_arms``) give the numbers of arms run one after another."""

from __future__ import annotations

import numba
import pandas as pd

from ifnexus import RunOptions
from ifnexus.trial import design_from_dict, run_trial
from ifnexus.trial._run import simulate_arms

DESIGN = {
    "trial": {"name": "t", "reference": "RT", "patients_per_arm": 40, "followup_years": 2,
              "seed": 9},
    "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3}},
    "endpoint": {"local_control_years": 1},
    "arms": [
        {"name": "RT", "schedule": "50Gy/25fx"},
        {"name": "RT + anti-PD-1", "schedule": "50Gy/25fx",
         "interventions": ["anti-pd1:day=0,dose=1,repeat=6,every=14"]},
        {"name": "SBRT", "schedule": "8Gy x3"},
    ],
}  # fmt: skip


def test_three_arms_on_two_workers_equal_one_worker():
    # rounds of two arms at once, then the third alone: the same patients and tables
    serial = run_trial(design_from_dict(DESIGN), hazard_ratios="overall")
    threads = numba.get_num_threads()
    side = run_trial(design_from_dict(DESIGN), hazard_ratios="overall",
                     options=RunOptions(n_jobs=2, chunk_size=1024))  # fmt: skip
    assert numba.get_num_threads() == threads  # the caller's kernel threads are untouched
    pd.testing.assert_frame_equal(side.patients, serial.patients, check_exact=True)
    pd.testing.assert_frame_equal(side.arms, serial.arms, check_exact=True)
    pd.testing.assert_frame_equal(side.comparisons, serial.comparisons, check_exact=True)


def test_arms_keep_their_order_and_get_a_share_of_the_kernel_threads():
    seen = []

    def simulate(arm, opts):
        seen.append((arm, opts.n_jobs, numba.get_num_threads()))
        return arm * 10

    assert simulate_arms([1, 2, 3], simulate, RunOptions(n_jobs=2)) == [10, 20, 30]
    share = max(1, numba.get_num_threads() // 2)
    # the first round: two arms, each on one chunk thread and its share of the kernel threads;
    # the third arm alone with the options as given
    assert sorted(seen[:2]) == [(1, 1, share), (2, 1, share)]
    assert seen[2] == (3, 2, numba.get_num_threads())
    seen.clear()
    assert simulate_arms([1, 2], simulate, None) == [10, 20]  # one worker: in order, as given
    assert seen == [(1, 1, numba.get_num_threads()), (2, 1, numba.get_num_threads())]
