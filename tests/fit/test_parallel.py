"""A fit gives the same numbers wherever its tasks run: here, worker processes or Dask."""

from __future__ import annotations

import pandas as pd
import pytest

from ifnexus import RunOptions
from ifnexus.fit import Arm, fit_growth, simulate_growth_study

# small on purpose: the point is equality, not the estimate (3 quantities, 6 walkers)
KW = dict(free=("r",), random=("n0",), profile_params=("r",), steps=20, walkers=6, rng=3)


@pytest.fixture(scope="module")
def study():
    return simulate_growth_study([Arm("ctrl", "none")], animals=3, days=(0, 4, 8),
                                 params={"r": 0.25, "n0": 2e7}, omega={"n0": 0.3}, sigma=0.1,
                                 rng=5)  # fmt: skip


@pytest.fixture(scope="module")
def serial(study):
    return fit_growth(study, **KW)


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    pd.testing.assert_frame_equal(a.profiles, b.profiles)
    pd.testing.assert_frame_equal(a.draws, b.draws)


def test_dask_cluster_gives_the_local_result(study, serial):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        fit = fit_growth(study, options=RunOptions(scheduler=client), **KW)
    assert fit.diagnostics["workers"]["where"] == "dask"
    _same(fit, serial)


def test_worker_processes_give_the_local_result(study, serial):
    fit = fit_growth(study, options=RunOptions(n_jobs=2), **KW)
    assert fit.diagnostics["workers"] == {"where": "processes", "count": 2}
    _same(fit, serial)


def test_unreachable_scheduler_is_a_clear_error(study, monkeypatch):
    pytest.importorskip("distributed")
    from ifnexus.errors import ValidationError

    monkeypatch.setenv("IFNEXUS_DASK_TIMEOUT", "1")
    with pytest.raises(ValidationError, match="cannot reach the Dask scheduler"):
        fit_growth(study, options=RunOptions(scheduler="tcp://127.0.0.1:1"), **KW)
