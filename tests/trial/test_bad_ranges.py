"""Issue 17, bad input: every searched range of an optimiser space that is empty is named."""

from __future__ import annotations

import copy

import pytest

from ifnexus.errors import ValidationError
from ifnexus.trial import space_from_dict

SPACE = {
    "optimise": {"seed": 1, "patients": 20, "generations": 1, "population_size": 2, "top": 2,
                 "states": ["chronic"], "robustness_draws": 2, "followup_years": 2},
    "schedule": {"dose_per_fraction": [2, 8], "fractions": [3, 20], "overall_days": [5, 40]},
    "interventions": {"sting-agonist": {"optional": True, "day": [-7, 14]},
                      "ifnar-block": {"start": [0, 14], "length": [7, 14]}},
    "constraint": {"organ": "skin", "relative_dose": 0.9, "max_ntcp": 0.05},
}  # fmt: skip


def test_the_space_reads():
    space_from_dict(copy.deepcopy(SPACE))


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("schedule", "dose_per_fraction", [8, 2]),
        ("schedule", "fractions", [20, 3]),
        ("schedule", "overall_days", [40, 5]),
        ("sting-agonist", "day", [14, -7]),
        ("ifnar-block", "start", [14, 0]),
        ("ifnar-block", "length", [14, 7]),
    ],
)
def test_an_empty_range_is_named(table, key, value):
    d = copy.deepcopy(SPACE)
    (d["schedule"] if table == "schedule" else d["interventions"][table])[key] = value
    with pytest.raises(ValidationError, match=rf"'{key}' is an empty range"):
        space_from_dict(d)
