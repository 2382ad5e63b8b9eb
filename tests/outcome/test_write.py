"""The outcome writers and dicts are what the CLI prints and writes; summaries are tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.outcome import (
    CoxModel,
    FineGrayFitter,
    cumulative_incidence,
    cumulative_incidence_dict,
    gray_test,
    logrank_test,
    write_cumulative_incidence,
    write_finegray,
)


def _json(capsys, argv):
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return json.loads(cap.out)


@pytest.fixture
def lymph(shared):
    return str(shared("reference", "survival", "lymph_node_cr.csv"))


def test_cif_writer_equals_cli(capsys, lymph, tmp_path):
    base = ["--data", lymph, "--time", "ftime", "--event", "status", "--cause", "1"]
    cli = _json(capsys, ["outcome", "cif", *base, "--group", "hormone", "--times", "365,730",
                         "--json", "--out", str(tmp_path / "cli")])  # fmt: skip
    df = pd.read_csv(lymph)
    tab = cumulative_incidence(df, "ftime", "status", cause=1.0, group_col="hormone",
                               times=[365.0, 730.0])  # fmt: skip
    gt = gray_test(df, "ftime", "status", "hormone", cause=1.0)
    full = cumulative_incidence(df, "ftime", "status", cause=1.0, group_col="hormone")
    files = write_cumulative_incidence(tab, tmp_path / "lib", cause=1.0, gray=gt, curves=full,
                                       meta={"command": "cif"})  # fmt: skip
    assert [f.name for f in files] == ["cif.csv", "gray_test.csv", "result.json", "cif.png"]
    for name in ("cif.csv", "gray_test.csv", "result.json"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()
    cli.pop("files")
    assert cli == json.loads(
        json.dumps({"command": "cif", **cumulative_incidence_dict(tab, cause=1.0, gray=gt)})
    )
    # R cmprsk::cuminc reference (as in test_cli): CIF of hormone group 1 at 365 days
    assert cli["groups"]["1"]["cif"][0] == pytest.approx(0.098689331139, abs=1e-9)


def test_finegray_writer_and_dict_equal_cli(capsys, lymph, tmp_path):
    base = ["--data", lymph, "--time", "ftime", "--event", "status", "--cause", "1",
            "--covariates", "hormone,age", "--times", "365,730"]  # fmt: skip
    cli = _json(capsys, ["outcome", "finegray", *base, "--json", "--out", str(tmp_path / "cli")])
    f = FineGrayFitter().fit(pd.read_csv(lymph), "ftime", "status", cause=1.0,
                             covariates=["hormone", "age"])  # fmt: skip
    write_finegray(f, tmp_path / "lib", times=[365.0, 730.0], meta={"command": "finegray"})
    for name in ("finegray.csv", "baseline.csv", "predicted_cif.csv", "result.json"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()
    cli.pop("files")
    expected = {"command": "finegray", **f.to_dict(times=[365.0, 730.0])}
    assert cli == json.loads(json.dumps(expected))


def test_cox_dict_and_logrank_summary(capsys, shared):
    rossi = str(shared("reference", "survival", "rossi.csv"))
    base = ["--data", rossi, "--time", "week", "--event", "arrest"]
    cli = _json(capsys, ["outcome", "cox", *base, "--covariates", "fin,age,prio", "--json"])
    df = pd.read_csv(rossi)
    m = CoxModel().fit(df, "week", "arrest", covariates=["fin", "age", "prio"])
    assert cli == json.loads(json.dumps({"command": "cox", **m.to_dict()}))
    res = logrank_test(df, "week", "arrest", "fin")
    s = res.summary
    assert list(s.index) == ["logrank", "trend"] and s.index.name == "test"
    assert list(s.columns) == ["statistic", "df", "p_value"]
    # R survdiff(Surv(week, arrest) ~ fin, rossi): chisq 3.8 on 1 df (value as in test_cli)
    assert s.loc["logrank", "statistic"] == pytest.approx(3.837569577, abs=1e-8)
    assert s.loc["logrank", "p_value"] == res.p_value
