"""The study's data generators reproduce the closed forms they are built on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.study import clinical_table, cohort_segments, screen_counts, singlecell_dataset


def _truth(purity, cluster_cn, cdkn2a_cn):
    return pd.DataFrame(
        {
            "patient_id": ["A"],
            "purity": [purity],
            "ifn_cluster_cn": [cluster_cn],
            "cdkn2a_cn": [cdkn2a_cn],
        }
    )


@pytest.mark.parametrize(("purity", "cn"), [(0.6, 0.0), (0.6, 1.0), (0.9, 0.0), (0.35, 1.0)])
def test_segment_means_follow_purity_dilution(purity, cn):
    seg = cohort_segments(_truth(purity, cn, 2.0), noise=0.0, rng=0)
    chr9 = seg[seg["chrom"] == "9"].reset_index(drop=True)
    ifn = chr9[(chr9["loc.start"] <= 21_077_105) & (chr9["loc.end"] >= 21_482_313)]
    # closed form: log2 of (purity * cn + (1 - purity) * 2) / 2
    assert ifn["seg.mean"].iloc[0] == pytest.approx(
        np.log2((purity * cn + (1 - purity) * 2) / 2), abs=1e-4
    )
    cdkn2a = chr9[(chr9["loc.start"] <= 21_967_753) & (chr9["loc.end"] >= 21_995_301)]
    assert cdkn2a["seg.mean"].iloc[0] == pytest.approx(0.0, abs=1e-4)
    assert (chr9["loc.end"] >= chr9["loc.start"]).all()
    # segments tile chr9 without gaps
    assert (chr9["loc.start"].iloc[1:].to_numpy() == chr9["loc.end"].iloc[:-1].to_numpy() + 1).all()


def test_clinical_events_are_the_first_of_failure_death_censoring():
    n = 2000
    truth = pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(n)],
            "age": 50,
            "sex": "F",
            "disease": "gross",
            "time_to_failure": np.where(np.arange(n) % 2 == 0, 300.0, np.nan),
            "followup": 1826.0,
        }
    )
    c = clinical_table(truth, death_hazard_per_year=0.14, rng=1)
    assert set(c["event"]) <= {0, 1, 2}
    fail_first = np.arange(n) % 2 == 0
    # failure at 300 d (9.86 months) happens before censoring (>= 24 months) unless death came first
    assert (c.loc[fail_first & (c["event"] != 2), "event"] == 1).all()
    assert np.allclose(c.loc[c["event"] == 1, "time_months"], 300 / (365.25 / 12), atol=1e-3)
    # deaths before 300 d among failing patients: P(T_death < 300 d) = 1 - exp(-0.14 * 300 / 365.25)
    p_death = 1 - np.exp(-0.14 * 300 / 365.25)
    observed = (c.loc[fail_first, "event"] == 2).mean()
    assert observed == pytest.approx(p_death, abs=4 * np.sqrt(p_death * (1 - p_death) / (n / 2)))


def test_screen_counts_planted_enrichment_matches_design():
    counts, truth = screen_counts(
        {"STING1": 0.5},
        n_neutral=10,
        guides_per_gene=100,
        n_nontargeting=300,
        reads_per_guide=2000,
        rounds=3,
        rng=3,
    )
    assert list(counts.columns) == [
        "sgRNA",
        "Gene",
        "T0_1",
        "T0_2",
        "untreated_1",
        "untreated_2",
        "treated_1",
        "treated_2",
    ]
    norm = counts.iloc[:, 2:] / counts.iloc[:, 2:].sum() * 1e6
    lfc = np.log2(
        (norm[["treated_1", "treated_2"]].to_numpy() + 1)
        / (norm[["untreated_1", "untreated_2"]].to_numpy() + 1)
    ).mean(axis=1)
    nt = lfc[counts["Gene"] == "non-targeting"].mean()
    sting = lfc[counts["Gene"] == "STING1"].mean() - nt
    # full knock-down enriches by 0.5 log2 per round x 3 rounds; guide efficacy Beta(4, 1.6) scales
    # it by its mean 4 / 5.6, so 100 guides average 1.5 * 4 / 5.6 (count noise: standard error ~0.05)
    assert sting == pytest.approx(1.5 * 4 / 5.6, abs=0.2)
    assert truth.loc[truth["gene"] == "STING1", "rho_true"].iloc[0] == pytest.approx(1.5)
    assert (counts.iloc[:, 2:] >= 0).all().all()


def test_singlecell_dataset_truth_and_library_sizes():
    adata, truth = singlecell_dataset(
        cd8_fold_change=3.0,
        acute_fraction_rt=0.6,
        chronic_fraction=0.1,
        n_samples_per_arm=2,
        cells_per_sample=300,
        ambient=0.0,
        doublet_rate=0.0,
        rng=2,
    )
    assert adata.n_obs == 4 * 300
    assert set(adata.obs["condition"]) == {"RT", "sham"}
    lib = np.asarray(adata.X.sum(axis=1)).ravel()
    # library sizes are lognormal around 3000 (median exp(log 3000))
    assert np.median(lib) == pytest.approx(3000, rel=0.1)
    rt = truth[truth["condition"] == "RT"]["acute_fraction_malignant"].mean()
    assert rt == pytest.approx(0.6, abs=0.08)


def _programme_ratio(adata, genes, state):
    """Mean library-normalised expression of ``genes`` in malignant cells of ``state`` over 'none'."""
    x = np.asarray(adata[:, genes].X.sum(axis=1)).ravel() / np.asarray(adata.X.sum(axis=1)).ravel()
    obs = adata.obs
    malignant = obs["true_cell_type"] == "malignant"
    return (
        x[malignant & (obs["true_ifn_state"] == state)].mean()
        / x[malignant & (obs["true_ifn_state"] == "none")].mean()
    )


def test_singlecell_programmes_follow_the_design_multipliers():
    from ifnexus.genesets import get_set

    adata, _ = singlecell_dataset(
        cd8_fold_change=1.0,
        acute_fraction_rt=0.4,
        chronic_fraction=0.3,
        cells_per_sample=600,
        ambient=0.0,
        doublet_rate=0.0,
        rng=4,
    )
    from ifnexus.singlecell import programme_sets

    ifna = set(get_set("IFNA", species="mouse").genes)
    isg = set(get_set("ISG.RS", species="mouse").genes)
    sustained = set(programme_sets("mouse")["ifn_u_isgf3"].genes)
    acute_programme = set(programme_sets("mouse")["ifn_isgf3_acute"].genes)
    acute_only = sorted((ifna - isg - sustained) & set(adata.var_names))
    # the acute burst multiplies the IFN-alpha genes 6-fold (less after library normalisation);
    # the chronic (U-ISGF3) state leaves them and the acute-only ISGs of Cheon 2013 alone
    # (their share can only shrink, as the sustained genes take a larger part of the library)
    # and multiplies the sustained U-ISGF3 programme 5-fold
    assert 2.5 < _programme_ratio(adata, acute_only, "acute") <= 6.0
    assert 0.6 < _programme_ratio(adata, acute_only, "chronic") <= 1.05
    assert 0.6 < _programme_ratio(adata, sorted(acute_programme), "chronic") <= 1.05
    assert 2.5 < _programme_ratio(adata, sorted(sustained), "chronic") <= 5.0


def test_generators_are_reproducible():
    a, _ = screen_counts({"IRF3": 0.4}, n_neutral=20, rng=7)
    b, _ = screen_counts({"IRF3": 0.4}, n_neutral=20, rng=7)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "kw",
    [{"n_patients": 0}, {"n_patients": 19}, {"cells_per_sample": -5}, {"trial_patients": 2.5}],
)
def test_generate_study_refuses_bad_sizes_before_writing(tmp_path, kw):
    from ifnexus.errors import ValidationError
    from ifnexus.study import generate_study

    with pytest.raises(ValidationError, match=next(iter(kw))):
        generate_study(tmp_path / "s", **kw)
    assert not (tmp_path / "s").exists()


def test_true_ifn_state_follows_the_tumour_module_rule():
    from ifnexus.study._cohort import true_ifn_state

    patients = pd.DataFrame(
        {
            "ifn_cluster_loss": [True, False, False, False, False, False, True],
            "sting_silenced": [False, True, False, False, False, False, False],
            "chronic_ifn": [0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.5],
            "genotype": ["", "", "", "cgas-loss", "chronic-ifn", "irf3-loss", ""],
        }
    )
    # deficiency (cluster lost, STING silenced, or a cGAS/STING/cluster genotype) wins over tonic IFN
    assert list(true_ifn_state(patients)) == [
        "ifn-deficient",
        "ifn-deficient",
        "chronic",
        "ifn-deficient",
        "chronic",
        "acute-competent",
        "ifn-deficient",
    ]
