"""Figure of a sensitivity analysis: the indices of one output as bars with their intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ifnexus._figures import need_columns, new_axes
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_sensitivity"]


def plot_sensitivity(
    table: pd.DataFrame,
    *,
    output: str | None = None,
    top: int = 25,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of the indices of one output, most influential parameter on top.

    Sobol tables (``ST`` present): first-order ``S1`` and total-order ``ST`` side by side with
    their bootstrap intervals. Morris tables: ``mu_star`` with its interval, and ``sigma``.

    Parameters
    ----------
    table
        :attr:`SensitivityResult.table` (columns ``output``, ``parameter`` and the indices).
    output
        The output to draw (default the first in the table).
    top
        Draw the ``top`` most influential parameters.
    ax
        Axes to draw on (default a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValidationError
        Missing columns or an output not in the table.
    """
    need_columns(table, ["output", "parameter", "ST", "mu_star"], "plot_sensitivity")
    outs = list(dict.fromkeys(table["output"]))
    out = outs[0] if output is None else output
    if out not in outs:
        raise ValidationError(f"plot_sensitivity: output {out!r} not in the table ({outs})")
    t = table[table["output"] == out]
    sobol = bool(np.isfinite(t["ST"]).any())
    key = "ST" if sobol else "mu_star"
    t = t.sort_values(key, ascending=False, na_position="last").head(int(top)).iloc[::-1]
    ax = new_axes(ax, (5.0, 1.2 + 0.28 * len(t)))
    y = np.arange(len(t))
    h = 0.38
    if sobol:
        ax.barh(y - h / 2, t["S1"], height=h, xerr=t["S1_conf"], color="#8da0cb",
                label="first order S1", capsize=2)  # fmt: skip
        ax.barh(y + h / 2, t["ST"], height=h, xerr=t["ST_conf"], color="#e78ac3",
                label="total order ST", capsize=2)  # fmt: skip
        ax.axvline(0.0, color="0.3", lw=0.8)
        ax.set_xlabel("Sobol index (bars: bootstrap interval)")
    else:
        ax.barh(y - h / 2, t["mu_star"], height=h, xerr=t["mu_star_conf"], color="#66c2a5",
                label="mu* (mean |elementary effect|)", capsize=2)  # fmt: skip
        ax.barh(y + h / 2, t["sigma"], height=h, color="#fc8d62",
                label="sigma (interactions / non-linearity)")  # fmt: skip
        ax.set_xlabel(f"change in {out} over the parameter's range")
    ax.set_yticks(y)
    ax.set_yticklabels(t["parameter"])
    ax.set_title(out)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax
