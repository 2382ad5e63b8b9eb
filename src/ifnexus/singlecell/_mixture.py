"""Gaussian mixtures of the two IFN-programme scores, labelled against a reference ("none").

The fitting is scikit-learn's :class:`~sklearn.mixture.GaussianMixture` (full covariances,
1-3 components chosen by BIC). Two things scikit-learn does not do are written here.

The first is the search. EM stops in local optima, and scikit-learn's k-means starts tend to
split a large component rather than isolate a small outlying one (a few % of acute cells), so
each ``k``-component fit keeps the most likely of :data:`N_INIT` seeded k-means starts, of
``k - 1`` deterministic starts that split one component of the chosen ``(k - 1)``-component
fit along its main axis, and, from three components on, of merge-and-split moves (two
components merged while a third is split) repeated while they raise the likelihood: the split
and SMEM moves of Ueda et al. 2000 (Neural Comput 12:2109). scikit-learn has neither. On the
demo study's malignant cells two k-means starts kept a two-component optimum that merged the
acute and chronic cells (BIC 36,169) where a three-component fit that separates them has
BIC 35,370 (docs/singlecell.md, "Mixture search", and ``benchmarks/sc_mixture_search.py``).

The second is the labelling: each fitted component is called ``acute``, ``chronic`` or
``none`` from how far its mean lies from a reference component, in that reference's standard
deviations, on the two axes (``z_acute``: the ISGF3-only acute programme; ``z_sustained``: the
U-ISGF3 programme):

- ``acute``: the acute-only programme is raised (shift on ``z_acute`` >= ``min_shift``);
- ``chronic``: only the sustained programme is raised (``z_acute`` shift < ``min_shift`` and
  ``z_sustained`` shift >= ``min_shift``);
- ``none``: neither (the component is merged into the reference).

A component raised on both axes is acute: an IFN burst induces the sustained genes too,
whereas chronic low-level signalling keeps only the U-ISGF3 genes up (Cheon et al. 2013, EMBO J
32:2751). "No second component" is the case where BIC keeps one component or no component is
shifted by ``min_shift``: every cell is then ``none``.

Per-cell probabilities are the mixture's posterior responsibilities summed by label.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

LABELS: tuple[str, ...] = ("acute", "chronic", "none")

#: Cells used to fit one mixture at most (a seeded subsample; every cell is then scored).
MAX_FIT_CELLS = 20_000
#: Floor on a reference standard deviation, in the units of the standardised scores: a
#: component concentrated on tied values (sparse data) must not make every other cell "shifted".
MIN_SD = 0.25
#: Seeded k-means starts of each fit (besides the split starts).
N_INIT = 10


@dataclass(frozen=True)
class Gaussian2:
    """One bivariate Gaussian component: weight, mean (2,), covariance (2, 2)."""

    weight: float
    mean: np.ndarray
    cov: np.ndarray


def robust_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD-based scale per column (the standard deviation where the MAD is 0).

    Parameters
    ----------
    x
        Cells x 2 scores (finite).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Location and scale, each of length 2; the scale is at least 1e-6.
    """
    loc = np.median(x, axis=0)
    mad = 1.4826 * np.median(np.abs(x - loc), axis=0)
    sd = np.std(x, axis=0)
    scale = np.where(mad > 0, mad, sd)
    return loc, np.maximum(scale, 1e-6)


def gaussian_of(z: np.ndarray) -> Gaussian2:
    """Fit one Gaussian (mean and covariance) to standardised reference cells.

    Parameters
    ----------
    z
        Reference cells x 2.

    Returns
    -------
    Gaussian2
        Weight 1, the sample mean and covariance (variances floored at ``MIN_SD**2``).
    """
    mean = z.mean(axis=0)
    cov = np.cov(z, rowvar=False) if len(z) > 2 else np.eye(2)
    cov = np.atleast_2d(cov) + np.diag(np.maximum(MIN_SD**2 - np.diag(cov), 0.0))
    return Gaussian2(1.0, mean, cov)


