"""Radiobiology against closed forms (LQ, BED, EQD2) and the schedule notation."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import (
    ALPHA_L,
    BETA_L,
    bed,
    eqd2,
    lq_survival,
    lymphocyte_survival,
    parse_schedule,
)


def test_lq_closed_form():
    assert lq_survival(2.0, 0.3, 0.03) == pytest.approx(np.exp(-0.6 - 0.12))
    d = np.array([0.0, 1.0, 8.0])
    np.testing.assert_allclose(lq_survival(d, 0.2, 0.05), np.exp(-0.2 * d - 0.05 * d**2))


def test_lymphocyte_cho2023_values():
    assert ALPHA_L == 0.182 and BETA_L == 0.143
    assert lymphocyte_survival(2.0) == pytest.approx(np.exp(-0.364 - 0.572))


@pytest.mark.parametrize(
    ("text", "n", "d", "ab"),
    [
        ("50Gy/25fx", 25, 2.0, 4.0),
        ("25Gy/5fx", 5, 5.0, 3.0),
        ("8Gy x3", 3, 8.0, 10.0),
        ("20Gy x1", 1, 20.0, 10.0),
        ("35 Gy / 5 fx", 5, 7.0, 4.4),
    ],
)
def test_bed_eqd2_closed_form(text, n, d, ab):
    s = parse_schedule(text)
    assert s.n_fractions == n
    np.testing.assert_allclose(s.doses, d)
    expected_bed = n * d * (1 + d / ab)
    assert bed(s, ab) == pytest.approx(expected_bed)
    assert s.bed(ab) == pytest.approx(expected_bed)
    assert eqd2(s, ab) == pytest.approx(n * d * (d + ab) / (2 + ab))


def test_known_bed_values():
    # 50 Gy in 25 fractions at alpha/beta 10 Gy: BED 60 Gy, EQD2 50 Gy
    assert bed("50Gy/25fx", 10) == pytest.approx(60.0)
    assert eqd2("50Gy/25fx", 10) == pytest.approx(50.0)
    # vectorised over alpha/beta
    np.testing.assert_allclose(bed("20Gy x1", np.array([5.0, 10.0])), [100.0, 60.0])


def test_weekday_convention():
    s = parse_schedule("50Gy/25fx")
    assert s.days[:6].tolist() == [0, 1, 2, 3, 4, 7]
    assert s.last_day == 32  # 5 weeks, Monday to Friday
    assert not np.any(np.isin(s.days % 7, [5, 6]))
    assert parse_schedule("8Gy x3").days.tolist() == [0, 1, 2]
    assert parse_schedule("20Gy x1").days.tolist() == [0]


def test_explicit_list_sorted_and_fractional():
    s = parse_schedule("2:8, 0:8,1.5:8Gy")
    assert s.days.tolist() == [0.0, 1.5, 2.0]
    assert s.total_dose == 24
    assert parse_schedule("none").n_fractions == 0


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("50Gy/0fx", "fractions must be >= 1"),
        ("-8Gy x3", "negative"),
        ("0:8,1:-2", "negative"),
        ("fifty gray", "unrecognised"),
        ("0:8,0:8", "listed twice"),
        ("0:8,x", "not day:dose"),
        ("1:a", "two numbers"),
    ],
)
def test_bad_schedules_name_token_and_forms(bad, needle):
    with pytest.raises(ValidationError, match="accepted forms") as e:
        parse_schedule(bad)
    assert needle in str(e.value)
    assert repr(bad) in str(e.value)


def test_bed_rejects_nonpositive_alpha_beta():
    with pytest.raises(ValidationError):
        bed("20Gy x1", 0)
