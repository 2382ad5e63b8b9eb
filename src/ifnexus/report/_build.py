"""Build the study report from a study folder: read its tables and figures, write one HTML file.

The report reads results only: every number on the page comes from the tables the study and
its analysis wrote; this module formats them into figures, takeaways and tables. Each number a
takeaway quotes is a cell of a table shown on the page (:meth:`Table.cite`), and each states its
endpoint, time point and population. Numbers that describe the same thing come from one
computation: the trial's local control and the cohort's model truth both come from
:func:`ifnexus.study._trial.local_control_at`, and the cohort section shows them side by side
with the observed cumulative incidence (``recovery/local_failure_24m.csv``).
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus._io import write_text
from ifnexus._runfolder import check_run_folder
from ifnexus._textfile import read_text_bytes
from ifnexus.errors import IfnexusWarning, InputFormatError
from ifnexus.report._figures import (
    bar_figure,
    cif_figure,
    composition_figure,
    faceted_bar_figure,
    forest_figure,
    purity_figure,
    sample_points_figure,
    score_by_group_figure,
    timecourse_figure,
    volcano_figure,
)
from ifnexus.report._html import _CITE, _SEP, Figure, Section, Table, fmt_pct, render_html

_REQUIRED = (
    "study.json",
    "model/system_timecourses.csv",
    "model/ablations.csv",
    "model/trial.csv",
    "recovery/screen.csv",
    "recovery/screen_summary.csv",
    "recovery/ifn_state_confusion.csv",
    "recovery/tumour_summary.csv",
    "recovery/local_control.csv",
    "recovery/local_failure_24m.csv",
    "recovery/cif_curves.csv",
    "recovery/cif_at_risk.csv",
    "recovery/gray_test.csv",
    "recovery/singlecell.csv",
    "recovery/singlecell_summary.csv",
)

_DISEASE = {"gross": "gross disease", "postop": "post-operative"}
_STATES = ("acute-competent", "chronic", "ifn-deficient")
_ABLATION_NAMES = {
    "wild type": "wild type",
    "sting-loss": "tumour STING loss",
    "cgas-loss": "tumour cGAS loss",
    "irf3-loss": "tumour IRF3 loss",
    "ifnar1-loss": "tumour IFNAR1 loss",
    "stat1-loss": "tumour STAT1 loss",
    "ifn-cluster-loss": "tumour IFN-cluster loss",
    "chronic-ifn": "tumour chronic IFN",
    "host t-cell-deficient": "host without T cells",
    "host ifnar-loss": "host IFNAR loss",
    "host sting-loss": "host STING loss",
}
_FEATURES = {
    "ifn_state": "IFN state",
    "ifn_cluster_status": "IFN cluster (9p21)",
    "cdkn2a_status": "CDKN2A (9p21)",
    "TumorPurity": "Tumour purity (ESTIMATE)",
}
_LEVELS = {"homozygous": "homozygous loss", "hemizygous": "hemizygous loss", "neutral": "none"}


def schedule_label(schedule: str) -> str:
    """Write a schedule spec as a clinician does: ``50Gy/25fx`` -> ``50 Gy in 25 fractions``.

    Examples
    --------
    >>> schedule_label("50Gy/25fx")
    '50 Gy in 25 fractions'
    >>> schedule_label("8Gy x3")
    '3 x 8 Gy'
    """
    s = str(schedule).replace(" ", "")
    m = re.fullmatch(r"([\d.]+)Gy/(\d+)fx", s)
    if m:
        return f"{m.group(1)} Gy in {m.group(2)} fractions"
    m = re.fullmatch(r"([\d.]+)Gyx(\d+)", s)
    if m:
        n = int(m.group(2))
        return f"{m.group(1)} Gy single fraction" if n == 1 else f"{n} x {m.group(1)} Gy"
    return str(schedule)


def term_label(feature: str, term: str, unit: str) -> str:
    """Name a model term in words.

    ``ifn_cluster_status[homozygous]`` with unit ``vs neutral`` becomes
    ``IFN cluster (9p21): homozygous loss vs none``.

    Examples
    --------
    >>> term_label("ifn_cluster_status", "ifn_cluster_status[homozygous]", "vs neutral")
    'IFN cluster (9p21): homozygous loss vs none'
    >>> term_label("TumorPurity", "TumorPurity", "per SD (0.0797)")
    'Tumour purity (ESTIMATE), per SD (0.08)'
    """
    name = _FEATURES.get(feature, feature.replace("_", " "))
    m = re.search(r"\[(?:T\.)?(.+)\]$", str(term))
    unit = str(unit) if isinstance(unit, str) else ""
    if m:
        ref = unit[3:] if unit.startswith("vs ") else ""
        level = _LEVELS.get(m.group(1), m.group(1))
        return f"{name}: {level} vs {_LEVELS.get(ref, ref)}" if ref else f"{name}: {level}"
    sd = re.fullmatch(r"per SD \(([\d.eE+-]+)\)", unit)
    if sd:
        return f"{name}, per SD ({float(sd.group(1)):.2f})"
    return f"{name} ({unit})" if unit else name


def _versus(base: Table, row0: str, row: str, col: str) -> str:
    """How arm ``row`` compares with ``row0`` at the percentages shown: raises, lowers or leaves."""
    a, b = base.cell(row0, col), base.cell(row, col)
    if a == b:
        return f"leaves it at {base.cite(row, col)}"
    word = "raises" if float(base.value(row, col)) > float(base.value(row0, col)) else "lowers"  # type: ignore[arg-type]
    return f"{word} it to {base.cite(row, col)}"


#: The columns the report reads from each table; numeric ones must hold numbers (or be empty).
_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "model/system_timecourses.csv": (
        ("scenario",), ("day", "acute_signal", "ustat1", "cd8")),
    "model/ablations.csv": (("scenario", "kind", "schedule"), ("local_control", "n")),
    "model/trial.csv": (("regimen", "combination", "ifn_state"), ("local_control", "n")),
    "inputs/clinical.csv": (("patient_id",), ()),
    "recovery/screen.csv": (("gene",), ()),
    "recovery/screen_summary.csv": (("class",), ("n_genes", "rho_hits")),
    "analysis/screen/phenotype/genes.csv": (("gene",), ()),
    "recovery/singlecell.csv": (("sample", "condition"), ()),
    "recovery/singlecell_summary.csv": (("measure",), ("RT_over_sham",)),
    "recovery/local_control.csv": (("ifn_state",), ("n", "cif_local_failure_24m")),
    "recovery/gray_test.csv": ((), ("statistic", "df", "p_value")),
    "recovery/cif_curves.csv": (("group",), ("time", "cif")),
    "recovery/cif_at_risk.csv": (("group",), ("time", "at_risk")),
    "recovery/local_failure_24m.csv": (("source", "population"), ("n", "local_failure_24m")),
    "recovery/ifn_state_confusion.csv": (("true_state",), ()),
    "recovery/tumour_summary.csv": (("measure",), ("value",)),
    "analysis/outcome/features/effects.csv": (
        ("feature", "term", "analysis"), ("ratio", "lower", "upper", "p")),
}  # fmt: skip
#: the optional section 7's tables (``model/hypotheses/``, written by ``ifnexus demo``)
_HYPOTHESES_COLUMNS = {
    "model/hypotheses/power.csv": (
        "truth", "measurements", "n_patients", "followup_years", "studies", "mean_events",
        "identified", "called_zhu", "called_clonogen", "undetermined"),
    "model/hypotheses/examples.csv": (
        "hypothesis", "identified", "n_patients", "followup_years", "purity_error_sd",
        "cluster_call_error", "ifn_deficient_call_error", "events", "delta_aic"),
}  # fmt: skip
#: Which table (file) each cited table of the page comes from, for error messages.
_TABLE_FILES = {
    "system-summary": "model/system_timecourses.csv",
    "ablations": "model/ablations.csv",
    "trial-arms": "model/trial.csv",
    "screen-planted": "recovery/screen.csv",
    "screen-classes": "recovery/screen_summary.csv",
    "sc-fold": "recovery/singlecell_summary.csv",
    "sc-samples": "recovery/singlecell.csv",
    "sc-arms": "analysis/sc/samples.csv",
    "cohort-by-state": "recovery/local_control.csv",
    "gray-test": "recovery/gray_test.csv",
    "trial-vs-cohort": "recovery/local_failure_24m.csv",
    "finegray": "analysis/outcome/features/effects.csv",
    "purity": "analysis/tumour/tumours.csv",
    "confusion": "recovery/ifn_state_confusion.csv",
    "tumour-recovery": "recovery/tumour_summary.csv",
    "hypotheses-power": "model/hypotheses/power.csv",
    "hypotheses-examples": "model/hypotheses/examples.csv",
}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _table(d: Path, rel: str) -> pd.DataFrame:
    """Read the study table ``rel`` strictly: UTF-8 CSV, rows, the columns the report reads.

    Every failure is an :class:`InputFormatError` naming the file (and line or column).
    """
    path = d / rel
    raw = read_text_bytes(path, "study table")
    if not raw.strip():
        raise InputFormatError(f"study table {path}: the file is empty")
    try:
        df = pd.read_csv(io.BytesIO(raw))
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputFormatError(f"study table {path}: not a readable CSV table ({exc})") from None
    if df.empty:
        raise InputFormatError(f"study table {path}: a header but no data rows")
    names = [str(c) for c in df.columns]
    mangled = [c for c in names if re.fullmatch(r".+\.\d+", c) and c.rsplit(".", 1)[0] in names]
    if mangled:
        raise InputFormatError(f"study table {path}: repeated column name(s) {mangled}")
    text_cols, num_cols = _COLUMNS.get(rel, ((), ()))
    missing = [c for c in (*text_cols, *num_cols) if c not in df.columns]
    if missing:
        raise InputFormatError(f"study table {path}: missing column(s) {missing}; columns: {names}")
    for col in num_cols:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = (values.isna() & df[col].notna()).to_numpy() | np.isinf(values.to_numpy(float))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputFormatError(
                f"study table {path}, line {i + 2}, column '{col}': '{df[col].iloc[i]}' is not "
                "a finite number"
            )
        df[col] = values
    return df


def _csv(d: Path, rel: str) -> pd.DataFrame | None:
    """Return an optional study table: None when absent, else read as :func:`_table` does."""
    return _table(d, rel) if (d / rel).is_file() else None


def _png(path: Path) -> bytes | None:
    """Return a PNG file's bytes; None (with a warning) when absent or not a PNG image."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    if not data.startswith(_PNG_MAGIC):
        warnings.warn(
            f"{path}: not a PNG image (it starts with {data[:8]!r}); left out of the report",
            IfnexusWarning,
            stacklevel=2,
        )
        return None
    return data


