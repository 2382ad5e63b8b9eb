"""Population fit of tumour growth curves: maximum likelihood, profile likelihood, posterior.

The statistical model (one line per level):

- fixed effects: the chosen model parameters (``free``), one value for the whole study,
  estimated on the log scale (logit for fractions);
- between-animal variability: log-normal random effects ``eta ~ N(0, omega^2)`` on chosen
  per-tumour traits (``random``: clonogen number ``n0``, growth rate ``r``, radiosensitivity
  ``alpha``, T-cell infiltration ability), the traits the model's cohorts also draw per tumour;
- residual error: proportional (log-normal) on the caliper volume, ``log V_obs = log V + e``,
  ``e ~ N(0, sigma^2)``.

Maximum likelihood: the marginal likelihood by the Laplace (FOCE-I) approximation of
:mod:`ifnexus.fit._laplace`, optimised by scipy's L-BFGS-B over the transformed parameters;
without random effects and censored values (a least-squares problem, sigma profiled out) by
scipy's ``least_squares`` instead (:func:`_pooled_least_squares`).
Intervals: profile likelihood, the parameter moved away from its estimate and every other one
re-optimised until ``-2 log L`` has risen by the chi-square quantile (the likelihood-ratio
interval; Raue et al. 2009 Bioinformatics 25:1923, the method of pyPESTO's ``profile``), found
by stepping out and then regula falsi. Written here rather than taken from pyPESTO because
pyPESTO would bring its own simulator stack; the search is short and tested against a closed
form. Each end has a status: ``crossed`` (the threshold was reached), ``bound`` (the search
range's edge was reached below it: an open interval, reported as 0 or inf as d2d reports
+-Inf) or ``failed``: a profile point whose re-optimisation is not finite, or whose rise at or
above the threshold no second start confirms, is never taken as an end; it is retried from the
previous point's optimum and from the estimate, the search steps back toward the last good
point (as pyPESTO's ``walk_along_profile`` shrinks its step after a failed optimisation), and
when no crossing is found the end is NaN with the value where it failed, and a warning.

Posterior: emcee's affine-invariant ensemble sampler (Foreman-Mackey et al. 2013 PASP
125:306) on the same transformed parameters, with the Laplace marginal likelihood and weakly
informative priors (log-normal around the model's values with a 10-fold standard deviation;
omega and sigma log-normal around 0.3 and 0.2 with SD 1 on the log scale). Why emcee: the
likelihood is a compiled black box without gradients (NUTS samplers need them), the
dimension is small (4-10), emcee is small, pure Python and well kept, and its ensemble needs
no tuning. Diagnostics: split R-hat over walkers (Gelman et al. 2013, Bayesian Data Analysis
3rd ed., eq. 11.4) and the effective sample size ``n / tau`` with emcee's integrated
autocorrelation time ``tau`` (Goodman & Weare 2010; Sokal 1997).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ifnexus._rng import RngLike, as_generator, seed_entropy
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ConvergenceError, IfnexusWarning, UnknownNameError, ValidationError
from ifnexus.fit._data import GrowthData, suggest
from ifnexus.fit._laplace import Group, LaplaceObjective
from ifnexus.fit._parallel import task_runner
from ifnexus.fit._result import FitResult
from ifnexus.fit._sampler import sample_posterior
from ifnexus.fit._simulate import RANDOM_EFFECTS, ArmSimulator

__all__ = [
    "DEFAULT_FREE",
    "DEFAULT_RANDOM",
    "GrowthFit",
    "GrowthProblem",
    "fit_growth",
    "free_names",
]

log = logging.getLogger(__name__)

DEFAULT_FREE = ("r", "n0", "alpha", "e_kill")
"""Fixed effects of a growth fit by default: growth rate, size at day 0, radiosensitivity and
the T-cell kill rate (what untreated, irradiated and immune-deficient arms tell apart)."""
DEFAULT_RANDOM = ("n0", "r")
"""Traits varying between animals by default."""
_OMEGA0 = 0.3
_SIGMA0 = 0.2
# the search box: fixed effects within FOLD of the setting's value, sigma in SIGMA_BOUNDS
# (shared with the PEtab export, fit/_petab.py)
_FOLD = 1e3
_SIGMA_BOUNDS = (0.005, 3.0)
_PRIOR_SD_FIXED = math.log(10.0)
_PRIOR_SD_VAR = 1.0
Progress = Callable[[str], None]
_PROFILE_GAIN = 1e-5  # a profile re-optimisation stops below this gain in -2 log L


def _noop(_: str) -> None:
    return None


def free_names(setting: str = "mouse") -> tuple[str, ...]:
    """Return the model parameters a growth fit may estimate.

    Parameters
    ----------
    setting
        The parameter setting.

    Returns
    -------
    tuple of str
        Every parameter that enters the simulation of a tumour (not the population spreads,
        the outcome thresholds or the post-operative size).
    """
    from ifnexus.model import PARAMETERS

    return tuple(
        p.name for p in PARAMETERS
        if p.group not in ("population", "outcome") and p.name != "n0_postop"
    )  # fmt: skip


def _check_names(
    names: Sequence[str], known: Sequence[str], option: str, what: str
) -> tuple[str, ...]:
    out = []
    for n in names:
        if n not in known:
            raise UnknownNameError(
                f"{option}: unknown {what} {n!r}{suggest(n, known)} (accepted: {', '.join(known)})"
            )
        if n in out:
            raise ValidationError(f"{option}: {n!r} is given twice")
        out.append(n)
    if not out and option == "free":
        raise ValidationError("free: give at least one parameter to estimate")
    return tuple(out)


@dataclass
class GrowthProblem:
    """A growth data set with its statistical model, ready to evaluate ``-2 log L``.

    Parameters
    ----------
    data
        The checked growth data.
    free
        Fixed effects (model parameter names).
    random
        Traits with between-animal variability (:data:`~ifnexus.fit._simulate.RANDOM_EFFECTS`).
    params
        Values of other model parameters (overrides of the setting's values).
    setting
        The parameter setting.
    """

    data: GrowthData
    free: tuple[str, ...] = DEFAULT_FREE
    random: tuple[str, ...] = DEFAULT_RANDOM
    params: dict[str, float] = field(default_factory=dict)
    setting: str = "mouse"

    def __post_init__(self) -> None:
        from ifnexus.model import get_parameter, parameters

        self.free = _check_names(list(self.free), free_names(self.setting), "free", "parameter")
        self.random = _check_names(list(self.random), RANDOM_EFFECTS, "random", "random effect")
        self.base = parameters(self.setting, **self.params)
        self._logit = np.array([get_parameter(n).upper == 1.0 for n in self.free])
        t = self.data.table
        self.arm_names = list(self.data.arms)
        self.sims: list[ArmSimulator] = []
        self.animals: list[list[str]] = []
        groups = []
        for a in self.arm_names:
            sub = t[t["arm"] == a]
            sim = ArmSimulator(self.data.arms[a], sub["day"].to_numpy(), self.setting)
            ids = list(dict.fromkeys(sub["animal"]))
            y = np.full((len(ids), sim.days.size), np.nan)
            cens = np.zeros(y.shape, dtype=bool)
            row = {x: i for i, x in enumerate(ids)}
            col = np.searchsorted(sim.days, sub["day"].to_numpy())
            r_i = sub["animal"].map(row).to_numpy()
            below = sub["below_lloq"].to_numpy(bool) if "below_lloq" in sub else None
            v = sub["volume"].to_numpy(dtype=float)
            if below is not None:  # left-censored: the observation is the limit (M3)
                v = np.where(below, sub["lloq"].to_numpy(dtype=float), v)
                cens[r_i[below], col[below]] = True
            y[r_i, col] = np.log(v)
            self.sims.append(sim)
            self.animals.append(ids)
            groups.append(Group(y, partial(self._predict, len(self.sims) - 1), cens))
        self.objective = LaplaceObjective(groups, len(self.random))

    # --- parameter vector: transformed fixed effects, log omega, log sigma -------------------
    @property
    def names(self) -> list[str]:
        """Names of the estimated quantities, in vector order."""
        return [*self.free, *[f"omega_{r}" for r in self.random], "sigma"]

    def natural(self, x: np.ndarray) -> np.ndarray:
        """Map a transformed vector to natural values (fixed effects, omegas, sigma).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        numpy.ndarray
            Natural values.
        """
        x = np.asarray(x, dtype=float)
        nf = len(self.free)
        out = np.exp(x)
        lg = self._logit
        out[:nf][lg] = 1.0 / (1.0 + np.exp(-x[:nf][lg]))
        return out

    def transformed(self, v: np.ndarray) -> np.ndarray:
        """Map natural values to the transformed vector (inverse of :meth:`natural`).

        Parameters
        ----------
        v
            Natural values.

        Returns
        -------
        numpy.ndarray
            Transformed vector.
        """
        v = np.asarray(v, dtype=float)
        nf = len(self.free)
        x = np.log(v)
        lg = self._logit
        x[:nf][lg] = np.log(v[:nf][lg] / (1.0 - v[:nf][lg]))
        return x

    def start(self) -> np.ndarray:
        """Return the starting point: the setting's values, omega 0.3, sigma 0.2 (transformed).

        Returns
        -------
        numpy.ndarray
            Transformed vector.
        """
        v = [self.base[n] for n in self.free] + [_OMEGA0] * len(self.random) + [_SIGMA0]
        return self.transformed(np.array(v))

    def bounds(self) -> list[tuple[float, float]]:
        """Return the optimisation bounds of the transformed vector.

        Returns
        -------
        list of (float, float)
            Fixed effects within 1000-fold of the setting's value (and their own range);
            omegas in [0.01, 3]; sigma in [0.005, 3].
        """
        b = []
        x0 = self.start()
        for i in range(len(self.free)):
            if self._logit[i]:
                b.append((-12.0, 12.0))
            else:
                b.append((x0[i] - math.log(_FOLD), x0[i] + math.log(_FOLD)))
        b += [(math.log(0.01), math.log(3.0))] * len(self.random)
        b.append((math.log(_SIGMA_BOUNDS[0]), math.log(_SIGMA_BOUNDS[1])))
        return b

    def model_params(self, x: np.ndarray) -> dict[str, float]:
        """Return every model parameter at transformed vector ``x``.

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        dict
            Parameter values by name.

        Raises
        ------
        ValidationError
            A value outside the parameter's range (``K`` not above ``n0``, ...).
        """
        from ifnexus.model import parameters

        v = self.natural(x)[: len(self.free)]
        return parameters(self.setting, **{**self.params, **dict(zip(self.free, v, strict=True))})

    def _predict(self, arm: int, theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
        # a bound method, not a closure: the problem pickles to worker processes and Dask
        p = self._p_cache(theta)
        traits = {r: np.exp(eta[:, j]) for j, r in enumerate(self.random)}
        if not traits:
            traits = {"n0": np.ones(eta.shape[0])}
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.sims[arm].volumes(p, traits))

    def mode_state(self) -> list[np.ndarray | None]:
        """Return the individual modes of every arm (the inner problem's warm start).

        Returns
        -------
        list
            One ``(animals, k)`` array per arm (``None`` before any evaluation).
        """
        return [None if g.eta is None else g.eta.copy() for g in self.objective.groups]

    def set_modes(self, state: Sequence[np.ndarray | None]) -> None:
        """Set the individual modes the next evaluation starts from (see :meth:`mode_state`).

        Parameters
        ----------
        state
            One array (or ``None``) per arm.
        """
        for g, e in zip(self.objective.groups, state, strict=True):
            g.eta = None if e is None else np.array(e, dtype=float, copy=True)

    def _p_cache(self, theta: np.ndarray) -> dict[str, float]:
        key = theta.tobytes()
        hit = getattr(self, "_p_last", None)
        if hit is not None and hit[0] == key:
            return hit[1]
        p = self.model_params(np.r_[theta, np.zeros(len(self.random) + 1)])
        self._p_last = (key, p)
        return p

    def __call__(self, x: np.ndarray) -> float:
        """Return ``-2 log L`` at transformed vector ``x`` (``inf`` outside the model's range).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        float
            The objective (log volumes).
        """
        x = np.asarray(x, dtype=float)
        nf, nr = len(self.free), len(self.random)
        try:
            theta = x[:nf]
            self._p_cache(theta)
        except ValidationError as e:
            self._bad_params: str | None = f"parameters outside the model's range: {e}"
            return float("inf")
        self._bad_params = None
        return self.objective(theta, np.exp(x[nf : nf + nr]), float(np.exp(x[-1])))

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Return the log-volume residuals ``log y - log V`` of a problem without random effects.

        Parameters
        ----------
        theta
            Transformed fixed effects.

        Returns
        -------
        numpy.ndarray
            One residual per measurement (arm by arm, animal by animal, day by day); NaN
            everywhere when the parameters are outside the model's range.
        """
        theta = np.asarray(theta, dtype=float)
        try:
            self._p_cache(theta)
        except ValidationError:
            return np.full(self.objective.n_obs, np.nan)
        out = []
        for g in self.objective.groups:
            f = g.predict(theta, np.zeros((1, 0)))  # every animal's prediction is the same
            out.append(np.broadcast_to(g.y - f, g.y.shape)[g.mask])
        return np.concatenate(out)

    @property
    def last_failure(self) -> str | None:
        """Why the last evaluation was infinite (``None`` after a finite one)."""
        return getattr(self, "_bad_params", None) or self.objective.last_failure

    def log_prior(self, x: np.ndarray) -> float:
        """Return the log prior density at transformed vector ``x`` (see the module docstring).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        float
            Log density (up to a constant); ``-inf`` outside the bounds.
        """
        x = np.asarray(x, dtype=float)
        b = np.array(self.bounds())
        if np.any(x < b[:, 0]) or np.any(x > b[:, 1]):
            return -math.inf
        x0 = self.start()
        nf = len(self.free)
        z_f = (x[:nf] - x0[:nf]) / _PRIOR_SD_FIXED
        z_v = (x[nf:] - x0[nf:]) / _PRIOR_SD_VAR
        return float(-0.5 * (np.sum(z_f**2) + np.sum(z_v**2)))

    def log_posterior(self, x: np.ndarray) -> float:
        """Return log prior + log marginal likelihood (``-inf`` where either is not finite).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        float
            Unnormalised log posterior density.
        """
        lp = self.log_prior(x)
        if not np.isfinite(lp):
            return -math.inf
        v = self(x)
        return lp - 0.5 * v if np.isfinite(v) else -math.inf

    def predictions(self, x: np.ndarray) -> pd.DataFrame:
        """Return population and individual predictions at every measurement.

        Parameters
        ----------
        x
            Transformed vector (the estimate).

        Returns
        -------
        pandas.DataFrame
            ``animal``, ``arm``, ``day``, ``volume``, ``population`` (eta = 0) and
            ``individual`` (at each animal's mode) in mm^3, ``below_lloq`` (a left-censored
            measurement; its ``volume`` is NaN) and the random effects ``eta_<trait>``.
        """
        self(x)  # sets the modes at x
        nf, k = len(self.free), len(self.random)
        theta = np.asarray(x[:nf], dtype=float)
        rows = []
        for g, sim, ids, a in zip(self.objective.groups, self.sims, self.animals, self.arm_names,
                                  strict=True):  # fmt: skip
            eta = self.objective.modes(g)
            ind = np.exp(g.predict(theta, eta))
            pop = np.exp(g.predict(theta, np.zeros((1, k))))[0]
            for i, animal in enumerate(ids):
                for j in np.flatnonzero(g.mask[i]):
                    below = bool(g.censored is not None and g.censored[i, j])
                    rows.append({"animal": animal, "arm": a, "day": sim.days[j],
                                 "volume": np.nan if below else float(np.exp(g.y[i, j])),
                                 "below_lloq": below, "population": pop[j],
                                 "individual": ind[i, j],
                                 **{f"eta_{r}": eta[i, m] for m, r in enumerate(self.random)}})  # fmt: skip
        return pd.DataFrame(rows)


@dataclass
class GrowthFit(FitResult):
    """The result of :func:`fit_growth`.

    Attributes
    ----------
    problem
        The fitted :class:`GrowthProblem`.
    x
        The estimate (transformed vector).
    objective
        ``-2 log L`` at the estimate (log volumes).
    converged
        Whether the optimiser (and, when sampled, the posterior diagnostics) converged.
    estimates
        One row per quantity: ``parameter``, ``kind``, ``estimate``, ``profile_lower``,
        ``profile_upper``, ``profile_lower_status`` and ``profile_upper_status`` (``crossed``;
        ``bound``: open, the end is 0 or inf; ``failed``: not found, the end is NaN; ``not
        run``), ``profile_lower_failed_at`` and ``profile_upper_failed_at`` (where the
        likelihood failed) and, when sampled, ``posterior_median``, ``cri_lower``,
        ``cri_upper``, ``rhat``, ``ess``.
    profiles
        Profile points: ``parameter``, ``value``, ``delta`` (rise of ``-2 log L``; NaN where
        the evaluation failed), ``status`` ("ok" / "failed").
    draws
        Posterior draws, tidy: ``walker``, ``step``, ``parameter``, ``value`` (empty when not
        sampled).
    diagnostics
        Optimiser, profile and sampler diagnostics.
    level
        Interval level.
    """

    problem: GrowthProblem

    def _extra_dict(self) -> dict[str, Any]:
        return {"random": list(self.problem.random)}


@dataclass
class _Opt:
    x: np.ndarray
    fun: float
    success: bool
    message: str
    nit: int
    nfev: int
    #: what was maximised: the Laplace marginal likelihood by the trust box, or, without
    #: random effects, the exact likelihood by least squares
    method: str = "Laplace (FOCE-I) marginal likelihood; L-BFGS-B"


def _minimise(
    f: Callable[[np.ndarray], float],
    x0: np.ndarray,
    bounds: list,
    maxiter: int = 500,
    delta: float = 0.5,
    ftol: float = 1e-10,
) -> _Opt:
    """L-BFGS-B inside a moving trust box.

    The objective is infinite where the model is (a parameter set whose integration is not
    finite); a first L-BFGS-B step from a steep start jumps to the corner of the bounds, finds
    ``inf`` there and its line search gives up. So each round minimises within ``x +- delta``
    (intersected with the bounds): a minimum inside the box ends it; one on the box's edge
    moves the box and widens it; a failed round shrinks it.
    """

    def safe(x: np.ndarray) -> float:
        v = f(x)
        return v if np.isfinite(v) else 1e300

    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    x = np.clip(np.asarray(x0, dtype=float), lo, hi)
    fx = safe(x)
    nit, nfev = 0, 1
    msg, ok = "trust box did not settle", False
    for _ in range(40):
        blo, bhi = np.maximum(lo, x - delta), np.minimum(hi, x + delta)
        res = optimize.minimize(safe, x, method="L-BFGS-B", bounds=list(zip(blo, bhi, strict=True)),
                                options={"maxiter": maxiter, "eps": 1e-5, "ftol": ftol,
                                         "gtol": 1e-5})  # fmt: skip
        nit += int(res.nit)
        nfev += int(res.nfev)
        improved = bool(res.fun < fx)
        if improved:
            x, fx = res.x, float(res.fun)
        edge = ((np.abs(x - blo) < 1e-7) & (blo > lo)) | ((np.abs(x - bhi) < 1e-7) & (bhi < hi))
        if improved and edge.any():
            delta = min(2.0 * delta, 4.0)
            continue
        if res.success:
            ok, msg = True, str(res.message)
            break
        delta /= 4.0
        if delta < 1e-4:
            msg = f"no progress: {res.message}"
            break
    return _Opt(x, fx, ok, msg, nit, nfev)


def _pooled_least_squares(prob: GrowthProblem, x0: np.ndarray, bounds: list) -> _Opt | None:
    """Maximum likelihood of a pooled problem by Gauss-Newton least squares, sigma profiled.

    Without random effects and without censored measurements ``-2 log L`` is
    ``RSS(theta) / sigma^2 + N log(2 pi sigma^2)`` with ``RSS`` the sum of squared log-volume
    residuals: for any sigma its minimum over the fixed effects is the least-squares one, and
    for that ``theta`` the best sigma is ``sqrt(RSS / N)`` (clipped to its bounds, the
    objective being unimodal in ``log sigma``). So the joint MLE is scipy's ``least_squares``
    (trust-region reflective, which keeps a step inside the box and shrinks it where the model
    is not finite) on the residuals, with a forward-difference Jacobian; Gauss-Newton uses
    the residuals' curvature, which L-BFGS-B on the scalar objective must learn from its
    gradients (31 evaluations instead of 469 on the pooled four-arm, 40-animal study of
    ``benchmarks/fit_vs_pypesto.py``, to a lower optimum). Returns ``None`` when it does not
    apply or fails (non-finite residuals at the start, or no convergence); the caller then
    falls back to :func:`_minimise`.
    """
    if prob.random or prob.objective.n_obs == 0:
        return None
    if any(g.any_censored for g in prob.objective.groups):
        return None
    nf = len(prob.free)
    lo = np.array([b[0] for b in bounds[:nf]], dtype=float)
    hi = np.array([b[1] for b in bounds[:nf]], dtype=float)
    calls = 0

    def resid(theta: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        return prob.residuals(theta)

    start = np.clip(np.asarray(x0[:nf], dtype=float), lo, hi)
    try:
        # diff_step: a forward step of 1e-6 (relative, at least absolute) of the log
        # parameters, far above the kernel's rounding (about 1e-13 of log V)
        r = optimize.least_squares(resid, start, bounds=(lo, hi), method="trf",
                                   diff_step=1e-6, ftol=1e-10, xtol=1e-10, gtol=1e-10)  # fmt: skip
    except (ValueError, np.linalg.LinAlgError):  # not finite at the start, or a Jacobian
        return None
    if r.status <= 0 or not np.all(np.isfinite(r.fun)):
        return None
    n = r.fun.size
    s_lo, s_hi = bounds[-1]
    log_s = float(np.clip(0.5 * math.log(float(np.sum(r.fun**2)) / n), s_lo, s_hi))
    x = np.r_[r.x, log_s]
    fx = float(prob(x))
    if not np.isfinite(fx):
        return None
    return _Opt(
        x,
        fx,
        True,
        f"least squares (trf): {r.message}",
        int(r.njev),
        calls + 1,
        "exact likelihood (no random effects); least squares (trf), sigma profiled",
    )


def _maximum_likelihood(prob: GrowthProblem, x0: np.ndarray, bounds: list) -> _Opt:
    """Return the growth fit's maximum-likelihood estimate.

    Gauss-Newton least squares for a pooled problem without censored measurements
    (:func:`_pooled_least_squares`), L-BFGS-B in a trust box (:func:`_minimise`) otherwise.
    """
    res = _pooled_least_squares(prob, x0, bounds)
    if res is not None:
        return res
    return _minimise(prob, x0, bounds)


def _scaled_min(
    g: Callable[[np.ndarray], float],
    start: np.ndarray,
    bounds: list,
    chol: np.ndarray | None,
    ftol: float = 1e-11,
) -> tuple[float, np.ndarray]:
    """Return the minimum of ``g`` from ``start`` and where it is.

    With the Cholesky factor ``L`` of half the Hessian, in whitened coordinates
    ``u = L'(x - start)`` (L-BFGS-B then sees a unit bowl); ``ftol`` is L-BFGS-B's relative
    stopping tolerance on the objective.
    """
    if chol is None:
        r = _minimise(g, start, bounds, maxiter=200, delta=0.25, ftol=1e-9)
        return float(r.fun), np.asarray(r.x, dtype=float)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    LT = chol.T

    def gu(u: np.ndarray) -> float:
        # projected onto the bounds: a nuisance parameter that runs to its bound (one the
        # data do not identify) stays there, the function flat beyond it, not a wall of 1e300
        # that stops the line search and leaves a false cliff in the profile
        x = np.clip(start + np.linalg.solve(LT, u), lo, hi)
        v = g(x)
        return v if np.isfinite(v) else 1e300

    # +-30 whitened units: 30 standard errors, far past any profile point's optimum
    res = optimize.minimize(gu, np.zeros(start.size), method="L-BFGS-B",
                            bounds=[(-30.0, 30.0)] * start.size,
                            options={"maxiter": 200, "eps": 1e-4, "ftol": ftol, "gtol": 1e-4})  # fmt: skip
    f0 = gu(np.zeros(start.size))
    if f0 <= res.fun:
        return float(f0), start.copy()
    return float(res.fun), np.clip(start + np.linalg.solve(LT, res.x), lo, hi)


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    n = x.size
    H = np.empty((n, n))
    f0 = f(x)
    e = np.eye(n) * h
    fp = np.array([f(x + e[i]) for i in range(n)])
    fm = np.array([f(x - e[i]) for i in range(n)])
    for i in range(n):
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / h**2
        for j in range(i + 1, n):
            fpp = f(x + e[i] + e[j])
            H[i, j] = H[j, i] = (fpp - fp[i] - fp[j] + f0) / h**2
    return H


_AGREE = 0.1  # two re-optimisations agree when their -2 log L differ by less than this
_FAILED_RETRIES = 3  # halvings toward the last good point after a failed profile point


@dataclass(frozen=True)
class ProfileEnd:
    """How one side of a profile-likelihood interval ended.

    Attributes
    ----------
    value
        The end (the coordinate's transformed scale): the threshold crossing; ``-inf`` / ``inf``
        when the search range's edge was reached below the threshold (an open interval, as
        Raue et al. 2009 and d2d report it); NaN when not found.
    status
        ``"crossed"``, ``"bound"`` or ``"failed"`` (the likelihood could not be evaluated
        reliably before the threshold was reached: the end is unknown).
    failed_at
        The value nearest the estimate where the evaluation failed (NaN unless ``failed``).
    reason
        Why it failed; for a ``crossed`` end not placed to 0.1 of the threshold (a failure
        inside the last bracket leaves the bracket's outer good point), why not; else "".
    reached
        The farthest value evaluated reliably on this side, and ``reached_delta`` its rise.
    reached_delta
        The rise of ``-2 log L`` at ``reached``.
    """

    value: float
    status: str
    failed_at: float = math.nan
    reason: str = ""
    reached: float = math.nan
    reached_delta: float = math.nan


@dataclass(frozen=True)
class ProfileResult:
    """A profile: both ends and the points evaluated (unpacks as ``lower, upper, points``).

    Attributes
    ----------
    lower, upper
        The two ends (:class:`ProfileEnd`).
    points
        ``(value, delta, ok)`` triples, sorted by value; ``delta`` is NaN where the evaluation
        failed (``ok`` False).
    """

    lower: ProfileEnd
    upper: ProfileEnd
    points: list[tuple[float, float, bool]]

    def __iter__(self) -> Iterator[Any]:
        """Yield ``lower.value``, ``upper.value`` and the ``(value, delta)`` pairs."""
        yield self.lower.value
        yield self.upper.value
        yield [(v, d) for v, d, _ in self.points]


def profile(
    f: Callable[[np.ndarray], float],
    x_hat: np.ndarray,
    f_hat: float,
    index: int,
    bounds: list[tuple[float, float]],
    *,
    level: float = 0.9,
    scale: float = 0.3,
    slope: np.ndarray | None = None,
    hessian: np.ndarray | None = None,
    max_points: int = 12,
) -> ProfileResult:
    """Profile-likelihood interval of coordinate ``index`` of the minimiser of ``f = -2 log L``.

    Each profile point re-optimises the other coordinates from a warm start (the nearest
    solved point moved along the Wald slope). A point whose re-optimisation fails (a
    non-finite objective) or whose rise reaches the threshold is re-optimised again from the
    nearest solved point's optimum and from the estimate (the profile's continuation); its
    value is the lowest found, and a rise at or above the threshold counts only when a second
    start agrees with it to 0.1. A point that still fails is never taken as an end: the search
    steps back toward the last good point (halving, as pyPESTO's ``walk_along_profile`` reduces
    its step after a failed optimisation), and if no crossing is found the end is NaN with
    status ``"failed"``.

    Parameters
    ----------
    f
        The objective ``-2 log L`` (``inf`` where it cannot be evaluated; an attribute
        ``last_failure`` naming the reason is reported when present).
    x_hat, f_hat
        The minimiser and the minimum.
    index
        The coordinate profiled.
    bounds
        Bounds of every coordinate.
    level
        Interval level (threshold ``chi2_1(level)``).
    scale
        The coordinate's expected standard error (e.g. Wald): the first step is
        ``scale * sqrt(chi2_1(level))``.
    slope
        Expected change of every coordinate per unit of the profiled one (the Wald
        covariance column divided by its diagonal element): the starting point of each
        re-optimisation.
    hessian
        Hessian of ``f`` at ``x_hat``: the re-optimisations run in the coordinates it
        whitens (a quadratic bowl there), which takes L-BFGS-B a few iterations instead of
        many in the raw, badly scaled coordinates.
    max_points
        Most profile points per side before the search jumps to the range's edge.

    Returns
    -------
    ProfileResult
        Both ends with their status (see :class:`ProfileEnd`) and the points, in the
        coordinate's (transformed) scale; it unpacks as ``(lower, upper, points)``.
    """
    target = float(stats.chi2.ppf(level, 1))
    rt = math.sqrt(target)
    others = [i for i in range(x_hat.size) if i != index]
    ob = [bounds[i] for i in others]
    ob_lo = np.array([b[0] for b in ob], dtype=float)
    ob_hi = np.array([b[1] for b in ob], dtype=float)
    lo, hi = bounds[index]
    x0 = float(x_hat[index])
    slope_o = np.zeros(len(others)) if slope is None else np.asarray(slope, float)[others]
    points: list[tuple[float, float, bool]] = [(x0, 0.0, True)]
    chol = None
    if hessian is not None and others:
        try:
            chol = np.linalg.cholesky(0.5 * np.asarray(hessian)[np.ix_(others, others)])
        except np.linalg.LinAlgError:
            chol = None

    # warm start: each re-optimisation starts from the optimum of the nuisance parameters at
    # the nearest point already solved on the same side, moved along the Wald slope (at the
    # first point: the estimate itself), which saves L-BFGS-B most of its iterations once the
    # profile curves away from the Wald line
    x_o = np.asarray(x_hat[others], dtype=float)
    solved: dict[float, np.ndarray] = {x0: x_o}
    # each re-optimisation stops when an iteration gains less than 1e-5 of -2 log L: far
    # below the 0.1 to which the interval's end is placed, and without it the line searches
    # spend most evaluations chasing the inner problem's rounding (measured: 84 -> 35
    # evaluations per point on the four-arm study, the same optimum to 1e-8)
    ftol = _PROFILE_GAIN / max(abs(f_hat), 1.0)

    def full(v: float, xo: np.ndarray) -> np.ndarray:
        x = np.array(x_hat, dtype=float, copy=True)
        x[index] = v
        x[others] = xo
        return x

    def why_not(v: float, xo: np.ndarray) -> str:
        f(full(v, xo))  # re-evaluated once for the objective's own reason
        why = getattr(f, "last_failure", None)
        return f" ({why})" if isinstance(why, str) and why else ""

    def at(v: float) -> tuple[float, str]:
        # the rise of the profile at v and "", or NaN and why it failed
        if not others:
            d = f(full(v, x_o)) - f_hat
            if not np.isfinite(d) or d >= 1e299:
                points.append((v, math.nan, False))
                return math.nan, "the objective is not finite" + why_not(v, x_o)
            points.append((v, max(d, 0.0), True))
            return max(d, 0.0), ""

        def g(xo: np.ndarray) -> float:
            return f(full(v, xo))

        near = min((u for u in solved if (u - x0) * (v - x0) >= 0), key=lambda u: abs(u - v))
        starts = [np.clip(solved[near] + slope_o * (v - near), ob_lo, ob_hi), solved[near], x_o]
        found: list[tuple[float, np.ndarray]] = []
        tried: list[np.ndarray] = []
        for s in starts:
            if any(np.allclose(s, t, rtol=0.0, atol=1e-12) for t in tried):
                continue
            tried.append(s)
            fv, xo = _scaled_min(g, s, ob, chol, ftol)
            if np.isfinite(fv) and fv < 1e299:
                found.append((fv - f_hat, xo))
            ds = sorted(d for d, _ in found)
            if ds and ds[0] < target:
                break  # inside the interval: any start that gets below the threshold will do
            if len(ds) >= 2 and ds[1] - ds[0] < _AGREE:
                break  # a rise at or above the threshold, confirmed by a second start
        if not found:
            points.append((v, math.nan, False))
            return math.nan, (f"the objective is not finite from any of {len(tried)} starts"
                              + why_not(v, tried[0]))  # fmt: skip
        d, xo = min(found, key=lambda p: p[0])
        rises = [e for e, _ in found]
        # confirmed: a second start agrees with the lowest value, or every start agrees (one
        # distinct start gives no sign of a failure)
        confirmed = sum(1 for e in rises if e - d < _AGREE) >= 2 or (
            len(found) == len(tried) and max(rises) - d < _AGREE
        )
        if d >= target and not confirmed:
            points.append((v, math.nan, False))
            text = ", ".join(f"{e:.4g}" for e in rises)
            return math.nan, (f"re-optimisations from {len(tried)} starts disagree (rises "
                              f"{text}; not finite from {len(tried) - len(found)})")  # fmt: skip
        solved[v] = xo
        d = max(d, 0.0)
        points.append((v, d, True))
        return d, ""

    def crossing(a_v: float, a_r: float, b_v: float, b_r: float) -> tuple[float, float]:
        # signed root sqrt(delta) is about linear in the parameter: regula falsi on
        # sqrt(delta) - sqrt(target) within the bracket [a (below), b (above)]; a failed
        # point inside the bracket is bisected toward b, and if the last one fails the end is
        # b, the bracket's outer good point (a wider interval, never a failed point)
        c, dc, failed = b_v, b_r * b_r, math.nan
        for _ in range(6):
            if math.isnan(failed):
                c = a_v + (rt - a_r) * (b_v - a_v) / (b_r - a_r)
            else:
                c = 0.5 * (failed + b_v)
            dc, why = at(c)
            if why:
                failed = c
                continue
            failed = math.nan
            if abs(dc - target) < 0.1:
                break
            if math.sqrt(dc) < rt:
                a_v, a_r = c, math.sqrt(dc)
            else:
                b_v, b_r = c, math.sqrt(dc)
        if not math.isnan(failed):
            c, dc = b_v, b_r * b_r
        return c, dc

    ends = []
    for side in (-1.0, 1.0):
        edge = lo if side < 0 else hi
        a_v, a_r = x0, 0.0
        v = x0 + side * max(min(scale, 2.0), 0.01) * rt
        end: ProfileEnd | None = None
        for n in range(max_points):
            v = max(v, lo) if side < 0 else min(v, hi)
            if n == max_points - 1:
                v = edge  # the last point: the range's edge
            d, why = at(v)
            if why:
                # a failed point is never an end: halve the step back toward the last good
                # point; from a good point below the threshold, retry the failed value (now
                # continuing from that point's optimum); until a crossing, a success or the
                # retries run out
                fail_v, fail_why = v, why
                for _ in range(_FAILED_RETRIES):
                    v = a_v + 0.5 * (fail_v - a_v)
                    d, why = at(v)
                    if why:
                        fail_v, fail_why = v, why
                        continue
                    if d >= target:
                        break
                    a_v, a_r = v, math.sqrt(d)
                    v = fail_v
                    d, why = at(v)
                    if not why:
                        break
                    fail_why = why
                if why:
                    end = ProfileEnd(math.nan, "failed", fail_v, fail_why, a_v, a_r * a_r)
                    break
            r = math.sqrt(d)
            if r >= rt:
                c, dc = crossing(a_v, a_r, v, r)
                note = "" if abs(dc - target) < 0.1 else (
                    f"not placed at the threshold: the rise there is {dc:.3g} (the likelihood "
                    "failed nearer the estimate or the search ran out of points)")  # fmt: skip
                end = ProfileEnd(c, "crossed", reason=note, reached=c, reached_delta=dc)
                break
            if v == edge:
                end = ProfileEnd(side * math.inf, "bound", reached=v, reached_delta=d)
                break
            grow = rt / r * 1.2 if r > 1e-3 else 4.0
            a_v, a_r = v, r
            v = x0 + (v - x0) * min(max(grow, 1.2), 4.0)
        assert end is not None
        ends.append(end)
    return ProfileResult(ends[0], ends[1], sorted(points, key=lambda p: p[0]))


def fit_growth(
    data: GrowthData,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    random: Sequence[str] = DEFAULT_RANDOM,
    params: dict[str, float] | None = None,
    level: float = 0.9,
    profile_params: Sequence[str] | None = None,
    posterior: bool = True,
    walkers: int | None = None,
    steps: int = 5000,
    start: dict[str, float] | None = None,
    rng: RngLike = 0,
    progress: Progress | None = None,
    options: RunOptions | None = None,
) -> GrowthFit:
    """Fit a population model of tumour growth to caliper volumes.

    Parameters
    ----------
    data
        The growth data (:func:`~ifnexus.fit.read_growth`).
    free
        Model parameters estimated as fixed effects.
    random
        Traits with between-animal variability (``n0``, ``r``, ``alpha``, ``infiltration``).
    params
        Other model parameters' values (overrides of the mouse setting).
    level
        Level of the profile and credible intervals.
    profile_params
        Quantities profiled (names of :attr:`GrowthProblem.names`); default the fixed effects.
    posterior
        Sample the posterior with emcee.
    walkers
        emcee walkers (default ``max(16, 2 * n_params + 2)``).
    steps
        Most emcee steps per walker (a cap): the sampler stops at the first check (every 100
        steps from step 200) where the posterior passes the convergence rule (see
        ``diagnostics['posterior']['rule']``); the first half of the steps run is discarded as
        warm-up. Fewer than 200 steps run exactly.
    start
        Starting values of some fixed effects (default the setting's values).
    rng
        Seed of the sampler's walkers and moves.
    progress
        Called with a message at each stage.
    options
        Where the profiles and the posterior's likelihood evaluations run
        (:class:`ifnexus.RunOptions`): ``n_jobs`` worker processes or a Dask ``scheduler``;
        the result is the same wherever they run.

    Returns
    -------
    GrowthFit
        The estimate, intervals, draws and diagnostics; ``converged`` says whether it
        converged (the caller decides what to do when not).

    Raises
    ------
    UnknownNameError
        An unknown name in ``free``, ``random`` or ``profile_params`` (with close names).
    ValidationError
        ``level`` not in (0, 1), ``steps`` < 20, a parameter given twice.
    """
    if not 0.0 < level < 1.0:
        raise ValidationError(f"level must lie in (0, 1), got {level:g}")
    if posterior and steps < 20:
        raise ValidationError(f"steps must be >= 20, got {steps}")
    step = progress or _noop
    prob = GrowthProblem(data, tuple(free), tuple(random), dict(params or {}))
    names = prob.names
    prof = list(prob.free) if profile_params is None else list(profile_params)
    for n in prof:
        if n not in names:
            raise UnknownNameError(f"profile: unknown quantity {n!r}{suggest(n, names)} "
                                   f"(accepted: {', '.join(names)})")  # fmt: skip
    seed = seed_entropy(rng)
    bounds = prob.bounds()
    x0 = prob.start()
    if start:
        v = prob.natural(x0)
        for sname, val in start.items():
            if sname not in prob.free:
                raise UnknownNameError(
                    f"start: {sname!r} is not a free parameter{suggest(sname, prob.free)}"
                )
            v[prob.free.index(sname)] = float(val)
        x0 = prob.transformed(v)
    with task_runner(prob, options) as runner:  # a bad scheduler fails before any work
        t0 = time.perf_counter()
        step(f"maximum likelihood ({len(names)} quantities, {len(data.animals)} animals)")
        res = _maximum_likelihood(prob, x0, bounds)
        x_hat, f_hat = res.x, float(res.fun)
        if not np.isfinite(f_hat) or f_hat >= 1e299:
            raise ConvergenceError("the likelihood is not finite anywhere the optimiser looked; "
                                   "check the data's units (mm^3) and the arms")  # fmt: skip
        at_bound = [names[i] for i, (lo, hi) in enumerate(bounds)
                    if min(x_hat[i] - lo, hi - x_hat[i]) < 1e-6]  # fmt: skip
        mle_ok = bool(res.success)
        t_mle = time.perf_counter() - t0
        H = _hessian(prob, x_hat)
        try:
            cov = np.linalg.inv(0.5 * H)
            se = np.sqrt(np.clip(np.diag(cov), 0, None))
            se[~np.isfinite(se)] = np.nan
        except np.linalg.LinAlgError:
            cov = None
            se = np.full(len(names), np.nan)
        natural = prob.natural(x_hat)
        prob(x_hat)  # every task starts from the individual modes at the estimate
        modes_hat = prob.mode_state()
        tasks = []
        for pname in prof:
            i = names.index(pname)
            sc = se[i] if np.isfinite(se[i]) and se[i] > 0 else 0.3
            slope = cov[:, i] / cov[i, i] if cov is not None and cov[i, i] > 0 else None
            tasks.append(
                _ProfileTask(i, x_hat, f_hat, bounds, level, float(sc), slope, H, modes_hat)
            )
        if tasks:
            where = (
                "" if runner.where == "serial" else f" over {runner.workers} {runner.where} workers"
            )
            step(f"profile likelihood of {', '.join(prof)}{where}")
        results = runner.map(_profile_task, tasks)
        prof_evals = sum(n_ev for _, n_ev in results)
        cols, prof_rows, prof_diag = profile_columns(
            names, prof, [p for p, _ in results], lambda i: _to_natural(prob, i)
        )
        t_prof = time.perf_counter() - t0 - t_mle
        prob.set_modes(modes_hat)
        converged = mle_ok
        draws = pd.DataFrame(columns=["walker", "step", "parameter", "value"])
        post_diag: dict[str, Any] | None = None
        if posterior:
            step(f"posterior: emcee, up to {steps} steps")

            def log_post(xs: np.ndarray) -> np.ndarray:
                return np.array(runner.map(_log_posterior_task, [(x, modes_hat) for x in xs]),
                                dtype=float)  # fmt: skip

            ps = sample_posterior(log_post, x_hat, cov, bounds, prob.natural, names,
                                  walkers=walkers, steps=steps, seed=seed, level=level,
                                  progress=step, purpose="the posterior of a growth fit")  # fmt: skip
            draws, post_diag, summ = ps.draws, ps.diagnostics, ps.summary
            converged = converged and post_diag["converged"]
        prob.set_modes(modes_hat)
    est = pd.DataFrame({
        "parameter": names,
        "kind": ["fixed"] * len(prob.free) + ["omega"] * len(prob.random) + ["sigma"],
        "estimate": natural,
        "default": [prob.base[n] for n in prob.free] + [np.nan] * (len(prob.random) + 1),
        "wald_se_log": se,
        **cols,
    })  # fmt: skip
    diag: dict[str, Any] = {
        "method": f"{res.method}; {interval_method(prof, posterior)}",
        "optimizer": {"success": mle_ok, "message": str(res.message), "iterations": int(res.nit),
                      "evaluations": int(res.nfev), "at_bound": at_bound,
                      "seconds": round(t_mle, 3)},
        "objective": f_hat,
        "n_animals": len(data.animals),
        "n_observations": prob.objective.n_obs,
        "profile_seconds": round(t_prof, 3),
        "profile_evaluations": prof_evals,
        "profiles": prof_diag,
        "workers": {"where": runner.where, "count": runner.workers},
        "level": level,
    }  # fmt: skip
    if post_diag is not None:
        est = pd.concat([est, summ], axis=1)
        diag["posterior"] = post_diag
    diag["converged"] = converged
    diag["seconds"] = round(time.perf_counter() - t0, 3)
    return GrowthFit(prob, x_hat, f_hat, converged, est, pd.DataFrame(prof_rows), draws, diag,
                     level)  # fmt: skip


@dataclass(frozen=True)
class _ProfileTask:
    index: int
    x_hat: np.ndarray
    f_hat: float
    bounds: list
    level: float
    scale: float
    slope: np.ndarray | None
    hessian: np.ndarray
    modes: list


class _FromModes:
    """``prob`` with every evaluation started from the same individual modes.

    The Laplace objective starts its inner problem from the modes the previous evaluation left
    (:meth:`GrowthProblem.set_modes`). Along a profile the re-optimisations' line searches
    visit far points whose modes are no start for the next point: measured on the MOC1 fit
    of ``docs/fit_real.md`` (model ``20cc408``), ``alpha`` at 0.8 x its estimate, the others
    kept, gives a rise of 0.50 from the estimate's modes and 9.4e5 after one evaluation at
    ``e_kill`` x 150, and the profiles of ``alpha`` and ``e_kill`` failed next to the estimate
    (rises 1e5-1e6 from every start). Starting from the estimate's modes, as the posterior
    does (:func:`_log_posterior_task`), makes the value a function of the position alone.
    """

    def __init__(self, prob: GrowthProblem, modes: list) -> None:
        self.prob = prob
        self.modes = modes

    def __call__(self, x: np.ndarray) -> float:
        self.prob.set_modes(self.modes)
        return self.prob(x)

    @property
    def last_failure(self) -> str | None:
        """Why the last evaluation failed (the problem's own reason)."""
        return self.prob.last_failure


def _profile_task(prob: GrowthProblem, t: _ProfileTask) -> tuple[ProfileResult, int]:
    """One quantity's profile, every evaluation from the modes at the estimate.

    The same wherever it runs, and a function of the position alone (:class:`_FromModes`).
    """
    n0 = prob.objective.evaluations
    res = profile(_FromModes(prob, t.modes), t.x_hat, t.f_hat, t.index, t.bounds,
                  level=t.level, scale=t.scale, slope=t.slope, hessian=t.hessian)  # fmt: skip
    prob.set_modes(t.modes)
    return res, prob.objective.evaluations - n0


def interval_method(profiled: Sequence[str], posterior: bool) -> str:
    """Say which intervals a fit computed (the tail of ``diagnostics['method']``).

    Parameters
    ----------
    profiled
        The quantities profiled (may be empty).
    posterior
        Whether the posterior was sampled.

    Returns
    -------
    str
        E.g. ``"Wald standard errors; profile likelihood of r, n0; posterior by emcee"``.
    """
    parts = ["Wald standard errors (from the Hessian)"]
    if profiled:
        parts.append(f"profile likelihood of {', '.join(profiled)}")
    else:
        parts.append("no profile likelihood")
    if posterior:
        parts.append("posterior by emcee")
    return "; ".join(parts)


def profile_columns(
    names: Sequence[str],
    profiled: Sequence[str],
    results: Sequence[ProfileResult],
    to_natural: Callable[[int], Callable[[float], float]],
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Turn profiles into estimate columns, profile rows and diagnostics; warn on failed ends.

    Parameters
    ----------
    names
        Every estimated quantity, in vector order.
    profiled
        The quantities profiled, one per result.
    results
        The profiles (:func:`profile`).
    to_natural
        ``to_natural(i)`` maps quantity ``i``'s transformed value to its natural one.

    Returns
    -------
    tuple
        ``(columns, rows, diagnostics)``: ``profile_lower``, ``profile_upper``,
        ``profile_lower_status``, ``profile_upper_status`` (``crossed``, ``bound``,
        ``failed``, or ``not run``), ``profile_lower_failed_at`` and
        ``profile_upper_failed_at`` (where the likelihood failed; NaN otherwise), one list per
        column; the points (``parameter``, ``value``, ``delta``, ``status`` "ok" / "failed");
        and per quantity and side the end's status, value, reason and farthest reliable point.
    """
    n = len(names)
    cols: dict[str, Any] = {"profile_lower": [math.nan] * n, "profile_upper": [math.nan] * n,
                            "profile_lower_status": ["not run"] * n,
                            "profile_upper_status": ["not run"] * n,
                            "profile_lower_failed_at": [math.nan] * n,
                            "profile_upper_failed_at": [math.nan] * n}  # fmt: skip
    rows: list[dict[str, Any]] = []
    diag: dict[str, Any] = {}
    for pname, res in zip(profiled, results, strict=True):
        i = list(names).index(pname)
        to_nat = to_natural(i)
        diag[pname] = {}
        for side, end in (("lower", res.lower), ("upper", res.upper)):
            cols[f"profile_{side}"][i] = to_nat(end.value)
            cols[f"profile_{side}_status"][i] = end.status
            cols[f"profile_{side}_failed_at"][i] = to_nat(end.failed_at)
            diag[pname][side] = {
                "status": end.status, "value": to_nat(end.value),
                "failed_at": to_nat(end.failed_at), "reason": end.reason,
                "reached": to_nat(end.reached), "reached_delta": end.reached_delta,
            }  # fmt: skip
            if end.status == "crossed" and end.reason:
                warnings.warn(f"profile of {pname}: the {side} end {to_nat(end.value):.4g} is "
                              f"{end.reason}", IfnexusWarning, stacklevel=3)  # fmt: skip
            if end.status == "failed":
                warnings.warn(
                    f"profile of {pname}: the {side} end of the interval was not found (reported "
                    f"as NaN): the likelihood failed at {pname} = {to_nat(end.failed_at):.4g}: "
                    f"{end.reason}; the farthest reliable point is {to_nat(end.reached):.4g} "
                    f"(rise {end.reached_delta:.3g})",
                    IfnexusWarning,
                    stacklevel=3,
                )
        rows += [{"parameter": pname, "value": to_nat(v), "delta": d,
                  "status": "ok" if ok else "failed"} for v, d, ok in res.points]  # fmt: skip
    return cols, rows, diag


def _log_posterior_task(prob: GrowthProblem, item: tuple[np.ndarray, list]) -> float:
    """Return the log posterior at one walker's position, from the modes at the estimate.

    Starting every evaluation from the same modes (not from whatever the previous evaluation
    left) makes the value a function of the position alone, so the chain is the same whether
    the walkers run here, in worker processes or on a cluster.
    """
    x, modes = item
    prob.set_modes(modes)
    return prob.log_posterior(x)


def _to_natural(prob: GrowthProblem, i: int) -> Callable[[float], float]:
    def f(v: float) -> float:
        # an open side maps to the natural limit of its transform: 0 or inf (0 or 1 for logit)
        x = prob.start()
        x[i] = v
        return float(prob.natural(x)[i])

    return f


def vpc_table(
    fit: GrowthFit, *, replicates: int = 200, level: float = 0.9, rng: RngLike = 0
) -> pd.DataFrame:
    """Visual predictive check: simulated and observed volume quantiles per arm and day.

    Each arm is simulated ``replicates`` times with its own animals' count: random effects drawn
    from ``N(0, omega^2)`` at the estimate, residual error with SD ``sigma``.

    Parameters
    ----------
    fit
        The fit.
    replicates
        Simulated animals per observed animal.
    level
        The central prediction interval (e.g. 0.9: the 5th and 95th percentiles).
    rng
        Seed.

    Returns
    -------
    pandas.DataFrame
        ``arm``, ``day``, ``n``, ``obs_lower``, ``obs_median``, ``obs_upper``, ``sim_lower``,
        ``sim_median``, ``sim_upper`` (mm^3).

    Raises
    ------
    ValidationError
        ``replicates`` < 10 or ``level`` not in (0, 1).
    """
    if replicates < 10:
        raise ValidationError(f"replicates must be >= 10, got {replicates}")
    if not 0.0 < level < 1.0:
        raise ValidationError(f"level must lie in (0, 1), got {level:g}")
    g = as_generator(rng)
    prob = fit.problem
    v = prob.natural(fit.x)
    nf, k = len(prob.free), len(prob.random)
    omega, sigma = v[nf : nf + k], v[-1]
    theta = fit.x[:nf]
    q = (1 - level) / 2
    rows = []
    for grp, sim, a in zip(prob.objective.groups, prob.sims, prob.arm_names, strict=True):
        n = grp.y.shape[0] * replicates
        eta = g.standard_normal((n, k)) * omega
        logv = grp.predict(theta, eta) + sigma * g.standard_normal((n, sim.days.size))
        for j, d in enumerate(sim.days):
            obs = np.exp(grp.y[grp.exact[:, j], j])  # measured values (not censored)
            if obs.size == 0:
                continue
            s = np.exp(logv[:, j][np.isfinite(logv[:, j])])
            rows.append({"arm": a, "day": d, "n": obs.size,
                         "obs_lower": np.quantile(obs, q), "obs_median": np.median(obs),
                         "obs_upper": np.quantile(obs, 1 - q),
                         "sim_lower": np.quantile(s, q), "sim_median": np.median(s),
                         "sim_upper": np.quantile(s, 1 - q)})  # fmt: skip
    return pd.DataFrame(rows)
