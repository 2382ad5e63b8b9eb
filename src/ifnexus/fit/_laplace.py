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

Why our own inner loop: the modes of all individuals are found at once, one vectorised
Levenberg-Marquardt step for every individual per kernel call (``J`` by central differences
of the kernel, which is a smooth function of its inputs on its fixed grid); scipy's
optimisers would solve the individuals one by one. The outer problem uses scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

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
    """

    y: np.ndarray
    predict: Predict
    mask: np.ndarray = field(init=False)
    eta: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.y = np.asarray(self.y, dtype=float)
        self.mask = np.isfinite(self.y)
        self.y = np.where(self.mask, self.y, 0.0)


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
        total = 0.0
        for g in self.groups:
            v = self._group(g, np.asarray(theta, float), np.asarray(omega, float), float(sigma))
            if not np.isfinite(v):
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

    def _group(self, g: Group, theta: np.ndarray, omega: np.ndarray, sigma: float) -> float:
        n, m = g.y.shape
        k = self.n_random
        s2 = sigma * sigma
        nobs = g.mask.sum(axis=1)
        const = nobs * (_LOG2PI + np.log(s2))
        if k == 0:
            f = g.predict(theta, np.zeros((n, 0)))
            r = np.where(g.mask, g.y - f, 0.0)
            return float(np.sum(r * r) / s2 + const.sum())
        oinv = 1.0 / (omega * omega)
        eta = self.modes(g) if g.eta is not None and g.eta.shape == (n, k) else np.zeros((n, k))

        def h_of(f: np.ndarray, e: np.ndarray) -> np.ndarray:
            r = np.where(g.mask, g.y - f, 0.0)
            return np.sum(r * r, axis=1) / s2 + np.sum(e * e * oinv, axis=1)

        f, J = self._fj(g, theta, eta)
        if not np.all(np.isfinite(f[g.mask])):
            eta = np.zeros((n, k))
            f, J = self._fj(g, theta, eta)
        cur = h_of(f, eta)
        lam = np.full(n, 1e-3)
        active = np.ones(n, dtype=bool)
        for _ in range(self.max_iter):
            Jm = J * g.mask[:, :, None]
            r = np.where(g.mask, g.y - f, 0.0)
            H = np.einsum("nmk,nml->nkl", Jm, Jm) / s2 + np.diag(oinv)[None]
            grad = np.einsum("nmk,nm->nk", Jm, r) / s2 - eta * oinv
            damp = (
                lam[:, None, None] * np.eye(k)[None] * np.diagonal(H, axis1=1, axis2=2)[:, :, None]
            )
            step = np.linalg.solve(H + damp, grad[:, :, None])[:, :, 0]
            step[~active] = 0.0
            trial = eta + step
            # the trial's predictions and Jacobians in one kernel call; kept where accepted
            f_t, J_t = self._fj(g, theta, trial)
            ok_t = np.all(np.isfinite(np.where(g.mask, f_t, 0.0)), axis=1)
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
        if not np.all(np.isfinite(f[g.mask])):
            return float("inf")
        Jm = J * g.mask[:, :, None]
        H = np.einsum("nmk,nml->nkl", Jm, Jm) / s2 + np.diag(oinv)[None]
        sign, logdet = np.linalg.slogdet(H)
        if np.any(sign <= 0):
            return float("inf")
        obj = h_of(f, eta) + const + np.sum(np.log(omega * omega)) + logdet
        return float(obj.sum())
