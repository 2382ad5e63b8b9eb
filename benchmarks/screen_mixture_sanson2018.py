"""Held-out validation of the guide mixture on a new genome-wide CRISPRi screen: Sanson 2018.

Data: ``tests/data/sanson2018_dolcetto_crispri`` (README.md: source, commit, paper, licence,
derivation): the Dolcetto CRISPRi library (dCas9-KRAB; two half-libraries, Set A and Set B,
three guides per gene each, screened as separate pools) in HT29 and A375, plasmid (``pDNA``)
and three endpoint replicates; a gene subset with every CEGv2 and NEGv1 gene, the 496
non-targeting guides of each set and 1,500 other genes.

Fixed before any number of this screen was looked at (it was chosen for this purpose after the
model was last changed, commit 6c9c788): four screens (Set A and Set B x HT29 and A375, each
endpoint replicates vs plasmid, depletion), positives CEGv2 and negatives NEGv1, and the
methods of ``benchmarks/screen_mixture_vs_rra.py`` on the same guides:

* ``mixture`` (guide log2 enrichments, replicates averaged) and ``mixture_z`` (MAGeCK's signed
  sgRNA z of the ``rra`` run), both with the defaults (robust null tail, ``min_active=2``);
  ``mixture_z_fitted_tail`` (``null_tail="fitted"``);
* ``rra``: :func:`ifnexus.screen.mageck_test` (MAGeCK 0.5.9 alpha-RRA, lo-value);
* ``best3_mw``: ScreenProcessing's gene phenotype (mean of the 3 strongest guides: here all
  three) with its Mann-Whitney p against the non-targeting guides, ranked by the discriminant
  score (what ``screen phenotype`` ranks gamma, tau and rho by).

Reported: AUROC, TPR at FPR 1% and 5%, average precision (CEGv2 vs NEGv1), and the calls at FDR
0.05 (and 0.01 for the mixture): hits, CEGv2 and NEGv1 genes among them.

Writes ``docs/screen_mixture/sanson2018_metrics.csv``, ``sanson2018_calls.csv`` and
``sanson2018_tpr.png``; then, added after those had been looked at, the two halves as one
library of six guides per gene (each set's columns scaled to 500 reads per guide first):
``sanson2018_combined_metrics.csv`` and ``sanson2018_combined_calls.csv``. Usage: python benchmarks/screen_mixture_sanson2018.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import screen_mixture_vs_rra as B  # noqa: E402

from ifnexus.screen import (  # noqa: E402
    gene_scores,
    mageck_test,
    mixture_gene_calls,
    sgrna_z_scores,
)

DATA = ROOT / "tests" / "data" / "sanson2018_dolcetto_crispri"
OUT = ROOT / "docs" / "screen_mixture"
REPS = {"HT29": ["HT29_RepA", "HT29_RepB", "HT29_RepC"],
        "A375": ["A375_RepA", "A375_RepB", "A375_RepC"]}  # fmt: skip


def load(set_name: str, cell: str) -> pd.DataFrame:
    """Count table of one set and cell line: index sgRNA, ``Gene``, ``pDNA``, replicates.

    ``set_name="A+B"``: both halves as one 6-guide-per-gene library; each set's columns are
    first scaled to 500 reads per guide (the sets are separate pools and sequencing runs).
    """
    raw = pd.read_csv(DATA / "counts.tsv.gz", sep="\t")
    if set_name == "A+B":
        raw = raw.astype({c: float for c in ["pDNA", *REPS[cell]]})
        for idx in raw.groupby("set").groups.values():
            for c in ["pDNA", *REPS[cell]]:
                col = raw.loc[idx, c].astype(float)
                raw.loc[idx, c] = col * (500.0 * len(idx) / col.sum())
        t = raw.assign(sgRNA=raw["set"] + "_" + raw["sgRNA"])
    else:
        t = raw[raw["set"] == set_name]
    counts = pd.DataFrame({"Gene": t["gene"].replace({"CONTROL": "non-targeting"}).to_numpy()},
                          index=pd.Index(t["sgRNA"].to_numpy(), name="sgRNA"))  # fmt: skip
    for c in ["pDNA", *REPS[cell]]:
        counts[c] = t[c].to_numpy(float)
    return counts


def screen(set_name: str, cell: str, ceg: set[str], neg: set[str]) -> tuple[list, list, object]:
    counts = load(set_name, cell)
    reps = REPS[cell]
    is_ctrl = (counts["Gene"] == "non-targeting").to_numpy()
    genes = counts["Gene"].to_numpy()
    lfc = B.guide_lfc(counts, "pDNA", reps, is_ctrl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mageck_test(counts, treatment=reps, control=["pDNA"])
    z = sgrna_z_scores(res.sgrnas).set_index("sgrna").reindex(counts.index)["z"].to_numpy()
    tables = {
        "mixture": (pd.DataFrame({"Gene": genes, "s": lfc, "control": is_ctrl}), {}),
        "mixture_z": (pd.DataFrame({"Gene": genes, "s": z, "control": is_ctrl}), {}),
        "mixture_z_fitted_tail": (pd.DataFrame({"Gene": genes, "s": z, "control": is_ctrl}),
                                  {"null_tail": "fitted"}),
    }  # fmt: skip
    scores: dict[str, pd.Series] = {}
    calls: list[dict] = []
    label = f"Sanson 2018 Set {set_name} {cell} CRISPRi"
    keep = None
    for name, (tab, kw) in tables.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mix = mixture_gene_calls(tab, "s", fdr_method="model", **kw)  # type: ignore[arg-type]
        if name == "mixture_z":
            keep = mix
        g = mix.genes.set_index("gene")
        scores[name] = g["log_odds"]
        for level in (0.05, 0.01):
            h = set(g.index[g["fdr"] <= level])
            calls.append({"screen": label, "method": name, "fdr": level, "hits": len(h),
                          "ceg_called": len(h & ceg), "neg_called": len(h & neg),
                          "fit": mix.fit.method, "tau": mix.fit.weights["negative"]})  # fmt: skip
    n_genes = len(set(genes) - {"non-targeting"})
    n_ceg, n_neg = len(ceg & set(genes)), len(neg & set(genes))
    gsum = res.genes.set_index("id")
    scores["rra"] = -np.log10(gsum["neg|score"].clip(lower=1e-300))
    h = set(gsum.index[gsum["neg|fdr"] < 0.05])
    calls.append({"screen": label, "method": "rra", "fdr": 0.05, "hits": len(h),
                  "ceg_called": len(h & ceg), "neg_called": len(h & neg)})  # fmt: skip
    tg = ~is_ctrl
    gs = gene_scores(lfc[tg], genes[tg], lfc[is_ctrl], best_n=3)
    disc = np.abs(gs["phenotype"]) * -np.log10(gs["p"].clip(lower=1e-300))
    scores["best3_mw"] = pd.Series(np.where(gs["phenotype"] < 0, disc, -disc), gs.index)
    for c in calls:
        c.update(genes=n_genes, ceg_genes=n_ceg, neg_genes=n_neg)
        # NEGv1 as a sample of the null genes: false hits if every non-CEGv2 gene were null
        c["fdp_upper"] = c["neg_called"] / n_neg * (n_genes - n_ceg) / max(c["hits"], 1)
        c["fdp_lower"] = c["neg_called"] / max(c["hits"], 1)
    evaluated = sorted((ceg | neg) & set(genes))
    positive = np.array([x in ceg for x in evaluated])
    rows = [{"screen": label, "set": set_name, "cell_line": cell, "method": m,
             **B.metrics(s.reindex(evaluated).to_numpy(float), positive)}
            for m, s in scores.items()]  # fmt: skip
    return rows, calls, keep


def figure(metrics: pd.DataFrame, calls: pd.DataFrame) -> None:
    from matplotlib.figure import Figure

    from ifnexus._figures import save_figure

    fig = Figure(figsize=(12, 4.2))
    axes = fig.subplots(1, 3)
    colours = {"mixture": "tab:blue", "mixture_z": "tab:cyan",
               "mixture_z_fitted_tail": "tab:purple", "rra": "tab:orange",
               "best3_mw": "tab:grey"}  # fmt: skip
    screens = list(dict.fromkeys(metrics["screen"]))
    short = [s.replace("Sanson 2018 ", "").replace(" CRISPRi", "") for s in screens]
    for ax, col in zip(axes[:2], ("tpr_fpr1", "tpr_fpr5"), strict=True):
        for j, (m, c) in enumerate(colours.items()):
            v = metrics[metrics["method"] == m].set_index("screen").reindex(screens)[col]
            off = (j - (len(colours) - 1) / 2) * 0.16
            ax.barh(np.arange(len(screens)) + off, v, height=0.16, color=c, label=m)
        ax.set_yticks(np.arange(len(screens)), short, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"CEGv2 recovered at FPR {col[7:]}% (NEGv1)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, frameon=False, loc="lower center", ncol=5)
    c5 = calls[calls["fdr"] == 0.05]
    for j, (m, c) in enumerate(colours.items()):
        v = c5[c5["method"] == m].set_index("screen").reindex(screens)
        share = v["neg_called"] / (v["neg_called"] + v["ceg_called"]).replace(0, np.nan)
        off = (j - (len(colours) - 1) / 2) * 0.16
        axes[2].barh(np.arange(len(screens)) + off, share, height=0.16, color=c)
    axes[2].axvline(0.05, color="black", lw=0.8, ls="--")
    axes[2].set_yticks(np.arange(len(screens)), short, fontsize=8)
    axes[2].invert_yaxis()
    axes[2].set_xlabel("NEGv1 share of the CEGv2 + NEGv1 hits at FDR 0.05\n(RRA: 0-30 hits)")
    fig.suptitle("Held out: Sanson 2018 Dolcetto CRISPRi growth screens (CEGv2 vs NEGv1)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    save_figure(fig, OUT / "sanson2018_tpr.png")


def main() -> None:
    ceg, neg = B.reference_genes()
    rows: list[dict] = []
    calls: list[dict] = []
    t0 = time.perf_counter()
    for set_name in ("A", "B"):
        for cell in ("HT29", "A375"):
            r, c, _ = screen(set_name, cell, ceg, neg)
            rows += r
            calls += c
            print(f"Set {set_name} {cell}: {time.perf_counter() - t0:.0f}s", flush=True)
    metrics = pd.DataFrame(rows)
    call_table = pd.DataFrame(calls)
    OUT.mkdir(parents=True, exist_ok=True)
    metrics.to_csv(OUT / "sanson2018_metrics.csv", index=False, float_format="%.4g")
    call_table.to_csv(OUT / "sanson2018_calls.csv", index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        cols = ["auroc", "tpr_fpr1", "tpr_fpr5", "avg_precision"]
        print(metrics[["screen", "method", *cols]].round(3).to_string(index=False))
        print(metrics.groupby("method", sort=False)[cols].mean().round(3).to_string())
        print(call_table.round(3).to_string(index=False))
    figure(metrics, call_table)
    # added after the four screens above had been run and looked at (not part of the
    # pre-registered evaluation): both halves as one library of six guides per gene
    rows, calls = [], []
    for cell in ("HT29", "A375"):
        r, c, _ = screen("A+B", cell, ceg, neg)
        rows += r
        calls += c
    comb = pd.DataFrame(rows)
    comb.to_csv(OUT / "sanson2018_combined_metrics.csv", index=False, float_format="%.4g")
    pd.DataFrame(calls).to_csv(OUT / "sanson2018_combined_calls.csv", index=False,
                               float_format="%.4g")  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(comb[["screen", "method", "auroc", "tpr_fpr1", "tpr_fpr5", "avg_precision"]]
              .round(3).to_string(index=False))  # fmt: skip
        print(pd.DataFrame(calls).round(3).to_string(index=False))
    print(f"total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
