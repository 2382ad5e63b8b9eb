"""The bulk IFN state is specific to type I IFN: constructed cases with known truth.

A type I (ISGF3) response raises the ISRE core as a block; NF-kB or IRF1 alone (IL-1b, TNF)
raise a few shared members of the acute programme (CXCL10/11, ISG20, RSAD2); IFN-gamma raises
its GAS-driven genes (Aybey et al. 2025's IFN-II signature) far more than the ISRE core.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME
from ifnexus.tumour import call_ifn_state, ifn_state_probabilities
from ifnexus.tumour._ifnstate import K_ACUTE, K_CHRONIC, TYPE2_SPECIFIC

SUS = list(SUSTAINED_PROGRAMME.genes)
ACU = list(ACUTE_PROGRAMME.genes)
TY2 = list(TYPE2_SPECIFIC.genes)
NFKB_SHARED = ["CXCL10", "CXCL11", "ISG20", "RSAD2"]  # raised by IL-1b / NF-kB (docs/tumour.md)


def _cohort(n_ctrl: int = 8, n_case: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    genes = list(dict.fromkeys(SUS + ACU + TY2 + [f"G{i}" for i in range(100)]))
    n = n_ctrl + n_case
    return pd.DataFrame(
        rng.normal(6.0, 1.5, (len(genes), 1)) + rng.normal(0, 0.15, (len(genes), n)),
        index=genes,
        columns=[f"c{i}" for i in range(n_ctrl)] + [f"s{i}" for i in range(n_case)],
    )


def _call(x: pd.DataFrame) -> pd.DataFrame:
    return ifn_state_probabilities(x, controls=[c for c in x.columns if c.startswith("c")])


def test_an_nfkb_only_rise_is_not_acute():
    x = _cohort()
    x.loc[NFKB_SHARED, "s0"] += 3.0  # 4 of 12 acute-only genes, 8-fold
    x.loc[["IRF1", "ICAM1"], "s0"] += 2.0  # NF-kB targets of the type II set too
    # the same 4 genes on top of a chronic (U-ISGF3 only) sample: the mean acute-only change
    # (4 x 6 / 12 = 2) would sit nearer the acute (2.74) than the chronic (0.82) expectation
    x.loc[SUS, "s1"] += 2.0
    x.loc[NFKB_SHARED, "s1"] += 6.0
    assert abs(6.0 * 4 / 12 - K_ACUTE * 2) < abs(6.0 * 4 / 12 - K_CHRONIC * 2)
    res = _call(x)
    assert res.loc["s0", "ifn_state"] == "none"
    assert res.loc["s0", "ifn_type"] == "none"
    assert res.loc["s0", "ifn_p_acute"] < 0.05
    assert res.loc["s1", "ifn_state"] == "chronic"
    assert res.loc["s1", "ifn_acute_only"] < 0.5  # the median ignores a minority of genes


def test_a_coherent_isre_rise_is_acute_type_i():
    x = _cohort()
    x.loc[SUS, "s0"] += 2.0  # the whole programme, acute-only genes K_ACUTE times as much
    x.loc[ACU, "s0"] += 2.0 * K_ACUTE
    x.loc[TY2, "s0"] += 0.4  # type I raises GBP2 / IRF1 a little (training: G - U ~ -4)
    # a coherent rise of two thirds of the acute-only genes, none of the NF-kB-shared ones
    isre_only = [g for g in ACU if g not in NFKB_SHARED]
    x.loc[SUS, "s1"] += 2.0
    x.loc[isre_only, "s1"] += 2.0 * K_ACUTE
    res = _call(x)
    for s in ("s0", "s1"):
        assert res.loc[s, "ifn_state"] == "acute", res.loc[s, "ifn_state_reason"]
        assert res.loc[s, "ifn_type"] == "type I/III"
        assert res.loc[s, "ifn_p_type2"] < 0.01
        assert res.loc[s, "ifn_p_acute"] >= 0.8
    assert (res.loc[[c for c in x.columns if c.startswith("c")], "ifn_state"] != "acute").all()


def test_a_gas_dominant_rise_is_type_ii_and_undetermined():
    x = _cohort()
    x.loc[SUS, "s0"] += 2.5  # IFN-gamma: the ISRE core moderately, its own genes far more
    x.loc[ACU, "s0"] += 4.0
    x.loc[TY2, "s0"] += 7.0
    res = _call(x)
    assert res.loc["s0", "ifn_type"] == "type II"
    assert res.loc["s0", "ifn_p_type2"] > 0.99
    assert res.loc["s0", "ifn_state"] == "undetermined"
    assert res.loc["s0", "ifn_state_reason"].startswith("type II (IFN-gamma-like) response")
    assert "type II +7.0" in res.loc["s0", "ifn_state_reason"]
    # the type I model alone would have called it acute: its probabilities are kept
    assert res.loc["s0", "ifn_p_acute"] > 0.8
    prof = call_ifn_state(x, controls=[c for c in x.columns if c.startswith("c")])
    assert prof.loc["s0", "ifn_class"] == "undetermined"


def test_type_ii_not_assessed_without_its_genes():
    x = _cohort().drop(index=TY2[:4])  # 2 of 6 left
    x.loc[SUS, "s0"] += 2.0
    x.loc[ACU, "s0"] += 2.0 * K_ACUTE
    res = _call(x)
    assert res["ifn_type"].isna().all() and res["ifn_p_type2"].isna().all()
    assert res.loc["s0", "ifn_state"] == "acute"
    assert (
        "type I vs II not assessed (IFN_TYPE2_SPECIFIC_AYBEY2025 2/6"
        in (res.loc["s0", "ifn_state_reason"])
    )
    assert res.attrs["ifn_calibration"]["coverage"]["IFN_TYPE2_SPECIFIC_AYBEY2025"] == [2, 6]


@pytest.mark.parametrize("n_case", [14])
def test_type_ii_in_the_mixture_mode(n_case):
    """Without labels: IFN-gamma-like samples are typed against the lower component."""
    x = _cohort(n_ctrl=10, n_case=n_case, seed=4)
    for j, s in enumerate(c for c in x.columns if c.startswith("s")):
        x.loc[SUS, s] += 2.5
        if j % 2:
            x.loc[ACU, s] += 2.5 * K_ACUTE
        else:
            x.loc[ACU, s] += 4.0
            x.loc[TY2, s] += 7.0
    res = ifn_state_probabilities(x)
    assert res.attrs["ifn_calibration"]["mode"] == "mixture"
    cases = res.loc[[c for c in x.columns if c.startswith("s")]]
    assert (cases["ifn_type"].iloc[1::2] == "type I/III").all()
    assert (cases["ifn_state"].iloc[1::2] == "acute").all()
    assert (cases["ifn_type"].iloc[::2] == "type II").all()
    assert (cases["ifn_state"].iloc[::2] == "undetermined").all()
    assert (res.loc[[c for c in x.columns if c.startswith("c")], "ifn_type"] == "none").all()


def test_chronic_needs_the_acute_only_genes_near_baseline():
    """U-ISGF3 up (+2.5) with acute-only genes +0.4 (A/U 0.16) is chronic (Cheon 2013)."""
    x = _cohort()
    x.loc[SUS, "s0"] += 2.5
    x.loc[ACU, "s0"] += 0.4
    res = _call(x)
    assert res.loc["s0", "ifn_state"] == "chronic", res.loc["s0", "ifn_state_reason"]
    assert res.loc["s0", "ifn_state_reason"].startswith("U-ISGF3 ISGs up without the acute-only")


def test_a_type_ii_share_withholds_the_call_only_when_type_ii_dominates():
    """G a little above U (p type II between 0.5 and 0.8) is ``mixed``: the type I call stands."""
    x = _cohort(n_ctrl=10)
    ctrl = [c for c in x.columns if c.startswith("c")]
    # the baseline SD of G - U in these controls sets the scale: put G 0.4 SD and 3 SD above U
    gu_sd = float(
        np.std(
            x.loc[TY2, ctrl].sub(x.loc[TY2, ctrl].median(axis=1), axis=0).median()
            - x.loc[SUS, ctrl].sub(x.loc[SUS, ctrl].median(axis=1), axis=0).median(),
            ddof=1,
        )
    )
    sd = max(gu_sd, 0.15)
    for s, dg in (("s0", 0.4 * sd), ("s1", 3.0 * sd)):
        x.loc[SUS, s] += 2.0
        x.loc[ACU, s] += 2.0 * K_ACUTE
        x.loc[TY2, s] += 2.0 + dg
    res = _call(x)
    assert 0.5 <= res.loc["s0", "ifn_p_type2"] < 0.8
    assert res.loc["s0", "ifn_type"] == "mixed"
    assert res.loc["s0", "ifn_state"] == "acute"
    assert "mixed type I/II" in res.loc["s0", "ifn_state_reason"]
    assert res.loc["s1", "ifn_p_type2"] >= 0.8
    assert res.loc["s1", "ifn_type"] == "type II"
    assert res.loc["s1", "ifn_state"] == "undetermined"
    assert res.loc["s1", "ifn_state_reason"].startswith("type II (IFN-gamma-like) response")
