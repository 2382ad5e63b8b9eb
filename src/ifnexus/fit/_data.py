"""The data of a growth fit: a long table of caliper volumes and the table of its arms.

Growth table (CSV or TSV, one row per measurement): ``animal`` (any label), ``arm`` (a name of
the arms table), ``day`` (days from day 0 of the study clock, on which the schedule's and the
interventions' days are counted and at which the animals hold the model's ``n0`` cells) and
``volume`` (mm^3, > 0). Arms table: ``arm``, ``schedule`` (as ``ifnexus simulate --schedule``:
``'10:8,11:8,12:8'``, ``'none'``), and optional ``genotype``, ``host`` and ``interventions``
(``';'``-separated, each as ``--intervention``); an empty cell is the default.

Every check names the file, line and column; a table that fails one is refused whole.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError

__all__ = ["Arm", "GrowthData", "growth_data", "read_arms", "read_growth", "suggest"]

GROWTH_COLUMNS = ("animal", "arm", "day", "volume")
ARM_COLUMNS = ("arm", "schedule")
ARM_OPTIONAL = ("genotype", "host", "interventions")


@dataclass(frozen=True)
class Arm:
    """One arm of a growth study, in the vocabulary of ``ifnexus simulate``.

    Attributes
    ----------
    name
        The arm's label in the growth table.
    schedule
        Radiotherapy schedule text (``'10:8,11:8,12:8'``, ``'none'``).
    genotype
        Tumour genotype(s), comma-separated, or ``None`` for wild type.
    host
        Host (``'nude'``, ``'ifnar-loss'``, ...), or ``None`` for immunocompetent.
    interventions
        Intervention texts, as ``--intervention``.
    """

    name: str
    schedule: str
    genotype: str | None = None
    host: str | None = None
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class GrowthData:
    """Checked growth measurements with the arms they refer to.

    Attributes
    ----------
    table
        ``animal``, ``arm``, ``day``, ``volume`` (one row per measurement, sorted by animal and
        day; ``animal`` and ``arm`` as text).
    arms
        The arms by name, in the order of the arms table (only arms with data).
    """

    table: pd.DataFrame
    arms: dict[str, Arm]

    @property
    def animals(self) -> list[str]:
        """Animal labels in table order."""
        return list(dict.fromkeys(self.table["animal"]))

    @property
    def summary(self) -> pd.DataFrame:
        """One row per arm: animals, measurements, first and last day.

        Returns
        -------
        pandas.DataFrame
            ``arm``, ``animals``, ``measurements``, ``first_day``, ``last_day``.
        """
        g = self.table.groupby("arm", sort=False)
        return pd.DataFrame(
            {
                "arm": list(g.groups),
                "animals": g["animal"].nunique().to_numpy(),
                "measurements": g.size().to_numpy(),
                "first_day": g["day"].min().to_numpy(),
                "last_day": g["day"].max().to_numpy(),
            }
        )

    def to_dict(self) -> dict:
        """Return the arms and the per-arm summary as plain data.

        Returns
        -------
        dict
            ``arms`` (name -> fields) and ``summary`` (records).
        """
        return {
            "arms": {
                k: vars(a) | {"interventions": list(a.interventions)} for k, a in self.arms.items()
            },  # fmt: skip
            "summary": self.summary.to_dict("records"),
        }


def suggest(name: str, known: Sequence[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for a close known name, else ``""``.

    Parameters
    ----------
    name
        The name given.
    known
        The accepted names.

    Returns
    -------
    str
        The hint, or an empty string.
    """
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if not close:
        low = {k.lower(): k for k in known}
        close = [low[name.lower()]] if name.lower() in low else []
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _line(i: int) -> int:
    return int(i) + 2  # the header is line 1


