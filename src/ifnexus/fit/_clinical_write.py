"""Write a clinical fit to a folder: the growth fit's layout, read by ``simulate --posterior``."""

from __future__ import annotations

import math
import os
from pathlib import Path

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps
from ifnexus._rng import RngLike
from ifnexus.fit._clinical import ClinicalFit, clinical_vpc_table
from ifnexus.fit._write import FIT_FORMAT, model_stamp

__all__ = ["write_clinical_fit"]


def write_clinical_fit(
    fit: ClinicalFit,
    out: str | os.PathLike[str],
    *,
    figures: bool = True,
    vpc_replicates: int = 200,
    rng: RngLike = 0,
) -> list[Path]:
    """Write a clinical fit into ``out``.

    Files: ``estimates.csv``, ``profiles.csv``, ``predictions.csv`` (per patient),
    ``vpc.csv``, ``posterior_draws.csv`` (when sampled), ``diagnostics.json`` (``fit_format``,
    ``kind`` ``"clinical"``, the model stamp, ``setting`` ``"patient"``, ``free``, ``params``,
    the groups) and, with ``figures``, ``vpc.png``, ``profiles.png`` and ``pairs.png`` (when
    sampled). The same layout as a growth fit, so ``ifnexus simulate --posterior DIR`` and
    :func:`~ifnexus.fit.draw_parameter_sets` read it. Every file is written atomically.

    Parameters
    ----------
    fit
        The fit.
    out
        Output folder (created).
    figures
        Also write the figures.
    vpc_replicates
        Simulated studies in the visual predictive check.
    rng
        Seed of the visual predictive check.

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    from ifnexus._figures import new_figure, save_figure
    from ifnexus.fit._clinical_plots import plot_clinical_vpc
    from ifnexus.fit._plots import plot_pairs, plot_profile

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    written = [write_table(fit.estimates, d / "estimates.csv"),
               write_table(fit.profiles, d / "profiles.csv"),
               write_table(fit.predictions(), d / "predictions.csv")]  # fmt: skip
    vpc = clinical_vpc_table(fit, replicates=vpc_replicates, level=fit.level, rng=rng)
    written.append(write_table(vpc, d / "vpc.csv"))
    if not fit.draws.empty:
        written.append(write_table(fit.draws, d / "posterior_draws.csv"))
    prob = fit.problem
    info = {
        "fit_format": FIT_FORMAT,
        "kind": "clinical",
        "model": model_stamp(),
        "setting": prob.setting,
        "free": list(prob.free),
        "params": prob.params,
        "data": prob.data.to_dict(),
        "estimate": dict(zip(prob.names, map(float, prob.natural(fit.x)), strict=True)),
        **fit.to_dict(),
    }
    info.pop("estimates", None)
    written.append(write_text(d / "diagnostics.json", dumps(info) + "\n"))
    if not figures:
        return written
    groups = [g.label for g in prob.data.groups]
    c = min(len(groups), 3)
    r = math.ceil(len(groups) / c)
    fig = new_figure((4.0 * c, 3.2 * r))
    axes = fig.subplots(r, c, squeeze=False).ravel()
    for ax, g in zip(axes, groups, strict=False):
        plot_clinical_vpc(vpc, g, ax=ax)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    written.append(save_figure(fig, d / "vpc.png"))
    names = list(dict.fromkeys(fit.profiles["parameter"])) if not fit.profiles.empty else []
    if names:
        c = min(len(names), 4)
        r = math.ceil(len(names) / c)
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
