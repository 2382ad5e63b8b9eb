"""Derive the small IFN-exposure bulk matrices in this folder from the public source repository.

Source: github.com/ba306/Interferon-signature-discovery-analysis (Aybey, Brors & Staub; CC0 1.0),
commit 334adcbf767f6943073a2fcebf2d2ebc1488dacb, folder ``data/IFN_bulk`` (files redistributed
there from GEO). Run with the repository's git directory (``fetch`` it first)::

    python tests/data/ifn_bulk/derive.py /work/.mirror/ba306+Interferon-signature-discovery-analysis/repo

For every dataset: counts -> log2(CPM + 1) over all genes (library size = sum of gene counts;
HTSeq's ``__`` summary rows dropped; duplicated symbols summed), or log2(x + 1) of the
DESeq2-normalised table (Devlin), THEN kept to the genes of the IFN gene sets used by
``ifnexus.tumour`` (so the subset gives exactly the values of the full matrix). Written as
``<dataset>.tsv.gz`` (genes x samples, 4 decimals) and ``samples.tsv`` (sample, dataset,
stimulus, expected, split).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "334adcbf767f6943073a2fcebf2d2ebc1488dacb"
HERE = Path(__file__).resolve().parent
SETS = (
    "ISG.RS",
    "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "IFNA_ACUTE_SPECIFIC",
    "IRDS_SPECIFIC",
    "IFNG6_AYERS2017",
)
EXTRA = ("CGAS", "STING1", "MB21D1", "TMEM173", "ACTB", "GAPDH")

# decided before any sample was scored: two training datasets (used to set the constants of the
# call) and two held-out datasets (never looked at while tuning)
SPLIT = {"lee_saec": "train", "rai_imr90": "train", "jankowski_hppt": "heldout",
         "devlin_blood": "heldout"}  # fmt: skip


def show(repo: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"{COMMIT}:{path}"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def ls(repo: Path, folder: str) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", str(repo), "ls-tree", "--name-only", f"{COMMIT}:{folder}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [f"{folder}/{x}" for x in out.split()]


def log2cpm(counts: pd.DataFrame) -> pd.DataFrame:
    counts = counts[~counts.index.astype(str).str.startswith("__")]
    counts = counts.groupby(level=0).sum()
    return np.log2(counts / counts.sum(axis=0) * 1e6 + 1.0)


def htseq(repo: Path, folder: str, prefix: str) -> pd.DataFrame:
    cols = {}
    for f in ls(repo, folder):
        name = Path(f).name
        if not (name.startswith("GSM") and prefix in name):
            continue
        s = pd.read_csv(io.BytesIO(show(repo, f)), sep="\t", header=None, index_col=0).iloc[:, 0]
        cols[name.split(prefix)[1].removesuffix(".txt")] = s
    return pd.DataFrame(cols)


def main(repo: Path) -> None:
    from ifnexus.genesets import get_set
    from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME

    progs = set(ACUTE_PROGRAMME.genes) | set(SUSTAINED_PROGRAMME.genes) | {"DDX58"}
    keep = sorted({g for s in SETS for g in get_set(s).genes} | set(EXTRA) | progs)
    data: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    # Lee et al. 2021 (GEO GSE161664): primary small airway epithelial cells, HTSeq counts
    lee = log2cpm(htseq(repo, "data/IFN_bulk/Validation_datasets/Lee", "SAEC_"))
    stim = [c.split("_")[0] for c in lee.columns]
    data["lee_saec"] = (lee, pd.DataFrame({"sample": lee.columns, "stimulus": stim}))

    # Jankowski et al. (GEO series of GSM4923334-48): primary cells (HPPT), HTSeq counts
    jan = log2cpm(htseq(repo, "data/IFN_bulk/Jankowski", "HPPT_"))
    stim = [c.split("_")[0] for c in jan.columns]
    data["jankowski_hppt"] = (jan, pd.DataFrame({"sample": jan.columns, "stimulus": stim}))

    # Rai et al. (GEO GSE74863): IMR90 fibroblasts, IFN-beta 2000 U/ml for 0, 6 or 24 h
    raw = pd.read_csv(io.BytesIO(show(repo, "data/IFN_bulk/Rai/GSE74863_GeneLevel_Raw_data.csv")))
    raw = raw.drop(columns=raw.columns[0]).set_index("gene_symbol")
    raw = raw[raw.index.notna()]
    meta = pd.read_csv(io.BytesIO(show(repo, "data/IFN_bulk/Rai/GSE74863_full_metadata.csv")))
    title = dict(zip(meta["geo_accession"], meta["title"], strict=True))
    rai = log2cpm(raw)
    hours = [title[c].split("_IFN_")[1].split("hrs")[0] for c in rai.columns]
    stim = ["untreated" if h == "0" else f"IFNb_{h}h" for h in hours]
    data["rai_imr90"] = (rai, pd.DataFrame({"sample": rai.columns, "stimulus": stim,
                                            "title": [title[c] for c in rai.columns]}))  # fmt: skip

    # Devlin et al. 2020 (GEO GSE145647): whole blood stimulated ex vivo, DESeq2-normalised
    dev = pd.read_csv(
        io.BytesIO(show(repo, "data/IFN_bulk/Validation_datasets/whole_blood_normalized_counts.txt")),
        sep="\t", index_col=0,
    )  # fmt: skip
    dev = np.log2(dev.groupby(level=0).sum() + 1.0)
    stim = [c.split("_")[1] for c in dev.columns]
    data["devlin_blood"] = (dev, pd.DataFrame({"sample": dev.columns, "stimulus": stim}))

    expected = {"Control": "none", "untreated": "none", "Buffer": "none", "IFNa": "ifn",
                "IFNb": "ifn", "IFNbeta": "ifn", "IFNb_6h": "ifn", "IFNb_24h": "ifn", "IL1b": "none", "IL4": "none", "IL10": "none",
                "IL13": "none"}  # fmt: skip
    samples = []
    for name, (mat, info) in data.items():
        sub = mat.reindex([g for g in keep if g in mat.index])
        sub.round(4).to_csv(HERE / f"{name}.tsv.gz", sep="\t", index_label="gene")
        info = info.assign(dataset=name, split=SPLIT[name])
        info["expected"] = info["stimulus"].map(expected).fillna("other")
        samples.append(info[["sample", "dataset", "stimulus", "expected", "split"]])
    pd.concat(samples).to_csv(HERE / "samples.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
