"""Validate the per-tumour IFN state on public bulk expression with known IFN exposure.

Regenerates ``docs/tumour_ifn_state/summary.csv``, ``calls.csv``, ``ifn_state_bulk.png`` and
the table between the ``ifn-state-validation`` markers in ``docs/tumour.md``::

    .venv/bin/python docs/tumour_ifn_state/validate.py

Data: ``tests/data/ifn_bulk`` (derivation and sources in its README). ``lee_saec`` and
``rai_imr90`` were used to set ``K_ACUTE``; ``jankowski_hppt`` and ``devlin_blood`` were held
out (chosen before any sample was scored) and are reported separately. The type I specificity
rule (coherent medians, type I/III vs type II; docs/tumour.md) was prompted by failures on the
held-out sets, so they are labelled "re-evaluated after a rule change prompted by them: no
longer independent". The second step (acute = acute-only genes induced, type II withholding a
call only when it dominates) was committed with its plan before this script re-ran them; its
acute test was then withdrawn (more wrong calls) and only the type II part kept (docs/tumour.md).
Each dataset is called
twice: against its own untreated samples (``controls``) and with no labels at all (the cohort
mixture model).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from _common import DATA, OUT, auroc, both_ways, read_expression, replace_block

from ifnexus._figures import new_figure, save_figure
from ifnexus.tumour._ifnstate import K_ACUTE, K_CHRONIC

DATASETS = ("lee_saec", "rai_imr90", "jankowski_hppt", "devlin_blood")
COLOURS = {"none": "#e6ab02", "ifn": "#1b9e77", "other": "#7570b3"}


def run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Call every dataset both ways; return the summaries (stimulation, SLE) and the calls."""
    samples = pd.read_csv(DATA / "ifn_bulk" / "samples.tsv", sep="\t")
    rows, calls = [], []
    for ds in DATASETS:
        info = samples[samples["dataset"] == ds].set_index("sample")
        expr = read_expression("ifn_bulk", ds, info.index)
        base = info.index[info["stimulus"].isin(["Control", "untreated", "Buffer"])].tolist()
        for mode, res, used in both_ways(expr, base):
            res = res.join(info)
            res["calibration"] = mode
            res["mode_used"] = used
            calls.append(res.reset_index())
            ifn = res[res["expected"] == "ifn"]
            rest = res[res["stimulus"].isin(["Control", "untreated", "Buffer"])]
            row = {
                "dataset": ds, "split": info["split"].iloc[0], "calibration": mode,
                "mode_used": used,
                "n_ifn_ab": len(ifn), "n_untreated": len(rest),
                "auroc_activity": auroc(ifn["ifn_activity"].to_numpy(), rest["ifn_activity"].to_numpy()),
                "auroc_p_active": auroc(1 - ifn["ifn_p_none"].to_numpy(), 1 - rest["ifn_p_none"].to_numpy()),
                "ifn_called_acute": float((ifn["ifn_state"] == "acute").mean()),
                "ifn_called_chronic": float((ifn["ifn_state"] == "chronic").mean()),
                "ifn_undetermined": float((ifn["ifn_state"] == "undetermined").mean()),
                "untreated_called_none": float((rest["ifn_state"] == "none").mean()),
                "untreated_called_acute": float((rest["ifn_state"] == "acute").mean()),
                "untreated_undetermined": float((rest["ifn_state"] == "undetermined").mean()),
            }  # fmt: skip
            for stim in sorted(set(res["stimulus"]) - {"Control", "untreated", "Buffer"}):
                if res.loc[res["stimulus"] == stim, "expected"].iloc[0] == "ifn":
                    continue
                sub = res.loc[res["stimulus"] == stim]
                st = sub["ifn_state"].value_counts()
                ty = sub["ifn_type"].astype(object).fillna("type NA").value_counts()
                row[f"other:{stim}"] = (
                    ", ".join(f"{k} {v}" for k, v in st.items())
                    + " ("
                    + ", ".join(f"{k} {v}" for k, v in ty.items())
                    + ")"
                )
            rows.append(row)
    sle_rows = []
    sle = pd.read_csv(DATA / "sle_blood" / "samples.tsv", sep="\t")
    for ds in sorted(set(sle["dataset"])):
        info = sle[sle["dataset"] == ds].set_index("sample")
        expr = read_expression("sle_blood", ds, info.index)
        healthy = info.index[info["group"] == "healthy"].tolist()
        for mode, res, used in both_ways(expr, healthy, leave_one_out=False):
            res = res.join(info)
            res["calibration"], res["mode_used"], res["dataset"] = mode, used, f"sle_{ds}"
            calls.append(res.reset_index().rename(columns={"group": "stimulus"}))
            pat, hc = res[res["group"] == "SLE"], res[res["group"] == "healthy"]
            sle_rows.append({
                "dataset": f"sle_{ds}", "calibration": mode, "mode_used": used,
                "n_sle": len(pat), "n_healthy": len(hc),
                "auroc_activity": auroc(pat["ifn_activity"].to_numpy(), hc["ifn_activity"].to_numpy()),
                "sle_called_acute": float((pat["ifn_state"] == "acute").mean()),
                "sle_called_chronic": float((pat["ifn_state"] == "chronic").mean()),
                "sle_called_none": float((pat["ifn_state"] == "none").mean()),
                "sle_undetermined": float((pat["ifn_state"] == "undetermined").mean()),
                "healthy_called_none": float((hc["ifn_state"] == "none").mean()),
                "healthy_called_ifn": float(hc["ifn_state"].isin(["acute", "chronic"]).mean()),
                "healthy_undetermined": float((hc["ifn_state"] == "undetermined").mean()),
            })  # fmt: skip
    mouse = res499(calls)
    return (pd.DataFrame(rows), pd.concat(calls, ignore_index=True), pd.DataFrame(sle_rows),
            mouse)  # fmt: skip


