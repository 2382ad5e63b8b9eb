"""Compare what the analysis modules recovered with the truth the model generated.

Tables (written under ``DIR/recovery``):

* ``screen.csv``: per planted gene, the model's in-vitro effect beside the recovered rho
  phenotype (with the planted rho per irradiation round, the scale the phenotype is on, and
  the fraction of it recovered), its p-value and hit call, and MAGeCK's positive-selection FDR;
  ``screen_summary.csv``: recall of planted genes and false hits by gene class.
* ``ifn_state_confusion.csv`` (true x called counts) and ``tumour_summary.csv`` (state
  accuracy, 9p21 call accuracy, purity correlation).
* ``local_control.csv``: cumulative incidence of local failure at 24 months by IFN state with
  the true labels (what the generating model implies) and with the called labels (what an
  analyst recovers), beside the model's own local failure by 24 months per state (no deaths).
* ``local_failure_24m.csv``: local failure by 24 months under the cohort's schedule, the virtual
  trial's arm beside the cohort by disease extent, as the model's net fraction (one computation,
  :func:`ifnexus.study._trial.local_control_at`) and as the cohort's Aalen-Johansen estimate
  with death competing: why the trial section and the cohort section differ.
* ``cif_curves.csv`` (Aalen-Johansen curves of local failure by called IFN state),
  ``cif_at_risk.csv`` (numbers at risk per state at 0, 12, ... months) and ``gray_test.csv``
  (Gray's test of the states): what the report draws the cumulative incidence from.
* ``singlecell.csv``: per sample, true and recovered CD8+ share of immune cells and
  acute-IFN fraction of malignant cells; ``singlecell_summary.csv``: RT/sham fold changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._io import write_table
from ifnexus._proportion import wilson_interval
from ifnexus.outcome import cumulative_incidence, gray_test, number_at_risk
from ifnexus.study._trial import TRIAL_MONTHS, local_control_at

STATES = ("acute-competent", "chronic", "ifn-deficient")
AT_RISK_MONTHS = (0.0, 12.0, 24.0, 36.0, 48.0, 60.0)
DISEASES = (("gross", "gross disease"), ("postop", "post-operative"))


def _screen(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    truth = pd.read_csv(d / "truth" / "screen_genes.csv")
    genes = pd.read_csv(d / "analysis" / "screen" / "phenotype" / "genes.csv")
    mageck = pd.read_csv(d / "analysis" / "screen" / "mageck.gene_summary.txt", sep="\t")
    m = truth.merge(genes[["gene", "rho", "rho_p", "rho_hit"]], on="gene", how="left")
    m = m.merge(
        mageck[["id", "pos|fdr", "pos|rank"]].rename(columns={"id": "gene"}), on="gene", how="left"
    )
    # rho_true is the log2 enrichment over the whole irradiated arm at full knock-down; the
    # phenotype divides by rho's growth normaliser (the irradiation rounds), so compare per round
    params_path = d / "analysis" / "screen" / "phenotype" / "params.json"
    rounds = 1.0
    if params_path.is_file():
        rounds = float(np.mean(json.loads(params_path.read_text())["doublings"]["rho"]))
    m["rho_true_per_round"] = m["rho_true"] / rounds
    m["rho_recovered_fraction"] = m["rho"] / m["rho_true_per_round"]
    planted = m[m["class"] == "radiation"][
        [
            "gene",
            "genotype",
            "log2_sf_ratio",
            "rho_true",
            "rho_true_per_round",
            "rho",
            "rho_recovered_fraction",
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
    called["ifn_state"] = called["ifn_class"]  # the study's states are the radiotherapy classes
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


def _cohort_outcomes(d: Path, merged: pd.DataFrame) -> pd.DataFrame:
    """Clinical table joined with the true and called IFN states and the model's failure times."""
    clinical = pd.read_csv(d / "inputs" / "clinical.csv")
    cols = ["patient_id", "ifn_state_true", "ifn_state", "time_to_failure", "followup"]
    return clinical.merge(merged[cols], on="patient_id")


