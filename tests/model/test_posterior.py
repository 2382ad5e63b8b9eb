"""``simulate --posterior``: predictions under draws of a fit's posterior (issue #16 item 3).

References: a posterior whose draws are all equal is a plain simulation (zero-width parameter
interval, the same numbers as ``simulate_cohort`` with the seed); the bootstrap spread of a
cohort's local control is the binomial standard error ``sqrt(p (1 - p) / n)``; with common
random numbers, widening the posterior of radiosensitivity (draws ``a0 + s z`` with the same
``z``) widens the parameter interval monotonically in ``s`` (each tumour's control is monotone
in alpha).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.fit._write import FIT_FORMAT, model_stamp
from ifnexus.model import parameters, simulate_cohort, simulate_posterior
from ifnexus.model._posterior import MEASURES

SCHED = "8Gy x3"
A0 = parameters("mouse")["alpha"]
Z = np.random.default_rng(0).standard_normal(40)


def fit_folder(d: Path, values, name: str = "alpha", setting: str = "mouse", stamp=None) -> Path:
    """A fit folder as ``ifnexus fit growth`` writes it (diagnostics.json + tidy draws)."""
    d.mkdir(parents=True, exist_ok=True)
    info = {"fit_format": FIT_FORMAT, "kind": "growth", "model": stamp or model_stamp(),
            "setting": setting, "free": [name], "params": {}}  # fmt: skip
    (d / "diagnostics.json").write_text(json.dumps(info))
    n = len(values)
    pd.DataFrame({"walker": np.arange(n) % 4, "step": np.arange(n) // 4, "parameter": name,
                  "value": values}).to_csv(d / "posterior_draws.csv", index=False)  # fmt: skip
    return d


def test_degenerate_posterior_is_a_plain_simulation(tmp_path):
    d = fit_folder(tmp_path / "fit", [A0] * 12)
    res = simulate_posterior(SCHED, d, draws=4, n_patients=300, rng=3, bootstrap=1000)
    plain = simulate_cohort(SCHED, n_patients=300, setting="mouse", rng=3)
    ref = plain.to_dict()
    s = res.summary
    assert s.attrs["setting"] == "mouse" and res.free == ["alpha"]
    for m in ("local_control", "tcp_mean", "ifn_auc_30d", "cd8_fold_change_day7"):
        assert s.loc[m, "param_lower"] == s.loc[m, "param_upper"] == pytest.approx(ref[m])
        assert s.loc[m, "mean"] == pytest.approx(ref[m], rel=1e-12)
        assert s.loc[m, "sd_param"] == 0.0
        assert s.loc[m, "sd_total"] == pytest.approx(s.loc[m, "sd_sampling"])
        assert s.loc[m, "total_lower"] == pytest.approx(s.loc[m, "sampling_lower"])
    p = ref["local_control"]
    assert s.loc["local_control", "sd_sampling"] == pytest.approx(np.sqrt(p * (1 - p) / 300),
                                                                   rel=0.08)  # fmt: skip
    # the curve band collapses onto the Kaplan-Meier curve of the plain cohort
    c = res.curve
    assert (c["param_lower"] == c["param_upper"]).all()
    km = plain.local_control_curve()
    end = km["local_control"].iloc[-1]
    assert c["mean"].iloc[-1] == pytest.approx(end) and c["mean"].iloc[0] == 1.0


def test_interval_widens_with_posterior_spread(tmp_path):
    widths, sds = [], []
    for i, s in enumerate((0.0, 0.01, 0.03)):
        d = fit_folder(tmp_path / f"fit{i}", A0 + s * Z)
        t = simulate_posterior(SCHED, d, draws=12, n_patients=150, rng=5, bootstrap=50).summary
        widths.append(t.loc["local_control", "param_upper"] - t.loc["local_control", "param_lower"])
        sds.append(t.loc["local_control", "sd_param"])
        tot = t.loc["local_control", ["sd_total", "sd_param", "sd_sampling"]].to_numpy(float)
        assert tot[0] ** 2 == pytest.approx(tot[1] ** 2 + tot[2] ** 2)  # law of total variance
    assert widths[0] == 0.0
    assert np.all(np.diff(widths) >= 0) and widths[-1] > widths[1] > 0
    assert np.all(np.diff(sds) > 0)


def test_seed_reproduces(tmp_path):
    d = fit_folder(tmp_path / "fit", A0 + 0.01 * Z)
    a = simulate_posterior(SCHED, d, draws=5, n_patients=100, rng=7, bootstrap=20)
    b = simulate_posterior(SCHED, d, draws=5, n_patients=100, rng=7, bootstrap=20)
    c = simulate_posterior(SCHED, d, draws=5, n_patients=100, rng=8, bootstrap=20)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws["alpha"].equals(c.draws["alpha"])
    assert set(MEASURES) <= set(a.to_dict()["measures"])


def test_bad_posteriors(tmp_path):
    good = fit_folder(tmp_path / "good", [A0] * 4)
    old = fit_folder(tmp_path / "old", [A0] * 4,
                     stamp={"ifnexus_version": "0.0.1", "parameters_sha256": "0" * 64})  # fmt: skip
    with pytest.raises(ValidationError, match="another model version"):
        simulate_posterior(SCHED, old, draws=2, n_patients=10)
    unknown = fit_folder(tmp_path / "unknown", [1.0] * 4, name="not_a_parameter")
    with pytest.raises(ValidationError, match="unknown parameter name.*not_a_parameter"):
        simulate_posterior(SCHED, unknown, draws=2, n_patients=10)
    neg = fit_folder(tmp_path / "neg", [-1.0] * 4)
    with pytest.raises(ValidationError, match="draw 1"):
        simulate_posterior(SCHED, neg, draws=2, n_patients=10)
    with pytest.raises(InputFormatError, match="no diagnostics.json"):
        simulate_posterior(SCHED, tmp_path, draws=2, n_patients=10)
    with pytest.raises(ValidationError, match="'mouse' setting"):
        simulate_posterior(SCHED, good, setting="patient", draws=2, n_patients=10)
    with pytest.raises(ValidationError, match="also gives"):
        simulate_posterior(SCHED, good, draws=2, n_patients=10, params={"alpha": 0.1})
    for kw, msg in (({"draws": 0}, "draws"), ({"bootstrap": 5}, "bootstrap"),
                    ({"level": 1.5}, "level"), ({"draws": 2.5}, "draws")):  # fmt: skip
        with pytest.raises(ValidationError, match=msg):
            simulate_posterior(SCHED, good, n_patients=10, **kw)


def test_cli_posterior(tmp_path, capsys):
    d = fit_folder(tmp_path / "fit", A0 + 0.01 * Z)
    out = tmp_path / "out"
    args = ["simulate", "--schedule", SCHED, "--posterior", str(d), "--draws", "4",
            "--patients", "60", "--bootstrap", "20", "--seed", "1", "--quiet"]  # fmt: skip
    assert main([*args, "--json", "--out", str(out)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["n_draws"] == 4 and got["setting"] == "mouse" and got["free"] == ["alpha"]
    lc = got["measures"]["local_control"]
    assert lc["param_lower"] <= lc["mean"] <= lc["param_upper"]
    for f in ("posterior_summary.csv", "posterior_runs.csv", "local_control_posterior.csv",
              "local_control_posterior.png", "summary.json", "params_used.toml", "run.json"):  # fmt: skip
        assert (out / f).is_file(), f
    # bad inputs: exit 2, one-line error, nothing written
    old = fit_folder(tmp_path / "old", [A0] * 4,
                     stamp={"ifnexus_version": "0.0.1", "parameters_sha256": "0" * 64})  # fmt: skip
    bad_out = tmp_path / "bad_out"
    assert main(["simulate", "--schedule", SCHED, "--posterior", str(old), "--out", str(bad_out),
                 "--quiet"]) == 2  # fmt: skip
    assert "another model version" in capsys.readouterr().err
    assert not bad_out.exists() or not any(bad_out.iterdir())
    assert main([*args, "--in-vitro"]) == 2
    assert "--in-vitro" in capsys.readouterr().err


def test_tcd50_posterior(tmp_path):
    from ifnexus.model import tcd50, tcd50_posterior

    grid = [0, 5, 10, 15, 20, 25, 30, 40]
    deg = fit_folder(tmp_path / "deg", [A0] * 8)
    r = tcd50_posterior(grid, deg, draws=3, n_patients=60, rng=4)
    ref = tcd50(grid, n_patients=60, rng=4)
    t = r.summary.loc["tcd50_gy"]
    assert t["param_lower"] == t["param_upper"] == pytest.approx(ref.tcd50_gy)
    assert t["sd_param"] == 0.0
    wide = fit_folder(tmp_path / "wide", A0 + 0.02 * Z)
    wr = tcd50_posterior(grid, wide, draws=8, n_patients=60, rng=4)
    w = wr.summary.loc["tcd50_gy"]
    assert w["param_upper"] - w["param_lower"] > 0.5  # Gy: radiosensitivity moves the TCD50
    # more radiosensitive draws give lower TCD50s (rank correlation over draws)
    dr = wr.draws
    assert dr["alpha"].corr(dr["tcd50_gy"], method="spearman") < -0.9
    with pytest.raises(ValidationError, match="draw 1"):
        tcd50_posterior([0, 0.5, 1], deg, draws=2, n_patients=20, rng=4)


def test_end_to_end_from_ifnexus_fit(tmp_path, capsys):
    """A folder written by ``ifnexus fit growth`` (posterior of the growth rate r) is read as is."""
    from ifnexus.fit import Arm, simulate_growth_study

    s = simulate_growth_study([Arm("ctrl", "none"), Arm("rt", "6:8")], animals=3,
                              days=range(0, 16, 3), params={"r": 0.25}, sigma=0.1, rng=2)  # fmt: skip
    s.table.to_csv(tmp_path / "growth.csv", index=False)
    (tmp_path / "arms.csv").write_text(
        "arm,schedule,genotype,host,interventions\nctrl,none,,,\nrt,6:8,,,\n"
    )
    fit = tmp_path / "fit"
    assert main(["fit", "growth", str(tmp_path / "growth.csv"), "--arms", str(tmp_path / "arms.csv"),
                 "--out", str(fit), "--free", "r", "--random", "none", "--quiet", "--steps", "24",
                 "--walkers", "8", "--profile", "none", "--no-figures",
                 "--keep-unconverged"]) == 0  # fmt: skip
    capsys.readouterr()
    res = simulate_posterior("8Gy x2", fit, draws=6, n_patients=50, rng=1, bootstrap=20)
    tidy = pd.read_csv(fit / "posterior_draws.csv")
    assert res.free == ["r"] and res.setting == "mouse"
    assert set(res.draws["r"]) <= set(tidy.loc[tidy["parameter"] == "r", "value"])
    lc = res.summary.loc["local_control"]
    assert lc["param_lower"] <= lc["mean"] <= lc["param_upper"]


def test_bootstrap_blocks_do_not_change_the_result(tmp_path, monkeypatch):
    import ifnexus.model._posterior as mod

    d = fit_folder(tmp_path / "fit", A0 + 0.01 * Z)
    a = simulate_posterior(SCHED, d, draws=3, n_patients=100, rng=2, bootstrap=30)
    monkeypatch.setattr(mod, "_BOOT_ELEMENTS", 250)  # two replicates per block
    b = simulate_posterior(SCHED, d, draws=3, n_patients=100, rng=2, bootstrap=30)
    pd.testing.assert_frame_equal(a.summary, b.summary)
