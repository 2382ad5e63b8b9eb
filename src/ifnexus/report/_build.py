"""Build the study report from a study folder: read its tables and figures, write one HTML file.

The report reads results only: every number on the page comes from the tables the study
and the analysis commands wrote; this module formats them into figures, takeaways and tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ifnexus import __version__
from ifnexus._io import write_text
from ifnexus.errors import InputFormatError
from ifnexus.report._figures import (
    bar_figure,
    faceted_bar_figure,
    sample_points_figure,
    timecourse_figure,
    volcano_figure,
)
from ifnexus.report._html import Figure, Section, Table, render_html

_REQUIRED = (
    "study.json",
    "model/system_timecourses.csv",
    "model/ablations.csv",
    "model/trial.csv",
    "recovery/screen.csv",
    "recovery/ifn_state_confusion.csv",
    "recovery/local_control.csv",
    "recovery/singlecell.csv",
)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _versus(base: float, value: float) -> str:
    """How ``value`` compares with ``base`` at the percentages shown: raises, lowers or leaves."""
    if _pct(value) == _pct(base):
        return f"leaves it at {_pct(value)}"
    return f"{'raises' if value > base else 'lowers'} it to {_pct(value)}"


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def _png(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _system(d: Path) -> Section:
    tc = pd.read_csv(d / "model" / "system_timecourses.csv")
    abl = pd.read_csv(d / "model" / "ablations.csv")
    peak = tc.groupby("scenario")["acute_signal"].max()
    ref = float(abl.loc[abl["kind"] == "reference", "local_control"].iloc[0])
    nude = abl[abl["scenario"] == "host t-cell-deficient"]["local_control"]
    ifnar = abl[abl["scenario"] == "ifnar1-loss"]["local_control"]
    late = tc[tc["day"] == tc["day"].max()].set_index("scenario")["ustat1"]
    take1 = (
        f"After radiotherapy the IFN-competent tumour mounts an acute pSTAT1 burst (peak {peak.get('acute-competent', float('nan')):.2f}); "
        f"the chronic tumour is left with U-STAT1 (the IRDS arm) at {late.get('chronic', float('nan')):.2f} "
        f"at day {tc['day'].max():.0f}, against {late.get('acute-competent', float('nan')):.2f} for the competent one."
    )
    schedule, n_mice = str(abl["schedule"].iloc[0]), int(abl["n"].iloc[0])
    take2 = (
        f"{schedule} controls {_pct(ref)} of immunocompetent mice; without T cells {_pct(float(nude.iloc[0])) if len(nude) else 'n/a'}, "
        f"with tumour IFNAR1 loss {_pct(float(ifnar.iloc[0])) if len(ifnar) else 'n/a'}."
    )
    return Section(
        "system",
        "1. The system: acute versus chronic interferon",
        "The mechanistic model (ifnexus.model) links radiation, cGAS/STING, IFN-I, IFNAR1/STAT1 and CD8+ T cells. "
        "Left to right: IFN-I in the tumour, the acute arm, the chronic U-STAT1 arm, CD8+ T cells and the tumour, "
        "for a typical acute-competent, chronic (IRDS-high) and IFN-deficient (9p21 IFN-cluster loss) tumour under 50 Gy/25 fx.",
        figures=[
            Figure(
                timecourse_figure(tc),
                take1,
                "Model time courses from the first fraction (patient setting, median parameters).",
            ),
            Figure(
                bar_figure(
                    abl,
                    x="scenario",
                    y="local_control",
                    ylabel="local control (%)",
                    title=f"Mouse grafts, {schedule}: genotype and host ablations",
                ),
                take2,
                f"Each bar: {n_mice} virtual mice with the same random draws; only the ablation differs.",
            ),
        ],
    )


def _trial(d: Path) -> Section:
    tr = pd.read_csv(d / "model" / "trial.csv")
    allp = tr[tr["ifn_state"] == "all"].set_index(["regimen", "combination"])["local_control"]
    ref = tr["regimen"].iloc[0]

    def lc(combo: str, regimen: str = ref) -> float:
        return float(allp.get((regimen, combo), float("nan")))

    base = lc("RT alone")
    take = (
        f"{ref}: 2-year local control is {_pct(base)} with radiotherapy alone; IFNAR blockade during "
        f"radiotherapy {_versus(base, lc('+ IFNAR block during RT'))}, given after the course it "
        f"{_versus(base, lc('+ IFNAR block after RT'))}; a STING agonist {_versus(base, lc('+ STING agonist'))}."
    )
    states = tr[tr["ifn_state"] != "all"]
    return Section(
        "trial",
        "2. A virtual trial of schedules and combinations",
        f"The same virtual MPNST patients under each regimen ({', '.join(dict.fromkeys(tr['regimen']))}), alone, with a STING agonist, "
        "or with IFNAR blockade during or after radiotherapy. Bars: local control at 2 years by the tumour's IFN state.",
        figures=[
            Figure(
                faceted_bar_figure(
                    states,
                    facet="regimen",
                    x="combination",
                    y="local_control",
                    hue="ifn_state",
                    ylabel="local control at 2 y (%)",
                ),
                take,
                "Model-generated; common random numbers across arms, so differences are the treatment's.",
            )
        ],
        tables=[
            Table(
                "Local control at 2 years by arm (all patients)",
                tr[tr["ifn_state"] == "all"][["regimen", "combination", "local_control", "n"]],
            )
        ],
    )


def _screen(d: Path) -> Section:
    planted = pd.read_csv(d / "recovery" / "screen.csv")
    summary = pd.read_csv(d / "recovery" / "screen_summary.csv")
    genes = pd.read_csv(d / "analysis" / "screen" / "phenotype" / "genes.csv")
    resistant = planted.loc[planted["rho_hit"].eq(True) & (planted["rho"] > 0), "gene"]
    take = (
        f"{len(resistant)} of {len(planted)} planted IFN-axis genes are radiation-resistance hits"
        + (
            f" ({', '.join(resistant)}): their knock-down helps cells survive radiation, as in the seed's screen."
            if len(resistant)
            else "."
        )
    )
    return Section(
        "screen",
        "3. The CRISPRi radiation screen",
        "Counts generated from the model's in-vitro clonogenic survival were analysed with `ifnexus screen phenotype` "
        "(rho: irradiated vs untreated) and `ifnexus screen test` (MAGeCK-compatible RRA).",
        figures=[
            Figure(
                volcano_figure(
                    genes,
                    effect="rho",
                    pvalue="rho_p",
                    hit="rho_hit",
                    highlight=list(planted["gene"]),
                ),
                take,
                "Orange: hits at 5% empirical FDR. Labelled: planted IFN-axis genes.",
            )
        ],
        tables=[
            Table("Planted genes: model effect vs recovered phenotype", planted),
            Table(
                "Hits by gene class",
                summary,
                "Essential genes can appear as rho hits because the irradiated arm grows fewer doublings (growth confounding).",
            ),
        ],
    )


def _singlecell(d: Path) -> Section:
    per = pd.read_csv(d / "recovery" / "singlecell.csv")
    fc = pd.read_csv(d / "recovery" / "singlecell_summary.csv")
    fcs = fc.set_index("measure")["RT_over_sham"]
    model_fc = float(fc["model_cd8_fold_change_day7"].iloc[0])
    acute_fc = fcs.get("acute_malignant_recovered", float("nan"))
    take = (
        f"Radiotherapy changed the CD8+ share of immune cells {fcs.get('cd8_of_immune_recovered', float('nan')):.1f}-fold "
        f"(truth {fcs.get('cd8_of_immune_true', float('nan')):.1f}-fold; model CD8+ density {model_fc:.1f}-fold at day 7) "
        f"and the acute-IFN share of malignant cells {acute_fc:.1f}-fold."
    )
    figs = [
        Figure(
            sample_points_figure(
                per,
                group="condition",
                values=["cd8_of_immune_recovered", "acute_malignant_recovered"],
                titles=["CD8+ T cells / immune cells", "acute-IFN malignant cells"],
            ),
            take,
            "Dots: samples (the unit of comparison); line: mean.",
        )
    ]
    samples = pd.read_csv(d / "analysis" / "sc" / "samples.csv")
    by_arm = samples.groupby("condition")[["prop_cd8_t", "frac_acute_malignant"]].mean()
    arms = list(by_arm.index)

    def arm_text(col: str) -> str:
        return " vs ".join(f"{_pct(by_arm.loc[a, col])} ({a})" for a in arms)

    for name, take_sc, cap in (
        ("composition.png", f"CD8+ T cells make up {arm_text('prop_cd8_t')} of all cells.",
         "Cell-type composition per sample (`ifnexus sc profile`)."),
        ("violins_ifn_by_celltype.png",
         f"The acute IFN programme is on in {arm_text('frac_acute_malignant')} of malignant cells.",
         "IFN scores by cell type and condition (`ifnexus sc profile`)."),
    ):  # fmt: skip
        png = _png(d / "analysis" / "sc" / "figures" / name)
        if png:
            figs.append(Figure(png, take_sc, cap))
    return Section(
        "singlecell",
        "4. Single-cell view of irradiated and sham tumours",
        "Mouse tumours 7 days after 20 Gy vs sham, profiled with `ifnexus sc profile`.",
        figures=figs,
        tables=[Table("Per-sample truth vs recovered", per)],
    )


def _cohort(d: Path, manifest: dict) -> Section:
    lc = pd.read_csv(d / "recovery" / "local_control.csv")
    called = lc[lc["labels"] == "called state"].set_index("ifn_state")["cif_local_failure_24m"]
    take = (
        "Cumulative incidence of local failure at 2 years by called IFN state: "
        + ", ".join(f"{k} {_pct(v)}" for k, v in called.items())
        + "."
    )
    effects = _csv(d / "analysis" / "outcome" / "features" / "effects.csv")
    forest_take = "Fine-Gray subdistribution hazard ratios of tumour features for local failure."
    if effects is not None and len(effects):
        uni = effects[effects["analysis"] == "univariable"].sort_values("p")
        if len(uni):
            top = uni.iloc[0]
            forest_take = (
                f"Strongest single feature: {top['term']} (SHR {top['ratio']:.2f}, "
                f"95% CI {top['lower']:.2f}-{top['upper']:.2f}, p = {top['p']:.2g})."
            )
    tumours = _csv(d / "analysis" / "tumour" / "tumours.csv")
    purity_take = "ESTIMATE purity by called IFN state."
    if tumours is not None:
        med = tumours.groupby("ifn_state")["TumorPurity"].median()
        purity_take = (
            "Median ESTIMATE purity: " + ", ".join(f"{k} {v:.2f}" for k, v in med.items()) + "."
        )
    figs = []
    for path, t, cap in (
        (
            d / "analysis" / "outcome" / "cif" / "cif.png",
            take,
            "Aalen-Johansen, death as a competing event (`ifnexus outcome cif`).",
        ),
        (
            d / "analysis" / "outcome" / "features" / "forest_finegray.png",
            forest_take,
            "`ifnexus outcome features`; reference levels: acute-competent, neutral 9p21.",
        ),
        (
            d / "analysis" / "tumour" / "purity_by_ifn_state.png",
            purity_take,
            "ESTIMATE purity by called IFN state (`ifnexus tumour profile`).",
        ),
    ):
        png = _png(path)
        if png:
            figs.append(Figure(png, t, cap))
    return Section(
        "cohort",
        "5. The patient cohort: local control by IFN state",
        f"{manifest.get('n_patients', '')} virtual MPNST patients under {manifest.get('cohort_schedule', '')}: bulk expression and copy number profiled with "
        "`ifnexus tumour profile`, outcomes analysed with `ifnexus outcome`.",
        figures=figs,
    )


def _truth(d: Path) -> Section:
    tables = [
        Table(
            "IFN state: true (rows) vs called (columns)",
            pd.read_csv(d / "recovery" / "ifn_state_confusion.csv"),
        ),
        Table("Tumour profile recovery", pd.read_csv(d / "recovery" / "tumour_summary.csv")),
        Table(
            "Local failure at 24 months: true vs called labels",
            pd.read_csv(d / "recovery" / "local_control.csv"),
            "model_local_control_5y is the generating model's local control per true state (no competing death).",
        ),
        Table(
            "Single-cell fold changes (RT over sham)",
            pd.read_csv(d / "recovery" / "singlecell_summary.csv"),
        ),
    ]
    return Section(
        "truth",
        "6. Truth vs recovered",
        "What the analysis modules recovered beside what the model generated.",
        tables=tables,
    )


def build_report(study: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (self-contained) for a generated and analysed study folder; return its path."""
    d = Path(study)
    missing = [r for r in _REQUIRED if not (d / r).is_file()]
    if missing:
        raise InputFormatError(
            f"{d}: not a complete study folder; missing {', '.join(missing)} "
            "(run `ifnexus demo --out DIR` to generate and analyse one)"
        )
    manifest = json.loads((d / "study.json").read_text())
    conf = pd.read_csv(d / "recovery" / "tumour_summary.csv").set_index("measure")["value"]
    planted = pd.read_csv(d / "recovery" / "screen.csv")
    sc = pd.read_csv(d / "recovery" / "singlecell_summary.csv").set_index("measure")["RT_over_sham"]
    kpis = {
        "virtual patients": str(manifest.get("n_patients", "")),
        "IFN-state calls correct": _pct(float(conf.get("IFN-state accuracy", float("nan")))),
        "planted screen genes recovered": f"{int(planted['rho_hit'].sum())}/{len(planted)}",
        "CD8+ fold change (recovered)": f"{sc.get('cd8_of_immune_recovered', float('nan')):.1f}x",
    }
    sections = [_system(d), _trial(d), _screen(d), _singlecell(d), _cohort(d, manifest), _truth(d)]
    page = render_html(
        "ifnexus virtual MPNST study",
        "The interferon axis of the radiotherapy response, simulated, measured and recovered (seed "
        f"{manifest.get('seed')}).",
        sections,
        kpis=kpis,
        footer=f"ifnexus {__version__}; all data are simulated by the ifnexus model and analysed with the ifnexus commands.",
    )
    path = Path(out) if out else d / "report.html"
    return write_text(path, page)
