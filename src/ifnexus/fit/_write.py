"""Write a growth fit to a folder: tables, diagnostics with the model stamp, figures."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps
from ifnexus._rng import RngLike
from ifnexus.fit._growth import GrowthFit, vpc_table

__all__ = ["FIT_FORMAT", "model_stamp", "write_growth_fit"]

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


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 4)
    return math.ceil(n / cols), cols


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
    from ifnexus._figures import new_figure, save_figure
    from ifnexus.fit._plots import plot_arm_fit, plot_pairs, plot_profile, plot_vpc

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    written = [write_table(fit.estimates, d / "estimates.csv"),
               write_table(fit.profiles, d / "profiles.csv")]  # fmt: skip
    pred = fit.predictions()
    written.append(write_table(pred, d / "predictions.csv"))
    vpc = vpc_table(fit, replicates=vpc_replicates, level=fit.level, rng=rng)
    written.append(write_table(vpc, d / "vpc.csv"))
    if not fit.draws.empty:
        written.append(write_table(fit.draws, d / "posterior_draws.csv"))
    prob = fit.problem
    info = {
        "fit_format": FIT_FORMAT,
        "kind": "growth",
        "model": model_stamp(),
        "setting": prob.setting,
        "free": list(prob.free),
        "random": list(prob.random),
        "params": prob.params,
        "arms": {a: vars(arm) | {"interventions": list(arm.interventions)}
                 for a, arm in prob.data.arms.items()},
        "estimate": dict(zip(prob.names, map(float, prob.natural(fit.x)), strict=True)),
        **fit.to_dict(),
    }  # fmt: skip
    info.pop("estimates", None)
    written.append(write_text(d / "diagnostics.json", dumps(info) + "\n"))
    if not figures:
        return written
    arms = prob.arm_names
    r, c = _grid(len(arms))
    fig = new_figure((3.6 * c, 3.0 * r))
    axes = fig.subplots(r, c, squeeze=False).ravel()
    for ax, a in zip(axes, arms, strict=False):
        plot_arm_fit(pred, a, ax=ax)
    for ax in axes[len(arms) :]:
        ax.set_visible(False)
    written.append(save_figure(fig, d / "fit.png"))
    fig = new_figure((3.6 * c, 3.0 * r))
    axes = fig.subplots(r, c, squeeze=False).ravel()
    for ax, a in zip(axes, arms, strict=False):
        plot_vpc(vpc, a, ax=ax)
    for ax in axes[len(arms) :]:
        ax.set_visible(False)
    written.append(save_figure(fig, d / "vpc.png"))
    names = list(dict.fromkeys(fit.profiles["parameter"])) if not fit.profiles.empty else []
    if names:
        r, c = _grid(len(names))
        fig = new_figure((3.0 * c, 2.5 * r))
        axes = fig.subplots(r, c, squeeze=False).ravel()
        for ax, n in zip(axes, names, strict=False):
            plot_profile(fit.profiles, n, level=fit.level, ax=ax)
        for ax in axes[len(names) :]:
            ax.set_visible(False)
        written.append(save_figure(fig, d / "profiles.png"))
    if not fit.draws.empty:
        written.append(save_figure(plot_pairs(fit.draws), d / "pairs.png"))
    return written
