"""The posterior sampler of every fit, against a posterior known in closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ifnexus.errors import ValidationError
from ifnexus.fit._sampler import POSTERIOR_RULE, sample_posterior

MEAN = np.array([0.3, -1.0])
SD = np.array([0.5, 0.2])
RHO = 0.6
COV = np.array([[SD[0] ** 2, RHO * SD[0] * SD[1]], [RHO * SD[0] * SD[1], SD[1] ** 2]])
PREC = np.linalg.inv(COV)


def _log_post(xs: np.ndarray) -> np.ndarray:
    d = xs - MEAN
    return -0.5 * np.einsum("wi,ij,wj->w", d, PREC, d)


def _run(seed: int = 3, steps: int = 4000, **kw):
    bounds = [(-10.0, 10.0), (-10.0, 10.0)]
    return sample_posterior(_log_post, MEAN.copy(), COV, bounds, np.exp, ["a", "b"],
                            steps=steps, seed=seed, **kw)  # fmt: skip


def test_gaussian_posterior_is_recovered_and_the_chain_stops_when_converged():
    # closed form: a bivariate normal on the transformed scale, so exp(x) is log-normal with
    # median exp(mean) and 90% interval exp(mean +- 1.645 sd)
    ps = _run()
    d = ps.diagnostics
    assert d["converged"] and d["rule"] == POSTERIOR_RULE
    # run until converged: stopped at a check well before the cap, 50 autocorrelation times long
    assert d["steps"] < d["max_steps"] and d["steps"] % 100 == 0
    assert d["steps"] > 50 * max(d["autocorr_time"].values())
    assert d["initialisation"] == "Laplace approximation at the MLE"
    s = ps.summary
    z = stats.norm.ppf(0.95)
    ess = s["ess"].to_numpy()
    # Monte Carlo SE of a median of log values: 1.25 sd / sqrt(ESS); 4 SE tolerance
    np.testing.assert_allclose(np.log(s["posterior_median"]), MEAN, atol=float(np.max(4 * 1.25 * SD / np.sqrt(ess))))  # fmt: skip
    np.testing.assert_allclose(np.log(s["cri_upper"]) - np.log(s["cri_lower"]), 2 * z * SD,
                               rtol=0.15)  # fmt: skip
    # the draws are tidy and natural-scale
    assert list(ps.draws.columns) == ["walker", "step", "parameter", "value"]
    assert (ps.draws["value"] > 0).all()


def test_same_seed_same_chain_and_a_short_cap_runs_exactly():
    a = _run(seed=7, steps=60)
    b = _run(seed=7, steps=60)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert a.diagnostics["steps"] == 60 and a.draws["step"].min() == 30
    # 16 walkers x 30 kept steps: below the rule's 50 autocorrelation times, not converged
    assert not a.diagnostics["converged"]
    c = _run(seed=8, steps=60)
    assert not c.draws["value"].equals(a.draws["value"])


def test_too_few_walkers_is_refused():
    with pytest.raises(ValidationError, match="walkers must be >= 2 x 2"):
        _run(walkers=3)
