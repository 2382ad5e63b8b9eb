"""Write a clinical fit to a folder: the growth fit's layout, read by ``simulate --posterior``."""

from __future__ import annotations

import os
from pathlib import Path

from ifnexus._rng import RngLike
from ifnexus.fit._clinical import ClinicalFit, clinical_vpc_table
from ifnexus.fit._write import panel_figure, write_fit_figures, write_fit_folder

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
    from ifnexus._figures import save_figure
    from ifnexus.fit._plots import plot_clinical_vpc

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    vpc = clinical_vpc_table(fit, replicates=vpc_replicates, level=fit.level, rng=rng)
    prob = fit.problem
    info = {"params": prob.params, "data": prob.data.to_dict()}
    written = write_fit_folder(fit, d, "clinical", info, fit.predictions(), vpc)
    if not figures:
        return written
    groups = [g.label for g in prob.data.groups]
    fig = panel_figure(groups, lambda g, ax: plot_clinical_vpc(vpc, g, ax=ax), (4.0, 3.2),
                       max_cols=3)  # fmt: skip
    written.append(save_figure(fig, d / "vpc.png"))
    return written + write_fit_figures(fit, d)
