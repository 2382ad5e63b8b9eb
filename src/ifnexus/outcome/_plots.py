"""Figures for outcome results: step curves by group and forest plots, drawn on a given Axes.

Plot functions take the tidy tables the analysis functions return, draw on ``ax`` (or ``fig``
for several panels) or on a new pyplot-free Figure, and return it; they compute nothing and
write no file (save with :func:`ifnexus._figures.save_figure`). Curves carry their time unit on
the axis, a numbers-at-risk table under them and, when given, the test between the groups
(Gray's or the log-rank test) beside them; forest plots show plain hazard-ratio ticks and
human term names.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
import pandas as pd

from ifnexus._figures import deprecated_path, need_columns, new_axes, new_figure
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "format_test",
    "plot_curves",
    "plot_forest",
    "reference_labels",
    "term_label",
    "time_label",
    "time_unit_from_column",
]

TimeUnit = Literal["months", "days", "years"]
TIME_UNITS: tuple[str, ...] = ("months", "days", "years")
#: Hazard-ratio ticks the forest plots choose from (plain numbers, doubling around 1).
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0, 50.0, 100.0)


def time_label(time_unit: str | None) -> str:
    """Return the time-axis label: ``"Time (months)"``, or ``"Time"`` without a unit.

    Parameters
    ----------
    time_unit
        ``"months"``, ``"days"``, ``"years"`` or None.

    Returns
    -------
    str
        The axis label.

    Raises
    ------
    ValidationError
        If ``time_unit`` is not one of the units.

    Examples
    --------
    >>> time_label("months"), time_label(None)
    ('Time (months)', 'Time')
    """
    if time_unit is None:
        return "Time"
    if time_unit not in TIME_UNITS:
        raise ValidationError(
            f"time_unit must be one of {', '.join(TIME_UNITS)} or None, got {time_unit!r}"
        )
    return f"Time ({time_unit})"


def time_unit_from_column(name: str) -> str | None:
    """Infer the time unit from a column name ending in ``_months``, ``_days`` or ``_years``.

    Parameters
    ----------
    name
        The follow-up time column's name.

    Returns
    -------
    str or None
        The unit, or None when the name does not say it.

    Examples
    --------
    >>> time_unit_from_column("time_months"), time_unit_from_column("followup")
    ('months', None)
    """
    low = name.lower()
    for unit in TIME_UNITS:
        if low.endswith(f"_{unit}"):
            return unit
    return None


def format_p(p: float) -> str:
    """Return a p value as printed on figures: three decimals, ``< 0.001`` below that."""
    if not math.isfinite(p):
        return "= n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def format_test(name: str, statistic: float, df: float, p_value: float) -> str:
    """Return the one-line text of a chi-squared test shown beside the curves.

    Parameters
    ----------
    name
        The test, e.g. ``"Gray's test"`` or ``"Log-rank test"``.
    statistic, df, p_value
        The chi-squared statistic, its degrees of freedom and the p value.

    Returns
    -------
    str
        ``"NAME: chi² = S (df D), p = P"`` with S to two decimals and P to three
        (``p < 0.001`` below that).

    Examples
    --------
    >>> format_test("Gray's test", 4.2071, 1, 0.04026)
    "Gray's test: χ² = 4.21 (df 1), p = 0.040"
    """
    return f"{name}: χ² = {statistic:.2f} (df {int(df)}), p {format_p(p_value)}"


def _complete_counts(sub: pd.DataFrame) -> bool:
    """Tell whether a curve table lists every follow-up time (each patient leaves at one row)."""
    if not {"n_risk", "n_event", "n_censor"} <= set(sub.columns) or sub.empty:
        return False
    s = sub.sort_values("time")
    left = (s["n_risk"] - s["n_event"] - s["n_censor"]).to_numpy(dtype=float)
    nxt = np.append(s["n_risk"].to_numpy(dtype=float)[1:], 0.0)
    return bool(np.array_equal(left, nxt))


def _counts_from_curves(curves: pd.DataFrame, groups: list, ticks: list[float]) -> pd.DataFrame:
    """Numbers at risk at ``ticks`` read off a complete Kaplan-Meier table (``n_risk``)."""
    rows = []
    for g in groups:
        s = curves[curves["group"] == g].sort_values("time")
        if not _complete_counts(s):
            raise ValidationError(
                "plot_curves: at_risk=True reads the numbers at risk off the curves' n_risk, "
                "n_event and n_censor columns, which must list every follow-up time (the table "
                "of kaplan_meier without times=); for other curves pass "
                "at_risk=number_at_risk(df, ...) (columns group, time, at_risk)"
            )
        t = s["time"].to_numpy(dtype=float)
        n = s["n_risk"].to_numpy(dtype=int)
        i = np.searchsorted(t, np.asarray(ticks, dtype=float), side="left")
        counts = np.where(i < t.size, n[np.minimum(i, t.size - 1)], 0)
        rows.append(pd.DataFrame({"group": g, "time": ticks, "at_risk": counts}))
    return pd.concat(rows, ignore_index=True)


def _starts_at_one(sub: pd.DataFrame, value_col: str) -> bool:
    if value_col == "survival":
        return True
    return "measure" in sub.columns and bool((sub["measure"] == "survival").all())


def _draw_curves(
    ax: Axes, sub: pd.DataFrame, value_col: str, xlabel: str, ylabel: str
) -> dict[object, str]:
    from matplotlib.colors import to_hex

    colours: dict[object, str] = {}
    for g, cg in sub.groupby("group", sort=False):
        cg = cg.sort_values("time")
        t = cg["time"].to_numpy(dtype=float)
        v = cg[value_col].to_numpy(dtype=float)
        has_band = {"lower", "upper"} <= set(cg.columns) and cg["lower"].notna().any()
        lo = cg["lower"].to_numpy(dtype=float) if has_band else None
        hi = cg["upper"].to_numpy(dtype=float) if has_band else None
        if t.size and t[0] > 0 and _starts_at_one(cg, value_col):  # survival is 1 at time 0
            t, v = np.append(0.0, t), np.append(1.0, v)
            if lo is not None and hi is not None:
                lo, hi = np.append(1.0, lo), np.append(1.0, hi)
        line = ax.step(t, v, where="post", label=str(g))[0]
        colours[g] = to_hex(line.get_color())
        if lo is not None and hi is not None:
            ax.fill_between(t, lo, hi, step="post", alpha=0.15, color=line.get_color(),
                            linewidth=0)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(colours) > 1:
        ax.legend(fontsize=8, frameon=False, loc="best")
    return colours


def _draw_at_risk(tab: Axes, ax: Axes, counts: pd.DataFrame, colours: Mapping[object, str]) -> None:
    """Draw the numbers-at-risk table (one row per group, numbers at the tick times) on ``tab``."""
    groups = [g for g in colours if g in set(counts["group"])]
    ticks = sorted(counts["time"].unique())
    ax.set_xticks(ticks)
    lo, hi = ax.get_xlim()
    ax.set_xlim(min(lo, ticks[0]), max(hi, ticks[-1]))
    tab.set_xlim(ax.get_xlim())
    tab.set_ylim(-0.5, len(groups) - 0.5)
    names = [str(g) for g in groups][::-1]
    tab.set_yticks(range(len(groups)), names, fontsize=8)
    for label, g in zip(tab.get_yticklabels(), groups[::-1], strict=True):
        label.set_color(colours[g])
    for i, g in enumerate(groups[::-1]):
        row = counts[counts["group"] == g].set_index("time")["at_risk"]
        for t in ticks:
            tab.text(t, i, f"{int(row.get(t, 0))}", ha="center", va="center", fontsize=8,
                     color=colours[g])  # fmt: skip
    tab.set_title("Number at risk", fontsize=8, loc="left")
    tab.tick_params(axis="x", bottom=False, labelbottom=False)
    tab.tick_params(axis="y", left=False, pad=14)  # clear of the centred first count
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)


def _table_below(ax: Axes, n_groups: int) -> Axes:
    """Add an inset Axes under ``ax`` (below its tick labels and x label) for the at-risk table."""
    fig = ax.get_figure(root=True)
    height_in = max(ax.get_position().height * fig.get_figheight(), 1e-6)  # type: ignore[union-attr]
    h = 0.2 * (n_groups + 1) / height_in
    pad = 0.75 / height_in
    return ax.inset_axes((0.0, -(pad + h), 1.0, h))


@overload
def plot_curves(
    curves: pd.DataFrame,
    path: None = None,
    *,
    value_col: str,
    panel_col: None = None,
    ylabel: str = ...,
    xlabel: str | None = ...,
    time_unit: TimeUnit | None = ...,
    at_risk: bool | pd.DataFrame | None = ...,
    at_risk_ax: Axes | None = ...,
    annotation: str | Mapping[str, str] | None = ...,
    ax: Axes | None = ...,
    fig: Figure | SubFigure | None = ...,
) -> Axes: ...
@overload
def plot_curves(
    curves: pd.DataFrame,
    path: None = None,
    *,
    value_col: str,
    panel_col: str,
    ylabel: str = ...,
    xlabel: str | None = ...,
    time_unit: TimeUnit | None = ...,
    at_risk: bool | pd.DataFrame | None = ...,
    at_risk_ax: Axes | None = ...,
    annotation: str | Mapping[str, str] | None = ...,
    ax: None = None,
    fig: Figure | SubFigure | None = ...,
) -> Figure | SubFigure: ...
@overload
def plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    value_col: str,
    panel_col: str | None = ...,
    ylabel: str = ...,
    xlabel: str | None = ...,
    time_unit: TimeUnit | None = ...,
    at_risk: bool | pd.DataFrame | None = ...,
    at_risk_ax: Axes | None = ...,
    annotation: str | Mapping[str, str] | None = ...,
    ax: Axes | None = ...,
    fig: Figure | SubFigure | None = ...,
) -> Path: ...
def plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    value_col: str,
    panel_col: str | None = None,
    ylabel: str = "",
    xlabel: str | None = None,
    time_unit: TimeUnit | None = None,
    at_risk: bool | pd.DataFrame | None = None,
    at_risk_ax: Axes | None = None,
    annotation: str | Mapping[str, str] | None = None,
    ax: Axes | None = None,
    fig: Figure | SubFigure | None = None,
) -> Axes | Figure | SubFigure | Path:
    """Step curves (one line per ``group``) with confidence bands and numbers at risk.

    Parameters
    ----------
    curves
        Long table with ``group``, ``time``, ``value_col`` and optionally ``lower``/``upper``
        (the output of ``kaplan_meier``, ``cumulative_incidence`` or ``FeatureResult.curves``).
        Survival curves (``value_col="survival"``, or a ``measure`` column equal to
        ``"survival"``) are drawn from 1 at time 0.
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned figure with ``save_figure`` instead.
    value_col
        Column of the curve values (``survival``, ``cif``, ``estimate``), drawn on 0-1.
    panel_col
        Draw one panel per value of this column (e.g. ``feature``); then the result is a Figure.
    ylabel
        Label of the value axis.
    xlabel
        Label of the time axis; default from ``time_unit``.
    time_unit
        ``"months"``, ``"days"`` or ``"years"``: the time axis reads ``"Time (months)"``;
        None reads ``"Time"``.
    at_risk
        The numbers-at-risk table under the curves (one row per group, counts of patients with
        follow-up ``>= t`` at the x ticks, as R ``survfit``'s ``n.risk``). A DataFrame with
        ``group``, ``time``, ``at_risk`` (e.g. :func:`ifnexus.outcome.number_at_risk` on the
        data the curves came from) gives the counts and the tick times. True reads them off the
        curves' ``n_risk``/``n_event``/``n_censor`` columns at the x ticks (a complete
        ``kaplan_meier`` table). None (default): drawn on a new figure (or on ``at_risk_ax``)
        when the curves carry complete counts, else not. With a given ``ax`` and no
        ``at_risk_ax`` the table goes in an inset below that Axes. Not with ``panel_col``.
    at_risk_ax
        Axes to draw the at-risk table on (e.g. a short row under ``ax``).
    annotation
        Text shown beside the curves, e.g. :func:`format_test` of Gray's or the log-rank test;
        with ``panel_col`` a mapping panel -> text.
    ax
        Axes to draw on (single panel only); a new Figure's Axes when None.
    fig
        Figure or SubFigure to lay the panels out on when ``panel_col`` is given (without
        ``panel_col`` and ``ax``, the curves, and the at-risk table, are added to it).

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes of the curves, or, with ``panel_col``, the Figure holding the panels.

    Raises
    ------
    ValidationError
        If a needed column is missing, ``ax`` is given together with ``panel_col``, the
        at-risk counts cannot be read off the curves, or ``time_unit`` is unknown.

    Notes
    -----
    lifelines' ``add_at_risk_counts`` counts patients with follow-up ``> t``: the two differ
    only at a tick equal to someone's follow-up time.
    """
    need_columns(
        curves, ["group", "time", value_col] + ([panel_col] if panel_col else []), "plot_curves"
    )
    if xlabel is None:
        xlabel = time_label(time_unit)
    elif time_unit is not None:
        time_label(time_unit)  # validate it all the same
    if panel_col is None:
        if isinstance(annotation, Mapping):
            raise ValidationError("plot_curves: annotation is one text without panel_col")
        res = _single_panel(curves, value_col, ylabel, xlabel, at_risk, at_risk_ax,
                            annotation, ax, fig)  # fmt: skip
        return deprecated_path("plot_curves", path, res) if path is not None else res
    if ax is not None:
        raise ValidationError(
            "plot_curves: panel_col draws one panel per value; pass fig= (a Figure or "
            "SubFigure to lay them out on), not ax="
        )
    if at_risk is not None and at_risk is not False:
        raise ValidationError("plot_curves: at_risk tables are drawn for one panel, not panel_col")
    if isinstance(annotation, str):
        raise ValidationError("plot_curves: with panel_col, annotation maps panel -> text")
    panels = list(dict.fromkeys(curves[panel_col]))
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    if fig is None:
        fig = new_figure((4.4 * ncols, 3.6 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for a, panel in zip(axes, panels, strict=False):
        _draw_curves(a, curves[curves[panel_col] == panel], value_col, xlabel, ylabel)
        note = (annotation or {}).get(str(panel))
        a.set_title(str(panel) + (f"\n{note}" if note else ""), fontsize=9)
    for a in axes[len(panels) :]:
        a.set_visible(False)
    return deprecated_path("plot_curves", path, fig) if path is not None else fig


def _single_panel(
    curves: pd.DataFrame,
    value_col: str,
    ylabel: str,
    xlabel: str,
    at_risk: bool | pd.DataFrame | None,
    at_risk_ax: Axes | None,
    annotation: str | None,
    ax: Axes | None,
    fig: Figure | SubFigure | None,
) -> Axes:
    groups = list(dict.fromkeys(curves["group"]))
    if isinstance(at_risk, pd.DataFrame):
        need_columns(at_risk, ["group", "time", "at_risk"], "plot_curves at_risk")
        draw_table = True
    elif at_risk is None:
        complete = all(_complete_counts(curves[curves["group"] == g]) for g in groups)
        draw_table = complete and (ax is None or at_risk_ax is not None)
    else:
        draw_table = bool(at_risk)
    tab = at_risk_ax
    if ax is None:
        size = (5.6, 3.8 + (0.25 * (len(groups) + 1) if draw_table else 0.0))
        target = fig if fig is not None else new_figure(size)
        if draw_table and tab is None:
            gs = target.add_gridspec(2, 1, height_ratios=[4.0, 0.5 + 0.3 * len(groups)])
            ax = target.add_subplot(gs[0])
            tab = target.add_subplot(gs[1], sharex=ax)
        else:
            ax = target.add_subplot(1, 1, 1)
    colours = _draw_curves(ax, curves, value_col, xlabel, ylabel)
    if annotation:
        ax.set_title(annotation, fontsize=8, loc="right")
    if draw_table:
        if isinstance(at_risk, pd.DataFrame):
            counts = at_risk
        else:
            lo, hi = ax.get_xlim()
            ticks = [float(t) for t in ax.get_xticks() if lo <= t <= hi]
            counts = _counts_from_curves(curves, groups, ticks)
        if tab is None:
            tab = _table_below(ax, len(groups))
        _draw_at_risk(tab, ax, counts, colours)
    return ax


_ACRONYMS = {"ifn": "IFN", "cdkn2a": "CDKN2A", "sd": "SD", "hr": "HR", "rt": "RT",
             "cgas": "cGAS", "sting": "STING", "hpv": "HPV", "ecog": "ECOG", "bed": "BED",
             "eqd2": "EQD2", "dna": "DNA", "mhc": "MHC"}  # fmt: skip


def _words(name: str) -> str:
    """``ifn_cluster_status`` -> ``IFN cluster status``; ``TumorPurity`` -> ``Tumor purity``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.replace("_", " ").replace(".", " "))
    words = [_ACRONYMS.get(w.lower(), w.lower()) for w in spaced.split()]
    if not words:
        return name
    first = words[0]
    words[0] = first if first in _ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def term_label(term: str, *, reference: str | None = None, unit: str | None = None) -> str:
    """Turn a model term into words: ``ifn_cluster_status[T.loss]`` -> ``IFN cluster status: loss``.

    Parameters
    ----------
    term
        A covariate name as the models write it: ``column``, ``column[level]`` or
        ``column[T.level]``; text with spaces is returned as it is.
    reference
        The reference level of a categorical term (added as ``"vs REFERENCE"``).
    unit
        The ``unit`` column of :class:`~ifnexus.outcome.FeatureEffects`: ``"vs none"`` gives
        the reference; ``"per SD (12.3)"`` or ``"per unit"`` is added after a comma.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> term_label("ifn_cluster_status[T.loss]", reference="none")
    'IFN cluster status: loss vs none'
    >>> term_label("TumorPurity", unit="per SD (0.12)")
    'Tumor purity, per SD (0.12)'
    """
    m = re.fullmatch(r"([^\s\[]+)\[(?:T\.)?(.+)\]", term)
    if m is None and any(c.isspace() for c in term):  # already words
        return term
    if unit and reference is None and unit.startswith("vs "):
        reference = unit[3:]
    if m:
        text = f"{_words(m.group(1))}: {m.group(2)}"
        return f"{text} vs {reference}" if reference else text
    text = _words(term)
    return f"{text}, {unit}" if unit and not unit.startswith("vs ") else text


