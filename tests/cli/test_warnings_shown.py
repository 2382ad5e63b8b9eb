"""On the command line an IfnexusWarning is one ``warning: ...`` line, not Python's format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def run(*args: str) -> subprocess.CompletedProcess:
    """Run the installed console script (warnings are formatted by its entry point)."""
    script = Path(sys.executable).with_name("ifnexus")
    found = shutil.which("ifnexus")
    cmd = [str(script)] if script.is_file() else [found] if found else None
    assert cmd is not None, "the ifnexus console script is not installed"
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120, check=False)


def test_low_coverage_warning_is_one_plain_line(tmp_path):
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(200)]
    expr = pd.DataFrame(rng.gamma(2.0, 2.0, size=(200, 4)), index=genes, columns=list("abcd"))
    expr.index.name = "gene"
    expr.to_csv(tmp_path / "expr.tsv", sep="\t")
    # 20 of the set's 50 genes are measured: scored, with a coverage warning
    half = genes[:20] + [f"MISSING{i}" for i in range(30)]
    (tmp_path / "sets.gmt").write_text("half\tdesc\t" + "\t".join(half) + "\n")
    proc = run(
        "score", str(tmp_path / "expr.tsv"), "--gmt", str(tmp_path / "sets.gmt"),
        "--method", "ssgsea", "--out", str(tmp_path / "out"), "--quiet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    shown = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: gene set 'half'")]
    assert len(shown) == 1 and "20 of 50" in shown[0], proc.stderr
    # not Python's "path.py:LINE: IfnexusWarning: ..." followed by the source line
    assert "IfnexusWarning" not in proc.stderr and ".py:" not in proc.stderr
    assert "Traceback" not in proc.stderr
