"""run_trial(reuse_arms=True) (the designer): a reused arm gives the numbers of a fresh run."""

from __future__ import annotations

import copy

import pandas as pd

from ifnexus.trial import _run as trial_run
from ifnexus.trial import design_from_dict, run_trial

DESIGN = {
    "trial": {"name": "t", "reference": "RT", "patients_per_arm": 60, "followup_years": 3,
              "seed": 4},
    "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3}},
    "endpoint": {"local_control_years": 2},
    "arms": [
        {"name": "RT", "schedule": "50Gy/25fx"},
        {"name": "RT + anti-PD-1", "schedule": "50Gy/25fx",
         "interventions": ["anti-pd1:day=0,dose=1,repeat=6,every=14"]},
    ],
}  # fmt: skip


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.patients, b.patients, check_exact=True)
    pd.testing.assert_frame_equal(a.arms, b.arms, check_exact=True)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons, check_exact=True)


def test_an_edited_arm_reruns_only_that_arm_with_fresh_numbers(monkeypatch):
    import ifnexus.model as model

    trial_run._ARM_CACHE.clear()
    calls = []
    real = model.simulate_cohort

    def counting(schedule, **kw):
        calls.append((schedule, tuple(kw.get("interventions") or ())))
        return real(schedule, **kw)

    first = run_trial(design_from_dict(DESIGN), hazard_ratios="overall", reuse_arms=True)
    edited = copy.deepcopy(DESIGN)
    edited["arms"][1]["interventions"] = ["anti-pd1:day=7,dose=1,repeat=6,every=14"]
    monkeypatch.setattr(model, "simulate_cohort", counting)
    again = run_trial(design_from_dict(DESIGN), hazard_ratios="overall", reuse_arms=True)
    assert calls == []  # both arms reused
    second = run_trial(design_from_dict(edited), hazard_ratios="overall", reuse_arms=True)
    assert calls == [("50Gy/25fx", ("anti-pd1:day=7,dose=1,repeat=6,every=14",))]
    monkeypatch.setattr(model, "simulate_cohort", real)
    _same(again, first)
    _same(second, run_trial(design_from_dict(edited), hazard_ratios="overall"))
    trial_run._ARM_CACHE.clear()


def test_a_new_seed_or_size_is_not_reused():
    trial_run._ARM_CACHE.clear()
    run_trial(design_from_dict(DESIGN), hazard_ratios="none", reuse_arms=True)
    other = copy.deepcopy(DESIGN)
    other["trial"]["seed"] = 5
    fresh = run_trial(design_from_dict(other), hazard_ratios="none")
    _same(run_trial(design_from_dict(other), hazard_ratios="none", reuse_arms=True), fresh)
    trial_run._ARM_CACHE.clear()
