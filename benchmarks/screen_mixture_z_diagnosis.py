"""Why the mixture's FDR is optimistic on CRISPRi sgRNA z-scores: diagnosis on tuning data only.

Two checks (issue #14 item 5), on the development screen and on simulations, never on the
held-out screens:

1. **Is the guide-level null right?** Rosenbluh 2017 HT29 CRISPRi (development), draws 0-19 of
   ``benchmarks/screen_mixture_vs_rra.py``: the null is fitted to 489 non-targeting guides
   (skew-t, as ``mixture_gene_calls``); the other 489 controls, never used in the fit (those
   the pseudogenes are drawn from), are held out, and the share of them below the fitted
   null's 0.5%, 1%, 2% and 5% quantiles is counted, for MAGeCK's sgRNA z and for log2
   enrichments. A calibrated null gives the nominal shares.
2. **Does CRISPRi's continuous guide efficacy break the two-class guide model?** Simulated
   screens shaped like the development screen on the z scale (the skew-t null fitted to HT29
   z, 489 controls, 100 null genes and 34 targeted genes of 5 guides, 20 of them active,
   effect -3 in z): active guides either two-class (each guide of an active gene active with
   probability 0.6, effect N(-3, 1): the model's assumption) or continuous (every guide of an
   active gene shifted by e x (-3), e ~ U(0, 1): efficacy varying by guide, as CRISPRi's
   does). 30 screens each; false-discovery proportion of the hits at FDR 0.05 and 0.01.

Writes ``docs/screen_mixture/z_null_calibration.csv`` and ``docs/screen_mixture/
efficacy_simulation.csv``. Usage: python benchmarks/screen_mixture_z_diagnosis.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import screen_mixture_vs_rra as B  # noqa: E402

from ifnexus.screen import (  # noqa: E402
    fit_guide_mixture,
    mageck_test,
    mixture_gene_calls,
    sgrna_z_scores,
)

OUT = ROOT / "docs" / "screen_mixture"
QS = (0.005, 0.01, 0.02, 0.05)
HT29_Z_NULL = (9.67, 8.92, -0.19, 1.18)  # jf_skew_t fitted to HT29 CRISPRi control z, draw 1


def null_calibration(draws: int = 20) -> pd.DataFrame:
    raw = pd.read_csv(B.DATA / "rosenbluh2017_crispri_ko" / "counts.tsv.gz", sep="\t")
    ctrl_rows = np.flatnonzero((raw["Category"] == "control").to_numpy())
    _cell, _mod, reps, cat = B.ARMS["HT29 CRISPRi"]
    pool = raw[raw["Category"] == cat]
    rows = []
    for d in range(draws):
        rng = np.random.default_rng(d)  # the draws of screen_mixture_vs_rra.py
        pick = np.concatenate([rng.choice(idx, min(5, idx.size), replace=False)
                               for idx in pool.groupby("Gene").indices.values()])  # fmt: skip
        perm = rng.permutation(ctrl_rows)
        nt, held = perm[:489], perm[489:]
        table = pd.concat([pool.iloc[pick], raw.iloc[held].assign(Gene="held-out control"),
                           raw.iloc[nt].assign(Gene="non-targeting")])  # fmt: skip
        counts = pd.DataFrame({"Gene": table["Gene"].to_numpy()},
                              index=pd.Index([f"g{i}" for i in range(len(table))], name="sgRNA"))  # fmt: skip
        for c in ["DNA_Pool", *reps]:
            counts[c] = table[c].to_numpy(float)
        is_ctrl = (counts["Gene"] == "non-targeting").to_numpy()
        is_held = (counts["Gene"] == "held-out control").to_numpy()
        lfc = B.guide_lfc(counts, "DNA_Pool", reps, is_ctrl)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = mageck_test(counts, treatment=reps, control=["DNA_Pool"])
        z = sgrna_z_scores(res.sgrnas).set_index("sgrna").reindex(counts.index)["z"].to_numpy()
        for name, s in (("sgRNA z", z), ("log2 enrichment", lfc)):
            fit = fit_guide_mixture(s[~is_ctrl], null_scores=s[is_ctrl])
            a, b, loc, scale = fit.null_params
            h = s[is_held]
            cdf = stats.jf_skew_t.cdf(h[np.isfinite(h)], a, b, loc=loc, scale=scale)
            rows.append({"draw": d, "score": name,
                         **{f"below_q{q:g}": float((cdf < q).mean()) for q in QS}})  # fmt: skip
    return pd.DataFrame(rows)


def _simulate(seed: int, kind: str) -> tuple[pd.DataFrame, set[str]]:
    rng = np.random.default_rng(seed)
    a, b, loc, scale = HT29_Z_NULL

    def null(n: int) -> np.ndarray:
        return stats.jf_skew_t.rvs(a, b, loc=loc, scale=scale, size=n, random_state=rng)

    per, n_null, n_tg, n_act, effect = 5, 100, 34, 20, -3.0
    ctrl, x = null(489), null((n_null + n_tg) * per)
    names = [f"null{i}" for i in range(n_null)] + [f"t{i}" for i in range(n_tg)]
    genes = np.repeat(names, per)
    active = np.repeat(np.r_[np.zeros(n_null, bool), np.arange(n_tg) < n_act], per)
    if kind == "two-class":
        on = active & (rng.random(x.size) < 0.6)
        x[on] = rng.normal(effect, 1.0, int(on.sum()))
    else:
        x[active] += rng.random(int(active.sum())) * effect
    t = pd.DataFrame({"Gene": np.r_[genes, ["non-targeting"] * 489], "z": np.r_[x, ctrl],
                      "control": np.r_[np.zeros(x.size, bool), np.ones(489, bool)]})  # fmt: skip
    return t, {f"t{i}" for i in range(n_act)}


def efficacy_simulation(reps: int = 30) -> pd.DataFrame:
    rows = []
    for kind in ("two-class", "continuous"):
        for seed in range(reps):
            t, truth = _simulate(seed, kind)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = mixture_gene_calls(t, "z", fdr_method="model").genes
            for level in (0.05, 0.01):
                h = set(g.loc[g["fdr"] <= level, "gene"])
                rows.append({"efficacy": kind, "seed": seed, "fdr": level, "hits": len(h),
                             "false": len(h - truth)})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cal = null_calibration()
    cal.to_csv(OUT / "z_null_calibration.csv", index=False, float_format="%.4g")
    print(cal.groupby("score").mean().drop(columns="draw").round(4).to_string())
    sim = efficacy_simulation()
    sim.to_csv(OUT / "efficacy_simulation.csv", index=False)
    agg = sim.groupby(["efficacy", "fdr"]).sum()[["hits", "false"]]
    agg["fdp"] = agg["false"] / agg["hits"]
    print(agg.round(3).to_string())


if __name__ == "__main__":
    main()