def robust_gaussian(z: np.ndarray, *, seed: int = 0) -> Gaussian2:
    """Robust bivariate Gaussian of reference cells (scikit-learn's Minimum Covariance Determinant).

    A control group can hold a minority of cells with tonic or spontaneous IFN signalling;
    the MCD estimate (Rousseeuw 1984) rests on the most concentrated half of the cells, so
    they do not inflate the reference spread.

    Parameters
    ----------
    z
        Reference cells x 2 (standardised scores).
    seed
        ``random_state`` of the MCD search.

    Returns
    -------
    Gaussian2
        Weight 1, the robust location and covariance (variances floored at ``MIN_SD**2``); the
        plain mean and covariance (:func:`gaussian_of`) when the MCD cannot be computed.
    """
    from sklearn.covariance import MinCovDet  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    fit_z = z[rng.choice(len(z), MAX_FIT_CELLS, replace=False)] if len(z) > MAX_FIT_CELLS else z
    try:
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")  # sklearn warns on tied values; the floor handles them
            mcd = MinCovDet(random_state=seed).fit(fit_z)
    except ValueError:
        return gaussian_of(z)
    cov = np.asarray(mcd.covariance_, dtype=float)
    if not np.all(np.isfinite(cov)):
        return gaussian_of(z)
    cov = cov + np.diag(np.maximum(MIN_SD**2 - np.diag(cov), 0.0))
    return Gaussian2(1.0, np.asarray(mcd.location_, dtype=float), cov)


Start = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Rounds of merge-and-split moves at most (each round tries every move once).
MAX_SMEM_ROUNDS = 10


def _split(weight: float, mean: np.ndarray, cov: np.ndarray) -> list[tuple]:
    """Split one component in two along its main axis (Ueda et al. 2000).

    Half the weight each, means one standard deviation either side along the axis of largest
    variance, and the variance on that axis cut to a quarter.
    """
    vals, vecs = np.linalg.eigh(cov)
    axis = vecs[:, -1]
    step = np.sqrt(max(float(vals[-1]), 1e-12)) * axis
    half = cov - 0.75 * vals[-1] * np.outer(axis, axis)
    return [(weight / 2, mean - step, half), (weight / 2, mean + step, half)]


def _merge(parts: list[tuple]) -> tuple:
    """Merge components into one with their total weight, mean and covariance (moments)."""
    w = sum(p[0] for p in parts)
    m = sum(p[0] * p[1] for p in parts) / w
    c = sum(p[0] * (p[2] + np.outer(p[1] - m, p[1] - m)) for p in parts) / w
    return (w, m, c)


def _start(parts: list[tuple]) -> Start:
    """``weights_init``, ``means_init`` and ``precisions_init`` of a list of components."""
    return (
        np.array([p[0] for p in parts]),
        np.vstack([p[1] for p in parts]),
        np.linalg.inv(np.stack([p[2] for p in parts])),
    )


def _components(gm: Any) -> list[tuple]:
    return list(zip(gm.weights_, gm.means_, gm.covariances_, strict=True))


def _split_starts(prev: Any) -> list[Start]:
    """Make starts for ``k`` components from a ``k - 1`` fit: each component split in turn.

    Parameters
    ----------
    prev
        A fitted :class:`~sklearn.mixture.GaussianMixture` with full covariances.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        ``weights_init``, ``means_init`` and ``precisions_init`` of each start.
    """
    comps = _components(prev)
    return [
        _start([c for i, c in enumerate(comps) if i != j] + _split(*comps[j]))
        for j in range(len(comps))
    ]


def _merge_split_starts(gm: Any) -> list[Start]:
    """Make merge-and-split starts of a ``k``-component fit (the SMEM moves of Ueda et al. 2000).

    Every pair of components is merged while a third is split, so ``k`` is kept: the move that
    takes EM out of an optimum with one true component split in two and two others merged.

    Parameters
    ----------
    gm
        A fitted :class:`~sklearn.mixture.GaussianMixture` with full covariances, ``k >= 3``.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        ``weights_init``, ``means_init`` and ``precisions_init`` of each start.
    """
    comps = _components(gm)
    k = len(comps)
    out = []
    for a in range(k):
        for b in range(a + 1, k):
            for j in range(k):
                if j in (a, b):
                    continue
                kept = [c for i, c in enumerate(comps) if i not in (a, b, j)]
                out.append(_start(kept + [_merge([comps[a], comps[b]])] + _split(*comps[j])))
    return out


