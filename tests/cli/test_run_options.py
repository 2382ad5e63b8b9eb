"""``--jobs`` / ``--chunk-size`` / ``--scheduler`` become one RunOptions; ``--seed`` >= 0."""

from __future__ import annotations

import json
import os

import pytest

from ifnexus import RunOptions
from ifnexus.cli import main
from ifnexus.cli._options import jobs_value, run_options

SIM = ["simulate", "--schedule", "8Gy x3", "--setting", "mouse", "--patients", "24", "--json"]


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_run_options_from_flags():
    assert run_options(jobs=-1, chunk_size=100, scheduler=None) == RunOptions(
        chunk_size=100, n_jobs=-1
    )
    assert run_options().workers == 1
    assert run_options(jobs=-1).workers == (os.cpu_count() or 1)


def test_simulate_equals_library_and_jobs_do_not_change_results(capsys):
    from ifnexus.model import simulate_cohort

    assert main([*SIM, "--jobs", "1"]) == 0
    one = _json(capsys)
    assert main([*SIM, "--jobs", "-1", "--chunk-size", "5"]) == 0
    assert _json(capsys) == one
    res = simulate_cohort("8Gy x3", setting="mouse", n_patients=24, rng=0)
    lib = res.to_dict() if hasattr(res, "to_dict") else res.summary()
    assert one == json.loads(json.dumps(lib, default=float))


def test_n_jobs_is_a_deprecated_alias(capsys):
    assert main([*SIM, "--jobs", "2"]) == 0
    new = _json(capsys)
    assert main([*SIM, "--n-jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == new
    assert "--n-jobs is deprecated" in captured.err and "--jobs" in captured.err
    assert jobs_value(1, 3) == 3 and jobs_value(4, None) == 4


def test_jobs_and_n_jobs_together_is_a_usage_error(capsys):
    assert main([*SIM, "--jobs", "2", "--n-jobs", "2"]) == 2
    assert "--jobs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["simulate", "--schedule", "8Gy x3", "--seed", "-1"], "--seed"),
        (["simulate", "tcd50", "--doses", "10,20,30", "--seed", "-3"], "--seed"),
        (["simulate", "--schedule", "8Gy x3", "--jobs", "0"], "--jobs"),
        (["simulate", "--schedule", "8Gy x3", "--chunk-size", "0"], "--chunk-size"),
    ],
)
def test_bad_run_option_names_the_flag(capsys, args, flag):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"'{flag}'" in err and "Usage:" in err
