"""Parameter uncertainty: the trial rerun for posterior draws of the model's parameters."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import InputFormatError
from ifnexus.trial import design_from_dict, read_posterior, run_trial

BASE = {
    "trial": {"reference": "RT", "patients_per_arm": 60, "followup_years": 2, "seed": 9},
    "arms": [
        {"name": "RT", "schedule": "50Gy/25fx"},
        {"name": "RT 60", "schedule": "60Gy/30fx"},
    ],
}  # fmt: skip


def _lc(schedule: str, alpha: float) -> float:
    from ifnexus.model import simulate_cohort

    p = simulate_cohort(schedule, n_patients=60, days=2 * 365.25, rng=9,
                        params={"alpha": alpha}).patients  # fmt: skip
    ttf = p["time_to_failure"].to_numpy() / 365.25
    return float(1 - np.mean(np.isfinite(ttf) & (ttf <= 2)))


def test_two_draws_give_the_runs_at_those_values(tmp_path):
    # a tidy posterior (the layout of ifnexus fit) with two draws of alpha and a nuisance sigma
    f = tmp_path / "posterior_draws.csv"
    f.write_text("walker,step,parameter,value\n0,10,alpha,0.18\n0,10,sigma,0.1\n"
                 "1,10,alpha,0.22\n1,10,sigma,0.2\n")  # fmt: skip
    assert read_posterior(f).columns.tolist() == ["alpha"]
    d = dict(BASE, population={"posterior": "posterior_draws.csv", "posterior_draws": 2})
    res = run_trial(design_from_dict(d, base_dir=tmp_path))
    draws = res.parameter_draws.set_index(["draw", "arm"])["local_control_net"]
    for draw, alpha in ((1, 0.18), (2, 0.22)):
        assert draws[(draw, "RT")] == pytest.approx(_lc("50Gy/25fx", alpha))
        assert draws[(draw, "RT 60")] == pytest.approx(_lc("60Gy/30fx", alpha))
    row = res.arms.set_index("arm").loc["RT"]
    lo, hi = sorted([draws[(1, "RT")], draws[(2, "RT")]])
    assert row["param_lower"] == pytest.approx(lo + 0.025 * (hi - lo))
    assert row["param_upper"] == pytest.approx(lo + 0.975 * (hi - lo))
    comp = res.comparisons.set_index(["arm", "ifn_state"]).loc[("RT 60", "all")]
    assert comp["diff_param_lower"] <= comp["diff_param_upper"]


def test_bad_posterior_files(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("sigma,omega_r_g\n0.1,0.2\n")
    with pytest.raises(InputFormatError, match="no model parameter"):
        read_posterior(f)
    f.write_text("parameter,value\nalpha,0.2\n")
    with pytest.raises(InputFormatError, match="'walker'"):
        read_posterior(f)
    f.write_text("alpha\nx\n")
    with pytest.raises(InputFormatError, match="draw 1, parameter 'alpha'"):
        read_posterior(f)


def _fit_folder(tmp_path, stamp):
    from ifnexus.fit._write import FIT_FORMAT

    d = tmp_path / "fit"
    d.mkdir()
    info = {"fit_format": FIT_FORMAT, "model": stamp, "free": ["alpha"], "params": {"n0": 1e7}}
    (d / "diagnostics.json").write_text(json.dumps(info))
    tidy = pd.DataFrame(
        {"walker": [0, 1], "step": [0, 0], "parameter": ["alpha", "alpha"], "value": [0.2, 0.3]}
    )
    tidy.to_csv(d / "posterior_draws.csv", index=False)
    return d


def test_a_fit_folder_keeps_the_fits_fixed_overrides(tmp_path):
    from ifnexus.fit._write import model_stamp

    d = _fit_folder(tmp_path, model_stamp())
    for path in (d, d / "posterior_draws.csv"):
        post = read_posterior(path)
        assert sorted(post["alpha"]) == [0.2, 0.3]
        assert (post["n0"] == 1e7).all()  # the fit held n0 fixed at the value its file states


def test_a_fit_of_another_model_version_is_refused(tmp_path):
    from ifnexus.errors import ValidationError
    from ifnexus.fit._write import model_stamp

    stamp = {**model_stamp(), "parameters_sha256": "0" * 64}
    with pytest.raises(ValidationError, match="another model version"):
        read_posterior(_fit_folder(tmp_path, stamp))
