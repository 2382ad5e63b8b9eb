"""Derive the Morisada et al. 2018 MOC1 growth tables (ifnexus fit format) from the source .mat.

Usage: python derive.py PATH/TO/Morisada_Data.mat   (writes growth.csv and arms.csv beside it)

Source: data/Morisada_Data.mat of github.com/jm-tenorio-pedraza/CIT-SimBiology-Toolbox
(commit 5ee5c8dc924aaeda81a90de415fdcb4a40035771). See README.md for the steps.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.io

HERE = Path(__file__).resolve().parent
DAY0 = 10  # first measurement (paper day 10) = study day 0
ARMS = {
    "Control": ("control", "none", ""),
    "RT_2Gyx10": ("RT 2Gyx10", ",".join(f"{d}:2" for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)), ""),
    "RT_8Gyx2": ("RT 8Gyx2", "0:8,3:8", ""),
    "antiPD1": ("anti-PD-1", "none", "anti-pd1:day=0,dose=1,repeat=5,every=3"),
    "antiPD1_2Gyx10": (
        "RT 2Gyx10 + anti-PD-1",
        ",".join(f"{d}:2" for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)),
        "anti-pd1:day=0,dose=1,repeat=5,every=3",
    ),
    "antiPD1_8Gyx2": ("RT 8Gyx2 + anti-PD-1", "0:8,3:8", "anti-pd1:day=0,dose=1,repeat=5,every=3"),
}


def record_volumes(rec: Any) -> Iterator[tuple[float, float]]:
    """``(day, volume in cm^3)`` of one source record (column 0 of ``dataValue``)."""
    values = np.atleast_2d(rec.dataValue)
    times = np.atleast_1d(rec.dataTime)
    if values.shape[0] != times.size:
        values = values.T
    return zip(times, values[:, 0], strict=True)


def write_tables(rows: list[tuple], arms: dict[str, tuple[str, str, str]], here: Path) -> None:
    """Write ``rows`` (animal, arm, day, volume) as growth_fit.csv and growth_heldout.csv (the
    RT + anti-PD-1 arms) and ``arms`` (source group -> arm, schedule, interventions) as arms.csv.
    """
    growth = pd.DataFrame(rows, columns=["animal", "arm", "day", "volume"])
    growth = growth.sort_values(["arm", "animal", "day"], kind="stable")
    held = growth["arm"].str.contains("anti-PD-1") & growth["arm"].str.startswith("RT")
    growth[~held].to_csv(here / "growth_fit.csv", index=False)
    growth[held].to_csv(here / "growth_heldout.csv", index=False)
    table = pd.DataFrame(
        [(a, s, "", "", i) for a, s, i in arms.values()],
        columns=["arm", "schedule", "genotype", "host", "interventions"],
    )
    table.to_csv(here / "arms.csv", index=False)


def main(src: str) -> None:
    """Write growth_fit.csv, growth_heldout.csv (mm^3, zero volumes kept) and arms.csv."""
    data = scipy.io.loadmat(src, squeeze_me=True, struct_as_record=False)["simBioData"]
    rows = []
    for rec in data:
        arm = ARMS[str(rec.Group)][0]
        for day, vol in record_volumes(rec):  # column 0 = tumour volume, cm^3
            if np.isfinite(vol):
                rows.append((str(rec.Name), arm, int(day) - DAY0, round(float(vol) * 1000.0, 3)))
    write_tables(rows, ARMS, HERE)


if __name__ == "__main__":
    main(sys.argv[1])
