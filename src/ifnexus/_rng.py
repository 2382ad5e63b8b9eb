"""One place that normalises seeds: a numpy Generator or an integer entropy; zero is a valid seed.

Every stochastic function of ifnexus takes ``rng: int | numpy.random.Generator |
numpy.random.SeedSequence | None`` and normalises it here: :func:`as_generator` when it draws
from a Generator, :func:`seed_entropy` when it needs one integer to build a reproducible
``SeedSequence`` tree (the model's cohorts: patient ``i`` draws from the same block whatever the
chunking). A negative integer or a bool is a :class:`~ifnexus.errors.ValidationError`; any other
type a ``TypeError``.
"""

from __future__ import annotations

import numpy as np

from ifnexus.errors import ValidationError

__all__ = ["RngLike", "as_generator", "check_seed", "seed_entropy", "spawn"]

RngLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None

_ENTROPY_BOUND = 2**63


def check_seed(seed: int | np.integer, *, name: str = "rng") -> int:
    """``seed`` as a Python int after checking it is a non-negative integer (0 is valid).

    Parameters
    ----------
    seed
        The integer seed.
    name
        The argument name used in the error message.

    Returns
    -------
    int
        The seed.

    Raises
    ------
    ValidationError
        ``seed`` is a bool or negative.
    TypeError
        ``seed`` is not an integer.

    Examples
    --------
    >>> check_seed(0)
    0
    """
    if isinstance(seed, bool | np.bool_):
        raise ValidationError(f"{name} must be an integer seed >= 0, got the bool {seed!r}")
    if not isinstance(seed, int | np.integer):
        raise TypeError(f"{name} must be an integer seed, got {type(seed).__name__}")
    if seed < 0:
        raise ValidationError(f"{name} must be an integer seed >= 0 (0 is valid), got {seed}")
    return int(seed)


def _check_type(rng: object, name: str) -> None:
    if isinstance(rng, bool | np.bool_) or isinstance(rng, int | np.integer):
        check_seed(rng, name=name)  # type: ignore[arg-type]
    elif rng is not None and not isinstance(rng, np.random.Generator | np.random.SeedSequence):
        raise TypeError(
            f"{name} must be an int seed, a numpy Generator or SeedSequence, or None; "
            f"got {type(rng).__name__}"
        )


def as_generator(rng: RngLike, *, name: str = "rng") -> np.random.Generator:
    """Return a Generator for ``rng`` (an int seed >= 0, a SeedSequence, a Generator or None).

    A Generator is returned as is (drawing from it advances the caller's stream); ``None`` seeds
    from the operating system.

    Examples
    --------
    >>> float(as_generator(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    _check_type(rng, name)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer):
        return np.random.default_rng(int(rng))
    return np.random.default_rng(rng)


def seed_entropy(rng: RngLike, *, name: str = "rng") -> int:
    """One non-negative integer that seeds a reproducible ``SeedSequence`` tree.

    Parameters
    ----------
    rng
        An int seed >= 0 (returned as is, 0 is valid); a SeedSequence (the first 64-bit word of
        its state); a Generator (one draw in ``[0, 2**63)``, which advances it); or None (fresh
        entropy from the operating system).
    name
        The argument name used in error messages.

    Returns
    -------
    int
        The entropy, ``0 <= entropy < 2**64``; record it to reproduce the run.

    Raises
    ------
    ValidationError
        A negative integer or a bool.
    TypeError
        Any other type.

    Examples
    --------
    >>> seed_entropy(7)
    7
    >>> seed_entropy(np.random.SeedSequence(7)) == seed_entropy(np.random.SeedSequence(7))
    True
    """
    _check_type(rng, name)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, _ENTROPY_BOUND))
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(2, np.uint64)[0])
    if rng is None:
        return int(np.random.SeedSequence().generate_state(2, np.uint64)[0])
    return int(rng)


def spawn(rng: RngLike, n: int) -> list[np.random.Generator]:
    """Return ``n`` independent child Generators, one per sub-task."""
    return as_generator(rng).spawn(n)
