"""The one seed normaliser (ifnexus._rng): generators, integer entropy, bad seeds."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus._rng import as_generator, check_seed, seed_entropy, spawn
from ifnexus.errors import ValidationError


def test_int_seed_is_numpys_and_zero_is_valid():
    for seed in (0, 7, np.int64(7)):
        a = as_generator(seed).random(3)
        np.testing.assert_array_equal(a, np.random.default_rng(int(seed)).random(3))
    assert seed_entropy(0) == 0 and seed_entropy(np.uint32(12)) == 12


def test_generator_is_passed_through_and_advanced():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    ref = np.random.default_rng(1)
    assert seed_entropy(g) == int(ref.integers(0, 2**63))


def test_seed_sequence_entropy_is_its_first_state_word():
    ss = np.random.SeedSequence(42)
    assert seed_entropy(ss) == int(np.random.SeedSequence(42).generate_state(2, np.uint64)[0])
    assert seed_entropy(ss) == seed_entropy(np.random.SeedSequence(42))  # not consumed


def test_none_draws_fresh_entropy():
    values = {seed_entropy(None) for _ in range(4)}
    assert len(values) == 4 and all(0 <= v < 2**64 for v in values)


@pytest.mark.parametrize("bad", [-1, np.int64(-5), True, False, np.bool_(True)])
def test_negative_and_bool_seeds_are_validation_errors(bad):
    for f in (as_generator, seed_entropy, check_seed):
        with pytest.raises(ValidationError, match="seed"):
            f(bad)


@pytest.mark.parametrize("bad", [1.5, "0", [0]])
def test_other_types_are_type_errors(bad):
    for f in (as_generator, seed_entropy):
        with pytest.raises(TypeError, match="rng"):
            f(bad)


def test_spawn_children_are_independent_and_reproducible():
    a = [g.random() for g in spawn(3, 3)]
    b = [g.random() for g in spawn(3, 3)]
    assert a == b and len(set(a)) == 3
