"""One state's rows of the recorded time courses, read by stride, equal a selection of the rows."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort
from ifnexus.serve._timecourse import _state_rows


@pytest.fixture(scope="module")
def table():
    res = simulate_cohort("8Gy x3", n_patients=5, days=20, rng=4, record=5,
                          interventions=["sting-agonist:day=0,dose=1"])  # fmt: skip
    return res.timecourses


def _selected(tc, state):
    sub = tc[tc["state"] == state]
    return [(g["time"].to_numpy(float), g["value"].to_numpy(float))
            for _, g in sub.groupby("patient", sort=True)]  # fmt: skip


@pytest.mark.parametrize("state", ["ifn", "N", "cd8", "burden"])
def test_strided_rows_equal_the_selected_rows(table, state):
    got, want = _state_rows(table, state), _selected(table, state)
    assert len(got) == len(want) == 5
    for (t1, v1), (t2, v2) in zip(got, want, strict=True):
        np.testing.assert_array_equal(t1, t2)
        np.testing.assert_array_equal(v1, v2)


def test_another_row_order_falls_back_to_selecting(table):
    shuffled = table.sample(frac=1.0, random_state=1).sort_values(["patient", "time"],
                                                                   kind="stable")  # fmt: skip
    got, want = _state_rows(shuffled, "ifn"), _selected(table, "ifn")
    for (t1, v1), (t2, v2) in zip(got, want, strict=True):
        np.testing.assert_array_equal(t1, t2)
        np.testing.assert_array_equal(v1, v2)


def test_unknown_state_names_it(table):
    with pytest.raises(ValidationError, match="unknown state 'nope'; recorded: .*ifn"):
        _state_rows(table, "nope")