def _require(df: pd.DataFrame, cols: Sequence[str], what: str, source: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputFormatError(
            f"{what} {source}: missing column(s) {', '.join(missing)}; expected the columns "
            f"{', '.join(cols)} (found: {', '.join(map(str, df.columns))})"
        )


def _text(df: pd.DataFrame, col: str, what: str, source: str) -> pd.Series:
    s = df[col]
    bad = s.isna() | (s.astype(str).str.strip() == "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFormatError(f"{what} {source}, line {_line(i)}, column {col}: empty value")
    return s.astype(str).str.strip()


def _numbers(df: pd.DataFrame, col: str, what: str, source: str) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column {col}: {df[col].iloc[i]!r} is not a "
            "finite number"
        )
    return v


def _arms_frame(df: pd.DataFrame, source: str) -> dict[str, Arm]:
    what = "arms table"
    _require(df, ARM_COLUMNS, what, source)
    names = _text(df, "arm", what, source)
    dup = names.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column arm: arm {names.iloc[i]!r} is listed twice"
        )
    sched = _text(df, "schedule", what, source)
    from ifnexus.model import parse_genotype, parse_host, parse_interventions, parse_schedule

    arms: dict[str, Arm] = {}
    for i, name in enumerate(names):

        def cell(col: str, i: int = i) -> str | None:
            if col not in df.columns:
                return None
            v = df[col].iloc[i]
            return None if pd.isna(v) or not str(v).strip() else str(v).strip()

        ivs = tuple(x.strip() for x in (cell("interventions") or "").split(";") if x.strip())
        arm = Arm(name, sched.iloc[i], cell("genotype"), cell("host"), ivs)
        for col, check in (
            ("schedule", lambda a: parse_schedule(a.schedule)),
            ("genotype", lambda a: parse_genotype(a.genotype)),
            ("host", lambda a: parse_host(a.host)),
            ("interventions", lambda a: parse_interventions(list(a.interventions))),
        ):
            try:
                check(arm)
            except (ValidationError, UnknownNameError) as exc:
                raise InputFormatError(
                    f"{what} {source}, line {_line(i)}, column {col}: {exc}"
                ) from None
        arms[name] = arm
    return arms


