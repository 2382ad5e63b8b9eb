"""Derive the Morisada et al. 2018 MC38 growth tables (ifnexus fit format) from the source .mat.

Usage: python derive.py PATH/TO/PI_Tumor_Morisada.mat   (writes the tables beside this file)

Source: data/PI_Tumor_Morisada.mat of github.com/jm-tenorio-pedraza/CIT-SimBiology-Toolbox
(commit 5ee5c8dc924aaeda81a90de415fdcb4a40035771). See README.md for the steps.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import scipy.io

HERE = Path(__file__).resolve().parent
# the record reader and the table writer of the sibling MOC1 derivation (same source layout)
_spec = importlib.util.spec_from_file_location(
    "morisada2018_moc1_derive", HERE.parent / "morisada2018_moc1" / "derive.py"
)
assert _spec is not None and _spec.loader is not None
_moc1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_moc1)
DAY0 = 10  # first caliper measurement (paper day 10) = study day 0
RT2 = ",".join(f"{d}:2" for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11))
PD1 = "anti-pd1:day=0,dose=1,repeat=5,every=3"
ARMS = {  # source group -> (arm, schedule, interventions)
    "MC38_Control": ("control", "none", ""),
    "MC38_2Gyx10": ("RT 2Gyx10", RT2, ""),
    "MC38_8Gyx2": ("RT 8Gyx2", "0:8,3:8", ""),
    "MC38_antiPD1": ("anti-PD-1", "none", PD1),
    "MC38_antiPD1_2Gyx2": ("RT 2Gyx10 + anti-PD-1", RT2, PD1),  # source label typo: 2 Gy x 10
    "MC38_antiPD1_8Gyx2": ("RT 8Gyx2 + anti-PD-1", "0:8,3:8", PD1),
}


def main(src: str) -> None:
    """Write growth_fit.csv, growth_heldout.csv (mm^3) and arms.csv."""
    pi = scipy.io.loadmat(src, squeeze_me=True, struct_as_record=False)["PI"]
    rows = []
    for rec in pi.data:
        group = str(rec.Group)
        if group not in ARMS:
            continue  # the MOC1 records (see ../morisada2018_moc1)
        for day, vol in _moc1.record_volumes(rec):  # column 0: volume, cm^3
            if np.isfinite(vol) and day >= DAY0:  # day 0 is the implantation (volume 0)
                rows.append((str(rec.Name), ARMS[group][0], int(day) - DAY0, round(vol * 1e3, 3)))
    _moc1.write_tables(rows, ARMS, HERE)


if __name__ == "__main__":
    main(sys.argv[1])
