"""Background mortality: the shipped SSA life table and death times drawn from it."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.trial import death_times, life_expectancy, life_table


def test_table_is_the_ssa_2017_period_table():
    t = life_table()
    assert t["age"].tolist() == list(range(120))
    # SSA 2020 Trustees Report, period life table 2017: q(0) and e(0) by sex
    row = t.iloc[0]
    assert (row["qx_male"], row["qx_female"]) == (0.006304, 0.005229)
    assert (row["ex_male"], row["ex_female"]) == (75.97, 80.96)
    assert "Social Security" in t.attrs["source"]


@pytest.mark.parametrize(("age", "male"), [(0, True), (0, False), (40, True), (65, False)])
def test_life_expectancy_from_qx_equals_the_ssa_e_x(age, male):
    # the SSA's e(x) column is computed from the same q(x) (its own within-year assumptions)
    col = "ex_male" if male else "ex_female"
    published = float(life_table().loc[age, col])
    assert life_expectancy(age, male=male) == pytest.approx(published, abs=0.15)


def test_death_times_have_the_life_expectancy_as_mean():
    n = 40000
    rng = np.random.default_rng(11)
    ages = np.full(n, 40.0)
    t = death_times(ages, np.ones(n, bool), rng.random(n))
    se = t.std() / np.sqrt(n)
    assert t.mean() == pytest.approx(life_expectancy(40, male=True), abs=4 * se)
    assert (t > 0).all()


def test_one_year_death_probability_is_qx():
    n = 200000
    rng = np.random.default_rng(12)
    t = death_times(np.full(n, 80.0), np.zeros(n, bool), rng.random(n))
    q80 = float(life_table().loc[80, "qx_female"])
    assert (t < 1.0).mean() == pytest.approx(q80, abs=4 * np.sqrt(q80 * (1 - q80) / n))


def test_same_draws_same_deaths():
    u = np.array([0.1, 0.5, 0.9])
    a = death_times(np.array([30.0, 50.5, 70.0]), np.array([True, False, True]), u)
    b = death_times(np.array([30.0, 50.5, 70.0]), np.array([True, False, True]), u)
    assert np.array_equal(a, b)
    assert a[0] > a[2]  # the 30-year-old outlives the 70-year-old
