"""``ifnexus fit clinical``: the likelihood against the model's own sampler, recovery, CLI, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.fit import (
    PatientGroup,
    draw_parameter_sets,
    fit_clinical,
    read_clinical,
    simulate_clinical_study,
)
from ifnexus.fit._clinical_data import DAYS_PER_MONTH
from ifnexus.fit._clinical_sim import GroupSimulator
from ifnexus.model import parameters, simulate_cohort

GROSS = PatientGroup("50Gy/25fx")
POSTOP = PatientGroup("60Gy/30fx", "postop", "R1")


@pytest.mark.parametrize("group", [GROSS, POSTOP], ids=["gross", "postop-R1"])
def test_virtual_tumours_are_the_cohorts(group):
    # same seed: the same tumours as simulate_cohort, hence its TCP column exactly
    sim = GroupSimulator(group, 1825.0, n=256, entropy=3)
    c = sim.curves(parameters("patient"))
    coh = simulate_cohort(group.schedule, n_patients=256, disease=group.disease,
                          margin=group.margin, days=1825, rng=3)  # fmt: skip
    # (to the solver grid's accuracy, 1e-4: the grid is the cohort's, probe nodes included)
    np.testing.assert_allclose(c.tcp, coh.patients["tcp"].to_numpy(), rtol=1e-4, atol=1e-290)


def test_failure_distribution_equals_the_sampled_cohort():
    # reference: the model's sampler (extinction, lineages, crossing) over 2048 tumours; the
    # integrated-out distribution must agree within 4 binomial standard errors
    n = 2048
    sim = GroupSimulator(GROSS, 1825.0, n=n, entropy=5)
    c = sim.curves(parameters("patient"))
    ttf = (
        simulate_cohort(GROSS.schedule, n_patients=n, days=1825, rng=5)
        .patients["time_to_failure"]
        .to_numpy()
    )
    times = np.array([180.0, 365.0, 730.0, 1824.0])
    emp = np.array([(np.nan_to_num(ttf, nan=np.inf) <= t).mean() for t in times])
    model = c.cdf(times)
    se = np.sqrt(np.maximum(emp * (1 - emp), 0.01) / n)
    assert np.all(np.abs(model - emp) < 4 * se)
    # the mid-quantile failure times carry the same distribution (5 quantiles per tumour)
    T, P = c.failure_times(5)
    quant = np.array([(P * (T <= t)).sum() / P.shape[0] for t in times])
    assert np.all(np.abs(quant - model) < 0.02)


def test_synthetic_study_is_recovered_within_its_interval():
    # 150 patients simulated by the model's cohort sampler at alpha = 0.2 (the truth), seen at
    # monthly visits (the likelihood's observation model); the fit's virtual population uses
    # another seed
    data = simulate_clinical_study([(GROSS, 150)], min_followup=24, max_followup=60,
                                   visit_days=DAYS_PER_MONTH, rng=101)  # fmt: skip
    fit = fit_clinical(data, free=("alpha",), n_tumours=256, rng=8)
    e = fit.estimates.set_index("parameter").loc["alpha"]
    assert fit.converged
    assert e["profile_lower"] < 0.2 < e["profile_upper"]
    assert e["estimate"] == pytest.approx(0.2, rel=0.15)
    assert np.isfinite(fit.diagnostics["mc_se_objective"])
    # the reported interval is the likelihood-ratio interval at the raised threshold
    # chi2_1(0.9) * (1 + V_mc / V_data): -2 log L at its ends is that (to the search's 0.1)
    ratio = e["mc_var_ratio"]
    assert 0 < ratio < 10
    pts = fit.profiles.set_index("value")["delta"]
    target = stats.chi2.ppf(0.9, 1) * (1 + ratio)
    for end in (e["profile_lower"], e["profile_upper"]):
        assert pts.loc[end] == pytest.approx(target, abs=0.1)


def test_visits_report_failures_at_the_visit_that_finds_them():
    # the same seed gives the same patients; at visits every w days a failure at t is reported
    # at ceil(t / w) w and a patient leaving at t (alive or dead) at floor(t / w) w
    w = DAYS_PER_MONTH
    kw = dict(min_followup=12, max_followup=36, death_rate=0.2, rng=7)
    exact = simulate_clinical_study([(GROSS, 80)], **kw).table
    seen = simulate_clinical_study([(GROSS, 80)], visit_days=w, **kw).table
    te, ts = exact["time"].to_numpy(), seen["time"].to_numpy()
    ee, es = exact["event"].to_numpy(), seen["event"].to_numpy()
    both = (ee == 1) & (es == 1)
    assert both.sum() > 20
    np.testing.assert_allclose(ts[both], np.ceil(te[both] / w - 1e-9) * w)
    left = ee != 1
    assert (es[left] == ee[left]).all() and ((ee == 2).sum() > 3)
    np.testing.assert_allclose(
        ts[left], np.where(te[left] >= w, np.floor(te[left] / w) * w, te[left])
    )
    # a failure found after the patient left is not reported
    late = (ee == 1) & (es != 1)
    assert (ts[late] < np.ceil(te[late] / w) * w).all()
    with pytest.raises(ValidationError, match="visit_days"):
        simulate_clinical_study([(GROSS, 5)], visit_days=0)


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("clinical")
    data = simulate_clinical_study([(GROSS, 30)], max_followup=48, death_rate=0.05, rng=4)
    t = data.table
    pd.DataFrame({"patient": t["patient"], "time": t["time"] / 30.4375, "event": t["event"],
                  "schedule": GROSS.schedule}).to_csv(d / "c.csv", index=False)  # fmt: skip
    return d / "c.csv"


def _args(path, out, *extra):
    return ["fit", "clinical", str(path), "--out", str(out), "--free", "alpha", "--tumours",
            "64", "--quiet", "--no-figures", *extra]  # fmt: skip


def test_cli_posterior_folder_and_convergence_rule(small_file, tmp_path, capsys):
    # 4 walkers x 10 kept steps = 40 draws: the ESS cannot reach the rule's 50, so the fit is
    # refused (exit 2, nothing written) unless --keep-unconverged
    out = tmp_path / "fit"
    post = ("--posterior", "--steps", "20", "--walkers", "4", "--profile", "none")
    assert main(_args(small_file, out, *post)) == 2
    err = capsys.readouterr().err
    assert "did not converge" in err and "--keep-unconverged" in err
    assert not out.exists()
    assert main(_args(small_file, out, *post, "--keep-unconverged", "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["free"] == ["alpha"] and not summary["converged"]
    assert {"estimates.csv", "profiles.csv", "predictions.csv", "vpc.csv",
            "posterior_draws.csv", "diagnostics.json", "run.json"} <= {p.name for p in out.iterdir()}  # fmt: skip
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["kind"] == "clinical" and diag["setting"] == "patient" and diag["fit_format"] == 1
    # the folder is what simulate --posterior reads
    sets = draw_parameter_sets(out, 3, rng=0)
    assert len(sets) == 3 and all(s["alpha"] > 0 for s in sets)
    vpc = pd.read_csv(out / "vpc.csv")
    assert ((vpc["sim_lower"] <= vpc["sim_median"]) & (vpc["sim_median"] <= vpc["sim_upper"])).all()


def test_example_file_reads():
    from importlib.resources import files

    d = read_clinical(str(files("ifnexus.fit") / "data" / "example_clinical.csv"))
    assert len(d.table) == 80 and len(d.groups) == 3
    assert {g.disease for g in d.groups} == {"gross", "postop"}


HEADER = "patient,time,event,schedule,disease,margin,genotype\n"


@pytest.mark.parametrize(
    ("rows", "expect"),
    [
        ("p1,abc,1,50Gy/25fx,,,\n", "line 2, column time"),
        ("p1,12,0,50Gy/25fx,,,\np2,-3,1,50Gy/25fx,,,\n", "line 3, column time"),
        ("p1,12,3,50Gy/25fx,,,\n", "line 2, column event"),
        ("p1,12,1,50 Gray,,,\n", "line 2, column schedule"),
        ("p1,12,1,none,,,\n", "line 2, column schedule"),
        ("p1,12,1,50Gy/25fx,,,stingloss\n", "line 2, column genotype"),
        ("p1,12,1,50Gy/25fx,gross,R1,\n", "line 2, column margin"),
        ("p1,12,1,50Gy/25fx,postop,R2,\n", "line 2, column margin"),
        ("p1,12,1,50Gy/25fx,bulky,,\n", "line 2, column disease"),
        ("p1,12,1,50Gy/25fx,,,\np1,14,0,50Gy/25fx,,,\n", "line 3, column patient"),
        ("p1,130,0,50Gy/25fx,,,\n", "line 2, column time"),
    ],
    ids=[
        "time-text",
        "time-negative",
        "event-3",
        "schedule",
        "no-fraction",
        "genotype",
        "margin-gross",
        "margin-R2",
        "disease",
        "twice",
        "beyond-120-months",
    ],  # fmt: skip
)
def test_bad_table_is_refused_naming_line_and_column(tmp_path, capsys, rows, expect):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + rows)
    out = tmp_path / "fit"
    rc = main(["fit", "clinical", str(f), "--out", str(out), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and expect in err and str(f) in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--free", "alpah"], "did you mean 'alpha'"),
        (["--free", "p_r1"], "unknown parameter 'p_r1'"),
        (["--time-unit", "weeks"], "--time-unit"),
    ],
)
def test_bad_options_are_refused(small_file, tmp_path, capsys, extra, expect):
    out = tmp_path / "fit"
    rc = main(["fit", "clinical", str(small_file), "--out", str(out), "--quiet", *extra])
    assert rc == 2
    assert expect in capsys.readouterr().err
    assert not out.exists()


def test_missing_column_is_named(tmp_path, capsys):
    f = tmp_path / "c.csv"
    f.write_text("patient,time,event,disease\np1,3,1,gross\n")
    rc = main(["fit", "clinical", str(f), "--out", str(tmp_path / "o"), "--quiet"])
    assert rc == 2 and "missing column(s) schedule" in capsys.readouterr().err
