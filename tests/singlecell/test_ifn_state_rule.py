"""The calibrated per-cell IFN state on simulations with known truth, and its bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import get_set
from ifnexus.singlecell import (
    ACUTE_PROGRAMME,
    IFN_STATES,
    STATE_COLUMNS,
    SUSTAINED_PROGRAMME,
    call_ifn_state,
    programme_sets,
)

A, S = "ifn_isgf3_acute", "ifn_u_isgf3"


def _cells(n_none: int, n_acute: int, n_chronic: int, seed: int = 0, sd: float = 0.1):
    """Resting cells at 0; acute: both programmes +1.5; chronic: only the sustained one +1.0."""
    r = np.random.default_rng(seed)
    truth = ["none"] * n_none + ["acute"] * n_acute + ["chronic"] * n_chronic
    a = r.normal(0, sd, len(truth))
    s = r.normal(0, sd, len(truth))
    t = np.asarray(truth)
    a[t == "acute"] += 1.5
    s[t == "acute"] += 1.5
    s[t == "chronic"] += 1.0
    idx = [f"c{i}" for i in range(len(truth))]
    return pd.DataFrame({A: a, S: s}, index=idx), pd.Series(truth, index=idx)


def test_acute_specific_set_is_hallmark_minus_isgrs():
    spec = set(get_set("IFNA_ACUTE_SPECIFIC").genes)
    assert spec == set(get_set("IFNA").genes) - set(get_set("ISG.RS").genes)


def test_programmes_follow_cheon():
    # Cheon & Stark 2009 (abstract) name IFI27, IFI44, OAS and BST2 as U-STAT1-induced genes;
    # the acute-only programme holds the early pISGF3 genes, none of them sustained
    sustained, acute = set(SUSTAINED_PROGRAMME.genes), set(ACUTE_PROGRAMME.genes)
    assert {"IFI27", "IFI44", "OAS1", "BST2", "STAT1", "IRF9", "STAT2"} <= sustained
    assert {"IFIT1", "IFIT2", "IFIT3", "RSAD2", "CXCL10", "OASL"} <= acute
    assert not sustained & acute
    mouse = programme_sets("mouse")
    assert {"Ifit1", "Rsad2", "Cxcl10"} <= set(mouse[A].genes)
    assert {"Bst2", "Irf7", "Stat1"} <= set(mouse[S].genes)


def test_mixture_recovers_three_planted_states():
    scores, truth = _cells(700, 150, 150)
    res = call_ifn_state(scores)
    got = res.cells["ifn_state"].astype(str)
    assert (got == truth).mean() > 0.97
    assert list(res.cells.columns) == list(STATE_COLUMNS)
    assert list(res.cells["ifn_state"].cat.categories) == list(IFN_STATES)
    p = res.cells[["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]]
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)
    assert res.settings["mode"] == "mixture"
    assert set(res.components["label"]) == {"acute", "chronic", "none"}
    assert res.summary["n"].sum() == len(scores)
    assert res.to_dict()["counts"]["acute"] == int((got == "acute").sum())


def test_resting_data_has_no_second_component():
    scores, _ = _cells(2000, 0, 0, seed=1)
    res = call_ifn_state(scores)
    got = res.cells["ifn_state"].astype(str)
    assert (got == "acute").mean() <= 0.01 and (got == "chronic").mean() <= 0.01


def test_control_calibration_per_cell_type():
    # type "mono" rests 3 units higher than type "t" on both programmes (a baseline, not IFN);
    # stimulated cells of both types carry an acute burst on top of their own baseline
    r = np.random.default_rng(2)
    rows = []
    for t, base in (("t", 0.0), ("mono", 3.0)):
        for cond, n, shift in (("ctrl", 300, 0.0), ("ifn", 300, 1.5)):
            a = base + shift + r.normal(0, 0.1, n)
            s = base + shift + r.normal(0, 0.1, n)
            rows.append(pd.DataFrame({A: a, S: s, "type": t, "cond": cond}))
    d = pd.concat(rows, ignore_index=True)
    res = call_ifn_state(d[[A, S]], condition=d["cond"], control="ctrl", cell_types=d["type"])
    got = res.cells["ifn_state"].astype(str)
    stim = d["cond"] == "ifn"
    assert (got[stim] == "acute").mean() >= 0.95
    assert (got[~stim] == "none").mean() >= 0.95
    assert set(res.cells["ifn_reference"]) == {"control:t", "control:mono"}
    # with too few controls per type, all controls are the reference of every type
    res2 = call_ifn_state(
        d[[A, S]], condition=d["cond"], control="ctrl", cell_types=d["type"],
        min_control_cells=400,
    )  # fmt: skip
    assert set(res2.cells["ifn_reference"]) == {"control:all"}


def test_same_seed_same_result():
    scores, _ = _cells(500, 100, 100, seed=3)
    a = call_ifn_state(scores, rng=5).cells
    b = call_ifn_state(scores, rng=5).cells
    pd.testing.assert_frame_equal(a, b)


def test_too_few_programme_genes_is_undetermined_with_numbers():
    scores, _ = _cells(300, 50, 0)
    with pytest.warns(IfnexusWarning, match=r"1 of 12 genes measured \(minimum 5\)"):
        res = call_ifn_state(scores, coverage={A: (1, 12), S: (3, 18)})
    assert (res.cells["ifn_state"] == "undetermined").all()
    assert res.cells["ifn_state_reason"].str.contains("3 of 18 genes measured").all()
    assert res.cells["ifn_p_acute"].isna().all()
    with pytest.warns(IfnexusWarning, match="ifn_u_isgf3 was not scored"):
        res = call_ifn_state(scores.drop(columns=[S]))
    assert (res.cells["ifn_state"] == "undetermined").all()


def test_cell_without_scores_and_weak_evidence_are_undetermined():
    scores, _ = _cells(600, 200, 0, seed=4)
    scores.iloc[0, 0] = np.nan
    res = call_ifn_state(scores, min_probability=0.999)
    c = res.cells
    assert c.iloc[0]["ifn_state"] == "undetermined"
    assert c.iloc[0]["ifn_state_reason"] == "no IFN programme score for this cell"
    weak = c["ifn_state_reason"].str.startswith("evidence too weak")
    assert (c.loc[weak, "ifn_state"] == "undetermined").all()
    top = c.loc[weak, ["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].max(axis=1)
    assert (top < 0.999).all()


def test_bad_control_inputs_name_what_is_missing():
    scores, _ = _cells(100, 20, 0)
    cond = ["ctrl"] * 10 + ["ifn"] * 110
    with pytest.raises(ValidationError, match="needs the condition"):
        call_ifn_state(scores, control="ctrl")
    with pytest.raises(ValidationError, match=r"'sham' is not a condition.*'ctrl', 'ifn'"):
        call_ifn_state(scores, condition=cond, control="sham")
    with pytest.raises(ValidationError, match=r"'ctrl' has 10 cells; at least 30"):
        call_ifn_state(scores, condition=cond, control="ctrl")
    with pytest.raises(ValidationError, match="one value per cell"):
        call_ifn_state(scores, condition=cond[:5], control="ctrl")
    for kw in ({"min_probability": 0.3}, {"min_shift": 0}, {"min_genes": 0}):
        with pytest.raises(ValidationError):
            call_ifn_state(scores, **kw)


def test_repeated_cell_ids_keep_their_rows():
    scores, truth = _cells(300, 60, 0, seed=6)
    scores.index = ["same"] * len(scores)
    res = call_ifn_state(scores)
    assert list(res.cells.index) == ["same"] * len(scores)
    assert (res.cells["ifn_state"].astype(str).to_numpy() == truth.to_numpy()).mean() > 0.97
