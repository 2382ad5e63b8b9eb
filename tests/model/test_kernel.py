"""The compiled kernel's own maths: exp/log against numpy, and lane independence."""

from __future__ import annotations

import numba as nb
import numpy as np

from ifnexus.model import tumour_model
from ifnexus.model._kernel import _exp, _log
from ifnexus.model._solver import integrate


@nb.njit
def _apply(x, log):
    """The kernel's exp (``log=False``) or log over an array."""
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _log(x[i]) if log else _exp(x[i])
    return out


def _map_exp(x):
    return _apply(x, False)


def _map_log(x):
    return _apply(x, True)


def test_exp_matches_numpy_to_a_few_ulp():
    x = np.r_[np.linspace(-700, 700, 200_001), 0.0, -0.0, 1e-300, np.log(2.0), -np.log(2.0)]
    rel = np.abs(_map_exp(x) / np.exp(x) - 1.0)
    assert rel.max() <= 4 * np.finfo(float).eps


def test_exp_clamps_below_minus_700():
    # ln N below -700 only occurs for tumours long extinct; the model clamps N at 1e-300 anyway
    assert _map_exp(np.array([-800.0]))[0] == np.exp(-700.0)


def test_log_matches_numpy_to_a_few_ulp():
    rng = np.random.default_rng(0)
    x = np.r_[
        np.exp(rng.uniform(-690, 690, 100_000)),
        rng.uniform(0.5, 2.0, 100_000),
        1.0,
        np.sqrt(2.0),
        np.nextafter(np.sqrt(2.0), 2.0),
        1e-300,
        1e300,
    ]
    ref = np.log(x)
    err = np.abs(_map_log(x) - ref)
    assert np.all(err <= 4 * np.finfo(float).eps * np.maximum(np.abs(ref), 1.0))


def test_a_tumour_gives_the_same_result_in_any_lane_or_block():
    """Vectorised lanes run the same instructions: position in the cohort does not matter."""
    m = tumour_model("25Gy/5fx", setting="patient", days=60, infiltration=1.7, alpha=0.12)
    n = 37  # more than two blocks of 16 lanes, the last one padded
    z0 = np.repeat(m.initial_state(), n, axis=1)
    q = {k: (np.repeat(np.ravel(v)[:1], n) if np.ndim(v) else v) for k, v in m.q.items()}
    sol = integrate(z0, m.p, q, m.schedule, m.drive, m.t0, m.t_end)
    assert np.all(sol.z_end == sol.z_end[:, :1])
