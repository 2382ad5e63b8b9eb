"""Figure of a clinical fit: the clinical visual predictive check (local-failure curves)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ifnexus._figures import need_columns, new_axes
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_clinical_vpc"]


def plot_clinical_vpc(vpc: pd.DataFrame, group: str, *, ax: Axes | None = None) -> Axes:
    """Observed cumulative incidence of local failure against the fitted model's, with its band.

    Parameters
    ----------
    vpc
        :func:`~ifnexus.fit.clinical_vpc_table` (``group``, ``time_months``, ``observed``,
        ``model``, ``sim_lower``, ``sim_median``, ``sim_upper``).
    group
        The patient group drawn (its label).
    ax
        Axes to draw on (a new figure when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    ValidationError
        A missing column or a group without rows.
    """
    need_columns(vpc, ["group", "time_months", "observed", "model", "sim_lower", "sim_median",
                       "sim_upper"], "plot_clinical_vpc")  # fmt: skip
    sub = vpc[vpc["group"] == group].sort_values("time_months")
    if sub.empty:
        raise ValidationError(f"plot_clinical_vpc: no rows of group {group!r}")
    ax = new_axes(ax, (4.0, 3.2))
    x = sub["time_months"]
    ax.fill_between(x, sub["sim_lower"], sub["sim_upper"], step="post", color="tab:blue",
                    alpha=0.2, label="simulated studies (band)")  # fmt: skip
    ax.step(x, sub["sim_median"], where="post", color="tab:blue", lw=1, label="simulated median")
    ax.plot(x, sub["model"], "--", color="tab:blue", lw=1, label="model (no deaths)")
    ax.step(x, sub["observed"], where="post", color="black", lw=1.5, label="observed")
    ax.set_ylim(0, 1)
    ax.set_xlabel("months from the first fraction")
    ax.set_ylabel("cumulative incidence of local failure")
    ax.set_title(f"VPC: {group}", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return ax
