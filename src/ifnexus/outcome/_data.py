"""Validation and preparation of survival / competing-risks data.

Every public function of :mod:`ifnexus.outcome` passes its table through here, so that bad
input (negative or missing times, undeclared event codes, non-numeric or constant covariates)
is reported the same way everywhere: a :class:`~ifnexus.errors.ValidationError` naming the
column, the offending rows and what was expected. Row numbers are 1-based data rows; when the
table came from a file (``source``), the file line (header = line 1) is given too.

The small helpers at the end (group levels, report times, step-function lookup, tied-time
risk sets per group, the regression tables) are the pieces the estimators and tests share, so that they group, look up and warn
the same way.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: the same functions, ~0.7 s less to import

from ifnexus.errors import IfnexusWarning, ValidationError

log = logging.getLogger(__name__)

__all__ = [
    "SurvivalData",
    "beyond_follow_up",
    "check_conf_level",
    "coefficient_table",
    "describe_rows",
    "design_matrix",
    "group_risk_table",
    "likelihood_ratio_test",
    "group_labels",
    "level_codes",
    "prepare",
    "query_times",
    "repeated",
    "sorted_levels",
    "step_at",
]


def describe_rows(mask: np.ndarray, source: str | None = None, limit: int = 5) -> str:
    """Describe the rows where ``mask`` is True as '3 rows (rows 2, 7, 9; lines 3, 8, 10 of x.csv)'."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in idx[:limit])
    more = ", ..." if idx.size > limit else ""
    text = f"{idx.size} row{'s' if idx.size != 1 else ''} (data row {shown}{more}"
    if source:
        lines = ", ".join(str(i + 2) for i in idx[:limit])
        text += f"; line {lines}{more} of {source}"
    return text + ")"


def repeated(names: Sequence[object]) -> list[str]:
    """Return the names that occur more than once, as text, sorted (column or argument lists)."""
    text = [str(n) for n in names]
    return sorted({n for n in text if text.count(n) > 1})


def _where(source: str | None) -> str:
    return f" in {source}" if source else ""


def _require_columns(df: pd.DataFrame, cols: Sequence[str], source: str | None) -> None:
    dup = repeated(list(df.columns))
    if dup:
        raise ValidationError(
            f"repeated column name(s) {dup}{_where(source)}; column names must be unique"
        )
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValidationError(
            f"column(s) {missing} not found{_where(source)}; available columns: {list(df.columns)}"
        )


def _numeric(series: pd.Series, name: str, source: str | None, what: str) -> np.ndarray:
    """Return ``series`` as float, or raise naming the non-numeric rows."""
    if series.dtype == bool:
        return series.to_numpy(dtype=float)
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        example = series[bad].iloc[0]
        raise ValidationError(
            f"{what} column '{name}'{_where(source)} must be numeric; {describe_rows(bad, source)} "
            f"hold non-numeric values such as {example!r}"
        )
    return values.to_numpy(dtype=float)


@dataclass(frozen=True)
class SurvivalData:
    """Validated time/event arrays (row order of the input, rows with missing covariates removed).

    ``status`` codes: 0 censored, 1 the event of interest (``cause``), 2 any other event.
    ``codes`` keeps the original event code of every row.
    """

    time: np.ndarray
    status: np.ndarray
    codes: np.ndarray
    keep: np.ndarray
    cause: float | None
    censor_code: float


