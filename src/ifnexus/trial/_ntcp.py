"""Normal tissue: organ doses as BED/EQD2, gEUD and Lyman-Kutcher-Burman NTCP, lymphocyte loss.

Formulas (written here because they are one line each and no maintained Python package ships
the published organ parameters with them):

* ``BED = sum_i d_i (1 + d_i / (alpha/beta))`` and ``EQD2 = BED / (1 + 2 / (alpha/beta))``
  (Fowler 1989), applied to each DVH bin with the organ's alpha/beta, since the LKB parameters
  below were fitted to doses in 2-Gy fractions;
* generalised EUD ``gEUD = (sum_i v_i D_i^(1/n))^n`` over a differential DVH (fractional
  volumes ``v_i``; Niemierko 1999, Mohan 1992), which is the LKB model's effective dose;
* LKB NTCP ``= Phi((gEUD - TD50) / (m TD50))`` (Lyman 1985; Kutcher & Burman 1989; Burman et al.
  1991 Int J Radiat Oncol Biol Phys 21:123).

Organ parameters (:data:`ORGANS`): Burman et al. 1991 (fitted to the Emami et al. 1991 tolerance
table) for skin, small bowel, spinal cord, brachial plexus and lung, and QUANTEC's lung
parameters (Marks et al. 2010 Int J Radiat Oncol Biol Phys 76:S70, from Seppenwoolde et al.
2003) for ``lung`` by default. alpha/beta for the EQD2 conversion: 2 Gy for the nervous tissues
and 3 Gy for the others (the customary late-effect values; Joiner & van der Kogel).

Lymphocytes: :func:`lymphocyte_loss` is the loss of the model's primed tumour-specific T-cell
pool (state ``T``), a fraction ``f_circ`` of which is in the beam at each fraction and killed
with the lymphocyte LQ coefficients ``alpha_l``, ``beta_l`` (Cho et al. 2023), compounded over
the schedule with the model's parameter values (no repopulation between fractions). It is not
the model's lymphopenia, which is the circulating count ``alc`` (the dose to the circulating
blood, ``blood_exposed`` and ``blood_dose_share``, with resting-T-cell survival D0 ``D0_c``;
recovery ``k_alc``; the cohort's ``alc_1mo``/``alc_3mo``).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError

__all__ = [
    "ORGANS",
    "OrganParameters",
    "canonical_organ",
    "geud",
    "lkb_ntcp",
    "lymphocyte_loss",
    "organ_dose",
    "read_dvh",
]


@dataclass(frozen=True)
class OrganParameters:
    """LKB parameters of one organ at risk.

    Parameters
    ----------
    organ
        Name.
    td50
        Uniform whole-organ dose in 2-Gy fractions giving 50% complication (Gy).
    m
        Slope parameter (SD of the probit over TD50).
    n
        Volume parameter (n = 1 parallel, n -> 0 serial).
    alpha_beta
        alpha/beta (Gy) for the EQD2 conversion.
    endpoint
        The complication.
    source
        Where the parameters come from.
    """

    organ: str
    td50: float
    m: float
    n: float
    alpha_beta: float
    endpoint: str
    source: str


_BURMAN = "Burman et al. 1991 Int J Radiat Oncol Biol Phys 21:123 (fit to Emami et al. 1991)"
ORGANS: Mapping[str, OrganParameters] = MappingProxyType(
    {
        o.organ: o
        for o in (
            OrganParameters("skin", 70.0, 0.12, 0.10, 3.0, "necrosis / ulceration", _BURMAN),
            OrganParameters(
                "small-bowel", 55.0, 0.16, 0.15, 3.0, "obstruction / perforation", _BURMAN
            ),  # fmt: skip
            OrganParameters(
                "spinal-cord", 66.5, 0.175, 0.05, 2.0, "myelitis / necrosis", _BURMAN
            ),  # fmt: skip
            OrganParameters(
                "brachial-plexus",
                75.0,
                0.12,
                0.03,
                2.0,
                "clinically apparent nerve damage (plexopathy)",
                _BURMAN,
            ),  # fmt: skip
            OrganParameters(
                "lung",
                30.8,
                0.37,
                0.99,
                3.0,
                "symptomatic pneumonitis (grade >= 2)",
                "QUANTEC: Marks et al. 2010 Int J Radiat Oncol Biol Phys 76:S70 "
                "(Seppenwoolde et al. 2003)",
            ),  # fmt: skip
            OrganParameters("lung-emami", 24.5, 0.18, 0.87, 3.0, "pneumonitis", _BURMAN),
        )
    }
)
"""Organs at risk with published LKB parameters (read-only)."""

_ALIASES = {
    "bowel": "small-bowel",
    "small-intestine": "small-bowel",
    "cord": "spinal-cord",
    "peripheral-nerve": "brachial-plexus",
    "nerve": "brachial-plexus",
    "lungs": "lung",
}


def canonical_organ(name: str) -> str:
    """Return the :data:`ORGANS` key of ``name`` (aliases: bowel, peripheral-nerve, ...).

    Parameters
    ----------
    name
        An organ name; case and ``_``/space are ignored.

    Returns
    -------
    str
        The key of :data:`ORGANS`.

    Raises
    ------
    UnknownNameError
        An unknown organ (the message lists the known ones and the closest).
    """
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key not in ORGANS:
        known = [*ORGANS, *_ALIASES]
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UnknownNameError(
            f"unknown organ {name!r}{hint}; known: {', '.join(ORGANS)} "
            f"(aliases: {', '.join(_ALIASES)})"
        )
    return key


def geud(dose: ArrayLike, volume: ArrayLike, n: float) -> float:
    """Generalised equivalent uniform dose of a differential DVH.

    Parameters
    ----------
    dose
        Bin doses (Gy, >= 0).
    volume
        Bin volumes (any units, >= 0; normalised to fractions here).
    n
        The LKB volume parameter (``a = 1/n``), > 0.

    Returns
    -------
    float
        ``(sum_i v_i D_i^(1/n))^n`` with ``v_i`` the fractional volumes.

    Examples
    --------
    A uniform dose is its own gEUD:

    >>> round(geud([60.0], [1.0], 0.1), 9)
    60.0
    """
    d = np.asarray(dose, dtype=float)
    v = np.asarray(volume, dtype=float)
    if d.shape != v.shape or d.ndim != 1 or d.size == 0:
        raise ValidationError("geud: dose and volume must be 1-d arrays of the same length")
    if not (np.isfinite(d).all() and np.isfinite(v).all()) or (d < 0).any() or (v < 0).any():
        raise ValidationError("geud: doses and volumes must be finite and >= 0")
    if not np.isfinite(n) or n <= 0:
        raise ValidationError(f"geud: n must be > 0, got {n!r}")
    tot = v.sum()
    if tot <= 0:
        raise ValidationError("geud: the DVH has no volume")
    frac = v / tot
    with np.errstate(divide="ignore"):
        # in log space: D^(1/n) overflows for small n
        logs = np.where(d > 0, np.log(np.where(d > 0, d, 1.0)) / n, -np.inf)
    m = logs.max()
    if not np.isfinite(m):
        return 0.0
    return float(np.exp(n * (m + np.log(np.sum(frac * np.exp(logs - m))))))


def lkb_ntcp(eud: ArrayLike, td50: float, m: float) -> np.ndarray | float:
    """Lyman-Kutcher-Burman NTCP of an effective (gEUD) dose.

    Parameters
    ----------
    eud
        gEUD in 2-Gy-fraction equivalents (Gy).
    td50, m
        The organ's TD50 (Gy) and slope.

    Returns
    -------
    numpy.ndarray or float
        ``Phi((eud - TD50) / (m TD50))``.

    Examples
    --------
    >>> float(lkb_ntcp(66.5, 66.5, 0.175))
    0.5
    """
    if not (td50 > 0 and m > 0):
        raise ValidationError(f"lkb_ntcp: td50 and m must be > 0, got {td50!r}, {m!r}")
    x = (np.asarray(eud, dtype=float) - td50) / (m * td50)
    out = norm.cdf(x)
    return float(out) if np.ndim(out) == 0 else out


def read_dvh(
    path: str | os.PathLike[str], kind: Literal["cumulative", "differential"] = "cumulative"
) -> pd.DataFrame:
    """Read a DVH table (``dose``, ``volume`` columns) and return it as a differential DVH.

    Parameters
    ----------
    path
        CSV (or TSV for ``.tsv``/``.txt``) with columns ``dose`` (Gy, increasing) and
        ``volume`` (any units: cc, % or fraction).
    kind
        ``"cumulative"`` (volume receiving at least ``dose``, non-increasing) or
        ``"differential"`` (volume in each dose bin, at the bin's dose).

    Returns
    -------
    pandas.DataFrame
        Columns ``dose`` (bin dose, Gy) and ``volume`` (fraction of the organ, summing to 1).
        For a cumulative DVH a bin between two rows is placed at their mid-dose.

    Raises
    ------
    InputFormatError
        Unreadable file, missing columns, non-numeric or negative values (naming file, line
        and column), doses not increasing, a cumulative volume that increases.
    """
    p = Path(path)
    sep = "\t" if p.suffix.lower() in {".tsv", ".txt"} else ","
    try:
        df = pd.read_csv(p, sep=sep, comment="#")
    except FileNotFoundError:
        raise InputFormatError(f"DVH file {p} does not exist") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFormatError(f"DVH file {p}: cannot be read as a table ({exc})") from None
    cols = {c.strip().lower(): c for c in df.columns}
    missing = [c for c in ("dose", "volume") if c not in cols]
    if missing:
        raise InputFormatError(
            f"DVH file {p}: column(s) {missing} missing; the table needs 'dose' and 'volume' "
            f"(it has {list(df.columns)})"
        )
    vals = {}
    for c in ("dose", "volume"):
        s = pd.to_numeric(df[cols[c]], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(s.to_numpy(float)) | (s.to_numpy(float) < 0))
        if bad.size:
            raise InputFormatError(
                f"DVH file {p}, line {bad[0] + 2}, column '{c}': expected a number >= 0, got "
                f"{df[cols[c]].iloc[bad[0]]!r}"
            )
        vals[c] = s.to_numpy(float)
    d, v = vals["dose"], vals["volume"]
    if d.size < 1 or (kind == "cumulative" and d.size < 2):
        raise InputFormatError(f"DVH file {p}: too few rows for a {kind} DVH")
    steps = np.diff(d)
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0])
        raise InputFormatError(
            f"DVH file {p}, line {i + 3}, column 'dose': doses must increase row by row"
        )
    if kind == "cumulative":
        dv = -np.diff(v)
        if (dv < -1e-9 * max(v.max(), 1.0)).any():
            i = int(np.flatnonzero(dv < 0)[0])
            raise InputFormatError(
                f"DVH file {p}, line {i + 3}, column 'volume': a cumulative DVH cannot increase "
                f'with dose (use dvh_kind = "differential" for a differential DVH)'
            )
        bins = pd.DataFrame({"dose": np.append((d[:-1] + d[1:]) / 2, d[-1]),
                             "volume": np.append(np.clip(dv, 0, None), v[-1])})  # fmt: skip
    elif kind == "differential":
        bins = pd.DataFrame({"dose": d, "volume": v})
    else:
        raise ValidationError(f"kind must be 'cumulative' or 'differential', got {kind!r}")
    tot = bins["volume"].sum()
    if tot <= 0:
        raise InputFormatError(f"DVH file {p}: the DVH has no volume")
    bins["volume"] = bins["volume"] / tot
    return bins


def _per_fraction(schedule: Any) -> np.ndarray:
    from ifnexus.model import parse_schedule

    return np.asarray(parse_schedule(schedule).doses, dtype=float)


def organ_dose(
    schedule: Any,
    organ: str,
    *,
    relative_dose: float | None = None,
    volume: float = 1.0,
    dvh: pd.DataFrame | None = None,
    dvh_prescription: float | None = None,
) -> dict[str, Any]:
    """BED, EQD2, gEUD and LKB NTCP of one organ under one schedule.

    Parameters
    ----------
    schedule
        The arm's schedule (a string or :class:`ifnexus.model.Schedule`).
    organ
        A name of :data:`ORGANS` (or an alias).
    relative_dose
        The organ's dose per fraction as a fraction of each prescribed fraction dose, uniform
        over ``volume`` of the organ (the rest receives none).
    volume
        Fraction of the organ at ``relative_dose``.
    dvh
        A differential DVH (:func:`read_dvh`) of the plan whose total prescription is
        ``dvh_prescription``; each fraction delivers bin dose x (fraction dose / prescription).
    dvh_prescription
        Total prescribed dose (Gy) of the DVH's plan.

    Returns
    -------
    dict
        ``organ``, ``endpoint``, ``source``, ``alpha_beta``, ``td50``, ``m``, ``n``,
        ``max_physical_dose`` (Gy, total), ``max_bed`` and ``max_eqd2`` (Gy, hottest bin),
        ``mean_eqd2``, ``geud_eqd2`` (gEUD of the EQD2 DVH) and ``ntcp``.
    """
    pars = ORGANS[canonical_organ(organ)]
    d = _per_fraction(schedule)
    if dvh is not None:
        if relative_dose is not None:
            raise ValidationError("organ_dose: give relative_dose or dvh, not both")
        if dvh_prescription is None or dvh_prescription <= 0:
            raise ValidationError("organ_dose: a DVH needs dvh_prescription > 0 (Gy)")
        scale = dvh["dose"].to_numpy(float) / dvh_prescription  # relative dose of each bin
        vol = dvh["volume"].to_numpy(float)
    else:
        if relative_dose is None:
            raise ValidationError("organ_dose: give relative_dose or a dvh")
        if not 0 < volume <= 1:
            raise ValidationError(f"organ_dose: volume must be in (0, 1], got {volume!r}")
        scale = np.array([relative_dose, 0.0])
        vol = np.array([volume, 1.0 - volume])
    ab = pars.alpha_beta
    per_bin = np.outer(scale, d)  # (bins, fractions) Gy per fraction
    bed = (per_bin * (1.0 + per_bin / ab)).sum(axis=1)
    eqd2 = bed / (1.0 + 2.0 / ab)
    physical = per_bin.sum(axis=1)
    g = geud(eqd2, vol, pars.n) if d.size else 0.0
    hot = int(np.argmax(scale)) if scale.size else 0
    return {
        "organ": pars.organ, "endpoint": pars.endpoint, "source": pars.source,
        "alpha_beta": ab, "td50": pars.td50, "m": pars.m, "n": pars.n,
        "max_physical_dose": float(physical[hot]) if d.size else 0.0,
        "max_bed": float(bed[hot]) if d.size else 0.0,
        "max_eqd2": float(eqd2[hot]) if d.size else 0.0,
        "mean_eqd2": float(np.sum(eqd2 * vol) / vol.sum()) if d.size else 0.0,
        "geud_eqd2": g, "ntcp": float(lkb_ntcp(g, pars.td50, pars.m)),
    }  # fmt: skip


def lymphocyte_loss(schedule: Any, *, params: Mapping[str, float] | None = None) -> float:
    """Fraction of the model's primed T-cell pool the schedule kills (not its blood count ``alc``).

    Parameters
    ----------
    schedule
        The schedule (string or :class:`ifnexus.model.Schedule`).
    params
        Model parameter overrides (``f_circ``, ``alpha_l``, ``beta_l``; patient setting).

    Returns
    -------
    float
        ``1 - prod_i (1 - f_circ (1 - exp(-alpha_l d_i - beta_l d_i^2)))``, the model's loss
        per fraction compounded over the schedule without repopulation.
    """
    from ifnexus.model import parameters

    p = parameters("patient", **dict(params or {}))
    d = _per_fraction(schedule)
    sf = np.exp(-p["alpha_l"] * d - p["beta_l"] * d * d)
    return float(1.0 - np.prod(1.0 - p["f_circ"] * (1.0 - sf)))
