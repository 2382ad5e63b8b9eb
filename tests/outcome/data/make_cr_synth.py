"""Write cr_synth.csv: a seeded competing-risks cohort with heavy ties (input of ref_cr_synth.R)."""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240607)
n = 400
grp = rng.choice(["A", "B", "C"], n)
x1 = rng.normal(size=n).round(3)
x2 = rng.integers(0, 2, n)
lp = 0.5 * x1 + 0.4 * x2 + np.select([grp == "B", grp == "C"], [0.3, -0.4], 0.0)
t1 = rng.exponential(10 * np.exp(-lp))
t2 = rng.exponential(25, n)
t3 = rng.exponential(40, n)
c = rng.uniform(2, 30, n)
t = np.minimum.reduce([t1, t2, t3, c])
status = np.select([t == t1, t == t2, t == t3], [1, 2, 3], 0)
pd.DataFrame(
    {
        "time": np.ceil(t).astype(int),  # integer days: many tied times across causes
        "status": status,
        "grp": grp,
        "stratum": rng.integers(1, 3, n),
        "cengrp": rng.integers(1, 3, n),
        "x1": x1,
        "x2": x2,
    }
).to_csv("cr_synth.csv", index=False)
