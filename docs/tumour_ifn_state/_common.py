"""What the IFN-state validation scripts of this folder share.

``validate.py``, ``validate_round3.py`` and ``diagnose_blood.py`` call public bulk sets the same
way (against their controls, each control leave-one-out, and with no labels), score the calls
with the same AUROC and refresh their own marked block of ``docs/tumour.md``. The scripts are run
from the repository root (``.venv/bin/python docs/tumour_ifn_state/<script>.py``), which puts
this folder on the import path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from ifnexus.tumour import ifn_state_probabilities

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DATA = ROOT / "tests" / "data"
#: The two calibrations every set is called with.
MODES = ("controls", "no labels (mixture)")


def auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    """AUROC = Mann-Whitney U / (n_pos n_neg)."""
    return float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


def read_expression(folder: str, stem: str, samples: pd.Index) -> pd.DataFrame:
    """Return ``tests/data/<folder>/<stem>.tsv.gz`` (genes x samples), the columns ``samples``."""
    return pd.read_csv(DATA / folder / f"{stem}.tsv.gz", sep="\t", index_col=0)[samples]


def with_controls(expr: pd.DataFrame, ctrl: list[str]) -> pd.DataFrame:
    """Call against ``ctrl``; each control sample itself is called leave-one-out (out of sample)."""
    res = ifn_state_probabilities(expr, controls=ctrl)
    for c in ctrl:
        loo = ifn_state_probabilities(expr, controls=[x for x in ctrl if x != c], min_controls=2)
        res.loc[c] = loo.loc[c]
    return res


def both_ways(
    expr: pd.DataFrame, ctrl: list[str], *, leave_one_out: bool = True
) -> Iterator[tuple[str, pd.DataFrame, str]]:
    """Yield ``(calibration, calls, mode used)`` for each of :data:`MODES`, warnings silenced.

    ``controls`` calls against ``ctrl`` (each control leave-one-out unless ``leave_one_out`` is
    false); ``no labels (mixture)`` calls without labels.
    """
    for mode in MODES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if mode != "controls":
                res = ifn_state_probabilities(expr)
            elif leave_one_out:
                res = with_controls(expr, ctrl)
            else:
                res = ifn_state_probabilities(expr, controls=ctrl)
        yield mode, res, str(res.attrs["ifn_calibration"]["mode"])


def replace_block(marker: str, text: str) -> None:
    """Put ``text`` between the ``<!-- marker:start -->``/``end`` lines of docs/tumour.md."""
    doc = ROOT / "docs" / "tumour.md"
    block = f"<!-- {marker}:start -->\n{text}\n<!-- {marker}:end -->"
    pat = re.compile(rf"<!-- {marker}:start -->.*?<!-- {marker}:end -->", re.S)
    old = doc.read_text()
    if pat.search(old):
        doc.write_text(pat.sub(lambda _: block, old))
