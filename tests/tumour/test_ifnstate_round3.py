"""IFN state on two new public bulk sets (docs/tumour.md, "Third round"; labels fixed before use).

``hawn_mdm`` (held out): human monocyte-derived macrophages of 5 donors, 6 h of IFN-alpha8,
IFN-beta, IFN-gamma, IFN-lambda1, IFN-epsilon or nothing. ``boulant_t84`` (training): T84 colon
carcinoma cells, IFN-lambda, IL-22, both, or mock at 3, 6, 12, 24 h. The expected labels are
those of the sources' designs (``expected`` column of each ``samples.tsv``), never our output.
Goals (issue #14): stimulated vs untreated AUROC >= 0.99, >= 90% of IFN-alpha/beta samples
``acute`` and none ``chronic``, <= 5% of untreated samples ``acute``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from ifnexus.tumour import ifn_state_probabilities, profile_tumours

DATA = Path(__file__).resolve().parents[1] / "data"


def _load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    info = pd.read_csv(DATA / name / "samples.tsv", sep="\t").set_index("sample")
    expr = pd.read_csv(DATA / name / f"{name}.tsv.gz", sep="\t", index_col=0)[info.index]
    return expr, info


def _with_controls(expr: pd.DataFrame, ctrl: list[str]) -> pd.DataFrame:
    """Call against ``ctrl``; each control itself leave-one-out (so it is out of sample)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ifn_state_probabilities(expr, controls=ctrl)
        for c in ctrl:
            loo = ifn_state_probabilities(
                expr, controls=[x for x in ctrl if x != c], min_controls=2
            )
            res.loc[c] = loo.loc[c]
    return res


def _auroc(pos: pd.Series, neg: pd.Series) -> float:
    return float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


@pytest.fixture(scope="module")
def hawn() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    expr, info = _load("hawn_mdm")
    ctrl = info.index[info["stimulus"] == "untreated"].tolist()
    return expr, info, _with_controls(expr, ctrl)


@pytest.fixture(scope="module")
def t84() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    expr, info = _load("boulant_t84")
    ctrl = info.index[info["stimulus"] == "Mock"].tolist()
    return expr, info, _with_controls(expr, ctrl)


def test_held_out_macrophages_meet_the_goals(hawn):
    """hawn_mdm, held out: IFN-alpha8 / IFN-beta 6 h vs untreated, calibrated on untreated."""
    _, info, res = hawn
    ifn = res.loc[info.index[info["expected"] == "acute"]]
    rest = res.loc[info.index[info["stimulus"] == "untreated"]]
    assert len(ifn) == 10 and len(rest) == 5
    assert _auroc(ifn["ifn_activity"], rest["ifn_activity"]) >= 0.99
    assert (ifn["ifn_state"] == "acute").mean() >= 0.9
    assert not (ifn["ifn_state"] == "chronic").any()
    assert (rest["ifn_state"] == "acute").mean() <= 0.05


def test_held_out_macrophages_ifn_gamma_is_not_a_type_i_state(hawn):
    """IFN-gamma: never acute or chronic; its IFN-gamma-specific genes dominate (type II)."""
    _, info, res = hawn
    ifng = res.loc[info.index[info["stimulus"] == "IFNg"]]
    assert not ifng["ifn_state"].isin(["acute", "chronic"]).any()
    assert (ifng["ifn_type"] == "type II").all()
    # no sample of any stimulus is called chronic: 6 h is an acute exposure
    assert not (res["ifn_state"] == "chronic").any()


def test_held_out_macrophages_without_labels(hawn):
    """The mixture model (no controls) on the 30 libraries meets the goals too."""
    expr, info, _ = hawn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ifn_state_probabilities(expr)
    assert res.attrs["ifn_calibration"]["mode"] == "mixture"
    ifn = res.loc[info.index[info["expected"] == "acute"]]
    rest = res.loc[info.index[info["stimulus"] == "untreated"]]
    assert (ifn["ifn_state"] == "acute").mean() >= 0.9
    assert (rest["ifn_state"] == "none").all()
    ifng = res.loc[info.index[info["stimulus"] == "IFNg"]]
    assert not ifng["ifn_state"].isin(["acute", "chronic"]).any()


def test_held_out_macrophages_through_profile_tumours(hawn):
    """profile_tumours(controls=...) (what `tumour profile --controls` runs) gives the calls."""
    expr, info, _ = hawn
    ctrl = info.index[info["stimulus"] == "untreated"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof = profile_tumours(expression=expr, scale="log", controls=ctrl)
    assert prof.attrs["ifn_calibration"]["mode"] == "controls"
    by = prof["ifn_state"].groupby(info["stimulus"]).agg(lambda s: set(s))
    assert "acute" in by["IFNb"] and by["IFNb"] <= {"acute"}
    assert not by["IFNg"] & {"acute", "chronic"}
    assert np.isfinite(prof["ifn_p_acute"]).all()


def test_t84_ifn_lambda_time_course_is_acute(t84):
    """boulant_t84 (training): IFN-lambda (+/- IL-22) acute at every time from 3 to 24 h."""
    _, info, res = t84
    lam = info.index[info["stimulus"].isin(["IFNL", "IL22_IFNL"])]
    assert (res.loc[lam, "ifn_state"] == "acute").all()
    assert (res.loc[lam, "ifn_type"].isin(["type I/III", "mixed"])).all()
    late = info.index[info["stimulus"].isin(["IFNL", "IL22_IFNL"]) & (info["time_h"] >= 6)]
    mock = info.index[info["stimulus"] == "Mock"]
    assert _auroc(res.loc[late, "ifn_activity"], res.loc[mock, "ifn_activity"]) >= 0.99
    assert not (res["ifn_state"] == "chronic").any()  # no exposure reaches days


@pytest.mark.xfail(
    strict=True,
    reason="training set, as pre-registered with all 12 mock libraries as controls: the 24 h "
    "mock cultures carry an ISG rise (median U +0.6 log2) and one of them (left out of its own "
    "calibration) is called acute, 1 of 12 = 8% > 5%; one IL-22 24 h library likewise "
    "(docs/tumour.md, third round)",
)
def test_t84_mock_and_il22_are_not_called_acute(t84):
    _, info, res = t84
    for stim in ("Mock", "IL22"):
        sub = res.loc[info.index[info["stimulus"] == stim], "ifn_state"]
        assert (sub == "acute").mean() <= 0.05
