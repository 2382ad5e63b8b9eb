"""profile as named stages, scverse-style storage (key_added / copy / overwrite), run options."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.scoring import prepare, score_sets
from ifnexus.singlecell import (
    CELL_TYPE_COLUMNS,
    PROGRAMMES,
    SIGNATURES,
    STATE_COLUMNS,
    annotate_cells,
    call_ifn_state,
    cell_table,
    compare_conditions,
    profile,
    profile_input,
    profile_pseudobulk,
    profiled_obs,
    score_signatures,
    store_profile,
    summarise_samples,
)

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data_stages", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)

KEYS = {"sample_key": "sample", "condition_key": "condition", "reference": "sham"}


@pytest.fixture(scope="module")
def data() -> ad.AnnData:
    a = _mod.make_data(seed=7, n_per_sample=40)
    # the user's own annotation, under the names the profile computes
    a.obs["cell_type"] = "user label"
    a.obs["ifn_acute"] = 1.5
    return a


@pytest.fixture(scope="module")
def result(data):
    return profile(data, **KEYS, copy=True)


def _snapshot(a: ad.AnnData) -> dict:
    return {
        "obs": a.obs.copy(),
        "var": a.var.copy(),
        "X": a.X.copy(),
        "obsm": {k: np.asarray(v).copy() for k, v in a.obsm.items()},
        "uns": set(a.uns.keys()),
        "layers": set(a.layers.keys()),
    }


def _assert_same(a: ad.AnnData, snap: dict) -> None:
    pd.testing.assert_frame_equal(a.obs, snap["obs"])
    pd.testing.assert_frame_equal(a.var, snap["var"])
    assert (a.X != snap["X"]).nnz == 0
    assert set(a.obsm.keys()) == set(snap["obsm"])
    for k, v in snap["obsm"].items():
        np.testing.assert_array_equal(np.asarray(a.obsm[k]), v)
    assert set(a.uns.keys()) == snap["uns"] and set(a.layers.keys()) == snap["layers"]


# ---- storage: never overwrite a user's data ----


def test_copy_true_leaves_input_untouched(data):
    snap = _snapshot(data)
    res = profile(data, **KEYS, copy=True)
    _assert_same(data, snap)
    assert res.adata is not data and res.key_added == "ifnexus"
    # the copy holds the input unchanged plus the prefixed results
    pd.testing.assert_frame_equal(res.adata.obs[list(snap["obs"].columns)], snap["obs"])
    assert (res.adata.obs["cell_type"] == "user label").all()


def test_results_land_under_key_added(result):
    obs, cells = result.adata.obs, result.cells
    for col in [*CELL_TYPE_COLUMNS, *SIGNATURES, *PROGRAMMES, *STATE_COLUMNS]:
        got = obs[f"ifnexus_{col}"]
        if pd.api.types.is_float_dtype(cells[col]):
            np.testing.assert_array_equal(got.to_numpy(), cells[col].to_numpy())
        else:
            assert got.astype(str).tolist() == cells[col].astype(str).tolist()
    assert obs["ifnexus_cell_type"].dtype == "category"
    assert list(obs["ifnexus_ifn_state"].cat.categories) == [
        "acute",
        "chronic",
        "none",
        "undetermined",
    ]
    m = result.adata.obsm["ifnexus_marker_scores"]
    assert list(m.index) == list(result.adata.obs_names)
    for t in m.columns:
        np.testing.assert_array_equal(m[t].to_numpy(), cells[f"marker_{t}"].to_numpy())
    uns = result.adata.uns["ifnexus"]
    for k in ("method", "seed", "ifnexus_version"):
        assert uns[k] == result.settings[k]
    assert uns["ifn_state"]["mode"] == result.settings["ifn_state"]["mode"] == "mixture"
    cov = uns["coverage"]
    assert set(SIGNATURES) <= set(cov["set"])
    genes = result.genes.set_index("set")
    for _, row in cov.iterrows():
        assert row["n_found"] == genes.loc[row["set"], "n_found"]


def test_copy_false_writes_in_place_and_returns_it(data):
    a = data.copy()
    res = profile(a, **KEYS)
    assert res.adata is a
    assert "ifnexus_ifn_state" in a.obs.columns and "ifnexus" in a.uns
    assert (a.obs["cell_type"] == "user label").all() and (a.obs["ifn_acute"] == 1.5).all()


def test_clash_is_refused_before_any_work_unless_overwrite(data, result, monkeypatch):
    a = result.adata.copy()  # already holds ifnexus_* results
    snap = _snapshot(a)
    import ifnexus.singlecell._profile as prof_mod

    def boom(*args, **kwargs):
        raise AssertionError("computation started despite the clash")

    monkeypatch.setattr(prof_mod, "profile_input", boom)
    with pytest.raises(ValidationError, match=r"already holds .obs\['ifnexus_cell_type'\]"):
        profile(a, **KEYS)
    with pytest.raises(ValidationError, match="already holds"):
        profile(a, **KEYS, copy=True)
    monkeypatch.undo()
    _assert_same(a, snap)
    # another key: both results side by side; overwrite=True replaces
    res2 = profile(a, **KEYS, key_added="again")
    np.testing.assert_array_equal(a.obs["again_ifn_acute"], a.obs["ifnexus_ifn_acute"])
    a.obs["ifnexus_ifn_acute"] = -1.0
    profile(a, **KEYS, overwrite=True)
    np.testing.assert_array_equal(a.obs["ifnexus_ifn_acute"], res2.cells["ifn_acute"])
    with pytest.raises(ValidationError, match="key_added"):
        profile(a, key_added="")


def test_key_added_none_writes_nothing(data):
    snap = _snapshot(data)
    res = profile(data, **KEYS, key_added=None)
    _assert_same(data, snap)
    assert res.adata is None and res.key_added is None


def test_backed_input_file_never_written(data, tmp_path):
    path = tmp_path / "b.h5ad"
    data.write_h5ad(path)
    raw = path.read_bytes()
    backed = ad.read_h5ad(path, backed="r")
    try:
        res = profile(backed, **KEYS, copy=True)
        assert not res.adata.isbacked and "ifnexus_ifn_state" in res.adata.obs
        assert "ifnexus_ifn_state" not in backed.obs
        res2 = profile(backed, **KEYS)  # in place: in memory only
        assert "ifnexus_ifn_state" in backed.obs
        pd.testing.assert_frame_equal(res.cells, res2.cells)
    finally:
        backed.file.close()
    assert path.read_bytes() == raw


def test_store_profile_on_other_cells_refused(data, result):
    with pytest.raises(ValidationError, match="obs_names differ"):
        store_profile(data[:10].copy(), result)


def test_profiled_obs_deprecated(data, result):
    with pytest.warns(FutureWarning, match="store_profile"):
        obs = profiled_obs(data, result)
    assert obs["cell_type"].astype(str).tolist() == result.cells["cell_type"].astype(str).tolist()


# ---- stages: by hand equals the convenience function; each against an independent value ----


def test_stages_by_hand_equal_profile(data, result):
    inp = profile_input(data, sample_key="sample", condition_key="condition")
    assert (inp.input_kind, inp.transform, inp.species) == ("counts", "lognorm", "human")
    bg = prepare(inp.source, transform=inp.transform)
    scores, genes = score_signatures(inp, bg, rng=0)
    annot, _ = annotate_cells(inp.source, species="human", background=bg, transform="lognorm")
    cells = cell_table(annot, scores, samples=inp.samples, conditions=inp.conditions)
    pd.testing.assert_frame_equal(cells, result.cells)
    samples = summarise_samples(
        cells,
        sample_key="sample",
        condition_key="condition",
        score_columns=[*SIGNATURES, *PROGRAMMES],
    )
    pd.testing.assert_frame_equal(samples, result.samples)
    comp = compare_conditions(samples, condition_key="condition", reference="sham")
    pd.testing.assert_frame_equal(comp, result.comparisons)
    pb, note = profile_pseudobulk(data, cells, inp=inp)
    np.testing.assert_array_equal(pb.X, result.pseudobulk.X)
    assert note == result.settings["pseudobulk"]
    stored = store_profile(data, result, copy=True)
    assert list(stored.obs.columns) == list(result.adata.obs.columns)
    ours = [c for c in stored.obs.columns if c.startswith("ifnexus_")]
    pd.testing.assert_frame_equal(stored.obs[ours], result.adata.obs[ours])


def test_profile_input_stage(data):
    inp = profile_input(data, sample_key="sample")
    assert inp.samples.tolist() == data.obs["sample"].astype(str).tolist()
    assert inp.conditions is None
    one = profile_input(data)
    assert set(one.samples) == {"all"}
    assert profile_input(data, input_kind="counts").input_kind_reason == "given by the caller"
    with pytest.raises(ValidationError, match="input_kind"):
        profile_input(data, input_kind="tpm")


def test_score_signatures_stage_equals_score_sets(data):
    """The stage is score_sets on the shipped signatures and the two IFN programmes."""
    inp = profile_input(data)
    bg = prepare(inp.source, transform="lognorm")
    scores, genes = score_signatures(inp, bg, rng=3)
    from ifnexus.genesets import get_set

    direct = score_sets(
        data,
        {**{c: get_set(n) for c, n in SIGNATURES.items()}, **PROGRAMMES},
        rng=3,
        transform="lognorm",
        on_too_few="skip",
    )
    np.testing.assert_array_equal(scores[list(direct.columns)].to_numpy(), direct.to_numpy())
    # plus the per-cell programme detection that the IFN-state evidence floor reads
    from ifnexus.singlecell import DETECTION_COLUMNS, programme_detection

    assert list(scores.columns) == [*direct.columns, *DETECTION_COLUMNS]
    det = programme_detection(inp.source, bg, species=inp.species)
    np.testing.assert_array_equal(scores[list(DETECTION_COLUMNS)].to_numpy(), det.to_numpy())
    assert set(genes["kind"]) == {"signature"}


def test_cell_table_stage_applies_state_rule(data):
    """On a hand-made table, the stage adds call_ifn_state's columns (a closed-form mixture:
    300 resting cells around 0 and 100 cells with both programmes raised by 20 SDs)."""
    r = np.random.default_rng(0)
    idx = pd.Index([f"c{i}" for i in range(400)])
    annot = pd.DataFrame(
        {
            "cell_type": ["cd8_t"] * 400,
            "cell_subtype": ["cd8_t"] * 400,
            "cell_type_score": [1.0] * 400,
            "cell_type_margin": [1.0] * 400,
            "cell_type_confidence": [1.0] * 400,
            "cell_type_reason": [""] * 400,
            "cell_type_markers": ["CD8A"] * 400,
            "marker_cd8_t": [1.0] * 400,
        },
        index=idx,
    )
    scores = pd.DataFrame(
        {"ifn_isgf3_acute": r.normal(0, 0.1, 400), "ifn_u_isgf3": r.normal(0, 0.1, 400)},
        index=idx,
    )
    scores.iloc[:100] += 2.0
    cells = cell_table(annot, scores, samples=["s"] * 400)
    truth = ["acute"] * 100 + ["none"] * 300
    assert cells["ifn_state"].astype(str).tolist() == truth
    pd.testing.assert_series_equal(
        cells["ifn_state"],
        call_ifn_state(scores, cell_types=annot["cell_type"]).cells["ifn_state"],
    )
    assert list(cells.columns[:2]) == ["sample", "cell_type"]
    with pytest.raises(ValidationError, match="one value per cell"):
        cell_table(annot, scores, samples=["s"] * 3)


def test_pseudobulk_stage_from_counts_layer():
    """A log-normalised input is summed from its counts layer, equal to groupby sums."""
    rng = np.random.default_rng(2)
    a = _mod.make_data(seed=2, n_per_sample=15)
    counts = a.X.copy()
    x = counts.toarray().astype(np.float64)
    a.X = sparse.csr_matrix(np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4))
    a.layers["counts"] = counts
    inp = profile_input(a, sample_key="sample")
    assert inp.input_kind == "lognorm"
    cells = pd.DataFrame(
        {"sample": a.obs["sample"].astype(str), "cell_type": rng.choice(["x", "y"], a.n_obs)},
        index=a.obs_names,
    )
    pb, note = profile_pseudobulk(a, cells, inp=inp)
    key = (cells["sample"] + "|" + cells["cell_type"]).to_numpy()
    expect = pd.DataFrame(x, index=key).groupby(level=0).sum()
    np.testing.assert_allclose(pb.X, expect.loc[pb.obs_names].to_numpy())
    assert note == "summed from layer 'counts'"
    none, why = profile_pseudobulk(a, cells, inp=inp, counts_layer=None)
    assert none is None and "no counts layer" in why


# ---- summary, run options ----


def test_summary_is_samples_in_long_form(result):
    s = result.summary
    assert list(s.columns) == ["sample", "condition", "metric", "value"]
    wide = s.pivot(index="sample", columns="metric", values="value")
    numeric = result.samples.drop(columns="condition")
    pd.testing.assert_frame_equal(
        wide.loc[numeric.index, list(numeric.columns)],
        numeric.astype(float),
        check_names=False,
    )
    cond = s.drop_duplicates("sample").set_index("sample")["condition"]
    assert cond.to_dict() == result.samples["condition"].to_dict()


def test_run_options_do_not_change_results(data, result):
    res = profile(data, **KEYS, key_added=None, options=RunOptions(chunk_size=37, n_jobs=-1))
    pd.testing.assert_frame_equal(res.cells, result.cells)
    np.testing.assert_array_equal(res.pseudobulk.X, result.pseudobulk.X)


def test_deprecated_engine_keywords_warn_and_agree(data, result):
    with pytest.warns(FutureWarning, match=r"profile: chunk_size=, n_jobs= is deprecated"):
        res = profile(data, **KEYS, key_added=None, chunk_size=50, n_jobs=2)
    pd.testing.assert_frame_equal(res.cells, result.cells)
    with pytest.raises(ValidationError, match="not both"):
        profile(data, key_added=None, options=RunOptions(), n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        profile(data, **KEYS, key_added=None, options=RunOptions(chunk_size=50))


def test_bad_seed_refused_before_work(data):
    with pytest.raises(ValidationError, match="rng must be an integer seed >= 0"):
        profile(data, key_added=None, rng=-3)


def test_compare_conditions_values_equal_to_rounding_are_constant():
    # 0.1 + 0.2 != 0.3 in floating point: scipy's t-test on such values loses all precision
    # (a RuntimeWarning and a noise p-value); they are the same number and reported constant
    samples = pd.DataFrame(
        {"condition": ["sham"] * 3 + ["rt"] * 3, "frac": [0.3, 0.1 + 0.2, 0.3, 0.3, 0.3, 0.1 + 0.2]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comp = compare_conditions(samples, condition_key="condition", reference="sham")
    row = comp.set_index("metric").loc["frac"]
    assert row["note"] == "constant across samples" and np.isnan(row["welch_p"])


def test_compare_conditions_one_constant_condition_is_an_exact_welch_test():
    # the reference is 0.3 in every sample: Welch's t with var = 0 there is
    # t = (2 - 0.3) / sqrt(1 / 3) on n - 1 = 2 df (closed form), without scipy's warning
    from scipy import stats as st

    samples = pd.DataFrame({"condition": ["sham"] * 3 + ["rt"] * 3,
                            "frac": [0.3, 0.3, 0.3, 1.0, 2.0, 3.0]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comp = compare_conditions(samples, condition_key="condition", reference="sham")
    row = comp.set_index("metric").loc["frac"]
    t = 1.7 * np.sqrt(3)
    assert row["welch_t"] == pytest.approx(t, rel=1e-12)
    assert row["welch_df"] == pytest.approx(2.0, rel=1e-9)
    assert row["welch_p"] == pytest.approx(2 * st.t.sf(t, 2), rel=1e-9)
    # both conditions constant but different: Welch's t is undefined, Mann-Whitney is not
    samples["frac"] = [0.3, 0.3, 0.3, 0.5, 0.5, 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comp = compare_conditions(samples, condition_key="condition", reference="sham")
    row = comp.set_index("metric").loc["frac"]
    assert row["note"].startswith("constant within each condition")
    assert np.isnan(row["welch_p"]) and row["rank_biserial"] == 1.0
