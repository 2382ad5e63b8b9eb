"""Real data: the committed Morisada et al. 2018 growth tables (tests/data/morisada2018_*).

The reader accepts the fit and held-out tables as committed, refuses the held-out complete
responses (volume 0) with their line, and a short fit of the untreated arm reproduces the
exponential growth rate that statsmodels' linear mixed model (log volume on day, random
intercept per mouse) estimates from the same measurements. The committed fits
(``docs/fit_real/<line>/``) belong to the installed model (their estimates reproduce the
recorded ``-2 log L``) and record that model in ``run.json``, their profile-likelihood
intervals end where ``-2 log L`` has risen by the chi-square threshold, and their
``--params`` files are the estimates and are what ``ifnexus simulate --params`` uses
(``params_used.toml``).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import InputFormatError
from ifnexus.fit import GrowthProblem, fit_growth, growth_data, read_arms, read_growth
from ifnexus.model import ParameterSet, parameters

DATA = Path(__file__).resolve().parents[1] / "data" / "morisada2018_moc1"
MC38 = Path(__file__).resolve().parents[1] / "data" / "morisada2018_mc38"
FITS = Path(__file__).resolve().parents[2] / "docs" / "fit_real"
FREE = ("r", "n0", "alpha", "e_kill")  # the design of benchmarks/fit_real_morisada.py
EARLY = 35  # study days 0-35: control tumours below ~500 mm^3, well under the plateau


@pytest.mark.parametrize("folder", [DATA, MC38], ids=["moc1", "mc38"])
def test_reader_accepts_committed_tables(folder):
    arms = read_arms(folder / "arms.csv")
    assert len(arms) == 6
    data = read_growth(folder / "growth_fit.csv", arms)
    # the paper's Fig. 6: 10 mice per arm; the fit set is the four single-modality arms
    assert sorted(data.arms) == ["RT 2Gyx10", "RT 8Gyx2", "anti-PD-1", "control"]
    assert len(data.animals) == 40


def test_mc38_heldout_table_is_read():
    arms = read_arms(MC38 / "arms.csv")
    held = read_growth(MC38 / "growth_heldout.csv", arms)
    assert sorted(held.arms) == ["RT 2Gyx10 + anti-PD-1", "RT 8Gyx2 + anti-PD-1"]
    assert len(held.animals) == 20


def test_heldout_complete_responses_are_refused_with_their_line():
    arms = read_arms(DATA / "arms.csv")
    held = pd.read_csv(DATA / "growth_heldout.csv")
    first_zero = int(np.flatnonzero(held["volume"].to_numpy() <= 0)[0])
    with pytest.raises(InputFormatError, match="growth_heldout.csv") as err:
        read_growth(DATA / "growth_heldout.csv", arms)
    # header is line 1, the first data row line 2
    assert f"line {first_zero + 2}" in str(err.value)


@pytest.fixture(scope="module")
def control():
    arms = read_arms(DATA / "arms.csv")
    df = pd.read_csv(DATA / "growth_fit.csv")
    df = df[(df["arm"] == "control") & (df["day"] <= EARLY)].reset_index(drop=True)
    return df, growth_data(df, arms, source="control")


def test_untreated_growth_rate_matches_mixed_model_slope(control):
    smf = pytest.importorskip("statsmodels.formula.api")
    df, data = control
    d = df.assign(logv=np.log(df["volume"]))
    ref = smf.mixedlm("logv ~ day", d, groups=d["animal"]).fit(reml=True)
    slope, se = float(ref.params["day"]), float(ref.bse["day"])
    fit = fit_growth(data, free=("r", "n0"), random=("n0",), posterior=False, profile_params=())
    pred = fit.predictions()
    pop = pred.groupby("day")["population"].first()
    days = pop.index.to_numpy(dtype=float)
    fitted_slope = np.polyfit(days, np.log(pop.to_numpy(dtype=float)), 1)[0]
    # the two estimators see the same 10 mice; the model's curve bends slightly (carrying
    # capacity, immune kill), so allow 3 reference SEs
    assert fit.converged
    assert abs(fitted_slope - slope) < 3 * se


@pytest.mark.parametrize("line", ["moc1", "mc38"])
def test_committed_fit_belongs_to_the_installed_model(line):
    # the estimates of docs/fit_real/<line>/ give the -2 log L recorded when they were fitted;
    # a model change that moves it means the fit and its --params file must be re-run
    # (benchmarks/fit_real_morisada.py). Tolerance 0.05, the optimum check of the profile step:
    # the Treg state moved MC38's -2 log L by 0.12, which 0.5 let through unnoticed.
    folder = Path(__file__).resolve().parents[1] / "data" / f"morisada2018_{line}"
    data = read_growth(folder / "growth_fit.csv", read_arms(folder / "arms.csv"))
    est = pd.read_csv(FITS / line / "estimates.csv").set_index("parameter")["estimate"]
    run = json.loads((FITS / line / "run.json").read_text(encoding="utf-8"))
    assert tuple(run["free"]) == FREE and tuple(run["random"]) == ("n0", "r")
    prob = GrowthProblem(data, free=FREE, random=("n0", "r"))
    x = prob.transformed(np.array([float(est[n]) for n in prob.names]))
    assert prob(x) == pytest.approx(run["objective"], abs=0.05)


@pytest.mark.parametrize("line", ["moc1", "mc38"])
def test_committed_fit_records_its_model(line):
    # run.json names the model the fit was made with: the commit its source was unpacked from
    # and ifnexus.fit.model_stamp() of that source (version, parameter-table sha256)
    rec = json.loads((FITS / line / "run.json").read_text(encoding="utf-8"))["model"]
    assert re.fullmatch(r"[0-9a-f]{7,40}", rec["commit"])
    assert rec["ifnexus_version"]
    assert re.fullmatch(r"[0-9a-f]{64}", rec["parameters_sha256"])


@pytest.mark.parametrize("line", ["moc1", "mc38"])
def test_profile_intervals_end_at_the_chi2_threshold(line):
    # profile_intervals.csv (benchmarks/fit_real_morisada.py LINE profiles) was profiled from
    # the committed optimum; its statuses are the fit's (ifnexus.fit, docs/fit.md "Interval
    # status"): an end said to be 'crossed' is a profile point where -2 log L has risen by the
    # 90% point of chi2 with 1 df (2.7055, closed form) to the profile's 0.1 placement
    # tolerance; 'bound': every point evaluated on that side stays below it; 'failed': no end
    # (NaN), a failed evaluation (status 'failed', no rise) on that side, and the farthest
    # point evaluated reliably ('reached') is a profile point below the threshold
    from scipy import stats

    target = float(stats.chi2.ppf(0.9, 1))
    run = json.loads((FITS / line / "run.json").read_text(encoding="utf-8"))
    prun = json.loads((FITS / line / "profile_run.json").read_text(encoding="utf-8"))
    assert prun["objective"] == pytest.approx(run["objective"], abs=0.05)
    table = pd.read_csv(FITS / line / "profile_intervals.csv").set_index("parameter")
    points = pd.read_csv(FITS / line / "profile.csv")
    assert tuple(table.index) == FREE
    assert set(points["status"]) <= {"ok", "failed"}
    assert points.loc[points["status"] == "failed", "delta"].isna().all()
    assert points.loc[points["status"] == "ok", "delta"].notna().all()
    for name in FREE:
        est = float(table.loc[name, "estimate"])
        p = points[points["parameter"] == name]
        assert float(p.loc[(p["value"] - est).abs().idxmin(), "delta"]) == 0.0
        for side, sign in (("lower", -1), ("upper", 1)):
            end, status = (
                float(table.loc[name, f"profile_{side}"]),
                table.loc[name, f"{side}_status"],
            )
            sp = p[(p["value"] - est) * sign > 0]
            ok = sp[sp["status"] == "ok"]
            if status == "crossed":
                assert (end - est) * sign > 0
                at = ok[np.isclose(ok["value"], end, rtol=1e-9, atol=0.0)]
                assert float(at["delta"].iloc[0]) == pytest.approx(target, abs=0.1)
            elif status == "bound":
                assert (ok["delta"] < target).all()
            else:
                assert status == "failed"
                assert np.isnan(end) and (sp["status"] == "failed").any()
                reached = float(table.loc[name, f"{side}_reached"])
                good = p[p["status"] == "ok"]  # the estimate itself when no point was good
                at = good[np.isclose(good["value"], reached, rtol=1e-9, atol=0.0)]
                assert float(at["delta"].iloc[0]) < target


@pytest.mark.parametrize("line", ["moc1", "mc38"])
def test_params_file_is_the_fit_and_simulate_uses_it(tmp_path, line):
    f = FITS / "params" / f"morisada2018_{line}.toml"
    with f.open("rb") as fh:
        fitted = tomllib.load(fh)["mouse"]  # the file's own contents are the reference
    assert set(fitted) == set(FREE)
    est = pd.read_csv(FITS / line / "estimates.csv").set_index("parameter")["estimate"]
    for name in FREE:  # written from the committed estimates (6 significant digits)
        assert fitted[name] == pytest.approx(float(est[name]), rel=1e-5)
    out = tmp_path / "sim"
    rc = main(["simulate", "--setting", "mouse", "--schedule", "0:8,3:8", "--patients", "4",
               "--days", "20", "--params", str(f), "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 0
    used = ParameterSet.from_toml(out / "params_used.toml", "mouse").values
    assert used == parameters("mouse", **fitted)
    for name in FREE:
        assert used[name] == fitted[name]
    assert used["K"] == parameters("mouse")["K"]  # everything else keeps the mouse default
