"""Parameter uncertainty: the trial rerun for posterior draws of the model's parameters."""

from __future__ import annotations

import numpy as np
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