def _manifest(d: Path) -> dict:
    """Read and check ``study.json``: a JSON object with the seed (an int >= 0)."""
    path = d / "study.json"
    text = read_text_bytes(path, "study manifest").decode("utf-8")
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFormatError(
            f"study manifest {path}, line {exc.lineno}, column {exc.colno}: not valid JSON "
            f"({exc.msg})"
        ) from None
    if not isinstance(manifest, dict):
        raise InputFormatError(
            f"study manifest {path}: expected a JSON object, got {type(manifest).__name__}"
        )
    seed = manifest.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputFormatError(
            f"study manifest {path}: 'seed' must be a whole number >= 0, got {seed!r}"
        )
    sched = manifest.get("cohort_schedule", "50Gy/25fx")
    if not isinstance(sched, str) or not sched.strip():
        raise InputFormatError(
            f"study manifest {path}: 'cohort_schedule' must be a schedule text, got {sched!r}"
        )
    return manifest


_MISSING_SHOWN = re.compile(r"^(n/a|nan|NaN|None|inf|-inf|)$")


def _check_findings(texts: list[str], d: Path) -> None:
    """Refuse a page whose findings quote a missing or non-finite number ("n/a%", "nan-fold")."""
    for text in texts:
        for m in _CITE.finditer(text):
            table, row, col, shown = m.group(1).split(_SEP)
            value = shown.removesuffix("%")
            if _MISSING_SHOWN.match(value.strip()):
                source = _TABLE_FILES.get(table, f"table {table}")
                raise InputFormatError(
                    f"{d / source}: a finding of the report quotes row {row!r}, column {col!r}, "
                    f"which is missing or not finite ({shown!r}); the study is too small for "
                    "this estimate or the table is incomplete (regenerate it, e.g. with more "
                    "patients or cells)"
                )


