"""run_trial(reuse_arms=True) (the designer): a reused arm gives the numbers of a fresh run."""

from __future__ import annotations

import copy

from ifnexus.trial import _run as trial_run
from ifnexus.trial import design_from_dict, run_trial

#: 60 patients an arm, 3 years, seed 4, local control at 2 years
DESIGN_ARGS = (60, 3, 4, 2)


def test_an_edited_arm_reruns_only_that_arm_with_fresh_numbers(
    monkeypatch, two_arm_design, assert_same_trial
):
    import ifnexus.model as model

    design = two_arm_design(*DESIGN_ARGS)
    trial_run._ARM_CACHE.clear()
    calls = []
    real = model.simulate_cohort

    def counting(schedule, **kw):
        calls.append((schedule, tuple(kw.get("interventions") or ())))
        return real(schedule, **kw)

    first = run_trial(design_from_dict(design), hazard_ratios="overall", reuse_arms=True)
    edited = copy.deepcopy(design)
    edited["arms"][1]["interventions"] = ["anti-pd1:day=7,dose=1,repeat=6,every=14"]
    monkeypatch.setattr(model, "simulate_cohort", counting)
    again = run_trial(design_from_dict(design), hazard_ratios="overall", reuse_arms=True)
    assert calls == []  # both arms reused
    second = run_trial(design_from_dict(edited), hazard_ratios="overall", reuse_arms=True)
    assert calls == [("50Gy/25fx", ("anti-pd1:day=7,dose=1,repeat=6,every=14",))]
    monkeypatch.setattr(model, "simulate_cohort", real)
    assert_same_trial(again, first)
    assert_same_trial(second, run_trial(design_from_dict(edited), hazard_ratios="overall"))
    trial_run._ARM_CACHE.clear()


def test_a_new_seed_or_size_is_not_reused(two_arm_design, assert_same_trial):
    design = two_arm_design(*DESIGN_ARGS)
    trial_run._ARM_CACHE.clear()
    run_trial(design_from_dict(design), hazard_ratios="none", reuse_arms=True)
    other = copy.deepcopy(design)
    other["trial"]["seed"] = 5
    fresh = run_trial(design_from_dict(other), hazard_ratios="none")
    assert_same_trial(
        run_trial(design_from_dict(other), hazard_ratios="none", reuse_arms=True), fresh
    )
    trial_run._ARM_CACHE.clear()
