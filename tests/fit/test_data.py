"""Reading growth and arms tables: the bad inputs of the issue, each refused with its line."""

from __future__ import annotations

import pytest

from ifnexus.errors import InputFormatError, UnknownNameError
from ifnexus.fit import GrowthProblem, read_arms, read_growth

ARMS = "arm,schedule,genotype,host,interventions\nctrl,none,,,\nrt,10:8,,,\nrt_nude,10:8,,nude,\n"
GOOD = "animal,arm,day,volume\nm1,ctrl,0,30\nm1,ctrl,3,60\nm2,rt,0,28\nm2,rt,4,50\nm2,rt,12,40\n"


def _files(tmp_path, growth: str, arms: str = ARMS):
    g, a = tmp_path / "growth.csv", tmp_path / "arms.csv"
    g.write_text(growth)
    a.write_text(arms)
    return g, a


def test_good_tables(tmp_path):
    g, a = _files(tmp_path, GOOD)
    d = read_growth(g, a)
    assert list(d.arms) == ["ctrl", "rt"]  # arms without data are dropped
    assert d.arms["rt"].schedule == "10:8"
    s = d.summary.set_index("arm")
    assert s.loc["rt", "measurements"] == 3 and s.loc["ctrl", "animals"] == 1
    assert d.to_dict()["summary"][0]["arm"] == "ctrl"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (GOOD + "m3,ctrl,0,20\n", r"line 7: animal 'm3' has one time point"),
        (GOOD.replace("m1,ctrl,3,60", "m1,ctrl,3,0"), r"line 3, column volume: 0 mm\^3"),
        (GOOD.replace("m1,ctrl,3,60", "m1,ctrl,3,-5"), r"line 3, column volume: -5"),
        (
            GOOD.replace("m2,rt,4,50", "m2,rtt,4,50"),
            r"line 5, column arm: arm 'rtt' is not in the arms table.*did you mean 'rt'",
        ),
        (
            GOOD.replace("m1,ctrl,3,60", "m1,ctrl,3,abc"),
            r"line 3, column volume: 'abc' is not a finite number",
        ),
        (
            GOOD.replace("m1,ctrl,3,60", "m1,ctrl,0,60"),
            r"line 3: animal 'm1' is measured twice on day 0",
        ),
        (GOOD.replace("m2,rt,0,28", "m1,rt,0,28"), r"animal 'm1' appears in more than one arm"),
        ("animal,arm,volume,g\nm1,ctrl,3,1\nm1,ctrl,4,1\n", r"missing column\(s\) day"),
    ],
)
def test_bad_growth_tables(tmp_path, text, pattern):
    g, a = _files(tmp_path, text)
    with pytest.raises(InputFormatError, match=pattern):
        read_growth(g, a)


@pytest.mark.parametrize(
    ("arms", "pattern"),
    [
        (ARMS + "x,8Gy xx,,,\n", r"line 5, column schedule"),
        (ARMS + "x,none,sting-los,,\n", r"line 5, column genotype"),
        (ARMS + "x,none,,mars,\n", r"line 5, column host"),
        (ARMS + "ctrl,none,,,\n", r"line 5, column arm: arm 'ctrl' is listed twice"),
        ("arm,genotype\nctrl,\n", r"missing column\(s\) schedule"),
    ],
)
def test_bad_arms_tables(tmp_path, arms, pattern):
    g, a = _files(tmp_path, GOOD, arms)
    with pytest.raises(InputFormatError, match=pattern):
        read_arms(a)


def test_unknown_free_parameter_suggests_close_names(tmp_path):
    g, a = _files(tmp_path, GOOD)
    d = read_growth(g, a)
    with pytest.raises(UnknownNameError, match=r"unknown parameter 'ekill'.*did you mean 'e_kill'"):
        GrowthProblem(d, free=("r", "ekill"))
    with pytest.raises(UnknownNameError, match=r"unknown random effect 'tau'"):
        GrowthProblem(d, free=("r",), random=("tau",))
    with pytest.raises(
        UnknownNameError, match=r"'n0_sigma'"
    ):  # a population spread: not a fixed effect
        GrowthProblem(d, free=("n0_sigma",))
