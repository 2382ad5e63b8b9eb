"""Profile-likelihood ends with known truth: crossed, open at a bound, and failed evaluations.

A failed likelihood evaluation (non-finite, or a re-optimisation stuck on a cliff that depends on
its start) must never become an interval end: the end is then NaN with status "failed".
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from ifnexus.errors import IfnexusWarning
from ifnexus.fit import Arm, fit_growth, simulate_growth_study
from ifnexus.fit._growth import GrowthProblem, profile

T = float(stats.chi2.ppf(0.9, 1))  # 2.706
A = np.array([0.3, -1.0])
S = np.array([[0.5, 0.2], [0.2, 0.3]])
SI = np.linalg.inv(S)
HALF = math.sqrt(T * S[0, 0])  # closed-form half width of the 90% profile interval of x0


def quad(x: np.ndarray) -> float:
    d = np.asarray(x) - A
    return float(d @ SI @ d)


def test_quadratic_crosses_at_the_closed_form_end():
    # the profile of x0 is (x0 - a0)^2 / S00: ends a0 +- sqrt(2.706 S00)
    res = profile(quad, A.copy(), 0.0, 0, [(-10.0, 10.0)] * 2, level=0.9, scale=0.5)
    assert res.lower.status == res.upper.status == "crossed"
    assert res.lower.value == pytest.approx(A[0] - HALF, abs=0.01)
    assert res.upper.value == pytest.approx(A[0] + HALF, abs=0.01)
    assert res.upper.reached_delta == pytest.approx(T, abs=0.1)
    assert all(ok for _, _, ok in res.points)
    lo, hi, pts = res  # the older unpacking still works
    assert (lo, hi) == (res.lower.value, res.upper.value) and len(pts) == len(res.points)


def test_flat_direction_is_open_at_the_bound():
    def f(x: np.ndarray) -> float:
        return float(x[0] ** 2 + 0.0 * x[1])

    res = profile(f, np.zeros(2), 0.0, 1, [(-3.0, 3.0), (-1.0, 1.0)], level=0.9)
    for end, edge in ((res.lower, -1.0), (res.upper, 1.0)):
        assert end.status == "bound" and abs(end.value) == math.inf
        assert end.reached == edge and end.reached_delta < T
        assert math.isnan(end.failed_at)


def test_objective_failing_past_a_known_point_is_not_an_end():
    # the quadratic's upper end is 0.3 + 1.163 = 1.463; past x0 = 1.0 the objective is inf
    cut = 1.0

    def f(x: np.ndarray) -> float:
        return math.inf if x[0] > cut else quad(x)

    res = profile(f, A.copy(), 0.0, 0, [(-10.0, 10.0)] * 2, level=0.9, scale=0.5)
    assert res.upper.status == "failed" and math.isnan(res.upper.value)
    # the failure is located from outside, the last good point from inside
    assert cut < res.upper.failed_at < A[0] + HALF
    assert res.upper.reached <= cut
    # the rise there is the closed form's: below the threshold, so no end was reached
    assert res.upper.reached_delta == pytest.approx((res.upper.reached - A[0]) ** 2 / S[0, 0],
                                                    abs=1e-3)  # fmt: skip
    assert "not finite" in res.upper.reason
    # the other side is untouched
    assert res.lower.status == "crossed"
    assert res.lower.value == pytest.approx(A[0] - HALF, abs=0.01)
    # failed points are recorded as such, with no rise
    bad = [(v, d) for v, d, ok in res.points if not ok]
    assert bad and all(v > cut and math.isnan(d) for v, d in bad)


def test_start_dependent_cliff_is_retried_from_the_previous_optimum():
    # x1's optimum is x0 / 2 (the profile of x0 is x0^2 / 0.25, ends +-0.822); past x0 = 0.3 a
    # start with x1 >= 2 sits on a flat plateau at 1e6 (as the Laplace objective does past a
    # breakdown): a start moved along a wrong slope lands there; the previous profile point's
    # optimum and the estimate do not, and they agree
    def f(x: np.ndarray) -> float:
        if x[0] > 0.3 and x[1] >= 2.0:
            return 1e6
        return float(x[0] ** 2 / 0.25 + (x[1] - 0.5 * x[0]) ** 2)

    slope = np.array([1.0, 20.0])
    res = profile(f, np.zeros(2), 0.0, 0, [(-5.0, 5.0)] * 2, level=0.9, scale=0.5, slope=slope)
    end = math.sqrt(T * 0.25)
    assert res.upper.status == "crossed"
    assert res.upper.value == pytest.approx(end, abs=0.01)
    assert res.lower.value == pytest.approx(-end, abs=0.01)
    assert max(d for _, d, ok in res.points if ok) < 10.0  # no 1e6 taken as a profile value


def test_failure_inside_the_last_bracket_leaves_its_outer_good_point():
    # the threshold crossing (0.822) lies inside a band (0.8, 0.85) where the objective fails:
    # the end is the nearest good point above the threshold (a wider interval), and says so
    def f(x: np.ndarray) -> float:
        if 0.8 < x[0] < 0.85:
            return math.inf
        return float(x[0] ** 2 / 0.25 + (x[1] - 0.5 * x[0]) ** 2)

    res = profile(f, np.zeros(2), 0.0, 0, [(-5.0, 5.0)] * 2, level=0.9, scale=0.8)
    up = res.upper
    assert up.status == "crossed" and 0.85 <= up.value < 1.0
    assert up.reached_delta == pytest.approx(up.value**2 / 0.25, rel=1e-6) and up.reached_delta > T
    assert (up.value, up.reached_delta, True) in res.points and "not placed" in up.reason
    assert res.lower.value == pytest.approx(-math.sqrt(T * 0.25), abs=0.01)


def test_disagreeing_starts_above_the_threshold_fail():
    # past x0 = 0.3 the objective is a staircase of flat steps in x1 (each start stays where it
    # begins) at 40 + 100 * round(1000 x1), above the threshold: the warm start, the previous
    # point's optimum and the estimate give three different values, none confirmed by another
    def f(x: np.ndarray) -> float:
        if x[0] > 0.3:
            return 40.0 + 100.0 * round(1000.0 * x[1])
        return float(x[0] ** 2 / 0.25 + (x[1] - 0.5 * x[0]) ** 2)

    res = profile(f, np.zeros(2), 0.0, 0, [(-5.0, 5.0)] * 2, level=0.9, scale=0.5,
                  slope=np.array([1.0, 3.0]))  # fmt: skip
    assert res.upper.status == "failed" and math.isnan(res.upper.value)
    assert res.upper.failed_at > 0.3 and res.upper.reached <= 0.3
    assert "disagree" in res.upper.reason
    assert res.lower.value == pytest.approx(-math.sqrt(T * 0.25), abs=0.01)


@pytest.fixture(scope="module")
def study():
    return simulate_growth_study([Arm("ctrl", "none")], animals=6, days=range(0, 19, 3),
                                 params={"r": 0.25}, sigma=0.1, rng=3)  # fmt: skip


def test_fit_growth_reports_a_failed_end(study, monkeypatch):
    ok = fit_growth(study, free=("r",), random=(), posterior=False)
    e = ok.estimates.set_index("parameter")
    # the second fit starts at the estimate (the optimiser never meets the failure)
    kw = dict(free=("r",), random=(), posterior=False, start={"r": e.loc["r", "estimate"]})
    assert e.loc["r", "profile_lower_status"] == e.loc["r", "profile_upper_status"] == "crossed"
    assert e.loc["sigma", "profile_lower_status"] == "not run"
    assert "profile likelihood of r" in ok.diagnostics["method"]
    # the objective fails half-way from the estimate to the upper end: that end is not found
    cut = 0.5 * (math.log(e.loc["r", "estimate"]) + math.log(e.loc["r", "profile_upper"]))
    call = GrowthProblem.__call__

    def failing(self, x):
        return math.inf if x[0] > cut else call(self, x)

    monkeypatch.setattr(GrowthProblem, "__call__", failing)
    with pytest.warns(IfnexusWarning, match=r"profile of r: the upper end .* not found"):
        bad = fit_growth(study, **kw)
    b = bad.estimates.set_index("parameter")
    assert b.loc["r", "profile_upper_status"] == "failed"
    assert math.isnan(b.loc["r", "profile_upper"])
    # where it failed lies past the cut; the farthest reliable point before it
    assert b.loc["r", "profile_upper_failed_at"] > math.exp(cut)
    assert e.loc["r", "estimate"] < bad.diagnostics["profiles"]["r"]["upper"]["reached"]
    assert bad.diagnostics["profiles"]["r"]["upper"]["reached"] <= math.exp(cut)
    assert b.loc["r", "profile_lower"] == pytest.approx(e.loc["r", "profile_lower"], rel=1e-6)
    d = bad.diagnostics["profiles"]["r"]["upper"]
    assert d["status"] == "failed" and d["reason"]
    assert set(bad.profiles["status"]) == {"ok", "failed"}


def test_method_says_what_was_run(study):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IfnexusWarning)
        fit = fit_growth(study, free=("r",), random=(), posterior=False, profile_params=())
    assert "no profile likelihood" in fit.diagnostics["method"]
    assert "posterior" not in fit.diagnostics["method"]
    assert set(fit.estimates["profile_upper_status"]) == {"not run"}


def test_report_and_figure_show_the_failed_end():
    import pandas as pd

    from ifnexus._figures import new_figure
    from ifnexus.cli._fit import _interval_notes
    from ifnexus.fit._plots import plot_profile

    pts = pd.DataFrame({"parameter": ["r"] * 4, "value": [0.05, 0.075, 0.09, 0.0914],
                        "delta": [2.706, 0.0, 1.8, math.nan],
                        "status": ["ok", "ok", "ok", "failed"]})  # fmt: skip
    ax = plot_profile(pts, "r", ax=new_figure((3, 3)).subplots())
    labels = ax.get_legend_handles_labels()[1]
    assert "likelihood failed" in labels
    assert len(ax.lines[0].get_xdata()) == 3  # the profile line leaves the failed point out
    est = pd.DataFrame({"parameter": ["r", "e_kill"], "profile_lower_status": ["crossed", "bound"],
                        "profile_upper_status": ["failed", "crossed"],
                        "profile_lower_failed_at": [math.nan, math.nan],
                        "profile_upper_failed_at": [0.0914, math.nan]})  # fmt: skip
    notes = _interval_notes(est)
    assert notes == [
        "r: upper end NOT FOUND (the likelihood failed at 0.0914; see diagnostics.json)",
        "e_kill: lower end open (the threshold is not reached within the search range)",
    ]


def test_cli_reports_the_failed_end_in_text_and_json(study, tmp_path, monkeypatch, capsys):
    import json

    from ifnexus.cli import main

    study.table.to_csv(tmp_path / "growth.csv", index=False)
    (tmp_path / "arms.csv").write_text("arm,schedule,genotype,host,interventions\nctrl,none,,,\n")
    ok = fit_growth(study, free=("r",), random=(), posterior=False)
    e = ok.estimates.set_index("parameter")
    cut = 0.5 * (math.log(e.loc["r", "estimate"]) + math.log(e.loc["r", "profile_upper"]))
    # the objective fails past the cut once the profiles start (the command has no --start)
    import ifnexus.fit._growth as growth

    call, prof, profiling = GrowthProblem.__call__, growth.profile, []

    def profile_then_fail(*a, **k):
        profiling.append(True)
        return prof(*a, **k)

    monkeypatch.setattr(growth, "profile", profile_then_fail)
    monkeypatch.setattr(GrowthProblem, "__call__",
                        lambda self, x: math.inf if profiling and x[0] > cut else call(self, x))  # fmt: skip

    def run(out: str, *extra: str) -> int:
        return main(["fit", "growth", str(tmp_path / "growth.csv"), "--arms",
                     str(tmp_path / "arms.csv"), "--out", str(tmp_path / out), "--free", "r",
                     "--random", "none", "--no-posterior", *extra])  # fmt: skip

    with pytest.warns(IfnexusWarning, match="profile of r: the upper end"):
        assert run("a", "--json") == 0
    cap = capsys.readouterr()
    row = json.loads(cap.out)["estimates"][0]
    assert row["parameter"] == "r" and row["profile_upper_status"] == "failed"
    assert row["profile_upper"] is None and row["profile_upper_failed_at"] > math.exp(cut)
    assert row["profile_lower_status"] == "crossed"
    profiling.clear()
    with pytest.warns(IfnexusWarning):
        assert run("b") == 0
    assert "r: upper end NOT FOUND (the likelihood failed at" in capsys.readouterr().out