def _system(d: Path) -> tuple[Section, dict[str, Table]]:
    from ifnexus.model._cohort import DEFAULT_DAYS

    tc = _table(d, "model/system_timecourses.csv")
    abl = _table(d, "model/ablations.csv")
    last = float(tc["day"].max())
    summary = (
        tc.groupby("scenario", sort=False)
        .agg(acute_peak=("acute_signal", "max"), cd8_peak=("cd8", "max"))
        .join(tc[tc["day"] == last].set_index("scenario")["ustat1"].rename("ustat1_end"))
        .reset_index()
    )
    t_sys = Table(
        f"Model time courses under 50 Gy in 25 fractions: peaks and day-{last:.0f} values "
        "(one typical tumour per IFN state)",
        summary,
        id="system-summary",
        headers={
            "scenario": "Tumour",
            "acute_peak": "Peak acute pSTAT1 signal (0-1)",
            "cd8_peak": "Peak CD8+ T-cell density (rel.)",
            "ustat1_end": f"U-STAT1 at day {last:.0f} (a.u.)",
        },
        formats={"acute_peak": "f2", "cd8_peak": "f2", "ustat1_end": "f2"},
    )
    take1 = (
        "After radiotherapy the IFN-competent tumour mounts an acute pSTAT1 burst (peak "
        f"{t_sys.cite('acute-competent', 'acute_peak')}); the chronic tumour is left with U-STAT1 "
        f"(the IRDS arm) at {t_sys.cite('chronic', 'ustat1_end')} a.u. at day {last:.0f}, against "
        f"{t_sys.cite('acute-competent', 'ustat1_end')} for the competent one."
    )
    schedule = str(abl["schedule"].iloc[0])
    n_mice = int(abl["n"].iloc[0])
    days = DEFAULT_DAYS["mouse"]
    shown = abl.assign(scenario=abl["scenario"].map(lambda s: _ABLATION_NAMES.get(s, s)))
    t_abl = Table(
        f"Mouse grafts under {schedule_label(schedule)}: local control at day {days:.0f} "
        f"(end of follow-up), {n_mice} mice per arm",
        shown[["scenario", "kind", "local_control", "n"]],
        id="ablations",
        headers={
            "scenario": "Arm",
            "kind": "Ablation of",
            "local_control": f"Local control at day {days:.0f}",
            "n": "Mice (n)",
        },
        formats={"local_control": "pct"},
    )
    ref = shown.loc[abl["kind"] == "reference", "scenario"].iloc[0]
    parts = [
        f"{schedule_label(schedule)} controls {t_abl.cite(ref, 'local_control')} of immunocompetent mice"
    ]
    for key, words in (
        ("host without T cells", "without T cells"),
        ("tumour IFNAR1 loss", "with tumour IFNAR1 loss"),
    ):
        if key in set(shown["scenario"]):
            parts.append(f"{words} {t_abl.cite(key, 'local_control')}")
    take2 = "; ".join(parts) + f" (local control at day {days:.0f})."
    section = Section(
        "system",
        "1. The system: acute versus chronic interferon",
        "The mechanistic model (`ifnexus.model`) links radiation, cGAS/STING, IFN-I, IFNAR1/STAT1 "
        "and CD8+ T cells. Panels: IFN-I in the tumour, the acute arm, the chronic U-STAT1 arm, "
        "CD8+ T cells and the tumour burden, for a typical acute-competent, chronic (IRDS-high) "
        "and IFN-deficient (9p21 IFN-cluster loss) tumour under 50 Gy in 25 fractions.",
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
                    ylabel=f"local control at day {days:.0f} (%)",
                    xlabel="tumour genotype or host",
                    labels=_ABLATION_NAMES,
                ),
                take2,
                f"Each bar: {n_mice} virtual mice with the same random draws; only the ablation differs.",
            ),
        ],  # fmt: skip
        tables=[t_sys, t_abl],
    )
    return section, {"system": t_sys, "ablations": t_abl}


def _trial(d: Path) -> tuple[Section, Table]:
    tr = _table(d, "model/trial.csv")
    disease = str(tr["disease"].iloc[0]) if "disease" in tr else "gross"
    population = _DISEASE.get(disease, disease)
    wide = tr.pivot_table(
        index=["regimen", "combination"], columns="ifn_state", values="local_control", sort=False
    )
    n_all = tr[tr["ifn_state"] == "all"].set_index(["regimen", "combination"])["n"]
    wide = wide.join(n_all).reset_index()
    wide["regimen"] = wide["regimen"].map(schedule_label)
    states = [s for s in _STATES if s in wide]
    t = Table(
        f"Local control at 24 months by arm: virtual patients with {population} "
        "(model; no deaths simulated)",
        wide[["regimen", "combination", "all", *states, "n"]],
        id="trial-arms",
        key=["regimen", "combination"],
        headers={
            "regimen": "Regimen",
            "combination": "Combination",
            "all": "All patients",
            "n": "Patients (n)",
            **{s: f"{s} tumours" for s in states},
        },  # fmt: skip
        formats={"all": "pct", **{s: "pct" for s in states}},
        note="Patients per IFN state (the same in every arm): "
        + ", ".join(
            f"{s} {int(n)}"
            for s, n in tr[tr["ifn_state"] != "all"]
            .groupby("ifn_state", sort=False)["n"]
            .first()
            .items()
        )
        + ".",
    )
    ref = schedule_label(str(tr["regimen"].iloc[0]))
    r0 = f"{ref} / RT alone"
    take = (
        f"{ref}, {population}: local control at 24 months is {t.cite(r0, 'all')} with "
        f"radiotherapy alone; IFNAR blockade during radiotherapy "
        f"{_versus(t, r0, f'{ref} / + IFNAR block during RT', 'all')}, given after the course it "
        f"{_versus(t, r0, f'{ref} / + IFNAR block after RT', 'all')}; a STING agonist "
        f"{_versus(t, r0, f'{ref} / + STING agonist', 'all')}."
    )
    regimens = ", ".join(schedule_label(r) for r in dict.fromkeys(tr["regimen"]))
    clinical = _table(d, "inputs/clinical.csv")
    postop_share = (
        fmt_pct(float((clinical["disease"] == "postop").mean())) if "disease" in clinical else "n/a"
    )
    states_long = tr[tr["ifn_state"] != "all"]
    section = Section(
        "trial",
        "2. A virtual trial of schedules and combinations",
        f"The same {int(n_all.iloc[0])} virtual MPNST patients with {population} (unresected "
        f"tumours) under each regimen ({regimens}), alone, with a STING agonist, or with IFNAR "
        "blockade during or after radiotherapy. Endpoint: local control 24 months after the first "
        "fraction, from the model, which simulates no deaths (freedom from local failure, not "
        "a cumulative incidence with death competing). This is not the cohort of section 5, "
        f"which is {postop_share} post-operative and has deaths; section 5 compares the two on "
        "the same scale. The numbers are those of `ifnexus trial model/trial.toml` (its "
        "local_control_net at 2 years, by IFN state), the design written into the study folder.",
        figures=[
            Figure(
                faceted_bar_figure(
                    states_long,
                    facet="regimen",
                    x="combination",
                    y="local_control",
                    hue="ifn_state",
                    ylabel="local control at 24 months (%)",
                    legend_title="tumour IFN state (true)",
                    facet_titles={r: schedule_label(r) for r in tr["regimen"]},
                ),
                take,
                "Model-generated; common random numbers across arms, so differences are the treatment's.",
            )
        ],  # fmt: skip
        tables=[t],
    )
    return section, t


