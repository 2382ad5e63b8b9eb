"""Why whole-blood IFN-beta (devlin_blood) is withheld: per-gene baselines and changes.

Item 3 of the third round (docs/tumour.md). Uses only the training sets (``lee_saec``,
``rai_imr90``, ``boulant_t84``) and ``devlin_blood`` / ``jankowski_hppt`` (already *not
independent*); the held-out ``hawn_mdm`` is not read. For each set: the per-gene change of the
IFN-alpha/beta (T84: IFN-lambda 12 h) samples from the median of the untreated ones, against that
baseline, for the acute-only, U-ISGF3 and type II genes; then the candidate change of the type II
rule (G - U recentred on the controls' own G - U). Writes ``blood_genes.csv``,
``blood_type2_candidate.csv`` and ``blood_baseline.png`` and the block between the
``ifn-state-blood`` markers in ``docs/tumour.md``::

    .venv/bin/python docs/tumour_ifn_state/diagnose_blood.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import DATA, OUT, read_expression, replace_block
from scipy.stats import norm

from ifnexus._figures import new_figure, save_figure
from ifnexus.genesets import resolve_genes
from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME
from ifnexus.tumour import ifn_state_probabilities
from ifnexus.tumour._ifnstate import _SD_FLOOR, TYPE2_SPECIFIC

#: label -> (folder, file stem, dataset filter, stimulated, controls)
SETS = {
    "devlin_blood (whole blood)": ("ifn_bulk", "devlin_blood", ["IFNbeta"], ["Buffer"]),
    "lee_saec (training)": ("ifn_bulk", "lee_saec", ["IFNa", "IFNb"], ["Control"]),
    "rai_imr90 (training)": ("ifn_bulk", "rai_imr90", ["IFNb_6h", "IFNb_24h"], ["untreated"]),
    "jankowski_hppt": ("ifn_bulk", "jankowski_hppt", ["IFNa", "IFNb"], ["untreated"]),
    "boulant_t84 12 h (training)": ("boulant_t84", "boulant_t84", ["IFNL"], ["Mock"]),
}
PROGRAMMES = {"acute-only": ACUTE_PROGRAMME.genes, "U-ISGF3": SUSTAINED_PROGRAMME.genes,
              "type II": TYPE2_SPECIFIC.genes}  # fmt: skip


def load(folder: str, stem: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return expression and sample table (T84: the 12 h libraries only)."""
    info = pd.read_csv(DATA / folder / "samples.tsv", sep="\t")
    if "dataset" in info:
        info = info[info["dataset"] == stem]
    if "time_h" in info:
        info = info[info["time_h"] == 12]
    info = info.set_index("sample")
    return read_expression(folder, stem, info.index), info


def per_gene() -> pd.DataFrame:
    """Baseline (median of the controls) and median change of the stimulated samples per gene."""
    rows = []
    for label, (folder, stem, stim, ctrl) in SETS.items():
        expr, info = load(folder, stem)
        base = expr[info.index[info["stimulus"].isin(ctrl)]].median(axis=1)
        change = expr[info.index[info["stimulus"].isin(stim)]].sub(base, axis=0).median(axis=1)
        for prog, genes in PROGRAMMES.items():
            for g, hit in resolve_genes(list(genes), [str(x) for x in expr.index]).mapping.items():
                rows.append({"dataset": label, "programme": prog, "gene": g,
                             "baseline_log2": float(base[hit]), "change_log2": float(change[hit])})  # fmt: skip
    return pd.DataFrame(rows)


