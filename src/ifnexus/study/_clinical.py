"""Clinical table of a virtual cohort: local failure from the model, death as a competing event.

Local failure times come from the mechanistic model. Death without local failure follows an
exponential hazard, 0.14 per year by default (assumed: distant metastasis dominates MPNST
mortality, and a 5-year survival of about half, as commonly reported for curative-intent
series, corresponds to that hazard). Follow-up ends by administrative censoring between 2 and 5 years.
Event codes: 0 censored, 1 local failure, 2 death without local failure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator

DAYS_PER_MONTH = 365.25 / 12


def clinical_table(
    truth: pd.DataFrame, *, death_hazard_per_year: float = 0.14, rng: RngLike = 0
) -> pd.DataFrame:
    """Return ``patient_id, age, sex, disease, time_months, event`` for the patients in ``truth``.

    ``truth`` needs ``patient_id``, ``age``, ``sex``, ``disease``, ``time_to_failure`` (days,
    NaN without failure) and ``followup`` (days of model follow-up).

    Parameters
    ----------
    truth
        The per-patient truth (see above).
    death_hazard_per_year
        Hazard of death without local failure (the competing event), per year.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    pandas.DataFrame
        One row per patient: ``patient_id``, ``age``, ``sex``, ``disease``, ``time_months`` and
        ``event`` (0 censored, 1 local failure, 2 death).
    """
    g = as_generator(rng)
    n = len(truth)
    fail = truth["time_to_failure"].to_numpy(float)
    fail = np.where(np.isfinite(fail), fail, np.inf)
    death = g.exponential(365.25 / death_hazard_per_year, n)
    censor = np.minimum(g.uniform(24, 60, n) * DAYS_PER_MONTH, truth["followup"].to_numpy(float))
    t = np.minimum.reduce([fail, death, censor])
    event = np.where(t == fail, 1, np.where(t == death, 2, 0))
    return pd.DataFrame(
        {
            "patient_id": truth["patient_id"].to_numpy(),
            "age": truth["age"].to_numpy(),
            "sex": truth["sex"].to_numpy(),
            "disease": truth["disease"].to_numpy(),
            "time_months": np.round(t / DAYS_PER_MONTH, 3),
            "event": event.astype(int),
        }
    )
