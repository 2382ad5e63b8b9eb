"""Virtual cohorts: reproducibility, chunking, Dask, outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort

KW = dict(setting="mouse", days=40, interventions=["anti-pd1:day=0,dose=1"])


def _num(df: pd.DataFrame) -> pd.DataFrame:
    return df.select_dtypes(include=[np.number, bool])


def test_same_seed_same_result_and_chunk_invariance():
    a = simulate_cohort("8Gy x3", n_patients=1100, rng=7, **KW)
    b = simulate_cohort(
        "8Gy x3", n_patients=1100, rng=7, options=RunOptions(chunk_size=1024, n_jobs=2), **KW
    )
    pd.testing.assert_frame_equal(a.patients, b.patients)
    c = simulate_cohort("8Gy x3", n_patients=1100, rng=8, **KW)
    assert not np.allclose(a.patients["alpha"], c.patients["alpha"])
    # patient i has the same draws in a smaller cohort (blocks of 1024)
    d = simulate_cohort("8Gy x3", n_patients=5, rng=7, **KW)
    pd.testing.assert_frame_equal(d.patients, a.patients.iloc[:5])


def test_dask_local_cluster_identical():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        a = simulate_cohort(
            "8Gy x3",
            n_patients=1100,
            rng=3,
            options=RunOptions(chunk_size=1024, scheduler=cluster.scheduler_address),
            **KW,
        )
    b = simulate_cohort("8Gy x3", n_patients=1100, rng=3, **KW)
    pd.testing.assert_frame_equal(a.patients, b.patients)


def test_outputs_and_summary(summary_keys):
    res = simulate_cohort("20Gy x1", n_patients=40, rng=0, record=2, setting="mouse", days=60)
    p = res.patients
    for col in (
        "tcp",
        "local_control",
        "time_to_failure",
        "ifn_label",
        "ifn_auc_30d",
        "cd8_fold_change_day7",
        "ifn_peak",
        "ifn_t_half",
        "ifn_4wk",
        "bed",
        "eqd2",
    ):
        assert col in p.columns
    assert p["tcp"].between(0, 1).all()
    assert (p.loc[p["local_failure"], "time_to_failure"] > 0).all()
    assert p.loc[~p["local_failure"], "time_to_failure"].isna().all()
    assert p["bed"].iloc[0] == pytest.approx(20 * (1 + 20 / 10))
    tc = res.timecourses
    assert set(tc["patient"]) == {0, 1}
    assert {"N", "ifn", "acute", "ustat1", "irds", "cd8", "burden"} <= set(tc["state"])
    s = res.to_dict()
    assert set(summary_keys) <= set(s)
    assert s["n_patients"] == 40 and sum(s["ifn_labels"].values()) == 40
    # summary: a tidy table of the same numbers, each the mean/fraction of the patient table
    t = res.summary
    assert isinstance(t, pd.DataFrame) and list(t.columns) == ["value", "unit"]
    assert t.index.name == "measure"
    assert t.loc["local_control", "value"] == pytest.approx(p["local_control"].mean())
    assert t.loc["tcp_mean", "value"] == pytest.approx(p["tcp"].mean())
    assert t.loc["n_patients", "value"] == 40
    fractions = t.loc[["ifn_acute", "ifn_chronic", "ifn_none"], "value"]
    assert fractions.sum() == pytest.approx(1.0)
    assert t.loc["ifn_acute", "value"] == pytest.approx((p["ifn_label"] == "acute").mean())
    # the old call form still gives the dict, with a FutureWarning
    with pytest.warns(FutureWarning, match="to_dict"):
        assert res.summary() == s


def test_local_control_curve_matches_counts():
    res = simulate_cohort("20Gy x1", n_patients=60, rng=1, setting="mouse", days=90)
    curve = res.local_control_curve()
    p = res.patients
    # every tumour without failure is censored at the end of follow-up: KM at the end is the
    # plain fraction without failure
    assert curve["local_control"].iloc[-1] == pytest.approx(1 - p["local_failure"].mean())
    by = res.local_control_curve(by="ifn_competent")
    assert set(by["group"]) == {"True"}
    with pytest.raises(ValidationError):
        res.local_control_curve(by="nope")


def test_heterogeneous_patient_cohort_by_subgroup():
    """MODEL.md check 5: under 50 Gy/25 fx responses vary widely, and control differs by IFN
    competence and by infiltration (a rank test, and at least 1.3x between the groups)."""
    from scipy.stats import mannwhitneyu

    res = simulate_cohort("50Gy/25fx", n_patients=600, rng=11, days=365)
    p = res.patients
    assert p["tcp"].std() > 0.25
    for grp in (p["ifn_competent"], p["infiltration"] > p["infiltration"].median()):
        a, b = p.loc[grp, "tcp"], p.loc[~grp, "tcp"]
        assert mannwhitneyu(a, b, alternative="greater").pvalue < 0.01
        assert a.mean() > 1.3 * b.mean()
    assert set(p["ifn_label"]) >= {"acute", "chronic"}


def test_bad_arguments():
    with pytest.raises(ValidationError):
        simulate_cohort("20Gy x1", n_patients=0)
    with pytest.raises(ValidationError, match="postop"):
        simulate_cohort("20Gy x1", setting="mouse", disease="postop")
    with pytest.raises(ValidationError, match="days"):
        simulate_cohort("20Gy x1", days=-3)


def test_local_control_table_stacks_overall_and_groupings():
    res = simulate_cohort("20Gy x1", n_patients=60, rng=1, setting="mouse", days=90)
    lc = res.local_control_table()
    overall = res.local_control_curve()
    pd.testing.assert_frame_equal(lc[lc["group"] == "all"].reset_index(drop=True), overall)
    for by in ("ifn_competent", "ifn_label"):
        sub = lc[lc["group"].str.startswith(by + "=")].reset_index(drop=True)
        ref = res.local_control_curve(by=by)
        assert list(sub["group"]) == [f"{by}={g}" for g in ref["group"]]
        pd.testing.assert_frame_equal(sub.drop(columns="group"), ref.drop(columns="group"))
    only = res.local_control_table(by="genotype")
    assert set(only["group"]) == {"all", "genotype=wild-type"}
    pd.testing.assert_frame_equal(res.local_control_table(by=None), overall)


def test_all_cores_means_as_many_threads_as_cores(monkeypatch):
    """n_jobs=-1 runs the chunks on os.cpu_count() threads (it used to run one)."""
    import ifnexus._runoptions as ro
    import ifnexus.model._cohort as cohort

    monkeypatch.setattr(ro.os, "cpu_count", lambda: 6)
    assert RunOptions(n_jobs=-1).workers == 6
    seen = []
    real = cohort.ThreadPoolExecutor

    class Recording(real):
        def __init__(self, max_workers=None, **kw):
            seen.append(max_workers)
            super().__init__(max_workers=max_workers, **kw)

    monkeypatch.setattr(cohort, "ThreadPoolExecutor", Recording)
    a = simulate_cohort(
        "20Gy x1", n_patients=1030, rng=2, setting="mouse", days=20,
        options=RunOptions(chunk_size=1024, n_jobs=-1),
    )  # fmt: skip
    assert seen == [6]
    b = simulate_cohort("20Gy x1", n_patients=1030, rng=2, setting="mouse", days=20)
    pd.testing.assert_frame_equal(a.patients, b.patients)


def test_old_run_keywords_warn_and_still_work():
    a = simulate_cohort("20Gy x1", n_patients=30, rng=4, setting="mouse", days=20)
    with pytest.warns(FutureWarning, match="options=ifnexus.RunOptions"):
        b = simulate_cohort(
            "20Gy x1", n_patients=30, rng=4, setting="mouse", days=20, chunk_size=1024, n_jobs=2
        )
    pd.testing.assert_frame_equal(a.patients, b.patients)
    with pytest.raises(ValidationError, match="not both"):
        simulate_cohort("20Gy x1", n_patients=3, options=RunOptions(), n_jobs=2)


@pytest.mark.parametrize("seed", [-1, True])
def test_bad_seed_is_a_validation_error(seed):
    with pytest.raises(ValidationError, match="seed"):
        simulate_cohort("20Gy x1", n_patients=3, rng=seed)


def test_seed_forms_share_one_normaliser():
    """An int seed is the entropy itself; a SeedSequence/Generator gives the same cohort as
    the entropy they stand for (the one normaliser, ifnexus._rng.seed_entropy)."""
    from ifnexus._rng import seed_entropy

    kw = dict(n_patients=8, setting="mouse", days=20)
    ss = np.random.SeedSequence(123)
    a = simulate_cohort("20Gy x1", rng=ss, **kw)
    b = simulate_cohort("20Gy x1", rng=seed_entropy(np.random.SeedSequence(123)), **kw)
    pd.testing.assert_frame_equal(a.patients, b.patients)
    assert a.seed == b.seed == int(ss.generate_state(2, np.uint64)[0])
    assert simulate_cohort("20Gy x1", rng=0, **kw).seed == 0
