"""The single-cell section's acute-IFN fold change: said in words when RT / sham is undefined."""

from __future__ import annotations

import pandas as pd

from ifnexus.report._build import _acute_fold_text
from ifnexus.report._html import Table

ROW = "acute-IFN share of malignant cells, recovered"


def _case(sham: float, rt: float, truth: tuple[float, float] | None = None) -> str:
    per = pd.DataFrame(
        {
            "condition": ["sham", "sham", "RT", "RT"],
            "acute_malignant_recovered": [sham, sham, rt, rt],
        }
    )
    if truth is not None:  # (sham, RT) true shares
        per["acute_malignant_true"] = [truth[0], truth[0], truth[1], truth[1]]
    fold = pd.DataFrame({"measure": [ROW], "fold": [rt / sham if sham else float("nan")]})
    return _acute_fold_text(per, Table("t", fold, id="sc-fold"), ROW)


def test_defined_fold_is_cited():
    text = _case(0.02, 0.08)
    assert "4.00" in text and "-fold" in text


def test_no_acute_cell_in_either_arm_is_not_estimable():
    assert "no malignant cell was called acute in either arm" in _case(0.0, 0.0)


def test_none_in_sham_names_the_rt_share():
    text = _case(0.0, 0.05)
    assert "not estimable" in text and "5.0%" in text


def test_none_called_where_the_truth_has_some_says_the_call_missed_them():
    # the demo at 26 states: truth 2.1% (sham) and 9.2% (RT), none called (docs/study.md)
    text = _case(0.0, 0.0, truth=(0.021, 0.092))
    assert "the IFN-state call missed them" in text and "not estimable" in text
    text = _case(0.0, 0.05, truth=(0.021, 0.092))
    assert "the IFN-state call missed them" in text and "5.0%" in text


def test_none_called_where_the_truth_has_none_is_not_a_miss():
    assert "missed" not in _case(0.0, 0.0, truth=(0.0, 0.0))
    assert "missed" not in _case(0.0, 0.05, truth=(0.0, 0.06))
