"""Validation: gene calls of the guide mixture (``mixture_gene_calls``) against MAGeCK RRA.

Three kinds of screen, each scored by five gene-level methods of this package on the same
guides:

* ``mixture``: :func:`ifnexus.screen.mixture_gene_calls` on the guides' log2 enrichments
  (ScreenProcessing's phenotype, replicates averaged), null from non-targeting guides; genes
  ranked by log posterior odds.
* ``mixture_z``: the same model on MAGeCK's signed sgRNA z-scores
  (:func:`ifnexus.screen.sgrna_z_scores` of the ``rra`` run's sgRNA test), which weigh
  low-count guides less.
* ``mixture_z_fitted_tail``: ``mixture_z`` with ``null_tail="fitted"`` (the skew-t null
  alone, without the outlier part of the default): what the robust tail costs in ranking.
* ``rra``: :func:`ifnexus.screen.mageck_test` (MAGeCK 0.5.9 RRA, byte-identical to MAGeCK) on
  the counts; genes ranked by the RRA lo-value of the tested direction.
* ``best3_mw``: ScreenProcessing's gene score (mean of the 3 strongest guides, Mann-Whitney p
  against non-targeting guides); ranked by the discriminant |phenotype| x -log10 p on the tested
  side.

Data (README.md in each folder gives source, commit, paper, licence, derivation):

1. ``tests/data/rosenbluh2017_crispri_ko``: the same tiling library screened with CRISPRko
   (Cas9, exon guides) and CRISPRi (dCas9-KRAB, TSS guides) in HT29, A549, MIAPACA2 and A375
   (Rosenbluh et al. 2017, Nat Commun 8:15403; CRISPhieRmix's copy). Each draw builds a
   5-guide-per-gene library from the tiling (guides drawn at random, as a designed library
   holds guides of uneven efficacy), splits the 978 control guides at random into 489
   non-targeting controls and 489 from which 100 negative pseudogenes of 5 guides are drawn.
   Positives: targeted genes in Hart's CEGv2; negatives: the pseudogenes; other targeted genes
   are scored but not evaluated. 20 draws per arm (seeds 0-19); gene growth = the endpoint
   replicates against the plasmid pool.
2. ``tests/data/hap1_tkov3_hart2017``: HAP1, TKOv3 genome-wide CRISPRko (4 guides per gene;
   T18 replicates A-C vs T0), a gene subset (CEGv2, NEGv1, controls and 3,000 other genes).
   Positives CEGv2, negatives NEGv1.
3. The simulated genome-wide CRISPRi radiation screen of ``benchmarks/screen_vs_mageck.py``
   (20,000 genes x 10 guides, 70% of guides mostly active and 30% mostly inactive, 60 planted
   radioresistance genes including the cGAS-STING-IFN-I core): rho (irradiated vs untreated),
   positive direction; known truth.

Held out (decided before any real screen was looked at): every Rosenbluh arm except HT29, and
HAP1 TKOv3. Development: Rosenbluh HT29 (both modalities) and the simulations of
``tests/screen/test_mixture.py``. min_guides 2, the quadrature and grid sizes, the skew-t null
and the EM start were set before any real data was read; the truncated active component (after
HT29 CRISPRi), the estimated gene prior (after the simulations) and ``mixture_z`` (after HT29)
came later. A first 2-draw run, before those changes, printed the held-out numbers once
(docs/screen.md says so).

Outputs (``docs/screen_mixture/``): ``metrics.csv`` (one row per dataset x method x draw),
``summary.csv`` (means over draws), ``mixture_fit_ht29_crispri.png``,
``posterior_simulated_rho.png``, ``tpr_at_fpr.png``.

Usage: python benchmarks/screen_mixture_vs_rra.py [--draws 20] [--skip-sim]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
OUT = ROOT / "docs" / "screen_mixture"

ARMS = {  # arm label: (cell line, modality, replicate columns, guide category)
    "HT29 CRISPRi": ("HT29", "CRISPRi", ["HT29_dCas9_pLX311_Rep1", "HT29_dCas9_pLX311_Rep2"], "TSS"),
    "HT29 CRISPRko": ("HT29", "CRISPRko", ["HT29_Cas9_pLX311_Rep1", "HT29_Cas9_pLX311_Rep2"], "exon"),
    "A549 CRISPRi": ("A549", "CRISPRi", ["A549_dCas9_pLX311_Rep1", "A549_dCas9_pLX311_Rep2"], "TSS"),
    "A549 CRISPRko": ("A549", "CRISPRko", ["A549_Cas9_pLX311_Rep1", "A549_Cas9_pLX311_Rep2"], "exon"),
    "MIAPACA2 CRISPRi": ("MIAPACA2", "CRISPRi",
                         ["MIAPACA2_dCas9_pLX311_Rep1", "MIAPACA2_dCas9_pLX311_Rep2"], "TSS"),
    "MIAPACA2 CRISPRko": ("MIAPACA2", "CRISPRko",
                          ["MIAPACA2_Cas9_pLX311_Rep1", "MIAPACA2_Cas9_pLX311_Rep2"], "exon"),
    "A375 CRISPRi": ("A375", "CRISPRi", ["A375_dCas9_pLX311_Rep1", "A375_dCas9_pLX311_Rep2"], "TSS"),
    "A375 CRISPRi (pHR)": ("A375", "CRISPRi", ["A375_dCas9_pHR_Rep1", "A375_dCas9_pHR_Rep2"], "TSS"),
    "A375 CRISPRko": ("A375", "CRISPRko", ["A375_Cas9_pLX311_Rep1", "A375_Cas9_pLX311_Rep2"], "exon"),
}  # fmt: skip
DEVELOPMENT = {"HT29 CRISPRi", "HT29 CRISPRko"}
FPRS = (0.01, 0.05)


def reference_genes() -> tuple[set[str], set[str]]:
    """Hart's CEGv2 (essential) and NEGv1 (non-essential) gene symbols."""
    d = DATA / "hart_reference_genes"
    return set((d / "CEGv2.txt").read_text().split()), set((d / "NEGv1.txt").read_text().split())


