"""The calibrated IFN state through ``profile``: control calibration, coverage on real data."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scanpy as sc
from matplotlib.figure import Figure

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.singlecell import PROGRAMMES, call_ifn_state, plot_ifn_state, profile

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data_state", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)


@pytest.fixture(scope="module")
def synth():
    return _mod.make_data(seed=2, n_per_sample=120)


def test_control_calibration_through_profile(synth):
    # sham cells hold planted chronic and acute cells too, so a sham-calibrated call reads
    # RT cells relative to sham: the planted acute cells of RT samples are acute
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IfnexusWarning)
        res = profile(synth, sample_key="sample", condition_key="condition", control="sham",
                      key_added=None)  # fmt: skip
    c = res.cells
    assert res.settings["ifn_state"]["mode"] == "control"
    assert res.settings["ifn_state"]["control"] == "sham"
    assert c["ifn_reference"].str.startswith("control:").all()
    truth = synth.obs["true_state"].to_numpy()
    rt = (synth.obs["condition"] == "RT").to_numpy()
    assert (c["ifn_state"].to_numpy()[rt & (truth == "acute")] == "acute").mean() >= 0.9
    assert (c["ifn_state"].to_numpy()[truth == "none"] != "acute").mean() >= 0.95
    assert len(res.ifn_components) >= 2


def test_bad_control_is_refused_before_scoring(synth, monkeypatch):
    import ifnexus.singlecell._profile as prof

    def boom(*a, **k):
        raise AssertionError("scored before the control was checked")

    monkeypatch.setattr(prof, "prepare", boom)
    with pytest.raises(ValidationError, match=r"'nope' is not a condition; conditions: 'RT'"):
        profile(synth, sample_key="sample", condition_key="condition", control="nope",
                key_added=None)  # fmt: skip
    with pytest.raises(ValidationError, match=r"'sham' has 360 cells; at least 1000"):
        profile(synth, sample_key="sample", condition_key="condition", control="sham",
                min_control_cells=1000, key_added=None)  # fmt: skip
    with pytest.raises(ValidationError, match="needs a condition column"):
        profile(synth, control="sham", key_added=None)


def test_resting_blood_with_too_few_programme_genes_is_undetermined():
    """pbmc68k_reduced (resting PBMCs, 765 highly variable genes) lacks most programme genes:
    every cell is undetermined, with the numbers, instead of a guess."""
    a = sc.datasets.pbmc68k_reduced()
    genes = set(a.raw.var_names)
    n_found = {c: sum(g in genes for g in gs.genes) for c, gs in PROGRAMMES.items()}
    assert min(n_found.values()) < 5  # the data's own coverage, counted here
    with pytest.warns(IfnexusWarning, match="IFN state undetermined for all 700 cells"):
        res = profile(a, key_added=None)
    c = res.cells
    assert (c["ifn_state"] == "undetermined").all()
    n, m = n_found["ifn_isgf3_acute"], len(PROGRAMMES["ifn_isgf3_acute"].genes)
    assert c["ifn_state_reason"].str.contains(f"IFN_ISGF3_ACUTE: {n} of {m} genes measured").all()
    assert np.isnan(c["ifn_p_acute"]).all()
    assert res.samples["frac_undetermined"].iloc[0] == 1.0


def test_plot_ifn_state_draws_every_placed_cell():
    r = np.random.default_rng(0)
    s = pd.DataFrame(
        {"ifn_isgf3_acute": r.normal(0, 0.1, 300), "ifn_u_isgf3": r.normal(0, 0.1, 300)}
    )
    s.iloc[:60] += 2.0
    s.iloc[0, 0] = np.nan  # one cell without scores is not placed
    call = call_ifn_state(s)
    res = SimpleNamespace(cells=call.cells, settings={"ifn_state": call.settings})
    ax = Figure().add_subplot()
    assert plot_ifn_state(res, ax=ax) is ax
    assert sum(len(c.get_offsets()) for c in ax.collections) == 299
    assert "1 cells not placed" in ax.get_title()
    with pytest.raises(ValidationError, match="no IFN-state columns"):
        plot_ifn_state(SimpleNamespace(cells=s, settings={}), ax=ax)
