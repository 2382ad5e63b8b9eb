"""Derive the small T84 IFN-lambda / IL-22 time-course matrix from the public source repository.

Source: github.com/ashwini-kr-sharma/Boulant-IL22-INFL (Boulant lab; no licence file), commit
882ec784d02a61ab6a8a801cba7eac8af7fefc94, ``data/T84_IL22_INFL_filtered_counts.csv`` (gene
symbols x 48 libraries: Mock, IL22, IFNL, IL22_IFNL at 3, 6, 12, 24 h, triplicates; featureCounts
after the authors' low-count filter, 18,509 genes). Run with the repository's git directory::

    python tests/data/boulant_t84/derive.py /work/.mirror/ashwini-kr-sharma+Boulant-IL22-INFL/repo

Counts -> log2(CPM + 1) over all genes (library size = column sum), THEN kept to the genes of
``tests/data/hawn_mdm/derive.py``'s list (IFN sets, programmes, type II genes, ESTIMATE
signatures); 4 decimals; gzip.
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "882ec784d02a61ab6a8a801cba7eac8af7fefc94"
HERE = Path(__file__).resolve().parent


def expected(stim: str, hours: int) -> str:
    """Labels written into docs/tumour.md before any call was made (third round)."""
    if stim in ("Mock", "IL22"):
        return "none"
    return "acute|undetermined" if hours == 3 else "acute"


def main(repo: Path) -> None:
    spec = importlib.util.spec_from_file_location("hawn", HERE.parent / "hawn_mdm" / "derive.py")
    assert spec is not None and spec.loader is not None
    hawn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hawn)
    raw = subprocess.run(
        ["git", "--git-dir", str(repo), "show",
         f"{COMMIT}:data/T84_IL22_INFL_filtered_counts.csv"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    counts = pd.read_csv(io.BytesIO(raw), index_col=0)
    counts = counts.groupby(level=0).sum()
    lcpm = np.log2(counts / counts.sum(axis=0) * 1e6 + 1.0)
    parts = [c.split(".") for c in lcpm.columns]  # IL22_IFNL.12h.Rep.1
    stim = [p[0] for p in parts]
    hours = [int(p[1].removesuffix("h")) for p in parts]
    names = [f"{s}_{h}h_r{p[3]}" for s, h, p in zip(stim, hours, parts, strict=True)]
    lcpm.columns = names
    keep = [g for g in hawn.keep_genes() if g in lcpm.index]
    lcpm.loc[keep].round(4).to_csv(HERE / "boulant_t84.tsv.gz", sep="\t", index_label="gene")
    samples = pd.DataFrame({
        "sample": names, "stimulus": stim, "time_h": hours,
        "replicate": [int(p[3]) for p in parts],
        "expected": [expected(s, h) for s, h in zip(stim, hours, strict=True)],
        "split": "train",
    })  # fmt: skip
    samples.to_csv(HERE / "samples.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
