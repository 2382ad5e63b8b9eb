"""The shared Wilson interval equals the closed form (Wilson 1927) and scipy's binomtest."""

from __future__ import annotations

import math

import pytest

from ifnexus._proportion import wilson_interval


def _closed_form(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 10), (3, 10), (57, 80), (120, 300),
                                      (1999, 2000), (2000, 2000)])  # fmt: skip
def test_wilson_equals_the_closed_form(k, n):
    lo, hi = wilson_interval(k, n)
    want = _closed_form(k, n)
    assert lo == pytest.approx(want[0], abs=1e-14) and hi == pytest.approx(want[1], abs=1e-14)


def test_no_trials_is_nan():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_equals_scipy(confidence):
    from scipy.stats import binomtest

    for n in (1, 2, 7, 10, 33, 150, 2000):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
            assert wilson_interval(k, n, confidence=confidence) == (ci.low, ci.high), (k, n)
