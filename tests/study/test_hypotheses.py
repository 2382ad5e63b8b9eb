"""The two explanations of the purity effect: known truth recovered at large n, seeds, bad input."""

from __future__ import annotations

import json

import pytest

from ifnexus.cli import main
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.study._hypotheses import (
    hypothesis_cohort,
    hypothesis_pool,
    hypothesis_power,
    identify_hypothesis,
)


@pytest.fixture(scope="module")
def pool():
    return hypothesis_pool(1500, seed=1)


@pytest.mark.parametrize("truth", ["immune", "ifn-cluster"])
def test_large_study_identifies_the_generating_hypothesis(pool, truth):
    res = identify_hypothesis(hypothesis_cohort(pool, truth, 3000, followup_years=3, seed=2))
    assert res["p"] < 0.05 and res["log_hr"] > 0  # higher purity, more local failure
    assert res["identified"] == truth
    other = next(h for h in ("immune", "ifn-cluster") if h != truth)
    # the right covariate explains the purity effect away, the other barely touches it
    assert res[f"attenuation_{truth}"] > res[f"attenuation_{other}"] + 0.3


def test_seeds_reproduce(pool):
    a = hypothesis_power((60,), (2.0,), studies=2, pool=pool, seed=5)
    b = hypothesis_power((60,), (2.0,), studies=2, pool=pool, seed=5)
    assert a.equals(b)
    c1 = hypothesis_cohort(pool, {"immune": 0.5, "ifn-cluster": 0.5}, 50, seed=3)
    assert c1.equals(hypothesis_cohort(pool, {"immune": 0.5, "ifn-cluster": 0.5}, 50, seed=3))


def test_bad_input(pool):
    with pytest.raises(ValidationError, match="power must be in"):
        hypothesis_power((60,), (2.0,), studies=1, pool=pool, power=1.0)
    with pytest.raises(UnknownNameError, match="unknown hypothesis"):
        hypothesis_cohort(pool, "clonogens", 50)
    c = hypothesis_cohort(pool, "immune", 50, seed=1).drop(columns="cd8_density")
    with pytest.raises(ValidationError, match="cd8_density"):
        identify_hypothesis(c)


def test_cli_bad_power_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["study", "hypotheses", "--power", "1.5", "--out", str(out)]) == 2
    assert "--power" in capsys.readouterr().err
    assert not out.exists()


def test_cli_json(capsys):
    assert main(["study", "hypotheses", "--sizes", "40", "--followups", "2", "--studies", "1",
                 "--json", "--quiet"]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)["power"]
    assert {r["hypothesis"] for r in rows} == {"immune", "ifn-cluster"}


def test_cli_writes_the_table_and_figure(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["study", "hypotheses", "--sizes", "40", "--followups", "2", "--studies", "1",
                 "--out", str(out), "--quiet", "--seed", "3"]) == 0  # fmt: skip
    for name in ("power.csv", "power.png", "summary.json", "run.json"):
        assert (out / name).is_file(), name
