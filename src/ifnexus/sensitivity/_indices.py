"""Sobol and Morris indices of any vectorised function over parameter ranges, via SALib.

The one place that maps an evaluator (sample points in, outputs out) to sensitivity indices:
the model analysis (:func:`ifnexus.sensitivity.model_sensitivity`) and the closed-form checks
(Ishigami, additive linear models in ``tests/sensitivity``) go through the same code.

* Sobol: Saltelli's extension of the scrambled Sobol' sequence (``SALib.sample.sobol``, first
  and total order only, so ``N (D + 2)`` evaluations for ``N`` base samples and ``D``
  parameters) and the Saltelli 2010 / Jansen estimators of ``SALib.analyze.sobol``, whose
  confidence intervals come from its bootstrap over the base samples (``S1_conf``/``ST_conf``
  are half-widths at ``conf_level``).
* Morris: ``N`` one-at-a-time trajectories on a ``num_levels`` grid (``N (D + 1)``
  evaluations) and ``SALib.analyze.morris``: ``mu_star`` (mean absolute elementary effect),
  ``mu``, ``sigma`` (spread of the effects: interactions or non-linearity) and the bootstrap
  interval of ``mu_star``. An elementary effect is the change of the output over a step of the
  grid divided by that step as a fraction of the range (in the sampled scale: log for
  log-uniform ranges), so ``mu_star`` reads as "output change over the whole range".

Seeds: one entropy gives the sampling seed and the bootstrap seed (children of one
``SeedSequence``; never 0, which SALib's Sobol analysis reads as "no seed").
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus._optional import import_optional
from ifnexus._rng import RngLike, seed_entropy
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.sensitivity._ranges import ParameterRange
from ifnexus.sensitivity._result import COLUMNS, SensitivityResult

__all__ = ["METHODS", "MIN_SAMPLES", "sensitivity_indices"]

log = logging.getLogger(__name__)

Method = Literal["sobol", "morris"]
METHODS: tuple[str, ...] = ("sobol", "morris")
#: the fewest base samples (Sobol) or trajectories (Morris) accepted
MIN_SAMPLES: Mapping[str, int] = MappingProxyType({"sobol": 16, "morris": 4})
#: the most model evaluations one analysis may ask for
MAX_EVALUATIONS = 2_000_000


def _salib(what: str):
    import_optional("SALib", extra="sensitivity", purpose=f"{what} (global sensitivity analysis)")
    from SALib.analyze import morris as morris_analyze  # type: ignore[import-untyped]
    from SALib.analyze import sobol as sobol_analyze  # type: ignore[import-untyped]
    from SALib.sample import morris as morris_sample  # type: ignore[import-untyped]
    from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def _child_seeds(entropy: int, n: int) -> list[int]:
    """``n`` positive 31-bit seeds from one entropy (SALib's Sobol analysis ignores seed 0)."""
    kids = np.random.SeedSequence(entropy).spawn(n)
    return [int(k.generate_state(1, np.uint32)[0]) % (2**31 - 2) + 1 for k in kids]


def n_evaluations(method: str, samples: int, n_params: int) -> int:
    """Model evaluations of an analysis: ``N (D + 2)`` (Sobol) or ``N (D + 1)`` (Morris)."""
    return samples * (n_params + (2 if method == "sobol" else 1))


def check_design(method: str, samples: object, n_params: int, *, option: str = "samples") -> int:
    """Check the method and the sample count; return the count.

    Raises
    ------
    ValidationError
        Unknown method, a count that is not an integer, too few (``MIN_SAMPLES``), not a power
        of two for Sobol (the Sobol' sequence's balance needs it), or too many evaluations.
    """
    if method not in METHODS:
        raise ValidationError(f"method {method!r} is unknown; accepted: {', '.join(METHODS)}")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer):
        raise ValidationError(f"{option} must be an integer, got {samples!r}")
    n = int(samples)
    low = MIN_SAMPLES[method]
    what = "base samples" if method == "sobol" else "trajectories"
    if n < low:
        raise ValidationError(
            f"{option} {n}: too few {what} for {method} (at least {low}; the bootstrap "
            "intervals need them)"
        )
    if method == "sobol" and n & (n - 1):
        lo = 1 << (n.bit_length() - 1)
        raise ValidationError(
            f"{option} {n}: sobol needs a power of two of base samples (the Sobol' sequence is "
            f"balanced only then); got {n}, use {lo} or {lo * 2}"
        )
    total = n_evaluations(method, n, n_params)
    if total > MAX_EVALUATIONS:
        raise ValidationError(
            f"{option} {n}: {n} {what} x {n_params} parameters is {total:,} evaluations, over the "
            f"limit of {MAX_EVALUATIONS:,}; use fewer"
        )
    return n


