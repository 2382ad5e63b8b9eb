"""``ifnexus outcome`` commands: JSON payloads equal R references; --out writes tables/figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main


def _json(capsys, argv):
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return json.loads(cap.out)


@pytest.fixture
def lymph(shared):
    return str(shared("reference", "survival", "lymph_node_cr.csv"))


def test_finegray_json_and_out(capsys, lymph, tmp_path):
    out = _json(capsys, ["outcome", "finegray", "--data", lymph, "--time", "ftime", "--event", "status",
                         "--cause", "1", "--covariates", "hormone,age,size,nodes", "--json",
                         "--out", str(tmp_path)])  # fmt: skip
    assert out["coef"]["hormone"] == pytest.approx(-0.378047528876, abs=1e-7)
    assert out["se"]["hormone"] == pytest.approx(0.135939802375, abs=1e-7)
    assert out["se"]["nodes"] == pytest.approx(0.011108506287, abs=1e-7)
    assert (tmp_path / "finegray.csv").is_file() and (tmp_path / "forest.png").stat().st_size > 0
    assert json.loads((tmp_path / "result.json").read_text())["coef"] == out["coef"]


def test_cif_json_with_gray(capsys, lymph, tmp_path):
    out = _json(capsys, ["outcome", "cif", "--data", lymph, "--time", "ftime", "--event", "status",
                         "--cause", "1", "--group", "hormone", "--times", "365,730,1095,1825", "--json",
                         "--out", str(tmp_path)])  # fmt: skip
    np.testing.assert_allclose(
        out["groups"]["1"]["cif"],
        [0.098689331139, 0.26290365894, 0.3767603646, 0.52721803347],
        atol=1e-9,
    )
    assert out["gray_test"]["statistic"] == pytest.approx(8.8592884468411, abs=1e-8)
    assert (tmp_path / "cif.png").is_file() and (tmp_path / "gray_test.csv").is_file()


def test_km_logrank_cox_commands(capsys, shared, tmp_path):
    rossi = str(shared("reference", "survival", "rossi.csv"))
    base = ["--data", rossi, "--time", "week", "--event", "arrest"]
    km = _json(
        capsys,
        ["outcome", "km", *base, "--times", "10,52", "--json", "--out", str(tmp_path / "km")],
    )
    assert [r["survival"] for r in km["survival"]] == pytest.approx(
        [0.9652777778, 0.7361111111], abs=1e-9
    )
    assert (tmp_path / "km" / "km.png").is_file()
    lr = _json(capsys, ["outcome", "logrank", *base, "--group", "fin", "--json"])
    assert lr["statistic"] == pytest.approx(3.837569577, abs=1e-8)
    cox = _json(
        capsys,
        ["outcome", "cox", *base, "--covariates", "fin,age,race,wexp,mar,paro,prio", "--json"],
    )
    assert cox["coef"]["prio"] == pytest.approx(0.09149708099, abs=1e-7)
    assert cox["ph_test"][-1]["chisq"] == pytest.approx(17.6944153, abs=1e-6)
    rc = main(["outcome", "cox", *base, "--covariates", "fin"])  # plain-text output
    assert rc == 0 and "fin" in capsys.readouterr().out


def test_features_command(capsys, tmp_path):
    rng = np.random.default_rng(11)
    n = 240
    ids = [f"T{i:03d}" for i in range(n)]
    tum = pd.DataFrame({"sample": ids, "ifn_state": rng.choice(["acute", "chronic", "deficient"], n),
                        "TumorPurity": rng.uniform(0.3, 0.95, n), "cdkn2a_status": rng.choice(["intact", "deleted"], n),
                        "ImmuneScore": rng.normal(0, 1000, n)})  # fmt: skip
    lp = 0.7 * (tum["ifn_state"] == "chronic") + 0.6 * (tum["cdkn2a_status"] == "deleted")
    t1 = rng.exponential(30 * np.exp(-lp))
    t2 = rng.exponential(90, n)
    c = rng.uniform(6, 60, n)
    t = np.minimum.reduce([t1, t2, c])
    cl = pd.DataFrame(
        {"sample": ids, "months": t.round(2), "status": np.select([t == t1, t == t2], [1, 2], 0)}
    )
    cp, fp = tmp_path / "clinical.csv", tmp_path / "tumours.csv"
    cl.to_csv(cp, index=False)
    tum.to_csv(fp, index=False)
    out = _json(capsys, ["outcome", "features", "--clinical", str(cp), "--features", str(fp), "--time", "months",
                         "--event", "status", "--model", "both", "--reference", "ifn_state=acute",
                         "--json", "--out", str(tmp_path / "o")])  # fmt: skip
    eff = pd.DataFrame(out["effects"])
    assert set(eff["model"]) == {"finegray", "cox"}
    assert set(eff["analysis"]) == {"univariable", "multivariable"}
    assert "ifn_state[chronic]" in set(eff["term"])
    # the univariable Fine-Gray row equals a direct crr-equivalent fit of that feature
    from ifnexus.outcome import FineGrayFitter

    d = cl.merge(tum, on="sample")
    d["ifn_state"] = pd.Categorical(d["ifn_state"], ["acute", "chronic", "deficient"])
    direct = FineGrayFitter().fit(
        d, "months", "status", covariates=["ifn_state"], categorical=["ifn_state"]
    )
    row = eff[
        (eff["term"] == "ifn_state[chronic]")
        & (eff["model"] == "finegray")
        & (eff["analysis"] == "univariable")
    ]
    assert row["coef"].iloc[0] == pytest.approx(direct.coef_["ifn_state[chronic]"], abs=1e-10)
    tests = pd.DataFrame(out["tests"])
    assert set(tests["test"]) == {"gray"}
    for name in (
        "effects.csv",
        "tests.csv",
        "curves.csv",
        "curves.png",
        "forest_finegray.png",
        "forest_cox.png",
    ):
        assert (tmp_path / "o" / name).is_file()


def test_cli_bad_inputs(capsys, lymph, tmp_path):
    rc = main(
        ["outcome", "cif", "--data", lymph, "--time", "ftime", "--event", "status", "--cause", "4"]
    )
    assert rc == 2 and "cause 4 does not occur" in capsys.readouterr().err
    rc = main(
        [
            "outcome",
            "cif",
            "--data",
            lymph,
            "--time",
            "ftime",
            "--event",
            "status",
            "--cause",
            "1",
            "--codes",
            "0,1",
        ]
    )
    assert rc == 2 and "not among the declared codes" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"t": [1, -2, 3], "e": [1, 0, 1], "x": [1.0, 2.0, 3.0]}).to_csv(bad, index=False)
    rc = main(["outcome", "km", "--data", str(bad), "--time", "t", "--event", "e"])
    err = capsys.readouterr().err
    assert rc == 2 and "negative" in err and "line 3 of" in err
    rc = main(["outcome", "finegray", "--data", lymph, "--time", "ftime", "--event", "status", "--cause", "1",
               "--covariates", "hormone,nothere", "--out", str(tmp_path / "x")])  # fmt: skip
    assert rc == 2 and "not found" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # nothing half-written
    rc = main(
        ["outcome", "km", "--data", str(tmp_path / "missing.csv"), "--time", "t", "--event", "e"]
    )
    assert rc == 2 and "file not found" in capsys.readouterr().err


def test_features_defaults_to_tumour_profile_columns(capsys, tmp_path):
    rng = np.random.default_rng(12)
    n = 150
    ids = [f"S{i}" for i in range(n)]
    tum = pd.DataFrame({"ifn_state": rng.choice(["acute-competent", "chronic/IRDS"], n),
                        "TumorPurity": rng.uniform(0.2, 0.9, n),
                        "ifn_state_rule": [f"rule {i}" for i in range(n)],  # free text: not studied
                        "purity_calibration": "estimate"}, index=pd.Index(ids, name="sample"))  # fmt: skip
    t = rng.exponential(20, n)
    cl = pd.DataFrame({"sample": ids, "time": t.round(1), "event": rng.integers(0, 2, n)})
    cp, fp = tmp_path / "c.csv", tmp_path / "tumours.csv"
    cl.to_csv(cp, index=False)
    tum.to_csv(fp)  # as `ifnexus tumour profile` writes it: index column "sample"
    out = _json(capsys, ["outcome", "features", "--clinical", str(cp), "--features", str(fp),
                         "--time", "time", "--event", "event", "--json"])  # fmt: skip
    assert out["features"] == ["ifn_state", "TumorPurity"]
    eff = pd.DataFrame(out["effects"])
    assert set(eff["model"]) == {"cox"}  # no competing events: cause-specific = ordinary Cox
    assert pd.DataFrame(out["tests"])["test"].tolist() == ["logrank", "logrank"]
