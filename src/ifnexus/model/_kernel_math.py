"""The compiled kernel's lane width and its vectorisable ``exp``/``log``.

Why our own ``exp``/``log``: numba's ``math.exp`` is a scalar libm call that stops the lane loop
from vectorising (the PyPI llvmlite has no vector maths library). :func:`_exp` and :func:`_log`
are branch-free range reductions with Taylor/atanh series, accurate to 2-4 ulp (tested against
numpy over the whole range used). Apart from :mod:`ifnexus.model._kernel` so that the generated
forcing (``_generated_kernel.py``) can use them without an import cycle.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba.core import config as _nb_config
from numba.core.codegen import get_host_cpu_features as _host_features

__all__ = ["W", "_exp", "_log"]


def _lane_count() -> int:
    """Lanes per block: 8 (one 512-bit vector) where numba compiles for AVX-512, else 16.

    The kernel asks for 512-bit vectors (``_kernel._wide_vectors``); with them 8 lanes took
    0.87x the kernel CPU of 16 (4,000 patients, 5 years: 1.25 vs 1.43 s, medians of 9), with
    256-bit vectors 16 lanes (four vectors) stayed about 5% faster than 8. The results are the
    same bits either way (each lane runs the same instructions). Follows numba's own choice of
    CPU features (``NUMBA_CPU_FEATURES``, ``NUMBA_ENABLE_AVX``), which is also part of its cache
    key, so a cached kernel always matches ``W``.
    """
    features = getattr(_nb_config, "CPU_FEATURES", None)
    if features is None:
        features = _host_features()
    return 8 if "+avx512f" in str(features).split(",") else 16


W = _lane_count()
_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238  # ln 2 split in two parts for an exact k * ln 2
_LN2_LO = 1.9082149292705877e-10
_SQRT2 = 1.4142135623730951
# The two series below are written out term by term on purpose: a shared Horner helper looping
# over a coefficient tuple made the forcing 1.6x slower (numba does not fold the tuple loop).


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _exp(x):
    """``exp(x)`` for ``x`` clamped to [-700, 700] (below, the model clamps N at 1e-300)."""
    x = min(max(x, -700.0), 700.0)
    k = math.floor(x * _LOG2E + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2)/2: Taylor to r^13 is exact to 1 ulp
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)  # p * 2^k


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _log(x):
    """``log(x)`` for normal ``x > 0``: exponent from the bits, mantissa by the atanh series."""
    bits = np.float64(x).view(np.int64)
    e = np.float64((bits >> 52) - 1023)
    m = np.int64((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)  # in [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)  # |s| <= 0.172
    s2 = s * s
    p = 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    p = p * s2 + 1.0
    return e * _LN2_HI + (2.0 * s * p + e * _LN2_LO)