def reference_labels(
    df: pd.DataFrame, terms: Sequence[str], categorical: Sequence[str]
) -> dict[str, str]:
    """Name dummy terms ``col[level]`` with their reference: the one level of ``col`` not a term.

    Parameters
    ----------
    df
        The table the model was fitted on.
    terms
        The model's covariate names (``col[level]`` for a dummy of categorical ``col``).
    categorical
        The categorical columns.

    Returns
    -------
    dict
        term -> label (:func:`term_label` with ``reference``) for the dummy terms whose column
        has exactly one level in ``df`` that is not a term; other terms are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ifn_state": ["none", "loss", "none", "gain"]})
    >>> reference_labels(d, ["ifn_state[gain]", "ifn_state[loss]"], ["ifn_state"])
    {'ifn_state[gain]': 'IFN state: gain vs none', 'ifn_state[loss]': 'IFN state: loss vs none'}
    """
    out: dict[str, str] = {}
    for col in categorical:
        if col not in df.columns:
            continue
        dummies = {
            t: t[len(col) + 1 : -1] for t in terms if t.startswith(f"{col}[") and t.endswith("]")
        }
        rest = set(df[col].dropna().astype(str)) - set(dummies.values())
        if dummies and len(rest) == 1:
            ref = next(iter(rest))
            out.update({t: term_label(t, reference=ref) for t in dummies})
    return out


