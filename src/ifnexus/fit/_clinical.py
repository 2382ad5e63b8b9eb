"""Fit of the model to clinical local-control data: maximum likelihood, profiles, posterior.

The statistical model: the ``free`` model parameters are fixed effects (one value for all
patients, estimated on the log scale, logit for fractions); between-patient variability is the
model's own between-tumour spread (radiosensitivity ``alpha`` with ``alpha_cv``, alpha/beta,
clonogen number, growth rate, infiltration, IFN competence and chronic-IFN states: the
``population`` parameters, which may themselves be free); there is no residual error (the
observation is the time of local failure, exact to the follow-up visit).

Likelihood: a patient of group ``g`` (schedule and covariates) fails by time ``t`` with the
model's probability ``F_g(t)``, the mean over ``n`` virtual tumours of the group of each
tumour's probability of local failure by ``t``, with the sampled extinction and lineage count
integrated out (:mod:`ifnexus.fit._clinical_sim`). The tumours are the same at every parameter
value (common random numbers: the same seeded draws). Each tumour's failure-time distribution
is represented by 5 mid-quantile failure times (with probability ``(1 - TCP) / 5`` each),
which move continuously with the parameters, and ``F_g`` is their kernel-smoothed
distribution: a log-normal kernel (Gaussian on log time) whose bandwidth is Silverman's rule
(0.9 min(SD, IQR/1.34) n_eff^(-1/5), ``n_eff`` the expected number of failing virtual
tumours) on the log failure times at the starting values, then kept fixed, so that the
objective is one smooth function of the parameters. (Without smoothing, a tumour with many
surviving lineages fails at an almost fixed time, and the average over a finite population
is a staircase in time that makes the likelihood of an event a step function of the
parameters.) Contributions (an interval likelihood, as a follow-up visit reports it):

- local failure reported at ``t``: ``F_g(t) - F_g(t - w)``, the failure having happened since
  the previous visit, ``w`` (``interval_days``, default one month) earlier;
- censored, or dead without local failure, at ``t``: ``1 - F_g(t)``. The model has no death, so
  a death ends the follow-up for local failure (the cause-specific likelihood, exact when death
  is independent of the tumour's course);

each mixed with weight ``eps = 0.5 / n`` with a uniform failure time over the follow-up (half a
virtual tumour), so that a failure where no virtual tumour fails has a small, finite,
smooth likelihood rather than zero.

The approximation and its Monte Carlo error: ``F_g`` is a Monte Carlo average over ``n``
tumours (standard error at most ``0.5 / sqrt(n)``: 0.031 for 256, 0.016 for 1024), smoothed by
the kernel (a bias of the order of the bandwidth in log time, which shrinks as ``n^(-1/5)``),
with the half-lineage interpolation of the Poisson lineage count and the visit interval
``w``. The error of ``-2 log L`` itself is estimated at the estimate by a jackknife over 16
blocks of tumours (``diagnostics['mc_se_objective']``); because the tumours are common to every
parameter value, most of it shifts the whole surface, but the estimate still moves with the
population. That variance of the estimate, ``V_mc``, is estimated by a jackknife over the same
blocks (:meth:`ClinicalProblem.mc_covariance`: one Newton step per left-out block), and each
profile interval is read at the threshold ``chi2_1(level) (1 + V_mc / V_data)`` (``V_data`` the
inverse of half the Hessian; estimates column ``mc_var_ratio``): to first order the interval
of an estimate whose variance is the data's plus the population's, which add because the
population is drawn apart from the data (the simulation-noise correction of simulated maximum
likelihood). Without it the 90% interval covered 75% of 40 simulated 300-patient studies at
256 tumours per group (``V_mc / V_data`` about 0.9); with it 88%
(``benchmarks/fit_clinical_coverage.py``, ``docs/fit.md``). The kernel bandwidth is held fixed
by the jackknife, so ``V_mc`` is somewhat underestimated for small populations.

Estimate, intervals and posterior: the growth fit's machinery (:mod:`ifnexus.fit._growth`):
L-BFGS-B in a moving trust box, profile likelihood (Raue et al. 2009) with the same threshold
and search; the posterior with weakly informative log-normal priors (10-fold SD around the
model's values) is sampled by the sampler of every fit (:mod:`ifnexus.fit._sampler`: emcee,
walkers from the Laplace approximation, run until it passes the same convergence rule).
The conventions of lifelines' parametric fitters are kept: ``-2 log L`` sums log densities of
events and log survival of censored times, parameters are estimated on unconstrained scales.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ifnexus._rng import RngLike, as_generator, seed_entropy
from ifnexus.errors import ConvergenceError, UnknownNameError, ValidationError
from ifnexus.fit._clinical_data import DAYS_PER_MONTH, MAX_DAYS, ClinicalData
from ifnexus.fit._clinical_sim import FailureCurves, GroupSimulator
from ifnexus.fit._data import suggest
from ifnexus.fit._result import FitResult
from ifnexus.fit._sampler import sample_posterior

__all__ = [
    "DEFAULT_CLINICAL_FREE",
    "ClinicalFit",
    "ClinicalProblem",
    "clinical_free_names",
    "clinical_vpc_table",
    "fit_clinical",
]

DEFAULT_CLINICAL_FREE = ("alpha", "alpha_cv")
"""Fixed effects of a clinical fit by default: the median radiosensitivity of the patients'
tumours and its between-tumour coefficient of variation (what a local-control curve's level and
slope over dose tell apart)."""
_PRIOR_SD = math.log(10.0)
_BOUND = math.log(20.0)
_JACKKNIFE_BLOCKS = 16
_QUANTILES = 5
Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def clinical_free_names() -> tuple[str, ...]:
    """Return the model parameters a clinical fit may estimate.

    Every parameter of the patient setting except the probabilities of sampled binary states
    (``p_*``: under common random numbers a tumour's state flips at one value, so the
    likelihood would be a step function of them) and the IFN label thresholds (which do not
    change local failure).

    Returns
    -------
    tuple of str
        Parameter names.
    """
    from ifnexus.model import PARAMETERS

    return tuple(p.name for p in PARAMETERS
                 if not p.name.startswith("p_") and p.name not in ("ifn_acute_min",
                                                                   "ifn_chronic_min"))  # fmt: skip


@dataclass
class ClinicalProblem:
    """Clinical data with the model, ready to evaluate ``-2 log L``.

    Parameters
    ----------
    data
        The checked clinical data.
    free
        Fixed effects (model parameter names, :func:`clinical_free_names`).
    params
        Values of other model parameters (overrides of the patient setting).
    n_tumours
        Virtual tumours per patient group.
    seed
        Seed of the virtual tumours (common to every parameter value).
    interval_days
        Width of the interval in which a reported failure happened.
    days
        Simulated follow-up from the first fraction (default: five years, or the longest
        follow-up of the data if longer).
    """

    data: ClinicalData
    free: tuple[str, ...] = DEFAULT_CLINICAL_FREE
    params: dict[str, float] = field(default_factory=dict)
    n_tumours: int = 1024
    seed: int = 0
    interval_days: float = DAYS_PER_MONTH
    days: float | None = None
    setting: str = field(default="patient", init=False)

    def __post_init__(self) -> None:
        from ifnexus.fit._growth import _check_names
        from ifnexus.model import get_parameter, parameters

        self.free = _check_names(list(self.free), clinical_free_names(), "free", "parameter")
        if self.n_tumours < 64:
            raise ValidationError(f"n_tumours must be >= 64, got {self.n_tumours}")
        if not self.interval_days > 0:
            raise ValidationError(f"interval_days must be > 0, got {self.interval_days:g}")
        self.base = parameters(self.setting, **self.params)
        self._logit = np.array([get_parameter(n).upper == 1.0 for n in self.free])
        t = self.data.table
        if self.days is None:
            self.days = float(min(max(1825.0, math.ceil(float(t["time"].max()))), MAX_DAYS))
        self.sims = [GroupSimulator(g, self.days, self.n_tumours, self.seed)
                     for g in self.data.groups]  # fmt: skip
        self._rows = []
        for k in range(len(self.data.groups)):
            sub = t[t["group"] == k]
            tt = sub["time"].to_numpy(dtype=float)
            ev = sub["event"].to_numpy()
            self._rows.append((tt, ev == 1))
        self._eps = 0.5 / self.n_tumours
        self._last: tuple[bytes, list[FailureCurves]] | None = None
        self.bandwidth = self._bandwidths(self.start())

    @property
    def names(self) -> list[str]:
        """Names of the estimated quantities (the free parameters), in vector order."""
        return list(self.free)

    def natural(self, x: np.ndarray) -> np.ndarray:
        """Map a transformed vector to parameter values (exp, or expit for fractions).

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
        out = np.exp(x)
        out[self._logit] = 1.0 / (1.0 + np.exp(-x[self._logit]))
        return out

    def transformed(self, v: np.ndarray) -> np.ndarray:
        """Map parameter values to the transformed vector (inverse of :meth:`natural`).

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
        with np.errstate(divide="ignore"):
            x = np.log(v)
            x[self._logit] = np.log(v[self._logit] / (1.0 - v[self._logit]))
        return x

    def start(self) -> np.ndarray:
        """Return the starting point: the patient setting's values (transformed).

        Returns
        -------
        numpy.ndarray
            Transformed vector.
        """
        return self.transformed(np.array([self.base[n] for n in self.free]))

    def bounds(self) -> list[tuple[float, float]]:
        """Return the bounds of the transformed vector: 20-fold around the setting's values.

        Returns
        -------
        list of (float, float)
            Log (logit for fractions: -12..12) bounds.
        """
        x0 = self.start()
        return [(-12.0, 12.0) if self._logit[i] else (x0[i] - _BOUND, x0[i] + _BOUND)
                for i in range(len(self.free))]  # fmt: skip

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
            A value outside the parameter's range.
        """
        from ifnexus.model import parameters

        v = self.natural(x)
        return parameters(self.setting, **{**self.params, **dict(zip(self.free, v, strict=True))})

    def curves(self, x: np.ndarray) -> list[FailureCurves]:
        """Return every group's failure-time distributions at ``x`` (cached for the last ``x``).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        list of FailureCurves
            One per group.
        """
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        p = self.model_params(x)
        out = [s.curves(p) for s in self.sims]
        self._last = (key, out)
        return out

    def _bandwidths(self, x: np.ndarray) -> np.ndarray:
        """Silverman's rule on the log failure times of each group's virtual tumours at ``x``."""
        out = []
        for c in self.curves(x):
            T, P = c.failure_times(_QUANTILES)
            ok = np.isfinite(T) & (T > 0) & (P > 0)
            tot = float(P[ok].sum())
            if tot <= 1e-9:
                out.append(0.1)
                continue
            lt, w = np.log(T[ok]), P[ok] / tot
            mean = float(np.sum(w * lt))
            sd = math.sqrt(max(float(np.sum(w * (lt - mean) ** 2)), 1e-12))
            o = np.argsort(lt)
            cw = np.cumsum(w[o])
            q1, q3 = lt[o][np.searchsorted(cw, 0.25)], lt[o][np.searchsorted(cw, 0.75)]
            spread = min(sd, (q3 - q1) / 1.34) if q3 > q1 else sd
            n_eff = max(tot, 10.0)  # expected failing tumours (P sums to n x P(fail))
            out.append(float(np.clip(0.9 * spread * n_eff**-0.2, 0.02, 0.5)))
        return np.array(out)

    def _smoothed(self, c: FailureCurves, t: np.ndarray, h: float, blocks: bool) -> np.ndarray:
        """Kernel-smoothed probability of failure by each time ``t`` (log-normal kernel).

        Mean over tumours (one row), or with ``blocks`` one row per leave-one-block-out mean.
        """
        T, P = c.failure_times(_QUANTILES)
        with np.errstate(divide="ignore"):
            lt = np.log(np.maximum(T, 1e-6))
            lq = np.log(t)
        z = (lq[None, None, :] - lt[:, :, None]) / h
        per = np.einsum("nm,nmq->nq", P, special.ndtr(z))  # (n_ok, n_times)
        n = per.shape[0]
        if not blocks:
            return per.mean(axis=0, keepdims=True)
        idx = np.array_split(np.arange(n), _JACKKNIFE_BLOCKS)
        tot = per.sum(axis=0)
        return np.stack([(tot - per[i].sum(axis=0)) / (n - i.size) for i in idx])

    def _terms(self, curves: list[FailureCurves], per_tumour: bool = False) -> list[np.ndarray]:
        """Per group: each patient's likelihood, or per left-out block of tumours and patient."""
        w = float(self.interval_days)
        span = float(self.days)  # type: ignore[arg-type]
        out = []
        for c, (tt, fail), h in zip(curves, self._rows, self.bandwidth, strict=True):
            lo = np.maximum(tt - w, 0.0)
            n = tt.size
            S = self._smoothed(c, np.concatenate([tt, lo]), float(h), per_tumour)
            f_hi, f_lo = S[:, :n], S[:, n:]
            u_ev = (tt - lo) / span
            u_surv = np.clip(1.0 - tt / span, 0.0, 1.0)
            lik = np.where(fail[None, :], f_hi - f_lo, 1.0 - f_hi)
            unif = np.where(fail, u_ev, u_surv)[None, :]
            out.append((1.0 - self._eps) * np.clip(lik, 0.0, 1.0) + self._eps * unif)
        return out

    def __call__(self, x: np.ndarray) -> float:
        """Return ``-2 log L`` at transformed vector ``x`` (``inf`` outside the model's range).

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        float
            The objective.
        """
        try:
            curves = self.curves(x)
        except (ValidationError, ConvergenceError):
            return float("inf")
        terms = self._terms(curves)
        with np.errstate(divide="ignore"):
            v = -2.0 * float(sum(np.log(t).sum() for t in terms))
        return v if np.isfinite(v) else float("inf")

    def mc_se(self, x: np.ndarray) -> float:
        """Jackknife standard error of ``-2 log L`` at ``x`` over 16 blocks of virtual tumours.

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        float
            The Monte Carlo standard error of the objective.
        """
        v = self._block_objectives(x)
        b = v.size
        return float(math.sqrt((b - 1) / b * np.sum((v - v.mean()) ** 2)))

    def _block_objectives(self, x: np.ndarray) -> np.ndarray:
        """``-2 log L`` at ``x`` with each block of virtual tumours left out (16 values)."""
        terms = self._terms(self.curves(x), per_tumour=True)
        return np.array([-2.0 * sum(float(np.log(t[b]).sum()) for t in terms)
                         for b in range(terms[0].shape[0])])  # fmt: skip

    def mc_covariance(self, x: np.ndarray, hessian: np.ndarray, h: float = 1e-3) -> np.ndarray:
        """Jackknife covariance of the estimate due to the finite virtual population.

        The estimate with block ``b`` of virtual tumours left out is, to first order,
        ``x_b = x - H^-1 g_b`` (one Newton step from the estimate ``x``; ``g_b`` the
        central-difference gradient of the leave-block-out ``-2 log L`` at ``x``, ``H`` the
        Hessian of ``-2 log L``), and the jackknife covariance of the estimate over the 16
        blocks is ``(B - 1) / B * sum_b (x_b - mean)(x_b - mean)'``. It is the variance the
        estimate would show across independently drawn virtual populations for the same data.

        Parameters
        ----------
        x
            The estimate (transformed vector).
        hessian
            Hessian of ``-2 log L`` at ``x``.
        h
            Step of the central differences.

        Returns
        -------
        numpy.ndarray
            ``(d, d)`` covariance on the transformed scale (NaN when the Hessian is singular).
        """
        x = np.asarray(x, dtype=float)
        d = x.size
        g = np.empty((_JACKKNIFE_BLOCKS, d))
        for i in range(d):
            e = np.zeros(d)
            e[i] = h
            g[:, i] = (self._block_objectives(x + e) - self._block_objectives(x - e)) / (2 * h)
        try:
            steps = np.linalg.solve(np.asarray(hessian, dtype=float), (g - g.mean(axis=0)).T).T
        except np.linalg.LinAlgError:
            return np.full((d, d), np.nan)
        b = g.shape[0]
        return (b - 1) / b * steps.T @ steps

    def log_prior(self, x: np.ndarray) -> float:
        """Return the log prior density at ``x``: log-normal, 10-fold SD around the defaults.

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
        z = (x - self.start()) / _PRIOR_SD
        return float(-0.5 * np.sum(z**2))

    def log_posterior(self, x: np.ndarray) -> float:
        """Return log prior + log likelihood (``-inf`` where either is not finite).

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
        """Return each patient's model probabilities at the estimate.

        Parameters
        ----------
        x
            Transformed vector.

        Returns
        -------
        pandas.DataFrame
            ``patient``, ``group``, ``time_days``, ``event``, ``p_failure_by_time`` (the
            model's probability of local failure by the patient's time) and ``likelihood``
            (the patient's contribution).
        """
        curves = self.curves(x)
        terms = self._terms(curves)
        t = self.data.table
        rows = []
        for k, (c, lik) in enumerate(zip(curves, terms, strict=True)):
            sub = t[t["group"] == k]
            rows.append(pd.DataFrame({
                "patient": sub["patient"].to_numpy(), "group": self.data.groups[k].label,
                "time_days": sub["time"].to_numpy(), "event": sub["event"].to_numpy(),
                "p_failure_by_time": c.cdf(sub["time"].to_numpy()), "likelihood": lik[0]}))  # fmt: skip
        return pd.concat(rows, ignore_index=True)