def _screen(d: Path) -> tuple[Section, dict[str, Table]]:
    planted = _table(d, "recovery/screen.csv")
    summary = _table(d, "recovery/screen_summary.csv")
    genes = _table(d, "analysis/screen/phenotype/genes.csv")
    cols = ["gene", "genotype", "log2_sf_ratio", "rho_true", "rho_true_per_round", "rho",
            "rho_recovered_fraction", "rho_p", "rho_hit", "pos|fdr", "pos|rank"]  # fmt: skip
    t_genes = Table(
        "Planted IFN-axis genes: model effect vs recovered rho phenotype",
        planted[[c for c in cols if c in planted]],
        id="screen-planted",
        headers={
            "gene": "Gene",
            "genotype": "Model genotype",
            "log2_sf_ratio": "log2 SF ratio, 4 Gy (in vitro)",
            "rho_true": "Planted rho, 3 rounds",
            "rho_true_per_round": "Planted rho per round",
            "rho": "Recovered rho",
            "rho_recovered_fraction": "Recovered / planted per round",
            "rho_p": "p (rho)",
            "rho_hit": "Hit (5% FDR)",
            "pos|fdr": "MAGeCK FDR (enriched)",
            "pos|rank": "MAGeCK rank",
        },
        formats={
            "log2_sf_ratio": "f2",
            "rho_true": "f2",
            "rho_true_per_round": "f2",
            "rho": "f2",
            "rho_recovered_fraction": "pct",
            "rho_p": "p",
            "rho_hit": "yesno",
            "pos|fdr": "p",
            "pos|rank": "int",
        },  # fmt: skip
    )
    t_class = Table(
        "Hits by gene class (all genes of the library)",
        summary,
        id="screen-classes",
        headers={
            "class": "Gene class",
            "n_genes": "Genes (n)",
            "rho_hits": "rho hits, 5% FDR (n)",
            "mageck_pos_fdr_lt_0_25": "MAGeCK enriched, FDR < 0.25 (n)",
            "rho_hit_rate": "rho hit rate",
        },
        formats={
            "n_genes": "int",
            "rho_hits": "int",
            "mageck_pos_fdr_lt_0_25": "int",
            "rho_hit_rate": "pct",
        },  # fmt: skip
        note="Essential genes can appear as rho hits because the irradiated arm grows fewer "
        "doublings (growth confounding).",
    )
    resistant = planted.loc[planted["rho_hit"].eq(True) & (planted["rho"] > 0), "gene"].tolist()
    take = (
        f"{len(resistant)} of {len(planted)} planted IFN-axis genes are radiation-resistance hits"
        + (
            f" ({', '.join(resistant)}): their knock-down helps cells survive radiation, as in the seed's screen."
            if resistant
            else "."
        )
    )
    caption = "Orange: hits at 5% empirical FDR; circled and labelled: planted IFN-axis genes."
    if "rho_recovered_fraction" in planted and planted["rho_recovered_fraction"].notna().any():
        lo = planted.loc[planted["rho_recovered_fraction"].idxmin(), "gene"]
        hi = planted.loc[planted["rho_recovered_fraction"].idxmax(), "gene"]
        first = planted["gene"].iloc[0]
        caption += (
            " Why the recovered rho is smaller than the planted one: the planted rho "
            f"({t_genes.cite(first, 'rho_true')} for {first}) is the log2 enrichment over all "
            "three irradiation rounds with every guide fully active, while the phenotype is per "
            "round (divided by the 3 rounds), so the comparable value is "
            f"{t_genes.cite(first, 'rho_true_per_round')}. Beyond that, CRISPRi guides knock down "
            "only partly (efficacy drawn from Beta(4, 1.6), mean 0.71, some nearly inactive), "
            "which dilutes a gene's effect, while taking each gene's 3 strongest guides and the "
            "count noise move single genes either way: per round the study recovers "
            f"{t_genes.cite(lo, 'rho_recovered_fraction')} ({lo}) to "
            f"{t_genes.cite(hi, 'rho_recovered_fraction')} ({hi}) of the planted value."
        )
    section = Section(
        "screen",
        "3. The CRISPRi radiation screen",
        "Counts generated from the model's in-vitro clonogenic survival were analysed with "
        "`ifnexus screen phenotype` (rho: irradiated vs untreated, per irradiation round) and "
        "`ifnexus screen test` (MAGeCK-compatible RRA).",
        figures=[
            Figure(
                volcano_figure(
                    genes,
                    effect="rho",
                    pvalue="rho_p",
                    hit="rho_hit",
                    xlabel="rho (log2 enrichment irradiated vs untreated, per round)",
                    ylabel="-log10 p (rho, Mann-Whitney vs non-targeting)",
                    highlight=list(planted["gene"]),
                ),
                take,
                caption,
            )
        ],  # fmt: skip
        tables=[t_genes, t_class],
    )
    return section, {"genes": t_genes, "classes": t_class}


def _acute_fold_text(per: pd.DataFrame, t_fold: Table, row: str) -> str:
    """Say the acute-IFN fold change in words, or why it is not defined.

    When no malignant cell is called acute in the sham arm the ratio RT / sham is not defined
    (not a damaged table, so not refused): the recovered shares are said instead, and, when the
    truth (``acute_malignant_true``, where given) holds acute malignant cells in an arm where
    none was called, that the call missed them (a failed recovery, not an absent state).
    """
    means = per.groupby("condition")["acute_malignant_recovered"].mean()
    sham, rt = float(means.get("sham", np.nan)), float(means.get("RT", np.nan))
    if np.isfinite(sham) and sham > 0 and np.isfinite(rt):
        return f"the acute-IFN share of malignant cells {t_fold.cite(row, 'fold')}-fold"
    true = (
        per.groupby("condition")["acute_malignant_true"].mean()
        if "acute_malignant_true" in per
        else pd.Series(dtype=float)
    )
    missed = (
        " although the truth has acute malignant cells there: the IFN-state call missed them"
        if float(true.get("sham", 0.0)) > 0
        else ""
    )
    if np.isfinite(rt) and rt == 0 and sham == 0:
        missed = (
            " although the truth has acute malignant cells: the IFN-state call missed them"
            if float(true.max() if len(true) else 0.0) > 0
            else ""
        )
        return (
            f"no malignant cell was called acute in either arm{missed}, so the acute-IFN fold "
            "change is not estimable (per-sample truth and recovered shares in the table below)"
        )
    return (
        f"the acute-IFN share of malignant cells is not estimable as a fold change (no "
        f"malignant cell called acute in the sham arm{missed}; RT arm {rt:.1%})"
    )


