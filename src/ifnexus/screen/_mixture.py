"""Gene calls robust to inactive guides: a hierarchical mixture of active and inactive sgRNAs.

The model is that of CRISPhieRmix (Daley, Lin, Qi & Owen 2018, Genome Biology 19:159;
timydaley/CRISPhieRmix), written here in numpy/scipy from the paper and the package's R code:

* **Guides.** Every guide score x (a log2 enrichment, or a gamma / tau / rho phenotype) comes
  either from the null density f0 (an inactive guide, or a guide of a gene that does nothing) or
  from an active component f1 = N(mu, sigma) truncated to its side of the null's centre
  (``direction="both"``: one component below the null and one above). f0 is a skew-t
  (scipy's Jones-Faddy ``jf_skew_t``; CRISPhieRmix fits Azzalini's heavy-tailed skewed family
  with ``sn::st.mple``) fitted by maximum likelihood to the
  negative-control (non-targeting) guides, or, with ``null="bulk"`` and no controls, a normal
  component fitted with the others (CRISPhieRmix's ``normalmixEM`` fallback). The active
  fraction(s) tau = P(guide active) and f1 are fitted by EM with f0 held fixed; the sd of
  f1 is at least the null's spread (an active guide carries the noise of every guide).
* **The null's far tail** (``null_tail="robust"``, default with controls). A skew-t fitted to
  a few hundred controls says nothing reliable about where none of them lies, yet a guide
  there is what makes a call. f0 is therefore (1 - epsilon) skew-t + epsilon U(range of all
  scores), with epsilon the posterior mean under a uniform prior, (k + 1) / (n + 2), k the
  controls the uniform part explains (Laplace's rule of succession: about 1 / (n + 2) when
  no control is outlying). One guide beyond every control then weighs as much as n
  controls can support, not what the skew-t's extrapolated tail claims. With
  ``null_tail="fitted"`` f0 is the skew-t alone (the model of 0.1, whose FDR was
  optimistic on the low-depth Rosenbluh CRISPRi screens: ``docs/screen.md``).
* **Genes.** A gene is active with probability p; within an active gene each guide is active
  with probability q, independently, so tau = p q. With CRISPhieRmix's prior
  (``prior="uniform"``), q is integrated over Uniform(tau, 1) (p = tau / q) by Gauss-Legendre
  quadrature, and the gene posterior is

      P(active | x_g) = int (tau/q) prod_j [q f1(x_j) + (1-q) f0(x_j)] dq
                        / (that + int (1 - tau/q) dq prod_j f0(x_j)).

  That prior fixes P(gene active) at tau ln(1/tau) / (1 - tau), which is too high when active
  genes have most of their guides active (in simulations with every guide of an active gene
  active, FDR 0.05 gave 16% false hits). The default (``prior="estimated"``) estimates the
  prior instead: the share of null genes and the distribution of q on a grid over (tau, 1]
  are fitted to all genes' likelihoods by EM (a nonparametric maximum-likelihood prior,
  empirical Bayes), and the posterior uses them in place of the uniform prior. The grid
  starts at max(tau, ``min_active`` / m), m the median guides per gene: an active gene is
  expected to have at least ``min_active`` (2) active guides, because a null gene of m guides
  holds one guide beyond all n controls with chance about m / (n + 1), so calls resting on
  one guide cannot be held at a 5% FDR (on the development screen a class of genes with one
  active guide took 30-50% of the prior and made control pseudogenes hits).

  An active gene with a few strong guides among many inactive ones keeps a high posterior: the
  inactive guides are explained by f0, not averaged into the effect, which is what a mean (or
  the mean of the best 3 against a Mann-Whitney test) of CRISPRi guides gets wrong.
* **Outputs per gene.** local FDR = 1 - posterior; FDR, by default (``fdr_method="null"``,
  with controls) Benjamini-Hochberg on conformal p-values: each guide is replaced by the score
  standing for its gap among the sorted controls, so the gene's log posterior odds depends on
  its guides' ranks among the controls only, and its null law (guides exchangeable with the
  controls) is simulated exactly; the p-value assumes nothing about active guides, whose
  efficacy is continuous in CRISPRi while the model's guides are two-class. With
  ``fdr_method="model"`` (and the bulk null) the FDR is the mean local FDR of the genes at
  least as strong (Efron's tail-area estimate, as CRISPhieRmix computes it, right only if the
  model is); the expected fraction of
  active guides E[q | active, x_g]; the expected number of active guides and their effect (mean
  score weighted by each guide's posterior of being active); hits at FDR <= ``fdr``. Genes with
  fewer than ``min_guides`` scored guides are ``undetermined``, with the reason.

Why our own EM: no well-kept Python library fits a mixture with one component held at a
non-Gaussian density estimated elsewhere (scikit-learn's ``GaussianMixture`` fits Gaussians
only, with every component free), and the gene-level integral and prior are specific to this
model. The two EMs (guides; the gene prior on a grid of q) are a few lines of numpy each; the
null fit is ``scipy.stats.jf_skew_t.fit`` and the quadrature
``numpy.polynomial.legendre.leggauss``. An EM with a fixed null that has not converged after
50 iterations hands over to a profile fit (the weights exactly, by ``scipy.optimize.brentq``
on their concave log-likelihood, 0 allowed; the shapes by scipy's Nelder-Mead): EM creeps
toward a maximum on the boundary tau = 0 (no active guide) and never meets its tolerance
there. The fit is not random; the conformal p-values simulate null genes with a seeded
generator (``seed``, default 0): the same input and seed give the same output.

Differences from CRISPhieRmix: the active component is truncated at the null's centre (its
M-step is a weighted truncated-normal fit by Nelder-Mead), so that a guide on the wrong side of
the null (an enriched guide in a depletion screen) counts as inactive, never as evidence of
activity; CRISPhieRmix's untruncated normal, once wide, lets such guides raise a gene's
posterior (seen on the development screen, Rosenbluh HT29 CRISPRi); the default gene prior is
estimated (above); the null is the Jones-Faddy skew-t (scipy), not Azzalini's (``sn``); the
one-direction fit is EM, not L-BFGS (same likelihood); sums over guides and the
quadrature are done in log space (the package exponentiates per-gene products, which underflow
for genes with many guides); genes with too few guides are ``undetermined`` instead of scored.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import log_ndtr

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.screen._fdr import bh_adjust

if TYPE_CHECKING:  # pragma: no cover
    import os

logger = logging.getLogger(__name__)

__all__ = [
    "GuideMixture",
    "MixtureResult",
    "fit_guide_mixture",
    "mixture_gene_calls",
    "sgrna_z_scores",
]

Direction = Literal["negative", "positive", "both"]
NullKind = Literal["controls", "bulk"]
NullTail = Literal["robust", "fitted"]
FdrMethod = Literal["model", "null"]

_DIRECTIONS = ("negative", "positive", "both")
_NULLS = ("controls", "bulk")
_TAILS = ("robust", "fitted")
_FDR_METHODS = ("model", "null")
MIN_CONTROLS = 20
"""Fewest negative-control guide scores a skew-t null is fitted to (4 parameters)."""
EM_STALL = 50
"""EM iterations after which a fit with a fixed (controls) null switches to the profile fit."""


def _check_choice(value: object, name: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(frozen=True)
class GuideMixture:
    """A fitted guide-level mixture: null density plus active component(s).

    Attributes
    ----------
    null
        ``"controls"`` (skew-t fitted to negative-control guides) or ``"bulk"`` (a normal
        component fitted with the others, no controls).
    null_params
        ``jf_skew_t`` parameters ``(a, b, loc, scale)`` for ``"controls"``; ``(loc, scale)`` of
        the normal for ``"bulk"``.
    centre
        The null's centre (median of the control scores, or the bulk normal's mean): each active
        component is a normal truncated to its side of it.
    directions
        The active components: ``("negative",)``, ``("positive",)`` or both.
    weights, means, sds
        Per direction: tau (fraction of all guides active that way), mean and sd of f1.
    loglik
        Log-likelihood of the guide scores at the fit.
    n_iter, converged
        Iterations (EM, plus Nelder-Mead's of the profile fit) and whether the fit converged
        (EM's change in log-likelihood per guide below the tolerance, or the profile fit's
        simplex closed).
    method
        ``"em"``, or ``"em+profile"`` when EM stalled and the weights were profiled out (a
        weight can then be exactly 0: no active guides that way).
    n_guides, n_controls
        Guide scores fitted and control scores the null was fitted to (0 for ``"bulk"``).
    tail_weight
        epsilon, the weight of the uniform outlier part of the null (``null_tail="robust"``;
        0 with ``"fitted"`` or ``"bulk"``): f0 = (1 - epsilon) skew-t + epsilon U(tail_range).
    tail_range
        The support ``(low, high)`` of that uniform part: the range of all scores fitted.
    """

    null: NullKind
    null_params: tuple[float, ...]
    centre: float
    directions: tuple[str, ...]
    weights: dict[str, float]
    means: dict[str, float]
    sds: dict[str, float]
    loglik: float
    n_iter: int
    converged: bool
    n_guides: int
    n_controls: int
    tail_weight: float = 0.0
    tail_range: tuple[float, float] = (0.0, 0.0)
    method: str = "em"

    def log_null(self, x: np.ndarray) -> np.ndarray:
        """Log density of the null (inactive-guide) component at ``x``.

        Parameters
        ----------
        x
            Guide scores.

        Returns
        -------
        numpy.ndarray
            log f0(x).
        """
        x = np.asarray(x, dtype=np.float64)
        if self.null == "controls":
            a, b, loc, scale = self.null_params
            base = np.asarray(stats.jf_skew_t.logpdf(x, a, b, loc=loc, scale=scale))
            return _add_tail(base, x, self.tail_weight, self.tail_range)
        loc, scale = self.null_params
        return np.asarray(stats.norm.logpdf(x, loc, scale))

    def log_active(self, x: np.ndarray, direction: str) -> np.ndarray:
        """Log density of the active component of ``direction`` at ``x``.

        Parameters
        ----------
        x
            Guide scores.
        direction
            ``"negative"`` or ``"positive"`` (one of :attr:`directions`).

        Returns
        -------
        numpy.ndarray
            log f1(x).
        """
        if direction not in self.directions:
            raise ValidationError(f"direction {direction!r} is not fitted ({self.directions})")
        x = np.asarray(x, dtype=np.float64)
        return _log_truncnorm(x, self.means[direction], self.sds[direction], self.centre, direction)

    def densities(self, x: np.ndarray) -> pd.DataFrame:
        """Weighted component densities on a grid, for plotting the fit.

        Parameters
        ----------
        x
            Grid of scores.

        Returns
        -------
        pandas.DataFrame
            ``x``, ``null`` ((1 - sum tau) f0), one column per direction (tau f1) and ``total``.
        """
        x = np.asarray(x, dtype=np.float64)
        out = pd.DataFrame({"x": x})
        t0 = 1.0 - sum(self.weights.values())
        out["null"] = t0 * np.exp(self.log_null(x))
        total = out["null"].to_numpy().copy()
        for d in self.directions:
            out[d] = self.weights[d] * np.exp(self.log_active(x, d))
            total += out[d].to_numpy()
        out["total"] = total
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the fit as plain JSON-ready values.

        Returns
        -------
        dict
            Every attribute, floats as Python floats.
        """
        return {
            "null": self.null,
            "null_distribution": "jf_skew_t(a, b, loc, scale)"
            if self.null == "controls"
            else "normal(loc, scale)",
            "null_params": [float(v) for v in self.null_params],
            "centre": float(self.centre),
            "directions": list(self.directions),
            "weights": {k: float(v) for k, v in self.weights.items()},
            "means": {k: float(v) for k, v in self.means.items()},
            "sds": {k: float(v) for k, v in self.sds.items()},
            "loglik": float(self.loglik),
            "n_iter": int(self.n_iter),
            "converged": bool(self.converged),
            "n_guides": int(self.n_guides),
            "n_controls": int(self.n_controls),
            "tail_weight": float(self.tail_weight),
            "tail_range": [float(v) for v in self.tail_range],
            "method": self.method,
        }


def _logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """log(sum(exp(a))) along ``axis``, stable; -inf where every term is -inf.

    A plain numpy version of ``scipy.special.logsumexp``, whose array-API dispatch costs more
    than the sum on the small arrays of the EM loops.
    """
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out.squeeze(axis=axis) if axis is not None else out.reshape(())


def _add_tail(
    base: np.ndarray, x: np.ndarray, weight: float, support: tuple[float, float]
) -> np.ndarray:
    """log[(1 - w) exp(base) + w U(support)(x)]: the null with its uniform outlier part."""
    if weight <= 0:
        return base
    lo, hi = support
    inside = (x >= lo) & (x <= hi)
    out = np.log1p(-weight) + base
    out[inside] = np.logaddexp(out[inside], np.log(weight) - np.log(hi - lo))
    return out


def _tail_weight(log_base: np.ndarray, width: float, max_iter: int = 500) -> float:
    """Posterior mean of the outlier weight epsilon of the null, from the control scores.

    The controls are a mixture (1 - epsilon) skew-t + epsilon U(width); with a uniform
    Beta(1, 1) prior on epsilon, its posterior mean given the (soft) count k of controls
    attributed to the uniform part is (k + 1) / (n + 2) (Laplace's rule of succession), found
    by a fixed-point iteration on k. With no outlying control it is about 1 / (n + 2): the
    chance that the next null guide lies where none of the n controls did.
    """
    n = log_base.shape[0]
    eps = 1.0 / (n + 2.0)
    lu = -np.log(width)
    for _ in range(max_iter):
        a = np.log(eps) + lu
        r = np.exp(a - np.logaddexp(a, np.log1p(-eps) + log_base))
        new = (float(r.sum()) + 1.0) / (n + 2.0)
        if abs(new - eps) < 1e-12 * max(eps, 1e-300):
            return new
        eps = new
    return eps


def _log_truncnorm(x: np.ndarray, mu: float, sd: float, centre: float, side: str) -> np.ndarray:
    """Log density of N(mu, sd) truncated to the ``side`` of ``centre`` (-inf beyond it)."""
    z = (centre - mu) / sd
    if side == "negative":
        keep, norm_const = x <= centre, stats.norm.logcdf(z)
    else:
        keep, norm_const = x >= centre, stats.norm.logsf(z)
    out = np.full(x.shape[0], -np.inf)
    out[keep] = stats.norm.logpdf(x[keep], mu, sd) - norm_const
    return out


def _truncnorm_mstep(
    x: np.ndarray, r: np.ndarray, mu: float, sd: float, centre: float, side: str, floor: float
) -> tuple[float, float]:
    """Weighted maximum-likelihood mean and sd of a normal truncated at ``centre``.

    The weighted log-likelihood depends on the data only through sum r, sum r x and
    sum r x^2 (guides beyond the truncation carry r = 0), so each M-step optimises a
    closed-form function of three numbers.
    """
    big_r = float(r.sum())
    if big_r <= 0:
        return mu, sd
    s1 = float((r * x).sum())
    s2 = float((r * x * x).sum())
    sgn = -1.0 if side == "negative" else 1.0

    def nll(theta: np.ndarray) -> float:
        m = centre + sgn * float(np.exp(theta[0]))
        s = float(np.exp(theta[1]))
        quad = (s2 - 2.0 * m * s1 + m * m * big_r) / (2.0 * s * s)
        # log P(side) of N(m, s): log Phi((c - m)/s) below c, log Phi((m - c)/s) above
        return big_r * np.log(s) + quad + big_r * float(log_ndtr(sgn * (m - centre) / s))

    start = np.array([np.log(max(sgn * (mu - centre), floor)), np.log(max(sd, floor))])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 600})  # fmt: skip
    m = centre + sgn * float(np.exp(res.x[0]))
    return m, max(float(np.exp(res.x[1])), floor)


