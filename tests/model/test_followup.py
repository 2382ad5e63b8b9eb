"""Issue 15 item 3: a follow-up that ends before the course does is refused, not reported as control."""

from __future__ import annotations

import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort, tcd50


@pytest.mark.parametrize(("schedule", "days", "course"), [
    ("50Gy/25fx", 10, "32"), ("50Gy/25fx", 32, "32"), ("0:8,7:8", 7, "7"), ("0:8,7:8", 3.5, "7"),
])  # fmt: skip
def test_followup_shorter_than_course_refused(schedule, days, course):
    with pytest.raises(ValidationError, match=rf"^days {days:g} is not longer than the .*{course}"):
        simulate_cohort(schedule, n_patients=4, days=days)


def test_followup_just_after_course_runs():
    r = simulate_cohort("0:8,7:8", setting="mouse", n_patients=4, days=7.5, rng=0)
    assert len(r.patients) == 4
    assert simulate_cohort("20Gy x1", setting="mouse", n_patients=4, days=1, rng=0).days == 1


def test_tcd50_refuses_short_followup():
    with pytest.raises(ValidationError, match="not longer than the radiotherapy course"):
        tcd50("40:70:10", fractions=25, n_patients=4, days=20)


def test_cli_short_followup(tmp_path, capsys):
    out = tmp_path / "o"
    rc = main(["simulate", "--schedule", "50Gy/25fx", "--days", "10", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("error: --days 10 is not longer than the radiotherapy course 50Gy/25fx")
    assert "32 days" in err and "Traceback" not in err
    assert not out.exists()
