"""The panel runner on a readout with no evaluable tumour: NaN, and the entry ``not evaluable``.

Expectations from the definitions: the mean of a readout over its evaluable tumours leaves
the missing ones out (NaN, or ``pd.NA`` of a nullable column), and is undefined (NaN) when no
tumour is evaluable; a check that compares an undefined value can neither agree nor disagree.
"""

from __future__ import annotations

import ifnexus_literature_panel as panel  # panel.py, loaded by conftest.py
import numpy as np
import pandas as pd
import pytest


def test_mean_of_an_all_missing_readout_is_nan():
    all_na = pd.Series(pd.array([pd.NA, pd.NA, pd.NA], dtype="boolean"))
    assert np.isnan(panel.mean_readout(all_na))
    assert np.isnan(panel.mean_readout(pd.Series([np.nan, np.nan])))
    # missing tumours are left out: 1 of the 2 evaluable ones
    part = pd.Series(pd.array([True, pd.NA, False], dtype="boolean"))
    assert panel.mean_readout(part) == 0.5
    assert panel.mean_readout(pd.Series([0.2, np.nan, 0.4])) == pytest.approx(0.3)


ENTRY = {
    "id": "synthetic_lymphopenia",
    "readout": "severe_lymphopenia_1mo",
    "kind": "cohort",
    "arms": {"short": {}, "long": {}},
    "checks": [{"op": "greater", "a": "long", "b": "short", "margin": 0.1}],
}


def _arms(frames):
    # run_arm's readout step on hand-made per-tumour frames (no model)
    return lambda entry, meta, name: {
        r: panel.mean_readout(frames[name][r]) for r in panel._readouts(entry)
    }


def test_entry_with_an_unevaluable_arm_is_not_evaluable(monkeypatch):
    frames = {
        # follow-up under 30 days: no tumour has a 1-month count
        "short": pd.DataFrame({"severe_lymphopenia_1mo": pd.array([pd.NA] * 4, dtype="boolean")}),
        "long": pd.DataFrame(
            {"severe_lymphopenia_1mo": pd.array([True, True, False, pd.NA], dtype="boolean")}
        ),
    }
    monkeypatch.setattr(panel, "run_arm", _arms(frames))
    res = panel.run_entry(ENTRY, {"seed": 0})
    assert res.status == "not evaluable"
    assert np.isnan(res.values["short"]["severe_lymphopenia_1mo"])
    assert res.values["long"]["severe_lymphopenia_1mo"] == pytest.approx(2 / 3)
    assert [c.evaluable for c in res.checks] == [False]
    assert not res.checks[0].ok
    assert res.model_text.startswith("not evaluable")
    assert "short not evaluable" in res.model_text


def test_same_entry_with_values_is_evaluated(monkeypatch):
    frames = {
        "short": pd.DataFrame({"severe_lymphopenia_1mo": pd.array([False, True, False, False])}),
        "long": pd.DataFrame(
            {"severe_lymphopenia_1mo": pd.array([True, True, False, pd.NA], dtype="boolean")}
        ),
    }
    monkeypatch.setattr(panel, "run_arm", _arms(frames))
    res = panel.run_entry(ENTRY, {"seed": 0})
    # 2/3 - 1/4 = 0.417 >= 0.1
    assert res.status == "agree" and res.checks[0].evaluable


def test_decreasing_check_with_a_missing_arm_is_not_evaluable():
    entry = {
        "id": "x",
        "readout": "r",
        "checks": [{"op": "decreasing", "arms": ["p", "q"], "margin": 0.0}],
    }
    (c,) = panel.evaluate(entry, {"p": {"r": 0.5}, "q": {"r": float("nan")}})
    assert not c.evaluable and not c.ok


def test_model_run_shorter_than_the_readout_day_is_not_evaluable():
    """End to end through simulate_cohort: 20 days of follow-up, a 30-day readout."""
    entry = {
        **ENTRY,
        "kind": "cohort",
        "setting": "patient",
        "days": 20,
        "n": 8,
        "arms": {"short": {"schedule": "0:2"}, "long": {"schedule": "0:20"}},
    }
    res = panel.run_entry(entry, {"seed": 0, "n_mouse": 8, "n_patient": 8})
    assert res.status == "not evaluable"
    assert all(np.isnan(v["severe_lymphopenia_1mo"]) for v in res.values.values())
