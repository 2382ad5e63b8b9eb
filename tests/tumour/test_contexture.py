"""Immune contexture: Danaher 2017 means, cytolytic activity (Rooney 2015), M1/M2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning
from ifnexus.genesets import get_set
from ifnexus.tumour import immune_contexture


def test_scores_are_marker_means_with_aliases():
    genes = ["GZMA", "PRF1", "CD8A", "CD8B", "FOXP3", "MB21D1", *get_set("M1_AZIZI2018").genes[:4]]
    genes += list(get_set("M2_AZIZI2018").genes[:3])
    rng = np.random.default_rng(1)
    log2 = pd.DataFrame(
        rng.normal(6, 2, size=(len(genes), 3)), index=genes, columns=["a", "b", "c"]
    )
    with pytest.warns(IfnexusWarning, match="no marker genes"):
        res = immune_contexture(log2)
    # Rooney CYT: geometric mean of GZMA and PRF1 = mean of their log2 values
    np.testing.assert_allclose(res["cytolytic_activity"], log2.loc[["GZMA", "PRF1"]].mean())
    np.testing.assert_allclose(res["danaher_CD8_T_cells"], log2.loc[["CD8A", "CD8B"]].mean())
    np.testing.assert_allclose(res["danaher_Treg"], log2.loc["FOXP3"])
    m1 = log2.loc[list(get_set("M1_AZIZI2018").genes[:4])].mean()
    m2 = log2.loc[list(get_set("M2_AZIZI2018").genes[:3])].mean()
    np.testing.assert_allclose(res["M1_M2_log2ratio"], m1 - m2)
    assert res["danaher_B_cells"].isna().all()
    assert res.attrs["n_genes"]["danaher_CD8_T_cells"] == 2


def test_legacy_symbol_counts():
    # FAM30A (Danaher B-cell marker) was renamed KIAA0125 <-> FAM30A; aliases resolve either way
    log2 = pd.DataFrame({"a": [3.0, 5.0]}, index=["MS4A1", "CD19"])
    with pytest.warns(IfnexusWarning):
        res = immune_contexture(log2)
    assert res.loc["a", "danaher_B_cells"] == pytest.approx(4.0)