def prepare(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    cause: float | None = None,
    censor_code: float = 0,
    event_codes: Sequence[float] | None = None,
    extra_cols: Sequence[str] = (),
    source: str | None = None,
    competing_allowed: bool = True,
) -> SurvivalData:
    """Validate times and event codes and recode the events.

    Parameters
    ----------
    df
        The table; never modified.
    duration_col, event_col
        Follow-up time (non-negative, no missing values) and event code columns.
    cause
        The event code of interest. ``None`` means a plain survival outcome: the event column
        must then hold only ``censor_code`` and one other code (booleans and 0/1 are typical).
    censor_code
        The code that marks a censored row.
    event_codes
        The declared codes; a value outside them is an error. ``None`` accepts any code.
    extra_cols
        Further columns (covariates, groups); rows missing any of them are dropped with a
        warning, as R's ``na.omit`` does.
    source
        A file name for error messages.
    competing_allowed
        When False, codes other than ``censor_code`` and ``cause`` are an error.

    Returns
    -------
    SurvivalData
        Arrays restricted to the kept rows.

    Raises
    ------
    ValidationError
        Missing columns, missing/negative/non-numeric times, event codes that are not finite
        whole numbers, codes outside ``event_codes`` (an error, naming the rows), an absent
        ``cause``.
    """
    for name, code in (("cause", cause), ("censor_code", censor_code)):
        if code is not None and (not np.isfinite(float(code)) or float(code) != round(float(code))):
            raise ValidationError(f"{name} must be a whole-number event code, got {code!r}")
    _require_columns(df, [duration_col, event_col, *extra_cols], source)
    time = _numeric(df[duration_col], duration_col, source, "time")
    if np.isnan(time).any():
        raise ValidationError(
            f"time column '{duration_col}'{_where(source)} has missing values in "
            f"{describe_rows(np.isnan(time), source)}; remove those rows or fill in the follow-up time"
        )
    if np.isinf(time).any():
        raise ValidationError(
            f"time column '{duration_col}'{_where(source)} has infinite values in "
            f"{describe_rows(np.isinf(time), source)}"
        )
    if (time < 0).any():
        neg = time < 0
        raise ValidationError(
            f"time column '{duration_col}'{_where(source)} has negative times in "
            f"{describe_rows(neg, source)} (e.g. {time[neg][0]:g}); follow-up times must be >= 0"
        )
    codes = _numeric(df[event_col], event_col, source, "event")
    if np.isnan(codes).any():
        raise ValidationError(
            f"event column '{event_col}'{_where(source)} has missing values in "
            f"{describe_rows(np.isnan(codes), source)}; code censored rows as {censor_code:g}"
        )
    not_int = ~np.isfinite(codes) | (codes != np.round(codes))
    if not_int.any():
        raise ValidationError(
            f"event column '{event_col}'{_where(source)} must hold whole-number event codes "
            f"(e.g. 0 censored, 1 event, 2 competing event); {describe_rows(not_int, source)} "
            f"hold {codes[not_int][0]:g}"
        )
    present = np.unique(codes)
    if event_codes is not None:
        declared = np.asarray(list(event_codes), dtype=float)
        if not np.isfinite(declared).all() or (declared != np.round(declared)).any():
            raise ValidationError(f"declared event codes {list(event_codes)} must be whole numbers")
        undeclared = ~np.isin(codes, declared)
        if undeclared.any():
            raise ValidationError(
                f"event column '{event_col}'{_where(source)} holds code(s) "
                f"{sorted(set(codes[undeclared].tolist()))} not among the declared codes "
                f"{sorted(declared.tolist())} in {describe_rows(undeclared, source)}"
            )
    shown = ", ".join(f"{c:g}" for c in present)
    if cause is None:
        others = present[present != censor_code]
        if others.size > 1:
            raise ValidationError(
                f"event column '{event_col}'{_where(source)} holds several event codes ({shown}); "
                "this analysis needs one event code besides the censoring code: declare the "
                "event of interest (cause / --cause K), the other codes then count as censored "
                "(cause-specific analysis)"
            )
        cause_val = float(others[0]) if others.size else 1.0
    else:
        cause_val = float(cause)
        if cause_val == censor_code:
            raise ValidationError(
                f"cause {cause_val:g} is the censoring code; choose an event code among {shown}"
            )
        if not (present == cause_val).any():
            raise ValidationError(
                f"cause {cause_val:g} does not occur in event column '{event_col}'{_where(source)} "
                f"(codes present: {shown}; censoring code {censor_code:g})"
            )
        if not competing_allowed:
            other = ~np.isin(codes, [cause_val, censor_code])
            if other.any():
                raise ValidationError(
                    f"event column '{event_col}'{_where(source)} holds codes other than the "
                    f"cause {cause_val:g} and censoring code {censor_code:g} in "
                    f"{describe_rows(other, source)}"
                )
    status = np.where(codes == censor_code, 0, np.where(codes == cause_val, 1, 2)).astype(np.int8)
    other_codes = sorted(set(codes[status == 2].tolist()))
    log.info(
        "event column '%s'%s: %d censored (code %g), %d events of interest (code %g)%s",
        event_col, _where(source), int((status == 0).sum()), censor_code,
        int((status == 1).sum()), cause_val,
        f", {int((status == 2).sum())} other events (codes {other_codes})" if other_codes else "",
    )  # fmt: skip
    if not (status == 1).any():
        raise ValidationError(
            f"event column '{event_col}'{_where(source)} has no events (all rows carry the "
            f"censoring code {censor_code:g}); nothing can be estimated"
        )
    keep = np.ones(len(df), dtype=bool)
    for col in extra_cols:
        keep &= df[col].notna().to_numpy()
    if not keep.all():
        warnings.warn(
            f"{describe_rows(~keep, source)} omitted because of missing values in "
            f"{[c for c in extra_cols if df[c].isna().any()]}",
            IfnexusWarning,
            stacklevel=3,
        )
    return SurvivalData(
        time=time[keep],
        status=status[keep],
        codes=codes[keep],
        keep=keep,
        cause=None if cause is None else cause_val,
        censor_code=float(censor_code),
    )


