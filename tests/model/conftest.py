"""Shared fixtures of the model tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def summary_keys() -> tuple[str, ...]:
    """The keys issue 3 requires of ``ifnexus simulate --json`` (and ``CohortResult.to_dict()``)."""
    return ("schedule", "bed", "eqd2", "n_patients", "local_control", "tcp_mean",
            "ifn_auc_30d", "ifn_labels", "cd8_fold_change_day7")  # fmt: skip
