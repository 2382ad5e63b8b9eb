"""The posterior sampler of every fit: emcee from the Laplace approximation, run until converged.

One implementation for ``fit growth --posterior`` and ``fit clinical --posterior``: emcee's
affine-invariant ensemble sampler (Foreman-Mackey et al. 2013 PASP 125:306) on a fit's
transformed parameters. The walkers start from the Laplace approximation of the posterior at
the maximum-likelihood estimate (``N(x_hat, cov)``, ``cov`` the inverse of half the Hessian of
``-2 log L``), so the ensemble needs no long warm-up to expand from a tight ball. The chain runs
until it passes the convergence rule (:data:`POSTERIOR_RULE`), checked at step 200 and every
100 steps after, or until the cap of steps; the first half of the steps run is warm-up.

Diagnostics: split R-hat over walkers (Gelman et al. 2013, Bayesian Data Analysis 3rd ed.,
eq. 11.4; written here because it is eight lines and ArviZ is not a dependency) and the
effective sample size ``n / tau`` with emcee's integrated autocorrelation time ``tau``
(Goodman & Weare 2010; Sokal 1997). The rule also asks for a chain longer than 50
autocorrelation times, emcee's advice for a reliable estimate of ``tau`` itself.

The same seed gives the same chain: the walkers' starting points and emcee's moves come from
one ``numpy.random.RandomState`` seeded with the fit's seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._optional import import_optional
from ifnexus.errors import ValidationError

__all__ = ["POSTERIOR_RULE", "PosteriorSample", "sample_posterior", "split_rhat"]

_CHECK_FIRST = 200  # first convergence check (steps per walker)
_CHECK_EVERY = 100  # later checks
_TAU_LENGTHS = 50  # emcee's advice: a chain longer than 50 autocorrelation times
POSTERIOR_RULE = (
    "converged when every split R-hat < 1.1, every ESS >= 50, the acceptance fraction is in "
    "(0.1, 0.9) and the chain is longer than 50 integrated autocorrelation times (emcee's "
    "advice for a reliable estimate of the autocorrelation time)"
)
"""The convergence rule of every fit's posterior (``diagnostics['posterior']['rule']``)."""


def split_rhat(chains: np.ndarray) -> np.ndarray:
    """Return the split R-hat (BDA3 eq. 11.4) of each parameter.

    Parameters
    ----------
    chains
        Draws ``(n_chains, n_steps, n_params)``.

    Returns
    -------
    numpy.ndarray
        One R-hat per parameter (near 1 when every half-chain samples one distribution).
    """
    m, n, _ = chains.shape
    h = n // 2
    c = np.concatenate([chains[:, :h], chains[:, n - h :]], axis=0)
    nn = c.shape[1]
    means = c.mean(axis=1)
    B = nn * means.var(axis=0, ddof=1)
    W = c.var(axis=1, ddof=1).mean(axis=0)
    var = (nn - 1) / nn * W + B / nn
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(var / W)


def _initial_walkers(
    bounds: np.ndarray, x_hat: np.ndarray, cov: np.ndarray | None, nw: int,
    rs: np.random.RandomState,
) -> tuple[np.ndarray, str]:  # fmt: skip
    """Walkers drawn from the Laplace approximation of the posterior at the MLE.

    ``N(x_hat, cov)``; positions outside the bounds are drawn again (a tight ball around the
    MLE when the covariance is not positive definite).
    """
    b = bounds
    ndim = x_hat.size
    chol = None
    if cov is not None and np.all(np.isfinite(cov)):
        try:
            chol = np.linalg.cholesky(0.5 * (cov + cov.T))
        except np.linalg.LinAlgError:
            chol = None
    if chol is None:
        sd = np.full(ndim, 0.05)
        if cov is not None:
            sd = np.sqrt(np.clip(np.diag(cov), 1e-6, 0.05))
            sd[~np.isfinite(sd)] = 0.05
        p0 = x_hat + 0.5 * sd * rs.standard_normal((nw, ndim))
        return np.clip(p0, b[:, 0] + 1e-9, b[:, 1] - 1e-9), "ball around the MLE"
    p0 = x_hat + rs.standard_normal((nw, ndim)) @ chol.T
    for _ in range(100):
        out = np.any((p0 <= b[:, 0]) | (p0 >= b[:, 1]), axis=1)
        if not out.any():
            break
        p0[out] = x_hat + rs.standard_normal((int(out.sum()), ndim)) @ chol.T
    return np.clip(p0, b[:, 0] + 1e-9, b[:, 1] - 1e-9), "Laplace approximation at the MLE"


