"""IFN state: robust z scores and the three-state rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import median_abs_deviation

from ifnexus.errors import ValidationError
from ifnexus.tumour import call_ifn_state, robust_z


def test_robust_z_matches_scipy():
    x = pd.Series([1.0, 2.0, 4.0, 8.0, 16.0, 3.0])
    expected = (x - x.median()) / median_abs_deviation(x, scale="normal")
    np.testing.assert_allclose(robust_z(x), expected)
    ref = pd.Series([0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(
        robust_z(x, ref), (x - 2.0) / median_abs_deviation(ref, scale="normal")
    )
    flat = pd.Series([1.0, 1.0, 1.0, 5.0])  # MAD 0 -> SD
    np.testing.assert_allclose(robust_z(flat), (flat - 1.0) / flat.std(ddof=1))


def _signals(n=11):
    base = np.linspace(-1, 1, n)
    s = pd.DataFrame(
        {
            "ifna_score": base,
            "isgrs_score": base,
            "ifng_score": base,
            "CGAS_log2": base,
            "STING1_log2": base,
        },
        index=[f"t{i}" for i in range(n)],
    )
    s.loc["t0", "CGAS_log2"] = -10.0  # silenced
    s.loc["t1", "STING1_log2"] = -10.0
    s.loc["t2", "isgrs_score"] = 5.0  # IRDS-high, IFNG low -> chronic
    s.loc["t3", ["isgrs_score", "ifng_score"]] = 5.0  # both high -> acute-competent
    return s


def test_rules():
    cn = pd.DataFrame(
        {
            "ifn_cluster_status": ["homozygous", "hemizygous"],
            "ifn_cluster_n_homozygous": [16, 0],
            "ifn_cluster_n_assessed": [16, 16],
        },
        index=["t5", "cn_only"],
    )
    res = call_ifn_state(_signals(), copy_number=cn)
    assert (
        res.loc["t0", "ifn_state"] == "ifn-deficient" and "CGAS" in res.loc["t0", "ifn_state_rule"]
    )
    assert (
        res.loc["t1", "ifn_state"] == "ifn-deficient"
        and "STING1" in res.loc["t1", "ifn_state_rule"]
    )
    assert res.loc["t2", "ifn_state"] == "chronic"
    assert res.loc["t3", "ifn_state"] == "acute-competent"
    assert res.loc["t5", "ifn_state"] == "ifn-deficient"
    assert "IFN cluster homozygous (16/16" in res.loc["t5", "ifn_state_evidence"]
    assert res.loc["t6", "ifn_state"] == "acute-competent"
    assert "not assessed" in res.loc["t6", "ifn_state_evidence"]
    assert pd.isna(res.loc["cn_only", "ifn_state"])  # no expression, cluster not lost
    assert "no expression" in res.loc["cn_only", "ifn_state_evidence"]
    loose = call_ifn_state(_signals(), chronic_margin=-100, chronic_z=0.5)
    assert loose.loc["t3", "ifn_state"] == "chronic"


def test_reference_cohort_and_errors():
    sig = _signals()
    ref = sig.copy()
    ref["isgrs_score"] = ref["isgrs_score"] - 10  # a reference far below: everyone IRDS-high
    res = call_ifn_state(sig, reference=ref)
    assert (res["isgrs_z"] > 5).all()
    with pytest.raises(ValidationError, match="reference signals lack"):
        call_ifn_state(sig, reference=ref.drop(columns="isgrs_score"))
    with pytest.raises(ValidationError, match="needs expression signals"):
        call_ifn_state(None)
