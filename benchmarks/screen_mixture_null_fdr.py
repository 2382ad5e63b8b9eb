"""The mixture's FDR from null p-values (``fdr_method="null"``) against the model's own FDR.

``fdr_method="model"`` (the FDR of 0.2) is Efron's tail-area FDR of the model's posteriors, as
CRISPhieRmix computes it: right only if the two-class guide model (inactive guides from the
null, active ones from one normal) is right, and CRISPRi efficacy is continuous.
``fdr_method="null"`` ranks genes by the same posterior but calls them by Benjamini-Hochberg on
p-values that rest on the controls alone: each guide is replaced by its gap among the sorted
non-targeting guides, and the gene statistic's null distribution is simulated from random
gaps, which a null guide exchangeable with the controls falls into with known chances
(conformal p-values). Nothing about the active guides is assumed.

Development (tuning) data only, part ``dev``:

* **Simulations with planted truth** (``screen_mixture_z_diagnosis._simulate``: HT29-shaped z,
  489 controls, 100 null and 34 targeted genes of 5 guides, 20 active), 150 seeds of each
  efficacy model (``two-class``: the model's assumption; ``continuous``: every guide of an
  active gene shifted by a uniform fraction of the effect, as CRISPRi's efficacy varies).
* **Rosenbluh 2017 HT29 CRISPRi**, draws 0-119 of ``screen_mixture_real_fdr.py`` (489 controls
  fit the null, 100 pseudogenes of 5 guides from the other 489 are the known negatives), on
  guide log2 enrichments and MAGeCK sgRNA z.

Held out (part ``heldout``; run once, after the default had been chosen on the development
data): the four Sanson 2018 screens of ``screen_mixture_sanson2018.py`` (CEGv2 / NEGv1 called,
FDP lower and upper estimates as there) and the four held-out Rosenbluh CRISPRi arms, draws
0-4.

Reported per method and level (0.05, 0.01): hits, true / positive genes called, negatives
called, the mean false-discovery proportion over screens (the FDR as Benjamini and Hochberg
define it, E[V / max(R, 1)]) and the pooled share (sum of V over sum of R, which the earlier
tables report).

Writes ``docs/screen_mixture/null_fdr_simulation.csv``, ``null_fdr_ht29.csv`` (dev) and
``null_fdr_heldout.csv`` (held out). Usage: python benchmarks/screen_mixture_null_fdr.py dev
(or heldout).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import screen_mixture_real_fdr as R  # noqa: E402
import screen_mixture_sanson2018 as S  # noqa: E402
import screen_mixture_vs_rra as B  # noqa: E402
import screen_mixture_z_diagnosis as D  # noqa: E402

from ifnexus.screen import mageck_test, mixture_gene_calls, sgrna_z_scores  # noqa: E402
from ifnexus.screen._mixture import _tail_fdr  # noqa: E402

OUT = ROOT / "docs" / "screen_mixture"
LEVELS = (0.05, 0.01)
DRAWS = 20_000  # null genes per gene size (the library default is 100,000)


def _both(table: pd.DataFrame, score: str) -> dict[str, pd.DataFrame]:
    """One fit, both FDRs: the null FDR of the result and the model FDR of its local FDRs."""
    g = mixture_gene_calls(table, score, fdr_method="null", null_draws=DRAWS).genes
    return {"null": g, "model": g.assign(fdr=_tail_fdr(g["local_fdr"].to_numpy()))}


def simulation(seeds: int = 150) -> pd.DataFrame:
    rows = []
    for kind in ("two-class", "continuous"):
        for seed in range(seeds):
            t, truth = D._simulate(seed, kind)
            for method, g in _both(t, "z").items():
                for level in LEVELS:
                    h = set(g.loc[g["fdr"] <= level, "gene"])
                    rows.append({"efficacy": kind, "seed": seed, "method": method, "fdr": level,
                                 "hits": len(h), "false": len(h - truth),
                                 "true": len(h & truth)})  # fmt: skip
    return pd.DataFrame(rows)


def _score_tables(counts: pd.DataFrame, before: str, reps: list[str]) -> dict[str, pd.DataFrame]:
    is_ctrl = (counts["Gene"] == "non-targeting").to_numpy()
    lfc = B.guide_lfc(counts, before, reps, is_ctrl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mageck_test(counts, treatment=reps, control=[before])
    z = sgrna_z_scores(res.sgrnas).set_index("sgrna").reindex(counts.index)["z"].to_numpy()
    genes = counts["Gene"].to_numpy()
    return {
        "log2 enrichment": pd.DataFrame({"Gene": genes, "s": lfc, "control": is_ctrl}),
        "sgRNA z": pd.DataFrame({"Gene": genes, "s": z, "control": is_ctrl}),
    }


def rosenbluh(arms: tuple[str, ...], draws: range, label: str) -> pd.DataFrame:
    ceg, _neg = B.reference_genes()
    raw = pd.read_csv(B.DATA / "rosenbluh2017_crispri_ko" / "counts.tsv.gz", sep="\t")
    rows = []
    for arm in arms:
        for d in draws:
            counts, reps = R.rosenbluh_draw(raw, arm, d)
            for score, tab in _score_tables(counts, "DNA_Pool", reps).items():
                for method, g in _both(tab, "s").items():
                    for level in LEVELS:
                        h = set(g.loc[g["fdr"] <= level, "gene"])
                        rows.append({"screen": label, "arm": arm, "draw": d, "score": score,
                                     "method": method, "fdr": level, "hits": len(h),
                                     "positives": len(h & ceg),
                                     "false": sum(x.startswith("pseudo_") for x in h)})  # fmt: skip
    return pd.DataFrame(rows)


def sanson() -> pd.DataFrame:
    ceg, neg = B.reference_genes()
    rows = []
    for set_name in ("A", "B"):
        for cell in ("HT29", "A375"):
            counts = S.load(set_name, cell)
            genes = set(counts["Gene"]) - {"non-targeting"}
            n_ceg, n_neg = len(ceg & genes), len(neg & genes)
            tables = _score_tables(counts, "pDNA", S.REPS[cell])
            for score, tab in tables.items():
                for method, g in _both(tab, "s").items():
                    for level in LEVELS:
                        h = set(g.loc[g["fdr"] <= level, "gene"])
                        nc = len(h & neg)
                        rows.append({"screen": f"Sanson 2018 Set {set_name} {cell}",
                                     "score": score, "method": method, "fdr": level,
                                     "hits": len(h), "ceg_called": len(h & ceg), "neg_called": nc,
                                     "fdp_lower": nc / max(len(h), 1),
                                     "fdp_upper": nc / n_neg * (len(genes) - n_ceg)
                                     / max(len(h), 1)})  # fmt: skip
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame, by: list[str], n_pos: int | None = None) -> pd.DataFrame:
    d = df.assign(fdp=df["false"] / df["hits"].clip(lower=1))
    agg = d.groupby(by, sort=False).agg(
        screens=("fdp", "size"), hits=("hits", "mean"), false=("false", "mean"),
        mean_fdp=("fdp", "mean"), se_fdp=("fdp", "sem"),
    )  # fmt: skip
    agg["pooled_fdp"] = agg["false"] / agg["hits"]
    if "true" in d:
        agg["recall"] = d.groupby(by, sort=False)["true"].mean() / (n_pos or 1)
    if "positives" in d:
        agg["positives"] = d.groupby(by, sort=False)["positives"].mean()
    return agg


def main(part: str) -> None:
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.process_time()
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        if part == "dev":
            sim = simulation()
            sim.to_csv(OUT / "null_fdr_simulation.csv", index=False)
            print(summarise(sim, ["efficacy", "method", "fdr"], n_pos=20).round(4).to_string())
            ht = rosenbluh(("HT29 CRISPRi",), range(120), "Rosenbluh HT29 CRISPRi (development)")
            ht.to_csv(OUT / "null_fdr_ht29.csv", index=False)
            print(summarise(ht, ["score", "method", "fdr"]).round(4).to_string())
        elif part == "heldout":
            ro = rosenbluh(("A549 CRISPRi", "MIAPACA2 CRISPRi", "A375 CRISPRi",
                            "A375 CRISPRi (pHR)"), range(5), "Rosenbluh CRISPRi, held-out arms")  # fmt: skip
            sa = sanson()
            pd.concat([ro, sa]).to_csv(OUT / "null_fdr_heldout.csv", index=False,
                                       float_format="%.4g")  # fmt: skip
            print(summarise(ro, ["score", "method", "fdr"]).round(4).to_string())
            print(sa.round(4).to_string(index=False))
        else:
            raise SystemExit("usage: screen_mixture_null_fdr.py dev|heldout")
    print(f"cpu {time.process_time() - t0:.0f} s; load {Path('/proc/loadavg').read_text()}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dev")
