"""The recorded time courses as arrays (CohortResult.trajectories) hold the long table's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort
from ifnexus.model._trajectories import Trajectories


@pytest.fixture(scope="module")
def res():
    return simulate_cohort("8Gy x3", n_patients=7, days=20, rng=4, record=5,
                           interventions=["sting-agonist:day=0,dose=1"])  # fmt: skip


def _selected(tc, state):
    """One state's rows of the long table, per patient (the way a user reads it)."""
    sub = tc[tc["state"] == state]
    return [(g["time"].to_numpy(float), g["value"].to_numpy(float))
            for _, g in sub.groupby("patient", sort=True)]  # fmt: skip


@pytest.mark.parametrize("state", ["ifn", "N", "cd8", "burden"])
def test_one_state_equals_the_rows_of_the_table(res, state):
    rec = res.trajectories
    assert rec.values.shape == (5, len(rec.states), rec.times.size)
    np.testing.assert_array_equal(rec.patients, np.arange(5))
    got, want = rec.state(state), _selected(res.timecourses, state)
    assert len(want) == got.shape[0] == 5
    for v, (t2, v2) in zip(got, want, strict=True):
        np.testing.assert_array_equal(rec.times, t2)
        np.testing.assert_array_equal(v, v2)


def test_the_table_is_built_from_the_arrays(res):
    rec = res.trajectories
    pd.testing.assert_frame_equal(rec.to_frame(), res.timecourses, check_exact=True)
    assert list(res.timecourses["state"].unique()) == list(rec.states)


def test_chunks_join_in_order(res):
    rec = res.trajectories
    parts = [Trajectories(rec.patients[a:b], rec.times, rec.states, rec.values[a:b])
             for a, b in ((0, 2), (2, 2), (2, 5))]  # fmt: skip
    joined = Trajectories.concat(parts)
    pd.testing.assert_frame_equal(joined.to_frame(), res.timecourses, check_exact=True)
    other = Trajectories(rec.patients[:1], rec.times + 1.0, rec.states, rec.values[:1])
    with pytest.raises(ValueError, match="times or states"):
        Trajectories.concat([rec, other])


def test_nothing_recorded_is_empty():
    res = simulate_cohort("8Gy x1", n_patients=3, days=10, rng=1)
    assert res.trajectories.patients.size == 0 and res.trajectories.values.size == 0
    assert list(res.timecourses.columns) == ["patient", "time", "state", "value"]
    assert res.timecourses.empty


def test_unknown_state_names_it(res):
    with pytest.raises(ValidationError, match="unknown state 'nope'; recorded: .*ifn"):
        res.trajectories.state("nope")