def metrics(score: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    """AUROC, TPR at FPR 1% and 5% (strictly above the negatives' cut), average precision."""
    from scipy.stats import rankdata

    score = np.where(np.isfinite(score), score, -np.inf)
    pos, neg = score[positive], score[~positive]
    r = rankdata(score)
    n1, n0 = pos.size, neg.size
    out = {"auroc": float((r[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))}
    ns = np.sort(neg)[::-1]
    for f in FPRS:
        k = int(np.floor(f * n0))  # negatives allowed above the cut
        cut = ns[k] if k < n0 else -np.inf
        out[f"tpr_fpr{int(f * 100)}"] = float((pos > cut).mean())
    order = np.argsort(-score, kind="stable")
    hits = positive[order]
    prec = np.cumsum(hits) / np.arange(1, hits.size + 1)
    out["avg_precision"] = float(prec[hits].mean())
    out["n_pos"], out["n_neg"] = float(n1), float(n0)
    return out


def guide_lfc(
    counts: pd.DataFrame, before: str, after: list[str], is_ctrl: np.ndarray
) -> np.ndarray:
    """ScreenProcessing phenotype of each guide (before -> after), replicates averaged."""
    from ifnexus.screen import sgrna_phenotype

    reps = [sgrna_phenotype(counts[before].to_numpy(float), counts[a].to_numpy(float), is_ctrl)
            for a in after]  # fmt: skip
    return np.mean(np.vstack(reps), axis=0)


def score_methods(
    counts: pd.DataFrame,
    before: list[str],
    after: list[str],
    lfc: np.ndarray,
    is_ctrl: np.ndarray,
    direction: str,
) -> tuple[dict[str, pd.Series], object]:
    """Gene scores (large = hit) of the four methods; and the mixture result."""
    from ifnexus.screen import gene_scores, mageck_test, mixture_gene_calls, sgrna_z_scores

    sign = -1.0 if direction == "negative" else 1.0
    guides = pd.DataFrame({"Gene": counts["Gene"].to_numpy(), "lfc": lfc, "control": is_ctrl})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mix = mixture_gene_calls(guides, "lfc", direction=direction, fdr_method="model")  # type: ignore[arg-type]
    out = {"mixture": mix.genes.set_index("gene")["log_odds"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mageck_test(counts, treatment=after, control=before)
    sg = sgrna_z_scores(res.sgrnas).set_index("sgrna").reindex(counts.index)
    zg = pd.DataFrame({"Gene": counts["Gene"].to_numpy(), "z": sg["z"], "control": is_ctrl})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mix_z = mixture_gene_calls(zg, "z", direction=direction, fdr_method="model")  # type: ignore[arg-type]
    out["mixture_z"] = mix_z.genes.set_index("gene")["log_odds"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mix_zf = mixture_gene_calls(
            zg,
            "z",
            direction=direction,  # type: ignore[arg-type]
            null_tail="fitted",
            fdr_method="model",
        )
    out["mixture_z_fitted_tail"] = mix_zf.genes.set_index("gene")["log_odds"]
    g = res.genes.set_index("id")
    col = "neg|score" if direction == "negative" else "pos|score"
    out["rra"] = -np.log10(g[col].clip(lower=1e-300))
    tg = ~is_ctrl
    gs = gene_scores(lfc[tg], counts["Gene"].to_numpy()[tg], lfc[is_ctrl], best_n=3)
    disc = np.abs(gs["phenotype"]) * -np.log10(gs["p"].clip(lower=1e-300))
    out["best3_mw"] = pd.Series(np.where(sign * gs["phenotype"] > 0, disc, -disc), gs.index)
    return out, mix


def rosenbluh(draws: int, ceg: set[str], arms: list[str]) -> tuple[list[dict], object]:
    raw = pd.read_csv(DATA / "rosenbluh2017_crispri_ko" / "counts.tsv.gz", sep="\t")
    ctrl_rows = np.flatnonzero((raw["Category"] == "control").to_numpy())
    rows: list[dict] = []
    keep_mix = None
    for arm in arms:
        _cell, modality, reps, cat = ARMS[arm]
        t0 = time.perf_counter()
        pool = raw[raw["Category"] == cat]
        for d in range(draws):
            rng = np.random.default_rng(d)
            pick = np.concatenate([rng.choice(idx, min(5, idx.size), replace=False)
                                   for idx in pool.groupby("Gene").indices.values()])  # fmt: skip
            lib = pool.iloc[pick]
            perm = rng.permutation(ctrl_rows)
            nt, ps = perm[:489], perm[489:]
            pseudo = np.concatenate([rng.choice(ps, 5, replace=False) for _ in range(100)])
            table = pd.concat([
                lib.assign(Gene=lib["Gene"]),
                raw.iloc[pseudo].assign(Gene=np.repeat([f"pseudo_{i:03d}" for i in range(100)], 5)),
                raw.iloc[nt].assign(Gene="non-targeting"),
            ])  # fmt: skip
            ids = [f"g{i}" for i in range(table.shape[0])]
            counts = pd.DataFrame(
                {"Gene": table["Gene"].to_numpy()}, index=pd.Index(ids, name="sgRNA")
            )
            for c in ["DNA_Pool", *reps]:
                counts[c] = table[c].to_numpy(float)
            is_ctrl = (counts["Gene"] == "non-targeting").to_numpy()
            lfc = guide_lfc(counts, "DNA_Pool", reps, is_ctrl)
            scores, mix = score_methods(counts, ["DNA_Pool"], reps, lfc, is_ctrl, "negative")
            if arm == "HT29 CRISPRi" and d == 0:
                keep_mix = mix
            genes = sorted({g for g in counts["Gene"] if g != "non-targeting"})
            evaluated = [g for g in genes if g in ceg or g.startswith("pseudo_")]
            positive = np.array([g in ceg for g in evaluated])
            for method, s in scores.items():
                m = metrics(s.reindex(evaluated).to_numpy(float), positive)
                rows.append({"dataset": f"Rosenbluh 2017 {arm}", "modality": modality,
                             "held_out": arm not in DEVELOPMENT, "method": method, "draw": d, **m})  # fmt: skip
        print(f"{arm}: {draws} draws in {time.perf_counter() - t0:.1f}s", flush=True)
    return rows, keep_mix


def hap1(ceg: set[str], neg: set[str]) -> list[dict]:
    counts = pd.read_csv(DATA / "hap1_tkov3_hart2017" / "counts.tsv.gz", sep="\t")
    counts = counts.rename(columns={"GENE": "Gene"}).set_index("SEQUENCE")
    counts.index.name = "sgRNA"
    ctrl = counts["Gene"].isin(["EGFP", "LacZ", "luciferase"]).to_numpy()
    counts.loc[ctrl, "Gene"] = "non-targeting"
    reps = ["HAP1_T18A", "HAP1_T18B", "HAP1_T18C"]
    lfc = guide_lfc(counts, "HAP1_T0", reps, ctrl)
    scores, _ = score_methods(counts, ["HAP1_T0"], reps, lfc, ctrl, "negative")
    evaluated = sorted((ceg | neg) & set(counts["Gene"]))
    positive = np.array([g in ceg for g in evaluated])
    return [{"dataset": "HAP1 TKOv3 (Hart 2017)", "modality": "CRISPRko", "held_out": True,
             "method": m, "draw": 0, **metrics(s.reindex(evaluated).to_numpy(float), positive)}
            for m, s in scores.items()]  # fmt: skip


def simulated() -> tuple[list[dict], object]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from screen_vs_mageck import build_table

    from ifnexus.screen import phenotypes

    counts, planted, _ = build_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = phenotypes(counts, t0="T0_1,T0_2", untreated="untreated_1,untreated_2",
                        treated="irradiated_1,irradiated_2", control_gene="non-targeting")  # fmt: skip
    is_ctrl = ph.sgrnas["control"].to_numpy(bool)
    lfc = ph.sgrnas["rho"].to_numpy(float)
    scores, mix = score_methods(counts, ["untreated_1", "untreated_2"],
                                ["irradiated_1", "irradiated_2"], lfc, is_ctrl, "positive")  # fmt: skip
    genes = sorted(set(counts["Gene"]) - {"non-targeting"})
    positive = np.array([g in planted for g in genes])
    return [{"dataset": "simulated CRISPRi radiation screen (rho)", "modality": "CRISPRi (sim)",
             "held_out": False, "method": m, "draw": 0,
             **metrics(s.reindex(genes).to_numpy(float), positive)}
            for m, s in scores.items()], mix  # fmt: skip


def figures(summary: pd.DataFrame, fit_mix: object, sim_mix: object | None) -> None:
    from ifnexus._figures import save_figure
    from ifnexus.screen import mixture_fit_plot, posterior_plot

    save_figure(mixture_fit_plot(fit_mix).figure, OUT / "mixture_fit_ht29_crispri.png")  # type: ignore[arg-type]
    if sim_mix is not None:
        save_figure(posterior_plot(sim_mix).figure, OUT / "posterior_simulated_rho.png")  # type: ignore[arg-type]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.8))
    axes = fig.subplots(1, 2, sharey=True)
    ds = list(dict.fromkeys(summary["dataset"]))
    colours = {"mixture": "tab:blue", "mixture_z": "tab:cyan",
               "mixture_z_fitted_tail": "tab:purple", "rra": "tab:orange",
               "best3_mw": "tab:grey"}  # fmt: skip
    for ax, col in zip(axes, ("tpr_fpr1", "tpr_fpr5"), strict=True):
        for j, (m, c) in enumerate(colours.items()):
            v = summary[summary["method"] == m].set_index("dataset").reindex(ds)[col]
            off = (j - (len(colours) - 1) / 2) * 0.16
            ax.barh(np.arange(len(ds)) + off, v, height=0.16, color=c, label=m)
        ax.set_yticks(np.arange(len(ds)), [d.replace("Rosenbluh 2017 ", "") for d in ds],
                      fontsize=7)  # fmt: skip
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"TPR at FPR {col[7:]}%")
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    fig.suptitle("essential (CEGv2) or planted genes recovered at a fixed false-positive rate")
    fig.tight_layout()
    save_figure(fig, OUT / "tpr_at_fpr.png")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--skip-sim", action="store_true")
    ap.add_argument("--dev-only", action="store_true",
                    help="only the development screens (Rosenbluh HT29); writes nothing")  # fmt: skip
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ceg, neg = reference_genes()
    t0 = time.perf_counter()
    if args.dev_only:
        rows, _ = rosenbluh(args.draws, ceg, sorted(DEVELOPMENT))
        dev = pd.DataFrame(rows).groupby(["dataset", "method"], sort=False)
        print(dev[["auroc", "tpr_fpr1", "tpr_fpr5", "avg_precision"]].mean().round(3).to_string())
        return
    rows, fit_mix = rosenbluh(args.draws, ceg, list(ARMS))
    rows += hap1(ceg, neg)
    print(f"HAP1 done at {time.perf_counter() - t0:.0f}s", flush=True)
    sim_mix = None
    if not args.skip_sim:
        sim_rows, sim_mix = simulated()
        rows += sim_rows
    table = pd.DataFrame(rows)
    table.to_csv(OUT / "metrics.csv", index=False, float_format="%.4g")
    cols = ["auroc", "tpr_fpr1", "tpr_fpr5", "avg_precision"]
    summary = (table.groupby(["dataset", "modality", "held_out", "method"], sort=False)[cols]
               .mean().reset_index())  # fmt: skip
    summary.to_csv(OUT / "summary.csv", index=False, float_format="%.3f")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(summary.round(3).to_string(index=False))
    figures(summary, fit_mix, sim_mix)
    print(f"total {time.perf_counter() - t0:.0f}s; wrote {OUT}")


if __name__ == "__main__":
    main()
