"""Compare what the analysis modules recovered with the truth the model generated.

Tables (written under ``DIR/recovery``):

* ``screen.csv``: per planted gene, the model's in-vitro effect beside the recovered rho
  phenotype, its p-value and hit call, and MAGeCK's positive-selection FDR;
  ``screen_summary.csv``: recall of planted genes and false hits by gene class.
* ``ifn_state_confusion.csv`` (true x called counts) and ``tumour_summary.csv`` (state
  accuracy, 9p21 call accuracy, purity correlation).
* ``local_control.csv``: cumulative incidence of local failure at 24 months by IFN state with
  the true labels (what the generating model implies) and with the called labels (what an
  analyst recovers), and the model's own local control per state.
* ``singlecell.csv``: per sample, true and recovered CD8+ share of immune cells and
  acute-IFN fraction of malignant cells; ``singlecell_summary.csv``: RT/sham fold changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._io import write_table
from ifnexus.outcome import cumulative_incidence

STATES = ("acute-competent", "chronic", "ifn-deficient")


def _screen(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    truth = pd.read_csv(d / "truth" / "screen_genes.csv")
    genes = pd.read_csv(d / "analysis" / "screen" / "phenotype" / "genes.csv")
    mageck = pd.read_csv(d / "analysis" / "screen" / "mageck.gene_summary.txt", sep="\t")
    m = truth.merge(genes[["gene", "rho", "rho_p", "rho_hit"]], on="gene", how="left")
    m = m.merge(
        mageck[["id", "pos|fdr", "pos|rank"]].rename(columns={"id": "gene"}), on="gene", how="left"
    )
    planted = m[m["class"] == "radiation"][
        [
            "gene",
            "genotype",
            "log2_sf_ratio",
            "rho_true",
            "rho",
            "rho_p",
            "rho_hit",
            "pos|fdr",
            "pos|rank",
        ]
    ]
    summary = (
        m.groupby("class")
        .agg(
            n_genes=("gene", "size"),
            rho_hits=("rho_hit", "sum"),
            mageck_pos_fdr_lt_0_25=("pos|fdr", lambda s: int((s < 0.25).sum())),
        )
        .reset_index()
    )
    summary["rho_hit_rate"] = summary["rho_hits"] / summary["n_genes"]
    return planted.reset_index(drop=True), summary


def _tumour(d: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    truth = pd.read_csv(d / "truth" / "patients.csv")
    called = pd.read_csv(d / "analysis" / "tumour" / "tumours.csv")
    m = truth.merge(called, left_on="patient_id", right_on="sample", how="inner")
    conf = pd.crosstab(
        pd.Categorical(m["ifn_state_true"], STATES),
        pd.Categorical(m["ifn_state"], STATES),
        dropna=False,
    )
    conf.index.name, conf.columns.name = "true_state", None
    conf = conf.reset_index()
    homo_true = m["ifn_cluster_cn"] == 0
    homo_called = m["ifn_cluster_status"] == "homozygous"
    rows = [
        ("IFN-state accuracy", float((m["ifn_state_true"] == m["ifn_state"]).mean())),
        (
            "IFN-cluster homozygous loss: sensitivity",
            float(homo_called[homo_true].mean()) if homo_true.any() else np.nan,
        ),
        ("IFN-cluster homozygous loss: specificity", float((~homo_called[~homo_true]).mean())),
        (
            "CDKN2A status accuracy",
            float(
                (
                    m["cdkn2a_cn"].map({0.0: "homozygous", 1.0: "hemizygous", 2.0: "neutral"})
                    == m["cdkn2a_status"]
                ).mean()
            ),
        ),
        (
            "purity: Pearson r (ESTIMATE vs true)",
            float(np.corrcoef(m["purity"], m["TumorPurity"])[0, 1]),
        ),
    ]
    summary = pd.DataFrame(rows, columns=["measure", "value"])
    return conf, summary, m


def _local_control(d: Path, merged: pd.DataFrame) -> pd.DataFrame:
    clinical = pd.read_csv(d / "inputs" / "clinical.csv")
    m = clinical.merge(
        merged[["patient_id", "ifn_state_true", "ifn_state", "local_control"]], on="patient_id"
    )
    rows = []
    for label, col in (("true state", "ifn_state_true"), ("called state", "ifn_state")):
        cif = cumulative_incidence(m, "time_months", "event", cause=1, group_col=col, times=[24.0])
        for _, r in cif.iterrows():
            rows.append(
                {
                    "labels": label,
                    "ifn_state": r["group"],
                    "cif_local_failure_24m": r["cif"],
                    "lower": r["lower"],
                    "upper": r["upper"],
                }
            )
    out = pd.DataFrame(rows)
    model_lc = m.groupby("ifn_state_true")["local_control"].mean().rename("model_local_control_5y")
    return out.merge(model_lc, left_on="ifn_state", right_index=True, how="left")


def _singlecell(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    truth = pd.read_csv(d / "truth" / "sc_samples.csv")
    rec = pd.read_csv(d / "analysis" / "sc" / "samples.csv")
    m = truth.merge(rec[["sample", "cd8_of_immune", "frac_acute_malignant"]], on="sample")
    m = m.rename(
        columns={
            "cd8_among_immune": "cd8_of_immune_true",
            "cd8_of_immune": "cd8_of_immune_recovered",
            "acute_fraction_malignant": "acute_malignant_true",
            "frac_acute_malignant": "acute_malignant_recovered",
        }
    )
    cols = [
        "sample",
        "condition",
        "cd8_of_immune_true",
        "cd8_of_immune_recovered",
        "acute_malignant_true",
        "acute_malignant_recovered",
    ]
    per = m[cols]
    means = per.groupby("condition")[cols[2:]].mean()
    fc = (
        (means.loc["RT"] / means.loc["sham"])
        .rename("RT_over_sham")
        .reset_index()
        .rename(columns={"index": "measure"})
    )
    fc["model_cd8_fold_change_day7"] = float(truth["model_cd8_fold_change_day7"].iloc[0])
    return per, fc


def compare_with_truth(study: str | Path) -> dict[str, pd.DataFrame]:
    """Build and write the truth-vs-recovered tables of a generated and analysed study."""
    d = Path(study)
    planted, screen_summary = _screen(d)
    conf, tumour_summary, merged = _tumour(d)
    lc = _local_control(d, merged)
    sc_per, sc_fc = _singlecell(d)
    tables = {
        "screen": planted,
        "screen_summary": screen_summary,
        "ifn_state_confusion": conf,
        "tumour_summary": tumour_summary,
        "local_control": lc,
        "singlecell": sc_per,
        "singlecell_summary": sc_fc,
    }
    for name, df in tables.items():
        write_table(df, d / "recovery" / f"{name}.csv")
    return tables