def _lloq_column(df: pd.DataFrame, lloq: float | None, what: str, source: str) -> np.ndarray:
    """Per-row detection limits (NaN: none): the ``lloq`` column, else the option's value."""
    if lloq is not None and not (np.isfinite(lloq) and lloq > 0):
        raise ValidationError(f"lloq must be a detection limit > 0 mm^3, got {lloq:g}")
    base = np.full(len(df), np.nan if lloq is None else float(lloq))
    if "lloq" not in df.columns:
        return base
    raw = df["lloq"]
    text = raw.astype(str).str.strip()
    empty = raw.isna().to_numpy() | (text == "").to_numpy()
    col = pd.to_numeric(raw.where(~empty), errors="coerce").to_numpy(dtype=float)
    bad = ~empty & ~(np.isfinite(col) & (col > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column lloq: {raw.iloc[i]!r}; a detection limit "
            "is a number > 0 (mm^3) or empty"
        )
    return np.where(empty, base, col)


def read_arms(path: str | os.PathLike[str]) -> dict[str, Arm]:
    """Read and check an arms table (CSV or TSV).

    Parameters
    ----------
    path
        The file: ``arm``, ``schedule`` and optional ``genotype``, ``host``, ``interventions``.

    Returns
    -------
    dict
        :class:`Arm` by name, in file order.

    Raises
    ------
    InputFormatError
        A missing column, an empty name or schedule, a repeated arm, or a schedule, genotype,
        host or intervention the model does not accept (file, line and column named).
    """
    from ifnexus.outcome._table import read_outcome_table

    df = read_outcome_table(path, what="arms table", min_columns=2)
    return _arms_frame(df, str(path))


def read_growth(
    path: str | os.PathLike[str],
    arms: dict[str, Arm] | str | os.PathLike[str],
    *,
    lloq: float | None = None,
) -> GrowthData:
    """Read a growth table and check it against its arms.

    Parameters
    ----------
    path
        The growth table: ``animal, arm, day, volume`` (CSV or TSV, optionally gzipped).
    arms
        The arms (:func:`read_arms`) or the path of the arms table.
    lloq
        Detection limit in mm^3 (see :func:`growth_data`).

    Returns
    -------
    GrowthData
        The checked data.

    Raises
    ------
    InputFormatError
        See :func:`growth_data`.
    """
    from ifnexus.outcome._table import read_outcome_table

    arm_map = arms if isinstance(arms, dict) else read_arms(arms)
    df = read_outcome_table(path, what="growth table", min_columns=4)
    return growth_data(df, arm_map, source=str(Path(path)), lloq=lloq)


def growth_data(
    df: pd.DataFrame,
    arms: dict[str, Arm],
    *,
    source: str = "<table>",
    lloq: float | None = None,
) -> GrowthData:
    """Check a growth table (a DataFrame) against its arms.

    Parameters
    ----------
    df
        ``animal``, ``arm``, ``day``, ``volume`` and optionally ``lloq`` (a per-row detection
        limit in mm^3; an empty cell takes ``lloq``); other columns are ignored.
    arms
        :class:`Arm` by name.
    source
        Name of the table for messages.
    lloq
        Detection limit in mm^3 (lower limit of quantification): a volume below it (0 for a
        tumour that regressed out of reach of the calipers) is left-censored, known only to
        lie below the limit (the fit's M3 likelihood).

    Returns
    -------
    GrowthData
        Sorted by animal (first appearance) and day; arms without data dropped. With a
        detection limit the table has ``lloq`` and ``below_lloq`` columns.

    Raises
    ------
    InputFormatError
        A missing column, an empty label, a day or volume that is not a finite number, a
        negative volume, a volume of 0 without a detection limit, a detection limit <= 0, a
        negative day, an arm not in the arms table, an animal in two arms, an
        animal measured twice on one day, or an animal with fewer than two time points; the
        message names the line (the first offending one) and what was expected.
    """
    what = "growth table"
    _require(df, GROWTH_COLUMNS, what, source)
    animal = _text(df, "animal", what, source)
    arm = _text(df, "arm", what, source)
    day = _numbers(df, "day", what, source)
    vol = _numbers(df, "volume", what, source)
    if (vol < 0).any():
        i = int(np.flatnonzero(vol < 0)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column volume: {vol[i]:g} mm^3; volumes must be "
            ">= 0 (0 or a value below the detection limit for a tumour that is not palpable)"
        )
    limit = _lloq_column(df, lloq, what, source)
    if (vol <= 0).any() and not np.isfinite(limit[vol <= 0]).all():
        i = int(np.flatnonzero((vol <= 0) & ~np.isfinite(limit))[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column volume: 0 mm^3 needs a detection limit: "
            "give --lloq (lloq=) or an lloq column, and the fit treats the value as below it "
            "(left-censored)"
        )
    if (day < 0).any():
        i = int(np.flatnonzero(day < 0)[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column day: {day[i]:g}; days are counted from "
            "day 0 of the study clock (>= 0)"
        )
    unknown = ~arm.isin(list(arms))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}, column arm: arm {arm.iloc[i]!r} is not in the arms "
            f"table (arms: {', '.join(arms)}){suggest(arm.iloc[i], list(arms))}"
        )
    t = pd.DataFrame({"animal": animal, "arm": arm, "day": day, "volume": vol})
    if np.isfinite(limit).any():
        t["lloq"] = limit
        t["below_lloq"] = np.isfinite(limit) & (vol < limit)
    n_arms = t.groupby("animal", sort=False)["arm"].nunique()
    if (n_arms > 1).any():
        a = n_arms.index[n_arms.to_numpy() > 1][0]
        i = int(np.flatnonzero((animal == a).to_numpy())[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}: animal {a!r} appears in more than one arm"
        )
    dup = t.duplicated(["animal", "day"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}: animal {animal.iloc[i]!r} is measured twice on "
            f"day {day[i]:g}"
        )
    counts = t.groupby("animal", sort=False)["day"].size()
    if (counts < 2).any():
        a = counts.index[counts.to_numpy() < 2][0]
        i = int(np.flatnonzero((animal == a).to_numpy())[0])
        raise InputFormatError(
            f"{what} {source}, line {_line(i)}: animal {a!r} has one time point; a growth fit "
            "needs at least two measurements per animal"
        )
    order = {a: k for k, a in enumerate(dict.fromkeys(animal))}
    t = t.assign(_o=t["animal"].map(order)).sort_values(["_o", "day"], kind="stable")
    t = t.drop(columns="_o").reset_index(drop=True)
    used = [a for a in arms if a in set(arm)]
    return GrowthData(table=t, arms={a: arms[a] for a in used})
