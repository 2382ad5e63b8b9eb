"""Analyse a generated study exactly as a user would: the same ``ifnexus`` commands, on its files.

Each step runs ``python -m ifnexus ...`` in a subprocess (the installed command, not library
shortcuts), so the demo exercises the CLI end to end. A failing step raises with the
command's own error message. The commands are kept as the text a user would type.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ifnexus._io import write_table, write_text
from ifnexus.errors import IfnexusError

Progress = Callable[[str], None]

ANALYSE_STEPS: tuple[str, ...] = (
    "ifnexus tumour profile (purity, 9p21, IFN state)",
    "ifnexus outcome features / cif (local control by tumour features)",
    "ifnexus screen test / phenotype (CRISPRi radiation screen)",
    "ifnexus sc profile (single-cell IFN and immune states)",
)
"""The progress messages, one per stage, in order."""


class PipelineError(IfnexusError, RuntimeError):
    """An analysis command of the study pipeline failed."""


def _run(command: str, log: list[dict], **paths: Path) -> str:
    """Run ``ifnexus <command>`` with ``{name}`` placeholders filled by quoted ``paths``."""
    args = shlex.split(command.format(**{k: shlex.quote(str(v)) for k, v in paths.items()}))
    proc = subprocess.run(
        [sys.executable, "-m", "ifnexus", *args], capture_output=True, text=True, check=False
    )
    log.append({"command": "ifnexus " + " ".join(args), "returncode": proc.returncode})
    if proc.returncode != 0:
        raise PipelineError(
            f"'ifnexus {' '.join(args)}' failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )
    return proc.stdout


TUMOR = "tumour profile --expression {inp}/expression.tsv --segments {inp}/segments.tsv --build hg38 --clinical {inp}/clinical.csv --out {ana}/tumour"
FEATURES = (
    "outcome features --clinical {inp}/clinical.csv --features {ana}/tumour/tumours.csv --time time_months "
    "--event event --cause 1 --id patient_id=sample --columns ifn_state,TumorPurity,ifn_cluster_status,cdkn2a_status "
    "--reference ifn_state=acute-competent,ifn_cluster_status=neutral,cdkn2a_status=neutral --model finegray "
    "--out {ana}/outcome/features"
)
CIF = (
    "outcome cif --data {ana}/outcome/cohort.csv --time time_months --event event --cause 1 --group ifn_state "
    "--times 12,24,36,48 --json --out {ana}/outcome/cif"
)
# Fine-Gray's reference level of a categorical covariate is its first sorted level: acute-competent.
FINEGRAY = (
    "outcome finegray --data {ana}/outcome/cohort.csv --time time_months --event event --cause 1 "
    "--covariates ifn_state,TumorPurity --categorical ifn_state --json"
)
MAGECK = "screen test -k {inp}/screen_counts.txt -t treated_1,treated_2 -c untreated_1,untreated_2 -n {ana}/screen/mageck"
PHENOTYPE = (
    "screen phenotype -k {inp}/screen_counts.txt --t0 T0_1,T0_2 --untreated untreated_1,untreated_2 "
    "--treated treated_1,treated_2 --doublings gamma=8,tau=6,rho=3 --control-gene non-targeting --fdr 0.05 "
    "--out {ana}/screen/phenotype"
)
SC = "sc profile {inp}/sc_tumours.h5ad --species mouse --sample-key sample --condition-key condition --out {ana}/sc"


def analyse_study(study: str | Path, *, progress: Progress = lambda _: None) -> list[dict]:
    """Run the analysis commands on ``study/inputs`` into ``study/analysis``; return the command log."""
    d = Path(study)
    p = {"inp": d / "inputs", "ana": d / "analysis"}
    log: list[dict] = []

    progress(ANALYSE_STEPS[0])
    _run(TUMOR, log, **p)

    progress(ANALYSE_STEPS[1])
    tumours = pd.read_csv(p["ana"] / "tumour" / "tumours.csv")
    clinical = pd.read_csv(p["inp"] / "clinical.csv")
    keep = ["sample", "ifn_state", "TumorPurity", "ifn_cluster_status", "cdkn2a_status"]
    cohort = clinical.merge(tumours[keep], left_on="patient_id", right_on="sample", how="inner")
    write_table(cohort.drop(columns="sample"), p["ana"] / "outcome" / "cohort.csv")
    _run(FEATURES, log, **p)
    write_text(p["ana"] / "outcome" / "cif.json", _run(CIF, log, **p))
    write_text(p["ana"] / "outcome" / "finegray.json", _run(FINEGRAY, log, **p))

    progress(ANALYSE_STEPS[2])
    (p["ana"] / "screen").mkdir(parents=True, exist_ok=True)
    _run(MAGECK, log, **p)
    _run(PHENOTYPE, log, **p)

    progress(ANALYSE_STEPS[3])
    _run(SC, log, **p)
    write_text(p["ana"] / "commands.json", json.dumps(log, indent=1))
    return log