def _best_weights(
    ratios: list[np.ndarray], w: list[float], w_max: float, tol: float = 1e-12
) -> tuple[list[float], float]:
    """Find the active weights that maximise the log-likelihood for fixed component shapes.

    With f0 and the active densities f1_d fixed, the log-likelihood is
    sum_i log f0(x_i) + sum_i log(1 + sum_d w_d (r_d(x_i) - 1)), r_d = f1_d / f0: concave in
    the weights. Each weight is set in turn to the root of its derivative
    sum_i (r_d - 1) / (1 + ...) on [0, w_max] (``brentq``), or to 0 when the derivative at 0 is
    already <= 0 (the maximum lies on the boundary: no active guides that way), until the
    weights stop moving (coordinate ascent on a concave function). Returns the weights and
    the gain sum_i log(1 + sum_d w_d (r_d - 1)) over the null alone.
    """
    w = [min(max(v, 0.0), w_max) for v in w]
    rm1 = [r - 1.0 for r in ratios]
    for _ in range(100):
        moved = 0.0
        for d in range(len(rm1)):
            rest = np.ones_like(rm1[d]) + sum(w[k] * rm1[k] for k in range(len(rm1)) if k != d)
            a = rm1[d]

            def grad(v: float, a: np.ndarray = a, rest: np.ndarray = rest) -> float:
                return float(np.sum(a / (rest + v * a)))

            if grad(0.0) <= 0:
                new = 0.0
            elif grad(w_max) >= 0:
                new = w_max
            else:
                new = float(optimize.brentq(grad, 0.0, w_max, xtol=1e-14, rtol=1e-12))
            moved = max(moved, abs(new - w[d]))
            w[d] = new
        if moved <= tol:
            break
    mix = 1.0 + sum(w[k] * rm1[k] for k in range(len(rm1)))
    return w, float(np.sum(np.log(mix)))