def _singlecell(d: Path) -> tuple[Section, dict[str, Table]]:
    per = _table(d, "recovery/singlecell.csv")
    fc = _table(d, "recovery/singlecell_summary.csv")
    names = {
        "cd8_of_immune_true": "CD8+ share of immune cells, truth",
        "cd8_of_immune_recovered": "CD8+ share of immune cells, recovered",
        "acute_malignant_true": "acute-IFN share of malignant cells, truth",
        "acute_malignant_recovered": "acute-IFN share of malignant cells, recovered",
    }
    fold = pd.DataFrame(
        {"measure": fc["measure"].map(lambda m: names.get(m, m)), "fold": fc["RT_over_sham"]}
    )
    model_fc = float(fc["model_cd8_fold_change_day7"].iloc[0])
    fold = pd.concat(
        [fold, pd.DataFrame({"measure": ["CD8+ T-cell density in the model"], "fold": [model_fc]})],
        ignore_index=True,
    )
    t_fold = Table(
        "Fold changes 7 days after 20 Gy, RT over sham (means of 3 mouse tumours per arm)",
        fold,
        id="sc-fold",
        headers={"measure": "Measure", "fold": "RT / sham"},
        formats={"fold": "f2"},
    )
    t_per = Table(
        "Per-sample truth vs recovered (mouse tumours, day 7)",
        per,
        id="sc-samples",
        headers={"sample": "Sample", "condition": "Arm", **{k: v[0].upper() + v[1:] for k, v in names.items()}},
        formats={c: "pct" for c in names if c in per},
    )  # fmt: skip
    take = (
        "Radiotherapy changed the CD8+ share of immune cells "
        f"{t_fold.cite(names['cd8_of_immune_recovered'], 'fold')}-fold (truth "
        f"{t_fold.cite(names['cd8_of_immune_true'], 'fold')}-fold; model CD8+ density "
        f"{t_fold.cite('CD8+ T-cell density in the model', 'fold')}-fold) and "
        f"{_acute_fold_text(per, t_fold, names['acute_malignant_recovered'])} "
        "(day 7 after 20 Gy vs sham)."
    )
    arm_label = {"RT": "RT (20 Gy)", "sham": "sham"}
    figs = [
        Figure(
            sample_points_figure(per, group="condition",
                                 values=["cd8_of_immune_recovered", "acute_malignant_recovered"],
                                 titles=["CD8+ T cells", "acute-IFN malignant cells"],
                                 ylabels=["fraction of immune cells", "fraction of malignant cells"],
                                 group_labels=arm_label),
            take,
            "Dots: samples (the unit of comparison); line: mean of the arm.",
        )
    ]  # fmt: skip
    tables = [t_fold, t_per]
    samples = _csv(d, "analysis/sc/samples.csv")
    if samples is not None and {"prop_cd8_t", "frac_acute_malignant"} <= set(samples):
        arms = (
            samples.groupby("condition", sort=False)
            .agg(prop_cd8_t=("prop_cd8_t", "mean"), frac_acute_malignant=("frac_acute_malignant", "mean"),
                 n=("prop_cd8_t", "size"))
            .reset_index()
        )  # fmt: skip
        t_arms = Table(
            "Recovered cell states per arm, day 7 (mean of the samples)",
            arms,
            id="sc-arms",
            headers={"condition": "Arm", "prop_cd8_t": "CD8+ T cells, share of all cells",
                     "frac_acute_malignant": "Acute-IFN malignant cells, share of malignant cells",
                     "n": "Samples (n)"},
            formats={"prop_cd8_t": "pct", "frac_acute_malignant": "pct", "n": "int"},
        )  # fmt: skip
        tables.append(t_arms)

        def arm_text(col: str) -> str:
            return " vs ".join(f"{t_arms.cite(str(a), col)} ({a})" for a in arms["condition"])

        figs.append(
            Figure(
                composition_figure(samples),
                f"CD8+ T cells make up {arm_text('prop_cd8_t')} of all cells (day 7, mean per arm).",
                "Cell-type composition per sample, from the cell types `ifnexus sc profile` called.",
            )
        )
        cells = _csv(d, "analysis/sc/cells.csv")
        scores = {"ifn_acute": "acute IFN score (a.u.)", "ifn_chronic": "chronic IFN score (a.u.)"}
        if cells is not None and {"cell_type", "condition", *scores} <= set(cells):
            figs.append(
                Figure(
                    score_by_group_figure(cells, scores=scores),
                    f"The acute IFN programme is on in {arm_text('frac_acute_malignant')} of "
                    "malignant cells (day 7, mean per arm).",
                    "Per-cell IFN programme scores by called cell type and arm (`ifnexus sc "
                    "profile`); boxes: quartiles, whiskers: 1.5 x IQR.",
                )
            )
    section = Section(
        "singlecell",
        "4. Single-cell view of irradiated and sham tumours",
        "Mouse tumours 7 days after 20 Gy vs sham (3 tumours per arm), profiled with "
        "`ifnexus sc profile`.",
        figures=figs,
        tables=tables,
    )
    return section, {"fold": t_fold}


