"""Hits at FDR 0.05 on real screens with known negatives: how many negatives get called.

* HAP1 TKOv3 (``tests/data/hap1_tkov3_hart2017``): hits among CEGv2 (positives) and NEGv1
  (negatives) for the mixture on log2 enrichments and on MAGeCK sgRNA z, with the null of the
  142 non-cutting controls (EGFP, LacZ, luciferase) or the bulk null, and for RRA
  (``neg|fdr`` < 0.05).
* Rosenbluh 2017 CRISPRi (``tests/data/rosenbluh2017_crispri_ko``), the draws of
  ``benchmarks/screen_mixture_vs_rra.py`` (seeds 0-4 per held-out arm; seeds 0-59 of the
  development arm, HT29, whose first 5 draws alone are optimistic): hits among the 9 CEGv2 genes and
  the 100 negative pseudogenes, all hits, per draw; development arm (HT29) and held-out arms
  apart.

Each mixture is run with the defaults (``null_tail="robust"``, ``min_active=2``; hits at FDR
0.05 and, as a second row, at 0.01) and, as an ablation, with one of the two changes undone (``null_tail="fitted"``; ``min_active=0``).
The numbers of the model before these changes are in git history (``real_fdr.csv`` at
commit 57056a6) and in ``docs/screen.md``.

Writes ``docs/screen_mixture/real_fdr.csv``. Usage: python benchmarks/screen_mixture_real_fdr.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import screen_mixture_vs_rra as B  # noqa: E402

from ifnexus.screen import (  # noqa: E402
    mageck_test,
    mixture_gene_calls,
    sgrna_phenotype,
    sgrna_z_scores,
)

VARIANTS = {"": {}, ", fitted tail": {"null_tail": "fitted"}, ", min_active 0": {"min_active": 0}}


def _calls(counts, before, after, is_ctrl, nulls, variants=VARIANTS):
    """Hit sets: mixture (lfc, z) x null x variant, and RRA at FDR 0.05."""
    lfc = np.mean([sgrna_phenotype(counts[before].to_numpy(float), counts[a].to_numpy(float),
                                   is_ctrl) for a in after], axis=0)  # fmt: skip
    res = mageck_test(counts, treatment=after, control=[before])
    z = sgrna_z_scores(res.sgrnas).set_index("sgrna").reindex(counts.index)
    tables = {
        "lfc": pd.DataFrame({"Gene": counts["Gene"].to_numpy(), "s": lfc, "control": is_ctrl}),
        "z": pd.DataFrame({"Gene": counts["Gene"].to_numpy(), "s": z["z"].to_numpy(),
                           "control": is_ctrl}),
    }  # fmt: skip
    out = {}
    for name, tab in tables.items():
        for null in nulls:
            t = tab if null == "controls" else tab[~tab["control"]]
            for vname, kw in variants.items():
                if null == "bulk" and "null_tail" in kw:
                    continue  # the tail applies to the controls null only
                g = mixture_gene_calls(t, "s", null=null, fdr_method="model", **kw).genes  # type: ignore[arg-type]
                out[f"mixture ({name}, {null} null{vname})"] = set(g.loc[g["hit"], "gene"])
                if not kw:  # the defaults at a stricter FDR
                    strict = set(g.loc[g["fdr"] <= 0.01, "gene"])
                    out[f"mixture ({name}, {null} null, FDR 0.01)"] = strict
    g = res.genes
    out["rra"] = set(g.loc[g["neg|fdr"] < 0.05, "id"])
    return out


def rosenbluh_draw(raw: pd.DataFrame, arm: str, d: int) -> tuple[pd.DataFrame, list[str]]:
    """The counts of draw ``d`` of arm ``arm``: 5 guides per gene, 100 five-guide pseudogenes of
    non-targeting guides and 489 non-targeting controls (the draws of screen_mixture_vs_rra.py)."""
    ctrl_rows = np.flatnonzero((raw["Category"] == "control").to_numpy())
    _cell, _mod, reps, cat = B.ARMS[arm]
    pool = raw[raw["Category"] == cat]
    rng = np.random.default_rng(d)
    pick = np.concatenate([rng.choice(idx, min(5, idx.size), replace=False)
                           for idx in pool.groupby("Gene").indices.values()])  # fmt: skip
    perm = rng.permutation(ctrl_rows)
    nt, ps = perm[:489], perm[489:]
    pseudo = np.concatenate([rng.choice(ps, 5, replace=False) for _ in range(100)])
    table = pd.concat([
        pool.iloc[pick],
        raw.iloc[pseudo].assign(Gene=np.repeat([f"pseudo_{i:03d}" for i in range(100)], 5)),
        raw.iloc[nt].assign(Gene="non-targeting"),
    ])  # fmt: skip
    counts = pd.DataFrame({"Gene": table["Gene"].to_numpy()},
                          index=pd.Index([f"g{i}" for i in range(len(table))], name="sgRNA"))  # fmt: skip
    for col in ["DNA_Pool", *reps]:
        counts[col] = table[col].to_numpy(float)
    return counts, reps


def main() -> None:
    warnings.simplefilter("ignore")
    ceg, neg = B.reference_genes()
    rows = []
    c = pd.read_csv(B.DATA / "hap1_tkov3_hart2017" / "counts.tsv.gz", sep="\t")
    c = c.rename(columns={"GENE": "Gene"}).set_index("SEQUENCE")
    ctrl = c["Gene"].isin(["EGFP", "LacZ", "luciferase"]).to_numpy()
    c.loc[ctrl, "Gene"] = "non-targeting"
    reps = ["HAP1_T18A", "HAP1_T18B", "HAP1_T18C"]
    genes = set(c["Gene"])
    for method, h in _calls(c, "HAP1_T0", reps, ctrl, ("controls", "bulk")).items():
        rows.append({"screen": "HAP1 TKOv3 (held out)", "method": method, "hits": len(h),
                     "positives_called": len(h & ceg), "positives": len(ceg & genes),
                     "negatives_called": len(h & neg), "negatives": len(neg & genes)})  # fmt: skip
    raw = pd.read_csv(B.DATA / "rosenbluh2017_crispri_ko" / "counts.tsv.gz", sep="\t")
    acc: dict[tuple[str, str], list[float]] = {}
    for arm in ("HT29 CRISPRi", "A549 CRISPRi", "MIAPACA2 CRISPRi", "A375 CRISPRi",
                "A375 CRISPRi (pHR)"):  # fmt: skip
        label = "Rosenbluh CRISPRi, HT29 (development)" if arm.startswith("HT29") else (
            "Rosenbluh CRISPRi, 4 held-out arms")  # fmt: skip
        for d in range(60 if arm.startswith("HT29") else 5):
            counts, reps = rosenbluh_draw(raw, arm, d)
            is_ctrl = (counts["Gene"] == "non-targeting").to_numpy()
            for method, h in _calls(counts, "DNA_Pool", reps, is_ctrl, ("controls",)).items():
                v = acc.setdefault((label, method), [0.0, 0.0, 0.0, 0.0])
                v[0] += len(h)
                v[1] += len(h & ceg)
                v[2] += sum(x.startswith("pseudo_") for x in h)
                v[3] += 1
    for (label, method), v in acc.items():
        rows.append({"screen": f"{label}, per draw", "method": method, "hits": v[0] / v[3],
                     "positives_called": v[1] / v[3], "positives": 9,
                     "negatives_called": v[2] / v[3], "negatives": 100})  # fmt: skip
    df = pd.DataFrame(rows)
    df.to_csv(ROOT / "docs" / "screen_mixture" / "real_fdr.csv", index=False, float_format="%.2f")
    print(df.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
