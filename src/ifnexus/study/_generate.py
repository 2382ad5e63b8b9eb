"""Generate a virtual MPNST study with known truth, from the mechanistic model, into a folder.

Layout written under ``DIR``::

    inputs/expression.tsv   genes x patients, log2 intensities (the tumour module's input)
    inputs/segments.tsv     copy-number segments, GRCh38 (DNAcopy layout)
    inputs/clinical.csv     patient_id, age, sex, disease, time_months, event (0/1/2)
    inputs/screen_counts.txt  CRISPRi radiation screen, MAGeCK count-table layout
    inputs/sc_tumours.h5ad  single-cell counts of irradiated and sham mouse tumours
    truth/patients.csv      the model's per-patient truth (IFN state, 9p21, purity, outcome)
    truth/screen_genes.csv  planted gene effects;  truth/sc_samples.csv  per-sample truth
    model/*.csv             system time courses, ablations and the virtual trial
    model/trial.toml        the virtual trial's design (``ifnexus trial`` reruns it)
    study.json              seed, sizes, versions and the model's summaries
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus import __version__
from ifnexus._io import atomic_path, write_table, write_text
from ifnexus._rng import as_generator, seed_entropy
from ifnexus.errors import ValidationError
from ifnexus.model import simulate_cohort
from ifnexus.study._bulk import bulk_expression
from ifnexus.study._clinical import clinical_table
from ifnexus.study._cohort import cohort_truth
from ifnexus.study._screen import screen_counts
from ifnexus.study._segments import cohort_segments
from ifnexus.study._singlecell import singlecell_dataset
from ifnexus.study._trial import ablations, in_vitro_effects, system_timecourses, virtual_trial

Progress = Callable[[str], None]

GENERATE_STEPS: tuple[str, ...] = (
    "simulating the patient cohort (50 Gy/25 fx)",
    "writing bulk expression, copy number and clinical data",
    "in-vitro model -> CRISPRi screen counts",
    "mouse model -> single-cell data of irradiated and sham tumours",
    "system time courses, genotype and host ablations",
    "virtual trial of schedules and combinations",
)
"""The progress messages, one per stage, in order."""


def _noop(_: str) -> None:
    return None


MIN_PATIENTS = 20
MIN_CELLS_PER_SAMPLE = 100
#: Largest sizes of a generated study (memory and time stay within a laptop's).
MAX_SIZES = {
    "n_patients": 20_000,
    "trial_patients": 100_000,
    "ablation_patients": 100_000,
    "cells_per_sample": 20_000,
}
_WHY = {
    "n_patients": "the bulk expression alone takes about 30 kB per patient in memory",
    "trial_patients": "every arm of the trial simulates that many patients",
    "ablation_patients": "every ablation arm simulates that many grafts",
    "cells_per_sample": "the single-cell data take about 50 kB per cell and sample",
}


def generate_study(
    out: str | Path,
    *,
    n_patients: int = 200,
    seed: int = 0,
    trial_patients: int = 300,
    ablation_patients: int = 200,
    cells_per_sample: int = 2000,
    progress: Progress = _noop,
) -> dict:
    """Write a seeded virtual study to ``out`` and return its manifest (also ``study.json``).

    Parameters
    ----------
    out
        The study folder (``inputs/``, ``truth/``, ``model/`` are created under it).
    n_patients
        Virtual patients of the cohort (at least 20, at most 20,000).
    seed
        Seed of the whole study (an int >= 0; 0 is valid); every part draws from its own child
        stream.
    trial_patients
        Patients per arm of the virtual trial (at most 100,000).
    ablation_patients
        Grafts per arm of the ablation experiments (at most 100,000).
    cells_per_sample
        Cells per single-cell sample (at least 100, at most 20,000).
    progress
        Called with one message per stage.

    Returns
    -------
    dict
        The manifest (version, seed, cohort size and schedule, true IFN states, the model's local
        control by state, planted screen effects, single-cell model values), also written to
        ``study.json``.

    Raises
    ------
    ValidationError
        A size that is not a positive integer, fewer than 20 patients or fewer than 100
        cells per sample, or a size over its limit (``MAX_SIZES``).
    """
    sizes = {
        "n_patients": n_patients,
        "trial_patients": trial_patients,
        "ablation_patients": ablation_patients,
        "cells_per_sample": cells_per_sample,
    }
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValidationError(f"{name} must be a positive integer, got {value!r}")
        if value > MAX_SIZES[name]:
            raise ValidationError(
                f"{name} {value} is over the limit of {MAX_SIZES[name]} ({_WHY[name]})"
            )
    if cells_per_sample < MIN_CELLS_PER_SAMPLE:
        raise ValidationError(
            f"cells_per_sample must be at least {MIN_CELLS_PER_SAMPLE} (the report compares "
            f"cell-state shares between arms), got {cells_per_sample}"
        )
    if n_patients < MIN_PATIENTS:
        raise ValidationError(
            f"n_patients must be at least {MIN_PATIENTS} (the analysis compares local control "
            f"between IFN states), got {n_patients}"
        )
    out = Path(out)
    for sub in ("inputs", "truth", "model"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    ss = np.random.SeedSequence(seed_entropy(seed, name="seed"))
    (s_cohort, s_truth, s_bulk, s_seg, s_clin, s_screen, s_sc, s_trial, s_abl, s_mouse) = ss.spawn(
        10
    )

    progress(GENERATE_STEPS[0])
    g = as_generator(s_cohort)
    n_gross = int(round(0.4 * n_patients))
    parts = []
    for disease, n, child in (
        ("gross", n_gross, g.spawn(1)[0]),
        ("postop", n_patients - n_gross, g.spawn(1)[0]),
    ):
        if n:
            res = simulate_cohort(
                "50Gy/25fx",
                n_patients=n,
                setting="patient",
                disease=disease,
                days=1826,
                rng=int(child.integers(2**31)),
                # every post-operative patient of the study has residual disease (the model's
                # default leaves most resection beds clear, issue 15 item 5, which would give
                # the post-operative stratum almost no local failures to analyse)
                params={"p_residual_r0": 1.0, "p_residual_r1": 1.0}
                if disease == "postop"
                else None,
            )
            parts.append(res.patients)
    model_patients = pd.concat(parts, ignore_index=True)
    truth = cohort_truth(model_patients, rng=s_truth)

    progress(GENERATE_STEPS[1])
    expr = bulk_expression(truth, rng=s_bulk)
    segs = cohort_segments(truth, rng=s_seg)
    clinical = clinical_table(truth, rng=s_clin)
    write_table(expr.reset_index(), out / "inputs" / "expression.tsv")
    write_table(segs, out / "inputs" / "segments.tsv")
    write_table(clinical, out / "inputs" / "clinical.csv")
    write_table(truth, out / "truth" / "patients.csv")

    progress(GENERATE_STEPS[2])
    effects = in_vitro_effects()
    counts, screen_truth = screen_counts(
        dict(zip(effects["gene"], effects["log2_sf_ratio"], strict=True)), rng=s_screen
    )
    write_table(counts, out / "inputs" / "screen_counts.txt")
    write_table(
        screen_truth.merge(effects, on="gene", how="left"), out / "truth" / "screen_genes.csv"
    )

    progress(GENERATE_STEPS[3])
    mouse = simulate_cohort("20Gy x1", n_patients=200, setting="mouse", rng=s_mouse, record=50)
    day7 = _mean_state_at(mouse.timecourses, day=7.0)
    cd8_fc = float(np.nanmean(mouse.patients["cd8_fold_change_day7"]))
    acute_rt = float(np.clip(day7.get("acute", 0.5), 0.05, 0.9))
    chronic_frac = float(np.clip(day7.get("irds", 0.1), 0.02, 0.3))
    adata, sc_truth = singlecell_dataset(
        cd8_fold_change=cd8_fc,
        acute_fraction_rt=acute_rt,
        chronic_fraction=chronic_frac,
        cells_per_sample=cells_per_sample,
        rng=s_sc,
    )
    with atomic_path(out / "inputs" / "sc_tumours.h5ad") as tmp:
        adata.write_h5ad(tmp)
    sc_truth["model_cd8_fold_change_day7"] = cd8_fc
    write_table(sc_truth, out / "truth" / "sc_samples.csv")

    progress(GENERATE_STEPS[4])
    write_table(system_timecourses(), out / "model" / "system_timecourses.csv")
    write_table(ablations(n_patients=ablation_patients, rng=s_abl), out / "model" / "ablations.csv")
    progress(GENERATE_STEPS[5])
    trial = virtual_trial(n_patients=trial_patients, rng=s_trial,
                          design_path=out / "model" / "trial.toml")  # fmt: skip
    write_table(trial, out / "model" / "trial.csv")

    manifest = {
        "ifnexus_version": __version__,
        "seed": seed,
        "n_patients": int(n_patients),
        "cohort_schedule": "50Gy/25fx",
        "true_ifn_states": truth["ifn_state_true"].value_counts().to_dict(),
        "model_local_control_by_state": truth.groupby("ifn_state_true")["local_control"]
        .mean()
        .round(4)
        .to_dict(),
        "screen_planted": effects.to_dict(orient="records"),
        "sc_model": {
            "cd8_fold_change_day7": cd8_fc,
            "acute_fraction_rt": acute_rt,
            "chronic_fraction": chronic_frac,
        },
    }
    write_text(out / "study.json", json.dumps(manifest, indent=1, default=float))
    return manifest


def _mean_state_at(tc: pd.DataFrame, *, day: float) -> dict[str, float]:
    """Mean of each recorded state at the grid time nearest ``day`` after the first fraction."""
    if tc.empty:
        return {}
    times = np.sort(tc["time"].unique())
    t = times[np.argmin(np.abs(times - day))]
    return tc[tc["time"] == t].groupby("state")["value"].mean().to_dict()
