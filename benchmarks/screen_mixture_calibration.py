"""Calibration of the guide mixture's FDR on simulated screens with a planted active-guide fraction.

The screens of ``tests/screen/test_mixture.py`` (``simulate``: 2,000 genes x 8 guides, 10% of
genes active, each guide of an active gene active with probability q, active guides
N(-1.5, 0.4), null guides and 1,000 controls from a skewed heavy-tailed Jones-Faddy skew-t),
for q = 0.25, 0.5, 0.75, 1 and seeds 1-5, called with the estimated gene prior (default) and
with CRISPhieRmix's uniform prior. Reports the false-discovery proportion among hits at FDR
0.05, the expected number of active genes (sum of posteriors) against the planted number, and
the mean estimated active fraction of the confidently called planted genes.

Writes ``docs/screen_mixture/calibration.csv``. Usage: python benchmarks/screen_mixture_calibration.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "screen"))

from test_mixture import simulate  # noqa: E402

from ifnexus.screen import mixture_gene_calls  # noqa: E402


def main() -> None:
    rows = []
    for q in (0.25, 0.5, 0.75, 1.0):
        for seed in range(1, 6):
            table, truth, _ = simulate(seed, q=q)
            for prior in ("estimated", "uniform"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    g = mixture_gene_calls(
                        table, "rho", prior=prior, fdr_method="model"
                    ).genes.set_index("gene")
                t = truth.reindex(g.index)
                hits = g["hit"].to_numpy()
                strong = g[t.to_numpy() & (g["posterior"] > 0.99).to_numpy()]
                rows.append({
                    "q": q, "seed": seed, "prior": prior, "planted_active": int(t.sum()),
                    "expected_active": float(g["posterior"].sum()), "hits": int(hits.sum()),
                    "false_discovery_proportion": float((~t[hits]).mean()) if hits.any() else 0.0,
                    "recall": float(hits[t.to_numpy()].mean()),
                    "active_fraction_called": float(strong["active_fraction"].mean()),
                })  # fmt: skip
    df = pd.DataFrame(rows)
    out = ROOT / "docs" / "screen_mixture" / "calibration.csv"
    summary = df.groupby(["q", "prior"]).mean(numeric_only=True).drop(columns="seed").reset_index()
    summary.to_csv(out, index=False, float_format="%.3f")
    print(summary.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
