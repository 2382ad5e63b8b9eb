"""``ifnexus outcome``: local control after radiotherapy (survival and competing risks).

Every command reads a CSV, calls one library function of :mod:`ifnexus.outcome`, prints a
readable table (or one JSON object with ``--json``) and, with ``--out DIR``, writes its tables
(CSV) and figures (PNG) atomically.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ifnexus._io import write_table, write_text
from ifnexus._runfolder import run_output
from ifnexus.cli._files import dumps, echo_json
from ifnexus.cli._options import JSON
from ifnexus.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

app = typer.Typer(
    help="Local control after radiotherapy: Kaplan-Meier, log-rank, Cox, cumulative incidence, "
    "Gray's test, Fine-Gray, tumour features.",
    no_args_is_help=True,
)


class KmConfType(StrEnum):
    """``--conf-type`` of ``outcome km`` (R survfit's conf.type)."""

    log = "log"
    log_log = "log-log"
    plain = "plain"


class CifConfType(StrEnum):
    """``--conf-type`` of ``outcome cif``."""

    log_log = "log-log"
    plain = "plain"
    none = "none"


class ZphTransform(StrEnum):
    """``--zph-transform`` of ``outcome cox`` (R cox.zph's transform)."""

    km = "km"
    rank = "rank"
    identity = "identity"
    log = "log"


class TimeUnitChoice(StrEnum):
    """``--time-unit`` of the commands that draw curves over time (km, cif, features)."""

    months = "months"
    days = "days"
    years = "years"


class FeatureModel(StrEnum):
    """``--model`` of ``outcome features``."""

    auto = "auto"
    finegray = "finegray"
    cox = "cox"
    both = "both"


DATA = typer.Argument(
    None, metavar="DATA", help="Clinical CSV (or TSV), one row per patient.", show_default=False
)
DATA_ALIAS = typer.Option(None, "--data", help="Same as DATA (the older spelling).")
TIME = typer.Option(..., "--time", help="Follow-up time column (>= 0).")
EVENT = typer.Option(..., "--event", help="Event code column (censoring code = --censor-code).")
GROUP = typer.Option(None, "--group", help="Grouping column.")
COVS = typer.Option(..., "--covariates", help="Comma-separated covariate columns.")
CATS = typer.Option(None, "--categorical", help="Comma-separated covariates to dummy-encode.")
CENS = typer.Option(0.0, "--censor-code", help="Event code of censored rows.")
OUT = typer.Option(None, "--out", help="Directory for tables (CSV) and figures (PNG).")
CONF = typer.Option(0.95, "--conf-level", help="Confidence level.")
TIME_UNIT = typer.Option(
    None,
    "--time-unit",
    help="Unit of --time, shown on the figures' time axis: months, days or years "
    "(default: from a column name ending in _months, _days or _years, else none).",
    show_default=False,
)


def _data(positional: str | None, option: str | None) -> str:
    """Return the clinical file given as DATA or as ``--data`` (exactly one of them)."""
    from ifnexus.cli._app import usage_error

    if positional is not None and option is not None:
        raise usage_error("give the clinical file once: DATA or --data DATA, not both")
    if positional is None and option is None:
        raise usage_error("Missing argument 'DATA' (the clinical CSV, one row per patient).")
    return positional if positional is not None else option  # type: ignore[return-value]


def _read(path: str, what: str = "clinical table") -> pd.DataFrame:
    """Read a table with the one strict outcome reader (errors name the file and line)."""
    from ifnexus.outcome._table import read_outcome_table

    return read_outcome_table(path, what=what)


def _time_unit(option: TimeUnitChoice | None, time_col: str) -> Any:
    """Return the unit of the time axis: ``--time-unit``, else the one the column name says."""
    if option is not None:
        return option.value
    from ifnexus.outcome._plots import time_unit_from_column

    return time_unit_from_column(time_col)


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()] if text else []


