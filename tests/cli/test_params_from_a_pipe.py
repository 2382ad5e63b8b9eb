"""``--params`` read from a named pipe, as bash's process substitution gives it.

``docs/model_literature.md`` prints each arm's command with ``--params <(printf '...')`` so
that it runs as is; a pipe is not a regular file, and the text readers refused it ("file not
found") after the TOML readers were merged. Expectation: the in-vitro LQ survival with the
piped ``alpha`` is the closed form ``exp(-alpha d (1 + d / (alpha/beta)))``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ifnexus._textfile import read_toml
from ifnexus.cli import main
from ifnexus.model import parameters

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def _fifo(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.fifo"
    os.mkfifo(path)

    def write() -> None:
        with open(path, "w") as fh:
            fh.write(text)

    threading.Thread(target=write, daemon=True).start()
    return path


def test_read_toml_reads_a_pipe(tmp_path):
    data, text = read_toml(_fifo(tmp_path, "alpha = 0.3\n"), "parameter file")
    assert data == {"alpha": 0.3} and text == "alpha = 0.3\n"


def test_simulate_params_from_a_pipe(tmp_path, capsys):
    fifo = _fifo(tmp_path, "alpha = 0.3\n")
    assert main(["simulate", "--in-vitro", "--doses", "2", "--params", str(fifo), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ab = parameters("patient")["alpha_beta"]
    assert out["lq_surviving_fraction"][0] == pytest.approx(math.exp(-0.3 * 2 * (1 + 2 / ab)))


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_process_substitution_as_printed_in_the_docs():
    exe = Path(sys.executable).with_name("ifnexus")
    line = f"{exe} simulate --in-vitro --doses 2 --params <(printf 'alpha = 0.3\\n') --json"
    res = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    ab = parameters("patient")["alpha_beta"]
    sf = json.loads(res.stdout)["lq_surviving_fraction"][0]
    assert sf == pytest.approx(math.exp(-0.3 * 2 * (1 + 2 / ab)))


def test_a_directory_is_still_refused(tmp_path):
    from ifnexus.errors import InputFormatError

    with pytest.raises(InputFormatError, match="file not found"):
        read_toml(tmp_path, "parameter file")
