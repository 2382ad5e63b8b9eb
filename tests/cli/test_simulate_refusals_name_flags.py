"""A refused ``simulate`` names the flag the user typed, and writes nothing (found by the sweep).

``tools/fuzz_model.py`` found refusals that named the library's argument instead of the flag:
``disease='preop' is defined for the patient setting only``, ``margin= is defined for resected
disease only``, ``cannot parse schedule '0:5,0:5'``, ``unknown host 'nudee'`` and, for
``--second-lesion 1e10`` in the mouse setting, ``parameter 'K' ... must be > 'n0_second'``.
The contract (docs/cli.md, "Errors"): ``error: ...`` naming the flag, exit 2, nothing written.
"""

from __future__ import annotations

import pytest

from ifnexus.cli import main
from ifnexus.cli._app import flag_names

BASE = ["simulate", "--patients", "2", "--days", "60", "--quiet"]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--schedule", "8Gy x3", "--setting", "mouse", "--disease", "postop"], "--disease"),
        (["--schedule", "8Gy x3", "--setting", "mouse", "--disease", "preop"], "--disease"),
        (["--schedule", "none", "--disease", "preop", "--days", "400"], "--disease"),
        (["--schedule", "8Gy x3", "--disease", "gros"], "--disease"),
        (["--schedule", "8Gy x3", "--margin", "R1"], "--margin"),
        (["--schedule", "8Gy x3", "--disease", "postop", "--margin", "R2"], "--margin"),
        (["--schedule", "0:5,0:5"], "--schedule"),
        (["--schedule", "60Gyx"], "--schedule"),
        (["--schedule", "8Gy x3", "--host", "nudee"], "--host"),
        (["--schedule", "8Gy x3", "--tumour", "sting-los"], "--tumour"),
        (["--schedule", "8Gy x3", "--intervention", "anti-pd2:day=0"], "--intervention"),
        (["--schedule", "8Gy x3", "--setting", "mouse", "--second-lesion", "1e10"],
         "--second-lesion"),
    ],
)  # fmt: skip
def test_refusal_names_the_flag_and_writes_nothing(tmp_path, capsys, args, flag):
    out = tmp_path / "out"
    assert main([*BASE, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and flag in err and "Traceback" not in err, err
    assert not out.exists() or not any(out.iterdir())


def test_keyword_arguments_in_library_messages_read_as_flags():
    argv = ["simulate", "--schedule", "8Gy x3"]
    assert flag_names("disease='preop' is defined for the patient setting only", argv) == (
        "--disease 'preop' is defined for the patient setting only"
    )
    assert flag_names("margin= is defined for resected disease only", argv) == (
        "--margin is defined for resected disease only"
    )
    # inside a quoted value a key=value is the user's text and stays as it is
    assert flag_names("intervention 'ifn-beta:days=3': x", argv) == (
        "--intervention 'ifn-beta:days=3': x"
    )
