"""The designer's form as a trial design, and the results as CSV.

The browser form holds plain values (text, numbers that may be empty); :func:`design_from_form`
turns them into the tables of a design TOML and hands them to
:func:`ifnexus.trial.design_from_dict`, which does every check ``ifnexus trial`` does, so a
design the page accepts is a design the command runs, and :func:`ifnexus.trial.design_to_toml`
writes it back. Only what a form adds is checked here: an empty or non-numeric field, named
by its label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ifnexus.errors import ValidationError

__all__ = ["MAX_ARMS", "MAX_PATIENTS", "design_from_form", "results_table"]

#: arm slots in the form (an arm with an empty name is left out)
MAX_ARMS = 4
#: patients per arm the page runs (``ifnexus trial`` takes up to 200,000)
MAX_PATIENTS = 20_000

#: form field -> its label in the page (for messages)
LABELS = {
    "trial_name": "Trial name",
    "patients": "Patients per arm",
    "seed": "Seed",
    "followup": "Follow-up (years)",
    "endpoint": "Local control at (years)",
    "disease": "Disease",
    "mix_acute": "Acute-competent fraction",
    "mix_chronic": "Chronic fraction",
    "mix_deficient": "IFN-deficient fraction",
    "reference": "Reference arm",
}


def _number(values: Mapping[str, Any], key: str) -> float:
    v = values.get(key)
    label = LABELS[key]
    if v is None or (isinstance(v, str) and not v.strip()):
        raise ValidationError(f"{label}: enter a number (the field is empty or not a number)")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: expected a number, got {v!r}") from None
    if not math.isfinite(x):
        raise ValidationError(f"{label}: expected a finite number, got {v!r}")
    return x


def _whole(values: Mapping[str, Any], key: str) -> int:
    x = _number(values, key)
    if x != int(x):
        raise ValidationError(f"{LABELS[key]}: expected a whole number, got {x:g}")
    return int(x)


def _text(values: Mapping[str, Any], key: str) -> str:
    v = values.get(key)
    return "" if v is None else str(v).strip()


def design_from_form(values: Mapping[str, Any]) -> Any:
    """Build and check the trial design held by the designer's form.

    Parameters
    ----------
    values
        Field values by id: ``trial_name``, ``patients``, ``seed``, ``followup``, ``endpoint``,
        ``disease`` (``gross``/``postop``), ``mix_acute``, ``mix_chronic``, ``mix_deficient``,
        ``reference`` (an arm name; empty: the first arm) and, for ``i`` in 1 to
        :data:`MAX_ARMS`, ``arm{i}_name``, ``arm{i}_schedule`` and ``arm{i}_interventions``
        (intervention strings as ``ifnexus simulate --intervention`` reads them, separated by
        ``;``). Slots with an empty name are left out. Numbers may be given as numbers or text;
        ``None`` is an empty field.

    Returns
    -------
    ifnexus.trial.TrialDesign
        The design, checked as ``ifnexus trial`` checks a TOML file.

    Raises
    ------
    ValidationError
        An empty or non-numeric field (named by its label), more than :data:`MAX_PATIENTS`
        patients per arm, an arm with a name but no schedule, fewer than two arms, or anything
        :func:`ifnexus.trial.design_from_dict` refuses.
    UnknownNameError
        An unknown intervention (from :func:`ifnexus.trial.design_from_dict`).
    """
    from ifnexus.trial import design_from_dict

    patients = _whole(values, "patients")
    if patients > MAX_PATIENTS:
        raise ValidationError(
            f"{LABELS['patients']}: at most {MAX_PATIENTS:,} in the designer, got {patients:,} "
            "(download the design and run 'ifnexus trial' for larger trials)"
        )
    arms = []
    for i in range(1, MAX_ARMS + 1):
        name = _text(values, f"arm{i}_name")
        schedule = _text(values, f"arm{i}_schedule")
        ivs = [s.strip() for s in _text(values, f"arm{i}_interventions").split(";") if s.strip()]
        if not name:
            if schedule or ivs:
                raise ValidationError(f"Arm {i}: give the arm a name (or clear its fields)")
            continue
        if not schedule:
            raise ValidationError(f"Arm {i} ({name!r}): enter a schedule, e.g. 50Gy/25fx")
        arms.append({"name": name, "schedule": schedule, "interventions": ivs})
    if len(arms) < 2:
        raise ValidationError(
            f"Arms: a trial compares two or more arms; name at least two (got {len(arms)})"
        )
    trial: dict[str, Any] = {
        "name": _text(values, "trial_name") or "Virtual trial",
        "patients_per_arm": patients,
        "followup_years": _number(values, "followup"),
        "seed": _whole(values, "seed"),
    }
    reference = _text(values, "reference")
    if reference:
        trial["reference"] = reference
    data = {
        "trial": trial,
        "population": {
            "setting": "patient",
            "disease": _text(values, "disease") or "gross",
            "ifn_mix": {
                "acute-competent": _number(values, "mix_acute"),
                "chronic": _number(values, "mix_chronic"),
                "ifn-deficient": _number(values, "mix_deficient"),
            },
        },
        "endpoint": {"local_control_years": _number(values, "endpoint")},
        "arms": arms,
    }
    try:
        return design_from_dict(data, source="the form")
    except ValidationError as exc:
        raise ValidationError(_with_label(str(exc))) from None


#: a key named in a design_from_dict message -> the form field it came from
_KEY_FIELDS = (
    ("'patients_per_arm'", "patients"),
    ("'followup_years'", "followup"),
    ("'local_control_years'", "endpoint"),
    ("'seed'", "seed"),
    ("'disease'", "disease"),
    ("ifn_mix", None),
    ("reference arm", "reference"),
)


def _with_label(message: str) -> str:
    """Name the form field a message of :func:`design_from_dict` is about, by its label."""
    text = message.removeprefix("the form: ")
    for key, field in _KEY_FIELDS:
        if key in text:
            label = "IFN-state fractions" if field is None else LABELS[field]
            return f"{label}: {text}"
    return text


def results_table(result: Any) -> pd.DataFrame:
    """One row per arm and IFN state: local control and the paired difference from the reference.

    Parameters
    ----------
    result
        A :class:`ifnexus.trial.TrialResult`.

    Returns
    -------
    pandas.DataFrame
        ``arm``, ``schedule``, ``interventions``, ``ifn_state`` (``all`` and each state),
        ``endpoint_years``, ``n``, ``local_control_net`` with ``net_lower``/``net_upper``
        (Wilson 95%), and against the reference arm (empty for it) ``reference``,
        ``difference``, ``ci_lower``, ``ci_upper``, ``mcnemar_p``; the rows of state ``all``
        also carry the per-arm ``local_control_km`` (``km_lower``, ``km_upper``),
        ``cif_local_failure``, ``cif_death``, ``events_local_failure``, ``deaths``,
        ``lymphocyte_loss``, ``hr``, ``hr_lower`` and ``hr_upper`` of ``TrialResult``.
    """
    arms = result.arms
    by_state = result.by_state
    comp = result.comparisons
    keep = ["arm", "schedule", "interventions"]
    out = by_state.merge(arms[keep], on="arm", how="left")
    out.insert(4, "endpoint_years", result.design.endpoint.local_control_years)
    if not comp.empty:
        cols = ["arm", "ifn_state", "reference", "difference", "ci_lower", "ci_upper", "mcnemar_p"]
        out = out.merge(comp[cols], on=["arm", "ifn_state"], how="left")
    per_arm = [
        c
        for c in ("local_control_km", "km_lower", "km_upper", "cif_local_failure", "cif_death",
                  "events_local_failure", "deaths", "lymphocyte_loss")
        if c in arms.columns
    ]  # fmt: skip
    extra = arms[["arm", *per_arm]].assign(ifn_state="all")
    if not comp.empty and "hr" in comp.columns:
        hr = comp[comp["ifn_state"] == "all"][["arm", "hr", "hr_lower", "hr_upper"]]
        extra = extra.merge(hr, on="arm", how="left")
    out = out.merge(extra, on=["arm", "ifn_state"], how="left")
    first = ["arm", "schedule", "interventions", "ifn_state", "endpoint_years"]
    return out[first + [c for c in out.columns if c not in first]]