def _chain_diagnostics(emcee: Any, chain: np.ndarray, acc: float) -> tuple[dict, bool]:
    """R-hat, ESS and autocorrelation times of the second half of ``chain`` (steps, walkers, d)."""
    n = chain.shape[0]
    kept = chain[n // 2 :]
    tau = emcee.autocorr.integrated_time(kept, tol=0)
    ess = kept.shape[0] * kept.shape[1] / np.maximum(tau, 1.0)
    rhat = split_rhat(np.transpose(kept, (1, 0, 2)))
    ok = bool(
        np.all(rhat < 1.1) and np.all(ess >= 50) and 0.1 < acc < 0.9
        and n > _TAU_LENGTHS * float(np.max(tau))
    )  # fmt: skip
    return {"tau": tau, "ess": ess, "rhat": rhat}, ok


@dataclass
class PosteriorSample:
    """Posterior draws with their summary and diagnostics.

    Attributes
    ----------
    draws
        Tidy draws after warm-up: ``walker``, ``step``, ``parameter``, ``value`` (natural
        scale).
    summary
        One row per parameter: ``posterior_median``, ``cri_lower``, ``cri_upper``, ``rhat``,
        ``ess``.
    diagnostics
        Sampler, walkers, steps run and cap, warm-up, acceptance, initialisation,
        autocorrelation times, R-hat, ESS, the checks made, the rule, ``converged``,
        seconds, seed.
    """

    draws: pd.DataFrame
    summary: pd.DataFrame
    diagnostics: dict[str, Any]


def sample_posterior(
    log_posterior: Callable[[np.ndarray], np.ndarray],
    x_hat: np.ndarray,
    cov: np.ndarray | None,
    bounds: Sequence[tuple[float, float]],
    natural: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    *,
    walkers: int | None = None,
    steps: int = 5000,
    seed: int = 0,
    level: float = 0.9,
    progress: Callable[[str], None] | None = None,
    purpose: str = "the posterior of a fit",
) -> PosteriorSample:
    """Sample a posterior with emcee from the Laplace approximation until converged.

    Parameters
    ----------
    log_posterior
        Vectorised log posterior: positions ``(walkers, d)`` to values ``(walkers,)``
        (``-inf`` outside the support).
    x_hat
        The maximum-likelihood (or posterior-mode) estimate, transformed scale.
    cov
        Covariance of the Laplace approximation at ``x_hat`` (``None`` when the Hessian was
        not invertible: a tight ball around ``x_hat``).
    bounds
        Bounds of each transformed parameter.
    natural
        Map of one transformed vector to natural values (for the draws and the summary).
    names
        Parameter names, in vector order.
    walkers
        Walkers (default ``max(16, 2 d + 2)``; at least ``2 d``).
    steps
        Most steps per walker: the chain stops at the first check (step 200, then every 100)
        that passes :data:`POSTERIOR_RULE`; fewer than 200 steps run exactly.
    seed
        Seed of the walkers' starting points and of emcee's moves.
    level
        Level of the credible intervals.
    progress
        Called with a message at each check.
    purpose
        What the sampler is for (the message when emcee is not installed).

    Returns
    -------
    PosteriorSample
        Draws, summary and diagnostics.

    Raises
    ------
    ValidationError
        Fewer than ``2 d`` walkers.
    MissingDependencyError
        emcee is not installed.
    """
    emcee = import_optional("emcee", extra="fit", purpose=purpose)
    step = progress or (lambda _: None)
    ndim = x_hat.size
    nw = walkers or max(16, 2 * ndim + 2)
    if nw < 2 * ndim:
        raise ValidationError(f"walkers must be >= 2 x {ndim} quantities, got {nw}")
    rs = np.random.RandomState(seed % 2**32)
    p0, init = _initial_walkers(np.asarray(bounds, dtype=float), x_hat, cov, nw, rs)
    sampler = emcee.EnsembleSampler(nw, ndim, log_posterior, vectorize=True)
    sampler.random_state = rs.get_state()
    t0 = time.perf_counter()
    state: Any = p0
    done = 0
    checks = []
    ok = False
    while done < steps:
        target = min(steps, _CHECK_FIRST if done < _CHECK_FIRST else done + _CHECK_EVERY)
        state = sampler.run_mcmc(state, target - done, progress=False)
        done = target
        acc = float(np.mean(sampler.acceptance_fraction))
        if done >= _CHECK_FIRST or done == steps:
            d, ok = _chain_diagnostics(emcee, sampler.get_chain(), acc)
            checks.append({"step": done, "max_rhat": float(np.max(d["rhat"])),
                           "min_ess": float(np.min(d["ess"])),
                           "max_tau": float(np.max(d["tau"])), "converged": ok})  # fmt: skip
            step(f"posterior: step {done}/{steps}, max R-hat {np.max(d['rhat']):.3f}"
                 f"{' (converged)' if ok else ''}")  # fmt: skip
            if ok:
                break
    chain = sampler.get_chain()  # (steps, walkers, ndim)
    n_run = chain.shape[0]
    burn = n_run // 2
    kept = chain[burn:]
    acc = float(np.mean(sampler.acceptance_fraction))
    d, ok = _chain_diagnostics(emcee, chain, acc)
    tau, ess, rhat = d["tau"], d["ess"], d["rhat"]
    nat = np.stack([np.apply_along_axis(natural, 1, kept[s]) for s in range(kept.shape[0])])
    q = (1 - level) / 2
    flat = nat.reshape(-1, ndim)
    names = list(names)
    summ = pd.DataFrame({
        "posterior_median": np.median(flat, axis=0),
        "cri_lower": np.quantile(flat, q, axis=0),
        "cri_upper": np.quantile(flat, 1 - q, axis=0),
        "rhat": rhat,
        "ess": ess,
    })  # fmt: skip
    s_idx, w_idx = np.meshgrid(np.arange(burn, n_run), np.arange(nw), indexing="ij")
    draws = pd.DataFrame({
        "walker": np.repeat(w_idx.ravel(), ndim),
        "step": np.repeat(s_idx.ravel(), ndim),
        "parameter": np.tile(names, s_idx.size),
        "value": nat.reshape(-1),
    })  # fmt: skip
    diag = {
        "sampler": f"emcee {emcee.__version__} EnsembleSampler (stretch move)",
        "walkers": nw, "steps": n_run, "max_steps": steps, "warmup": burn, "acceptance": acc,
        "initialisation": init,
        "autocorr_time": dict(zip(names, map(float, tau), strict=True)),
        "rhat": dict(zip(names, map(float, rhat), strict=True)),
        "ess": dict(zip(names, map(float, ess), strict=True)),
        "checks": checks,
        "rule": POSTERIOR_RULE,
        "converged": ok, "seconds": round(time.perf_counter() - t0, 3), "seed": seed,
    }  # fmt: skip
    return PosteriorSample(draws, summ, diag)
