"""Draw docs/sc_ifn_state/bouman_hspc_ifna.png from the committed rows (docs/singlecell.md).

Run from the repository root: ``.venv/bin/python tests/data/bouman2024_hspc_ifna/figure.py``.
Left: the fraction of (gene, cluster) pairs of each programme induced at least 2-fold (adjusted
p <= 0.05) at 3 h, 24 h and 72 h after IFN-alpha; right: per gene, the number of the 12 clusters
in which it is induced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._figures import new_figure, save_figure
from ifnexus.singlecell import programme_sets

HERE = Path(__file__).parent
OUT = HERE.parents[2] / "docs" / "sc_ifn_state" / "bouman_hspc_ifna.png"
TIMES = ["3h", "24h", "72h"]
LABELS = {"ifn_isgf3_acute": "acute-only (pISGF3)", "ifn_u_isgf3": "sustained (U-ISGF3)"}


def main() -> None:
    rows = pd.read_csv(HERE / "de_rows.tsv", sep="\t")
    n_clusters = len((HERE / "clusters.txt").read_text().split("\n")[:-1])
    induced = rows[rows["avg_logFC"] <= -1.0]
    fig = new_figure((10, 7))
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    blocks, names, split = [], [], []
    for column, gene_set in programme_sets("mouse").items():
        mine = induced[induced["gene"].isin(gene_set.genes)]
        genes = sorted(mine["gene"].unique())
        counts = (
            mine.groupby(["gene", "time"])["cell_type"].nunique().unstack(fill_value=0)
        ).reindex(index=genes, columns=TIMES, fill_value=0)
        fractions = counts.sum() / (len(genes) * n_clusters)
        left.plot(
            TIMES, fractions.to_numpy(), marker="o", label=f"{LABELS[column]}, {len(genes)} genes"
        )
        blocks.append(counts.to_numpy())
        names += genes
        split.append(len(names))
    left.set_ylim(0, 1)
    left.set_ylabel("(gene, cluster) pairs induced >= 2-fold")
    left.set_xlabel("time after one IFN-alpha injection")
    left.legend(loc="upper right", fontsize=8)
    left.set_title("Bouman 2024 HSPCs, per-cluster DE vs PBS", fontsize=9)
    grid = np.vstack(blocks)
    image = right.imshow(grid, aspect="auto", cmap="Reds", vmin=0, vmax=n_clusters)
    right.axhline(split[0] - 0.5, color="black", linewidth=1)
    right.set_yticks(range(len(names)), names, fontsize=7)
    right.set_xticks(range(len(TIMES)), TIMES)
    for (i, j), value in np.ndenumerate(grid):
        right.text(j, i, str(value), ha="center", va="center", fontsize=6)
    right.set_title("clusters (of 12) where induced; above the line: acute-only", fontsize=9)
    fig.colorbar(image, ax=right, shrink=0.6)
    save_figure(fig, OUT)
    print(OUT)


if __name__ == "__main__":
    main()
