"""``severe_lymphopenia_1mo``: an honest nullable boolean (review of issues #15/#17).

The definition (docs: CTCAE grade 3, ``alc_1mo`` below ``alc_severe``) is only evaluable when
the count at one month is known. Expectations come from that definition: a follow-up shorter
than 30 days or a tumour flagged ``numerical_failure`` has no count at one month, so its value
is NA (not severe, not "not severe"), and the share of severe patients is taken over the
evaluable ones only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ifnexus.model._cohort as cohort_mod
from ifnexus.model import simulate_cohort

COL = "severe_lymphopenia_1mo"


def test_dtype_is_nullable_boolean_and_follows_the_definition():
    # alc0 = 0.4 x 1e9/L (no spread) is below alc_severe (0.5) before any dose: all severe
    low = simulate_cohort("8Gy x1", n_patients=3, setting="patient", days=60, rng=0,
                          params={"alc0": 0.4, "alc0_sigma": 0.0}).patients  # fmt: skip
    assert low[COL].dtype == pd.BooleanDtype()
    assert low[COL].tolist() == [True, True, True]
    # a normal count with one 8 Gy fraction stays far above 0.5 x 1e9/L: none is severe
    pts = simulate_cohort("8Gy x1", n_patients=3, setting="patient", days=60, rng=0).patients
    assert pts[COL].dtype == pd.BooleanDtype()
    assert pts[COL].tolist() == [False, False, False]
    expect = pts["alc_1mo"].to_numpy(float) < 0.5
    np.testing.assert_array_equal(pts[COL].to_numpy(bool), expect)


def test_short_followup_is_not_evaluable_not_severe():
    """20 days of follow-up: no count at 1 month, so NA; it must not count as severe."""
    pts = simulate_cohort("8Gy x1", n_patients=4, setting="patient", days=20, rng=0,
                          params={"alc0": 0.4, "alc0_sigma": 0.0}).patients  # fmt: skip
    assert pts["alc_1mo"].isna().all()
    assert pts[COL].dtype == pd.BooleanDtype()
    assert pts[COL].isna().all()
    # the failure the float 0/1/NaN column had: NaN cast to bool read as severe
    assert pts[COL].sum() == 0
    assert pts[COL].dropna().size == 0


def test_numerical_failure_is_not_evaluable(monkeypatch):
    real = cohort_mod.integrate

    def fake(*args, **kw):
        sol = real(*args, **kw)
        if kw.get("record_rows"):
            sol.z_end[16, :1] = np.inf
        return sol

    monkeypatch.setattr(cohort_mod, "integrate", fake)
    pts = simulate_cohort("8Gy x1", n_patients=4, setting="patient", days=60, rng=0,
                          params={"alc0": 0.4, "alc0_sigma": 0.0}).patients  # fmt: skip
    assert pts["numerical_failure"].tolist() == [True, False, False, False]
    assert pd.isna(pts.loc[0, COL])
    assert pts.loc[1:, COL].tolist() == [True, True, True]
    # share of severe patients among the evaluable: 3 of 3, not 4 of 4 nor 3 of 4
    assert pts[COL].mean() == pytest.approx(1.0)
    assert int(pts[COL].count()) == 3


def test_chunks_and_csv_keep_na(tmp_path):
    """Chunks concatenate as "boolean"; the CSV writes NA as an empty cell (not True/False)."""
    from ifnexus import RunOptions

    res = simulate_cohort("8Gy x1", n_patients=5, setting="patient", days=20, rng=0,
                          options=RunOptions(chunk_size=2))  # fmt: skip
    assert res.patients[COL].dtype == pd.BooleanDtype()
    res.write(tmp_path / "o", figures=False)
    back = pd.read_csv(tmp_path / "o" / "patients.csv")
    assert back[COL].isna().all()


def test_lymphopenia_depends_on_the_schedule_and_the_baseline_count_only():
    """By design (review item 4: not a per-patient value computed once): the circulating count
    relative to before treatment has no per-patient parameter (``blood_exposed``,
    ``blood_dose_share``, ``D0_c``, ``k_alc`` are population scalars), so every patient of a
    cohort whose tumours differ (alpha, clonogens, infiltration, IFN state are drawn) has the
    same relative count, the closed form of the model's equation: a jump
    ``C -> C (1 - f_b (1 - exp(-d b_D / (f_b D0_c))))`` at each fraction and a deficit
    ``1 - C`` decaying with rate ``k_alc`` between them; the absolute count is the patient's
    own baseline count (``alc_baseline``) times it."""
    from ifnexus.model import parameters, parse_schedule

    p = parameters("patient")
    res = simulate_cohort("25Gy/5fx", n_patients=40, setting="patient", days=60, rng=2)
    pts = res.patients
    assert pts["alpha"].std() > 0 and pts["n0"].std() > 0  # the tumours differ
    assert pts["alc_baseline"].std() > 0  # and so do the baseline counts
    s = parse_schedule("25Gy/5fx")
    f, b = p["blood_exposed"], p["blood_dose_share"]
    c, t = 1.0, 0.0
    for day, dose in zip(s.days, s.doses, strict=True):
        c = 1.0 - (1.0 - c) * np.exp(-p["k_alc"] * (day - t))
        c *= 1.0 - f * (1.0 - np.exp(-dose * b / (f * p["D0_c"])))
        t = day
    c = 1.0 - (1.0 - c) * np.exp(-p["k_alc"] * (30.0 - t))
    np.testing.assert_allclose(pts["alc_1mo"], pts["alc_baseline"] * c, rtol=1e-9)
