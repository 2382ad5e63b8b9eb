"""Shared by the trial tests: the small two-arm design they vary, and "same trial" check."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

#: RT and RT + anti-PD-1, both 50 Gy in 25 fractions
_ARMS = (
    {"name": "RT", "schedule": "50Gy/25fx"},
    {"name": "RT + anti-PD-1", "schedule": "50Gy/25fx",
     "interventions": ["anti-pd1:day=0,dose=1,repeat=6,every=14"]},
)  # fmt: skip


def _two_arm_design(patients: int, followup_years: float, seed: int, local_control_years: float,
                    *extra_arms: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {
        "trial": {"name": "t", "reference": "RT", "patients_per_arm": patients,
                  "followup_years": followup_years, "seed": seed},
        "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3}},
        "endpoint": {"local_control_years": local_control_years},
        "arms": copy.deepcopy([*_ARMS, *extra_arms]),
    }  # fmt: skip


def _same_trial(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.patients, b.patients, check_exact=True)
    pd.testing.assert_frame_equal(a.arms, b.arms, check_exact=True)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons, check_exact=True)


@pytest.fixture
def two_arm_design() -> Callable[..., dict[str, Any]]:
    """``make(patients, followup_years, seed, local_control_years, *extra_arms)``: a new
    design dict (``design_from_dict``) of RT vs RT + anti-PD-1 on a mixed IFN population."""
    return _two_arm_design


@pytest.fixture
def assert_same_trial() -> Callable[[Any, Any], None]:
    """``check(a, b)``: two trial results have exactly the same patients, arms and comparisons."""
    return _same_trial
