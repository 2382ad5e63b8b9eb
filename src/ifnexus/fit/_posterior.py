"""Parameter sets drawn from a fit folder, for predictions that carry the fit's uncertainty.

A fit folder (``ifnexus fit growth --out DIR``) holds ``diagnostics.json`` (format version,
model stamp, free parameters, fixed overrides) and ``posterior_draws.csv`` (tidy draws). A
folder written by another model version (a different parameter table) is refused: its draws
would be values of parameters that mean something else now.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.fit._write import FIT_FORMAT, model_stamp

__all__ = ["draw_parameter_sets", "read_posterior"]


def read_posterior(fit_dir: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict]:
    """Read the posterior draws of a fit folder and check its model stamp.

    Parameters
    ----------
    fit_dir
        The folder written by ``ifnexus fit growth``.

    Returns
    -------
    tuple
        ``(draws, info)``: the draws wide (one row per walker and step, one column per
        fixed effect) and the parsed ``diagnostics.json``.

    Raises
    ------
    InputFormatError
        A missing or unreadable ``diagnostics.json`` or ``posterior_draws.csv``, another fit
        format, or draws without the fit's free parameters.
    ValidationError
        A fit made with another model version (its stamp differs from this model's).
    """
    d = Path(fit_dir)
    meta = d / "diagnostics.json"
    draws_path = d / "posterior_draws.csv"
    if not meta.is_file():
        raise InputFormatError(f"posterior {d}: no diagnostics.json; give a folder written by "
                               "'ifnexus fit growth --out DIR'")  # fmt: skip
    try:
        info = json.loads(meta.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"posterior {meta}: not readable JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("fit_format") != FIT_FORMAT:
        raise InputFormatError(f"posterior {meta}: fit_format {info.get('fit_format')!r}; this "
                               f"version reads format {FIT_FORMAT}")  # fmt: skip
    here = model_stamp()
    stamp = info.get("model") or {}
    if stamp.get("parameters_sha256") != here["parameters_sha256"]:
        raise ValidationError(
            f"posterior {d}: fitted with another model version (ifnexus "
            f"{stamp.get('ifnexus_version')!r}, parameter table {str(stamp.get('parameters_sha256'))[:12]}); "
            f"this is ifnexus {here['ifnexus_version']} (parameter table "
            f"{here['parameters_sha256'][:12]}): refit the data with this version"
        )
    if not draws_path.is_file():
        raise InputFormatError(f"posterior {d}: no posterior_draws.csv (was the fit run with "
                               "--no-posterior?)")  # fmt: skip
    try:
        tidy = pd.read_csv(draws_path)
    except (OSError, ValueError) as exc:
        raise InputFormatError(f"posterior {draws_path}: not a readable table ({exc})") from None
    need = {"walker", "step", "parameter", "value"}
    if not need <= set(tidy.columns):
        raise InputFormatError(f"posterior {draws_path}: columns {sorted(need)} expected, found "
                               f"{list(tidy.columns)}")  # fmt: skip
    wide = tidy.pivot_table(index=["walker", "step"], columns="parameter", values="value",
                            sort=True)  # fmt: skip
    free = list(info.get("free", []))
    missing = [f for f in free if f not in wide.columns]
    if missing or wide.empty:
        raise InputFormatError(
            f"posterior {draws_path}: no draws of {', '.join(missing) or 'any parameter'}"
        )
    return wide.reset_index(drop=True), info


def draw_parameter_sets(
    fit_dir: str | os.PathLike[str], n: int, *, rng: RngLike = 0
) -> list[dict[str, float]]:
    """Draw ``n`` model parameter sets from a fit's posterior (with replacement).

    Each set holds the fit's fixed overrides and one posterior draw of its free parameters,
    ready for ``ifnexus.model.parameters(setting, **set)`` or ``simulate_cohort(params=...)``;
    the between-animal spreads (omegas) and the residual SD are not model parameters and are
    left out.

    Parameters
    ----------
    fit_dir
        The fit folder.
    n
        Number of sets (>= 1).
    rng
        Seed.

    Returns
    -------
    list of dict
        Parameter overrides by name.

    Raises
    ------
    ValidationError
        ``n`` < 1, or a fit of another model version (see :func:`read_posterior`).
    InputFormatError
        See :func:`read_posterior`.
    """
    if n < 1:
        raise ValidationError(f"n must be >= 1, got {n}")
    wide, info = read_posterior(fit_dir)
    free = list(info["free"])
    fixed = {k: float(v) for k, v in (info.get("params") or {}).items()}
    idx = as_generator(rng).integers(0, len(wide), size=n)
    vals = wide[free].to_numpy()[idx]
    return [{**fixed, **{k: float(v) for k, v in zip(free, row, strict=True)}} for row in vals]
