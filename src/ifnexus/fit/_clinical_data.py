"""The data of a clinical local-control fit: one row per patient, the schedule and covariates.

Clinical table (CSV or TSV, optionally gzipped), one row per patient:

- ``patient``: any label, unique;
- ``time``: follow-up from the first fraction, in months (30.4375 days) by default or in days
  (``time_unit="days"``), >= 0 and at most 120 months (the model's longest follow-up);
- ``event``: ``1`` local failure at ``time``; ``0`` alive without local failure at ``time``
  (censored); ``2`` death without local failure at ``time`` (a competing event: the model has
  no death, so for the likelihood it ends the patient's follow-up for local failure, and the
  observed curve is the Aalen-Johansen cumulative incidence of local failure);
- ``schedule``: as ``ifnexus simulate --schedule`` (``50Gy/25fx``, ``60Gy/30fx``, ``8Gy x3``,
  ``0:8,1:8``), read by the model's own parser.

Optional covariates, each an input that ``simulate_cohort`` takes per cohort (an empty cell is
the default):

- ``disease``: ``gross`` (default) or ``postop`` (residual disease after surgery);
- ``margin``: ``R0`` or ``R1`` (post-operative disease only; default: sampled, R1 with
  probability ``p_r1``);
- ``genotype``: the tumour's IFN state in the vocabulary of ``--tumour`` (``sting-loss``,
  ``ifn-cluster-loss``, ``chronic-ifn``, ..., comma-separated; default: the population's
  sampled competence losses and chronic-IFN baselines);
- ``interventions``: ``;``-separated, each as ``--intervention`` (``anti-pd1:day=0,...``).

Other columns are ignored. Patients sharing schedule and covariates form one group: the model
simulates one virtual population per group. Every check names the file, line and column; a
table that fails one is refused whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError
from ifnexus.fit._data import _line, _numbers, _require, _text

__all__ = [
    "CLINICAL_COLUMNS",
    "CLINICAL_COVARIATES",
    "DAYS_PER_MONTH",
    "ClinicalData",
    "PatientGroup",
    "clinical_data",
    "read_clinical",
]

CLINICAL_COLUMNS = ("patient", "time", "event", "schedule")
CLINICAL_COVARIATES = ("disease", "margin", "genotype", "interventions")
DAYS_PER_MONTH = 30.4375
"""Days per month (365.25 / 12)."""
MAX_DAYS = 3650.0
TIME_UNITS = ("months", "days")
EVENT_CODES = (0, 1, 2)


@dataclass(frozen=True)
class PatientGroup:
    """Patients treated alike: one schedule and one set of covariates.

    Attributes
    ----------
    schedule
        Radiotherapy schedule text, as ``--schedule``.
    disease
        ``"gross"`` or ``"postop"``.
    margin
        ``"R0"``, ``"R1"`` or ``None`` (sampled; post-operative disease only).
    genotype
        Tumour genotype(s), comma-separated, or ``None`` (the population's sampled states).
    interventions
        Intervention texts, as ``--intervention``.
    """

    schedule: str
    disease: str = "gross"
    margin: str | None = None
    genotype: str | None = None
    interventions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """A short readable label (schedule and the covariates that are set)."""
        parts = [self.schedule]
        if self.disease != "gross":
            parts.append(self.disease)
        if self.margin:
            parts.append(self.margin)
        if self.genotype:
            parts.append(self.genotype)
        parts += list(self.interventions)
        return " ".join(parts)


@dataclass(frozen=True)
class ClinicalData:
    """Checked clinical local-control data.

    Attributes
    ----------
    table
        ``patient``, ``time`` (days), ``event`` (0/1/2), ``group`` (index into ``groups``).
    groups
        The patient groups, in order of first appearance.
    time_unit
        The unit of the file's ``time`` column (``table`` holds days).
    """

    table: pd.DataFrame
    groups: tuple[PatientGroup, ...]
    time_unit: str = "months"

    @property
    def summary(self) -> pd.DataFrame:
        """One row per group: patients, local failures, deaths, censored, longest follow-up.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``patients``, ``local_failures``, ``deaths``, ``censored``,
            ``max_time_days``.
        """
        rows = []
        for k, g in enumerate(self.groups):
            sub = self.table[self.table["group"] == k]
            e = sub["event"].to_numpy()
            rows.append({"group": g.label, "patients": len(sub),
                         "local_failures": int((e == 1).sum()), "deaths": int((e == 2).sum()),
                         "censored": int((e == 0).sum()),
                         "max_time_days": float(sub["time"].max())})  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Return the groups and the per-group summary as plain data.

        Returns
        -------
        dict
            ``groups`` (fields per group), ``summary`` (records), ``time_unit``.
        """
        return {
            "groups": [vars(g) | {"interventions": list(g.interventions)} for g in self.groups],
            "summary": self.summary.to_dict("records"),
            "time_unit": self.time_unit,
        }


def read_clinical(path: str | os.PathLike[str], *, time_unit: str = "months") -> ClinicalData:
    """Read and check a clinical local-control table (CSV or TSV, optionally gzipped).

    Parameters
    ----------
    path
        The table (columns in the module docstring).
    time_unit
        Unit of the ``time`` column: ``"months"`` or ``"days"``.

    Returns
    -------
    ClinicalData
        The checked data (times in days).

    Raises
    ------
    InputFormatError
        See :func:`clinical_data`.
    """
    from ifnexus.outcome._table import read_outcome_table

    df = read_outcome_table(path, what="clinical table", min_columns=4)
    return clinical_data(df, time_unit=time_unit, source=str(Path(path)))


def _cell(df: pd.DataFrame, col: str, i: int) -> str | None:
    if col not in df.columns:
        return None
    v = df[col].iloc[i]
    return None if pd.isna(v) or not str(v).strip() else str(v).strip()


def clinical_data(
    df: pd.DataFrame, *, time_unit: str = "months", source: str = "<table>"
) -> ClinicalData:
    """Check a clinical local-control table (a DataFrame).

    Parameters
    ----------
    df
        ``patient``, ``time``, ``event``, ``schedule`` and optional ``disease``, ``margin``,
        ``genotype``, ``interventions``; other columns are ignored.
    time_unit
        Unit of ``time``: ``"months"`` (30.4375 days) or ``"days"``.
    source
        Name of the table for messages.

    Returns
    -------
    ClinicalData
        Times converted to days.

    Raises
    ------
    InputFormatError
        A missing column, an empty label or schedule, a time that is not a finite number, a
        negative time or one beyond 120 months, an event code other than 0, 1 or 2, a patient
        listed twice, or a schedule, disease, margin, genotype or intervention the model does
        not accept (a margin without post-operative disease included); the message names the
        line (the first offending one) and column.
    ValidationError
        ``time_unit`` not ``months`` or ``days``.
    """
    from ifnexus.model import (
        parse_genotype,
        parse_interventions,
        parse_schedule,
    )

    if time_unit not in TIME_UNITS:
        raise ValidationError(
            f"time_unit must be one of {', '.join(TIME_UNITS)}, got {time_unit!r}"
        )
    what = "clinical table"
    _require(df, CLINICAL_COLUMNS, what, source)
    patient = _text(df, "patient", what, source)
    t = _numbers(df, "time", what, source)
    if (t < 0).any():
        i = int(np.flatnonzero(t < 0)[0])
        raise InputFormatError(f"{what} {source}, line {_line(i)}, column time: {t[i]:g}; follow-up "
                               "is counted from the first fraction (>= 0)")  # fmt: skip
    days = t * (DAYS_PER_MONTH if time_unit == "months" else 1.0)
    if (days > MAX_DAYS).any():
        i = int(np.flatnonzero(days > MAX_DAYS)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column time: {t[i]:g} {time_unit} is beyond the "
            f"model's longest follow-up (120 months, {MAX_DAYS:g} days); is the unit right "
            f"(time_unit={time_unit!r})?"
        )
    ev_raw = pd.to_numeric(df["event"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(ev_raw, EVENT_CODES)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column event: {df['event'].iloc[i]!r}; expected 0 "
            "(censored), 1 (local failure) or 2 (death without local failure)"
        )
    dup = patient.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputFormatError(f"{what} {source}, line {_line(i)}, column patient: patient "
                               f"{patient.iloc[i]!r} is listed twice")  # fmt: skip
    sched = _text(df, "schedule", what, source)
    groups: dict[PatientGroup, int] = {}
    checked: set[PatientGroup] = set()
    gid = np.empty(len(df), dtype=int)
    for i in range(len(df)):
        disease = (_cell(df, "disease", i) or "gross").lower()
        margin = _cell(df, "margin", i)
        ivs = tuple(x.strip() for x in (_cell(df, "interventions", i) or "").split(";")
                    if x.strip())  # fmt: skip
        g = PatientGroup(sched.iloc[i], disease, margin.upper() if margin else None,
                         _cell(df, "genotype", i), ivs)  # fmt: skip
        if g not in checked:

            def fail(col: str, msg: str, i: int = i) -> InputFormatError:
                return InputFormatError(f"{what} {source}, line {_line(i)}, column {col}: {msg}")

            if disease not in ("gross", "postop"):
                raise fail("disease", f"{disease!r}; expected gross or postop")
            if g.margin is not None:
                if g.margin not in ("R0", "R1"):
                    raise fail("margin", f"{margin!r}; expected R0 or R1 (or empty: sampled)")
                if disease != "postop":
                    raise fail("margin", "a resection margin needs disease postop")
            for col, check in (
                ("schedule", lambda g=g: parse_schedule(g.schedule)),
                ("genotype", lambda g=g: parse_genotype(g.genotype)),
                ("interventions", lambda g=g: parse_interventions(list(g.interventions))),
            ):
                try:
                    s = check()
                except (ValidationError, UnknownNameError) as exc:
                    raise fail(col, str(exc)) from None
                if col == "schedule" and not np.size(getattr(s, "doses", ())):
                    raise fail(col, f"{g.schedule!r} has no fraction; local control needs "
                                    "radiotherapy")  # fmt: skip
            checked.add(g)
        gid[i] = groups.setdefault(g, len(groups))
    table = pd.DataFrame({"patient": patient.to_numpy(), "time": days,
                          "event": ev_raw.astype(int), "group": gid})  # fmt: skip
    return ClinicalData(table=table, groups=tuple(groups), time_unit=time_unit)
