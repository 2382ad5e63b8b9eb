"""Marginal likelihood of a nonlinear mixed-effects model by the Laplace approximation.

Model, per individual ``i`` with ``k`` random effects: ``log y_ij = f_j(theta, eta_i) + e_ij``,
``eta_i ~ N(0, Omega)`` with a diagonal ``Omega = diag(omega^2)`` and ``e_ij ~ N(0, sigma^2)``
(a proportional, log-normal residual error on the volume). The marginal likelihood of ``i``
integrates ``eta_i`` out; we use the Laplace approximation at the individual mode
``eta_i^`` with the Gauss-Newton Hessian ``H_i = J_i'J_i / sigma^2 + Omega^-1``,

``-2 log L_i = sum_j [r_ij^2 / sigma^2 + log(2 pi sigma^2)] + eta^' Omega^-1 eta^
+ log det Omega + log det H_i``,

which is NONMEM's FOCE with interaction (Wang 2007, J Pharmacokinet Pharmacodyn 34:575;
the objective nlmixr2's ``focei`` minimises). It is exact for a model linear in ``eta``
(the closed-form check in ``tests/fit``). Why this and not importance sampling: with many
precise measurements per animal the individual likelihood is far narrower than the prior,
and Monte Carlo integration over the prior then needs very many draws; the Laplace step
costs a few kernel calls per evaluation.

Left-censored observations (below a detection limit, Beal 2001 J Pharmacokinet Pharmacodyn
28:481, method M3): an observation known only to lie below ``log LLOQ`` contributes
``-2 log Phi((log LLOQ - f_ij) / sigma)`` instead of the normal density. The inner problem
takes Newton steps with each term's first and second derivative in the prediction (for a
censored term the curvature ``lambda (z + lambda) / sigma^2`` with the inverse Mills ratio
``lambda``; for a measured one ``1 / sigma^2``), times the model's Jacobian, first order in
the model as FOCE is. Without random effects the objective is the exact M3 likelihood (the
test compares it with the normal CDF); with them it is the Laplace approximation, checked
against quadrature.

A failed evaluation (a prediction or its Jacobian in ``eta`` not finite at a measured time,
or a Laplace Hessian that is not positive definite) returns ``+inf``, and the objective's
``last_failure`` says which of these it was and in which arm (``None`` after a finite
evaluation). Individuals whose Jacobian is not finite are never carried into the Newton step
(a non-finite Jacobian would put ``inf * 0 = NaN`` into the damped Hessian and numpy's
``solve`` / ``slogdet`` would warn and return NaN).

Why our own inner loop: the modes of all individuals are found at once, one vectorised
Levenberg-Marquardt step for every individual per kernel call (``J`` by central differences
of the kernel, which is a smooth function of its inputs on its fixed grid); scipy's
optimisers would solve the individuals one by one. The outer problem uses scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

__all__ = ["Group", "LaplaceObjective"]

Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]
_LOG2PI = float(np.log(2.0 * np.pi))


@dataclass
class Group:
    """Individuals simulated together (one arm): their log observations and predictor.

    Parameters
    ----------
    y
        Log observations ``(n, m)``, NaN where an individual has no measurement.
    predict
        ``predict(theta, eta)``: log predictions ``(len(eta), m)`` for a fixed-effect vector
        ``theta`` and random effects ``eta`` of shape ``(n_tumours, k)``.
    censored
        ``(n, m)`` booleans: the observation is left-censored, ``y`` holding the log of its
        detection limit (M3); default none.
    """

    y: np.ndarray
    predict: Predict
    censored: np.ndarray | None = None
    mask: np.ndarray = field(init=False)
    below: np.ndarray = field(init=False)
    eta: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.y = np.asarray(self.y, dtype=float)
        self.mask = np.isfinite(self.y)
        self.y = np.where(self.mask, self.y, 0.0)
        c = np.zeros(self.y.shape, bool) if self.censored is None else np.asarray(self.censored)
        if c.shape != self.y.shape:
            raise ValueError(f"censored has shape {c.shape}, expected {self.y.shape}")
        self.below = c.astype(bool) & self.mask  # censored observations, as an array
        self.censored = self.below
        self.exact = self.mask & ~self.below
        self.any_censored = bool(self.below.any())

    def residuals(self, f: np.ndarray, sigma: float) -> np.ndarray:
        """Return the (pseudo-)residuals ``rho`` whose squares sum to ``-2 log`` density.

        Parameters
        ----------
        f
            Log predictions ``(n, m)``.
        sigma
            Residual standard deviation.

        Returns
        -------
        numpy.ndarray
            ``(y - f) / sigma`` at exact observations, ``sqrt(-2 log Phi((y - f) / sigma))``
            at censored ones, 0 where there is no observation.
        """
        with np.errstate(invalid="ignore", over="ignore"):
            z = np.where(self.mask, (self.y - f) / sigma, 0.0)
            if not self.any_censored:
                return z
            cens = self.below
            pen = np.sqrt(np.maximum(-2.0 * special.log_ndtr(np.where(cens, z, 0.0)), 0.0))
            return np.where(cens, pen, z)

    def slopes(self, f: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the first and second derivatives of the observation terms in ``f``.

        Each observation's term ``c`` of ``-2 log L`` (``((y - f) / sigma)^2``, or
        ``-2 log Phi((y - f) / sigma)`` when censored) enters the inner Newton step through
        ``-dc/df / 2`` and ``d2c/df2 / 2``.

        Parameters
        ----------
        f
            Log predictions ``(n, m)``.
        sigma
            Residual standard deviation.

        Returns
        -------
        tuple of numpy.ndarray
            ``(g, w)``, each ``(n, m)``, 0 where there is no observation: ``(y - f) / sigma^2``
            and ``1 / sigma^2`` at exact observations; ``-lambda / sigma`` and
            ``lambda (z + lambda) / sigma^2`` at censored ones, with ``z = (y - f) / sigma`` and
            the inverse Mills ratio ``lambda = phi(z) / Phi(z)`` (the weight is the curvature,
            between 0 and ``1 / sigma^2``).
        """
        s2 = sigma * sigma
        with np.errstate(invalid="ignore", over="ignore"):
            z = np.where(self.mask, (self.y - f) / sigma, 0.0)
        g = np.where(self.exact, z / sigma, 0.0)
        w = np.where(self.exact, 1.0 / s2, 0.0)
        if not self.any_censored:
            return g, w
        zc = np.where(self.below, z, 0.0)
        # phi / Phi = exp(log phi - log Phi), stable far into the lower tail
        lam = np.exp(-0.5 * zc * zc - 0.5 * _LOG2PI - special.log_ndtr(zc))
        curv = np.clip(lam * (zc + lam), 0.0, 1.0)
        return (np.where(self.below, -lam / sigma, g),
                np.where(self.below, curv / s2, w))  # fmt: skip