def _cohort(d: Path, manifest: dict, trial: Table) -> tuple[Section, dict[str, Table]]:
    clinical = _table(d, "inputs/clinical.csv")
    n = len(clinical)
    counts = clinical["disease"].value_counts() if "disease" in clinical else pd.Series(dtype=int)
    schedule = str(manifest.get("cohort_schedule", "50Gy/25fx"))
    sched = schedule_label(schedule)
    lc = _table(d, "recovery/local_control.csv")
    t_lc = Table(
        f"Local failure at 24 months by IFN state, all {n} cohort patients",
        lc,
        id="cohort-by-state",
        key=["labels", "ifn_state"],
        headers={"labels": "IFN-state labels", "ifn_state": "IFN state", "n": "Patients (n)",
                 "cif_local_failure_24m": "Cumulative incidence, observed",
                 "lower": "95% CI lower", "upper": "95% CI upper",
                 "model_local_failure_24m": "Model local failure (no deaths)"},
        formats={"n": "int", "cif_local_failure_24m": "pct", "lower": "pct", "upper": "pct",
                 "model_local_failure_24m": "pct"},
        note="Observed: Aalen-Johansen cumulative incidence with death as a competing event, "
        "censored follow-up. Model: the fraction of the same patients whose simulated tumour "
        "failed by 24 months, before any death (the computation the trial uses).",
    )  # fmt: skip
    gray = _table(d, "recovery/gray_test.csv")
    t_gray = Table(
        f"Gray's test: cumulative incidence of local failure across called IFN states, all {n} patients",
        gray[["statistic", "df", "p_value", "n_groups"]],
        id="gray-test",
        headers={"statistic": "Chi-square", "df": "df", "p_value": "p", "n_groups": "Groups (n)"},
        formats={"statistic": "f2", "df": "int", "p_value": "p", "n_groups": "int"},
    )  # fmt: skip
    g0 = t_gray.row_keys()[0]
    gray_text = (
        f"Gray's test: chi-square {t_gray.cell(g0, 'statistic')}, "
        f"df {t_gray.cell(g0, 'df')}, p {t_gray.cell(g0, 'p_value')}"
    )
    called = lc[lc["labels"] == "called state"]
    by_state = [
        f"{s} {t_lc.cite(f'called state / {s}', 'cif_local_failure_24m')}"
        if pd.notna(cif)
        # a small group followed for less than 24 months: the Aalen-Johansen estimate is not
        # defined there (not a damaged table, so not refused; said in words, no number quoted)
        else f"{s} not estimable (its follow-up ends before 24 months)"
        for s, cif in zip(called["ifn_state"], called["cif_local_failure_24m"], strict=True)
    ]
    take = (
        f"Cumulative incidence of local failure at 24 months, all {n} patients by called IFN "
        "state (death competing): "
        + ", ".join(by_state)
        + f"; Gray's test chi-square {t_gray.cite(g0, 'statistic')} on {t_gray.cite(g0, 'df')} df, "
        f"p = {t_gray.cite(g0, 'p_value')}."
    )  # fmt: skip
    curves = _table(d, "recovery/cif_curves.csv")
    at_risk = _table(d, "recovery/cif_at_risk.csv")
    figs = [
        Figure(
            cif_figure(curves, at_risk, gray=gray_text, legend_title="called IFN state"),
            take,
            "Aalen-Johansen cumulative incidence with 95% bands, death as a competing event; "
            "numbers at risk below the curves.",
        )
    ]
    lf = _table(d, "recovery/local_failure_24m.csv")
    t_lf = Table(
        f"Local failure by 24 months under {sched}: the trial arm and the cohort on one scale",
        lf,
        id="trial-vs-cohort",
        key=["source", "population", "estimate_type"],
        headers={"source": "Source", "population": "Population", "n": "Patients (n)",
                 "estimate_type": "Estimate", "local_failure_24m": "Local failure by 24 months",
                 "lower": "95% CI lower", "upper": "95% CI upper"},
        formats={"n": "int", "local_failure_24m": "pct", "lower": "pct", "upper": "pct"},
        note="Model estimates: fraction of simulated tumours failed by 24 months (Wilson 95% "
        "interval); observed: Aalen-Johansen with death competing (log-log 95% interval).",
    )  # fmt: skip
    keys = set(t_lf.row_keys())
    gross_model = "cohort / gross disease / model, no deaths"
    gross_obs = "cohort / gross disease / observed, death competing (Aalen-Johansen)"
    post_model = "cohort / post-operative / model, no deaths"
    all_obs = "cohort / all patients / observed, death competing (Aalen-Johansen)"
    trial_row = next((k for k in t_lf.row_keys() if k.startswith("virtual trial")), None)
    trial_arm = f"{sched} / RT alone"
    if (
        trial_row
        and {gross_model, gross_obs, post_model, all_obs} <= keys
        and trial_arm in trial.row_keys()
    ):
        lf_take = (
            f"Why section 2 and this section differ: the trial's {sched} arm is "
            f"{t_lf.cite(trial_row, 'n')} patients with gross disease; its local control of "
            f"{trial.cite(trial_arm, 'all')} at 24 months is local failure in "
            f"{t_lf.cite(trial_row, 'local_failure_24m')}, from the model, which has no deaths. "
            f"The cohort's gross-disease patients fail in {t_lf.cite(gross_model, 'local_failure_24m')} "
            f"by the same computation and in {t_lf.cite(gross_obs, 'local_failure_24m')} observed "
            "(deaths come first in some); its post-operative patients, with far fewer clonogens, "
            f"in {t_lf.cite(post_model, 'local_failure_24m')}; so all {n} patients show "
            f"{t_lf.cite(all_obs, 'local_failure_24m')} observed. Different populations, one "
            "computation."
        )  # fmt: skip
        t_lf.lead = lf_take
    tables = [t_lc, t_gray]
    tumours = _csv(d, "analysis/tumour/tumours.csv")
    effects = _csv(d, "analysis/outcome/features/effects.csv")
    if effects is not None and len(effects):
        eff = effects.copy()
        units = eff["unit"] if "unit" in eff else [""] * len(eff)  # an optional column
        eff["label"] = [
            term_label(f, t, u) for f, t, u in zip(eff["feature"], eff["term"], units, strict=True)
        ]  # fmt: skip
        shown = eff[["label", "analysis", "ratio", "lower", "upper", "p", "n", "n_events"]]
        t_eff = Table(
            f"Fine-Gray subdistribution hazard ratios for local failure, all {n} patients",
            shown,
            id="finegray",
            key=["label", "analysis"],
            headers={"label": "Term", "analysis": "Analysis", "ratio": "SHR", "lower": "95% CI lower",
                     "upper": "95% CI upper", "p": "p", "n": "Patients (n)", "n_events": "Local failures (n)"},
            formats={"ratio": "f2", "lower": "f2", "upper": "f2", "p": "p", "n": "int", "n_events": "int"},
        )  # fmt: skip
        uni = eff[eff["analysis"] == "univariable"].sort_values("p")
        forest_take = (
            "Fine-Gray subdistribution hazard ratios of tumour features for local failure."
        )
        if len(uni):
            row = f"{uni['label'].iloc[0]} / univariable"
            forest_take = (
                f"Strongest single feature for local failure: {uni['label'].iloc[0]} (SHR "
                f"{t_eff.cite(row, 'ratio')}, 95% CI {t_eff.cite(row, 'lower')} to "
                f"{t_eff.cite(row, 'upper')}, p = {t_eff.cite(row, 'p')}; univariable Fine-Gray, all {n} patients)."
            )  # fmt: skip
        figs.append(
            Figure(
                forest_figure(eff, label_col="label", series_col="analysis",
                              xlabel="subdistribution hazard ratio for local failure (95% CI, log scale)"),
                forest_take,
                "`ifnexus outcome features`; death as a competing event. Reference levels: "
                "acute-competent IFN state, no 9p21 loss; purity per standard deviation.",
            )
        )  # fmt: skip
        tables.append(t_eff)
    if tumours is not None and {"ifn_state", "TumorPurity"} <= set(tumours):
        med = (
            tumours.groupby("ifn_state")
            .agg(n=("TumorPurity", "size"), median=("TumorPurity", "median"))
            .reset_index()
        )
        t_pur = Table(
            f"ESTIMATE tumour purity by called IFN state, all {len(tumours)} tumours",
            med,
            id="purity",
            headers={"ifn_state": "Called IFN state", "n": "Tumours (n)", "median": "Median purity"},
            formats={"n": "int", "median": "f2"},
        )  # fmt: skip
        purity_take = "Median ESTIMATE purity: " + ", ".join(
            f"{s} {t_pur.cite(s, 'median')}" for s in med["ifn_state"]
        ) + "."  # fmt: skip
        figs.append(
            Figure(
                purity_figure(tumours, group="ifn_state", value="TumorPurity",
                              ylabel="ESTIMATE tumour purity (fraction)"),
                purity_take,
                "ESTIMATE purity by called IFN state (`ifnexus tumour profile`); boxes: quartiles.",
            )
        )  # fmt: skip
        tables.append(t_pur)
    mix = ", ".join(f"{int(counts.get(k, 0))} {v}" for k, v in _DISEASE.items() if counts.get(k, 0))
    section = Section(
        "cohort",
        "5. The patient cohort: local control by IFN state",
        f"{n} virtual MPNST patients treated with {sched} ({mix}), followed for 2 to 5 years; "
        "death without local failure is a competing event. Bulk expression and copy number "
        "profiled with `ifnexus tumour profile`, outcomes analysed with `ifnexus outcome`. "
        "Time is counted from the first fraction.",
        figures=figs,
        tables=tables,
        lead_tables=[t_lf],
    )
    return section, {"lf": t_lf, "lc": t_lc}