@dataclass
class ClinicalFit(FitResult):
    """The result of :func:`fit_clinical`.

    Attributes
    ----------
    problem
        The fitted :class:`ClinicalProblem`.
    x
        The estimate (transformed vector).
    objective
        ``-2 log L`` at the estimate.
    converged
        Whether the optimiser (and, when sampled, the posterior diagnostics) converged.
    estimates
        One row per free parameter: ``parameter``, ``kind``, ``estimate``, ``default``,
        ``wald_se_log``, ``profile_lower``, ``profile_upper``, their ``*_status`` and
        ``*_failed_at`` (see :func:`~ifnexus.fit._growth.profile_columns`), ``mc_var_ratio``
        (the Monte Carlo variance of the estimate over its variance from the data) and, when
        sampled, ``posterior_median``, ``cri_lower``, ``cri_upper``, ``rhat``, ``ess``.
    profiles
        Profile points: ``parameter``, ``value``, ``delta``, ``status`` ("ok" / "failed").
    draws
        Posterior draws, tidy: ``walker``, ``step``, ``parameter``, ``value`` (empty when not
        sampled).
    diagnostics
        Optimiser, profile, Monte Carlo and sampler diagnostics.
    level
        Interval level.
    """

    problem: ClinicalProblem


def fit_clinical(
    data: ClinicalData,
    *,
    free: Sequence[str] = DEFAULT_CLINICAL_FREE,
    params: dict[str, float] | None = None,
    level: float = 0.9,
    profile_params: Sequence[str] | None = None,
    posterior: bool = False,
    walkers: int | None = None,
    steps: int = 1000,
    n_tumours: int = 1024,
    interval_days: float = DAYS_PER_MONTH,
    start: dict[str, float] | None = None,
    mc_intervals: bool = True,
    rng: RngLike = 0,
    progress: Progress | None = None,
) -> ClinicalFit:
    """Fit model parameters to clinical local-control data.

    Parameters
    ----------
    data
        The clinical data (:func:`~ifnexus.fit.read_clinical`).
    free
        Model parameters estimated (:func:`clinical_free_names`).
    params
        Other model parameters' values (overrides of the patient setting).
    level
        Level of the profile and credible intervals.
    profile_params
        Parameters profiled (default all free ones).
    posterior
        Sample the posterior with emcee (at most ``walkers x steps`` likelihood evaluations).
    walkers
        emcee walkers (default ``max(16, 2 * n + 2)``).
    steps
        Most emcee steps per walker (a cap): the sampler stops at the first check (every 100
        steps from step 200) where the posterior passes the convergence rule of every fit
        (:data:`ifnexus.fit._sampler.POSTERIOR_RULE`: R-hat, ESS, acceptance and a chain 50
        autocorrelation times long); the first half of the steps run is warm-up. Fewer than
        200 steps run exactly.
    n_tumours
        Virtual tumours per patient group.
    interval_days
        Width of the interval in which a reported failure happened (default one month).
    start
        Starting values of some free parameters (default the setting's values).
    mc_intervals
        Widen each profile interval for the Monte Carlo error of the estimate: the threshold
        of ``-2 log L`` is multiplied by ``1 + V_mc / V_data`` (the estimates' column
        ``mc_var_ratio``; module docstring). ``False``: the plain likelihood-ratio interval.
    rng
        Seed of the virtual tumours and of the sampler.
    progress
        Called with a message at each stage.

    Returns
    -------
    ClinicalFit
        The estimate, intervals, draws and diagnostics; ``converged`` says whether it
        converged (the caller decides what to do when not).

    Raises
    ------
    UnknownNameError
        An unknown name in ``free``, ``profile_params`` or ``start`` (with close names).
    ValidationError
        ``level`` not in (0, 1), ``steps`` < 20, ``n_tumours`` < 64, a name given twice.
    ConvergenceError
        The likelihood is not finite anywhere the optimiser looked.
    """
    from ifnexus.fit._growth import (
        _hessian,
        _minimise,
        interval_method,
        profile,
        profile_columns,
    )

    if not 0.0 < level < 1.0:
        raise ValidationError(f"level must lie in (0, 1), got {level:g}")
    if posterior and steps < 20:
        raise ValidationError(f"steps must be >= 20, got {steps}")
    step = progress or _noop
    seed = seed_entropy(rng)
    prob = ClinicalProblem(data, tuple(free), dict(params or {}), n_tumours=n_tumours,
                           seed=seed, interval_days=interval_days)  # fmt: skip
    names = prob.names
    prof = list(prob.free) if profile_params is None else list(profile_params)
    for n in prof:
        if n not in names:
            raise UnknownNameError(f"profile: unknown quantity {n!r}{suggest(n, names)} "
                                   f"(accepted: {', '.join(names)})")  # fmt: skip
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
    t0 = time.perf_counter()
    n_pat = len(data.table)
    step(f"maximum likelihood ({len(names)} parameters, {n_pat} patients, "
         f"{len(data.groups)} group(s) x {n_tumours} virtual tumours)")  # fmt: skip
    res = _minimise(prob, x0, bounds)
    x_hat, f_hat = res.x, float(res.fun)
    if not np.isfinite(f_hat) or f_hat >= 1e299:
        raise ConvergenceError("the likelihood is not finite anywhere the optimiser looked; "
                               "check the data's time unit and schedules")  # fmt: skip
    at_bound = [names[i] for i, (lo, hi) in enumerate(bounds)
                if min(x_hat[i] - lo, hi - x_hat[i]) < 1e-6]  # fmt: skip
    t_mle = time.perf_counter() - t0
    H = _hessian(prob, x_hat)
    try:
        cov = np.linalg.inv(0.5 * H)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        se[~np.isfinite(se)] = np.nan
    except np.linalg.LinAlgError:
        cov = None
        se = np.full(len(names), np.nan)
    # the finite virtual population adds its own variance to the estimate's: the profile
    # threshold is raised by (V_data + V_mc) / V_data (module docstring)
    step("Monte Carlo error of the estimate (jackknife over blocks of virtual tumours)")
    with np.errstate(invalid="ignore", divide="ignore"):
        v_mc = np.diag(prob.mc_covariance(x_hat, H))
        ratio = v_mc / (se**2)
    ratio = np.where(np.isfinite(ratio) & (ratio > 0), ratio, 0.0)
    target = float(stats.chi2.ppf(level, 1))
    prof_res = []
    for k, pname in enumerate(prof):
        i = names.index(pname)
        step(f"profile likelihood {k + 1}/{len(prof)}: {pname}")
        sc = se[i] if np.isfinite(se[i]) and se[i] > 0 else 0.3
        slope = cov[:, i] / cov[i, i] if cov is not None and cov[i, i] > 0 else None
        lvl = float(stats.chi2.cdf(target * (1.0 + ratio[i]), 1)) if mc_intervals else level
        prof_res.append(profile(prob, x_hat, f_hat, i, bounds, level=lvl, scale=float(sc),
                                slope=slope, hessian=H))  # fmt: skip
    cols, prof_rows, prof_diag = profile_columns(
        names, prof, prof_res, lambda i: _to_natural(prob, i)
    )
    t_prof = time.perf_counter() - t0 - t_mle
    est = pd.DataFrame({
        "parameter": names,
        "kind": ["fixed"] * len(names),
        "estimate": prob.natural(x_hat),
        "default": [prob.base[n] for n in prob.free],
        "wald_se_log": se,
        **cols,
        "mc_var_ratio": ratio,
    })  # fmt: skip
    d = data.table
    diag: dict[str, Any] = {
        "method": "interval likelihood of local-failure times from the model's virtual tumours "
                  "(common random numbers, lineage draws integrated out); L-BFGS-B; "
                  + interval_method(prof, posterior),
        "optimizer": {"success": bool(res.success), "message": str(res.message),
                      "iterations": int(res.nit), "evaluations": int(res.nfev),
                      "at_bound": at_bound, "seconds": round(t_mle, 3)},
        "objective": f_hat,
        "mc_se_objective": prob.mc_se(x_hat),
        "mc_intervals": bool(mc_intervals),
        "n_patients": n_pat,
        "n_local_failures": int((d["event"] == 1).sum()),
        "n_deaths": int((d["event"] == 2).sum()),
        "n_tumours_per_group": n_tumours,
        "interval_days": float(interval_days),
        "followup_days": prob.days,
        "seed": seed,
        "profile_seconds": round(t_prof, 3),
        "profiles": prof_diag,
        "level": level,
    }  # fmt: skip
    converged = bool(res.success)
    draws = pd.DataFrame(columns=["walker", "step", "parameter", "value"])
    if posterior:
        step(f"posterior: emcee, up to {steps} steps")

        def log_post(xs: np.ndarray) -> np.ndarray:
            return np.array([prob.log_posterior(x) for x in xs], dtype=float)

        ps = sample_posterior(log_post, x_hat, cov, bounds, prob.natural, names, walkers=walkers,
                              steps=steps, seed=seed, level=level, progress=step,
                              purpose="the posterior of a clinical fit")  # fmt: skip
        draws, post_diag, summ = ps.draws, ps.diagnostics, ps.summary
        est = pd.concat([est, summ], axis=1)
        diag["posterior"] = post_diag
        converged = converged and post_diag["converged"]
    diag["converged"] = converged
    diag["seconds"] = round(time.perf_counter() - t0, 3)
    return ClinicalFit(prob, x_hat, f_hat, converged, est, pd.DataFrame(prof_rows), draws, diag,
                       level)  # fmt: skip


