"""Model experiments for the study: system time courses, ablations, a virtual trial, in-vitro effects.

Every number here comes from :mod:`ifnexus.model`; this module only chooses the scenarios
(the ones the seed's study and commentary discuss) and tidies the results.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import ValidationError
from ifnexus.model import parse_schedule, simulate_cohort
from ifnexus.study._clinical import DAYS_PER_MONTH

if TYPE_CHECKING:  # pragma: no cover
    from ifnexus.trial import TrialDesign

#: Time point of the trial's endpoint and of the cohort's comparison with it, in months.
TRIAL_MONTHS = 24.0

# Gene knock-downs of the seed's CRISPRi screen and the model genotype each one removes.
SCREEN_GENOTYPES = {
    "STING1": "sting-loss",
    "CGAS": "cgas-loss",
    "IRF3": "irf3-loss",
    "IFNAR1": "ifnar1-loss",
    "STAT1": "stat1-loss",
}


def system_timecourses(days: float = 90.0) -> pd.DataFrame:
    """Typical-tumour time courses under 50 Gy/25 fx for acute-competent, chronic and IFN-deficient tumours.

    Columns: scenario, day, ifn, acute_signal, ustat1, irds, cd8, tumour.

    Parameters
    ----------
    days
        Follow-up in days from the first fraction.

    Returns
    -------
    pandas.DataFrame
        Long table with the columns above.
    """
    rows = []
    for label, genotype in (
        ("acute-competent", None),
        ("chronic", "chronic-ifn"),
        ("ifn-deficient", "ifn-cluster-loss"),
    ):
        res = simulate_cohort(
            "50Gy/25fx",
            n_patients=1,
            setting="patient",
            genotype=genotype,
            heterogeneity=False,
            record=1,
            days=days,
            rng=0,
        )
        tc = res.timecourses.pivot_table(
            index="time", columns="state", values="value", aggfunc="last"
        )
        rows.append(
            pd.DataFrame(
                {
                    "scenario": label,
                    "day": tc.index.to_numpy(),
                    "ifn": tc["ifn"].to_numpy(),
                    "acute_signal": tc["acute"].to_numpy(),
                    "ustat1": tc["ustat1"].to_numpy(),
                    "irds": tc["irds"].to_numpy(),
                    "cd8": tc["cd8"].to_numpy(),
                    "tumour": tc["burden"].to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def ablations(
    *, n_patients: int = 200, schedule: str = "20Gy x1", rng: RngLike = 0
) -> pd.DataFrame:
    """Local control of mouse grafts by tumour genotype and host (the seed's ablation experiments).

    Columns: scenario, kind (tumour or host), local_control, n, schedule. Every arm uses the
    same seed, so arms differ only by the ablation (common random numbers).

    Parameters
    ----------
    n_patients
        Grafts per arm.
    schedule
        The radiotherapy schedule of every arm.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    pandas.DataFrame
        One row per arm (the columns above).
    """
    seed = int(as_generator(rng).integers(2**31))
    arms: list[tuple[str, str, str | None, str | None]] = [("wild type", "reference", None, None)]
    arms += [
        (g, "tumour", g, None)
        for g in (
            "sting-loss",
            "cgas-loss",
            "irf3-loss",
            "ifnar1-loss",
            "stat1-loss",
            "ifn-cluster-loss",
            "chronic-ifn",
        )
    ]
    arms += [
        (f"host {h}", "host", None, h) for h in ("t-cell-deficient", "ifnar-loss", "sting-loss")
    ]
    rows = []
    for label, kind, genotype, host in arms:
        res = simulate_cohort(
            schedule, n_patients=n_patients, setting="mouse", genotype=genotype, host=host, rng=seed
        )
        rows.append(
            {
                "scenario": label,
                "kind": kind,
                "local_control": float(res.patients["local_control"].mean()),
                "n": n_patients,
                "schedule": schedule,
            }
        )
    return pd.DataFrame(rows)


def local_control_at(patients: pd.DataFrame, months: float = TRIAL_MONTHS) -> float:
    """Fraction of model tumours free of local failure ``months`` after the first fraction.

    The one computation of the model's local control at a time point, used for the virtual
    trial's arms and for the cohort's model truth, so the two are comparable. It is the net
    local control of the model (the model simulates no deaths), not a cumulative incidence
    with death as a competing event.

    Parameters
    ----------
    patients
        A :func:`ifnexus.model.simulate_cohort` patient table (or rows of it) with
        ``time_to_failure`` (days from the first fraction, NaN without failure) and
        ``followup`` (days).
    months
        Time point in months (1 month = 365.25/12 days).

    Returns
    -------
    float
        The fraction without local failure by ``months``; NaN for an empty table.

    Raises
    ------
    ValidationError
        If a tumour's follow-up ends before ``months``.
    """
    if len(patients) == 0:
        return float("nan")
    t = months * DAYS_PER_MONTH
    ttf = patients["time_to_failure"].to_numpy(float)
    failed = np.isfinite(ttf) & (ttf <= t)
    # a tumour without failure by t must have been followed to t (followup ends at failure)
    short = ~failed & (patients["followup"].to_numpy(float) < t - 1e-6)
    if short.any():
        raise ValidationError(
            f"local_control_at: {int(short.sum())} tumour(s) without local failure are followed "
            f"for less than {months:g} months ({t:g} days); simulate with days >= {t:g}"
        )
    return float(1.0 - failed.mean())


def _combinations(schedule: str) -> dict[str, list[str]]:
    last = float(np.max(parse_schedule(schedule).days))
    return {
        "RT alone": [],
        "+ STING agonist": ["sting-agonist:day=0,dose=1,repeat=3,every=7"],
        "+ IFNAR block during RT": [f"ifnar-block:start=0,end={last + 1:g}"],
        "+ IFNAR block after RT": [f"ifnar-block:start={last + 1:g},end={last + 43:g}"],
    }


def trial_design(
    *,
    n_patients: int = 300,
    seed: int = 0,
    regimens: tuple[str, ...] = ("50Gy/25fx", "25Gy/5fx", "8Gy x3"),
    disease: str = "gross",
) -> TrialDesign:
    """Return the study's virtual trial as an ``ifnexus trial`` design: regimens x combinations.

    Arms are named ``"REGIMEN / COMBINATION"``; the reference is the first regimen alone; the
    endpoint is local control at 24 months (:data:`TRIAL_MONTHS`), with 24 months of follow-up.

    Parameters
    ----------
    n_patients
        Virtual patients per arm.
    seed
        The design's seed (int >= 0).
    regimens
        The radiotherapy schedules compared.
    disease
        The trial's population (``"gross"`` or ``"postop"``).

    Returns
    -------
    ifnexus.trial.TrialDesign
        The design (write it with :func:`ifnexus.trial.design_to_toml`).
    """
    from ifnexus.trial import design_from_dict

    arms = [
        {"name": f"{regimen} / {combo}", "schedule": regimen, "interventions": ivs}
        for regimen in regimens
        for combo, ivs in _combinations(regimen).items()
    ]
    return design_from_dict({
        "trial": {"name": "virtual trial of schedules and combinations",
                  "reference": arms[0]["name"], "patients_per_arm": int(n_patients),
                  "followup_years": TRIAL_MONTHS / 12.0, "seed": int(seed)},
        "population": {"setting": "patient", "disease": disease},
        "endpoint": {"local_control_years": TRIAL_MONTHS / 12.0},
        "arms": arms,
    })  # fmt: skip


def virtual_trial(
    *,
    n_patients: int = 300,
    rng: RngLike = 0,
    regimens: tuple[str, ...] = ("50Gy/25fx", "25Gy/5fx", "8Gy x3"),
    disease: str = "gross",
    design_path: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Local control at 24 months of virtual MPNST patients by regimen, combination and IFN state.

    Columns: regimen, combination, disease, ifn_state, local_control (fraction free of local
    failure 24 months after the first fraction, :func:`local_control_at`; the model simulates
    no deaths), n. Every arm simulates the same virtual patients (same seed), so differences
    are the treatment's alone. ``disease`` is the trial's population: ``"gross"`` (unresected
    tumours, default) or ``"postop"``. The numbers are those of ``ifnexus trial`` on the
    design :func:`trial_design` builds (its ``local_control_net`` by IFN state), which
    ``design_path`` writes as TOML, so the report and the command line cannot disagree.

    Parameters
    ----------
    n_patients
        Virtual patients per arm.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.
    regimens
        The radiotherapy schedules compared.
    disease
        The trial's population (``"gross"`` or ``"postop"``).
    design_path
        Where to write the design TOML (``ifnexus trial PATH`` reruns it); None: not written.

    Returns
    -------
    pandas.DataFrame
        One row per regimen, combination and IFN state (the columns above).
    """
    from ifnexus._io import write_text
    from ifnexus.trial import design_to_toml, run_trial

    seed = int(as_generator(rng).integers(2**31))
    design = trial_design(n_patients=n_patients, seed=seed, regimens=regimens, disease=disease)
    if design_path is not None:
        write_text(design_path, design_to_toml(design))
    by_state = run_trial(design).by_state
    names = by_state["arm"].str.split(" / ", n=1)
    return pd.DataFrame({
        "regimen": names.str[0], "combination": names.str[1], "disease": disease,
        "ifn_state": by_state["ifn_state"], "local_control": by_state["local_control_net"],
        "n": by_state["n"],
    })  # fmt: skip


def in_vitro_effects(dose: float = 4.0) -> pd.DataFrame:
    """Per screen gene: the model's clonogenic survival after ``dose`` Gy with and without the knock-down.

    Columns: gene, genotype, sf_wild_type, sf_knockdown, log2_sf_ratio (positive = the
    knock-down confers radioresistance, as the seed's screen found).

    Parameters
    ----------
    dose
        The single dose in Gy.

    Returns
    -------
    pandas.DataFrame
        One row per screen gene (the columns above).
    """
    from ifnexus.model import in_vitro_survival

    wt = float(np.asarray(in_vitro_survival([dose]))[0])
    rows = []
    for gene, genotype in SCREEN_GENOTYPES.items():
        kd = float(np.asarray(in_vitro_survival([dose], genotype=genotype))[0])
        rows.append(
            {
                "gene": gene,
                "genotype": genotype,
                "sf_wild_type": wt,
                "sf_knockdown": kd,
                "log2_sf_ratio": float(np.log2(kd / wt)),
            }
        )
    return pd.DataFrame(rows)