def design_matrix(
    df: pd.DataFrame,
    covariates: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    source: str | None = None,
    status: np.ndarray | None = None,
) -> pd.DataFrame:
    """Numeric design matrix for ``covariates``; checks encoding, constancy and collinearity.

    Parameters
    ----------
    df
        Rows already restricted to the analysed ones.
    covariates
        Column names. Non-numeric columns must be listed in ``categorical``.
    categorical
        Columns to dummy-encode, named ``col[level]``. The reference level is the first
        category of a pandas Categorical, else the first level in sorted order.
    source
        A file name for error messages.
    status
        Recoded status (1 = event of interest); when given, a dummy level with no events is an
        error (its coefficient would be infinite: monotone likelihood).

    Returns
    -------
    pandas.DataFrame
        One float column per coefficient.

    Raises
    ------
    ValidationError
        Non-numeric covariates without an encoding, constant or collinear columns, levels
        without events.
    """
    if len(covariates) == 0:
        raise ValidationError("no covariates given; name at least one column")
    twice = repeated(covariates)
    if twice:
        raise ValidationError(f"covariates {twice} are listed more than once; list each once")
    _require_columns(df, covariates, source)
    cats = set(categorical)
    unknown = cats - set(covariates)
    if unknown:
        raise ValidationError(
            f"categorical column(s) {sorted(unknown)} are not among the covariates"
        )
    parts: dict[str, np.ndarray] = {}
    for col in covariates:
        s = df[col]
        if col in cats or s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
            if col not in cats:
                raise ValidationError(
                    f"covariate '{col}'{_where(source)} is not numeric (values such as "
                    f"{s.dropna().iloc[0]!r}); declare it categorical (categorical=[...] / "
                    "--categorical) to dummy-encode it, or encode it yourself"
                )
            if isinstance(s.dtype, pd.CategoricalDtype):  # category order: reference first
                present = set(s.dropna().astype(str))
                levels = [str(c) for c in s.cat.categories if str(c) in present]
            else:
                levels = sorted(s.dropna().astype(str).unique())
            if len(levels) < 2:
                raise ValidationError(
                    f"categorical covariate '{col}'{_where(source)} has a single level "
                    f"{levels}; it carries no information"
                )
            str_vals = s.astype(str).to_numpy()
            for lev in levels[1:]:
                parts[f"{col}[{lev}]"] = (str_vals == lev).astype(float)
        else:
            parts[col] = _numeric(s, col, source, "covariate")
    X = pd.DataFrame(parts, index=df.index)
    _check_design(X, source, status)
    return X


def _check_design(X: pd.DataFrame, source: str | None, status: np.ndarray | None) -> None:
    values = X.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        bad_cols = [c for c in X.columns if not np.isfinite(X[c].to_numpy()).all()]
        raise ValidationError(f"covariate(s) {bad_cols}{_where(source)} hold non-finite values")
    const = [c for c in X.columns if np.ptp(X[c].to_numpy()) == 0]
    if const:
        raise ValidationError(
            f"covariate(s) {const}{_where(source)} are constant over the analysed rows; "
            "drop them (a constant has no estimable effect)"
        )
    if status is not None:
        ev = status == 1
        for c in X.columns:
            col = X[c].to_numpy()
            if np.isin(col, [0.0, 1.0]).all():
                for lev in (0.0, 1.0):
                    if not ev[col == lev].any():
                        raise ValidationError(
                            f"covariate '{c}' = {lev:g} has no events of interest"
                            f"{_where(source)}; its coefficient would be infinite (monotone "
                            "likelihood). Merge levels or drop the covariate"
                        )
    centred = values - values.mean(axis=0)
    scale = np.linalg.norm(centred, axis=0)
    z = centred / scale
    sv = np.linalg.svd(z, compute_uv=False)
    if sv.size and sv[-1] < 1e-8 * sv[0]:
        # name the columns involved: those with weight in the null-space direction
        _, _, vt = np.linalg.svd(z)
        null = vt[-1]
        involved = [c for c, w in zip(X.columns, null, strict=True) if abs(w) > 1e-6]
        raise ValidationError(
            f"covariates {involved}{_where(source)} are collinear (one is a linear combination "
            "of the others); drop one of them"
        )


