"""model_sensitivity and ``ifnexus simulate sensitivity`` on the real model (small, fast runs).

Known truths used: a parameter the run never reads (anti-PD-1 decay ``k_pd1`` without an
intervention, the detection size ``n_detect`` of post-operative disease in a gross tumour) has
elementary effects of exactly 0 because every sample point simulates the same tumours (common
random numbers); more radiosensitive clonogens (larger ``alpha``) can only raise local control
(the LQ kill is monotone in alpha), so its mean elementary effect is positive.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ifnexus.cli import main
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.sensitivity import COLUMNS, model_sensitivity, parse_times

pytest.importorskip("SALib")

SMALL = {"n_patients": 48, "rng": 4}


def test_inert_parameters_get_zero_and_alpha_raises_control():
    res = model_sensitivity("50Gy/25fx", method="morris", samples=4, at="2y,5y",
                            vary=["alpha", "k_pd1", "n_detect"], **SMALL)  # fmt: skip
    assert res.outputs == ("local_control_2y", "local_control_5y")
    assert list(res.table.columns) == list(COLUMNS)
    assert res.n_evaluations == 4 * 4
    t = res.table.set_index(["output", "parameter"])
    for out in res.outputs:
        assert t.at[(out, "k_pd1"), "mu_star"] == 0.0 and t.at[(out, "k_pd1"), "sigma"] == 0.0
        assert t.at[(out, "n_detect"), "mu_star"] == 0.0
        assert t.at[(out, "alpha"), "mu"] > 0 and t.at[(out, "alpha"), "mu_star"] > 0
        assert res.hinges_on(out) == ["alpha"]
    ev = res.evaluations
    assert set(ev.columns) == {"alpha", "k_pd1", "n_detect", *res.outputs}
    # local control falls with time, and is a fraction of the 48 tumours
    assert (ev["local_control_5y"] <= ev["local_control_2y"]).all()
    assert np.allclose(ev["local_control_2y"] * 48, np.round(ev["local_control_2y"] * 48))
    assert res.context["cohort_seed"] != res.seed and res.context["n_patients"] == 48


def test_sobol_same_seed_same_table_and_other_outputs():
    kw = {"method": "sobol", "samples": 16, "vary": ["alpha"], "output": "ifn-auc"}
    a = model_sensitivity("8Gy x3", setting="mouse", **kw, **SMALL)
    b = model_sensitivity("8Gy x3", setting="mouse", **kw, **SMALL)
    assert a.table.equals(b.table) and a.evaluations.equals(b.evaluations)
    assert a.outputs == ("ifn_auc_30d",) and a.n_evaluations == 16 * 3
    assert np.isfinite(a.table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    # one parameter: it carries all the variance
    assert a.table.at[0, "ST"] == pytest.approx(1.0, abs=0.1)


def test_another_seed_draws_other_points_and_threads_change_nothing():
    from ifnexus import RunOptions

    kw = {"method": "morris", "samples": 4, "vary": ["alpha"], "n_patients": 16}
    a = model_sensitivity("50Gy/25fx", **kw, rng=1)
    b = model_sensitivity("50Gy/25fx", **kw, rng=2)
    assert not a.evaluations.equals(b.evaluations)
    c = model_sensitivity("50Gy/25fx", **kw, rng=1, options=RunOptions(n_jobs=2))
    assert c.table.equals(a.table) and c.evaluations.equals(a.evaluations)


def test_parse_times():
    assert parse_times("2y, 18m,730") == [(730.5, "2y"), (547.875, "18m"), (730.0, "730d")]
    with pytest.raises(ValidationError, match="cannot read the time"):
        parse_times("2 years")
    with pytest.raises(ValidationError, match="twice"):
        parse_times("2y,2y")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"vary": ["alpah"]}, UnknownNameError, "did you mean 'alpha'"),
        ({"vary": ["alpha"], "ranges": {"alpha": (0.2, 0.2)}}, ValidationError, "empty"),
        ({"vary": ["alpha"], "samples": 8}, ValidationError, "too few base samples for sobol"),
        ({"vary": ["alpha"], "output": "tcd50"}, ValidationError, "output 'tcd50' is unknown"),
        ({"vary": ["alpha"], "at": "11y"}, ValidationError, "follow-up"),
        ({"params": ["alpha"]}, ValidationError, "names of the parameters to vary go in vary="),
    ],
)
def test_bad_input_is_refused_before_any_cohort(kwargs, error, match):
    with pytest.raises(error, match=match):
        model_sensitivity("50Gy/25fx", **{"samples": 16, **kwargs}, **SMALL)


def test_cli_writes_tables_figure_and_json(tmp_path, capsys):
    out = tmp_path / "sens"
    args = ["simulate", "sensitivity", "--schedule", "50Gy/25fx", "--method", "morris",
            "--samples", "4", "--vary", "alpha,k_pd1", "--patients", "32", "--at", "2y",
            "--seed", "1", "--quiet"]  # fmt: skip
    assert main([*args, "--out", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["hinges_on"] == {"local_control_2y": ["alpha"]} and d["method"] == "morris"
    assert {p.name for p in out.iterdir()} >= {"sensitivity.csv", "ranges.csv",
                                                "evaluations.csv", "sensitivity.png",
                                                "summary.json", "run.json"}  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "local_control_2y hinges on alpha" in text


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            ["--vary", "alpah,r"],
            "--vary names an unknown model parameter 'alpah'; did you mean 'alpha'",
        ),
        (["--vary", "alpha", "--range", "alpha=0.3:0.1"], "--range 'alpha=0.3:0.1'.*empty"),
        (["--vary", "alpha", "--range", "alpha=0.3"], "NAME=LOW:HIGH"),
        (["--vary", "alpha", "--samples", "8"], "--samples 8: too few base samples"),
        (["--vary", "alpha", "--samples", "48"], "power of two"),
        (["--params", "alpha,r"], "--params 'alpha,r': expected a TOML file.*--vary"),
    ],
)
def test_cli_bad_input_names_the_option_and_writes_nothing(tmp_path, capsys, extra, match):
    out = tmp_path / "never"
    args = ["simulate", "sensitivity", "--schedule", "50Gy/25fx", "--patients", "16", "--quiet"]
    assert main([*args, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    import re

    assert re.search(match, err), err
    assert not out.exists() or not any(out.iterdir())


def test_time_to_failure_without_failures_is_refused_naming_the_count():
    # 3 x 30 Gy controls every 16-tumour mouse graft: no failure time to take a median of
    with pytest.raises(ValidationError, match=r"time-to-failure .* undefined at \d+ of 8"):
        model_sensitivity("30Gy x3", setting="mouse", output="time-to-failure", method="morris",
                          samples=4, vary=["alpha"], n_patients=16, rng=0)  # fmt: skip