def _profile_fit(
    x: np.ndarray,
    l0: np.ndarray,
    dirs: tuple[str, ...],
    centre: float,
    floor: float,
    w: dict[str, float],
    mu: dict[str, float],
    sd: dict[str, float],
) -> tuple[dict[str, float], dict[str, float], dict[str, float], float, bool, int]:
    """Maximise the guide log-likelihood with the weights profiled out (null held fixed).

    Used when EM stalls. EM's rate is the fraction of missing information; when the
    likelihood's maximum lies on the boundary tau = 0 (no active guide, e.g. a screen with no
    active gene), the active component's mean and sd are not identified there and EM creeps
    toward tau = 0 by a nearly constant factor per iteration, never meeting its tolerance.
    Here the weights are found exactly for given shapes (:func:`_best_weights`, concave,
    0 included) and the shapes (log distance of the mean from the centre, log sd, sd >= floor)
    by Nelder-Mead on that profile; when the best weight is 0 the profile is flat in the
    shapes and the simplex closes at once.
    """
    sgn = {"negative": -1.0, "positive": 1.0}
    w_max = 0.999 / len(dirs)

    def unpack(theta: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        m = {d: centre + sgn[d] * float(np.exp(theta[2 * k])) for k, d in enumerate(dirs)}
        s = {d: max(float(np.exp(theta[2 * k + 1])), floor) for k, d in enumerate(dirs)}
        return m, s

    state = {"w": [w[d] for d in dirs]}

    def neg_profile(theta: np.ndarray) -> float:
        m, s = unpack(theta)
        with np.errstate(over="ignore"):
            ratios = [np.exp(_log_truncnorm(x, m[d], s[d], centre, d) - l0) for d in dirs]
        ratios = [np.where(np.isfinite(r), r, np.finfo(float).max / (4 * x.size)) for r in ratios]
        wts, gain = _best_weights(ratios, state["w"], w_max)
        state["w"] = wts
        return -gain

    start = np.ravel([[np.log(max(sgn[d] * (mu[d] - centre), 1e-8 * floor)),
                       np.log(max(sd[d], floor))] for d in dirs])  # fmt: skip
    res = optimize.minimize(neg_profile, start, method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000})  # fmt: skip
    m, s = unpack(res.x)
    neg_profile(res.x)  # the weights at the optimum
    wts = {d: state["w"][k] for k, d in enumerate(dirs)}
    return wts, m, s, float(l0.sum() - res.fun), bool(res.success), int(res.nit)


