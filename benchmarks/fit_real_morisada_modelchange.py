"""Why the Morisada 2018 fits moved with the model: the previous estimates under today's model.

The previous fits (``docs/fit_real/<line>/estimates.csv`` as committed at ``91b221c``, made
with the model of ``8482229``) are evaluated under the installed model (one Laplace
evaluation each, fit set only), as is and with one new mechanism switched off at a time:
the baseline tumour-specific T-cell response (``w_b = 0``) and the Serpinb9-like resistance
state (``theta_S = 0``). If a switch brings ``-2 log L`` back to the previous fit's value
(MOC1 447.59, MC38 133.21), that mechanism is what moved the fit.

Run: ``nice -n 10 .venv/bin/python benchmarks/fit_real_morisada_modelchange.py`` (about 20 s of
CPU); prints one line per line and setting.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.fit import GrowthProblem, read_arms, read_growth

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = "91b221c"  # last commit holding the fits made with the model of 8482229
FREE = ("r", "n0", "alpha", "e_kill")
RANDOM = ("n0", "r")
SETTINGS = {
    "current model": {},
    "w_b = 0 (no baseline response)": {"w_b": 0.0},
    "theta_S = 0 (no Serpinb9-like state)": {"theta_S": 0.0},
    "w_b = 0, theta_S = 0": {"w_b": 0.0, "theta_S": 0.0},
}


def previous_estimates(line: str) -> pd.Series:
    """The previous fit's estimates of ``line`` from git."""
    text = subprocess.run(
        ["git", "show", f"{PREVIOUS}:docs/fit_real/{line}/estimates.csv"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return pd.read_csv(io.StringIO(text)).set_index("parameter")["estimate"]


def main() -> None:
    """Print -2 log L at the previous estimates under each setting."""
    for line in ("moc1", "mc38"):
        est = previous_estimates(line)
        folder = ROOT / "tests" / "data" / f"morisada2018_{line}"
        data = read_growth(folder / "growth_fit.csv", read_arms(folder / "arms.csv"))
        for label, over in SETTINGS.items():
            prob = GrowthProblem(data, free=FREE, random=RANDOM, params=over)
            x = prob.transformed(np.array([float(est[n]) for n in prob.names]))
            print(f"{line}\t{label}\t{prob(x):.3f}", flush=True)


if __name__ == "__main__":
    main()
