"""Derive the committed rows of the Bouman 2024 HSPC IFN-alpha time course (programme genes).

Run once::

    git -C <bjbouman/time_series_analysis mirror> show \\
        d8ec50e469a59f4164c77f73001a1e682e3152d5:results/response_genes/response_genes_all.csv \\
        > response_genes_all.csv
    python derive.py response_genes_all.csv

The source table is the authors' differential expression of every cluster at 3 h, 24 h and
72 h after one IFN-alpha injection against PBS (edgeR likelihood-ratio test on pseudobulks of
the 4 hashtag replicates per time, through Libra ``run_de``), kept by the authors only where
``|avg_logFC| >= 1`` and ``p_val_adj <= 0.05`` (their ``code/2.1.find_response_genes.R``).

Steps (fixed before the programme rows were read):

1. the old symbol ``Ddx58`` is renamed ``Rigi`` (the current MGI symbol, used by the ifnexus
   programmes); no other symbol is changed;
2. the genes requested are those of the two ifnexus IFN programmes in mouse
   (``programme_sets("mouse")``), written to ``programme_genes.txt``;
3. every source row of a requested gene is kept, columns ``cell_type``, ``gene``, ``avg_logFC``
   (rounded to 4 decimals), ``p_val_adj`` (3 significant digits) and ``time``, written sorted
   (gene, time, cell type) to ``de_rows.tsv``;
4. the clusters of the whole table (every distinct ``cell_type``) are written to
   ``clusters.txt``: the denominator of the test's fractions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ifnexus.singlecell import programme_sets

HERE = Path(__file__).parent
RENAMES = {"Ddx58": "Rigi"}
TIMES = ["3h", "24h", "72h"]


def main(source: str) -> None:
    table = pd.read_csv(source)
    table["gene"] = table["gene"].replace(RENAMES)
    genes = sorted({g for gs in programme_sets("mouse").values() for g in gs.genes})
    (HERE / "programme_genes.txt").write_text("\n".join(genes) + "\n")
    clusters = sorted(table["cell_type"].unique())
    (HERE / "clusters.txt").write_text("\n".join(clusters) + "\n")
    rows = table.loc[
        table["gene"].isin(genes), ["cell_type", "gene", "avg_logFC", "p_val_adj", "time"]
    ]
    rows = rows.assign(
        avg_logFC=rows["avg_logFC"].round(4),
        p_val_adj=rows["p_val_adj"].map(lambda p: float(f"{p:.3g}")),
        time=pd.Categorical(rows["time"], categories=TIMES, ordered=True),
    ).sort_values(["gene", "time", "cell_type"])
    rows.to_csv(HERE / "de_rows.tsv", sep="\t", index=False)
    print(
        f"{len(rows)} rows, {rows['gene'].nunique()} of {len(genes)} genes, {len(clusters)} clusters"
    )


if __name__ == "__main__":
    main(sys.argv[1])
