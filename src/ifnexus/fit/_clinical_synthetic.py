"""Synthetic clinical local-control studies with known truth (identifiability and coverage).

The patients' outcomes come from the model's own cohort simulator (``simulate_cohort``: sampled
extinction, lineages and time to failure), not from the fit's smoothed likelihood, so a fit of
such a study checks the likelihood's approximations as well. Follow-up ends at a time drawn
uniformly between ``min_followup`` and ``max_followup`` months (staggered accrual) or at a death
drawn at a constant hazard (``death_rate`` per year), whichever comes first.
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
        rate.
    """
    from ifnexus.model import simulate_cohort

    if not groups or any(n < 1 for _, n in groups):
        raise ValidationError("groups: give at least one group with at least one patient")
    if not 0.0 < min_followup <= max_followup <= 120.0:
        raise ValidationError(f"follow-up range must satisfy 0 < min <= max <= 120 months, got "
                              f"{min_followup:g}-{max_followup:g}")  # fmt: skip
    if death_rate < 0:
        raise ValidationError(f"death_rate must be >= 0, got {death_rate:g}")
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
        end = np.minimum.reduce([ttf, cens, death])
        event = np.where(ttf == end, 1, np.where(death == end, 2, 0))
        frames.append(pd.DataFrame({
            "patient": [f"{k + 1}-{i + 1}" for i in range(n)], "time": end / DAYS_PER_MONTH,
            "event": event, "schedule": grp.schedule, "disease": grp.disease,
            "margin": grp.margin or "", "genotype": grp.genotype or "",
            "interventions": ";".join(grp.interventions)}))  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    return clinical_data(df, time_unit="months", source="<synthetic study>")
