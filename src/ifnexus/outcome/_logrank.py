"""Log-rank tests: two or k groups (R ``survdiff``), the G-rho family, and the test for trend.

Why not only lifelines: ``lifelines.statistics.multivariate_logrank_test`` gives the same
statistic as R's ``survdiff`` (the tests check this) but neither the observed/expected table nor
the variance matrix, and there is no test for trend. All three come from one vectorised pass
over the distinct event times here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus.errors import ValidationError
from ifnexus.outcome._data import group_risk_table, level_codes, prepare, sorted_levels

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult:
    """Result of :func:`logrank_test`.

    :attr:`summary` gives both tests as one table; :meth:`to_dict` the JSON object.

    Parameters
    ----------
    statistic, df, p_value
        The k-group (or G-rho) chi-square test.
    trend_statistic, trend_p_value
        The 1-df test for trend over the sorted groups' scores.
    table
        Columns ``group``, ``n``, ``observed``, ``expected``, ``o_minus_e``, ``score`` (the trend
        score).
    variance
        Variance-covariance matrix of ``observed - expected``.
    rho
        The G-rho weight exponent (0: log-rank).
    """

    statistic: float
    df: int
    p_value: float
    trend_statistic: float
    trend_p_value: float
    table: pd.DataFrame
    variance: np.ndarray = field(repr=False)
    rho: float = 0.0

    @property
    def summary(self) -> pd.DataFrame:
        """Both tests as a tidy table (lifelines-style ``summary``).

        Returns
        -------
        pandas.DataFrame
            Index ``test`` (``logrank``, or ``G-rho`` when ``rho`` is not 0, then ``trend``);
            columns ``statistic`` (chi-square), ``df``, ``p_value``.
        """
        name = "logrank" if self.rho == 0 else f"G-rho (rho={self.rho:g})"
        return pd.DataFrame(
            {
                "statistic": [self.statistic, self.trend_statistic],
                "df": [self.df, 1],
                "p_value": [self.p_value, self.trend_p_value],
            },
            index=pd.Index([name, "trend"], name="test"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the test as one JSON-ready dict.

        Returns
        -------
        dict
            ``statistic``, ``df``, ``p_value``, ``trend_statistic``, ``trend_p_value``,
            ``rho`` and ``groups`` (the per-group table as row records).
        """
        return {
            "statistic": self.statistic, "df": self.df, "p_value": self.p_value,
            "trend_statistic": self.trend_statistic, "trend_p_value": self.trend_p_value,
            "rho": self.rho, "groups": self.table.to_dict(orient="records"),
        }  # fmt: skip


def logrank_test(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    *,
    rho: float = 0.0,
    trend_scores: Sequence[float] | None = None,
    cause: float | None = None,
    censor_code: float = 0,
    source: str | None = None,
) -> LogRankResult:
    """Log-rank test among the groups of ``group_col``, with a test for trend.

    Parameters
    ----------
    df
        One row per patient.
    duration_col, event_col, group_col
        Time, event indicator and group columns.
    rho
        G-rho weight ``S(t-)^rho`` (pooled Kaplan-Meier), as R ``survdiff(rho=)``; 0 is the
        log-rank test, 1 the Peto-Peto modification of Gehan-Wilcoxon.
    trend_scores
        Scores of the sorted group levels for the trend test; default: the levels themselves
        when numeric, else 1..k.
    cause, censor_code
        With multi-code events: the code counted as the event (others censored).
    source
        File name for error messages.

    Returns
    -------
    LogRankResult
        k-group chi-square (df k-1), trend chi-square (df 1), the O/E table and variance.

    Raises
    ------
    ValidationError
        Fewer than two groups, bad times or codes, a non-finite ``rho``, wrong number of
        trend scores or non-finite ones.
    """
    if not np.isfinite(float(rho)):
        raise ValidationError(f"rho must be a finite number, got {rho!r}")
    sd = prepare(df, duration_col, event_col, cause=cause, censor_code=censor_code,
                 extra_cols=[group_col], source=source)  # fmt: skip
    labels = df.loc[sd.keep, group_col].to_numpy()
    levels = sorted_levels(labels)
    k = len(levels)
    if k < 2:
        raise ValidationError(
            f"group column '{group_col}' has {k} level(s); the log-rank test needs two or more"
        )
    g = level_codes(labels, levels)
    event = (sd.status == 1).astype(float)
    o = np.argsort(sd.time, kind="stable")
    t, e, g = sd.time[o], event[o], g[o]
    ut, nk, (dk,) = group_risk_table(t, g, k, e)
    T = ut.size
    n = nk.sum(axis=1)
    d = dk.sum(axis=1)
    S = np.cumprod(1.0 - d / n)
    w = np.concatenate(([1.0], S[:-1])) ** rho if rho else np.ones(T)
    sel = d > 0
    nk, dk, n, d, w = nk[sel], dk[sel], n[sel], d[sel], w[sel]
    E = nk * (d / n)[:, None]
    O_minus_E = (w[:, None] * (dk - E)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(n > 1, d * (n - d) / (n * n * (n - 1)), 0.0) * w * w
    V = np.einsum("t,ti,ij->ij", f * n, nk, np.eye(k)) - np.einsum("t,ti,tj->ij", f, nk, nk)
    U = O_minus_E[:-1]
    Vr = V[:-1, :-1]
    stat = float(U @ np.linalg.solve(Vr, U)) if np.linalg.matrix_rank(Vr) == k - 1 else float("nan")
    if trend_scores is None:
        try:
            scores = np.asarray(levels, dtype=float)
        except (TypeError, ValueError):
            scores = np.arange(1.0, k + 1)
    else:
        scores = np.asarray(list(trend_scores), dtype=float)
        if not np.isfinite(scores).all():
            raise ValidationError(f"trend_scores must be finite numbers, got {scores.tolist()}")
        if scores.size != k:
            raise ValidationError(
                f"trend_scores has {scores.size} values; group '{group_col}' has {k} levels {levels}"
            )
    vt = float(scores @ V @ scores)
    tstat = float((scores @ O_minus_E) ** 2 / vt) if vt > 0 else float("nan")
    table = pd.DataFrame({
        "group": levels, "n": nk[0].astype(int), "observed": dk.sum(axis=0),
        "expected": E.sum(axis=0), "o_minus_e": O_minus_E, "score": scores,
    })  # fmt: skip
    return LogRankResult(
        statistic=stat, df=k - 1, p_value=float(stats.chi2.sf(stat, k - 1)),
        trend_statistic=tstat, trend_p_value=float(stats.chi2.sf(tstat, 1)),
        table=table, variance=V, rho=rho,
    )  # fmt: skip
