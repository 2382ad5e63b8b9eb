"""The designer's time courses recorded during the trial's run equal a separate small run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import ValidationError
from ifnexus.serve import ifn_timecourses, trial_timecourses
from ifnexus.trial import design_from_dict, run_trial

DESIGN = {
    "trial": {"name": "tc", "patients_per_arm": 40, "seed": 5, "followup_years": 1.0,
              "reference": "RT"},
    "endpoint": {"local_control_years": 0.5},
    "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3}},
    "arms": [{"name": "RT", "schedule": "50Gy/25fx"},
             {"name": "RT + STING", "schedule": "8Gy x3",
              "interventions": ["sting-agonist:day=1,dose=1"]}],
}  # fmt: skip


def test_recorded_during_the_run_equals_a_separate_run():
    design = design_from_dict(DESIGN)
    plain = run_trial(design, hazard_ratios="none")
    rec = run_trial(design, hazard_ratios="none", record=6, record_days=40)
    # recording changes no number of the trial
    pd.testing.assert_frame_equal(plain.arms, rec.arms)
    pd.testing.assert_frame_equal(plain.patients, rec.patients)
    assert plain.timecourses is None
    ours = trial_timecourses(rec, days=40)
    ref = ifn_timecourses(design, n_patients=6, days=40)
    assert list(ours["arm"].unique()) == ["RT", "RT + STING"]
    assert (ours["n"] == 6).all() and ours["day"].max() == 40
    pd.testing.assert_frame_equal(ours[["arm", "state", "day", "n"]],
                                  ref[["arm", "state", "day", "n"]])  # fmt: skip
    # the solver's steps before day 40 do not depend on the run's end: equal to rounding; on
    # day 40 itself the 40-day run has a step, the trial's run interpolates between two
    cols = ["median", "lower", "upper"]
    last = ours["day"] == 40
    np.testing.assert_allclose(ours.loc[~last, cols].to_numpy(), ref.loc[~last, cols].to_numpy(),
                               rtol=1e-6, atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(ours.loc[last, cols].to_numpy(), ref.loc[last, cols].to_numpy(),
                               rtol=1e-2, atol=1e-4)  # fmt: skip


def test_bad_requests_are_clear_errors():
    design = design_from_dict(DESIGN)
    with pytest.raises(ValidationError, match="record=k"):
        trial_timecourses(run_trial(design, hazard_ratios="none"))
    rec = run_trial(design, hazard_ratios="none", record=2, record_days=10)
    with pytest.raises(ValidationError, match="unknown state 'nope'"):
        trial_timecourses(rec, state="nope")
    with pytest.raises(ValidationError, match="days must be > 0"):
        trial_timecourses(rec, days=0)
    with pytest.raises(ValidationError, match="record must be >= 0"):
        run_trial(design, record=-1)
