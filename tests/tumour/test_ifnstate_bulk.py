"""IFN state on public bulk expression with known IFN exposure (tests/data/ifn_bulk).

Goals (issue #14): stimulated vs untreated AUROC >= 0.99, >= 90% of IFN-alpha/beta stimulated
samples called acute and none chronic, <= 5% of untreated samples (and of healthy blood) called
acute. ``lee_saec`` and ``rai_imr90`` set ``K_ACUTE``; ``jankowski_hppt``, ``devlin_blood`` and
the SLE / healthy blood cohorts (tests/data/sle_blood) were held out.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from ifnexus.tumour import ifn_state_probabilities, profile_tumours

DATA = Path(__file__).resolve().parents[1] / "data" / "ifn_bulk"
SLE = Path(__file__).resolve().parents[1] / "data" / "sle_blood"
UNTREATED = ("Control", "untreated", "Buffer")


def _with_controls(expr: pd.DataFrame, ctrl: list[str]) -> pd.DataFrame:
    """Call against ``ctrl``; each control itself leave-one-out (so it is out of sample)."""
    res = ifn_state_probabilities(expr, controls=ctrl)
    for c in ctrl:
        loo = ifn_state_probabilities(expr, controls=[x for x in ctrl if x != c], min_controls=2)
        res.loc[c] = loo.loc[c]
    return res


def _load(ds: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    info = pd.read_csv(DATA / "samples.tsv", sep="\t")
    info = info[info["dataset"] == ds].set_index("sample")
    return pd.read_csv(DATA / f"{ds}.tsv.gz", sep="\t", index_col=0)[info.index], info


def _check(res: pd.DataFrame, info: pd.DataFrame) -> None:
    ifn = res.loc[info.index[info["expected"] == "ifn"]]
    rest = res.loc[info.index[info["stimulus"].isin(UNTREATED)]]
    auc = mannwhitneyu(ifn["ifn_activity"], rest["ifn_activity"]).statistic
    assert auc / (len(ifn) * len(rest)) >= 0.99
    assert (ifn["ifn_state"] == "acute").mean() >= 0.9
    assert (ifn["ifn_state"] == "chronic").sum() == 0
    assert (rest["ifn_state"] == "acute").mean() <= 0.05


@pytest.mark.parametrize(
    "ds",
    [
        "lee_saec",
        "rai_imr90",
        "jankowski_hppt",
        pytest.param(
            "devlin_blood",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known loss (docs/tumour.md): since the type I specificity rule the weak "
                "whole-blood IFN-beta response (+1.4 log2) is undetermined, not acute (A/U with "
                "medians 0.71-1.07, between the acute and chronic expectations; one sample "
                "typed type II at p 0.98); an absolute acute-only test recovered 2 of 4 but "
                "added wrong calls elsewhere and was withdrawn. Third round: the cause is the "
                "ratio, not the type II rule - resting blood expresses the acute-only genes "
                "(IFIT1-3) highly, so they rise less than the U-ISGF3 genes; recentring the "
                "type II rule on the controls changes no call",
            ),
        ),
    ],
)
def test_against_the_untreated_samples(ds):
    expr, info = _load(ds)
    ctrl = info.index[info["stimulus"].isin(UNTREATED)].tolist()
    res = _with_controls(expr, ctrl)
    _check(res, info)
    # the Th2/regulatory cytokines of whole blood (IL-4, IL-10, IL-13) are never called
    cyt = info.index[info["stimulus"].isin(["IL4", "IL10", "IL13"])]
    assert not res.loc[cyt, "ifn_state"].isin(["acute", "chronic"]).any()


def test_devlin_blood_no_false_calls():
    """Whole blood (held out, re-evaluated): no IFN-beta sample none or chronic, no other call."""
    expr, info = _load("devlin_blood")
    res = _with_controls(expr, info.index[info["stimulus"].isin(UNTREATED)].tolist())
    ifn = res.loc[info.index[info["expected"] == "ifn"]]
    assert (1 - ifn["ifn_p_none"]).min() > 0.95  # IFN-beta is active, its type is the doubt
    assert not ifn["ifn_state"].isin(["none", "chronic"]).any()
    rest = res.loc[info.index[info["expected"] != "ifn"]]
    assert not rest["ifn_state"].isin(["acute", "chronic"]).any()


def test_il1b_and_ifng_are_not_called_acute():
    """Held out, re-evaluated after the rule change they prompted (docs/tumour.md)."""
    expr, info = _load("jankowski_hppt")
    res = _with_controls(expr, info.index[info["stimulus"] == "untreated"].tolist())
    for stim in ("IL1b", "IFNg"):
        sub = res.loc[info.index[info["stimulus"] == stim]]
        assert not sub["ifn_state"].isin(["acute", "chronic"]).any()
    ifng = res.loc[info.index[info["stimulus"] == "IFNg"]]
    assert (ifng["ifn_type"] == "type II").all()
    ifn = res.loc[info.index[info["expected"] == "ifn"]]
    assert (ifn["ifn_type"] == "type I/III").all()


def test_type_i_vs_type_ii_on_the_training_set():
    """lee_saec: IFN-gamma is type II (undetermined); IFN-alpha/beta/lambda are type I/III."""
    expr, info = _load("lee_saec")
    res = _with_controls(expr, info.index[info["stimulus"] == "Control"].tolist())
    by = res.join(info).groupby("stimulus")
    assert set(by.get_group("IFNg")["ifn_type"]) == {"type II"}
    assert set(by.get_group("IFNg")["ifn_state"]) == {"undetermined"}
    for stim in ("IFNa", "IFNb", "IFNl3"):
        assert set(by.get_group(stim)["ifn_type"]) == {"type I/III"}
        assert set(by.get_group(stim)["ifn_state"]) == {"acute"}


@pytest.mark.parametrize("ds", ["lee_saec", "rai_imr90", "jankowski_hppt"])
def test_without_labels_by_the_mixture_model(ds):
    # devlin_blood is left out on purpose: its IL-4/IL-10/IL-13 samples sit ~1.2 log2 below the
    # untreated ones, so the lower mixture component is not the untreated blood (docs/tumour.md)
    expr, info = _load(ds)
    res = ifn_state_probabilities(expr)
    assert res.attrs["ifn_calibration"]["mode"] == "mixture"
    _check(res, info)


def test_profile_tumours_with_a_reference_cohort():
    """profile_tumours(reference=...): the untreated samples as an outside reference."""
    expr, info = _load("jankowski_hppt")
    ctrl = info.index[info["stimulus"].isin(UNTREATED)].tolist()
    lin = 2.0**expr - 1.0  # back to CPM: the profile logs it again (log2(x + 1))
    # ESTIMATE needs its signature genes: random filler rows (the IFN genes are untouched)
    from ifnexus.genesets import estimate_common_genes, get_set

    fill = list(dict.fromkeys([*get_set("ESTIMATE_IMMUNE").genes, *get_set("ESTIMATE_STROMAL").genes,
                               *list(estimate_common_genes())[:1500]]))  # fmt: skip
    fill = [g for g in fill if g not in lin.index]
    rng = np.random.default_rng(0)
    lin = pd.concat([lin, pd.DataFrame(rng.gamma(2.0, 20.0, (len(fill), lin.shape[1])),
                                       index=fill, columns=lin.columns)])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof = profile_tumours(expression=lin.drop(columns=ctrl), reference=lin[ctrl], scale="tpm")
    direct = ifn_state_probabilities(expr.drop(columns=ctrl), reference=expr[ctrl])
    pd.testing.assert_series_equal(prof["ifn_state"], direct["ifn_state"], check_names=False)
    np.testing.assert_allclose(prof["ifn_p_none"], direct["ifn_p_none"], atol=1e-9)
    assert prof.attrs["ifn_calibration"]["mode"] == "reference"
    assert prof.attrs["ifn_state_reference"] == "reference samples"
    called = prof["ifn_state"].groupby(info["stimulus"]).agg(lambda s: set(s))
    assert called["IFNa"] == {"acute"} and called["IFNb"] == {"acute"}


def test_resting_blood_is_not_called_and_sle_blood_is():
    """Healthy blood: <= 5% acute or chronic; SLE patients (most IFN-high) called more often."""
    info = pd.read_csv(SLE / "samples.tsv", sep="\t")
    healthy_ifn, healthy_n, sle_ifn, sle_n = 0, 0, 0, 0
    for ds in sorted(set(info["dataset"])):
        sub = info[info["dataset"] == ds].set_index("sample")
        expr = pd.read_csv(SLE / f"{ds}.tsv.gz", sep="\t", index_col=0)[sub.index]
        res = _with_controls(expr, sub.index[sub["group"] == "healthy"].tolist())
        called = res["ifn_state"].isin(["acute", "chronic"])
        healthy_ifn += int(called[sub["group"] == "healthy"].sum())
        healthy_n += int((sub["group"] == "healthy").sum())
        sle_ifn += int(called[sub["group"] == "SLE"].sum())
        sle_n += int((sub["group"] == "SLE").sum())
    assert healthy_n == 40 and sle_n == 80
    assert healthy_ifn / healthy_n <= 0.05
    assert sle_ifn / sle_n > 0.25 > healthy_ifn / healthy_n


def test_res499_chronic_model():
    """Res499 (chronic STAT1-dependent IFN signalling) vs parental B16, mouse tumour cells.

    Not a clean held-out check: the programmes were switched to the Cheon 2013 ones after the
    first version (ISG.RS vs Hallmark IFN-alpha minus ISG.RS) called Res499 acute (docs/tumour.md).
    """
    data = Path(__file__).resolve().parents[1] / "data" / "res499_mouse"
    info = pd.read_csv(data / "samples.tsv", sep="\t").set_index("sample")
    expr = pd.read_csv(data / "res499_mouse.tsv.gz", sep="\t", index_col=0)[info.index]
    group = info["line"] + " " + info["stat1"]
    res = _with_controls(expr, info.index[group == "B16 WT"].tolist())
    r499 = res.loc[group == "R499 WT", "ifn_state"]
    # 2 of 3 chronic; the third has little IFN activity (none). One of the two has the
    # IFN-gamma-specific genes up as much as the ISGF3 core (+1.08 vs +1.03, p type II 0.57):
    # typed mixed, which keeps its type I call (type II withholds a call only at p >= 0.8)
    assert (r499 == "chronic").sum() >= 2 and not (r499 == "acute").any()
    assert (res.loc[group == "R499 WT", "ifn_type"] == "mixed").sum() == 1
    assert (res.loc[info["stat1"] == "KO", "ifn_state"] == "none").all()  # no STAT1, no ISGs
