"""Log-rank vs R survdiff (R_reference_output.txt) and lifelines; trend vs a slow score test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import multivariate_logrank_test

from ifnexus.errors import ValidationError
from ifnexus.outcome import logrank_test


def test_rossi_and_lung_match_survdiff(shared):
    r = pd.read_csv(shared("reference", "survival", "rossi.csv"))
    res = logrank_test(r, "week", "arrest", "fin")
    assert res.statistic == pytest.approx(3.837569577, abs=1e-8)
    assert res.p_value == pytest.approx(0.05011611741, abs=1e-10)
    # survdiff table: Expected 55.5744 / 58.4256
    np.testing.assert_allclose(res.table["expected"], [55.5744, 58.4256], atol=1e-4)
    lung = pd.read_csv(shared("reference", "survival", "lung.csv"))
    assert logrank_test(lung, "time", "status", "sex").statistic == pytest.approx(
        10.32674195, abs=1e-7
    )


def test_k_groups_and_rho_match_lifelines():
    rng = np.random.default_rng(3)
    n = 300
    g = rng.integers(0, 4, n)
    t = np.ceil(rng.exponential(10 / (1 + 0.2 * g)))
    e = (rng.uniform(size=n) < 0.8).astype(int)
    d = pd.DataFrame({"t": t, "e": e, "g": g})
    res = logrank_test(d, "t", "e", "g")
    ref = multivariate_logrank_test(d["t"], d["g"], d["e"])
    assert res.df == 3
    assert res.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    res1 = logrank_test(d, "t", "e", "g", rho=1.0)
    ref1 = multivariate_logrank_test(
        d["t"], d["g"], d["e"], weightings="fleming-harrington", p=1, q=0
    )
    assert res1.statistic == pytest.approx(ref1.test_statistic, rel=1e-9)


def test_trend_equals_logrank_for_two_groups_and_scores_matter():
    rng = np.random.default_rng(4)
    d = pd.DataFrame(
        {"t": rng.exponential(1, 200), "e": rng.integers(0, 2, 200), "g": rng.integers(0, 2, 200)}
    )
    res = logrank_test(d, "t", "e", "g")
    assert res.trend_statistic == pytest.approx(res.statistic, rel=1e-12)  # identity for k = 2
    d["g"] = rng.integers(0, 3, 200)
    s = np.array([0, 1, 2.0])
    a = logrank_test(d, "t", "e", "g", trend_scores=s)
    # independent slow reference: without ties the trend test is the Cox score test at beta = 0
    # of the covariate x = score(group): U = sum over deaths of x_i - mean(x | at risk),
    # I = sum of var(x | at risk)
    x, t, e = s[d["g"].to_numpy()], d["t"].to_numpy(), d["e"].to_numpy() == 1
    u = sum(x[t == ti].sum() - x[t >= ti].mean() for ti in t[e])
    info = sum(x[t >= ti].var() for ti in t[e])
    assert a.trend_statistic == pytest.approx(u * u / info, rel=1e-10)
    with pytest.raises(ValidationError, match="trend_scores"):
        logrank_test(d, "t", "e", "g", trend_scores=[1, 2])
    with pytest.raises(ValidationError, match="two or more"):
        logrank_test(d.assign(g=1), "t", "e", "g")
