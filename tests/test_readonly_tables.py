"""Public tables that steer results are read-only, nested values included."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import pytest

from ifnexus.model import GENOTYPES, HOSTS, simulate_cohort
from ifnexus.model._cohort import DEFAULT_DAYS
from ifnexus.model._solver import GRIDS
from ifnexus.singlecell import SIGNATURES
from ifnexus.tumour._contexture import CONTEXTURE_SETS

TABLES = {
    "GENOTYPES": GENOTYPES,
    "HOSTS": HOSTS,
    "GRIDS": GRIDS,
    "DEFAULT_DAYS": DEFAULT_DAYS,
    "SIGNATURES": SIGNATURES,
    "CONTEXTURE_SETS": CONTEXTURE_SETS,
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_assignment_raises(name):
    table = TABLES[name]
    key = next(iter(table))
    with pytest.raises(TypeError):
        table[key] = table[key]  # type: ignore[index]
    with pytest.raises(TypeError):
        table["new-entry"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        del table[key]  # type: ignore[attr-defined]
    for value in table.values():  # nested mappings are read-only too
        if isinstance(value, Mapping):
            with pytest.raises(TypeError):
                value["x"] = 0.0  # type: ignore[index]


def test_every_public_uppercase_table_is_read_only():
    """Any UPPERCASE mapping in a domain's __all__ is immutable (tuples are already)."""
    for mod_name in ("ifnexus.model", "ifnexus.tumour", "ifnexus.outcome", "ifnexus.singlecell",
                     "ifnexus.scoring", "ifnexus.screen", "ifnexus.genesets", "ifnexus.study"):  # fmt: skip
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", []):
            value = getattr(mod, name)
            if name.isupper() and isinstance(value, Mapping):
                assert not isinstance(value, dict), f"{mod_name}.{name} is a mutable dict"
            if name.isupper() and isinstance(value, list | set):
                pytest.fail(f"{mod_name}.{name} is a mutable {type(value).__name__}")


def test_genotype_steers_the_simulation_as_before():
    """Freezing changes nothing: sting-loss still zeroes tumour STING in every patient."""
    res = simulate_cohort("20Gy x1", n_patients=4, rng=0, setting="mouse", days=10,
                          genotype="sting-loss")  # fmt: skip
    assert GENOTYPES["sting-loss"]["t_sting"] == 0.0
    assert not res.patients["ifn_competent"].any()
