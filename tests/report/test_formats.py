"""Report cell formatters: every missing value (None, NaN, ``pd.NA``, NaT) is shown as a gap.

The expectation is the definition of a missing cell: a nullable column's ``pd.NA`` is as
missing as a float NaN, so each formatter shows it as ``n/a`` (``""`` for text) instead of
raising (``bool(pd.NA)`` and ``float(pd.NA)`` raise ``TypeError``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.report._html import (
    _FORMATS,
    Section,
    Table,
    _is_missing,
    fmt_fixed,
    fmt_int,
    fmt_p,
    fmt_pct,
    fmt_yesno,
    render_html,
)

MISSING = [None, float("nan"), np.float64("nan"), np.float32("nan"), pd.NA, pd.NaT]


@pytest.mark.parametrize("v", MISSING, ids=repr)
def test_every_formatter_shows_a_missing_value_as_a_gap(v):
    assert _is_missing(v)
    for name, f in _FORMATS.items():
        assert f(v) == ("" if name == "text" else "n/a"), name
    for f in (fmt_pct, fmt_p, fmt_int, fmt_yesno, fmt_fixed(4)):
        assert f(v) == "n/a"


@pytest.mark.parametrize("v", [0, 0.0, False, np.False_, "", "NA", [np.nan], (1, 2)], ids=repr)
def test_values_are_not_missing(v):
    assert not _is_missing(v)


def test_nullable_boolean_column_renders_yes_no_and_na():
    # the cohort's severe_lymphopenia_1mo: pandas "boolean", NA where not evaluable
    frame = pd.DataFrame(
        {
            "patient": ["p1", "p2", "p3"],
            "severe": pd.array([True, False, pd.NA], dtype="boolean"),
            "count": pd.array([3, pd.NA, 1], dtype="Int64"),
            "alc": pd.array([0.4, 0.5, pd.NA], dtype="Float64"),
        }
    )
    t = Table("Lymphopenia", frame, id="lymph")
    assert [t.cell(p, "severe") for p in ("p1", "p2", "p3")] == ["yes", "no", "n/a"]
    assert [t.cell(p, "count") for p in ("p1", "p2", "p3")] == ["3", "n/a", "1"]
    assert [t.cell(p, "alc") for p in ("p1", "p2", "p3")] == ["0.40", "0.50", "n/a"]
    page = render_html("T", "s", [Section("k", "K", tables=[t])])
    assert "<td data-col='severe'>n/a</td>" in page