def check_conf_level(conf_level: float) -> None:
    """Raise unless ``conf_level`` lies strictly between 0 and 1."""
    if not 0 < conf_level < 1:
        raise ValidationError(f"conf_level must be in (0, 1), got {conf_level}")


def group_labels(df: pd.DataFrame, sd: SurvivalData, group_col: str | None) -> np.ndarray:
    """Group label of every kept row; ``"all"`` for every row without ``group_col``."""
    if group_col is None:
        return np.full(sd.time.size, "all", dtype=object)
    return df.loc[sd.keep, group_col].to_numpy()


def sorted_levels(labels: np.ndarray) -> list:
    """Distinct labels in sorted order (by their text when the types do not compare)."""
    levels = pd.unique(labels).tolist()
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


def level_codes(labels: np.ndarray, levels: list) -> np.ndarray:
    """Index of each label in ``levels`` (0..k-1)."""
    lut = {lev: i for i, lev in enumerate(levels)}
    return np.fromiter((lut[x] for x in labels), dtype=np.int64, count=labels.size)


def query_times(times: Sequence[float]) -> np.ndarray:
    """Return the requested report times, distinct and ascending (finite and >= 0, else an error)."""
    out = np.asarray(sorted({float(x) for x in times}), dtype=float)
    if not np.isfinite(out).all() or (out < 0).any():
        raise ValidationError(
            f"times must be finite numbers >= 0 (report times), got {list(times)}"
        )
    return out


def step_at(step_t: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """Right-continuous step function with jumps ``values`` at ``step_t``, evaluated at ``at``.

    ``before`` is its value before the first step (and everywhere when there is no step).
    """
    idx = np.searchsorted(step_t, at, side="right") - 1
    if values.size == 0:
        return np.full(at.shape, before, dtype=float)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], before)


def beyond_follow_up(
    qt: np.ndarray, last: float, group: object, what: str, *arrays: np.ndarray
) -> list[np.ndarray]:
    """Set ``arrays`` to NaN at report times after the last follow-up, with a warning.

    ``what`` names the quantity in the warning ("survival", "the cumulative incidence").
    """
    beyond = qt > last
    if not beyond.any():
        return list(arrays)
    warnings.warn(
        f"time(s) {qt[beyond].tolist()} lie beyond the last follow-up ({last:g}) of group "
        f"{group!r}; {what} is not estimable there (NaN)",
        IfnexusWarning,
        stacklevel=3,
    )
    return [np.where(beyond, np.nan, a) for a in arrays]


def group_risk_table(
    t: np.ndarray, grp: np.ndarray, k: int, *marks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Risk sets per group at each distinct time, for the k-group tests (log-rank, Gray).

    ``t`` sorted ascending, ``grp`` codes 0..k-1, each of ``marks`` a 0/1 (or weight) per row.
    Returns the distinct times, the number at risk (T >= t) per time and group (T, k), and
    per mark its sum per time and group (T, k).
    """
    ut, first = np.unique(t, return_index=True)
    blk = np.repeat(np.arange(ut.size), np.diff(np.append(first, t.size)))
    cell = blk * k + grp
    size = ut.size * k
    cnt = np.bincount(cell, minlength=size).reshape(ut.size, k).astype(float)
    at_risk = cnt[::-1].cumsum(axis=0)[::-1]
    sums = [
        np.bincount(cell, weights=np.asarray(w, float), minlength=size).reshape(ut.size, k)
        for w in marks
    ]
    return ut, at_risk, sums


def coefficient_table(coef: pd.Series, se: pd.Series, conf_level: float) -> pd.DataFrame:
    """Wald table of a proportional-hazards fit: coef, exp_coef, se, z, p and the ratio's CI."""
    z = special.ndtri(0.5 + conf_level / 2.0)  # stats.norm.ppf
    out = pd.DataFrame({
        "coef": coef, "exp_coef": np.exp(coef), "se": se, "z": coef / se,
        "p": 2.0 * special.ndtr(-np.abs(coef / se)),  # stats.norm.sf
        "lower": np.exp(coef - z * se), "upper": np.exp(coef + z * se),
    })  # fmt: skip
    out.index.name = "covariate"
    return out


def likelihood_ratio_test(loglik: float, loglik_null: float, df: int) -> dict[str, float]:
    """Likelihood-ratio test of a fit against the null model (chi-square on ``df``)."""
    stat = 2.0 * (loglik - loglik_null)
    # special.chdtrc(df, x) is stats.chi2.sf(x, df)
    return {"statistic": stat, "df": df, "p_value": float(special.chdtrc(df, stat))}
