"""IFN state: robust z, the mixture fit, the calibrated call on data with known truth, capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import median_abs_deviation

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME
from ifnexus.tumour import call_ifn_state, fit_two_gaussians, ifn_state_probabilities, robust_z
from ifnexus.tumour._ifnstate import K_ACUTE, K_CHRONIC


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


def test_two_gaussian_fit_matches_sklearn():
    sklearn_mixture = pytest.importorskip("sklearn.mixture")
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0.0, 0.3, 60), rng.normal(2.5, 0.6, 25)])
    fit = fit_two_gaussians(x)
    gm = sklearn_mixture.GaussianMixture(2, tol=1e-10, max_iter=2000, random_state=0)
    gm.fit(x[:, None])
    lo, hi = np.argsort(gm.means_.ravel())
    sd = np.sqrt(gm.covariances_.ravel())
    assert fit["mu0"] == pytest.approx(gm.means_.ravel()[lo], abs=1e-4)
    assert fit["mu1"] == pytest.approx(gm.means_.ravel()[hi], abs=1e-4)
    assert fit["sd0"] == pytest.approx(sd[lo], abs=1e-4)
    assert fit["sd1"] == pytest.approx(sd[hi], abs=1e-4)
    assert fit["w1"] == pytest.approx(gm.weights_[hi], abs=1e-4)
    assert fit["bic2"] == pytest.approx(gm.bic(x[:, None]), rel=1e-6)
    one = sklearn_mixture.GaussianMixture(1).fit(x[:, None])
    assert fit["bic1"] == pytest.approx(one.bic(x[:, None]), rel=1e-6)
    with pytest.raises(ValidationError, match="at least 4"):
        fit_two_gaussians(np.array([1.0, 2.0]))


def _simulated(n_none=12, n_acute=6, n_chronic=6, seed=0):
    """log2 expression with known truth: acute raises both programmes, chronic only U-ISGF3."""
    rng = np.random.default_rng(seed)
    sus = list(SUSTAINED_PROGRAMME.genes)
    acu = list(ACUTE_PROGRAMME.genes)
    other = [f"G{i}" for i in range(200)]
    genes = list(dict.fromkeys(sus + acu + other + ["CGAS", "STING1"]))
    n = n_none + n_acute + n_chronic
    x = pd.DataFrame(
        rng.normal(6.0, 1.5, (len(genes), 1)) + rng.normal(0, 0.2, (len(genes), n)),
        index=genes,
        columns=[f"s{i}" for i in range(n)],
    )
    truth = ["none"] * n_none + ["acute"] * n_acute + ["chronic"] * n_chronic
    for j, t in enumerate(truth):
        if t == "acute":  # both programmes up, the acute-only one 1.3 times as much (training)
            x.iloc[x.index.get_indexer(sus), j] += 2.0
            x.iloc[x.index.get_indexer(acu), j] += 2.6
        elif t == "chronic":  # Cheon 2013: only the U-ISGF3 programme stays up
            x.iloc[x.index.get_indexer(sus), j] += 2.0
    return x, pd.Series(truth, index=x.columns)


@pytest.mark.parametrize("with_controls", [True, False])
def test_known_truth_is_recovered(with_controls):
    x, truth = _simulated()
    controls = list(truth.index[truth == "none"][:6]) if with_controls else None
    res = ifn_state_probabilities(x, controls=controls)
    assert (res["ifn_state"] == truth).all()
    probs = res[["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (probs.max(axis=1) >= 0.8).all()
    assert res.attrs["ifn_calibration"]["mode"] == ("controls" if with_controls else "mixture")
    assert res.attrs["ifn_calibration"]["coverage"]["IFN_U_ISGF3_SUSTAINED"] == [18, 18]


def test_weak_evidence_and_small_cohorts_are_undetermined():
    x, truth = _simulated()
    ctrl = list(truth.index[truth == "none"])
    s = truth.index[truth == "chronic"][0]
    mid = x.copy()  # acute-only change half-way between the acute and the chronic expectation
    acu = [g for g in ACUTE_PROGRAMME.genes if g in x.index]
    mid.loc[acu, s] = x.loc[acu, ctrl].median(axis=1) + 2.0 * (K_ACUTE + K_CHRONIC) / 2
    res = ifn_state_probabilities(mid, controls=ctrl)
    assert res.loc[s, "ifn_p_none"] < 0.01
    assert res.loc[s, "ifn_p_acute"] == pytest.approx(0.5, abs=0.2)
    assert res.loc[s, "ifn_state"] == "undetermined"
    assert res.loc[s, "ifn_state_reason"].startswith("evidence too weak")
    small = ifn_state_probabilities(x.iloc[:, :6])
    assert (small["ifn_state"] == "undetermined").all()
    assert "cohort of 6 < 10" in small["ifn_state_reason"].iloc[0]
    assert small["ifn_p_none"].isna().all()


def test_low_gene_coverage_is_undetermined_with_the_numbers():
    x, truth = _simulated()
    keep = [g for g in x.index if g not in list(SUSTAINED_PROGRAMME.genes)[:14]]
    with pytest.warns(IfnexusWarning, match=r"IFN_U_ISGF3_SUSTAINED 4/18 genes"):
        res = ifn_state_probabilities(x.loc[keep], controls=list(truth.index[:6]))
    assert (res["ifn_state"] == "undetermined").all()
    reason = res["ifn_state_reason"].iloc[0]
    assert "too few set genes measured: IFN_U_ISGF3_SUSTAINED 4/18 genes" in reason


def test_bad_controls_and_parameters():
    x, _ = _simulated()
    with pytest.raises(ValidationError, match="not in the expression: nope"):
        ifn_state_probabilities(x, controls=["s0", "nope"])
    with pytest.raises(ValidationError, match="2 control sample.*at least 3"):
        ifn_state_probabilities(x, controls=["s0", "s1"])
    with pytest.raises(ValidationError, match="controls or as a reference, not both"):
        ifn_state_probabilities(x, controls=["s0", "s1", "s2"], reference=x.iloc[:, :3])
    with pytest.raises(ValidationError, match="reference has 2 sample"):
        ifn_state_probabilities(x, reference=x.iloc[:, :2])
    with pytest.raises(ValidationError, match="min_probability"):
        ifn_state_probabilities(x, min_probability=0.3)


def test_reference_samples_calibrate_like_controls():
    x, truth = _simulated()
    ctrl = list(truth.index[truth == "none"][:6])
    as_ref = ifn_state_probabilities(x.drop(columns=ctrl), reference=x[ctrl])
    as_ctrl = ifn_state_probabilities(x, controls=ctrl).drop(index=ctrl)
    pd.testing.assert_series_equal(as_ref["ifn_state"], as_ctrl["ifn_state"])
    np.testing.assert_allclose(as_ref["ifn_p_none"], as_ctrl["ifn_p_none"])


def test_capacity_and_class():
    x, truth = _simulated()
    sig = pd.DataFrame(0.0, index=x.columns, columns=["ifna_score", "isgrs_score", "ifng_score",
                                                      "CGAS_log2", "STING1_log2"])  # fmt: skip
    sig["CGAS_log2"] = np.linspace(-1, 1, len(sig))
    sig["STING1_log2"] = np.linspace(-1, 1, len(sig))
    sig.loc["s0", "CGAS_log2"] = -10.0  # silenced
    sig.loc["s13", "STING1_log2"] = -10.0
    cn = pd.DataFrame(
        {"ifn_cluster_status": ["homozygous", "hemizygous"], "ifn_cluster_n_homozygous": [16, 0],
         "ifn_cluster_n_assessed": [16, 16]},
        index=["s20", "cn_only"],
    )  # fmt: skip
    res = call_ifn_state(x, signals=sig, copy_number=cn, controls=list(truth.index[1:7]))
    assert (
        res.loc["s0", "ifn_capacity"] == "deficient"
        and "CGAS" in res.loc["s0", "ifn_capacity_rule"]
    )
    assert res.loc["s0", "ifn_class"] == "ifn-deficient"
    assert res.loc["s13", "ifn_state"] == "acute" and res.loc["s13", "ifn_class"] == "ifn-deficient"
    assert (
        res.loc["s20", "ifn_state"] == "chronic" and res.loc["s20", "ifn_class"] == "ifn-deficient"
    )
    assert "IFN cluster homozygous (16/16" in res.loc["s20", "ifn_state_evidence"]
    assert res.loc["s21", "ifn_class"] == "chronic" and res.loc["s21", "ifn_capacity"] == "intact"
    assert res.loc["s14", "ifn_class"] == "acute-competent"
    assert res.loc["s5", "ifn_state"] == "none" and res.loc["s5", "ifn_class"] == "acute-competent"
    assert res.loc["cn_only", "ifn_state"] == "undetermined"
    assert pd.isna(res.loc["cn_only", "ifn_capacity"])
    assert res.loc["cn_only", "ifn_class"] == "undetermined"
    assert "no expression" in res.loc["cn_only", "ifn_state_evidence"]
    with pytest.raises(ValidationError, match="needs expression, copy number"):
        call_ifn_state(None)