def fit_mixture(z: np.ndarray, *, max_components: int = 3, seed: int = 0) -> list[Gaussian2]:
    """Fit 1..``max_components`` full-covariance Gaussian mixtures and keep the lowest BIC.

    Each ``k``-component fit is the most likely of :data:`N_INIT` seeded k-means starts
    (scikit-learn's ``n_init``) and of ``k - 1`` deterministic starts that split one component
    of the chosen ``(k - 1)``-component fit (:func:`_split_starts`); from ``k = 3`` on, it is
    then improved by merge-and-split moves (:func:`_merge_split_starts`) until none raises the
    likelihood (at most :data:`MAX_SMEM_ROUNDS` rounds).

    Parameters
    ----------
    z
        Cells x 2 standardised scores (finite).
    max_components
        Largest number of components tried (fewer when there are few cells).
    seed
        ``random_state`` of scikit-learn (initialisation and the subsample of large inputs).

    Returns
    -------
    list of Gaussian2
        The components of the chosen fit.
    """
    from sklearn.mixture import GaussianMixture  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    fit_z = z[rng.choice(len(z), MAX_FIT_CELLS, replace=False)] if len(z) > MAX_FIT_CELLS else z

    def fitted(k: int, **init: Any) -> GaussianMixture:
        gm = GaussianMixture(
            n_components=k, covariance_type="full", reg_covar=1e-3, random_state=seed, **init
        )
        # one thread: 2-D fits are tiny, and k-means' OpenMP pool only adds contention
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning: BIC still ranks fits
            gm.fit(fit_z)
        return gm

    best: GaussianMixture | None = None
    best_bic = np.inf
    prev: GaussianMixture | None = None
    k_max = int(max(1, min(max_components, len(fit_z) // 20)))

    def better(gm: GaussianMixture, loglik: float, starts: list[Start]) -> tuple:
        """Keep the most likely of ``gm`` and the fits from ``starts`` (skip a degenerate one)."""
        for weights, means, precisions in starts:
            try:
                cand = fitted(
                    gm.n_components,
                    weights_init=weights,
                    means_init=means,
                    precisions_init=precisions,
                )
            except (ValueError, np.linalg.LinAlgError):
                continue
            cand_loglik = float(cand.score(fit_z))
            if cand_loglik > loglik + 1e-9:
                gm, loglik = cand, cand_loglik
        return gm, loglik

    for k in range(1, k_max + 1):
        gm = fitted(k, n_init=N_INIT)
        loglik = float(gm.score(fit_z))
        if prev is not None:
            gm, loglik = better(gm, loglik, _split_starts(prev))
        for _ in range(MAX_SMEM_ROUNDS if k >= 3 else 0):
            before = loglik
            gm, loglik = better(gm, loglik, _merge_split_starts(gm))
            if loglik <= before:
                break
        prev = gm
        bic = float(gm.bic(fit_z))
        if bic < best_bic:
            best, best_bic = gm, bic
    if best is None:  # pragma: no cover - k_max >= 1 always fits
        raise RuntimeError("no mixture was fitted")
    return [
        Gaussian2(float(w), np.asarray(m, dtype=float), np.asarray(c, dtype=float))
        for w, m, c in zip(best.weights_, best.means_, best.covariances_, strict=True)
    ]


def label_components(
    components: list[Gaussian2], reference: Gaussian2, *, min_shift: float
) -> list[tuple[str, float, float]]:
    """Label each component against the reference: ``acute``, ``chronic`` or ``none``.

    Parameters
    ----------
    components
        Fitted components.
    reference
        The "none" component the shifts are measured from.
    min_shift
        Smallest shift of a component mean, in reference standard deviations, that counts as
        a raised programme.

    Returns
    -------
    list of (str, float, float)
        Label, shift on ``z_acute`` and shift on ``z_sustained`` of each component.
    """
    sd = np.sqrt(np.maximum(np.diag(reference.cov), MIN_SD**2))
    out = []
    for c in components:
        d_a, d_s = (c.mean - reference.mean) / sd
        if d_a >= min_shift:
            lab = "acute"
        elif d_s >= min_shift:
            lab = "chronic"
        else:
            lab = "none"
        out.append((lab, float(d_a), float(d_s)))
    return out


def posteriors(z: np.ndarray, components: list[Gaussian2], labels: list[str]) -> pd.DataFrame:
    """Posterior probability of each label for every cell (responsibilities summed by label).

    Parameters
    ----------
    z
        Cells x 2 standardised scores (finite).
    components
        Mixture components (weights need not sum to 1: they are normalised).
    labels
        The label of each component (in :data:`LABELS`).

    Returns
    -------
    pandas.DataFrame
        Columns ``acute``, ``chronic``, ``none``; rows sum to 1.
    """
    from scipy.stats import multivariate_normal

    total = sum(c.weight for c in components)
    logp = np.column_stack(
        [
            np.log(max(c.weight / total, 1e-300))
            + multivariate_normal(mean=c.mean, cov=c.cov, allow_singular=True).logpdf(z)
            for c in components
        ]
    ).reshape(len(z), len(components))
    logp -= logp.max(axis=1, keepdims=True)
    resp = np.exp(logp)
    resp /= resp.sum(axis=1, keepdims=True)
    out = pd.DataFrame(0.0, index=range(len(z)), columns=list(LABELS))
    for j, lab in enumerate(labels):
        out[lab] += resp[:, j]
    return out
