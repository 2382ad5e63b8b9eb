"""Derive the SLE / healthy blood matrices in this folder from the pathMED R package's refData.

Source: github.com/jordimartorell/pathMED (Martorell-Marugan et al.; GPL-2), commit
f5853fdb128740fe062ea445e00305aa899255b6, file ``data/refData.RData``: four public SLE blood
cohorts, 20 patients and 10 healthy controls each, log2 expression of ~1,300 genes, as the
package ships them. Reading an R list needs the ``rdata`` package (not an ifnexus dependency;
run this in any environment that has ``rdata`` and ``pandas``)::

    git --git-dir <pathMED git dir> show f5853fdb:data/refData.RData > /tmp/refData.RData
    python tests/data/sle_blood/derive.py /tmp/refData.RData <path to ifnexus genesets data>

The rows are kept to the genes of ISG.RS, IFNA_ACUTE_SPECIFIC, Hallmark IFN-alpha, IFNG6, CGAS
and STING1 (values unchanged, 4 decimals). Writes ``dataset1..4.tsv.gz`` and ``samples.tsv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SETS = ("ISG.RS.tsv", "IFNA_ACUTE_SPECIFIC.tsv", "HALLMARK_INTERFERON_ALPHA_RESPONSE.tsv",
        "IFNG6_AYERS2017.tsv")  # fmt: skip


# the two Cheon 2013 programmes of ifnexus.singlecell (ACUTE_PROGRAMME, SUSTAINED_PROGRAMME)
PROGRAMMES = {"IFIT1", "IFIT2", "IFIT3", "RSAD2", "CXCL10", "CXCL11", "OASL", "CMPK2", "HERC5",
              "IFIH1", "RIGI", "DDX58", "ISG20", "IFI27", "BST2", "OAS1", "OAS2", "OAS3", "MX1",
              "MX2", "IFI44", "IFI44L", "IFI6", "STAT1", "STAT2", "IRF9", "IRF7", "ISG15",
              "USP18", "PLSCR1", "LGALS3BP"}  # fmt: skip


def _genes(folder: Path) -> set[str]:
    out = {"CGAS", "STING1", "MB21D1", "TMEM173"} | PROGRAMMES
    for name in SETS:
        rows = [ln for ln in (folder / name).read_text().splitlines() if ln and ln[0] != "#"]
        out |= {ln.split("\t")[0] for ln in rows}
    return out


def main(rda: Path, sets_folder: Path) -> None:
    import rdata  # only needed to derive

    ref = rdata.read_rda(str(rda))["refData"]
    keep = _genes(sets_folder)
    rows = []
    for i in "1234":
        x = ref[f"dataset{i}"]
        meta = ref[f"metadata{i}"]
        x = x.loc[sorted(g for g in x.index if g in keep)]
        x.round(4).to_csv(HERE / f"dataset{i}.tsv.gz", sep="\t", index_label="gene")
        for s, g in zip(meta["samples"], meta["group"], strict=True):
            rows.append({"sample": str(s), "dataset": f"dataset{i}",
                         "group": "SLE" if str(g) == "Disease_sample" else "healthy"})  # fmt: skip
    pd.DataFrame(rows).to_csv(HERE / "samples.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