def type2_candidate() -> pd.DataFrame:
    """Devlin IFN-beta under the committed type II rule and the recentred candidate."""
    expr, info = load("ifn_bulk", "devlin_blood")
    ctrl = info.index[info["stimulus"] == "Buffer"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ifn_state_probabilities(expr, controls=ctrl)
    gu = res["ifn_type2"] - res["ifn_sustained"]
    centre = float(gu.loc[ctrl].median())
    sd = max(float(gu.loc[ctrl].std(ddof=1)), _SD_FLOOR)
    out = res.loc[info.index[info["stimulus"] == "IFNbeta"]].copy()
    out["G_minus_U"] = gu
    out["p_type2_candidate"] = norm.cdf((out["G_minus_U"] - centre) / sd)
    out["p_acute_or_chronic_max"] = out[["ifn_p_acute", "ifn_p_chronic"]].max(axis=1)
    out["controls_G_minus_U_median"] = centre
    cols = ["ifn_sustained", "ifn_acute_only", "ifn_type2", "G_minus_U", "ifn_p_type2",
            "p_type2_candidate", "ifn_p_acute", "ifn_p_chronic", "p_acute_or_chronic_max",
            "ifn_state", "controls_G_minus_U_median"]  # fmt: skip
    return out[cols]


def figure(genes: pd.DataFrame) -> Path:
    """Per-gene change against baseline, acute-only and U-ISGF3 genes, one panel a dataset."""
    labels = list(SETS)
    fig = new_figure((3.0 * len(labels), 3.4))
    axes = fig.subplots(1, len(labels), sharey=True)
    for ax, label in zip(axes, labels, strict=True):
        d = genes[genes["dataset"] == label]
        for prog, mk, col in (("acute-only", "o", "#1b9e77"), ("U-ISGF3", "^", "#d95f02")):
            g = d[d["programme"] == prog]
            ax.scatter(g["baseline_log2"], g["change_log2"], marker=mk, s=18, color=col,
                       edgecolor="black", linewidth=0.3, label=prog)  # fmt: skip
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("baseline log2(CPM + 1)")
        ax.axhline(0, color="0.8", lw=0.5)
    axes[0].set_ylabel("change after IFN (log2)")
    axes[0].legend(fontsize=6, frameon=False)
    return save_figure(fig, OUT / "blood_baseline.png")


def main() -> None:
    """Write the tables, the figure and the docs block."""
    genes = per_gene()
    cand = type2_candidate()
    genes.to_csv(OUT / "blood_genes.csv", index=False, float_format="%.4f")
    cand.to_csv(OUT / "blood_type2_candidate.csv", float_format="%.4f")
    figure(genes)
    summ = genes.groupby(["dataset", "programme"], sort=False).agg(
        baseline=("baseline_log2", "median"), change=("change_log2", "median")
    )
    lines = ["| dataset | acute-only: median baseline | acute-only: median change | "
             "U-ISGF3: median baseline | U-ISGF3: median change | type II: median change | A/U |",
             "|" + "---|" * 7]  # fmt: skip
    for label in SETS:
        a, u, t = (summ.loc[(label, p)] for p in ("acute-only", "U-ISGF3", "type II"))
        lines.append(
            f"| {label} | {a['baseline']:.2f} | {a['change']:+.2f} | {u['baseline']:.2f} | "
            f"{u['change']:+.2f} | {t['change']:+.2f} | {a['change'] / u['change']:.2f} |"
        )
    lines += ["", "| devlin IFN-beta sample | U | A | G | G - U | p type II (committed) | "
              "p type II (recentred on controls) | p_acute | p_chronic | state |",
              "|" + "---|" * 10]  # fmt: skip
    for s, r in cand.iterrows():
        lines.append(
            f"| {s} | {r['ifn_sustained']:+.2f} | {r['ifn_acute_only']:+.2f} | "
            f"{r['ifn_type2']:+.2f} | {r['G_minus_U']:+.2f} | {r['ifn_p_type2']:.2f} | "
            f"{r['p_type2_candidate']:.2f} | {r['ifn_p_acute']:.2f} | {r['ifn_p_chronic']:.2f} | "
            f"{r['ifn_state']} |"
        )
    text = "\n".join(lines)
    replace_block("ifn-state-blood", text)
    print(text)
    print(np.round(cand["controls_G_minus_U_median"].iloc[0], 3))


if __name__ == "__main__":
    main()