def _to_natural(prob: ClinicalProblem, i: int) -> Callable[[float], float]:
    def f(v: float) -> float:
        # an open side maps to the natural limit of its transform: 0 or inf (0 or 1 for logit)
        x = prob.start()
        x[i] = v
        return float(prob.natural(x)[i])

    return f


def _cif(time_: np.ndarray, event: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Aalen-Johansen cumulative incidence of event 1 (2 competing, 0 censored) at ``grid``."""
    from ifnexus.outcome._cuminc import _cinc

    o = np.argsort(time_, kind="stable")
    t, e = time_[o], event[o]
    ut, F, _, _ = _cinc(t, e > 0, e == 1)
    if ut.size == 0:
        return np.zeros(grid.size)
    j = np.searchsorted(ut, grid, side="right") - 1
    return np.where(j >= 0, F[np.maximum(j, 0)], 0.0)


def clinical_vpc_table(
    fit: ClinicalFit,
    *,
    replicates: int = 200,
    level: float = 0.9,
    step_days: float = DAYS_PER_MONTH,
    rng: RngLike = 0,
) -> pd.DataFrame:
    """Clinical visual predictive check: observed and simulated local-failure curves per group.

    Each replicate study keeps every patient's observed follow-up: a failure time is drawn
    from the fitted model's distribution of the patient's group; a patient who was censored or
    died at ``t`` keeps that end of follow-up (and status) unless the drawn failure comes
    first; a patient who failed is followed to the group's longest follow-up. Each replicate's
    Aalen-Johansen cumulative incidence of local failure (deaths competing) is computed as the
    observed one is.

    Parameters
    ----------
    fit
        The fit.
    replicates
        Simulated studies.
    level
        The central band (0.9: the 5th and 95th percentiles of the replicates).
    step_days
        Spacing of the reported times.
    rng
        Seed.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``time_days``, ``time_months``, ``observed``, ``model`` (the model's
        probability of local failure by the time, without deaths), ``sim_lower``,
        ``sim_median``, ``sim_upper`` (cumulative incidence of local failure).

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
    curves = prob.curves(fit.x)
    t = prob.data.table
    q = (1 - level) / 2
    fine = np.arange(0.0, float(prob.days or 0.0) + 1.0, 1.0)
    rows = []
    for k, c in enumerate(curves):
        sub = t[t["group"] == k]
        tt = sub["time"].to_numpy(dtype=float)
        ev = sub["event"].to_numpy()
        grid = np.arange(0.0, tt.max() + 1e-9, step_days)
        Ff = c.cdf(fine)
        Ff = np.maximum.accumulate(Ff)
        c_end = np.where(ev == 1, tt.max(), tt)
        s_end = np.where(ev == 1, 0, ev)
        sims = np.empty((replicates, grid.size))
        for r in range(replicates):
            u = g.random(tt.size)
            j = np.searchsorted(Ff, u, side="left")
            tf = np.where(j < fine.size, fine[np.minimum(j, fine.size - 1)], np.inf)
            first = tf <= c_end
            sims[r] = _cif(np.where(first, tf, c_end), np.where(first, 1, s_end), grid)
        rows.append(pd.DataFrame({
            "group": prob.data.groups[k].label, "time_days": grid,
            "time_months": grid / DAYS_PER_MONTH, "observed": _cif(tt, ev, grid),
            "model": c.cdf(grid), "sim_lower": np.quantile(sims, q, axis=0),
            "sim_median": np.median(sims, axis=0), "sim_upper": np.quantile(sims, 1 - q, axis=0),
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)
