"""Benchmark: ifnexus.score_sets vs scanpy.tl.score_genes looped over sets on pbmc68k_reduced.

Small, real (scanpy's bundled 700 x 765 PBMC data, .raw log-normalised): the three marker sets
of ../shared/reference/singlecell plus the shipped IFN sets, alternately, ``--repeats`` times;
median wall and CPU seconds, their ratio, and the max |difference| of the scores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import scanpy as sc

from ifnexus.genesets import get_set
from ifnexus.scoring import score_sets

SETS = {
    "tcell": ["CD3D", "CD3E", "CD2", "IL7R", "LCK", "CD7"],
    "bcell": ["CD79A", "CD79B", "MS4A1"],
    "monocyte": ["LYZ", "S100A8", "S100A9", "FCN1"],
    "ifna": list(get_set("IFNA").genes),
    "ifng": list(get_set("IFNG").genes),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args()
    adata = sc.datasets.pbmc68k_reduced()
    times: dict[str, list[tuple[float, float]]] = {"ifnexus": [], "scanpy": []}
    for _ in range(args.repeats):
        w, c = time.perf_counter(), time.process_time()
        ours = score_sets(adata, SETS)
        times["ifnexus"].append((time.perf_counter() - w, time.process_time() - c))
        b = adata.copy()
        w, c = time.perf_counter(), time.process_time()
        for name, genes in SETS.items():
            sc.tl.score_genes(b, genes, score_name=name)
        times["scanpy"].append((time.perf_counter() - w, time.process_time() - c))
    med = {k: np.median(np.array(v), axis=0) for k, v in times.items()}
    diff = float(np.abs(ours.to_numpy() - b.obs[list(SETS)].to_numpy()).max())
    print(pd.DataFrame(med, index=["wall_s", "cpu_s"]).T.to_string())
    print(
        f"ratio scanpy/ifnexus: wall {med['scanpy'][0] / med['ifnexus'][0]:.2f}, "
        f"cpu {med['scanpy'][1] / med['ifnexus'][1]:.2f}; max |diff| {diff:.2e}"
    )


if __name__ == "__main__":
    main()
