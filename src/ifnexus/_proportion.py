"""Confidence interval of a binomial proportion, shared by the trial and the study's recovery.

One place for the Wilson score interval (scipy's ``binomtest(...).proportion_ci(method=
"wilson")``), which ``ifnexus.trial`` (local control per arm and IFN state) and
``ifnexus.study`` (local failure of the trial arm beside the cohort) both report.
"""

from __future__ import annotations

import math

__all__ = ["wilson_interval"]


def wilson_interval(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n``.

    Parameters
    ----------
    k
        Successes (an integer 0..n).
    n
        Trials; 0 gives ``(nan, nan)``.
    confidence
        Confidence level.

    Returns
    -------
    tuple of float
        Lower and upper bounds.
    """
    from scipy.stats import binomtest

    if n == 0:
        return math.nan, math.nan
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)
