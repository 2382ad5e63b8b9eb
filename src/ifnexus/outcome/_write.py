"""Write outcome results to a folder (tables, ``result.json``, figures) as the CLI's ``--out`` does.

Each writer is what ``ifnexus outcome cif|finegray|features --out DIR`` writes, so a script, the
virtual study and the command line produce the same files. The JSON objects are those the
commands print with ``--json`` (without the ``files`` list).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps
from ifnexus.errors import ValidationError

if TYPE_CHECKING:  # annotations only: writing a Fine-Gray fit need not load lifelines (via _cox)
    from ifnexus.outcome._features import FeatureEffects
    from ifnexus.outcome._finegray import FineGrayFitter
    from ifnexus.outcome._plots import TimeUnit

__all__ = [
    "cumulative_incidence_dict",
    "write_cumulative_incidence",
    "write_feature_effects",
    "write_finegray",
]


def _write_tables(
    out: Path, tables: Mapping[str, pd.DataFrame], payload: Mapping[str, Any]
) -> list[Path]:
    """``NAME.csv`` per table (index written when named) and ``result.json`` last."""
    written = [
        write_table(tab, out / f"{name}.csv", index=tab.index.name is not None)
        for name, tab in tables.items()
    ]
    written.append(write_text(out / "result.json", dumps(dict(payload)) + "\n"))
    return written


def cumulative_incidence_dict(
    cif: pd.DataFrame, *, cause: float, gray: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Return the cumulative-incidence table (and Gray's test) as one JSON-ready dict.

    Parameters
    ----------
    cif
        The table of :func:`ifnexus.outcome.cumulative_incidence`.
    cause
        The event code the incidence is of.
    gray
        The table of :func:`ifnexus.outcome.gray_test`, or None.

    Returns
    -------
    dict
        ``cause``; ``times`` (sorted distinct times of the table); ``groups``: per group, lists
        ``time``, ``cif``, ``std_err``, ``lower``, ``upper``; ``gray_test`` (its one row) when
        given.
    """
    need = {"group", "time", "cif", "std_err", "lower", "upper"}
    if not need <= set(cif.columns):
        raise ValidationError(
            f"cif needs columns {sorted(need)} (the table of cumulative_incidence); "
            f"got {list(cif.columns)}"
        )
    groups = {}
    for g, sub in cif.groupby("group", sort=False):
        groups[str(g)] = {c: sub[c].tolist() for c in ("time", "cif", "std_err", "lower", "upper")}
    payload: dict[str, Any] = {
        "cause": cause,
        "times": sorted(set(cif["time"].tolist())),
        "groups": groups,
    }
    if gray is not None:
        payload["gray_test"] = gray.to_dict(orient="records")[0]
    return payload


def write_cumulative_incidence(
    cif: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    cause: float,
    gray: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    figures: bool = True,
    meta: Mapping[str, Any] | None = None,
    at_risk: pd.DataFrame | None = None,
    time_unit: TimeUnit | None = None,
) -> list[Path]:
    """Write ``cif.csv``, ``gray_test.csv`` (when given), ``result.json`` and ``cif.png``.

    The figure shows Gray's test (from ``gray``, the numbers written to ``gray_test.csv``)
    beside the curves, and the numbers at risk under them when ``at_risk`` is given.

    Parameters
    ----------
    cif
        The table of :func:`ifnexus.outcome.cumulative_incidence` (at report times or all).
    out_dir
        Output folder (created).
    cause
        The event code the incidence is of.
    gray
        Gray's test table, or None.
    curves
        The full curves for the figure (every event time); default ``cif``.
    figures
        Also draw ``cif.png``.
    meta
        Items put first in ``result.json`` (the CLI adds ``command``).
    at_risk
        Numbers at risk for the table under the curves (``group``, ``time``, ``at_risk``, e.g.
        :func:`ifnexus.outcome.number_at_risk` on the same data); None draws no table.
    time_unit
        Unit of the time axis (``"months"``, ``"days"``, ``"years"``); None labels it "Time".

    Returns
    -------
    list of pathlib.Path
        The written files, the figure last.
    """
    out = Path(out_dir)
    tables = {"cif": cif} if gray is None else {"cif": cif, "gray_test": gray}
    payload = {**dict(meta or {}), **cumulative_incidence_dict(cif, cause=cause, gray=gray)}
    files = _write_tables(out, tables, payload)
    if figures:
        from ifnexus._figures import save_figure
        from ifnexus.outcome._plots import format_test, plot_curves

        note = None
        if gray is not None:
            g = gray.iloc[0]
            note = format_test("Gray's test", g["statistic"], g["df"], g["p_value"])
        fig = plot_curves(
            cif if curves is None else curves,
            value_col="cif",
            ylabel=f"Cumulative incidence (cause {cause:g})",
            time_unit=time_unit,
            at_risk=at_risk if at_risk is not None else False,
            annotation=note,
        )
        files.append(save_figure(fig, out / "cif.png"))
    return files


