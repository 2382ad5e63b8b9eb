"""The single-cell profile on seeded synthetic data with planted truth, and on pbmc68k_reduced."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
from scipy import sparse, stats

from ifnexus import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.genesets import get_set
from ifnexus.singlecell import SIGNATURES, cell_type_markers, profile

PLANTED = ["malignant_schwann", "cd8_t", "cd4_t", "mono_macro", "b", "fibroblast"]


def make_data(species: str = "human", seed: int = 0, n_per_sample: int = 150) -> ad.AnnData:
    """Counts with planted cell types (x25 markers) and IFN states (acute: x8 Hallmark IFN-alpha;
    chronic: x3 ISG.RS); RT samples get more acute cells and more CD8 T cells."""
    rng = np.random.default_rng(seed)
    markers = cell_type_markers(species)
    ifna = list(get_set("IFNA", species=species).genes)
    isgrs = list(get_set("ISG.RS", species=species).genes)
    sig = sorted({g for name in SIGNATURES.values() for g in get_set(name, species=species).genes})
    filler = [f"FILL{i}" if species == "human" else f"Fill{i}" for i in range(1500)]
    genes = list(dict.fromkeys([g for m in markers.values() for g in m] + sig + filler))
    gidx = {g: i for i, g in enumerate(genes)}
    base = rng.gamma(0.6, 1.0, size=len(genes))
    for g in ifna + isgrs:
        base[gidx[g]] = 1.0
    rows, types, states, samples, conds = [], [], [], [], []
    for s in range(6):
        cond = "RT" if s < 3 else "sham"
        p_type = np.array([0.3, 0.25 if cond == "RT" else 0.1, 0.1, 0.15, 0.1, 0.1])
        p_type = p_type / p_type.sum()
        for _ in range(n_per_sample):
            t = PLANTED[rng.choice(len(PLANTED), p=p_type)]
            p_state = [0.5, 0.2, 0.3] if cond == "RT" else [0.05, 0.4, 0.55]
            st = ["acute", "chronic", "none"][rng.choice(3, p=p_state)]
            lam = base.copy()
            lam[[gidx[g] for g in markers[t]]] *= 25
            if st == "acute":
                lam[[gidx[g] for g in ifna]] *= 8
            elif st == "chronic":
                lam[[gidx[g] for g in isgrs]] *= 3
            rows.append(rng.poisson(lam))
            types.append(t)
            states.append(st)
            samples.append(f"S{s}")
            conds.append(cond)
    x = sparse.csr_matrix(np.vstack(rows).astype(np.float32))
    obs = pd.DataFrame(
        {"sample": samples, "condition": conds, "true_type": types, "true_state": states},
        index=[f"cell{i}" for i in range(len(rows))],
    )
    a = ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes))
    a.obsm["X_umap"] = rng.normal(size=(a.n_obs, 2))
    return a


@pytest.fixture(scope="module")
def synth():
    return make_data()


@pytest.fixture(scope="module")
def result(synth):
    return profile(
        synth, sample_key="sample", condition_key="condition", reference="sham", copy=True
    )


def test_detects_counts_and_recovers_truth(synth, result):
    cells = result.cells
    assert result.settings["input_kind"] == "counts"
    assert "integers" in result.settings["input_kind_reason"]
    assert list(cells.index) == list(synth.obs_names)
    agree = (cells["cell_type"].astype(str).to_numpy() == synth.obs["true_type"].to_numpy()).mean()
    assert agree > 0.95
    state_agree = (
        cells["ifn_state"].astype(str).to_numpy() == synth.obs["true_state"].to_numpy()
    ).mean()
    assert state_agree > 0.9
    assert cells["cell_type_confidence"].between(0, 1).all()
    used = cells.loc[cells["cell_type"] == "b", "cell_type_markers"].str.split(";")
    assert all(set(u) <= set(cell_type_markers("human")["b"]) for u in used)
    # the markers listed are exactly the winning type's markers with a non-zero count
    x = synth.to_df()
    for cell in cells.index[::37]:
        t = str(cells.at[cell, "cell_type"])
        expect = [g for g in cell_type_markers("human").get(t, []) if g in x and x.at[cell, g] > 0]
        assert cells.at[cell, "cell_type_markers"] == ";".join(expect), cell
    assert result.settings["species"] == "human"
    for col in ("ifn_acute", "ifn_chronic", "irds_specific", "cytotoxicity", "m1", "m2"):
        assert cells[col].notna().all(), col


def test_sample_summaries_closed_form(result):
    cells, samples = result.cells, result.samples
    s0 = cells[cells["sample"] == "S0"]
    ct = s0["cell_type"].astype(str)
    assert samples.loc["S0", "n_cells"] == len(s0)
    assert samples.loc["S0", "prop_cd8_t"] == pytest.approx((ct == "cd8_t").mean())
    immune = ct.isin(["cd8_t", "cd4_t", "nk", "mono_macro", "dc", "b"])
    assert samples.loc["S0", "cd8_of_immune"] == pytest.approx((ct == "cd8_t").sum() / immune.sum())
    mac = s0[ct == "mono_macro"]
    assert samples.loc["S0", "m1_m2_balance"] == pytest.approx((mac["m1"] - mac["m2"]).mean())
    assert samples.loc["S0", "frac_acute"] == pytest.approx((s0["ifn_state"] == "acute").mean())
    assert set(samples["condition"]) == {"RT", "sham"}


def test_comparisons_match_scipy(result):
    comp = result.comparisons.set_index("metric")
    samples = result.samples
    x = samples.loc[samples["condition"] == "RT", "frac_acute"].to_numpy()
    y = samples.loc[samples["condition"] == "sham", "frac_acute"].to_numpy()
    row = comp.loc["frac_acute"]
    assert row["group"] == "RT" and row["reference"] == "sham" and row["n_group"] == 3
    t = stats.ttest_ind(x, y, equal_var=False)
    u = stats.mannwhitneyu(x, y, alternative="two-sided")
    assert row["welch_t"] == pytest.approx(t.statistic)
    assert row["welch_p"] == pytest.approx(t.pvalue)
    assert row["mannwhitney_p"] == pytest.approx(u.pvalue)
    assert row["rank_biserial"] == pytest.approx(1.0)  # every RT sample above every sham sample
    assert row["difference"] > 0.3
    ok = comp["welch_p"].notna()
    np.testing.assert_allclose(
        comp.loc[ok, "welch_p_adj"], stats.false_discovery_control(comp.loc[ok, "welch_p"])
    )


def test_pseudobulk_equals_group_sums(synth, result):
    pb = result.pseudobulk
    assert pb is not None and result.settings["pseudobulk"].startswith("summed from")
    dense = synth.X.toarray().astype(np.float64)
    key = result.cells["sample"].astype(str) + "|" + result.cells["cell_type"].astype(str)
    expect = pd.DataFrame(dense, index=key.to_numpy()).groupby(level=0).sum()
    got = pd.DataFrame(pb.X, index=pb.obs_names)
    np.testing.assert_allclose(got.loc[expect.index].to_numpy(), expect.to_numpy())
    assert pb.obs["n_cells"].sum() == synth.n_obs
    assert set(pb.obs["condition"]) == {"RT", "sham"}


@pytest.mark.parametrize("backend", ["threads", "dask"])
def test_pseudobulk_chunked_backends_equal_group_sums(backend):
    """Small chunks on threads or a dask array give the groupby sums of the whole matrix."""
    import dask.array as da

    from ifnexus.scoring import expression_source
    from ifnexus.singlecell import pseudobulk

    rng = np.random.default_rng(3)
    x = sparse.random(97, 13, density=0.3, format="csr", random_state=rng) * 10
    x.data = np.round(x.data)
    groups = pd.DataFrame(
        {"sample": rng.choice(["s1", "s2"], 97), "ct": rng.choice(list("abc"), 97)}
    )
    genes = [f"G{i}" for i in range(13)]
    data = da.from_array(x.toarray(), chunks=(10, 13)) if backend == "dask" else x
    src = expression_source(data, var_names=genes)
    pb = pseudobulk(src, groups, options=RunOptions(chunk_size=10, n_jobs=3))
    key = (groups["sample"] + "|" + groups["ct"]).to_numpy()
    expect = pd.DataFrame(x.toarray(), index=key).groupby(level=0).sum()
    np.testing.assert_allclose(pb.X, expect.loc[pb.obs_names].to_numpy())
    assert pb.obs["n_cells"].tolist() == pd.Series(key).value_counts()[pb.obs_names].tolist()


def test_lognorm_input_gives_same_profile(synth, result):
    b = synth.copy()
    sc.pp.normalize_total(b, target_sum=1e4)
    sc.pp.log1p(b)
    res2 = profile(b, sample_key="sample", condition_key="condition", reference="sham", copy=True)
    assert res2.settings["input_kind"] == "lognorm"
    assert res2.pseudobulk is None and "not computed" in res2.settings["pseudobulk"]
    np.testing.assert_allclose(res2.cells["ifn_acute"], result.cells["ifn_acute"], atol=1e-5)
    assert (res2.cells["ifn_state"] == result.cells["ifn_state"]).mean() > 0.99
    b.layers["counts"] = synth.X.copy()
    res3 = profile(b, sample_key="sample")
    assert res3.pseudobulk is not None and "layer 'counts'" in res3.settings["pseudobulk"]


def test_mouse_profile_and_species_mismatch():
    m = make_data("mouse", seed=1, n_per_sample=60)
    res = profile(m, species="mouse", sample_key="sample", condition_key="condition", copy=True)
    agree = (res.cells["cell_type"].astype(str).to_numpy() == m.obs["true_type"].to_numpy()).mean()
    assert agree > 0.9
    assert res.settings["species"] == "mouse"
    with pytest.raises(ValidationError, match="look mouse"):
        profile(m, species="human")


def test_bad_inputs(synth):
    with pytest.raises(
        ValidationError, match="sample key 'donor' is not a column of .obs; available: sample"
    ):
        profile(synth, sample_key="donor")
    with pytest.raises(ValidationError, match="condition key 'arm'"):
        profile(synth, sample_key="sample", condition_key="arm")
    with pytest.raises(ValidationError, match="needs a sample key"):
        profile(synth, condition_key="condition")
    mixed = synth.copy()
    mixed.obs["condition"] = np.where(np.arange(mixed.n_obs) % 2, "RT", "sham")
    with pytest.raises(ValidationError, match="sample 'S0' has cells from several conditions"):
        profile(mixed, sample_key="sample", condition_key="condition")
    neg = synth[:50].copy()
    neg.X = neg.X.toarray() - 1.0
    with pytest.raises(ValidationError, match="negative values"):
        profile(neg)
    with pytest.raises(ValidationError, match="no layer 'counts'"):
        profile(synth, layer="counts")


def test_pbmc68k_annotation_against_facs_labels():
    """pbmc68k_reduced's bulk_labels come from FACS-sorted populations (Zheng 2017)."""
    a = sc.datasets.pbmc68k_reduced()
    res = profile(a)
    assert res.settings["input_kind"] == "lognorm"
    tab = pd.crosstab(
        a.obs["bulk_labels"].to_numpy(), res.cells["cell_type"].astype(str).to_numpy()
    )
    share = tab.div(tab.sum(axis=1), axis=0)
    # floors of the two-level annotation (per-type figures: docs/singlecell.md, "Cell types";
    # more checks in test_annotate_real.py): cells with fewer than two markers expressed are
    # 'unassigned', T cells whose CD4/CD8 identity is unresolved are 't_cell'
    assert share.loc["CD19+ B", "b"] > 0.75
    assert share.loc["CD14+ Monocyte", "mono_macro"] > 0.85
    assert share.loc["CD56+ NK", "nk"] > 0.7
    assert share.loc["CD8+ Cytotoxic T", "nk"] < 0.1  # was 36 of 54 with a flat NK list
    t_rows = [
        "CD4+/CD25 T Reg",
        "CD4+/CD45RO+ Memory",
        "CD8+/CD45RA+ Naive Cytotoxic",
    ]  # >= 19 cells
    assert (share.loc[t_rows, ["cd4_t", "cd8_t", "t_cell"]].sum(axis=1) > 0.8).all()
