"""Derive the small human-macrophage IFN matrix in this folder from the public source repository.

Source: github.com/hawn-lab/AM_MDM_TB_public (GPL-3.0), commit
0076bde45dc71bcd47e72dace18a17e136ef5709, ``MDM_IFN/data_clean/MDM-IFN_count.RData`` (an edgeR
DGEList: counts of 19,964 Ensembl genes after the authors' rare-gene filter, 30 libraries) and
``MDM_IFN/data_raw/MDM-IFN.metadata.csv`` (donor ``ptID`` and stimulus ``IFN`` per library).
Run with the repository's git directory (``fetch`` it first) and base R on the PATH (``Rscript``
only reads the .RData; no R package is needed)::

    python tests/data/hawn_mdm/derive.py /work/.mirror/hawn-lab+AM_MDM_TB_public/repo

Labels are joined on the library id (``6634.TH.N`` in the metadata = count column
``6634-TH-N``), NOT taken from the DGEList's ``samples`` slot, which is in another order than the
count columns (text vs numeric sort). Library size = column sum over all Ensembl genes; genes
with no or several symbols dropped, the rest summed per symbol; log2(CPM + 1); THEN kept to the
genes of :func:`keep_genes` (the subset holds the values of the full matrix); 4 decimals; gzip.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

COMMIT = "0076bde45dc71bcd47e72dace18a17e136ef5709"
HERE = Path(__file__).resolve().parent
SETS = (
    "ISG.RS",
    "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "IFNA_ACUTE_SPECIFIC",
    "IRDS_SPECIFIC",
    "IFNG6_AYERS2017",
    "ESTIMATE_IMMUNE",
    "ESTIMATE_STROMAL",
)
EXTRA = ("CGAS", "STING1", "ACTB", "GAPDH", "IFNLR1", "IL10RB", "IFNAR1", "IFNAR2", "IFNGR1")
STIMULUS = {"untreated": "untreated", "IFNA8": "IFNa8", "IFNb": "IFNb", "IFNg": "IFNg",
            "IFNL1": "IFNl1", "IFNe": "IFNe"}  # fmt: skip
# written into docs/tumour.md before any call was made (third round)
EXPECTED = {"untreated": "none", "IFNa8": "acute", "IFNb": "acute", "IFNg": "type II",
            "IFNl1": "acute|none", "IFNe": "acute|none"}  # fmt: skip


def show(repo: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"{COMMIT}:{path}"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def keep_genes() -> list[str]:
    """IFN gene sets, the two programmes and the type II genes, ESTIMATE signatures, a few more."""
    from ifnexus.genesets import get_set
    from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME
    from ifnexus.tumour._ifnstate import TYPE2_SPECIFIC

    genes = {g for s in SETS for g in get_set(s).genes}
    genes |= set(ACUTE_PROGRAMME.genes) | set(SUSTAINED_PROGRAMME.genes) | {"DDX58"}
    genes |= set(TYPE2_SPECIFIC.genes) | set(EXTRA)
    return sorted(genes)


def read_counts(repo: Path) -> pd.DataFrame:
    """Counts (Ensembl ids x libraries) with a ``symbol`` column, via base R."""
    with tempfile.TemporaryDirectory() as tmp:
        rdata = Path(tmp) / "dat.RData"
        rdata.write_bytes(show(repo, "MDM_IFN/data_clean/MDM-IFN_count.RData"))
        out, genes = Path(tmp) / "counts.tsv", Path(tmp) / "genes.tsv"
        code = (
            f'e <- new.env(); load("{rdata}", envir = e); x <- unclass(e$dat); '
            f'write.table(x$counts, "{out}", sep = "\\t", quote = FALSE); '
            "s <- vapply(x$genes$symbol, function(v) paste(v, collapse = ';'), ''); "
            f"write.table(data.frame(ensembl_gene_id = x$genes$ensembl_gene_id, symbol = s), "
            f'"{genes}", sep = "\\t", quote = FALSE, row.names = FALSE)'
        )
        subprocess.run(["Rscript", "-e", code], check=True, capture_output=True)
        counts = pd.read_csv(out, sep="\t")
        sym = pd.read_csv(genes, sep="\t", keep_default_na=False, na_values=["NA"])
    counts["symbol"] = counts.index.map(sym.set_index("ensembl_gene_id")["symbol"])
    return counts


def main(repo: Path) -> None:
    counts = read_counts(repo)
    lib = counts.drop(columns="symbol").sum(axis=0)  # library size over all genes
    # genes without a symbol, or with several (the authors' biomaRt table), are then dropped
    ok = counts["symbol"].notna() & (counts["symbol"] != "")
    ok &= ~counts["symbol"].astype(str).str.contains(";")
    counts = counts[ok].groupby("symbol").sum()
    lcpm = np.log2(counts / lib * 1e6 + 1.0)
    meta = pd.read_csv(io.BytesIO(show(repo, "MDM_IFN/data_raw/MDM-IFN.metadata.csv")))
    meta["libID"] = meta["libID"].str.replace(".", "-", regex=False)
    meta = meta.set_index("libID").loc[lcpm.columns]
    stim = meta["IFN"].map(STIMULUS)
    names = meta["ptID"] + "_" + stim
    lcpm.columns = names.to_numpy()
    sub = lcpm.reindex([g for g in keep_genes() if g in lcpm.index])
    sub.round(4).to_csv(HERE / "hawn_mdm.tsv.gz", sep="\t", index_label="gene")
    samples = pd.DataFrame({
        "sample": names.to_numpy(), "library": meta.index, "donor": meta["ptID"].to_numpy(),
        "stimulus": stim.to_numpy(), "dose_ng_ml": meta["IFN_ng.per.ml"].to_numpy(),
        "time_h": 6, "expected": stim.map(EXPECTED).to_numpy(), "split": "heldout",
    })  # fmt: skip
    samples.to_csv(HERE / "samples.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
