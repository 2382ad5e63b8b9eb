"""Third IFN-state round: two new public bulk sets (docs/tumour.md, "Third round").

``hawn_mdm`` (human monocyte-derived macrophages, 6 h of IFN-alpha8/beta/gamma/lambda1/epsilon;
held out) and ``boulant_t84`` (T84 colon carcinoma cells, IFN-lambda / IL-22 time course 3-24 h;
training). Both are called with the documented defaults of ``ifnexus tumour profile``: against
their untreated / mock samples (``--controls``; each control itself leave-one-out, so out of
sample) and with no labels (mixture model). The profile command itself is also run once per set
with ``--controls stimulus=...`` and its calls compared with the direct ones. Regenerates
``round3_summary.csv``, ``round3_calls.csv``, ``ifn_state_round3.png`` and the table between the
``ifn-state-round3`` markers in ``docs/tumour.md``::

    .venv/bin/python docs/tumour_ifn_state/validate_round3.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import DATA, OUT, auroc, both_ways, read_expression, replace_block, with_controls

from ifnexus._figures import new_figure, save_figure
from ifnexus.tumour import ifn_state_probabilities
from ifnexus.tumour._ifnstate import K_ACUTE, K_CHRONIC

#: dataset -> (control stimulus, split, stimuli whose expected label is ``acute``)
SETS = {
    "hawn_mdm": ("untreated", "held out", ("IFNa8", "IFNb")),
    "boulant_t84": ("Mock", "training", ("IFNL", "IL22_IFNL")),
}
COLOURS = {"untreated": "#e6ab02", "Mock": "#e6ab02", "IFNa8": "#1b9e77", "IFNb": "#66a61e",
           "IFNg": "#7570b3", "IFNl1": "#e7298a", "IFNe": "#a6761d", "IL22": "#d95f02",
           "IFNL": "#e7298a", "IL22_IFNL": "#1b9e77"}  # fmt: skip


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the log2 expression (genes x samples) and the sample table of a set."""
    info = pd.read_csv(DATA / name / "samples.tsv", sep="\t").set_index("sample")
    return read_expression(name, name, info.index), info


def counts(s: pd.Series) -> str:
    """``"acute 4, none 1"``."""
    return ", ".join(f"{k} {v}" for k, v in s.astype(object).fillna("NA").value_counts().items())


def run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Call both sets both ways; return per-group rows, goal rows and all calls."""
    groups, goals, calls = [], [], []
    for name, (ctrl_stim, split, acute_stims) in SETS.items():
        expr, info = load(name)
        ctrl = info.index[info["stimulus"] == ctrl_stim].tolist()
        for mode, res, used in both_ways(expr, ctrl):
            res = res.join(info)
            res["dataset"], res["calibration"], res["split"] = name, mode, split
            calls.append(res.reset_index())
            keys = ["stimulus", "time_h"] if name == "boulant_t84" else ["stimulus"]
            for key, sub in res.groupby(keys, sort=False):
                key = key if isinstance(key, tuple) else (key,)
                groups.append({
                    "dataset": name, "split": split, "calibration": f"{mode} ({used})",
                    "group": " ".join(str(k) + ("h" if i else "") for i, k in enumerate(key)),
                    "n": len(sub), "expected": sub["expected"].iloc[0],
                    "calls": counts(sub["ifn_state"]), "ifn_type": counts(sub["ifn_type"]),
                    "A": float(sub["ifn_acute_only"].median()),
                    "U": float(sub["ifn_sustained"].median()),
                    "G": float(sub["ifn_type2"].median()),
                    "p_acute": float(sub["ifn_p_acute"].median()),
                })  # fmt: skip
            stim = res[res["stimulus"].isin(acute_stims)]
            if name == "boulant_t84":
                stim = stim[stim["time_h"] >= 6]
            rest = res[res["stimulus"] == ctrl_stim]
            goals.append({
                "dataset": name, "split": split, "calibration": f"{mode} ({used})",
                "stimulated": "+".join(acute_stims) + (" (6-24 h)" if name == "boulant_t84" else ""),
                "n_stim": len(stim), "n_ctrl": len(rest),
                "auroc": auroc(stim["ifn_activity"].to_numpy(), rest["ifn_activity"].to_numpy()),
                "stim_acute": float((stim["ifn_state"] == "acute").mean()),
                "stim_chronic": float((stim["ifn_state"] == "chronic").mean()),
                "ctrl_none": float((rest["ifn_state"] == "none").mean()),
                "ctrl_acute": float((rest["ifn_state"] == "acute").mean()),
            })  # fmt: skip
    return pd.DataFrame(groups), pd.DataFrame(goals), pd.concat(calls, ignore_index=True)


def time_matched() -> list[str]:
    """T84 (training) re-called per time point against that time point's 3 mocks (not planned)."""
    expr, info = load("boulant_t84")
    out = []
    for h, sub in info.groupby("time_h"):
        ctrl = sub.index[sub["stimulus"] == "Mock"].tolist()
        res = with_controls(expr[sub.index], ctrl).join(sub)
        for stim, g in res.groupby("stimulus"):
            out.append(f"{stim} {h} h: {counts(g['ifn_state'])}")
    return out


