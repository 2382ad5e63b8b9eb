"""Derive counts.tsv.gz, a gene subset of BAGEL2's HAP1 TKOv3 read counts (see README.md).

Keeps every guide of the CEGv2 and NEGv1 genes, of the non-human controls (EGFP, LacZ,
luciferase) and of 3,000 other genes drawn with numpy's default_rng(20171), so that the
screen keeps roughly a genome's mix of essential and other genes.

    .venv/bin/python tests/data/hap1_tkov3_hart2017/derive.py /work/.mirror/hart-lab+bagel/repo
"""

import gzip
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "53388adbb4fb0931e5c9dda135502be19e4555f0"
repo = Path(sys.argv[1])
here = Path(__file__).parent
raw = subprocess.run(
    ["git", "-C", str(repo), "show", f"{COMMIT}:reads_hap1.txt"], check=True, capture_output=True
).stdout
reads = pd.read_csv(io.BytesIO(raw), sep="\t")
ceg = set((here.parent / "hart_reference_genes" / "CEGv2.txt").read_text().split())
neg = set((here.parent / "hart_reference_genes" / "NEGv1.txt").read_text().split())
controls = {"EGFP", "LacZ", "luciferase"}
genes = sorted(set(reads["GENE"]))
others = sorted(set(genes) - ceg - neg - controls)
draw = set(np.random.default_rng(20171).choice(others, 3000, replace=False))
keep = reads["GENE"].isin(ceg | neg | controls | draw)
sub = reads[keep].copy()
for c in sub.columns[2:]:
    sub[c] = sub[c].round().astype(np.int64)  # the source writes integer counts as 239.0
out = here / "counts.tsv.gz"
with open(out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
    gz.write(sub.to_csv(sep="\t", index=False).encode())
print(out, out.stat().st_size, sub.shape, sub["GENE"].nunique())
