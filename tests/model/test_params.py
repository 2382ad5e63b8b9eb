"""The parameter declaration: complete, sourced, one value per setting."""

from __future__ import annotations

import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model import PARAMETERS, SETTINGS, parameter_table, parameters


def test_every_parameter_has_unit_value_and_source():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    for p in PARAMETERS:
        assert p.unit and p.meaning and p.source, p.name
        for src in (p.source, p.source_patient):
            if src.lower().startswith("assumed"):
                # an assumption must say why
                assert len(src.split(":", 1)[-1].strip()) > 3 or src.lower() == "assumed", p.name
        assert p.mouse == p.mouse and p.patient == p.patient  # not NaN


def test_settings_are_separate_sets():
    m, pt = parameters("mouse"), parameters("patient")
    assert set(m) == set(pt) and set(SETTINGS) == {"mouse", "patient"}
    assert m["n0"] < pt["n0"]  # graft of 1e7-1e8 cells vs gross MPNST
    assert 1e7 <= m["n0"] <= 1e8
    assert m["alpha_l"] == pt["alpha_l"] == 0.182


def test_overrides_and_errors():
    assert parameters("mouse", e_kill=1.0)["e_kill"] == 1.0
    with pytest.raises(UnknownNameError):
        parameters("mouse", no_such=1)
    with pytest.raises(UnknownNameError):
        parameters("rat")
    with pytest.raises(ValidationError):
        parameters("mouse", e_kill="x")


def test_table_columns():
    t = parameter_table()
    assert {"name", "unit", "mouse", "patient", "source"} <= set(t.columns)
    assert len(t) == len(PARAMETERS)
