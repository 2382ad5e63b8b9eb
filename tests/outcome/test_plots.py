"""Outcome figures a clinician can read: numbers at risk, time units, the test beside the curves.

References: the numbers at risk are checked against a direct count on the data (patients with
follow-up >= t) and against lifelines' ``KaplanMeierFitter`` event table; the text beside the
curves against the numbers the same command writes (identities, not copies of our output).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from matplotlib.figure import Figure

import ifnexus._figures as figures_mod
from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.outcome import (
    cumulative_incidence,
    kaplan_meier,
    number_at_risk,
    plot_curves,
    plot_forest,
    term_label,
)
from ifnexus.outcome._plots import format_test, reference_labels, time_label, time_unit_from_column

TEST_TEXT = re.compile(r"^(.+): χ² = ([0-9.]+) \(df (\d+)\), p (= ([0-9.]+)|< 0\.001)$")


@pytest.fixture
def patients() -> pd.DataFrame:
    """120 patients, two arms, follow-up in months on a 0.1 grid (ties), codes 0/1/2."""
    rng = np.random.default_rng(7)
    n = 120
    arm = rng.choice(["control", "IFN high"], n)
    t = np.round(rng.exponential(np.where(arm == "control", 18.0, 30.0)), 1) + 0.1
    return pd.DataFrame({"time_months": t, "event": rng.choice([0, 1, 1, 2], n), "arm": arm})


def _direct(df: pd.DataFrame, group: str, times) -> dict[tuple[str, float], int]:
    return {(g, float(t)): int((sub["time_months"] >= t).sum())
            for g, sub in df.groupby(group) for t in times}  # fmt: skip


def _table_counts(tab) -> dict[tuple[str, float], int]:
    """Numbers drawn on an at-risk table Axes: (row label, x) -> count."""
    rows = [lab.get_text() for lab in tab.get_yticklabels()]
    return {(rows[int(round(txt.get_position()[1]))], float(txt.get_position()[0])): int(txt.get_text())
            for txt in tab.texts}  # fmt: skip


def _risk_axes(ax):
    """The Axes holding the at-risk table drawn for ``ax`` (new figure row or inset)."""
    cands = [
        a for a in ax.figure.axes if a is not ax and a.get_title(loc="left") == "Number at risk"
    ]
    cands += [a for a in ax.child_axes if a.get_title(loc="left") == "Number at risk"]
    assert len(cands) == 1
    return cands[0]


# ---------------------------------------------------------------------------------------------
# numbers at risk


def test_number_at_risk_equals_a_direct_count(patients):
    times = [0, 5, 12.3, 24, 36, 60, 500]
    got = number_at_risk(patients, "time_months", "event", group_col="arm", cause=1, times=times)
    assert list(got.columns) == ["group", "time", "at_risk"]
    assert dict(
        zip(zip(got["group"], got["time"], strict=True), got["at_risk"], strict=True)
    ) == _direct(patients, "arm", times)
    # without times: round ticks from 0 to the last follow-up, the first count is everyone
    auto = number_at_risk(patients, "time_months", "event", group_col="arm", cause=1)
    assert auto["time"].min() == 0 and auto["time"].max() <= patients["time_months"].max()
    first = auto[auto["time"] == 0].set_index("group")["at_risk"]
    assert first.to_dict() == patients["arm"].value_counts().to_dict()


def test_number_at_risk_equals_lifelines_event_table(patients):
    for _, sub in patients.groupby("arm"):
        kmf = KaplanMeierFitter().fit(sub["time_months"], sub["event"] > 0)
        et = kmf.event_table
        # at an observed time: lifelines' at_risk column (those with T >= t)
        obs = [float(t) for t in et.index if t > 0][::7]
        mine = number_at_risk(sub, "time_months", "event", cause=1, times=obs)["at_risk"]
        assert mine.tolist() == et.loc[obs, "at_risk"].astype(int).tolist()
        # between observed times (all on a 0.1 grid): lifelines' add_at_risk_counts rule,
        # at_risk - removed of the last event-table row at or before the tick
        ticks = [0.05, 3.05, 10.05, 20.05, 40.05]
        mine = number_at_risk(sub, "time_months", "event", cause=1, times=ticks)["at_risk"]
        ll = [int((et["at_risk"] - et["removed"]).loc[:t].iloc[-1]) for t in ticks]
        assert mine.tolist() == ll


def test_km_table_under_curves_counts_the_data(patients):
    km = kaplan_meier(patients, "time_months", "event", group_col="arm", cause=1)
    ax = plot_curves(km, value_col="survival", time_unit="months")  # new figure: table drawn
    tab = _risk_axes(ax)
    ticks = sorted({t for _, t in _table_counts(tab)})
    assert ticks == [float(t) for t in ax.get_xticks()]
    assert _table_counts(tab) == _direct(patients, "arm", ticks)
    # the same numbers as number_at_risk on the data the curves came from
    nr = number_at_risk(patients, "time_months", "event", group_col="arm", cause=1, times=ticks)
    assert _table_counts(tab) == dict(
        zip(zip(nr["group"], nr["time"], strict=True), nr["at_risk"], strict=True)
    )
    assert ax.get_xlabel() == "Time (months)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["IFN high", "control"]
    # survival is drawn from 1 at time 0
    assert ax.lines[0].get_xdata()[0] == 0 and ax.lines[0].get_ydata()[0] == 1


def test_cif_table_from_number_at_risk_and_user_axes(patients):
    cif = cumulative_incidence(patients, "time_months", "event", cause=1, group_col="arm")
    risk = number_at_risk(patients, "time_months", "event", group_col="arm", cause=1,
                          times=[0, 12, 24, 36])  # fmt: skip
    ax = plot_curves(cif, value_col="cif", at_risk=risk)
    assert _table_counts(_risk_axes(ax)) == _direct(patients, "arm", [0, 12, 24, 36])
    assert list(ax.get_xticks()) == [0, 12, 24, 36]
    # a user's Axes: no table unless asked; asked: an inset below it, or the given at_risk_ax
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    assert plot_curves(cif, value_col="cif", ax=ax) is ax
    assert len(fig.axes) == 1
    plot_curves(cif, value_col="cif", ax=ax, at_risk=risk)
    assert _table_counts(_risk_axes(ax)) == _direct(patients, "arm", [0, 12, 24, 36])
    fig = Figure()
    ax, below = fig.subplots(2, 1)
    plot_curves(cif, value_col="cif", ax=ax, at_risk=risk, at_risk_ax=below)
    assert _table_counts(below) == _direct(patients, "arm", [0, 12, 24, 36])


def test_at_risk_true_needs_complete_counts(patients):
    cif = cumulative_incidence(patients, "time_months", "event", cause=1, group_col="arm")
    with pytest.raises(ValidationError, match="number_at_risk"):
        plot_curves(cif, value_col="cif", at_risk=True)
    km = kaplan_meier(patients, "time_months", "event", group_col="arm", cause=1, times=[6, 12])
    with pytest.raises(ValidationError, match="every follow-up time"):
        plot_curves(km, value_col="survival", at_risk=True)
    # default: no table when the curves cannot give the counts
    ax = plot_curves(cif, value_col="cif")
    assert ax.figure.axes == [ax]


# ---------------------------------------------------------------------------------------------
# time units and the test beside the curves


def test_time_unit_labels_and_inference():
    assert time_label("days") == "Time (days)" and time_label(None) == "Time"
    with pytest.raises(ValidationError, match="time_unit must be one of months, days, years"):
        time_label("weeks")
    assert time_unit_from_column("followup_years") == "years"
    assert time_unit_from_column("Time_Days") == "days"
    assert time_unit_from_column("months") is None and time_unit_from_column("t") is None
    curves = pd.DataFrame({"group": "a", "time": [0.0, 1.0], "cif": [0.0, 0.5]})
    assert plot_curves(curves, value_col="cif").get_xlabel() == "Time"
    assert plot_curves(curves, value_col="cif", time_unit="years").get_xlabel() == "Time (years)"
    assert (
        plot_curves(curves, value_col="cif", xlabel="Days since RT").get_xlabel() == "Days since RT"
    )


def test_format_test_rounding():
    assert (
        format_test("Gray's test", 8.85928, 1, 0.0029163)
        == "Gray's test: χ² = 8.86 (df 1), p = 0.003"
    )
    assert format_test("Log-rank test", 20.0, 2, 4.5e-5).endswith("p < 0.001")


def _capture(monkeypatch) -> dict[str, object]:
    """Record every figure the CLI saves, by file name (the file is still written)."""
    seen: dict[str, object] = {}
    real = figures_mod.save_figure

    def spy(fig, path, **kw):
        seen[str(path).rsplit("/", 1)[-1]] = fig
        return real(fig, path, **kw)

    monkeypatch.setattr(figures_mod, "save_figure", spy)
    return seen


def _parse(text: str) -> tuple[str, float, int, str]:
    m = TEST_TEXT.match(text)
    assert m, text
    return m.group(1), float(m.group(2)), int(m.group(3)), m.group(5) or "<0.001"


def test_cli_cif_figure_shows_the_written_gray_test(patients, tmp_path, monkeypatch, capsys):
    csv = tmp_path / "patients.csv"
    patients.to_csv(csv, index=False)
    seen = _capture(monkeypatch)
    out = tmp_path / "cif"
    rc = main(["outcome", "cif", str(csv), "--time", "time_months", "--event", "event",
               "--cause", "1", "--group", "arm", "--out", str(out)])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    ax = seen["cif.png"].figure.axes[0]
    name, stat, df, p = _parse(ax.get_title(loc="right"))
    gray = pd.read_csv(out / "gray_test.csv").iloc[0]
    assert name == "Gray's test"
    assert stat == round(gray["statistic"], 2) and df == gray["df"]
    assert p == ("<0.001" if gray["p_value"] < 0.001 else f"{gray['p_value']:.3f}")
    assert ax.get_xlabel() == "Time (months)"  # inferred from the column name
    ticks = [float(t) for t in ax.get_xticks()]
    assert _table_counts(_risk_axes(ax)) == _direct(patients, "arm", ticks)
    # --time-unit overrides the name
    rc = main(["outcome", "cif", str(csv), "--time", "time_months", "--event", "event",
               "--cause", "1", "--time-unit", "days", "--out", str(tmp_path / "d")])  # fmt: skip
    assert rc == 0
    ax = seen["cif.png"].figure.axes[0]
    assert ax.get_xlabel() == "Time (days)" and ax.get_title(loc="right") == ""  # one group


def test_cli_km_figure_shows_the_logrank_test(patients, tmp_path, monkeypatch, capsys):
    csv = tmp_path / "patients.csv"
    patients.to_csv(csv, index=False)
    seen = _capture(monkeypatch)
    out = tmp_path / "km"
    base = [str(csv), "--time", "time_months", "--event", "event", "--cause", "1", "--group", "arm"]
    assert main(["outcome", "km", *base, "--out", str(out)]) == 0
    written = json.loads((out / "result.json").read_text())["logrank"]
    capsys.readouterr()
    assert main(["outcome", "logrank", *base, "--json"]) == 0
    lr = json.loads(capsys.readouterr().out)
    assert written["statistic"] == pytest.approx(lr["statistic"], rel=1e-12)
    ax = seen["km.png"].figure.axes[0]
    name, stat, df, p = _parse(ax.get_title(loc="right"))
    assert name == "Log-rank test" and df == written["df"]
    assert stat == round(written["statistic"], 2)
    assert p == ("<0.001" if written["p_value"] < 0.001 else f"{written['p_value']:.3f}")
    ticks = [float(t) for t in ax.get_xticks()]
    assert _table_counts(_risk_axes(ax)) == _direct(patients, "arm", ticks)


def test_cli_features_panels_show_their_tests(patients, tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(3)
    clin = patients.assign(sample=[f"s{i}" for i in range(len(patients))])
    feats = pd.DataFrame({"sample": clin["sample"], "ifn_state": clin["arm"],
                          "TumorPurity": rng.uniform(0.3, 0.9, len(clin))})  # fmt: skip
    clin.drop(columns="arm").to_csv(tmp_path / "clin.csv", index=False)
    feats.to_csv(tmp_path / "feat.csv", index=False)
    seen = _capture(monkeypatch)
    out = tmp_path / "f"
    rc = main(["outcome", "features", "--clinical", str(tmp_path / "clin.csv"), "--features",
               str(tmp_path / "feat.csv"), "--time", "time_months", "--event", "event",
               "--id", "sample", "--out", str(out)])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    tests = pd.read_csv(out / "tests.csv").set_index("feature")
    fig = seen["curves.png"]
    titled = {a.get_title().split("\n")[0]: a for a in fig.axes if a.get_visible()}
    words = {term_label(f): f for f in tests.index}  # panels titled by the feature in words
    assert set(titled) == set(words) == {"IFN state", "Tumor purity"}
    for title, a in titled.items():
        name, stat, df, p = _parse(a.get_title().split("\n")[1])
        row = tests.loc[words[title]]
        assert name == {"gray": "Gray's test", "logrank": "Log-rank test"}[row["test"]]
        assert stat == round(row["statistic"], 2) and df == row["df"]
        assert p == ("<0.001" if row["p_value"] < 0.001 else f"{row['p_value']:.3f}")
        assert a.get_xlabel() == "Time (months)"
        assert a.get_legend() is not None
    # the forest plots read in words with plain ratio ticks
    forest = seen["forest_finegray.png"]
    labels = [t.get_text() for t in forest.get_yticklabels()]
    assert "IFN state: control vs IFN high" in labels
    assert any(lab.startswith("Tumor purity, per SD") for lab in labels)


# ---------------------------------------------------------------------------------------------
# forest plots


def test_term_label_words():
    assert term_label("ifn_cluster_status[T.loss]", reference="none") == (
        "IFN cluster status: loss vs none"
    )
    assert (
        term_label("ifn_cluster_status[loss]", unit="vs none") == "IFN cluster status: loss vs none"
    )
    assert term_label("cdkn2a_status[deleted]") == "CDKN2A status: deleted"
    assert term_label("ImmuneScore", unit="per unit") == "Immune score, per unit"
    assert term_label("age") == "Age"
    assert term_label("ifn_cluster_status[homozygous loss]", unit="vs none") == (
        "IFN cluster status: homozygous loss vs none"
    )
    assert (
        term_label("IFN cluster: homozygous loss vs none") == "IFN cluster: homozygous loss vs none"
    )


def test_forest_ticks_are_plain_numbers_and_labels_can_be_given():
    eff = pd.DataFrame({"term": ["ifn_cluster_status[loss]", "age"], "ratio": [2.1, 0.8],
                        "lower": [1.2, 0.3], "upper": [3.6, 1.05], "unit": ["vs none", "per unit"]})  # fmt: skip
    ax = plot_forest(eff, series_col=None)
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks == [0.25, 0.5, 1.0, 2.0, 4.0]
    ax.figure.canvas.draw()  # tick labels are made at draw time
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert shown == ["0.25", "0.5", "1", "2", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "IFN cluster status: loss vs none", "Age, per unit",
    ]  # fmt: skip
    ax = plot_forest(eff, series_col=None, labels={"age": "Age (years)"})
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "Age (years)"
    ax = plot_forest(eff, series_col=None, labels=str.upper)
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "AGE"
    # narrow ranges still get three plain ticks around 1
    narrow = eff.assign(ratio=[1.05, 0.97], lower=[0.95, 0.9], upper=[1.1, 1.02])
    ax = plot_forest(narrow, series_col=None)
    assert [t for t in ax.get_xticks()] == [0.5, 1.0, 2.0]


def test_reference_labels_name_the_level_left_out(patients, tmp_path, monkeypatch, capsys):
    d = pd.DataFrame({"ifn_state": ["none", "loss", "none", "gain", None]})
    got = reference_labels(d, ["ifn_state[gain]", "ifn_state[loss]", "age"], ["ifn_state"])
    assert got == {
        "ifn_state[gain]": "IFN state: gain vs none",
        "ifn_state[loss]": "IFN state: loss vs none",
    }
    # two levels left out (one of them only in rows the model dropped): no guess
    assert reference_labels(d, ["ifn_state[loss]"], ["ifn_state"]) == {}
    # the cox and finegray commands' forest plots: the reference is the level the model left out
    csv = tmp_path / "p.csv"
    patients.to_csv(csv, index=False)
    seen = _capture(monkeypatch)
    for cmd in ("cox", "finegray"):
        rc = main(["outcome", cmd, str(csv), "--time", "time_months", "--event", "event", "--cause", "1",
                   "--covariates", "arm", "--categorical", "arm", "--out", str(tmp_path / cmd)])  # fmt: skip
        assert rc == 0, capsys.readouterr().err
        terms = pd.read_csv(tmp_path / cmd / f"{cmd}.csv")["covariate"].tolist()
        assert terms == ["arm[control]"]  # the reference is the first sorted level, "IFN high"
        ax = seen["forest.png"]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Arm: control vs IFN high"]
