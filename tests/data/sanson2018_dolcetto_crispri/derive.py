"""Derive counts.tsv.gz, a gene subset of Sanson et al. 2018's Dolcetto CRISPRi read counts.

Keeps, for each of the two half-libraries (Set A, Set B: three guides per gene each), every
guide of the CEGv2 and NEGv1 genes, the non-targeting controls (``CONTROL``) and the guides
of 1,500 other genes drawn with numpy's default_rng(2018) (the same genes in both sets), so
that the screen keeps roughly a genome's mix of essential and other genes (see README.md).

    .venv/bin/python tests/data/sanson2018_dolcetto_crispri/derive.py \
        /work/.mirror/nbellive+CRISPRi_screen_HL60_pub/repo
"""

import gzip
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "966c13d17afc57054bd7d37ad6faa27823bdb6e0"
repo = Path(sys.argv[1])
here = Path(__file__).parent


def show(path: str) -> pd.DataFrame:
    raw = subprocess.run(["git", "-C", str(repo), "show", f"{COMMIT}:{path}"], check=True,
                         capture_output=True).stdout  # fmt: skip
    return pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")


ceg = set((here.parent / "hart_reference_genes" / "CEGv2.txt").read_text().split())
neg = set((here.parent / "hart_reference_genes" / "NEGv1.txt").read_text().split())
sets = []
for name in ("A", "B"):
    reads = show(f"data/sanson_2018/sanson_2018_set{name}_rawreads.csv")
    ann = show(f"data/sanson_2018/sanson_2018_set{name}_sgRNA_annotations.csv")
    assert reads["sgRNA"].is_unique and ann["sgRNA"].is_unique
    t = ann[["sgRNA", "gene"]].merge(reads, on="sgRNA", how="inner", validate="one_to_one")
    assert len(t) == len(reads) == len(ann)
    t.insert(0, "set", name)
    sets.append(t)
both = pd.concat(sets, ignore_index=True)
others = sorted(set(both["gene"]) - ceg - neg - {"CONTROL"})
draw = set(np.random.default_rng(2018).choice(others, 1500, replace=False))
sub = both[both["gene"].isin(ceg | neg | draw | {"CONTROL"})]
out = here / "counts.tsv.gz"
with open(out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
    gz.write(sub.to_csv(sep="\t", index=False).encode())
print(out, out.stat().st_size, sub.shape, sub.groupby("set")["gene"].nunique().to_dict())
for name, t in sub.groupby("set"):
    g = set(t["gene"])
    print(name, len(g & ceg), "CEGv2,", len(g & neg), "NEGv1,", int((t["gene"] == "CONTROL").sum()),
          "controls")  # fmt: skip