def _ratio_ticks(lo: float, hi: float) -> list[float]:
    ticks = [t for t in RATIO_TICKS if lo / 1.2 <= t <= hi * 1.2]
    if len(ticks) > 7:  # a wide range: fewer, still plain numbers
        ticks = [t for t in ticks if t in (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)]
    if len(ticks) < 3:  # a narrow range: the neighbours of the range as well
        inside = [i for i, t in enumerate(RATIO_TICKS) if lo / 1.2 <= t <= hi * 1.2]
        i0 = (min(inside) if inside else int(np.searchsorted(RATIO_TICKS, lo))) - 1
        i1 = (max(inside) if inside else i0) + 1
        ticks = list(RATIO_TICKS[max(i0, 0) : min(i1, len(RATIO_TICKS) - 1) + 1])
    return sorted(set(ticks) | {1.0})


@overload
def plot_forest(
    effects: pd.DataFrame,
    path: None = None,
    *,
    label_col: str = ...,
    series_col: str | None = ...,
    xlabel: str = ...,
    labels: Mapping[str, str] | Callable[[str], str] | bool | None = ...,
    ax: Axes | None = ...,
) -> Axes: ...
@overload
def plot_forest(
    effects: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    label_col: str = ...,
    series_col: str | None = ...,
    xlabel: str = ...,
    labels: Mapping[str, str] | Callable[[str], str] | bool | None = ...,
    ax: Axes | None = ...,
) -> Path: ...
def plot_forest(
    effects: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    label_col: str = "term",
    series_col: str | None = "analysis",
    xlabel: str = "Hazard ratio (95% CI)",
    labels: Mapping[str, str] | Callable[[str], str] | bool | None = None,
    ax: Axes | None = None,
) -> Axes | Path:
    """Forest plot of ratios with confidence intervals on a log axis, lifelines style.

    The ratio axis has plain ticks (0.25, 0.5, 1, 2, 4, ...) and a dashed line at 1.

    Parameters
    ----------
    effects
        Table with ``label_col``, ``ratio``, ``lower`` and ``upper`` (e.g. a model summary with
        ``exp_coef`` renamed to ``ratio``, or ``FeatureResult.effects``).
    path
        Deprecated: when given, the figure is also saved there (``FutureWarning``) and the path
        is returned, as before. Save the returned Axes with ``save_figure`` instead.
    label_col
        Column naming each row on the y axis.
    series_col
        Rows of different values of this column (e.g. univariable / multivariable) are drawn
        side by side with a legend; None draws one series.
    xlabel
        Label of the ratio axis.
    labels
        Names shown on the y axis: a mapping term -> name (terms not in it through
        :func:`term_label`), a function of the term, False for the terms as they are, or None
        (default): with ``label_col="term"`` (model terms) :func:`term_label`, using the
        table's ``unit`` column when present (``ifn_cluster_status[loss]`` with unit
        ``vs none`` reads "IFN cluster status: loss vs none"); other label columns as they are.
    ax
        Axes to draw on; a new Figure's Axes (height growing with the rows) when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValidationError
        If a needed column is missing.
    """
    need_columns(effects, [label_col, "ratio", "lower", "upper"] + ([series_col] if series_col else []),
          "plot_forest")  # fmt: skip
    terms = list(dict.fromkeys(effects[label_col]))
    units: dict[str, str] = {}
    if "unit" in effects.columns:
        units = {str(t): str(u) for t, u in zip(effects[label_col], effects["unit"], strict=True)
                 if isinstance(u, str)}  # fmt: skip

    def name(term: object) -> str:
        t = str(term)
        if labels is False:
            return t
        if callable(labels):
            return str(labels(t))
        if isinstance(labels, Mapping) and t in labels:
            return str(labels[t])
        if labels is None and label_col != "term":
            return t
        return term_label(t, unit=units.get(t))

    series = list(dict.fromkeys(effects[series_col])) if series_col else [None]
    ax = new_axes(ax, (7.0, 0.45 * len(terms) + 1.6))
    ypos = {lab: len(terms) - i for i, lab in enumerate(terms)}
    offsets = np.linspace(-0.15, 0.15, len(series)) if len(series) > 1 else [0.0]
    markers = ["o", "s", "D", "^"]
    for j, s in enumerate(series):
        sub = effects if s is None else effects[effects[series_col] == s]
        y = np.array([ypos[v] for v in sub[label_col]]) + offsets[j]
        r = sub["ratio"].to_numpy(dtype=float)
        lo = sub["lower"].to_numpy(dtype=float)
        hi = sub["upper"].to_numpy(dtype=float)
        ax.errorbar(r, y, xerr=[r - lo, hi - r], fmt=markers[j % 4], capsize=2, label=s)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    vals = effects[["ratio", "lower", "upper"]].to_numpy(dtype=float).ravel()
    vals = vals[np.isfinite(vals) & (vals > 0)]
    lo_all = float(vals.min()) if vals.size else 0.5
    hi_all = float(vals.max()) if vals.size else 2.0
    ticks = _ratio_ticks(min(lo_all, 1.0), max(hi_all, 1.0))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(min(ticks[0], lo_all) / 1.15, max(ticks[-1], hi_all) * 1.15)
    ax.set_yticks(list(ypos.values()), [name(t) for t in ypos])
    ax.set_ylim(0.4, len(terms) + 0.6)
    ax.set_xlabel(xlabel)
    if series_col and len(series) > 1:
        ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0),
                  ncols=min(len(series), 3))  # fmt: skip
    return deprecated_path("plot_forest", path, ax) if path is not None else ax
