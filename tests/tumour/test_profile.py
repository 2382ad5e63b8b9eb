"""profile_tumours: inputs alone and together, sample matching, clinical purity, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import estimate_common_genes
from ifnexus.tumour import estimate_scores, profile_tumours

SEG = pd.DataFrame(
    {
        "Sample": ["t0", "t0", "t1", "t_cn_only"],
        "Chromosome": ["9", "9", "9", "9"],
        "Start": [1, 21000000, 1, 1],
        "End": [20999999, 30000000, 40000000, 40000000],
        "Num_Probes": [10, 50, 100, 30],
        "Segment_Mean": [0.0, -1.5, 0.01, -0.6],
    }
)


def _expr(n_samples=6, seed=0):
    rng = np.random.default_rng(seed)
    genes = list(estimate_common_genes())[:4000] + [
        "MB21D1",
        "TMEM173",
        "IFIT1",
        "MX1",
        "ISG15",
        "STAT1",
    ]
    genes = list(dict.fromkeys(genes))
    from ifnexus.genesets import get_set

    genes = list(
        dict.fromkeys(
            genes + list(get_set("ESTIMATE_IMMUNE").genes) + list(get_set("ESTIMATE_STROMAL").genes)
        )
    )
    return pd.DataFrame(
        rng.gamma(2.0, 50.0, size=(len(genes), n_samples)).round(),
        index=genes,
        columns=[f"t{i}" for i in range(n_samples)],
    )


def test_segments_only():
    res = profile_tumours(segments=SEG, build="hg38")
    assert res.index.tolist() == ["t0", "t1", "t_cn_only"]
    assert res.loc["t0", "ifn_class"] == "ifn-deficient"
    assert (
        res.loc["t1", "ifn_state"] == "undetermined"
        and res.loc["t_cn_only", "ifn_cluster_status"] == "hemizygous"
    )
    assert "StromalScore" not in res.columns
    assert (res["cn_purity_source"] == "none").all()


def test_expression_and_segments_with_mismatched_samples():
    expr = _expr()
    with pytest.warns(IfnexusWarning) as rec:
        res = profile_tumours(expression=expr, segments=SEG, build="hg38")
    msgs = " | ".join(str(w.message) for w in rec)
    assert "in the copy number but not in the expression: t_cn_only" in msgs
    assert "in the expression but not in the copy number: t2, t3, t4, t5" in msgs
    assert res.index.tolist() == [*expr.columns, "t_cn_only"]
    assert res.loc["t_cn_only", "StromalScore"] != res.loc["t_cn_only", "StromalScore"]  # NaN
    assert (
        res.loc["t0", "cdkn2a_status"] == "homozygous"
        and res.loc["t0", "ifn_class"] == "ifn-deficient"
    )
    assert (res.loc[expr.columns, "expression_scale"] == "counts").all()
    est = estimate_scores(expr, scale="counts")  # the profile holds the same ESTIMATE numbers
    np.testing.assert_allclose(res.loc[expr.columns, "ESTIMATEScore"], est["ESTIMATEScore"])
    for col in (
        "TumorPurity_ifnaware",
        "danaher_T_cells",
        "cytolytic_activity",
        "M1_M2_log2ratio",
        "isgrs_score",
        "CGAS_log2",
        "STING1_log2",
        "ifn_state_evidence",
    ):
        assert col in res.columns
    assert res.loc["t1", "ifn_state"] in ("acute", "chronic", "none", "undetermined")
    # six tumours and no controls: too few to calibrate, said in the reason
    assert (res.loc[expr.columns, "ifn_state"] == "undetermined").all()
    assert "cohort of 6 < 10 samples" in res.loc["t1", "ifn_state_reason"]


def test_clinical_purity_drives_cn_calls_and_columns_join():
    clinical = pd.DataFrame(
        {"purity": [0.5, 0.9, 0.3], "local_control": [1, 0, 1]},
        index=pd.Index(["t0", "t1", "zz"], name="sample"),
    )
    with pytest.warns(
        IfnexusWarning, match="clinical table but not in the expression or copy number: zz"
    ):
        res = profile_tumours(segments=SEG, build="hg38", clinical=clinical)
    assert res.loc["t0", "cn_purity_source"] == "clinical" and res.loc["t0", "purity_cn"] == 0.5
    assert res.loc["t_cn_only", "cn_purity_source"] == "none"
    assert res.loc["t1", "local_control"] == 0
    with pytest.warns(IfnexusWarning):
        none = profile_tumours(segments=SEG, build="hg38", clinical=clinical, cn_purity="none")
    assert none["purity_cn"].isna().all()
    with pytest.raises(ValidationError, match="needs expression"):
        profile_tumours(segments=SEG, build="hg38", cn_purity="estimate")


@pytest.mark.filterwarnings("ignore::ifnexus.errors.IfnexusWarning")
def test_tcga_barcodes_matched_at_sample_level():
    expr = _expr(2)
    expr.columns = ["TCGA-AA-0001-01A-11R-A00Z-07", "TCGA-AA-0002-01A-11R-A00Z-07"]
    seg = SEG.iloc[:3].copy()
    seg["Sample"] = ["TCGA-AA-0001-01A-11D-A00X-01"] * 2 + ["TCGA-AA-0002-01A-11D-A00X-01"]
    res = profile_tumours(expression=expr, segments=seg, build="hg19")
    assert res.index.tolist() == list(expr.columns)
    assert res.iloc[0]["cdkn2a_status"] == "homozygous"


def test_errors():
    with pytest.raises(ValidationError, match="give expression, copy number"):
        profile_tumours()
    with pytest.raises(ValidationError, match="need a genome build"):
        profile_tumours(segments=SEG)
    expr = _expr(2)
    with pytest.raises(ValidationError, match="duplicated gene symbols"):
        profile_tumours(expression=pd.concat([expr, expr.iloc[:1]]))
    with pytest.raises(ValidationError, match="scale must be one of"):
        profile_tumours(expression=expr, scale="fpkm")
