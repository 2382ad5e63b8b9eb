"""Power to tell the two purity explanations apart (docs/study.md): writes power.csv, power.png.

Every cell (hypothesis, size, follow-up) has its own seed stream, so the two grids below give
the same rows as one grid would. Usage: ``python docs/study_hypotheses/run.py [small|large|plot]``
(no argument: both grids, then the plot).
"""

import sys
from pathlib import Path

import pandas as pd

from ifnexus._figures import save_figure
from ifnexus.study._hypotheses import hypothesis_power, plot_hypothesis_power

here = Path(__file__).parent
what = sys.argv[1] if len(sys.argv) > 1 else "all"
if what in ("all", "small"):
    t = hypothesis_power(sizes=(100, 200, 400, 800), followups=(2.0, 5.0), studies=30, seed=17)
    t.to_csv(here / "power_small.csv", index=False)
if what in ("all", "large"):
    t = hypothesis_power(sizes=(1600, 3200), followups=(5.0,), studies=30, seed=17)
    t.to_csv(here / "power_large.csv", index=False)
if what in ("all", "plot"):
    tab = pd.concat([pd.read_csv(here / "power_small.csv"), pd.read_csv(here / "power_large.csv")])
    tab = tab.sort_values(["hypothesis", "followup_years", "n_patients"])
    tab.to_csv(here / "power.csv", index=False)
    (here / "power_small.csv").unlink()
    (here / "power_large.csv").unlink()
    save_figure(plot_hypothesis_power(tab), here / "power.png")
    print(tab.to_string(index=False))