def _floats(text: str | None, name: str) -> list[float] | None:
    if not text:
        return None
    try:
        return [float(x) for x in _split(text)]
    except ValueError as exc:
        raise ValidationError(f"{name} must be comma-separated numbers, got {text!r}") from exc


def _emit(as_json: bool, payload: dict, text: str) -> None:
    if as_json:
        echo_json(payload)
    else:
        typer.echo(text)


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict(orient="records")


def _write(out: str | None, tables: dict[str, pd.DataFrame], payload: dict) -> list[str]:
    if not out:
        return []
    d = Path(out)
    written = []
    for name, tab in tables.items():
        written.append(str(write_table(tab, d / f"{name}.csv", index=tab.index.name is not None)))
    written.append(str(write_text(d / "result.json", dumps(payload) + "\n")))
    return written


@app.command("km")
@run_output()
def km_cmd(
    data: str | None = DATA, data_alias: str | None = DATA_ALIAS, time: str = TIME, event: str = EVENT, group: str | None = GROUP,
    times: str | None = typer.Option(None, "--times", help="Comma-separated report times."),
    cause: float | None = typer.Option(None, "--cause", help="Event code counted as the event (others censored)."),
    censor_code: float = CENS, conf_level: float = CONF,
    conf_type: KmConfType = typer.Option(KmConfType.log, "--conf-type", help="log (R default), log-log or plain."),
    time_unit: TimeUnitChoice | None = TIME_UNIT,
    as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Kaplan-Meier curves with Greenwood SEs and R-style confidence limits, and medians.

    With ``--out`` and two or more groups, ``km.png`` shows the log-rank test beside the curves
    (also written to ``result.json`` as ``logrank``) and the numbers at risk under them.
    """
    data = _data(data, data_alias)
    from ifnexus._figures import save_figure
    from ifnexus.outcome import kaplan_meier, median_survival, plot_curves

    df = _read(data)
    kw: dict[str, Any] = dict(group_col=group, cause=cause, censor_code=censor_code,
                              conf_level=conf_level, conf_type=conf_type.value, source=data)  # fmt: skip
    full = kaplan_meier(df, time, event, **kw) if out or not times else None
    # without --times the full curve is the table (computed above)
    tab: pd.DataFrame = (kaplan_meier(df, time, event, times=_floats(times, "--times"), **kw)
                         if times else full)  # type: ignore[assignment]  # fmt: skip
    med = median_survival(df, time, event, **kw)
    payload: dict[str, Any] = {"command": "km", "survival": _records(tab), "median": _records(med)}
    if out:
        from ifnexus.outcome._plots import format_test

        note = None
        if group and tab["group"].nunique() > 1:
            from ifnexus.outcome import logrank_test

            lr = logrank_test(
                df, time, event, group, cause=cause, censor_code=censor_code, source=data
            )
            payload["logrank"] = {"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value}
            note = format_test("Log-rank test", lr.statistic, lr.df, lr.p_value)
        curves = full if full is not None else tab
        ax = plot_curves(curves, value_col="survival", ylabel="Survival", at_risk=True,
                         time_unit=_time_unit(time_unit, time), annotation=note)  # fmt: skip
        fig = save_figure(ax, Path(out) / "km.png")
        payload["files"] = _write(out, {"km": tab, "median": med}, payload) + [str(fig)]
    _emit(as_json, payload, tab.to_string(index=False) + "\n\n" + med.to_string(index=False))


@app.command("logrank")
@run_output()
def logrank_cmd(
    data: str | None = DATA, data_alias: str | None = DATA_ALIAS, time: str = TIME, event: str = EVENT,
    group: str = typer.Option(..., "--group", help="Grouping column."),
    rho: float = typer.Option(0.0, "--rho", help="G-rho weight S(t-)^rho (0 = log-rank)."),
    scores: str | None = typer.Option(None, "--trend-scores", help="Comma-separated scores of the sorted groups."),
    cause: float | None = typer.Option(None, "--cause", help="Event code counted as the event."),
    censor_code: float = CENS, as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Log-rank test (two or k groups) with the test for trend."""
    data = _data(data, data_alias)
    from ifnexus.outcome import logrank_test

    df = _read(data)
    res = logrank_test(df, time, event, group, rho=rho, trend_scores=_floats(scores, "--trend-scores"),
                       cause=cause, censor_code=censor_code, source=data)  # fmt: skip
    payload = {"command": "logrank", **res.to_dict()}
    if out:
        payload["files"] = _write(out, {"logrank": res.table}, payload)
    text = (f"{res.table.to_string(index=False)}\n\nchisq = {res.statistic:.6g} on {res.df} df, "
            f"p = {res.p_value:.4g}\ntrend chisq = {res.trend_statistic:.6g} on 1 df, p = {res.trend_p_value:.4g}")  # fmt: skip
    _emit(as_json, payload, text)


@app.command("cox")
@run_output()
def cox_cmd(
    data: str | None = DATA, data_alias: str | None = DATA_ALIAS, time: str = TIME, event: str = EVENT,
    covariates: str = COVS,
    categorical: str | None = CATS,
    cause: float | None = typer.Option(None, "--cause", help="Event code of interest (cause-specific model)."),
    censor_code: float = CENS, conf_level: float = CONF,
    zph: ZphTransform = typer.Option(ZphTransform.km, "--zph-transform", help="cox.zph time transform: km, rank, identity, log."),
    as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Cox proportional hazards (Efron ties) with the cox.zph proportional-hazards test."""
    data = _data(data, data_alias)
    from ifnexus._figures import save_figure
    from ifnexus.outcome import CoxModel, plot_forest

    df = _read(data)
    m = CoxModel(conf_level=conf_level).fit(df, time, event, covariates=_split(covariates),
                                            categorical=_split(categorical), cause=cause,
                                            censor_code=censor_code, source=data)  # fmt: skip
    s = m.summary
    transform = zph.value
    z = m.ph_test(transform)  # type: ignore[arg-type]
    payload = {"command": "cox", **m.to_dict(transform=transform)}  # type: ignore[arg-type]
    if out:
        from ifnexus.outcome._plots import reference_labels

        fe = s.reset_index().rename(columns={"covariate": "term", "exp_coef": "ratio"})
        names = reference_labels(df, [str(t) for t in fe["term"]], _split(categorical))
        fig = save_figure(plot_forest(fe, series_col=None, labels=names), Path(out) / "forest.png")
        payload["files"] = _write(out, {"cox": s, "ph_test": z}, payload) + [str(fig)]
    _emit(
        as_json, payload, f"{s.to_string()}\n\nconcordance {m.concordance_:.4f}\n\n{z.to_string()}"
    )


@app.command("cif")
@run_output()
def cif_cmd(
    data: str | None = DATA, data_alias: str | None = DATA_ALIAS, time: str = TIME, event: str = EVENT,
    cause: float = typer.Option(..., "--cause", help="Event code of interest."),
    group: str | None = GROUP,
    times: str | None = typer.Option(None, "--times", help="Comma-separated report times (default: every event time)."),
    censor_code: float = CENS,
    codes: str | None = typer.Option(None, "--codes", help="Declared event codes, comma-separated; others are an error."),
    conf_level: float = CONF,
    cif_conf: CifConfType = typer.Option(CifConfType.log_log, "--conf-type", help="log-log, plain or none."),
    time_unit: TimeUnitChoice | None = TIME_UNIT,
    as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Aalen-Johansen cumulative incidence (exact ties, cmprsk variance) and Gray's test.

    With ``--out``, ``cif.png`` shows Gray's test (as written to ``gray_test.csv``) beside the
    curves and the numbers at risk under them.
    """
    data = _data(data, data_alias)
    from ifnexus.outcome import (
        cumulative_incidence,
        cumulative_incidence_dict,
        gray_test,
        write_cumulative_incidence,
    )

    df = _read(data)
    conf_type = cif_conf.value
    kw = dict(censor_code=censor_code, event_codes=_floats(codes, "--codes"), source=data)
    tab = cumulative_incidence(df, time, event, cause=cause, group_col=group, times=_floats(times, "--times"),
                               conf_level=conf_level, conf_type=conf_type, **kw)  # type: ignore[arg-type]  # fmt: skip
    text = tab.to_string(index=False)
    gt = None
    if group:
        gt = gray_test(df, time, event, group, cause=cause, **kw)  # type: ignore[arg-type]
        text += f"\n\nGray's test: {gt['statistic'].iloc[0]:.6g} on {gt['df'].iloc[0]} df, p = {gt['p_value'].iloc[0]:.4g}"
    payload: dict[str, Any] = {
        "command": "cif",
        **cumulative_incidence_dict(tab, cause=cause, gray=gt),
    }
    if out:
        full = tab
        if times:  # the figure shows every event time, not only the report times
            full = cumulative_incidence(df, time, event, cause=cause, group_col=group, conf_level=conf_level,
                                        conf_type=conf_type, **kw)  # type: ignore[arg-type]  # fmt: skip
        from ifnexus.outcome import number_at_risk

        risk = number_at_risk(df, time, event, group_col=group, cause=cause, **kw)  # type: ignore[arg-type]
        files = write_cumulative_incidence(tab, out, cause=cause, gray=gt, curves=full,
                                           meta={"command": "cif"}, at_risk=risk,
                                           time_unit=_time_unit(time_unit, time))  # fmt: skip
        payload["files"] = [str(f) for f in files]
    _emit(as_json, payload, text)


@app.command("finegray")
@run_output()
def finegray_cmd(
    data: str | None = DATA, data_alias: str | None = DATA_ALIAS, time: str = TIME, event: str = EVENT,
    cause: float = typer.Option(..., "--cause", help="Event code of interest (crr failcode)."),
    covariates: str = COVS,
    categorical: str | None = CATS, censor_code: float = CENS,
    codes: str | None = typer.Option(None, "--codes", help="Declared event codes, comma-separated."),
    cengroup: str | None = typer.Option(None, "--cengroup", help="Column of censoring groups."),
    times: str | None = typer.Option(None, "--times", help="Times for the predicted CIF at the covariate means."),
    conf_level: float = CONF, as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Fine-Gray subdistribution-hazards regression (R cmprsk crr) with sandwich SEs."""
    data = _data(data, data_alias)
    from ifnexus.outcome import FineGrayFitter, write_finegray

    df = _read(data)
    f = FineGrayFitter(conf_level=conf_level).fit(
        df, time, event, cause=cause, covariates=_split(covariates), categorical=_split(categorical),
        censor_code=censor_code, event_codes=_floats(codes, "--codes"), cengroup_col=cengroup, source=data,
    )  # fmt: skip
    report_times = _floats(times, "--times")
    payload: dict[str, Any] = {"command": "finegray", **f.to_dict(times=report_times)}
    if out:
        from ifnexus.outcome._plots import reference_labels

        names = reference_labels(df, [str(t) for t in f.summary.index], _split(categorical))
        files = write_finegray(
            f, out, times=report_times, meta={"command": "finegray"}, labels=names
        )
        payload["files"] = [str(p) for p in files]
    _emit(as_json, payload, f.summary.to_string())


# the tumour-profile columns of `ifnexus tumour profile` studied when --columns is not given
DEFAULT_FEATURES = ["ifn_state", "TumorPurity", "cdkn2a_status", "ifn_cluster_status", "ImmuneScore",
                    "StromalScore", "cytolytic_activity"]  # fmt: skip


def _default_features(ft: pd.DataFrame, idc: str, clinical_cols) -> list[str]:
    """Known tumour-profile columns when present (and informative), else every feature column."""
    known = [c for c in DEFAULT_FEATURES if c in ft.columns]
    pool = known or [c for c in ft.columns if c != idc and c not in set(clinical_cols)]
    keep = [c for c in pool if ft[c].nunique(dropna=True) > 1]
    dropped = sorted(set(pool) - set(keep))
    if dropped:
        logging.getLogger(__name__).warning("features without variation left out: %s", dropped)
    if not keep:
        raise ValidationError(
            f"no informative feature columns found (looked at {pool}); pass --columns"
        )
    return keep


@app.command("features")
@run_output()
def features_cmd(
    clinical: str = typer.Option(..., "--clinical", help="Clinical CSV (follow-up, event code, id)."),
    features: str = typer.Option(..., "--features", help="Tumour feature CSV (e.g. tumours.csv from `ifnexus tumour`)."),
    time: str = TIME, event: str = EVENT,
    columns: str | None = typer.Option(None, "--columns", help="Feature columns (default: ifn_state, TumorPurity, cdkn2a_status, ifn_cluster_status, ImmuneScore, StromalScore, cytolytic_activity when present, else every feature column)."),
    id_col: str | None = typer.Option(None, "--id", help="Identifier column shared by both tables."),
    cause: float = typer.Option(1.0, "--cause", help="Event code of local failure."),
    censor_code: float = CENS,
    model_choice: FeatureModel = typer.Option(FeatureModel.auto, "--model", help="auto, finegray, cox or both."),
    adjust: str | None = typer.Option(None, "--adjust", help="Clinical covariates added to every model."),
    categorical: str | None = typer.Option(None, "--categorical", help="Columns to treat as categorical (default: guessed)."),
    reference: str | None = typer.Option(None, "--reference", help="Reference levels, e.g. ifn_state=acute-competent."),
    per_sd: bool = typer.Option(True, "--per-sd/--per-unit", help="Continuous features per SD or per unit."),
    time_unit: TimeUnitChoice | None = TIME_UNIT,
    as_json: bool = JSON, out: str | None = OUT,
) -> None:  # fmt: skip
    """Tumour features (IFN state, purity, 9p21 loss, immune scores) against local control."""
    from ifnexus.outcome import feature_effects, join_features, write_feature_effects

    cl, ft = _read(clinical), _read(features, "feature table")
    if id_col is None and ft.columns[0].startswith("Unnamed"):
        ft = ft.rename(columns={ft.columns[0]: "sample"})
    data, idc = join_features(
        cl, ft, id_col=id_col, clinical_source=clinical, features_source=features
    )
    cols = _split(columns) or _default_features(ft, idc, cl.columns)
    ref = {}
    for item in _split(reference):
        if "=" not in item:
            raise ValidationError(f"--reference expects COLUMN=LEVEL pairs, got {item!r}")
        k, v = item.split("=", 1)
        ref[k.strip()] = v.strip()
    res = feature_effects(
        data, time, event, cols, cause=cause, censor_code=censor_code, model=model_choice.value,  # type: ignore[arg-type]
        adjust=_split(adjust), categorical=_split(categorical) or None, reference=ref or None,
        per_sd=per_sd, source=clinical,
    )  # fmt: skip
    payload: dict[str, Any] = {"command": "features", "id": idc, **res.to_dict()}
    if out:
        files = write_feature_effects(res, out, meta={"command": "features", "id": idc},
                                      time_unit=_time_unit(time_unit, time))  # fmt: skip
        payload["files"] = [str(p) for p in files]
    show = res.effects[["term", "model", "analysis", "ratio", "lower", "upper", "p", "unit"]]
    _emit(as_json, payload, show.to_string(index=False) + "\n\n" + res.tests.to_string(index=False))