def _finite(values: np.ndarray | pd.Series | list[float], name: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    if np.isinf(v).any():
        raise ValidationError(f"{name}: {int(np.isinf(v).sum())} infinite score(s)")
    return v[np.isfinite(v)]


def fit_guide_mixture(
    scores: np.ndarray | pd.Series,
    *,
    null_scores: np.ndarray | pd.Series | None = None,
    null: NullKind = "controls",
    direction: Direction = "negative",
    null_tail: NullTail = "robust",
    max_iter: int = 1000,
    tol: float = 1e-9,
) -> GuideMixture:
    """Fit the guide-level mixture (null + active components) by EM.

    Parameters
    ----------
    scores
        Scores of the gene-targeting guides (NaN ignored).
    null_scores
        Scores of the negative-control guides (needed with ``null="controls"``).
    null
        ``"controls"``: f0 = skew-t fitted to ``null_scores``; ``"bulk"``: f0 = a normal fitted
        with the active components to ``scores`` (no controls; the null is then the bulk of the
        targeting guides, and FDRs are less reliable: CRISPhieRmix's authors warn that effective
        FDR control needs negative controls).
    direction
        The active guides lower the score (``"negative"``: depletion, sensitisers), raise it
        (``"positive"``) or either (``"both"``: two active components).
    null_tail
        With ``null="controls"``: ``"robust"`` (default) adds to the skew-t a uniform outlier
        part over the range of all scores, of weight epsilon = (k + 1) / (n + 2) (the
        posterior mean under a uniform prior, k the controls it explains, n the controls;
        about 1 / (n + 2) when none is outlying), so that a guide beyond every control is not
        taken as stronger evidence than n controls can give; ``"fitted"``: the skew-t alone
        (the model of 0.1; optimistic FDRs on screens with few controls,
        ``docs/screen.md``). Ignored with ``null="bulk"``.
    max_iter, tol
        EM stops after ``max_iter`` iterations or when the log-likelihood changes by less than
        ``tol`` per guide. With ``null="controls"`` an EM that has not converged after
        ``min(max_iter, EM_STALL)`` (50) iterations hands over to a profile fit: the weights
        are maximised exactly for given component shapes (the likelihood is concave in them,
        and their maximum may be 0) and the shapes by Nelder-Mead. EM stalls where the
        maximum lies on the boundary tau = 0 (a screen without active guides: there the
        active mean and sd are not identified and EM shrinks tau by a nearly constant factor
        per iteration).

    Returns
    -------
    GuideMixture
        The fit.

    Raises
    ------
    ValidationError
        Unknown ``null`` or ``direction``, infinite scores, fewer than 10 finite guide scores,
        or (``null="controls"``) fewer than ``MIN_CONTROLS`` (20) finite control scores.
    """
    _check_choice(null, "null", _NULLS)
    _check_choice(direction, "direction", _DIRECTIONS)
    _check_choice(null_tail, "null_tail", _TAILS)
    if max_iter < 1:
        raise ValidationError(f"max_iter must be >= 1, got {max_iter}")
    x = _finite(scores, "guide scores")
    if x.size < 10:
        raise ValidationError(f"the mixture needs at least 10 finite guide scores; got {x.size}")
    dirs: tuple[str, ...] = ("negative", "positive") if direction == "both" else (direction,)
    n_controls = 0
    tail_weight, tail_range = 0.0, (0.0, 0.0)
    if null == "controls":
        if null_scores is None:
            raise ValidationError(
                "null='controls' needs the scores of negative-control (non-targeting) guides; "
                "give them, or use null='bulk' to take the null from the bulk of the targeting "
                "guides"
            )
        c = _finite(null_scores, "control scores")
        n_controls = int(c.size)
        if n_controls < MIN_CONTROLS:
            raise ValidationError(
                f"found {n_controls} negative-control guide score(s); the skew-t null needs at "
                f"least {MIN_CONTROLS} (or use null='bulk')"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            a, b, loc, scale = stats.jf_skew_t.fit(c)
        null_params: tuple[float, ...] = (float(a), float(b), float(loc), float(scale))
        centre = float(np.median(c))
        spread = float(stats.iqr(c) / 1.349) or float(np.std(c)) or 1.0
        l0 = np.asarray(stats.jf_skew_t.logpdf(x, a, b, loc=loc, scale=scale))
        if null_tail == "robust":
            lo, hi = float(min(x.min(), c.min())), float(max(x.max(), c.max()))
            if hi - lo <= 0:
                hi, lo = hi + spread, lo - spread
            tail_range = (lo, hi)
            lc = np.asarray(stats.jf_skew_t.logpdf(c, a, b, loc=loc, scale=scale))
            tail_weight = _tail_weight(lc, hi - lo)
            l0 = _add_tail(l0, x, tail_weight, tail_range)
    else:
        centre = float(np.median(x))
        spread = float(stats.median_abs_deviation(x, scale="normal")) or float(np.std(x)) or 1.0
        null_params = (centre, spread)
        l0 = np.asarray(stats.norm.logpdf(x, centre, spread))
    # an active guide's score is its effect plus the measurement noise every guide carries, so
    # the active sd is at least the null's spread (a narrower component would fit a cluster of
    # a few tail guides: seen on the development screen, Rosenbluh HT29 CRISPRi)
    floor = spread
    sign = {"negative": -1.0, "positive": 1.0}
    w = {d: 0.05 for d in dirs}
    mu: dict[str, float] = {}
    for d in dirs:
        tail = np.quantile(x, 0.02 if d == "negative" else 0.98)
        mu[d] = (
            float(tail) if sign[d] * (tail - centre) > 2 * spread else centre + sign[d] * 3 * spread
        )
    sd = {d: spread for d in dirs}
    n = x.size
    prev = -np.inf
    converged = False
    it = 0
    ll = -np.inf
    delta = np.inf
    # with a fixed null, EM hands over to the profile fit after EM_STALL iterations (a maximum
    # on the boundary tau = 0 is approached by EM at a vanishing rate: _profile_fit)
    em_cap = max_iter if null == "bulk" else min(max_iter, EM_STALL)
    for it in range(1, em_cap + 1):  # noqa: B007 (the count is reported)
        logs = [np.log1p(-sum(w.values())) + l0]
        logs += [np.log(w[d]) + _log_truncnorm(x, mu[d], sd[d], centre, d) for d in dirs]
        stack = np.vstack(logs)
        tot = _logsumexp(stack, axis=0)
        ll = float(tot.sum())
        resp = np.exp(stack - tot)
        delta = abs(ll - prev) / n
        if delta < tol:
            converged = True
            break
        prev = ll
        for k, d in enumerate(dirs, start=1):
            r = resp[k]
            s = float(r.sum())
            w[d] = min(max(s / n, 1e-8), 0.999 / len(dirs))
            mu[d], sd[d] = _truncnorm_mstep(x, r, mu[d], sd[d], centre, d, floor)
        if null == "bulk":
            r0 = resp[0]
            s0 = float(r0.sum())
            centre = float((r0 * x).sum() / s0)
            spread = max(float(np.sqrt((r0 * (x - centre) ** 2).sum() / s0)), 1e-6)
            null_params = (centre, spread)
            l0 = np.asarray(stats.norm.logpdf(x, centre, spread))
    method = "em"
    if not converged and null == "controls":
        pw, pm, ps, pll, ok, nit = _profile_fit(x, l0, dirs, centre, floor, w, mu, sd)
        if pll >= ll - 1e-9 * n:
            w, mu, sd, ll, converged, method = pw, pm, ps, pll, ok, "em+profile"
            it += nit
    if not converged:
        warnings.warn(
            f"the guide mixture did not converge in {it} iterations (log-likelihood "
            f"still changing by {delta:.2g} per guide); results are from the last "
            "iteration",
            IfnexusWarning,
            stacklevel=2,
        )
    return GuideMixture(
        null=null,
        null_params=null_params,
        centre=centre,
        directions=dirs,
        weights=dict(w),
        means=dict(mu),
        sds=dict(sd),
        loglik=ll,
        n_iter=it,
        converged=converged,
        n_guides=int(n),
        n_controls=n_controls,
        tail_weight=tail_weight,
        tail_range=tail_range,
        method=method,
    )


def _gene_prior_em(
    lik: np.ndarray, tol: float = 1e-7, max_iter: int = 3000
) -> tuple[np.ndarray, bool]:
    """Weights of the gene-level classes (null, then each q node) by EM: an NPMLE on a grid.

    ``lik`` holds each gene's log-likelihood under each class (classes x genes); the weights
    maximise sum_g log sum_k pi_k exp(lik[k, g]).
    """
    k = lik.shape[0]
    logpi = np.log(np.r_[0.9, np.full(k - 1, 0.1 / (k - 1))])
    prev = -np.inf
    for _ in range(max_iter):
        joint = logpi[:, None] + lik
        tot = _logsumexp(joint, axis=0)
        ll = float(tot.sum())
        logpi = np.log(np.maximum(np.exp(joint - tot).mean(axis=1), 1e-300))
        if ll - prev < tol * lik.shape[1]:
            return logpi, True
        prev = ll
    return logpi, False


def _gene_posteriors(
    fit: GuideMixture,
    x: np.ndarray,
    g: np.ndarray,
    n_genes: int,
    n_mesh: int,
    prior: str = "estimated",
    q_min: float = 0.0,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Per-gene posteriors, E[q | active], expected active guides and their effect.

    ``prior="uniform"``: CRISPhieRmix's prior, q ~ Uniform(tau, 1) with P(gene active) = tau/q,
    integrated by Gauss-Legendre quadrature with ``n_mesh`` nodes. ``prior="estimated"``: the
    share of null genes and the distribution of q over a grid of ``n_mesh`` values in
    (max(tau, q_min), 1] are estimated from all genes by EM (a nonparametric
    maximum-likelihood prior).
    """
    l0 = fit.log_null(x)
    tau_sum = float(sum(fit.weights.values()))
    null_gene = np.bincount(g, weights=l0, minlength=n_genes)
    info: dict[str, Any] = {"prior": prior}
    if prior == "uniform":
        nodes, wts = np.polynomial.legendre.leggauss(n_mesh)
        q = tau_sum + (1.0 - tau_sum) * (nodes + 1.0) / 2.0  # nodes on (tau_sum, 1)
        logw = np.log(wts / 2.0)  # weights of Uniform(tau_sum, 1): sum to 1
        prior_null = float(_logsumexp(logw + np.log1p(-tau_sum / q)))
        with np.errstate(divide="ignore"):  # a weight of 0: no active guides that way
            prior_alt = {d: logw + np.log(fit.weights[d]) - np.log(q) for d in fit.directions}
    else:
        # grid on (tau, 1], q = 1 included: as in CRISPhieRmix's prior a gene is active only
        # when more of its guides are active than of all guides (q > tau); lower q would let
        # "every gene active at q ~ tau" mimic the null's tail. q_min (min_active guides of a
        # typical gene) keeps a class of "active genes with one active guide" from absorbing
        # null genes that hold one outlying guide (development screen: it took 30-50% of the
        # genes and made pseudogenes of control guides hits)
        q0 = min(max(tau_sum, q_min), 1.0 - 1.0 / n_mesh)
        q = np.minimum(q0 + (1.0 - q0) * np.arange(1, n_mesh + 1) / n_mesh, 1.0)
        info["q_lower"] = float(q0)
    with np.errstate(divide="ignore"):
        logq, log1q = np.log(q), np.log1p(-q)
    lik: dict[str, np.ndarray] = {}
    for d in fit.directions:
        l1 = fit.log_active(x, d)
        s = np.empty((q.shape[0], n_genes))
        for i in range(q.shape[0]):
            s[i] = np.bincount(
                g, weights=np.logaddexp(logq[i] + l1, log1q[i] + l0), minlength=n_genes
            )
        lik[d] = s
    if prior != "uniform":
        stacked = np.vstack([null_gene[None, :], *lik.values()])
        logpi, conv = _gene_prior_em(stacked)
        if not conv:
            warnings.warn(
                "the EM of the gene-level prior did not converge; posteriors use its last "
                "iteration (recorded in params['prior']['converged'])",
                IfnexusWarning,
                stacklevel=3,
            )
        prior_null = float(logpi[0])
        m = q.shape[0]
        prior_alt = {d: logpi[1 + j * m : 1 + (j + 1) * m] for j, d in enumerate(fit.directions)}
        info.update(
            converged=conv,
            null_genes=float(np.exp(prior_null)),
            active_genes={d: float(np.exp(v).sum()) for d, v in prior_alt.items()},
            mean_q={
                d: float((np.exp(v) * q).sum() / max(np.exp(v).sum(), 1e-300))
                for d, v in prior_alt.items()
            },
        )
    info["_log_prior"] = (prior_null, prior_alt, q)  # for null_pvalues; not JSON
    terms = {d: prior_alt[d][:, None] + lik[d] for d in fit.directions}
    log_null = prior_null + null_gene
    log_alt = {d: _logsumexp(t, axis=0) for d, t in terms.items()}
    log_den = _logsumexp(np.vstack([log_null, *log_alt.values()]), axis=0)
    out: dict[str, np.ndarray] = {
        "log_odds": _logsumexp(np.vstack(list(log_alt.values())), axis=0) - log_null
    }
    for d, t in terms.items():
        out[f"posterior_{d}"] = np.exp(log_alt[d] - log_den)
        node_post = np.exp(t - log_alt[d])  # posterior over q given the gene is active (d)
        out[f"active_fraction_{d}"] = (node_post * q[:, None]).sum(axis=0)
        l1 = fit.log_active(x, d)
        r = np.zeros(x.shape[0])
        for i in range(q.shape[0]):
            if node_post[i].max() < 1e-12:
                continue
            a = logq[i] + l1
            den = np.logaddexp(a, log1q[i] + l0)
            with np.errstate(invalid="ignore"):
                share = np.where(np.isfinite(a), np.exp(a - den), 0.0)  # P(guide active | q)
            r += node_post[i, g] * share
        n_act = np.bincount(g, weights=r, minlength=n_genes)
        out[f"n_active_{d}"] = n_act
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"effect_{d}"] = np.bincount(g, weights=r * x, minlength=n_genes) / n_act
    return out, info


def _tail_fdr(lfdr: np.ndarray) -> np.ndarray:
    """Mean local FDR of the genes with local FDR <= each gene's (ties included)."""
    out = np.full(lfdr.shape[0], np.nan)
    ok = np.isfinite(lfdr)
    if not ok.any():
        return out
    v = lfdr[ok]
    s = np.sort(v)
    csum = np.cumsum(s)
    k = np.searchsorted(s, v, side="right")
    out[ok] = csum[k - 1] / k
    return out


def _log_odds_rows(
    fit: GuideMixture,
    x: np.ndarray,
    prior_null: float,
    prior_alt: dict[str, np.ndarray],
    q: np.ndarray,
) -> np.ndarray:
    """Gene log posterior odds (active vs null) of each row of ``x`` (genes x guides).

    The same statistic as ``_gene_posteriors``' ``log_odds``, for equal-sized genes given as
    the rows of a matrix (the simulated null genes of :func:`_null_pvalues`).
    """
    shape = x.shape
    flat = x.ravel()
    l0 = fit.log_null(flat).reshape(shape)
    with np.errstate(divide="ignore"):
        logq, log1q = np.log(q), np.log1p(-q)
    alts = []
    for d in fit.directions:
        l1 = fit.log_active(flat, d).reshape(shape)
        s = np.empty((q.shape[0], shape[0]))
        for i in range(q.shape[0]):
            s[i] = np.logaddexp(logq[i] + l1, log1q[i] + l0).sum(axis=1)
        alts.append(_logsumexp(prior_alt[d][:, None] + s, axis=0))
    return _logsumexp(np.vstack(alts), axis=0) - (prior_null + l0.sum(axis=1))


def _null_pvalues(
    fit: GuideMixture,
    x: np.ndarray,
    g: np.ndarray,
    n_genes: int,
    log_prior: tuple[float, dict[str, np.ndarray], np.ndarray],
    controls: np.ndarray,
    draws: int,
    seed: int,
) -> np.ndarray:
    """Conformal p-value of each gene's log posterior odds, from the control guides' ranks.

    Each guide score, observed or simulated, is replaced by the score standing for its gap
    among the sorted controls (:func:`_gap_scores`), so the statistic (the gene's log
    posterior odds, same fit and prior for all) depends on the guides' ranks among the
    controls only. For each number of guides m present, ``draws`` null genes are drawn by
    exchangeability with the controls (:func:`_null_gaps`), and a gene's p-value is
    (1 + #{null genes with log odds >= its own}) / (draws + 1). It rests on the controls
    alone: not on the fitted skew-t or its tail, nor on the active component or the prior,
    which only choose the statistic.
    """
    prior_null, prior_alt, q = log_prior
    rng = np.random.default_rng(seed)
    cs = np.sort(controls)
    m_of = np.bincount(g, minlength=n_genes)
    starts = np.r_[0, np.cumsum(m_of)[:-1]]
    rep = _gap_scores(fit, cs, float(x.min()), float(x.max()))
    gaps = rep[_gap_of(cs, x)][np.argsort(g, kind="stable")]
    p = np.full(n_genes, np.nan)
    for m in np.unique(m_of[m_of > 0]).tolist():
        idx = np.flatnonzero(m_of == m)
        obs = _log_odds_rows(
            fit, gaps[starts[idx][:, None] + np.arange(m)[None, :]], prior_null, prior_alt, q
        )
        sim = np.empty(draws)
        chunk = max(1, 2_000_000 // m)
        for start in range(0, draws, chunk):
            n = min(chunk, draws - start)
            xs = rep[_null_gaps(rng, cs.shape[0], n, m)]
            sim[start : start + n] = _log_odds_rows(fit, xs, prior_null, prior_alt, q)
        sim.sort()
        at_least = draws - np.searchsorted(sim, obs, side="left")
        p[idx] = (1.0 + at_least) / (draws + 1.0)
    return p


def _gap_scores(fit: GuideMixture, cs: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Return the score standing for each gap 0..k of the sorted controls ``cs``.

    Gap j holds the scores with j controls below them: [lo, cs[0]] for j = 0, [cs[j-1],
    cs[j]] between neighbours, [cs[k-1], hi] for j = k (lo, hi: the range of all scores).
    Its score is the point of the gap where a guide's evidence of activity,
    max over directions of log f1 - log f0, is highest, so that a guide beyond every control
    counts as the strongest evidence the fit knows, not as the extreme control itself.
    Replacing every guide (observed or simulated) by its gap's score makes the gene statistic
    a function of the guides' ranks among the controls, whose null law is known exactly.
    """
    k = cs.shape[0]
    lo, hi = min(lo, float(cs[0])), max(hi, float(cs[-1]))
    grid = np.unique(np.concatenate([cs, np.linspace(lo, hi, 4001)]))
    ev = np.max(
        np.vstack([fit.log_active(grid, d) for d in fit.directions]), axis=0
    ) - fit.log_null(grid)
    ev = np.where(np.isfinite(ev), ev, -np.inf)
    edges = np.searchsorted(grid, cs)  # every control is a grid point
    first = np.r_[0, edges]
    last = np.r_[edges, grid.shape[0] - 1]
    out = np.empty(k + 1)
    for j in range(k + 1):
        seg = ev[first[j] : last[j] + 1]
        out[j] = grid[first[j] + int(np.argmax(seg))]
    return out


def _gap_of(cs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gap of each score among the sorted controls; a tie goes to the gap nearer the centre."""
    centre = cs[(cs.shape[0] - 1) // 2]
    right = np.searchsorted(cs, x, side="right")
    left = np.searchsorted(cs, x, side="left")
    return np.where(x <= centre, right, left)


def _null_gaps(rng: np.random.Generator, k: int, n: int, m: int) -> np.ndarray:
    """Gaps (controls below each guide) of ``n`` null genes of ``m`` guides among ``k`` controls.

    Under the null the m guides and the k controls are exchangeable, so the guides' places
    among all k + m scores are a uniformly random m-subset; the guide at place p_i (sorted,
    0-based, i-th) has p_i - i controls below it. (Drawing each guide's gap independently
    would make two guides in the same extreme gap about half as likely as they are.)
    """
    pos = rng.integers(0, k + m, size=(n, m))
    for _ in range(1000):
        pos.sort(axis=1)
        dup = (np.diff(pos, axis=1) == 0).any(axis=1) if m > 1 else np.zeros(n, dtype=bool)
        if not dup.any():
            break
        pos[dup] = rng.integers(0, k + m, size=(int(dup.sum()), m))
    return pos - np.arange(m)[None, :]


@dataclass(frozen=True)
class MixtureResult:
    """Result of :func:`mixture_gene_calls`.

    Attributes
    ----------
    genes
        One row per gene (see :func:`mixture_gene_calls` for the columns).
    fit
        The guide-level :class:`GuideMixture`.
    guides
        The guide scores used: ``sgRNA`` (when given), ``gene``, ``score``, ``control``.
    params
        Options and the fit, JSON-ready.
    """

    genes: pd.DataFrame
    fit: GuideMixture
    guides: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy gene table: one row per gene.

        Columns: ``gene``, ``test`` (the score's name), ``n_sgrnas``, ``effect`` (mean score of
        the active guides), ``score`` (posterior probability), ``p`` (the conformal p-value
        with ``fdr_method="null"``; the local FDR, the probability the gene is null, with
        ``"model"``), ``fdr``, ``hit``, ``status``, the same names as
        :attr:`PhenotypeResult.summary <ifnexus.screen.PhenotypeResult.summary>` where they
        mean the same kind of thing.
        """
        g = self.genes
        return pd.DataFrame(
            {
                "gene": g["gene"].to_numpy(),
                "test": self.params.get("score", "score"),
                "n_sgrnas": g["n_guides"].to_numpy(),
                "effect": g["effect"].to_numpy(),
                "score": g["posterior"].to_numpy(),
                "p": (
                    g["p_value"] if self.params.get("fdr_method") == "null" else g["local_fdr"]
                ).to_numpy(),
                "fdr": g["fdr"].to_numpy(),
                "hit": g["hit"].to_numpy(dtype=bool),
                "status": g["status"].to_numpy(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Parameters, fit and gene calls as plain values.

        Returns
        -------
        dict
            ``params`` (with the fit), ``n_hits``, ``n_undetermined`` and ``genes`` (records).
        """
        g = self.genes
        return {
            "params": self.params,
            "n_hits": int(g["hit"].sum()),
            "n_undetermined": int((g["status"] == "undetermined").sum()),
            "genes": g.astype(object).where(g.notna(), None).to_dict(orient="records"),
        }

    def write(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write ``mixture_genes.csv``, ``mixture_guides.csv`` and ``mixture_params.json``.

        Parameters
        ----------
        directory
            Output folder (created).

        Returns
        -------
        list of Path
            The files written (atomically).
        """
        import json

        from ifnexus._io import write_table, write_text

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        return [
            write_table(self.genes, out / "mixture_genes.csv"),
            write_table(self.guides, out / "mixture_guides.csv"),
            write_text(out / "mixture_params.json", json.dumps(self.params, indent=1)),
        ]


def _column(table: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in table.columns:
        src = table.attrs.get("source")
        where = f"guide table {src}" if src else "guide table"
        raise ValidationError(
            f"{where}: no column {name!r} ({what}); columns are: "
            + ", ".join(map(str, table.columns))
        )
    return table[name]


def _as_bool(col: pd.Series, name: str, source: str | None) -> np.ndarray:
    if col.dtype == bool:
        return col.to_numpy()
    text = col.astype(str).str.strip().str.lower()
    ok = text.isin(["true", "false", "1", "0"])
    if not ok.all():
        bad = col[~ok].iloc[0]
        where = f"guide table {source}" if source else "guide table"
        row = int(np.flatnonzero(~ok)[0]) + 2
        raise ValidationError(
            f"{where}: column {name!r} must be true/false (or 1/0); row {row} holds {bad!r}"
        )
    return text.isin(["true", "1"]).to_numpy()


def sgrna_z_scores(sgrnas: pd.DataFrame) -> pd.DataFrame:
    """Signed sgRNA z-scores of a MAGeCK sgRNA summary, as guide scores for the mixture.

    MAGeCK's ``score`` is the absolute z of the sgRNA test (the count difference over the
    modelled sd, so low-count guides weigh less); ``high_in_treatment`` gives its sign. On
    low-depth screens these scores separate genes better than raw log fold changes (see
    ``docs/screen.md``).

    Parameters
    ----------
    sgrnas
        :attr:`MageckResult.sgrnas <ifnexus.screen.MageckResult.sgrnas>` or a
        ``sgrna_summary.txt`` read as a table.

    Returns
    -------
    pandas.DataFrame
        A copy with a column ``z`` (negative for depleted guides).

    Raises
    ------
    ValidationError
        ``score`` or ``high_in_treatment`` missing, or not a number / true-false.
    """
    source = sgrnas.attrs.get("source")
    score = pd.to_numeric(_column(sgrnas, "score", "MAGeCK's |z| of each sgRNA"), errors="coerce")
    high = _as_bool(
        _column(sgrnas, "high_in_treatment", "the sign of each sgRNA's z"),
        "high_in_treatment",
        source,
    )
    out = sgrnas.copy()
    out["z"] = np.where(high, 1.0, -1.0) * score.to_numpy(dtype=np.float64)
    return out


def mixture_gene_calls(
    guides: pd.DataFrame,
    score: str = "rho",
    *,
    gene_column: str = "Gene",
    control_column: str | None = "control",
    control_gene: str | list[str] | None = None,
    null: NullKind = "controls",
    direction: Direction = "negative",
    null_tail: NullTail = "robust",
    min_guides: int = 2,
    min_active: float = 2.0,
    fdr: float = 0.05,
    prior: Literal["estimated", "uniform"] = "estimated",
    n_mesh: int | None = None,
    fdr_method: FdrMethod | None = None,
    null_draws: int = 100_000,
    seed: int = 0,
) -> MixtureResult:
    """Call genes from guide scores with the active/inactive guide mixture (CRISPhieRmix model).

    Parameters
    ----------
    guides
        One row per sgRNA: a gene column, a score column, and (for ``null="controls"``) a
        boolean control column or a control gene label. ``PhenotypeResult.sgrnas`` of
        :func:`~ifnexus.screen.phenotypes` (``Gene``, ``control``, ``gamma``, ``tau``,
        ``rho``) is such a table, and so is ``sgrnas.csv`` of ``ifnexus screen phenotype``.
    score
        The score column: ``gamma``, ``tau``, ``rho`` or any guide-level log fold change.
    gene_column
        Column naming each guide's gene.
    control_column
        Boolean column marking negative-control guides (default ``control``; ``None`` to use
        ``control_gene`` only).
    control_gene
        Gene label(s) of negative-control guides, used instead of ``control_column``.
    null
        ``"controls"`` (default; needs control guides) or ``"bulk"`` (see
        :func:`fit_guide_mixture`).
    direction
        ``"negative"`` (default: depleted guides; radiosensitisers in rho), ``"positive"`` or
        ``"both"``.
    null_tail
        ``"robust"`` (default) or ``"fitted"``: whether the controls null carries a uniform
        outlier part for what its controls cannot show (see :func:`fit_guide_mixture`).
    min_guides
        Genes with fewer scored guides are ``undetermined`` (not scored, not in the FDR).
    min_active
        With ``prior="estimated"``: an active gene is expected to have at least this many
        active guides, so the grid of q starts at max(tau, min_active / m), m the median number
        of scored guides per gene (2 of 5 guides: q > 0.4). With a few hundred controls a
        single guide beyond them all is not rare under the null (a gene of m guides holds one
        with chance about m / (number of controls + 1)), so a call resting on one guide cannot
        be held at a 5% FDR. 0 restores the grid over (tau, 1].
    fdr
        Hits are genes with FDR <= ``fdr``.
    prior
        The gene-level prior over the fraction q of a gene's guides that are active.
        ``"estimated"`` (default): the share of null genes and the distribution of q on a grid
        are estimated from all genes by EM (empirical Bayes). ``"uniform"``: CRISPhieRmix's
        prior, q ~ Uniform(tau, 1) and P(gene active | q) = tau / q; it implies
        P(gene active) = tau ln(1/tau) / (1 - tau), which overstates the share of active genes
        when active genes have most of their guides active (simulations in
        ``docs/screen.md``: FDR 0.05 then gives 10-16% false hits).
    n_mesh
        Nodes over q: the Gauss-Legendre nodes of the ``"uniform"`` integral (default 100) or
        the grid of the ``"estimated"`` prior (default 20 points evenly over (tau, 1]).
    fdr_method
        How ``fdr`` (and so ``hit``) is computed; genes are ranked by the posterior either way.
        ``"null"`` (default with ``null="controls"``): Benjamini-Hochberg on conformal
        p-values, which rest on the control guides alone. Every guide is replaced by the
        score standing for its gap among the sorted controls (the point of the gap with the
        most evidence of activity), making the gene's log posterior odds a function of its
        guides' ranks among the controls; under the null those ranks are those of guides
        exchangeable with the controls, so the statistic's null law is simulated exactly
        (``null_draws`` null genes per number of guides) whatever the controls' shape and
        whatever the active guides look like. ``"model"`` (default, and the only choice, with
        ``null="bulk"``): the mean local FDR of the genes at least as strong (Efron's
        tail-area FDR, as CRISPhieRmix), right only if the two-class guide model is, while
        CRISPRi efficacy is continuous (``docs/screen.md``).
    null_draws
        Simulated null genes per number of guides (``fdr_method="null"``); the smallest
        p-value is 1 / (null_draws + 1).
    seed
        Seed of the simulated null genes; the same seed gives the same table.

    Returns
    -------
    MixtureResult
        ``.genes`` has one row per gene, sorted by name: ``gene``, ``n_guides`` (scored),
        ``posterior`` (P(gene active)), ``log_odds`` (log posterior odds of active vs null,
        computed in log space: it still ranks genes whose posterior rounds to 1),
        ``local_fdr`` (1 - posterior), ``p_value`` (the conformal p-value; empty with
        ``fdr_method="model"``), ``fdr`` (Benjamini-Hochberg of ``p_value``, or the mean local
        FDR of genes at least as strong), ``hit``, ``direction`` (the more probable active side),
        ``active_fraction`` (E[q | active]: fraction of the gene's guides that are active),
        ``n_active`` (expected active guides), ``effect`` (mean score of the active guides),
        ``mean_score`` (plain mean of the guides), ``status`` (``ok`` or ``undetermined``),
        ``reason`` (why undetermined; empty otherwise); with ``direction="both"`` also
        ``posterior_negative`` and ``posterior_positive``.

    Raises
    ------
    ValidationError
        A missing column (named, with the file when the table came from one), a control column
        that is not boolean, no (or fewer than 20) control guides with ``null="controls"``,
        bad options, ``fdr_method="null"`` with ``null="bulk"``.
    """
    if not isinstance(guides, pd.DataFrame):
        raise ValidationError(f"guides must be a DataFrame, got {type(guides).__name__}")
    _check_choice(null, "null", _NULLS)
    _check_choice(direction, "direction", _DIRECTIONS)
    if int(min_guides) != min_guides or min_guides < 1:
        raise ValidationError(f"min_guides must be an integer >= 1, got {min_guides!r}")
    if not 0 < fdr < 1:
        raise ValidationError(f"fdr must be within 0 and 1, got {fdr}")
    if (
        isinstance(min_active, bool)
        or not isinstance(min_active, (int, float))
        or not np.isfinite(min_active)
        or min_active < 0
    ):
        raise ValidationError(f"min_active must be a number >= 0, got {min_active!r}")
    _check_choice(prior, "prior", ("estimated", "uniform"))
    _check_choice(null_tail, "null_tail", _TAILS)
    if fdr_method is None:
        fdr_method = "null" if null == "controls" else "model"
    _check_choice(fdr_method, "fdr_method", _FDR_METHODS)
    if fdr_method == "null" and null != "controls":
        raise ValidationError(
            "fdr_method='null' takes its p-values from the control guides; with null='bulk' "
            "(no controls) use fdr_method='model'"
        )
    if isinstance(null_draws, bool) or int(null_draws) != null_draws or null_draws < 100:
        raise ValidationError(f"null_draws must be an integer >= 100, got {null_draws!r}")
    if n_mesh is None:
        n_mesh = 100 if prior == "uniform" else 20
    if int(n_mesh) != n_mesh or n_mesh < 5:
        raise ValidationError(f"n_mesh must be an integer >= 5, got {n_mesh!r}")
    source = guides.attrs.get("source")
    genes_col = _column(guides, gene_column, "the gene of each guide")
    raw = _column(guides, score, "the guide scores")
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    text_bad = raw.notna() & np.isnan(values) & (raw.astype(str).str.strip().str.lower() != "nan")
    if text_bad.any():
        i = int(np.flatnonzero(text_bad.to_numpy())[0])
        where = f"guide table {source}" if source else "guide table"
        raise ValidationError(
            f"{where}: column {score!r} must hold numbers; row {i + 2} holds {raw.iloc[i]!r}"
        )
    if np.isinf(values).any():
        i = int(np.flatnonzero(np.isinf(values))[0])
        raise ValidationError(f"column {score!r}: infinite score at row {i + 2}")
    gene_names = genes_col.astype(str).to_numpy(dtype=object)
    if control_gene is not None:
        labels = [control_gene] if isinstance(control_gene, str) else list(control_gene)
        is_ctrl = np.isin(gene_names, labels)
        ctrl_what = f"gene label(s) {labels}"
    elif control_column is not None and control_column in guides.columns:
        is_ctrl = _as_bool(guides[control_column], control_column, source)
        ctrl_what = f"column {control_column!r}"
    elif null == "controls":
        where = f"guide table {source}" if source else "guide table"
        raise ValidationError(
            f"{where}: no column {control_column!r} marking negative-control guides, and no "
            "control gene label given; the controls null needs them (give control_gene / "
            "--control-gene, or use null='bulk')"
        )
    else:
        is_ctrl = np.zeros(values.shape[0], dtype=bool)
        ctrl_what = "none"
    if null == "controls" and int(np.isfinite(values[is_ctrl]).sum()) < MIN_CONTROLS:
        raise ValidationError(
            f"found {int(np.isfinite(values[is_ctrl]).sum())} negative-control guide(s) with a "
            f"{score} score by {ctrl_what}; the controls null needs at least {MIN_CONTROLS} "
            "(or use null='bulk')"
        )
    target = ~is_ctrl
    tv, tg = values[target], gene_names[target]
    codes, names = pd.factorize(pd.Index(tg), sort=True)
    n_genes = len(names)
    finite = np.isfinite(tv)
    n_scored = np.bincount(codes[finite], minlength=n_genes)
    n_rows = np.bincount(codes, minlength=n_genes)
    ok_gene = n_scored >= min_guides
    if not ok_gene.any():
        raise ValidationError(
            f"no gene has {min_guides} or more scored guides in column {score!r}; the mixture "
            "cannot be fitted"
        )
    fit = fit_guide_mixture(
        tv[finite],
        null_scores=values[is_ctrl] if null == "controls" else None,
        null=null,
        direction=direction,
        null_tail=null_tail,
    )
    use = finite & ok_gene[codes]
    x = tv[use]
    remap = np.full(n_genes, -1)
    remap[ok_gene] = np.arange(int(ok_gene.sum()))
    gx = remap[codes[use]]
    m_typical = float(np.median(n_scored[ok_gene]))
    post, prior_info = _gene_posteriors(
        fit, x, gx, int(ok_gene.sum()), int(n_mesh), prior, q_min=float(min_active) / m_typical
    )
    dirs = fit.directions

    def full(a: np.ndarray) -> np.ndarray:
        o = np.full(n_genes, np.nan)
        o[ok_gene] = a
        return o

    stackp = np.vstack([post[f"posterior_{d}"] for d in dirs])
    best = np.argmax(stackp, axis=0)
    pick = {
        k: np.choose(best, [post[f"{k}_{d}"] for d in dirs])
        for k in ("active_fraction", "n_active", "effect")
    }
    posterior = np.clip(stackp.sum(axis=0), 0.0, 1.0)
    lfdr = full(1.0 - posterior)
    log_prior = prior_info.pop("_log_prior")
    pvals = np.full(n_genes, np.nan)
    if fdr_method == "model":
        q = _tail_fdr(lfdr)
    else:
        ctrl_scores = values[is_ctrl]
        pv = _null_pvalues(
            fit,
            x,
            gx,
            int(ok_gene.sum()),
            log_prior,
            ctrl_scores[np.isfinite(ctrl_scores)],
            int(null_draws),
            int(seed),
        )
        pvals = full(pv)
        q = full(bh_adjust(pv))
    means = np.bincount(codes[finite], weights=tv[finite], minlength=n_genes)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(n_scored > 0, means / np.maximum(n_scored, 1), np.nan)
    reason = np.full(n_genes, "", dtype=object)
    for j in np.flatnonzero(~ok_gene):
        filtered = int(n_rows[j] - n_scored[j])
        extra = f" ({filtered} of {int(n_rows[j])} without a score)" if filtered else ""
        reason[j] = (
            f"{int(n_scored[j])} scored guide(s){extra}; the mixture needs at least {min_guides}"
        )
    direction_col = np.full(n_genes, None, dtype=object)
    direction_col[ok_gene] = np.asarray(dirs, dtype=object)[best]
    table = pd.DataFrame(
        {
            "gene": np.asarray(names, dtype=object),
            "n_guides": n_scored.astype(int),
            "posterior": full(posterior),
            "log_odds": full(post["log_odds"]),
            "local_fdr": lfdr,
            "p_value": pvals,
            "fdr": q,
            "hit": np.nan_to_num(q, nan=1.0) <= fdr,
            "direction": direction_col,
            "active_fraction": full(pick["active_fraction"]),
            "n_active": full(pick["n_active"]),
            "effect": full(pick["effect"]),
            "mean_score": mean_score,
            "status": np.where(ok_gene, "ok", "undetermined"),
            "reason": reason,
        }
    )
    if direction == "both":
        table.insert(3, "posterior_negative", full(post["posterior_negative"]))
        table.insert(4, "posterior_positive", full(post["posterior_positive"]))
    n_und = int((~ok_gene).sum())
    if n_und:
        logger.info("%d gene(s) undetermined (fewer than %d scored guides)", n_und, min_guides)
    params = {
        "method": "hierarchical mixture of active and inactive guides (CRISPhieRmix model)",
        "score": score,
        "null": null,
        "null_tail": null_tail if null == "controls" else None,
        "direction": direction,
        "min_guides": int(min_guides),
        "min_active": float(min_active),
        "fdr": float(fdr),
        "n_mesh": int(n_mesh),
        "fdr_method": fdr_method,
        "null_draws": int(null_draws) if fdr_method != "model" else None,
        "seed": int(seed) if fdr_method != "model" else None,
        "prior": prior_info,
        "controls": ctrl_what,
        "fit": fit.to_dict(),
        "n_genes": int(n_genes),
        "n_undetermined": n_und,
    }
    if source:
        params["source"] = str(source)
    guide_table = pd.DataFrame(
        {"gene": gene_names, "score": values, "control": is_ctrl}, index=guides.index
    )
    if "sgRNA" in guides.columns:
        guide_table.insert(0, "sgRNA", guides["sgRNA"].to_numpy())
    table.attrs.update(params)
    return MixtureResult(
        genes=table, fit=fit, guides=guide_table.reset_index(drop=True), params=params
    )
