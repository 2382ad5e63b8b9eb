"""Background mortality from a period life table: the competing risk of death in a virtual trial.

The shipped table (``data/ssa_period_life_table_2017.csv``, see ``data/README.md``) holds the
one-year death probabilities ``q(x)`` of the United States Social Security Administration's
period life table for 2017 (2020 Trustees Report), by single year of age 0-119 and sex. Within a
year of age the hazard is taken constant, ``mu_x = -log(1 - q_x)``, so a death time is the
inverse of the piecewise-linear cumulative hazard at an exponential draw (written here because
it is a few lines of numpy; no maintained package samples from a life table).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ifnexus.errors import ValidationError

__all__ = ["death_times", "life_expectancy", "life_table"]

LIFE_TABLE_SOURCE = (
    "US Social Security Administration, period life table 2017 (2020 Trustees Report, "
    "PerLifeTables_M/F_Hist_TR2020), via econ-ark/HARK"
)


@cache
def _table() -> pd.DataFrame:
    path = (
        resources.files("ifnexus.trial").joinpath("data").joinpath("ssa_period_life_table_2017.csv")
    )
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def life_table() -> pd.DataFrame:
    """Return the shipped life table.

    Returns
    -------
    pandas.DataFrame
        Columns ``age`` (0-119), ``qx_male``, ``qx_female`` (probability of death within the
        year) and ``ex_male``, ``ex_female`` (the SSA's life expectancy at that age, years).
        ``.attrs["source"]`` cites the table.
    """
    out = _table().copy()
    out.attrs["source"] = LIFE_TABLE_SOURCE
    return out


def _hazard(male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _table()
    q = np.where(
        male[:, None], t["qx_male"].to_numpy()[None, :], t["qx_female"].to_numpy()[None, :]
    )
    mu = -np.log1p(-np.clip(q, 0.0, 1.0 - 1e-12))
    return mu, t["age"].to_numpy(float)


def death_times(ages: ArrayLike, male: ArrayLike, u: ArrayLike) -> np.ndarray:
    """Years from ``ages`` to death, one per patient, from uniform draws ``u``.

    Parameters
    ----------
    ages
        Ages at entry (years, 0-119).
    male
        True for men (the male column of the table), False for women.
    u
        Uniform draws in (0, 1), one per patient (the same draws give the same deaths).

    Returns
    -------
    numpy.ndarray
        Years from entry to death: the time ``t`` at which the cumulative hazard from age
        ``a`` reaches ``-log(u)``; beyond age 120 the last year's hazard continues.
    """
    a = np.asarray(ages, dtype=float)
    m = np.asarray(male, dtype=bool)
    uu = np.asarray(u, dtype=float)
    if a.shape != m.shape or a.shape != uu.shape:
        raise ValidationError("death_times: ages, male and u must have the same shape")
    if ((a < 0) | (a >= 120) | ~np.isfinite(a)).any():
        raise ValidationError("death_times: ages must be in [0, 120)")
    mu, _ = _hazard(m)
    n_age = mu.shape[1]
    # cumulative hazard at whole ages 0..120 for each patient
    H = np.concatenate([np.zeros((a.size, 1)), np.cumsum(mu, axis=1)], axis=1)
    i = np.floor(a).astype(int)
    rows = np.arange(a.size)
    h0 = H[rows, i] + mu[rows, i] * (a - i)  # cumulative hazard at entry
    target = h0 - np.log(np.clip(uu, 1e-300, 1.0))
    # first whole age whose cumulative hazard reaches the target
    k = np.empty(a.size, dtype=int)
    for sex in (True, False):  # two distinct rows of H: one search per sex
        sel = m == sex
        if sel.any():
            k[sel] = np.searchsorted(H[np.flatnonzero(sel)[0]], target[sel], side="left")
    k = np.clip(k, 1, n_age)
    below = H[rows, k - 1]
    rate = mu[rows, k - 1]
    age_death = (k - 1) + (target - below) / rate
    over = target > H[rows, n_age]
    age_death = np.where(over, n_age + (target - H[rows, n_age]) / mu[rows, n_age - 1], age_death)
    return age_death - a


def life_expectancy(age: float, *, male: bool) -> float:
    """Return the expected remaining years of life at ``age`` under the table (constant hazard per year).

    Parameters
    ----------
    age
        Whole age in years.
    male
        The male (True) or female (False) column.

    Returns
    -------
    float
        ``integral_0^inf S(t) dt`` with ``S`` the survival from ``age``.
    """
    mu, _ = _hazard(np.array([male]))
    mu = mu[0, int(age) :]
    s0 = np.exp(-np.concatenate([[0.0], np.cumsum(mu)]))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_year = np.where(mu > 0, s0[:-1] * (1 - np.exp(-mu)) / mu, s0[:-1])
    return float(per_year.sum() + s0[-1] / mu[-1])
