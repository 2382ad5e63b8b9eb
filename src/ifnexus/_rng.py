"""One place that turns a seed into a numpy Generator; zero is a valid seed."""

from __future__ import annotations

import numpy as np

RngLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """Return a Generator for ``rng`` (an int seed, a SeedSequence, a Generator or None)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer | np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be an int seed, a numpy Generator or None, got {type(rng).__name__}")


def spawn(rng: RngLike, n: int) -> list[np.random.Generator]:
    """Return ``n`` independent child Generators, one per sub-task."""
    return as_generator(rng).spawn(n)