def _local_control(m: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for label, col in (("true state", "ifn_state_true"), ("called state", "ifn_state")):
        t = [TRIAL_MONTHS]
        cif = cumulative_incidence(m, "time_months", "event", cause=1, group_col=col, times=t)
        for _, r in cif.iterrows():
            rows.append(
                {
                    "labels": label,
                    "ifn_state": r["group"],
                    "n": int((m[col] == r["group"]).sum()),
                    "cif_local_failure_24m": r["cif"],
                    "lower": r["lower"],
                    "upper": r["upper"],
                    "model_local_failure_24m": 1.0 - local_control_at(m[m[col] == r["group"]]),
                }
            )
    return pd.DataFrame(rows)


def _local_failure_24m(d: Path, m: pd.DataFrame, schedule: str) -> pd.DataFrame:
    """Local failure by 24 months under ``schedule``: trial arm vs cohort, model vs observed."""
    rows = []
    trial_path = d / "model" / "trial.csv"
    trial = pd.read_csv(trial_path) if trial_path.is_file() else pd.DataFrame()
    if len(trial) and "disease" in trial:
        arm = trial[
            (trial["regimen"] == schedule)
            & (trial["combination"] == "RT alone")
            & (trial["ifn_state"] == "all")
        ]
        for _, r in arm.iterrows():
            n = int(r["n"])
            lf = 1.0 - float(r["local_control"])
            lo, hi = wilson_interval(round(lf * n), n)
            label = dict(DISEASES).get(str(r["disease"]), str(r["disease"]))
            rows.append(("virtual trial, RT alone", label, n, "model, no deaths", lf, lo, hi))
    pops = [(dict(DISEASES)[k], m[m["disease"] == k]) for k, _ in DISEASES]
    pops.append(("all patients", m))
    for label, sub in pops:
        n = len(sub)
        if n == 0:
            continue
        lf = 1.0 - local_control_at(sub)
        lo, hi = wilson_interval(round(lf * n), n)
        rows.append(("cohort", label, n, "model, no deaths", lf, lo, hi))
        cif = cumulative_incidence(sub, "time_months", "event", cause=1, times=[TRIAL_MONTHS])
        rows.append(
            (
                "cohort",
                label,
                n,
                "observed, death competing (Aalen-Johansen)",
                float(cif["cif"].iloc[0]),
                float(cif["lower"].iloc[0]),
                float(cif["upper"].iloc[0]),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "source",
            "population",
            "n",
            "estimate_type",
            "local_failure_24m",
            "lower",
            "upper",
        ],
    )


def _cif_figure_tables(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Full Aalen-Johansen curves, numbers at risk and Gray's test by called IFN state."""
    curves = cumulative_incidence(m, "time_months", "event", cause=1, group_col="ifn_state")
    curves = curves[["group", "time", "cif", "lower", "upper"]]
    at_risk = number_at_risk(
        m, "time_months", "event", group_col="ifn_state", times=AT_RISK_MONTHS, cause=1
    )
    gray = gray_test(m, "time_months", "event", "ifn_state", cause=1)
    return curves, at_risk, gray


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
    """Build and write the truth-vs-recovered tables of a generated and analysed study.

    Parameters
    ----------
    study
        A study folder written by :func:`generate_study` and analysed by :func:`analyse_study`.

    Returns
    -------
    dict of pandas.DataFrame
        The tables by name, also written to ``study/recovery/NAME.csv``.
    """
    d = Path(study)
    planted, screen_summary = _screen(d)
    conf, tumour_summary, merged = _tumour(d)
    outcomes = _cohort_outcomes(d, merged)
    lc = _local_control(outcomes)
    manifest_path = d / "study.json"
    schedule = (
        json.loads(manifest_path.read_text()).get("cohort_schedule", "50Gy/25fx")
        if manifest_path.is_file()
        else "50Gy/25fx"
    )
    lf24 = _local_failure_24m(d, outcomes, schedule)
    cif_curves, cif_at_risk, gray = _cif_figure_tables(outcomes)
    sc_per, sc_fc = _singlecell(d)
    tables = {
        "screen": planted,
        "screen_summary": screen_summary,
        "ifn_state_confusion": conf,
        "tumour_summary": tumour_summary,
        "local_control": lc,
        "local_failure_24m": lf24,
        "cif_curves": cif_curves,
        "cif_at_risk": cif_at_risk,
        "gray_test": gray,
        "singlecell": sc_per,
        "singlecell_summary": sc_fc,
    }
    for name, df in tables.items():
        write_table(df, d / "recovery" / f"{name}.csv")
    return tables
