"""The model's distribution of the time to local failure of a patient group, smooth in the parameters.

``simulate_cohort`` samples each tumour's outcome: extinct with probability TCP (Zaider-Minerbo),
else ``K >= 1`` surviving lineages (``K ~ Poisson(mu)``, ``mu = -ln TCP``), whose burden
``N(t) K / mu`` fails when it first reaches the failure threshold after the bottleneck and
the last fraction. A likelihood built from such samples is a step function of the parameters
(a tumour flips from controlled to failed at one parameter value). This module computes the
same distribution with the two discrete draws integrated out (Rao-Blackwellised): for virtual
tumour ``i`` with clonogen trajectory ``ln N_i(t)`` (the model's kernel), threshold ``thr_i``
and ``mu_i``, the probability of local failure by time ``t`` is

    F_i(t) = P(K >= max(1, x_i(t))),   x_i(t) = mu_i exp(thr_i - M_i(t)),

where ``M_i(t)`` is the highest ``ln N_i`` reached between the bottleneck (after the last
fraction) and ``t`` along the model's linear interpolation between grid nodes: exactly the
model's crossing rule. The Poisson tail at the integer ``ceil(x)`` is replaced by its
continuous interpolation ``P(a, mu)`` (the regularised lower incomplete gamma function, equal
to ``P(K >= a)`` at integers) at ``a = max(x + 1/2, 1)``, the midpoint of the interval of
``x`` sharing one integer tail: this changes a lineage count by at most half a lineage and
makes ``F_i`` smooth in ``t`` and in the parameters. Extinction (``K = 0``) is exact:
``F_i <= 1 - TCP_i``.

The virtual tumours are the model's own (``model._cohort.tumour_batch``: the same seeded
uniform draws, blocks, trait transforms, drive and probe nodes as ``simulate_cohort(seed)``,
which is what makes the tumours the same at every parameter value: common random numbers),
integrated on the same grid by the model's kernel; ``TCP_i`` equals the cohort's ``tcp``
column for the same seed (a test, to the solver grid's accuracy).
Written here, beside the model rather than in it, because the cohort simulator returns sampled
outcomes only.

Monte Carlo error: the group's failure distribution is the mean of ``F_i`` over ``n`` virtual
tumours; its standard error at any time is at most ``0.5 / sqrt(n)`` (0.016 at 1024) and is
the same at every parameter value (common random numbers), so it shifts the likelihood surface
rather than roughening it. :func:`ifnexus.fit._clinical.fit_clinical` reports a jackknife
estimate of it for ``-2 log L`` at the estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from ifnexus.errors import ConvergenceError
from ifnexus.fit._clinical_data import PatientGroup

if TYPE_CHECKING:
    from ifnexus.model._cohort import TumourBatch

__all__ = ["FailureCurves", "GroupSimulator"]


@dataclass
class FailureCurves:
    """Per-tumour failure-time distributions of one group at one parameter set.

    Attributes
    ----------
    t_first
        Day of the first fraction on the simulation clock.
    t_end
        Last simulated day (``t_first + days``).
    nodes
        Grid times (simulation clock).
    ln_n
        ``ln N`` per tumour and node, ``(n, n_nodes)``.
    start
        Per tumour, the node of the bottleneck (first node from which a failure can occur).
    cummax
        Running maximum of ``ln N`` from ``start`` (``-inf`` before it), ``(n, n_nodes)``.
    mu
        ``-ln TCP`` per tumour (0 for a tumour bed without residual clonogens).
    ln_thr
        ``ln`` of the failure threshold per tumour.
    ok
        Tumours whose integration was finite.
    """

    t_first: float
    t_end: float
    nodes: np.ndarray
    ln_n: np.ndarray
    start: np.ndarray
    cummax: np.ndarray
    mu: np.ndarray
    ln_thr: np.ndarray
    ok: np.ndarray

    @property
    def tcp(self) -> np.ndarray:
        """Zaider-Minerbo TCP per tumour."""
        return np.exp(-self.mu)

    def per_tumour(self, times: np.ndarray) -> np.ndarray:
        """Return ``F_i(t)`` for every good tumour and time.

        Parameters
        ----------
        times
            Days from the first fraction (any shape is flattened); times after the follow-up
            are read at its end.

        Returns
        -------
        numpy.ndarray
            ``(n_ok, n_times)`` probabilities of local failure by each time.
        """
        t = np.clip(np.ravel(np.asarray(times, dtype=float)) + self.t_first, self.t_first,
                    self.t_end)  # fmt: skip
        nodes = self.nodes
        k = np.clip(np.searchsorted(nodes, t, side="right") - 1, 0, nodes.size - 2)
        frac = np.clip((t - nodes[k]) / (nodes[k + 1] - nodes[k]), 0.0, 1.0)
        ln_n, cm, st = self.ln_n[self.ok], self.cummax[self.ok], self.start[self.ok]
        seg = ln_n[:, k] + frac[None, :] * (ln_n[:, k + 1] - ln_n[:, k])
        reached = np.maximum(cm[:, k], np.where(k[None, :] >= st[:, None], seg, -np.inf))
        # at t exactly on the bottleneck node (k = start - 1, frac = 1) the node counts
        reached = np.where((k[None, :] + 1 == st[:, None]) & (frac[None, :] >= 1.0),
                           ln_n[:, k + 1], reached)  # fmt: skip
        mu = self.mu[self.ok][:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            x = mu * np.exp(self.ln_thr[self.ok][:, None] - reached)
        a = np.maximum(np.nan_to_num(x, nan=np.inf, posinf=np.inf) + 0.5, 1.0)
        out = np.where(np.isfinite(a), special.gammainc(np.where(np.isfinite(a), a, 1.0), mu), 0.0)
        return np.where(mu > 0, out, 0.0)

    def failure_times(self, m: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """Return ``m`` mid-quantile failure times per tumour and their probabilities.

        Quantile ``k`` of tumour ``i`` is the time at which the running maximum of ``ln N_i``
        reaches ``thr_i - s``, ``s`` the ``(k + 1/2) / m`` mid-quantile of the lineage shift
        ``ln(K / mu)`` among surviving tumours (under the continuous Poisson tail of the
        module docstring, inverted by bisection); its probability is ``(1 - TCP_i) / m``.
        The times move continuously with the parameters; a level not reached within the
        follow-up is extrapolated along the last growth rate (infinite when not regrowing).

        Parameters
        ----------
        m
            Quantiles per tumour.

        Returns
        -------
        tuple of numpy.ndarray
            Times (days from the first fraction) and probabilities, each ``(n_ok, m)``.
        """
        mu = self.mu[self.ok]
        n = mu.size
        p_fail = -np.expm1(-mu)
        u = p_fail[:, None] * (np.arange(m)[None, :] + 0.5) / m
        lo = np.ones((n, m))
        hi = np.broadcast_to((mu + 12.0 * np.sqrt(mu) + 12.0)[:, None], (n, m)).copy()
        mu2 = np.broadcast_to(mu[:, None], (n, m))
        for _ in range(50):  # P(K >= a) = gammainc(a, mu) falls with a: bisection for = u
            mid = 0.5 * (lo + hi)
            above = special.gammainc(mid, mu2) > u
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        a = 0.5 * (lo + hi)
        with np.errstate(divide="ignore"):
            shift = np.log(np.maximum(a - 0.5, 1e-300)) - np.log(np.maximum(mu, 1e-300))[:, None]
        level = self.ln_thr[self.ok][:, None] - shift  # (n, m)
        ln_n, cm, st = self.ln_n[self.ok], self.cummax[self.ok], self.start[self.ok]
        nodes = self.nodes
        hit = cm[:, None, :] >= level[:, :, None]  # (n, m, n_t)
        any_hit = hit.any(axis=2)
        j = np.argmax(hit, axis=2)
        rows = np.arange(n)[:, None]
        jm = np.maximum(j - 1, 0)
        y1 = ln_n[rows, j]
        y0 = ln_n[rows, jm]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(y1 > y0, (level - y0) / (y1 - y0), 1.0)
        w = np.clip(w, 0.0, 1.0)
        t_hit = np.where(j > st[:, None], nodes[jm] + w * (nodes[j] - nodes[jm]), nodes[j])
        slope = (ln_n[:, -1] - ln_n[:, -2]) / (nodes[-1] - nodes[-2])
        with np.errstate(divide="ignore", invalid="ignore"):
            t_ext = np.where(slope[:, None] > 1e-9,
                             nodes[-1] + (level - ln_n[:, -1][:, None]) / slope[:, None], np.inf)  # fmt: skip
        t = np.where(any_hit, t_hit, np.maximum(t_ext, nodes[-1])) - self.t_first
        prob = np.where(mu[:, None] > 0, p_fail[:, None] / m, 0.0) * np.ones((1, m))
        return t, prob

    def cdf(self, times: np.ndarray) -> np.ndarray:
        """Return the group's probability of local failure by each time (mean over tumours).

        Parameters
        ----------
        times
            Days from the first fraction.

        Returns
        -------
        numpy.ndarray
            One probability per time.
        """
        return self.per_tumour(times).mean(axis=0)


@dataclass
class GroupSimulator:
    """The virtual population of one patient group, simulated at any parameter set.

    Parameters
    ----------
    group
        The group's schedule and covariates.
    days
        Follow-up simulated from the first fraction.
    n
        Virtual tumours.
    entropy
        Seed of the tumours' draws (the same tumours at every parameter value).
    setting
        Parameter setting (``"patient"``).
    """

    group: PatientGroup
    days: float
    n: int = 1024
    entropy: int = 0
    setting: str = "patient"
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._batch()  # the group's settings are checked here, before any fit

    def _batch(self, p: Mapping[str, float] | None = None) -> TumourBatch:
        """Return the group's tumours at ``p``: the cohort's own (``tumour_batch``)."""
        from ifnexus.model._cohort import tumour_batch

        g = self.group
        return tumour_batch(g.schedule, self.n, rng=self.entropy, params=dict(p or {}),
                            setting=self.setting, disease=g.disease, genotype=g.genotype,
                            interventions=list(g.interventions), days=self.days,
                            margin=g.margin)  # fmt: skip

    def curves(self, p: Mapping[str, float]) -> FailureCurves:
        """Simulate the group's tumours at parameter set ``p``.

        Parameters
        ----------
        p
            Every model parameter by name (``ifnexus.model.parameters(setting, ...)``).

        Returns
        -------
        FailureCurves
            The per-tumour failure-time distributions.

        Raises
        ------
        ConvergenceError
            When no tumour integrates to finite values.
        """
        from ifnexus.model._outcomes import zm_tcp
        from ifnexus.model._solver import build_grid, grid_options, integrate
        from ifnexus.model._system import IDX, initial_state

        b = self._batch(p)
        pd_, q, sched, drive = b.p, b.traits, b.schedule, b.drive
        t_first, t_last = sched.first_day, sched.last_day
        t0, t_end, probes = b.t0, b.t_end, b.probes
        key = (pd_.get("k_ag"), pd_.get("k_pd1"))
        grid = self._cache.get(key)
        if grid is None:
            grid = build_grid(sched, drive, t0, t_end, probes=probes,
                              **grid_options(self.setting))  # fmt: skip
            self._cache[key] = grid
        z0 = initial_state(pd_, q, self.n)
        sol = integrate(z0, pd_, q, sched, drive, t0, t_end, record_rows=(IDX["N"],),
                        probes=probes, grid=grid, check_finite=False)  # fmt: skip
        ln_n = np.asarray(sol.rec[:, :, 0], dtype=float)  # type: ignore[index]
        z_end = sol.z_end
        ok = np.isfinite(z_end).all(axis=0) & np.isfinite(ln_n).all(axis=1)
        if not ok.any():
            raise ConvergenceError("the model integration produced non-finite values; check "
                                   "parameters")  # fmt: skip
        tcp = zm_tcp(z_end[IDX["N"]], z_end[IDX["zm_lambda"]], q["n0"])
        mu = -np.log(np.clip(np.nan_to_num(tcp, nan=1.0), 1e-300, 1.0))
        mu = np.where(q["_residual"], mu, 0.0)
        if b.disease == "postop":
            ln_thr = np.full(self.n, np.log(pd_["n_detect"]))
        else:
            ln_thr = np.log(pd_["fail_ratio"] * q["n0"])
        nodes = sol.t
        ia = int(np.searchsorted(nodes, t_last, side="left"))
        safe = np.where(ok[:, None], ln_n, 0.0)
        start = ia + np.argmin(safe[:, ia:], axis=1)
        cols = np.arange(nodes.size)[None, :]
        masked = np.where(cols >= start[:, None], safe, -np.inf)
        cummax = np.maximum.accumulate(masked, axis=1)
        return FailureCurves(t_first=float(t_first), t_end=float(t_end), nodes=nodes,
                             ln_n=safe, start=start, cummax=cummax, mu=mu, ln_thr=ln_thr, ok=ok)  # fmt: skip