def res499(calls: list[pd.DataFrame]) -> pd.DataFrame:
    """B16 / Res499 (WT, STAT1-KO) tumour cells: calls per group, calibrated on B16 WT or not."""
    info = pd.read_csv(DATA / "res499_mouse" / "samples.tsv", sep="\t").set_index("sample")
    expr = read_expression("res499_mouse", "res499_mouse", info.index)
    group = info["line"] + " " + info["stat1"]
    b16 = info.index[group == "B16 WT"].tolist()
    rows = []
    for mode, res, used in both_ways(expr, b16):
        res = res.assign(stimulus=group, expected="res499", calibration=mode, mode_used=used,
                         dataset="res499_mouse", split="heldout")  # fmt: skip
        calls.append(res.reset_index())
        for g, sub in res.groupby("stimulus", sort=False):
            counts = sub["ifn_state"].value_counts()
            rows.append({"calibration": mode, "mode_used": used, "group": g, "n": len(sub),
                         "calls": ", ".join(f"{k} {v}" for k, v in counts.items()),
                         "median_acute_share": float(sub["ifn_acute_share"].median())})  # fmt: skip
    return pd.DataFrame(rows)


def figure(calls: pd.DataFrame) -> Path:
    """Draw A vs U and G vs U per sample (controls calibration), one column a dataset."""
    c = calls[(calls["calibration"] == "controls") & calls["dataset"].isin(DATASETS)]
    fig = new_figure((12, 6.6))
    grid = fig.subplots(2, len(DATASETS), sharey=False)
    axes, lower = grid[0], grid[1]
    for ax, ds in zip(lower, DATASETS, strict=True):
        d = c[c["dataset"] == ds]
        for kind, g in d.groupby("expected"):
            ax.scatter(g["ifn_sustained"], g["ifn_type2"], s=22, color=COLOURS[str(kind)],
                       edgecolor="black", linewidth=0.3)  # fmt: skip
        for kind, mk in (("type II", "x"), ("mixed", "+")):
            t = d[d["ifn_type"] == kind]
            ax.scatter(t["ifn_sustained"], t["ifn_type2"], s=60, marker=mk, color="black",
                       lw=0.9, label=f"typed {kind}")  # fmt: skip
        hi = max(float(d["ifn_sustained"].max()), float(d["ifn_type2"].max()), 1.0) * 1.1
        ax.plot([0, hi], [0, hi], color="0.3", lw=0.8, ls="--", label="G = U")
        ax.set_xlabel("U-ISGF3 programme change U (log2)")
        ax.axhline(0, color="0.8", lw=0.5)
        ax.axvline(0, color="0.8", lw=0.5)
    lower[0].set_ylabel("IFN-gamma-specific change G (log2)")
    lower[0].legend(fontsize=6, frameon=False, loc="upper left")
    for ax, ds in zip(axes, DATASETS, strict=True):
        d = c[c["dataset"] == ds]
        for kind, g in d.groupby("expected"):
            ax.scatter(g["ifn_sustained"], g["ifn_acute_only"], s=22, color=COLOURS[str(kind)],
                       label={"none": "untreated / non-IFN cytokine", "ifn": "IFN-alpha/beta",
                              "other": "IFN-gamma/lambda"}[str(kind)],
                       edgecolor="black", linewidth=0.3)  # fmt: skip
        hi = max(float(d["ifn_sustained"].max()), 1.0) * 1.1
        xs = np.linspace(0, hi, 10)
        ax.plot(xs, K_ACUTE * xs, color="#1b9e77", lw=0.8, ls="--", label=f"acute A = {K_ACUTE} U")
        ax.plot(xs, K_CHRONIC * xs, color="#d95f02", lw=0.8, ls="--",
                label=f"chronic A = {K_CHRONIC} U")  # fmt: skip
        split = d["split"].iloc[0]
        what = "held out, re-evaluated" if split == "heldout" else "training"
        ax.set_title(f"{ds} ({what})", fontsize=9)
        ax.set_xlabel("U-ISGF3 programme change U (log2)")
        ax.axhline(0, color="0.8", lw=0.5)
        ax.axvline(0, color="0.8", lw=0.5)
    axes[0].set_ylabel("acute-only (pISGF3) change A (log2)")
    axes[0].legend(fontsize=6, frameon=False, loc="upper left")
    return save_figure(fig, OUT / "ifn_state_bulk.png")


