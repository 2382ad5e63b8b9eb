"""Arms run side by side (``simulate_arms``) give the numbers of arms run one after another."""

from __future__ import annotations

import numba

from ifnexus import RunOptions
from ifnexus.trial import design_from_dict, run_trial
from ifnexus.trial._run import simulate_arms

#: 40 patients an arm, 2 years, seed 9, local control at 1 year; a third arm, SBRT
DESIGN_ARGS = (40, 2, 9, 1, {"name": "SBRT", "schedule": "8Gy x3"})


def test_three_arms_on_two_workers_equal_one_worker(two_arm_design, assert_same_trial):
    # rounds of two arms at once, then the third alone: the same patients and tables
    design = two_arm_design(*DESIGN_ARGS)
    serial = run_trial(design_from_dict(design), hazard_ratios="overall")
    threads = numba.get_num_threads()
    side = run_trial(design_from_dict(design), hazard_ratios="overall",
                     options=RunOptions(n_jobs=2, chunk_size=1024))  # fmt: skip
    assert numba.get_num_threads() == threads  # the caller's kernel threads are untouched
    assert_same_trial(side, serial)


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
