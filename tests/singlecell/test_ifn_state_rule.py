"""The documented per-cell IFN-state rule: acute needs the ISGs outside the IRDS."""

from __future__ import annotations

import pandas as pd

from ifnexus.genesets import get_set
from ifnexus.singlecell import call_ifn_state


def test_acute_specific_set_is_hallmark_minus_isgrs():
    spec = set(get_set("IFNA_ACUTE_SPECIFIC").genes)
    assert spec == set(get_set("IFNA").genes) - set(get_set("ISG.RS").genes)


def test_strong_chronic_state_is_not_read_as_acute():
    scores = pd.DataFrame(
        {
            "ifn_acute": [
                1.8,
                0.7,
                0.1,
            ],  # whole Hallmark set: the chronic cell is high through shared IRDS genes
            "ifn_acute_specific": [1.6, 0.05, 0.0],
            "ifn_chronic": [1.5, 1.4, 0.1],
        },
        index=["burst", "tonic", "quiet"],
    )
    state = call_ifn_state(scores)
    assert list(state) == ["acute", "chronic", "none"]


def test_falls_back_to_whole_hallmark_without_specific_column():
    scores = pd.DataFrame({"ifn_acute": [0.7, 0.1], "ifn_chronic": [1.4, 0.3]})
    assert list(call_ifn_state(scores)) == ["acute", "chronic"]
