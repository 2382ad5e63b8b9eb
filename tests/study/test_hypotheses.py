"""The two explanations of the purity effect: generative identities, known truth recovered,
seeds, bad input (clear errors, nothing written)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ifnexus.cli import main
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.study import (
    HypothesisAssumptions,
    hypothesis_cohort,
    hypothesis_pool,
    hypothesis_power,
    identify_hypothesis,
)


@pytest.fixture(scope="module")
def pool():
    return hypothesis_pool(2000, seed=1)


def test_clonogen_truth_is_purity_times_volume(pool):
    a = HypothesisAssumptions()
    c = hypothesis_cohort(pool, "clonogen", 4000, seed=3)
    # the generative assumption holds per patient: n0 / median n0 = (purity x V) / (p_med x V_med)
    ratio = c["purity_true"] * c["volume_true"] / (a.purity_median * a.volume_median_cm3)
    n0_rel = c["n0"].map(dict(zip(pool["n0"], pool["n0_rel"], strict=True)))
    np.testing.assert_allclose(ratio, n0_rel, rtol=1e-12)
    lp, lv = np.log(c["purity_true"]), np.log(c["volume_true"])
    unclipped = c["purity_true"] < 0.98
    # log purity and log volume independent a priori; purity follows clonogens, not T cells
    assert abs(np.corrcoef(lp[unclipped], lv[unclipped])[0, 1]) < 0.12
    assert np.corrcoef(lp, np.log(c["n0"]))[0, 1] > 0.2
    assert abs(np.corrcoef(lp, np.log(c["infiltration"]))[0, 1]) < 0.06


def test_zhu_truth_ties_purity_to_t_cells_and_volume_to_clonogens(pool):
    c = hypothesis_cohort(pool, "zhu", 4000, seed=3)
    n0_rel = c["n0"].map(dict(zip(pool["n0"], pool["n0_rel"], strict=True)))
    np.testing.assert_allclose(c["volume_true"], 250.0 * n0_rel, rtol=1e-12)
    lp = np.log(c["purity_true"])
    assert np.corrcoef(lp, np.log(c["infiltration"]))[0, 1] < -0.4  # more T cells, lower purity
    assert abs(np.corrcoef(lp, np.log(c["n0"]))[0, 1]) < 0.06


def test_a_mixture_is_a_share_of_patients(pool):
    c = hypothesis_cohort(pool, {"zhu": 0.3, "clonogen": 0.7}, 5000, seed=4)
    share = float((c["mechanism"] == "zhu").mean())
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 5000)


@pytest.mark.parametrize("truth", ["zhu", "clonogen"])
def test_a_large_study_names_the_generating_hypothesis(pool, truth):
    for seed in (0, 1):
        c = hypothesis_cohort(pool, truth, 6000, followup_years=5, seed=seed)
        assert identify_hypothesis(c, "all")["identified"] == truth


def test_seeds_reproduce(pool):
    a = hypothesis_power(("zhu",), (60,), (2.0,), studies=2, pool=pool, seed=5)
    b = hypothesis_power(("zhu",), (60,), (2.0,), studies=2, pool=pool, seed=5)
    assert a.equals(b)
    m = {"zhu": 0.5, "clonogen": 0.5}
    assert hypothesis_cohort(pool, m, 50, seed=3).equals(hypothesis_cohort(pool, m, 50, seed=3))


def test_bad_input(pool):
    with pytest.raises(ValidationError, match="power must be in"):
        hypothesis_power(("zhu",), (60,), (2.0,), studies=1, pool=pool, power=1.0)
    with pytest.raises(ValidationError, match="power must be in"):
        hypothesis_power(("zhu",), (60,), (2.0,), studies=1, pool=pool, power=0)
    with pytest.raises(UnknownNameError, match="unknown hypothesis 'immune'"):
        hypothesis_cohort(pool, "immune", 50)
    with pytest.raises(ValidationError, match="sum to 1"):
        hypothesis_cohort(pool, {"zhu": 0.5, "clonogen": 0.6}, 50)
    with pytest.raises(ValidationError, match="sum to 1"):
        hypothesis_power(({"zhu": 0.2},), (60,), (2.0,), studies=1, pool=pool)
    with pytest.raises(UnknownNameError, match="measurement set"):
        identify_hypothesis(hypothesis_cohort(pool, "zhu", 50, seed=1), "everything")
    c = hypothesis_cohort(pool, "zhu", 50, seed=1).drop(columns="cd8_density")
    with pytest.raises(ValidationError, match="cd8_density"):
        identify_hypothesis(c)
    # values a study cannot analyse are refused, not turned into a silent 'undetermined'
    good = hypothesis_cohort(pool, "zhu", 50, seed=1)
    for col, value, needle in (("purity", 0.0, r"purity in \(0, 1\]"),
                               ("volume", -1.0, "volume > 0"), ("time", np.nan, "time > 0"),
                               ("event", 3, r"0 \(censored\)"),
                               ("cd8_density", np.inf, "a number")):  # fmt: skip
        bad = good.copy()
        bad.loc[7, col] = value
        with pytest.raises(ValidationError, match=rf"column '{col}' has 1 value.*first: row 7"):
            identify_hypothesis(bad)
        with pytest.raises(ValidationError, match=needle):
            identify_hypothesis(bad)


DESIGN = """[hypotheses]
truths = ["zhu", "clonogen"]
sizes = [40]
followups = [2.0]
measurement_sets = ["all"]
studies = 1
pool_patients = 200
example_patients = 60
seed = 3
"""


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("studies = 1", "studies = 1\nstudy = 2"), "unknown key 'study' in [hypotheses]"),
        (('truths = ["zhu", "clonogen"]', 'truths = ["zhu", "immune"]'), "unknown hypothesis"),
        (('truths = ["zhu", "clonogen"]', "truths = [{zhu = 0.5, clonogen = 0.4}]"),
         "sum to 1"),
        (("seed = 3", "seed = 3\npower = 1.2"), "power must be in (0, 1)"),
        (("seed = 3", "seed = 3\n[assumptions]\ncd8noise = 0.1"),
         "unknown key 'cd8noise' in [assumptions]"),
    ],
)  # fmt: skip
def test_cli_bad_design_exits_2_and_writes_nothing(tmp_path, capsys, edit, needle):
    f = tmp_path / "design.toml"
    f.write_text(DESIGN.replace(*edit))
    out = tmp_path / "out"
    assert main(["study", "hypotheses", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(f) in err
    assert not out.exists()


def test_cli_bad_power_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["study", "hypotheses", "--power", "1.5", "--out", str(out)]) == 2
    assert "--power" in capsys.readouterr().err
    assert not out.exists()


def test_cli_runs_a_design_and_writes_what_the_report_reads(tmp_path, capsys):
    f = tmp_path / "design.toml"
    f.write_text(DESIGN)
    out = tmp_path / "out"
    assert main(["study", "hypotheses", str(f), "--out", str(out), "--quiet", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["power"]
    assert {r["truth"] for r in rows} == {"zhu", "clonogen"}
    for name in ("power.csv", "power.png", "examples.csv", "summary.json", "design.toml",
                 "run.json", "example_zhu/tumour/tumours.csv",
                 "example_clonogen/features/effects.csv"):  # fmt: skip
        assert (out / name).is_file(), name


def test_report_section_reads_the_result_files(tmp_path):
    """The report's section quotes power.csv and examples.csv cell for cell (no recomputation)."""
    import re
    import shutil

    import pandas as pd

    from ifnexus.report._build import _hypotheses
    from ifnexus.report._html import _CITE, _SEP

    f = tmp_path / "design.toml"
    f.write_text(DESIGN.replace("sizes = [40]", "sizes = [40, 60]"))
    study = tmp_path / "study"
    assert main(["study", "hypotheses", str(f), "--out", str(study / "model" / "hypotheses"),
                 "--quiet"]) == 0  # fmt: skip
    assert _hypotheses(tmp_path) is None  # a study without the run has no section
    sec = _hypotheses(study)
    power = pd.read_csv(study / "model/hypotheses/power.csv")
    t_pow, t_ex = sec.tables
    pd.testing.assert_series_equal(
        t_pow.frame["identified"].reset_index(drop=True),
        power["identified"].reset_index(drop=True), check_names=False,
    )  # fmt: skip
    ex = pd.read_csv(study / "model/hypotheses/examples.csv")
    assert list(t_ex.frame["identified"]) == list(ex["identified"])
    cites = [m.group(1).split(_SEP) for m in _CITE.finditer(sec.figures[0].takeaway)]
    assert cites
    for table, row, col, shown in cites:
        t = t_pow if table == t_pow.id else t_ex
        assert t.cell(row, col) == shown
        truth, meas, n, fu = row.split(" / ")
        hit = power[(power["truth"] == truth) & (power["measurements"] == meas)
                    & (power["n_patients"] == int(n)) & (power["followup_years"] == float(fu))]  # fmt: skip
        want = hit["identified"] if col == "identified" else None
        if want is not None:
            assert re.sub(r"%$", "", shown) == f"{100 * float(want.iloc[0]):.0f}"
    # a run without the "all" set: the takeaway names the set it quotes, and its rows are that set's
    # (the no-CD8 studies all name the truth, the no-volume ones never: the target is met)
    other = power.assign(measurements="no CD8", identified=1.0)
    pd.concat([other, power.assign(measurements="no volume", identified=0.0)]).to_csv(
        study / "model/hypotheses/power.csv", index=False
    )
    take = _hypotheses(study).figures[0].takeaway
    assert take.startswith("With no CD8 measurements") and "No cohort size" not in take
    assert all(" / no CD8 / " in m.group(1) for m in _CITE.finditer(take))
    # a damaged result file is an error naming it, not a section of garbage
    from ifnexus.errors import InputFormatError

    power.drop(columns="identified").to_csv(study / "model/hypotheses/power.csv", index=False)
    with pytest.raises(InputFormatError, match=r"power\.csv: missing column\(s\) \['identified'\]"):
        _hypotheses(study)
    shutil.rmtree(study)
