"""What the hypothesis analysis does with failures (review of issues #15/#17).

* A Cox model that cannot be fitted for a numerical reason lifelines documents (no local
  failure at all: the partial likelihood is flat, its Hessian singular, lifelines raises its
  ``ConvergenceError``) carries no information, so the study makes no call (``undetermined``).
* Any other exception is a programming error and must propagate, not read as ``undetermined``.
* :func:`hypothesis_cohort` refuses a pool without the columns it reads, naming them.
"""

from __future__ import annotations

import math

import lifelines
import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ValidationError
from ifnexus.study import hypothesis_cohort, identify_hypothesis


def _cohort(n: int = 60, *, events: bool = True) -> pd.DataFrame:
    g = np.random.default_rng(5)
    return pd.DataFrame({
        "time": g.uniform(0.2, 5.0, n),
        "event": g.choice([0, 1, 2], n) if events else g.choice([0, 2], n),
        "purity": g.uniform(0.3, 0.9, n),
        "volume": g.lognormal(5.0, 0.5, n),
        "cd8_density": g.normal(size=n),
        "ifn_cluster_loss_call": g.choice([0, 1], n),
    })  # fmt: skip


def _pool(n: int = 40) -> pd.DataFrame:
    g = np.random.default_rng(6)
    n0 = g.lognormal(15.0, 1.0, n)
    return pd.DataFrame({
        "postop": 1, "n0": n0, "n0_rel": n0 / np.median(n0),
        "infiltration": g.lognormal(0.0, 0.5, n), "ifn_cluster_loss": g.uniform(size=n) < 0.2,
        "sting_silenced": False, "chronic_ifn": 0.0,
        "time_to_failure": np.where(g.uniform(size=n) < 0.3, g.uniform(0.2, 4.0, n), np.nan),
        "u": g.normal(size=n), "d": g.normal(size=n),
    })  # fmt: skip


def test_no_local_failure_is_no_call():
    """No event of interest: no partial likelihood to compare, so the study cannot decide."""
    out = identify_hypothesis(_cohort(events=False))
    assert out["events"] == 0
    assert math.isnan(out["delta_aic"])
    assert out["identified"] == "undetermined"


@pytest.mark.parametrize(
    "exc", [np.linalg.LinAlgError("singular"), lifelines.exceptions.ConvergenceError("halted")]
)
def test_documented_numerical_failures_are_no_call(monkeypatch, exc):
    def fail(self, *a, **k):
        raise exc

    monkeypatch.setattr(lifelines.CoxPHFitter, "fit", fail)
    assert identify_hypothesis(_cohort())["identified"] == "undetermined"


@pytest.mark.parametrize("exc", [TypeError("bug"), KeyError("bug"), AttributeError("bug")])
def test_a_programming_error_propagates(monkeypatch, exc):
    def fail(self, *a, **k):
        raise exc

    monkeypatch.setattr(lifelines.CoxPHFitter, "fit", fail)
    with pytest.raises(type(exc), match="bug"):
        identify_hypothesis(_cohort())


def test_the_pool_fixture_is_accepted():
    c = hypothesis_cohort(_pool(), "zhu", 30, seed=1)
    assert len(c) == 30 and set(c["event"]) <= {0, 1, 2}


@pytest.mark.parametrize("drop", [["u"], ["d", "n0_rel"], ["time_to_failure"]])
def test_pool_without_its_columns_is_named(drop):
    pool = _pool().drop(columns=drop)
    with pytest.raises(ValidationError, match="pool lacks column") as e:
        hypothesis_cohort(pool, "zhu", 30, seed=1)
    msg = str(e.value)
    assert all(c in msg.split(";")[0] for c in drop)
    assert "hypothesis_pool" in msg


def test_empty_pool_is_refused():
    with pytest.raises(ValidationError, match="no patients"):
        hypothesis_cohort(_pool().iloc[:0], "clonogen", 30, seed=1)