def _truth(d: Path) -> tuple[Section, Table]:
    conf = _table(d, "recovery/ifn_state_confusion.csv")
    t_conf = Table(
        "IFN state: true (rows) vs called (columns), cohort patients",
        conf,
        id="confusion",
        headers={"true_state": "True state"},
        formats={c: "int" for c in conf.columns[1:]},
    )
    summ = _table(d, "recovery/tumour_summary.csv")
    summ["shown"] = [
        f"{v:.2f}" if "Pearson" in str(m) else fmt_pct(v)
        for m, v in zip(summ["measure"], summ["value"], strict=True)
    ]
    t_summ = Table(
        "Tumour profile recovery, cohort patients",
        summ[["measure", "shown"]],
        id="tumour-recovery",
        headers={"measure": "Measure", "shown": "Value"},
    )
    section = Section(
        "truth",
        "6. Truth vs recovered",
        "What the analysis modules recovered beside what the model generated. Local failure by "
        "true and called IFN state is in section 5; the screen and single-cell comparisons are "
        "in sections 3 and 4.",
        tables=[t_conf, t_summ],
    )
    return section, t_summ


def _hypotheses(d: Path) -> Section | None:
    """Section 7, read from ``model/hypotheses/``; None when the study has no such run.

    ``ifnexus demo`` writes it with ``ifnexus study hypotheses model/hypotheses.toml --out
    model/hypotheses``: the report reads those result files and recomputes nothing.
    """
    from ifnexus.report._figures import _figure, _png
    from ifnexus.study._hypotheses import HYPOTHESES, plot_hypothesis_power

    if not (d / "model" / "hypotheses" / "summary.json").is_file():
        return None
    summary = json.loads(read_text_bytes(d / "model/hypotheses/summary.json", "study file"))
    power, examples = (_table(d, rel) for rel in _HYPOTHESES_COLUMNS)
    for rel, frame in zip(_HYPOTHESES_COLUMNS, (power, examples), strict=True):
        missing = [c for c in _HYPOTHESES_COLUMNS[rel] if c not in frame.columns]
        if missing:
            raise InputFormatError(
                f"study table {d / rel}: missing column(s) {missing}; columns: "
                f"{list(frame.columns)}"
            )
    design = summary["design"]
    target = float(design["power"])
    pure = power[power["truth"].isin(list(HYPOTHESES))].copy()
    pure["wrong"] = np.where(pure["truth"] == "zhu", pure["called_clonogen"], pure["called_zhu"])
    t_pow = Table(
        "Simulated studies naming the generating explanation, by measurements, patients and "
        "follow-up (endpoint: time to local failure, death competing; share of "
        f"{int(design['studies'])} studies per row)",
        pure[["truth", "measurements", "n_patients", "followup_years", "mean_events",
              "identified", "wrong", "undetermined"]],
        id="hypotheses-power",
        key=["truth", "measurements", "n_patients", "followup_years"],
        headers={"truth": "Truth", "measurements": "Measured", "n_patients": "Patients",
                 "followup_years": "Follow-up (years)", "mean_events": "Local failures (mean)",
                 "identified": "Named the truth", "wrong": "Named the other",
                 "undetermined": "Undetermined"},
        formats={"identified": "pct", "wrong": "pct", "undetermined": "pct", "n_patients": "int",
                 "followup_years": "f1", "mean_events": "f1"},
    )  # fmt: skip
    t_ex = Table(
        "One simulated study per explanation through tumour profile and outcome features "
        f"(time to local failure over {float(examples['followup_years'].iloc[0]):g} years)",
        examples[["hypothesis", "n_patients", "purity_error_sd", "cluster_call_error",
                  "ifn_deficient_call_error", "events", "delta_aic", "identified"]],
        id="hypotheses-examples",
        key=["hypothesis"],
        headers={"hypothesis": "Truth", "n_patients": "Patients",
                 "purity_error_sd": "ESTIMATE purity error (SD)",
                 "cluster_call_error": "9p21/IFN-cluster calls wrong",
                 "ifn_deficient_call_error": "IFN-deficient calls wrong",
                 "events": "Local failures", "delta_aic": "AIC zhu minus clonogen",
                 "identified": "Named"},
        formats={"cluster_call_error": "pct", "ifn_deficient_call_error": "pct",
                 "n_patients": "int", "events": "int"},
    )  # fmt: skip
    # one measurement set ("all" when run, else the first) at the longest follow-up: the
    # takeaway's rows must all come from the set it names
    sets = list(dict.fromkeys(pure["measurements"].astype(str)))
    ms = "all" if "all" in sets else sets[0]
    full = pure[pure["measurements"] == ms]
    fu = float(full["followup_years"].max())
    sub = full[full["followup_years"] == fu]
    worst = sub.groupby("n_patients")["identified"].min()
    n_max = int(worst.index.max())

    def key(h: str, n: int) -> str:
        r = sub[(sub["truth"] == h) & (sub["n_patients"] == n)].iloc[0]
        return " / ".join(str(r[c]) for c in ("truth", "measurements", "n_patients",
                                              "followup_years"))  # fmt: skip

    rows = {h: key(h, n_max) for h in HYPOTHESES}
    ok = worst[worst >= target]
    if len(ok):
        n_ok = int(ok.index.min())
        rk = {h: key(h, n_ok) for h in HYPOTHESES}
        take = (
            f"With {ms} measurements and {fu:g} years of follow-up, {n_ok:,} patients name the "
            f"generating explanation in {t_pow.cite(rk['zhu'], 'identified')} of studies when "
            f"the truth is Zhu's and {t_pow.cite(rk['clonogen'], 'identified')} when it is "
            f"clonogen density (target {target:.0%})."
        )
    else:
        take = (
            f"No cohort size simulated reaches {target:.0%} power: with {ms} measurements, "
            f"{n_max:,} patients and {fu:g} years of follow-up, studies name the truth in "
            f"{t_pow.cite(rows['zhu'], 'identified')} (Zhu) and "
            f"{t_pow.cite(rows['clonogen'], 'identified')} (clonogen density) of cases, and the "
            f"other explanation in {t_pow.cite(rows['zhu'], 'wrong')} and "
            f"{t_pow.cite(rows['clonogen'], 'wrong')}."
        )
    fig = _figure(5.6, 3.6)
    plot_hypothesis_power(power, measurements=ms, ax=fig.add_subplot(1, 1, 1))
    err = summary.get("measurement_error_used", {})
    return Section(
        "hypotheses",
        "7. Which explanation of the purity effect could a study tell?",
        "Two explanations of why low-purity MPNSTs are controlled better, as generative "
        "assumptions of the virtual cohort: **Zhu** (purity reflects CD8 T-cell infiltration "
        "and 9p21/IFN-cluster status; clonogens scale with tumour volume) and **clonogen "
        "density** (Pitroda & Weichselbaum: clonogens scale with purity x volume). Post-"
        "operative residual disease after 50 Gy in 25 fractions (where the model's clonogen "
        "number sets local control). Each simulated study measures purity (error as the ESTIMATE "
        f"purity of the example studies, SD {float(err.get('purity_noise', math.nan)):.2f}), "
        "volume, CD8 density and 9p21 status, fits two cause-specific Cox models of local "
        "failure (log volume vs log purity x volume, both with the immune covariates) and names "
        "the one with the lower AIC (by at least 2; else undetermined). The numbers are those of "
        "`ifnexus study hypotheses model/hypotheses.toml --out model/hypotheses` (the design "
        "written into the study folder); docs/study.md has the larger grid.",
        figures=[
            Figure(
                _png(fig),
                take,
                f"Share of {int(design['studies'])} simulated studies per point that name the "
                "generating explanation; endpoint time to local failure with death competing.",
            )
        ],
        tables=[t_pow, t_ex],
    )