def problem_of(ranges: Sequence[ParameterRange]) -> dict:
    """Return the SALib problem of ``ranges``: names, bounds and ``unif``/``logunif`` distributions."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[r.lower, r.upper] for r in ranges],
        "dists": ["logunif" if r.scale == "log" else "unif" for r in ranges],
    }


def sample_points(
    ranges: Sequence[ParameterRange], *, method: str, samples: int, seed: int, num_levels: int = 4
) -> np.ndarray:
    """Return the sample points ``(n_evaluations, D)`` of the design, in the parameters' units."""
    sobol_sample, _, morris_sample, _ = _salib(f"method={method!r}")
    problem = problem_of(ranges)
    if method == "sobol":
        x = sobol_sample.sample(problem, samples, calc_second_order=False, scramble=True,
                                seed=seed)  # fmt: skip
    else:
        x = morris_sample.sample(problem, samples, num_levels=num_levels, seed=seed)
    return np.asarray(x, dtype=float)


def sensitivity_indices(
    evaluate: Callable[[np.ndarray], np.ndarray],
    ranges: Sequence[ParameterRange],
    *,
    method: str = "sobol",
    samples: int = 256,
    outputs: Sequence[str] = ("y",),
    rng: RngLike = 0,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    num_levels: int = 4,
    threshold: float = 0.1,
    context: dict | None = None,
) -> SensitivityResult:
    """Sobol or Morris indices of ``evaluate`` over ``ranges``.

    Parameters
    ----------
    evaluate
        Takes the sample points, an array ``(n, D)`` (columns in the order of ``ranges``, in
        the parameters' units) and returns the outputs, ``(n,)`` or ``(n, len(outputs))``.
    ranges
        The sampled range of each parameter (:func:`parameter_ranges`).
    method
        ``"sobol"`` (first and total order, Saltelli sampling) or ``"morris"`` (elementary
        effects).
    samples
        Sobol: base samples ``N`` (a power of two, at least 16; ``N (D + 2)`` evaluations).
        Morris: trajectories (at least 4; ``N (D + 1)`` evaluations).
    outputs
        Names of the outputs (columns of what ``evaluate`` returns).
    rng
        Seed of the sampling and of the bootstrap intervals (same seed, same indices).
    conf_level
        Confidence level of the bootstrap intervals.
    num_resamples
        Bootstrap resamples.
    num_levels
        Morris grid levels.
    threshold
        What "the answer hinges on" means: Sobol ``ST > threshold``; Morris ``mu_star`` above
        ``threshold`` times the largest ``mu_star`` of that output.
    context
        Facts of the run recorded with the result (schedule, setting, cohort size, ...).

    Returns
    -------
    SensitivityResult
        ``table`` (one row per output and parameter; columns ``output``, ``parameter``,
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol; half-widths of the intervals),
        ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (Morris); the other method's columns
        are NaN), the ranges, the evaluations and the run's facts.

    Raises
    ------
    ValidationError
        A bad method, sample count, level or threshold; no ranges or a name twice; outputs of
        the wrong shape, or not finite (the message counts the points).
    MissingDependencyError
        SALib is not installed (the ``sensitivity`` extra).

    Examples
    --------
    An additive model's Morris effects are its slopes times the ranges:

    >>> from ifnexus.sensitivity import ParameterRange
    >>> rs = [ParameterRange(n, 0.0, 1.0, 0.5, "linear", "given", "") for n in ("a", "b")]
    >>> res = sensitivity_indices(lambda x: 2 * x[:, 0] + x[:, 1], rs, method="morris",
    ...                           samples=4, rng=0)
    >>> res.table["mu_star"].round(6).tolist()
    [2.0, 1.0]
    >>> res.hinges_on()
    ['a', 'b']
    """
    ranges = tuple(ranges)
    if not ranges:
        raise ValidationError("ranges names no parameter to vary")
    names = [r.name for r in ranges]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValidationError(f"ranges names a parameter twice: {', '.join(dup)}")
    for r in ranges:
        if not (math.isfinite(r.lower) and math.isfinite(r.upper)) or r.lower >= r.upper:
            raise ValidationError(
                f"ranges gives an empty range for {r.name!r} ({r.lower:g} to {r.upper:g})"
            )
    n = check_design(method, samples, len(ranges))
    if not 0 < conf_level < 1:
        raise ValidationError(f"conf_level must be in (0, 1), got {conf_level!r}")
    if not 0 < threshold < 1:
        raise ValidationError(f"threshold must be in (0, 1), got {threshold!r}")
    if int(num_levels) < 2 or int(num_levels) % 2:
        raise ValidationError(f"num_levels must be an even integer >= 2, got {num_levels!r}")
    outs = [str(o) for o in outputs]
    if not outs or len(set(outs)) != len(outs):
        raise ValidationError(f"outputs must be distinct names, got {outputs!r}")
    entropy = seed_entropy(rng)
    s_sample, s_boot = _child_seeds(entropy, 2)
    x = sample_points(ranges, method=method, samples=n, seed=s_sample, num_levels=num_levels)
    log.info("%s: %d evaluations of %d parameters", method, x.shape[0], len(ranges))
    y = np.asarray(evaluate(x), dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != (x.shape[0], len(outs)):
        raise ValidationError(
            f"the evaluator returned shape {y.shape}; expected ({x.shape[0]}, {len(outs)}) "
            f"for {x.shape[0]} points and outputs {outs}"
        )
    bad = ~np.isfinite(y)
    if bad.any():
        j = int(np.argmax(bad.any(axis=0)))
        raise ValidationError(
            f"output {outs[j]!r} is not finite at {int(bad[:, j].sum())} of {y.shape[0]} "
            "sample points; indices need a value at every point"
        )
    _, sobol_analyze, _, morris_analyze = _salib(f"method={method!r}")
    rows = []
    for j, out in enumerate(outs):
        yj = np.ascontiguousarray(y[:, j])
        row = {c: np.full(len(ranges), np.nan) for c in COLUMNS[2:]}
        if np.ptp(yj) == 0:
            warnings.warn(
                f"output {out!r} does not vary over the sampled ranges ({yj[0]:g} at every "
                "point): its indices are undefined (NaN)",
                IfnexusWarning,
                stacklevel=2,
            )
        elif method == "sobol":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                si = sobol_analyze.analyze(problem_of(ranges), yj, calc_second_order=False,
                                           num_resamples=num_resamples, conf_level=conf_level,
                                           seed=s_boot)  # fmt: skip
            for k in ("S1", "S1_conf", "ST", "ST_conf"):
                row[k] = np.asarray(si[k], dtype=float)
        else:
            si = morris_analyze.analyze(problem_of(ranges), x, yj, num_resamples=num_resamples,
                                        conf_level=conf_level, num_levels=num_levels,
                                        seed=s_boot)  # fmt: skip
            for k in ("mu_star", "mu_star_conf", "mu", "sigma"):
                row[k] = np.asarray(si[k], dtype=float)
        rows.append(pd.DataFrame({"output": out, "parameter": names, **row}))
    table = pd.concat(rows, ignore_index=True)[list(COLUMNS)]
    evaluations = pd.DataFrame(x, columns=names)
    for j, out in enumerate(outs):
        evaluations[out] = y[:, j]
    return SensitivityResult(
        table=table,
        ranges=ranges,
        method=method,
        outputs=tuple(outs),
        samples=n,
        n_evaluations=int(x.shape[0]),
        seed=entropy,
        conf_level=float(conf_level),
        threshold=float(threshold),
        evaluations=evaluations,
        context=dict(context or {}),
    )