def write_finegray(
    fitter: FineGrayFitter,
    out_dir: str | os.PathLike[str],
    *,
    times: Sequence[float] | None = None,
    figures: bool = True,
    meta: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the tables, ``result.json`` and forest plot of a fitted :class:`FineGrayFitter`.

    ``finegray.csv``, ``baseline.csv``, ``predicted_cif.csv`` (with ``times``), ``result.json``
    and ``forest.png``: what ``ifnexus outcome finegray --out`` writes.

    Parameters
    ----------
    fitter
        A fitted Fine-Gray model.
    out_dir
        Output folder (created).
    times
        Times of the predicted cumulative incidence at the covariate means.
    figures
        Also draw the forest plot ``forest.png``.
    meta
        Items put first in ``result.json`` (the CLI adds ``command``).
    labels
        Names of the terms on the forest plot (others in words by
        :func:`ifnexus.outcome.term_label`), e.g. from
        :func:`ifnexus.outcome._plots.reference_labels`.

    Returns
    -------
    list of pathlib.Path
        The written files, the figure last.
    """
    out = Path(out_dir)
    s = fitter.summary
    tables = {"finegray": s, "baseline": fitter.baseline_cumulative_hazard_}
    if times is not None:
        tables["predicted_cif"] = fitter.predict_cumulative_incidence(fitter.means_, times)
    payload = {**dict(meta or {}), **fitter.to_dict(times=times)}
    files = _write_tables(out, tables, payload)
    if figures:
        from ifnexus._figures import save_figure
        from ifnexus.outcome._plots import plot_forest

        fe = s.reset_index().rename(columns={"covariate": "term", "exp_coef": "ratio"})
        fig = plot_forest(fe, series_col=None, xlabel="Subdistribution hazard ratio (CI)",
                          labels=labels)  # fmt: skip
        files.append(save_figure(fig, out / "forest.png"))
    return files


def write_feature_effects(
    result: FeatureEffects,
    out_dir: str | os.PathLike[str],
    *,
    figures: bool = True,
    meta: Mapping[str, Any] | None = None,
    time_unit: TimeUnit | None = None,
) -> list[Path]:
    """Write the tables, ``result.json`` and figures of a :class:`FeatureEffects`.

    ``effects.csv``, ``tests.csv``, ``curves.csv``, ``result.json``, ``curves.png`` and one
    ``forest_MODEL.png`` per model: what ``ifnexus outcome features --out`` writes.

    Parameters
    ----------
    result
        The result of :func:`ifnexus.outcome.feature_effects`.
    out_dir
        Output folder (created).
    figures
        Also draw the curves and forest plots.
    meta
        Items put first in ``result.json`` (the CLI adds ``command`` and ``id``).
    time_unit
        Unit of the time axis of ``curves.png`` (``"months"``, ``"days"``, ``"years"``);
        None labels it "Time". Each panel shows its test from ``tests.csv`` (Gray's test for
        cumulative incidence, the log-rank test for local control).

    Returns
    -------
    list of pathlib.Path
        The tables and ``result.json``, then the figures.
    """
    out = Path(out_dir)
    payload = {**dict(meta or {}), **result.to_dict()}
    tables = {"effects": result.effects, "tests": result.tests, "curves": result.curves}
    files = _write_tables(out, tables, payload)
    if figures:
        from ifnexus._figures import save_figure
        from ifnexus.outcome._plots import format_test, plot_curves, plot_forest, term_label

        cif = (result.curves["measure"] == "cif").any()
        names = {"gray": "Gray's test", "logrank": "Log-rank test"}
        notes = {  # panels are titled by the feature in words, with its test from tests.csv
            term_label(str(r["feature"])): format_test(names.get(str(r["test"]), str(r["test"])),
                                                       r["statistic"], r["df"], r["p_value"])
            for _, r in result.tests.iterrows()
        }  # fmt: skip
        fig = plot_curves(
            result.curves.assign(feature=[term_label(str(f)) for f in result.curves["feature"]]),
            value_col="estimate",
            panel_col="feature",
            ylabel="Cumulative incidence of local failure" if cif else "Local control",
            time_unit=time_unit,
            annotation=notes,
        )
        figs = [save_figure(fig, out / "curves.png")]
        for m in result.effects["model"].unique():
            label = (
                "Subdistribution hazard ratio" if m == "finegray" else "Cause-specific hazard ratio"
            )
            ax = plot_forest(
                result.effects[result.effects["model"] == m], xlabel=f"{label} (95% CI)"
            )
            figs.append(save_figure(ax, out / f"forest_{m}.png"))
        files = files + figs
    return files
