"""Analyse a generated study exactly as a user would: the same ``ifnexus`` commands, on its files.

Each step runs ``python -m ifnexus ...`` in a subprocess (the installed command, not library
shortcuts), so the demo exercises the CLI end to end. A failing step raises with the
command's own error message.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ifnexus._errors import IfnexusError
from ifnexus._io import write_table

Progress = Callable[[str], None]


class PipelineError(IfnexusError, RuntimeError):
    """An analysis command of the study pipeline failed."""


def _run(args: list[str], log: list[dict]) -> str:
    cmd = [sys.executable, "-m", "ifnexus", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    log.append({"command": "ifnexus " + " ".join(args), "returncode": proc.returncode})
    if proc.returncode != 0:
        raise PipelineError(
            f"'ifnexus {' '.join(args)}' failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )
    return proc.stdout


def analyse_study(study: str | Path, *, progress: Progress = lambda _: None) -> list[dict]:
    """Run the analysis commands on ``study/inputs`` into ``study/analysis``; return the command log."""
    d = Path(study)
    inp, ana = d / "inputs", d / "analysis"
    log: list[dict] = []

    progress("ifnexus tumor profile (purity, 9p21, IFN state)")
    _run(
        [
            "tumor",
            "profile",
            "--expression",
            str(inp / "expression.tsv"),
            "--segments",
            str(inp / "segments.tsv"),
            "--build",
            "hg38",
            "--clinical",
            str(inp / "clinical.csv"),
            "--out",
            str(ana / "tumor"),
        ],
        log,
    )

    progress("ifnexus outcome features / cif (local control by tumour features)")
    tumours = pd.read_csv(ana / "tumor" / "tumours.csv")
    clinical = pd.read_csv(inp / "clinical.csv")
    cohort = clinical.merge(
        tumours[["sample", "ifn_state", "TumorPurity", "ifn_cluster_status", "cdkn2a_status"]],
        left_on="patient_id",
        right_on="sample",
        how="inner",
    ).drop(columns="sample")
    write_table(cohort, ana / "outcome" / "cohort.csv")
    _run(
        [
            "outcome",
            "features",
            "--clinical",
            str(inp / "clinical.csv"),
            "--features",
            str(ana / "tumor" / "tumours.csv"),
            "--time",
            "time_months",
            "--event",
            "event",
            "--cause",
            "1",
            "--id",
            "patient_id=sample",
            "--columns",
            "ifn_state,TumorPurity,ifn_cluster_status,cdkn2a_status",
            "--reference",
            "ifn_state=acute-competent,ifn_cluster_status=neutral,cdkn2a_status=neutral",
            "--model",
            "finegray",
            "--out",
            str(ana / "outcome" / "features"),
        ],
        log,
    )
    cif = _run(
        [
            "outcome",
            "cif",
            "--data",
            str(ana / "outcome" / "cohort.csv"),
            "--time",
            "time_months",
            "--event",
            "event",
            "--cause",
            "1",
            "--group",
            "ifn_state",
            "--times",
            "12,24,36,48",
            "--json",
            "--out",
            str(ana / "outcome" / "cif"),
        ],
        log,
    )
    (ana / "outcome" / "cif.json").write_text(cif)
    fg = _run(
        [
            "outcome",
            "finegray",
            "--data",
            str(ana / "outcome" / "cohort.csv"),
            "--time",
            "time_months",
            "--event",
            "event",
            "--cause",
            "1",
            "--covariates",
            "ifn_state,TumorPurity",
            "--categorical",
            "ifn_state",
            "--json",
        ],
        log,
    )  # reference level: first sorted, acute-competent
    (ana / "outcome" / "finegray.json").write_text(fg)

    progress("ifnexus screen test / phenotype (CRISPRi radiation screen)")
    counts = str(inp / "screen_counts.txt")
    (ana / "screen").mkdir(parents=True, exist_ok=True)
    _run(
        [
            "screen",
            "test",
            "-k",
            counts,
            "-t",
            "treated_1,treated_2",
            "-c",
            "untreated_1,untreated_2",
            "-n",
            str(ana / "screen" / "mageck"),
        ],
        log,
    )
    _run(
        [
            "screen",
            "phenotype",
            "-k",
            counts,
            "--t0",
            "T0_1,T0_2",
            "--untreated",
            "untreated_1,untreated_2",
            "--treated",
            "treated_1,treated_2",
            "--doublings",
            "gamma=8,tau=6,rho=3",
            "--control-gene",
            "non-targeting",
            "--fdr",
            "0.05",
            "--out",
            str(ana / "screen" / "phenotype"),
        ],
        log,
    )

    progress("ifnexus sc profile (single-cell IFN and immune states)")
    _run(
        [
            "sc",
            "profile",
            str(inp / "sc_tumours.h5ad"),
            "--species",
            "mouse",
            "--sample-key",
            "sample",
            "--condition-key",
            "condition",
            "--out",
            str(ana / "sc"),
        ],
        log,
    )
    (ana / "commands.json").write_text(json.dumps(log, indent=1))
    return log