def markdown(summary: pd.DataFrame) -> str:
    """Return the summary as the markdown table of docs/tumour.md."""
    head = ("| dataset | split | calibration | IFN-a/b n | untreated n | AUROC | IFN-a/b called acute "
            "| called chronic | untreated called none | untreated called acute | other stimuli |")  # fmt: skip
    lines = [head, "|" + "---|" * 11]
    for _, r in summary.iterrows():
        other = "; ".join(f"{k[6:]}: {r[k]}" for k in summary.columns
                          if k.startswith("other:") and isinstance(r[k], str))  # fmt: skip
        split = {"train": "train", "heldout": "held out, re-evaluated*"}[r["split"]]
        lines.append(
            f"| {r['dataset']} | {split} | {r['calibration']} ({r['mode_used']}) | "
            f"{r['n_ifn_ab']} | {r['n_untreated']} | {r['auroc_activity']:.3f} | "
            f"{r['ifn_called_acute']:.0%} | {r['ifn_called_chronic']:.0%} | "
            f"{r['untreated_called_none']:.0%} | {r['untreated_called_acute']:.0%} | {other} |"
        )
    return "\n".join(lines)


def markdown_sle(sle: pd.DataFrame) -> str:
    """Return the SLE / healthy summary as a markdown table."""
    lines = ["| dataset | calibration | SLE n | healthy n | AUROC SLE vs healthy | SLE acute | SLE "
             "chronic | SLE none | SLE undetermined | healthy none | healthy acute or chronic | "
             "healthy undetermined |", "|" + "---|" * 12]  # fmt: skip
    for _, r in sle.iterrows():
        lines.append(
            f"| {r['dataset']} | {r['calibration']} ({r['mode_used']}) | {r['n_sle']} | "
            f"{r['n_healthy']} | {r['auroc_activity']:.3f} | {r['sle_called_acute']:.0%} | "
            f"{r['sle_called_chronic']:.0%} | {r['sle_called_none']:.0%} | "
            f"{r['sle_undetermined']:.0%} | {r['healthy_called_none']:.0%} | "
            f"{r['healthy_called_ifn']:.0%} | {r['healthy_undetermined']:.0%} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Write the tables and the figure, and refresh the table in docs/tumour.md."""
    summary, calls, sle, mouse = run()
    mouse.to_csv(OUT / "summary_res499.csv", index=False, float_format="%.4f")
    summary.to_csv(OUT / "summary.csv", index=False, float_format="%.4f")
    sle.to_csv(OUT / "summary_sle.csv", index=False, float_format="%.4f")
    keep = ["dataset", "split", "calibration", "sample", "stimulus", "expected", "ifn_activity",
            "ifn_sustained", "ifn_acute_only", "ifn_type2", "ifn_p_acute", "ifn_p_chronic",
            "ifn_p_none", "ifn_p_type2", "ifn_type", "ifn_state"]  # fmt: skip
    calls[keep].to_csv(OUT / "calls.csv", index=False, float_format="%.4f")
    figure(calls)
    mtab = ["| calibration | group | n | calls | median A/U |", "|---|---|---|---|---|"]
    mtab += [f"| {r['calibration']} ({r['mode_used']}) | {r['group']} | {r['n']} | {r['calls']} | "
             f"{r['median_acute_share']:.2f} |" for _, r in mouse.iterrows()]  # fmt: skip
    tables = (
        f"{markdown(summary)}\n\nSLE and healthy blood (held out):\n\n{markdown_sle(sle)}"
        f"\n\nB16 / Res499 mouse melanoma cells (chronic IFN model):\n\n" + "\n".join(mtab)
    )
    replace_block("ifn-state-validation", tables)
    print(tables)


if __name__ == "__main__":
    main()
