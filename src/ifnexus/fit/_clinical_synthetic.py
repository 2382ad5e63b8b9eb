"""Synthetic clinical local-control studies with known truth (identifiability and coverage).

The patients' outcomes come from the model's own cohort simulator (``simulate_cohort``: sampled
extinction, lineages and time to failure), not from the fit's smoothed likelihood, so a fit of
such a study checks the likelihood's approximations as well. Follow-up ends at a time drawn
uniformly between ``min_followup`` and ``max_followup`` months (staggered accrual) or at a death
drawn at a constant hazard (``death_rate`` per year), whichever comes first.

Reported times: exact by default. With ``visit_days`` the study is followed up as a clinic
does it, at visits every ``visit_days`` from the first fraction: a local failure is reported at
the first visit at or after it, and a patient who leaves the study (end of follow-up, death)
is reported at the last visit before (failure-free then); a patient who leaves before the first
visit keeps the exact time. That is the observation model of the fit's interval likelihood
(``fit_clinical(interval_days=visit_days)``: a failure reported at ``t`` happened in
``(t - w, t]``), so such a study checks the fit with its likelihood correctly specified; a
study with exact times fitted with a month-wide interval is not (the failures look half a
month earlier to the fit: about 2% too low an alpha, measured in ``docs/fit/clinical_coverage.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import ValidationError
from ifnexus.fit._clinical_data import DAYS_PER_MONTH, ClinicalData, PatientGroup, clinical_data

__all__ = ["simulate_clinical_study"]


def simulate_clinical_study(
    groups: Sequence[tuple[PatientGroup, int]],
    *,
    params: Mapping[str, float] | None = None,
    min_followup: float = 24.0,
    max_followup: float = 60.0,
    death_rate: float = 0.0,
    visit_days: float | None = None,
    rng: RngLike = 0,
) -> ClinicalData:
    """Simulate a clinical study from known parameters.

    Parameters
    ----------
    groups
        ``(group, patients)`` pairs.
    params
        Model parameter values (overrides of the patient setting): the truth.
    min_followup, max_followup
        Range of the administrative follow-up, months from the first fraction.
    death_rate
        Hazard of death without local failure, per year (0: none).
    visit_days
        Days between follow-up visits (module docstring); ``None``: exact times.
    rng
        Seed (the tumours, follow-up and deaths).

    Returns
    -------
    ClinicalData
        Patients ``<k>-<i>``; times in months.

    Raises
    ------
    ValidationError
        No patients, a follow-up range that is not ``0 < min <= max <= 120``, a negative death
        rate, ``visit_days`` not > 0.
    """
    from ifnexus.model import simulate_cohort

    if not groups or any(n < 1 for _, n in groups):
        raise ValidationError("groups: give at least one group with at least one patient")
    if not 0.0 < min_followup <= max_followup <= 120.0:
        raise ValidationError(f"follow-up range must satisfy 0 < min <= max <= 120 months, got "
                              f"{min_followup:g}-{max_followup:g}")  # fmt: skip
    if death_rate < 0:
        raise ValidationError(f"death_rate must be >= 0, got {death_rate:g}")
    if visit_days is not None and not visit_days > 0:
        raise ValidationError(f"visit_days must be > 0 (or None: exact times), got {visit_days:g}")
    g = as_generator(rng)
    days = max(1825.0, float(np.ceil(max_followup * DAYS_PER_MONTH)))
    frames = []
    for k, (grp, n) in enumerate(groups):
        seed = int(g.integers(0, 2**63 - 1))
        coh = simulate_cohort(grp.schedule, n_patients=n, disease=grp.disease, margin=grp.margin,
                              genotype=grp.genotype, interventions=list(grp.interventions),
                              days=days, rng=seed, params=dict(params or {}))  # fmt: skip
        pt = coh.patients
        ttf = np.where(pt["local_failure"].to_numpy(bool), pt["time_to_failure"].to_numpy(float),
                       np.inf)  # fmt: skip
        cens = g.uniform(min_followup, max_followup, n) * DAYS_PER_MONTH
        death = (g.exponential(365.25 / death_rate, n) if death_rate > 0
                 else np.full(n, np.inf))  # fmt: skip
        leave = np.minimum(cens, death)
        died = death < cens
        if visit_days is not None:
            w = float(visit_days)
            seen = np.ceil(ttf / w) * w  # the visit that finds the failure
            last = np.floor(leave / w) * w  # the last visit in the study
            ttf = np.where(seen <= leave, seen, np.inf)
            leave = np.where(last > 0, last, leave)
        end = np.minimum(ttf, leave)
        event = np.where(ttf == end, 1, np.where(died, 2, 0))
        frames.append(pd.DataFrame({
            "patient": [f"{k + 1}-{i + 1}" for i in range(n)], "time": end / DAYS_PER_MONTH,
            "event": event, "schedule": grp.schedule, "disease": grp.disease,
            "margin": grp.margin or "", "genotype": grp.genotype or "",
            "interventions": ";".join(grp.interventions)}))  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    return clinical_data(df, time_unit="months", source="<synthetic study>")
