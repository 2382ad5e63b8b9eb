"""ESTIMATE scores and purity: parity with estimate 1.0.13 on its ovarian sample input."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring._ssgsea import ssgsea
from ifnexus.tumour import estimate_purity, estimate_scores, ifn_inducible_genes, read_expression

COLUMNS = ["StromalScore", "ImmuneScore", "ESTIMATEScore", "TumorPurity"]


@functools.cache
def _read(path: str) -> pd.DataFrame:
    return read_expression(path)


@pytest.fixture
def ov(shared):
    return _read(str(shared("reference", "estimate", "sample_input.txt"))).copy()


@pytest.fixture
def ref(shared):
    return pd.read_csv(
        shared("reference", "estimate", "ov_estimate_reference_scores.csv"), index_col=0
    )


def test_parity_with_estimate_1_0_13(ov, ref):
    res = estimate_scores(ov, platform="affymetrix")
    assert res.attrs["n_common_genes"] == 10412
    assert list(res.index) == list(ref.index)
    for col in COLUMNS:
        np.testing.assert_allclose(res[col].to_numpy(), ref[col].to_numpy(), rtol=1e-12)
    assert (res["purity_calibration"] == "affymetrix").all()


def test_parity_with_illumina_gct(ov, shared):
    # platform != affymetrix: estimate writes no purity row; the three scores are the same
    gct = pd.read_csv(
        shared("reference", "estimate", "ov_estimate_score_illumina.gct"),
        sep="\t",
        skiprows=2,
        index_col=0,
    ).drop(columns="Description")
    res = estimate_scores(ov, platform="illumina", ifn_aware=False)
    for col in ("StromalScore", "ImmuneScore", "ESTIMATEScore"):
        np.testing.assert_allclose(
            res[col].to_numpy(), gct.loc[col, res.index].to_numpy(float), rtol=1e-12
        )
    assert res["purity_calibration"].str.startswith("not-calibrated").all()


def test_only_ranks_matter(ov, ref):
    res = estimate_scores(2.0**ov + 3.0, scale="intensity")  # a monotone transform
    np.testing.assert_allclose(
        res["ESTIMATEScore"].to_numpy(), ref["ESTIMATEScore"].to_numpy(), rtol=1e-12
    )
    assert res["purity_calibration"].str.startswith("unverified").all()


def test_extra_genes_do_not_enter_the_ranking(ov, ref):
    extra = pd.DataFrame(100.0, index=["NOT_A_COMMON_GENE", "ANOTHER_ONE"], columns=ov.columns)
    res = estimate_scores(pd.concat([extra, ov]))
    np.testing.assert_allclose(
        res["StromalScore"].to_numpy(), ref["StromalScore"].to_numpy(), rtol=1e-12
    )


def test_purity_formula_closed_form():
    assert estimate_purity(0.0) == pytest.approx(np.cos(0.6049872018))
    assert estimate_purity(1000.0) == pytest.approx(np.cos(0.6049872018 + 0.1467884))
    # cos turns negative past (pi/2 - 0.605) / 0.0001467884 ~ 6580: estimate sets NA
    assert np.isnan(estimate_purity(7000.0))
    s = estimate_purity(pd.Series([0.0, 7000.0], index=["a", "b"]))
    assert s.index.tolist() == ["a", "b"] and np.isnan(s["b"])


def test_ifn_aware_variant(ov):
    res = estimate_scores(ov)
    immune = get_set("ESTIMATE_IMMUNE").genes
    removed = [g for g in immune if g in ifn_inducible_genes()]
    assert res.attrs["ifn_genes_removed"] == removed and len(removed) == 22
    assert "GBP2" in removed and "PTPRC" not in removed
    common = res.attrs["n_common_genes"]
    from ifnexus.genesets import estimate_common_genes

    sub = ov.loc[sorted(set(ov.index) & set(estimate_common_genes()))]
    assert len(sub) == common
    direct = ssgsea(sub, {"x": [g for g in immune if g not in removed]})["x"]
    np.testing.assert_allclose(
        res["ImmuneScore_ifnaware"].to_numpy(), direct.to_numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        res["TumorPurity_ifnaware"].to_numpy(),
        np.cos(0.6049872018 + 0.0001467884 * (res["StromalScore"] + res["ImmuneScore_ifnaware"])),
        rtol=1e-12,
    )


def test_too_few_signature_genes(ov):
    stromal = get_set("ESTIMATE_STROMAL").genes
    drop = {g for i, g in enumerate(stromal) if i % 10}  # keep every 10th stromal gene
    keep = [g for g in ov.index if g not in drop]
    with pytest.raises(ValidationError, match=r"Stromal signature: only \d+ of 141 genes"):
        estimate_scores(ov.loc[keep])
    with pytest.raises(ValidationError, match="duplicated gene symbols"):
        estimate_scores(pd.concat([ov, ov.iloc[:1]]))
    with pytest.raises(ValidationError, match="platform"):
        estimate_scores(ov, platform="nanostring")