@dataclass
class LaplaceObjective:
    """The FOCE-I objective ``-2 log L`` of a set of groups.

    Parameters
    ----------
    groups
        The groups (arms).
    n_random
        Number of random effects ``k`` (0: no between-individual variability).
    fd_step
        Central-difference step of the Jacobian in ``eta``.
    max_iter
        Most Levenberg-Marquardt iterations of the inner problem per evaluation.
    tol
        Inner convergence: largest step in ``eta``.
    """

    groups: list[Group]
    n_random: int
    fd_step: float = 1e-4
    max_iter: int = 60
    tol: float = 1e-6
    evaluations: int = 0
    last_failure: str | None = None

    @property
    def n_obs(self) -> int:
        """Number of observations."""
        return int(sum(g.mask.sum() for g in self.groups))

    def __call__(self, theta: np.ndarray, omega: np.ndarray, sigma: float) -> float:
        """Return ``-2 log L`` (log observations), or ``inf`` where the model is not finite.

        Parameters
        ----------
        theta
            Fixed effects, as the predictors take them.
        omega
            Standard deviations of the random effects ``(k,)``.
        sigma
            Residual standard deviation (log scale).

        Returns
        -------
        float
            The objective.
        """
        self.evaluations += 1
        self.last_failure = None
        total = 0.0
        for a, g in enumerate(self.groups):
            v, why = self._group(g, np.asarray(theta, float), np.asarray(omega, float),
                                 float(sigma))  # fmt: skip
            if why is not None or not np.isfinite(v):
                self.last_failure = f"group {a + 1}: {why or 'the objective is not finite'}"
                return float("inf")
            total += v
        return float(total)

    def modes(self, g: Group) -> np.ndarray:
        """Return the last individual modes ``eta^`` of a group (zeros before any evaluation).

        Parameters
        ----------
        g
            The group.

        Returns
        -------
        numpy.ndarray
            ``(n, k)``.
        """
        return np.zeros((g.y.shape[0], self.n_random)) if g.eta is None else g.eta.copy()

    def _fj(self, g: Group, theta: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictions ``(n, m)`` and Jacobians ``(n, m, k)`` at ``eta`` (one kernel call).

        Central differences with step ``fd_step``: the kernel's rounding (about 1e-13 of
        log V) divided by a small step would put noise into ``log det H``; a step of 1e-4
        keeps that below 1e-9 and the truncation error near 1e-8.
        """
        n, k = eta.shape
        h = self.fd_step
        e = np.eye(k) * h
        stack = np.concatenate(
            [eta, *[eta + e[j] for j in range(k)], *[eta - e[j] for j in range(k)]]
        )
        f_all = g.predict(theta, stack)
        f = f_all[:n]
        with np.errstate(invalid="ignore"):
            J = np.stack(
                [(f_all[(j + 1) * n : (j + 2) * n] - f_all[(k + j + 1) * n : (k + j + 2) * n])
                 / (2 * h) for j in range(k)],
                axis=-1,
            )  # fmt: skip
        return f, J

    def _finite(self, g: Group, f: np.ndarray, J: np.ndarray | None = None) -> np.ndarray:
        """Individuals whose predictions (and Jacobians) are finite at every measured time."""
        ok = np.all(np.isfinite(f) | ~g.mask, axis=1)
        if J is not None:
            ok &= np.all(np.isfinite(J) | ~g.mask[:, :, None], axis=(1, 2))
        return ok

    def _group(
        self, g: Group, theta: np.ndarray, omega: np.ndarray, sigma: float
    ) -> tuple[float, str | None]:
        """``-2 log L`` of one group and ``None``, or ``inf`` and why it failed."""
        n, m = g.y.shape
        k = self.n_random
        s2 = sigma * sigma
        nobs = g.exact.sum(axis=1)  # censored observations carry no density constant
        const = nobs * (_LOG2PI + np.log(s2))
        if k == 0:
            # without random effects every individual has the same prediction: simulate one
            # (the kernel's lanes are independent, so this is bitwise the same as n)
            f = np.broadcast_to(g.predict(theta, np.zeros((1, 0))), (n, m))
            bad = ~self._finite(g, f)
            if bad.any():
                return math.inf, f"prediction not finite for {int(bad.sum())} individual(s)"
            r = g.residuals(np.where(g.mask, f, 0.0), sigma)
            return float(np.sum(r * r) + const.sum()), None
        oinv = 1.0 / (omega * omega)
        eta = self.modes(g) if g.eta is not None and g.eta.shape == (n, k) else np.zeros((n, k))

        def h_of(f: np.ndarray, e: np.ndarray) -> np.ndarray:
            r = g.residuals(f, sigma)
            return np.sum(r * r, axis=1) + np.sum(e * e * oinv, axis=1)

        def newton(f: np.ndarray, J: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # half the Hessian (first-order in the model: J' W J, as FOCE) and minus half the
            # gradient of h in eta
            gf, w = g.slopes(f, sigma)
            Jm = np.where(g.mask[:, :, None], J, 0.0)
            H = np.einsum("nmk,nm,nml->nkl", Jm, w, Jm) + np.diag(oinv)[None]
            return H, np.einsum("nmk,nm->nk", Jm, gf) - e * oinv

        f, J = self._fj(g, theta, eta)
        if not self._finite(g, f, J).all():
            eta = np.zeros((n, k))
            f, J = self._fj(g, theta, eta)
        bad = ~self._finite(g, f, J)
        if bad.any():
            return math.inf, (f"prediction or its slope in the random effects not finite at "
                              f"the population values for {int(bad.sum())} individual(s)")  # fmt: skip
        cur = h_of(f, eta)
        lam = np.full(n, 1e-3)
        active = np.ones(n, dtype=bool)
        for _ in range(self.max_iter):
            H, grad = newton(np.where(g.mask, f, 0.0), J, eta)
            damp = (
                lam[:, None, None] * np.eye(k)[None] * np.diagonal(H, axis1=1, axis2=2)[:, :, None]
            )
            step = np.linalg.solve(H + damp, grad[:, :, None])[:, :, 0]
            step[~active] = 0.0
            trial = eta + step
            # the trial's predictions and Jacobians in one kernel call; kept where accepted
            f_t, J_t = self._fj(g, theta, trial)
            ok_t = self._finite(g, f_t, J_t)  # a trial with a non-finite slope is rejected
            new = h_of(np.where(g.mask & ok_t[:, None], f_t, 0.0), trial)
            new[~ok_t] = np.inf
            better = (new <= cur) & active
            tiny = better & (cur - new < 1e-12) & (lam < 1.0)
            eta = np.where(better[:, None], trial, eta)
            f = np.where(better[:, None], f_t, f)
            J = np.where(better[:, None, None], J_t, J)
            cur = np.where(better, new, cur)
            lam = np.where(better, lam * 0.3, lam * 10.0)
            small = np.max(np.abs(step), axis=1) < self.tol
            active &= ~((small & better) | tiny) & (lam < 1e10)
            if not active.any():
                break
        g.eta = eta
        H, _ = newton(np.where(g.mask, f, 0.0), J, eta)
        sign, logdet = np.linalg.slogdet(H)
        if np.any(sign <= 0):
            return math.inf, (f"Laplace Hessian not positive definite for "
                              f"{int(np.sum(sign <= 0))} individual(s)")  # fmt: skip
        obj = h_of(f, eta) + const + np.sum(np.log(omega * omega)) + logdet
        total = float(obj.sum())
        if not math.isfinite(total):
            return math.inf, "the Laplace objective is not finite"
        return total, None
