"""The calibrated IFN state on real stimulated vs control cells (issue #14 item 2, third round).

Reference: the published conditions of Shalek et al. 2014 (GEO GSE48968; mouse BMDCs,
Smart-seq): 57 unstimulated cells and 74 cells after 6 h of LPS, whose interferon-stimulated
genes are driven by the IFN-beta that LPS induces (acute exposure; caveat in
tests/data/shalek2014_bmdc_lps/README.md). The set is held out from all tuning; the goals are
the issue's. The two goals the frozen rule misses on this set are kept as strict xfails with
the measured figures (docs/singlecell.md, "IFN state"), so that a change that meets them is
noticed.
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
def test_every_cell_gets_a_call(shalek, mode):
    _, cells = shalek
    assert not (cells[mode]["ifn_state"].astype(str) == "undetermined").any()


@pytest.mark.parametrize("mode", list(MODES))
def test_stimulated_cells_are_called_acute(shalek, mode):
    cond, cells = shalek
    state = cells[mode]["ifn_state"].astype(str).to_numpy()
    assert (state[cond == "LPS_6h"] == "acute").mean() >= 0.90  # issue #14 goal


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.xfail(
    strict=True,
    reason="measured 50/57 = 87.7% not acute in both modes: 5 low-complexity unstimulated "
    "cells (443-1,866 of 5,323 genes detected, 0-2 acute-only genes) and 2 cells expressing "
    "9-10 of 12 acute-only genes are called acute (docs/singlecell.md)",
)
def test_controls_are_not_called_acute(shalek, mode):
    cond, cells = shalek
    state = cells[mode]["ifn_state"].astype(str).to_numpy()
    assert (state[cond == "Unstimulated"] != "acute").mean() >= 0.90  # issue #14 goal


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.xfail(
    strict=True,
    reason="measured AUROC of ifn_p_acute 0.971 (control) and 0.988 (mixture): the same 7 "
    "unstimulated cells have P(acute) near 1 (docs/singlecell.md)",
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