def build_report(study: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (self-contained) for a generated and analysed study folder.

    Parameters
    ----------
    study
        The study folder (``ifnexus demo --out DIR`` or ``generate_study`` + ``analyse_study`` +
        ``compare_with_truth``).
    out
        The HTML file to write; ``study/report.html`` by default.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputFormatError
        The folder lacks a table the report reads; ``study.json`` is not a JSON object with a
        seed (int >= 0); a table is empty, header-only, not UTF-8, lacks a column the report
        reads or holds text or infinity in a numeric column (the file, line and column are
        named); the tables disagree so that a section cannot be built; or a finding would quote
        a missing number (``n/a%``, ``nan``-fold: the study is too small); or the folder's
        ``run.json`` shows files from different runs (see
        :func:`ifnexus._runfolder.check_run_folder`).
    """
    d = Path(study)
    missing = [r for r in _REQUIRED if not (d / r).is_file()]
    if missing:
        raise InputFormatError(
            f"{d}: not a complete study folder; missing {', '.join(missing)} "
            "(run `ifnexus demo --out DIR` to generate and analyse one)"
        )
    # a folder with a run.json (ifnexus demo) must hold that one run's files, complete
    check_run_folder(d, required=_REQUIRED, ignore=("report.html",))
    manifest = _manifest(d)
    for rel in _COLUMNS:  # every table checked before any figure is drawn (fails in ms)
        if rel in _REQUIRED or rel == "inputs/clinical.csv" or (d / rel).is_file():
            _table(d, rel)
    step = "system"
    try:  # anything the table checks above let through still ends in an error naming the step
        system, _ = _system(d)
        step = "trial"
        trial, t_trial = _trial(d)
        step = "screen"
        screen, t_screen = _screen(d)
        step = "singlecell"
        singlecell, t_sc = _singlecell(d)
        step = "cohort"
        cohort, t_cohort = _cohort(d, manifest, t_trial)
        step = "truth"
        truth, t_summ = _truth(d)
        step = "hypotheses"
        hyp = _hypotheses(d)
    except (KeyError, IndexError, ValueError, TypeError, ZeroDivisionError) as exc:
        if isinstance(exc, InputFormatError):
            raise
        raise InputFormatError(
            f"{d}: the tables of the report's {step!r} section are inconsistent or incomplete "
            f"({type(exc).__name__}: {exc}); regenerate the study (`ifnexus demo --out DIR`)"
        ) from None
    t_lf = t_cohort["lf"]
    all_obs = "cohort / all patients / observed, death competing (Aalen-Johansen)"
    n = len(_table(d, "inputs/clinical.csv"))
    sched = schedule_label(str(manifest.get("cohort_schedule", "50Gy/25fx")))
    kpis = {
        f"virtual patients in the cohort ({sched})": t_lf.cite(all_obs, "n"),
        f"local failure by 24 months (cohort, all {n} patients, death competing)": t_lf.cite(
            all_obs, "local_failure_24m"
        ),
        f"IFN-state calls correct (all {n} cohort patients)": t_summ.cite("IFN-state accuracy", "shown"),
        "planted screen genes recovered (rho hits, 5% FDR)": (
            f"{t_screen['classes'].cite('radiation', 'rho_hits')}/"
            f"{t_screen['classes'].cite('radiation', 'n_genes')}"
        ),
        "CD8+ share of immune cells, RT over sham (day 7, recovered)": (
            t_sc["fold"].cite("CD8+ share of immune cells, recovered", "fold") + "x"
        ),
    }  # fmt: skip
    texts = list(kpis.values())
    sections = [system, trial, screen, singlecell, cohort, truth, *([hyp] if hyp else [])]
    for sec in sections:
        for obj in (sec, *sec.figures, *sec.tables, *sec.lead_tables):
            texts += [v for v in vars(obj).values() if isinstance(v, str)]
    _check_findings(texts, d)
    page = render_html(
        "ifnexus virtual MPNST study",
        "The interferon axis of the radiotherapy response, simulated, measured and recovered "
        f"(seed {manifest.get('seed')}).",
        sections,
        kpis=kpis,
        footer=f"ifnexus {__version__}; all data are simulated by the ifnexus model and analysed "
        "with the ifnexus library.",
    )
    path = Path(out) if out else d / "report.html"
    return write_text(path, page)
