"""Write a fit to a folder: tables, diagnostics with the model stamp, figures.

The layout every fit folder shares (:func:`write_fit_folder`, :func:`write_fit_figures`,
:func:`panel_figure`) and the growth fit's own files; ``_clinical_write`` adds the clinical
fit's.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps
from ifnexus._rng import RngLike
from ifnexus.fit._growth import GrowthFit, vpc_table
from ifnexus.fit._result import FitResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "FIT_FORMAT",
    "model_stamp",
    "panel_figure",
    "write_fit_figures",
    "write_fit_folder",
    "write_growth_fit",
]

FIT_FORMAT = 1
"""Version of the fit folder's layout (``diagnostics.json`` key ``fit_format``)."""


def model_stamp() -> dict[str, str]:
    """Return what identifies the model a fit was made with.

    Returns
    -------
    dict
        ``ifnexus_version`` and ``parameters_sha256``: a hash of every parameter's name, unit,
        group and mouse and patient values, so that draws from a fit are refused by a model
        whose parameter set has changed.
    """
    from ifnexus._version import __version__
    from ifnexus.model import PARAMETERS

    text = "\n".join(
        f"{p.name}\t{p.unit}\t{p.group}\t{p.mouse!r}\t{p.patient!r}" for p in PARAMETERS
    )
    return {
        "ifnexus_version": __version__,
        "parameters_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def panel_figure(
    keys: Sequence[str], draw: Callable[[str, Axes], object], size: tuple[float, float],
    max_cols: int = 4,
) -> Figure:  # fmt: skip
    """Return a figure of one panel per key (rows of at most ``max_cols``; spare axes hidden).

    Parameters
    ----------
    keys
        One panel each (arms, groups, parameters).
    draw
        Called with each key and its axes.
    size
        Width and height of one panel (inches).
    max_cols
        Most panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    from ifnexus._figures import new_figure

    c = min(len(keys), max_cols)
    r = math.ceil(len(keys) / c)
    fig = new_figure((size[0] * c, size[1] * r))
    axes = fig.subplots(r, c, squeeze=False).ravel()
    for ax, k in zip(axes, keys, strict=False):
        draw(k, ax)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    return fig


def write_fit_folder(
    fit: FitResult,
    d: Path,
    kind: str,
    info: dict[str, Any],
    predictions: pd.DataFrame,
    vpc: pd.DataFrame,
) -> list[Path]:
    """Write the tables and ``diagnostics.json`` every fit folder has (atomically).

    ``estimates.csv``, ``profiles.csv``, ``predictions.csv``, ``vpc.csv``,
    ``posterior_draws.csv`` (when sampled) and ``diagnostics.json``: ``fit_format``, ``kind``,
    the model stamp, ``setting``, ``free``, the kind's own ``info``, ``estimate`` and the
    fit's :meth:`~ifnexus.fit.FitResult.to_dict` (without the estimates table).

    Parameters
    ----------
    fit
        The fit.
    d
        The folder (existing).
    kind
        ``"growth"`` or ``"clinical"``.
    info
        The kind's own entries of ``diagnostics.json``.
    predictions, vpc
        The fit's predictions and visual predictive check tables.

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    written = [write_table(fit.estimates, d / "estimates.csv"),
               write_table(fit.profiles, d / "profiles.csv"),
               write_table(predictions, d / "predictions.csv"),
               write_table(vpc, d / "vpc.csv")]  # fmt: skip
    if not fit.draws.empty:
        written.append(write_table(fit.draws, d / "posterior_draws.csv"))
    prob: Any = fit.problem
    out = {
        "fit_format": FIT_FORMAT,
        "kind": kind,
        "model": model_stamp(),
        "setting": prob.setting,
        "free": list(prob.free),
        **info,
        "estimate": dict(zip(prob.names, map(float, prob.natural(fit.x)), strict=True)),
        **fit.to_dict(),
    }
    out.pop("estimates", None)
    written.append(write_text(d / "diagnostics.json", dumps(out) + "\n"))
    return written


def write_fit_figures(fit: FitResult, d: Path) -> list[Path]:
    """Write the figures every fit folder has: ``profiles.png`` and ``pairs.png`` (if any).

    Parameters
    ----------
    fit
        The fit.
    d
        The folder.

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    from ifnexus._figures import save_figure
    from ifnexus.fit._plots import plot_pairs, plot_profile

    written = []
    names = list(dict.fromkeys(fit.profiles["parameter"])) if not fit.profiles.empty else []
    if names:
        fig = panel_figure(names, lambda n, ax: plot_profile(fit.profiles, n, level=fit.level,
                                                             ax=ax), (3.0, 2.5))  # fmt: skip
        written.append(save_figure(fig, d / "profiles.png"))
    if not fit.draws.empty:
        written.append(save_figure(plot_pairs(fit.draws), d / "pairs.png"))
    return written


def write_growth_fit(
    fit: GrowthFit,
    out: str | os.PathLike[str],
    *,
    figures: bool = True,
    vpc_replicates: int = 200,
    rng: RngLike = 0,
) -> list[Path]:
    """Write a growth fit into ``out``.

    Files: ``estimates.csv``, ``profiles.csv``, ``predictions.csv``, ``vpc.csv``,
    ``posterior_draws.csv`` (when sampled), ``diagnostics.json`` (with the model stamp and the
    settings of the fit) and, with ``figures``, ``fit.png``, ``vpc.png``, ``profiles.png`` and
    ``pairs.png`` (when sampled). Every file is written atomically.

    Parameters
    ----------
    fit
        The fit.
    out
        Output folder (created).
    figures
        Also write the figures.
    vpc_replicates
        Simulated animals per observed animal in the visual predictive check.
    rng
        Seed of the visual predictive check.

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    from ifnexus._figures import save_figure
    from ifnexus.fit._plots import plot_arm_fit, plot_vpc

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    pred = fit.predictions()
    vpc = vpc_table(fit, replicates=vpc_replicates, level=fit.level, rng=rng)
    prob = fit.problem
    info = {
        "random": list(prob.random),
        "params": prob.params,
        "arms": {a: vars(arm) | {"interventions": list(arm.interventions)}
                 for a, arm in prob.data.arms.items()},
    }  # fmt: skip
    written = write_fit_folder(fit, d, "growth", info, pred, vpc)
    if not figures:
        return written
    arms = prob.arm_names
    fig = panel_figure(arms, lambda a, ax: plot_arm_fit(pred, a, ax=ax), (3.6, 3.0))
    written.append(save_figure(fig, d / "fit.png"))
    fig = panel_figure(arms, lambda a, ax: plot_vpc(vpc, a, ax=ax), (3.6, 3.0))
    written.append(save_figure(fig, d / "vpc.png"))
    return written + write_fit_figures(fit, d)