def profile_agreement() -> list[str]:
    """Run ``ifnexus tumour profile --controls stimulus=...`` on each set; compare its calls."""
    lines = []
    exe = Path(sys.executable).with_name("ifnexus")
    for name, (ctrl_stim, _, _) in SETS.items():
        folder = DATA / name
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "profile"
            subprocess.run(
                [str(exe), "tumour", "profile", str(folder / f"{name}.tsv.gz"), "--clinical",
                 str(folder / "samples.tsv"), "--controls", f"stimulus={ctrl_stim}", "--out",
                 str(out)],
                check=True, capture_output=True,
            )  # fmt: skip
            prof = pd.read_csv(out / "tumours.csv").set_index("sample")
        expr, info = load(name)
        ctrl = info.index[info["stimulus"] == ctrl_stim].tolist()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            direct = ifn_state_probabilities(expr, controls=ctrl)
        same = int((prof.loc[direct.index, "ifn_state"] == direct["ifn_state"]).sum())
        lines.append(
            f"`ifnexus tumour profile {name}.tsv.gz --clinical samples.tsv --controls "
            f"stimulus={ctrl_stim}`: {same} of {len(direct)} calls equal to the direct call "
            f"(controls in sample); states {counts(prof['ifn_state'])}"
        )
    return lines


def figure(calls: pd.DataFrame) -> Path:
    """Draw A vs U (top) and G vs U (bottom) per sample, calibrated on the controls."""
    c = calls[calls["calibration"] == "controls"]
    fig = new_figure((10, 8))
    grid = fig.subplots(2, 2)
    for j, name in enumerate(SETS):
        d = c[c["dataset"] == name]
        top, bottom = grid[0][j], grid[1][j]
        for stim, g in d.groupby("stimulus", sort=False):
            size = 10 + 4 * g["time_h"].to_numpy() if name == "boulant_t84" else 28
            kw = {"s": size, "color": COLOURS.get(str(stim), "0.5"), "edgecolor": "black",
                  "linewidth": 0.3, "label": str(stim)}  # fmt: skip
            top.scatter(g["ifn_sustained"], g["ifn_acute_only"], **kw)
            bottom.scatter(g["ifn_sustained"], g["ifn_type2"], **kw)
        hi = max(float(d["ifn_sustained"].max()), 1.0) * 1.1
        xs = np.linspace(0, hi, 10)
        top.plot(xs, K_ACUTE * xs, color="#1b9e77", lw=0.8, ls="--", label=f"A = {K_ACUTE} U")
        top.plot(xs, K_CHRONIC * xs, color="#d95f02", lw=0.8, ls="--", label=f"A = {K_CHRONIC} U")
        hi2 = max(hi, float(d["ifn_type2"].max()) * 1.1)
        bottom.plot([0, hi2], [0, hi2], color="0.3", lw=0.8, ls="--", label="G = U")
        t2 = d[d["ifn_type"] == "type II"]
        bottom.scatter(t2["ifn_sustained"], t2["ifn_type2"], s=70, marker="x", color="black",
                       lw=0.9, label="typed type II")  # fmt: skip
        top.set_title(f"{name} ({SETS[name][1]})", fontsize=9)
        for ax in (top, bottom):
            ax.axhline(0, color="0.8", lw=0.5)
            ax.axvline(0, color="0.8", lw=0.5)
            ax.set_xlabel("U-ISGF3 programme change U (log2)")
        top.set_ylabel("acute-only change A (log2)")
        bottom.set_ylabel("IFN-gamma-specific change G (log2)")
        top.legend(fontsize=6, frameon=False, loc="upper left")
    return save_figure(fig, OUT / "ifn_state_round3.png")


def markdown(groups: pd.DataFrame, goals: pd.DataFrame, prof: list[str], matched: list[str]) -> str:
    """Return the tables for docs/tumour.md."""
    lines = ["| dataset | split | calibration | stimulated | n | untreated n | AUROC | "
             "stimulated acute | stimulated chronic | untreated none | untreated acute |",
             "|" + "---|" * 11]  # fmt: skip
    for _, r in goals.iterrows():
        lines.append(
            f"| {r['dataset']} | {r['split']} | {r['calibration']} | {r['stimulated']} | "
            f"{r['n_stim']} | {r['n_ctrl']} | {r['auroc']:.3f} | {r['stim_acute']:.0%} | "
            f"{r['stim_chronic']:.0%} | {r['ctrl_none']:.0%} | {r['ctrl_acute']:.0%} |"
        )
    lines += ["", "| dataset | calibration | group | n | expected | calls | IFN type | median A | "
              "median U | median G | median p_acute |", "|" + "---|" * 11]  # fmt: skip
    for _, r in groups.iterrows():
        lines.append(
            f"| {r['dataset']} | {r['calibration']} | {r['group']} | {r['n']} | {r['expected']} | "
            f"{r['calls']} | {r['ifn_type']} | {r['A']:+.2f} | {r['U']:+.2f} | {r['G']:+.2f} | "
            f"{r['p_acute']:.2f} |"
        )
    lines += ["", *[f"* {p}" for p in prof]]
    lines += [
        "* `boulant_t84` re-called per time point against its own 3 mocks (training set; a "
        "sensitivity check added after the planned run): " + "; ".join(matched)
    ]
    return "\n".join(lines)


def main() -> None:
    """Write the tables and the figure, and refresh the block in docs/tumour.md."""
    groups, goals, calls = run()
    prof = profile_agreement()
    groups.to_csv(OUT / "round3_summary.csv", index=False, float_format="%.4f")
    goals.to_csv(OUT / "round3_goals.csv", index=False, float_format="%.4f")
    keep = ["dataset", "split", "calibration", "sample", "stimulus", "time_h", "expected",
            "ifn_activity", "ifn_sustained", "ifn_acute_only", "ifn_type2", "ifn_p_acute",
            "ifn_p_chronic", "ifn_p_none", "ifn_p_type2", "ifn_type", "ifn_state"]  # fmt: skip
    calls.reindex(columns=keep).to_csv(OUT / "round3_calls.csv", index=False, float_format="%.4f")
    figure(calls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matched = time_matched()
    text = markdown(groups, goals, prof, matched)
    replace_block("ifn-state-round3", text)
    print(text)


if __name__ == "__main__":
    main()
