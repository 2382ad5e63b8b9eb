"""Tumour features against local control: curves by group, uni- and multivariable models.

The clinical table holds follow-up and the event code (local failure = ``cause``; with death
before failure coded as a competing event); the feature table holds one row per tumour
(IFN state, purity, 9p21 / IFN-cluster status, immune scores, ...). Both are joined on a
patient/sample identifier. For every feature we report

* curves by group: cumulative incidence of local failure (Aalen-Johansen) when competing
  events exist, else Kaplan-Meier local-control probability; continuous features are split at
  the median for the curves only;
* a test between groups (Gray's test, or the log-rank test);
* univariable models and one multivariable model with every feature (plus ``adjust``
  columns), as Fine-Gray subdistribution hazards and/or cause-specific Cox hazards.
  Continuous features enter per standard deviation unless ``per_sd=False``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ifnexus.errors import ConvergenceError, IfnexusWarning, ValidationError
from ifnexus.outcome._cox import CoxModel
from ifnexus.outcome._cuminc import cumulative_incidence, gray_test
from ifnexus.outcome._data import prepare, repeated
from ifnexus.outcome._finegray import FineGrayFitter
from ifnexus.outcome._kaplan_meier import kaplan_meier
from ifnexus.outcome._logrank import logrank_test

__all__ = ["FeatureEffects", "feature_effects", "join_features"]

log = logging.getLogger(__name__)

Model = Literal["auto", "cox", "finegray", "both"]
MAX_LEVELS = 8


@dataclass(frozen=True)
class FeatureEffects:
    """Result of :func:`feature_effects`.

    Attributes
    ----------
    effects : pandas.DataFrame
        ``feature``, ``term``, ``model`` (``finegray`` / ``cox``), ``analysis``
        (``univariable`` / ``multivariable``), ``n``, ``n_events``, ``coef``, ``se``,
        ``ratio`` (sHR or HR), ``lower``, ``upper``, ``p``, ``unit``.
    curves : pandas.DataFrame
        ``feature``, ``group``, ``time``, ``estimate``, ``lower``, ``upper``, ``measure``
        (``cif`` of local failure or ``survival`` = local control).
    tests : pandas.DataFrame
        ``feature``, ``test`` (gray / logrank), ``statistic``, ``df``, ``p_value``,
        ``groups``, ``split`` (the median used for continuous features, else NaN).
    data : pandas.DataFrame
        The joined analysis table.
    features : tuple of str
        The feature columns studied, in order.
    """

    effects: pd.DataFrame
    curves: pd.DataFrame
    tests: pd.DataFrame
    data: pd.DataFrame
    features: tuple[str, ...] = ()

    @property
    def summary(self) -> pd.DataFrame:
        """The effects table (one row per term, model and analysis; see :attr:`effects`)."""
        return self.effects

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict ``ifnexus outcome features --json`` prints.

        Returns
        -------
        dict
            ``n`` (patients analysed), ``features``, ``effects`` and ``tests`` (lists of row
            records).
        """
        return {
            "n": int(len(self.data)),
            "features": list(self.features),
            "effects": self.effects.to_dict(orient="records"),
            "tests": self.tests.to_dict(orient="records"),
        }


def join_features(
    clinical: pd.DataFrame,
    features: pd.DataFrame,
    *,
    id_col: str | None = None,
    clinical_source: str | None = None,
    features_source: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Inner-join clinical and feature tables on an identifier column.

    Unmatched rows are reported in a warning; duplicated identifiers in the feature table are an
    error.

    Parameters
    ----------
    clinical
        One row per patient: follow-up, event code, identifier.
    features
        One row per tumour (e.g. ``tumours.csv`` of ``ifnexus tumour profile``).
    id_col
        The identifier column; default the single column name the two tables share;
        ``"a=b"`` links clinical column ``a`` to feature column ``b`` (e.g.
        ``patient_id=sample``, the id column of ``ifnexus tumour profile``).
    clinical_source, features_source
        File names used in error messages.

    Returns
    -------
    (pandas.DataFrame, str)
        The joined table and the identifier column used.

    Raises
    ------
    ValidationError
        No or several shared columns, a missing identifier column, repeated column names,
        duplicated identifiers (in either table), no matching rows.
    """
    if id_col is not None and "=" in id_col:
        left_id, _, right_id = (x.strip() for x in id_col.partition("="))
        if right_id not in features.columns:
            raise ValidationError(
                f"identifier column '{right_id}' not found in {features_source or 'the feature table'}; "
                f"columns: {list(features.columns)}"
            )
        features = features.drop(
            columns=[c for c in features.columns if c == left_id and c != right_id]
        )
        features = features.rename(columns={right_id: left_id})
        id_col = left_id
    if id_col is None:
        common = [c for c in clinical.columns if c in features.columns]
        if len(common) != 1:
            raise ValidationError(
                f"cannot tell which column links {clinical_source or 'the clinical table'} and "
                f"{features_source or 'the feature table'} (shared columns: {common}); pass id_col / --id"
            )
        id_col = common[0]
    for tab, name in (
        (clinical, clinical_source or "clinical table"),
        (features, features_source or "feature table"),
    ):
        if id_col not in tab.columns:
            raise ValidationError(
                f"identifier column '{id_col}' not found in {name}; columns: {list(tab.columns)}"
            )
    for tab, name in (
        (clinical, clinical_source or "the clinical table"),
        (features, features_source or "the feature table"),
    ):
        dup = repeated(list(tab.columns))
        if dup:
            raise ValidationError(
                f"repeated column name(s) {dup} in {name}; column names must be unique"
            )
    cdup = clinical[id_col].duplicated()
    if cdup.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(cdup.to_numpy())[:5])
        raise ValidationError(
            f"identifier '{id_col}' is duplicated in {clinical_source or 'the clinical table'} "
            f"(e.g. {clinical.loc[cdup, id_col].iloc[0]!r}, line(s) {rows}); one row per "
            "patient is expected"
        )
    dup = features[id_col].duplicated()
    if dup.any():
        raise ValidationError(
            f"identifier '{id_col}' is duplicated in {features_source or 'the feature table'} "
            f"(e.g. {features.loc[dup, id_col].iloc[0]!r}); one row per tumour is expected"
        )
    left = clinical.astype({id_col: str})
    right = features.astype({id_col: str})
    overlap = [c for c in right.columns if c in left.columns and c != id_col]
    if overlap:
        right = right.rename(columns={c: f"{c}_feature" for c in overlap})
    merged = left.merge(right, on=id_col, how="inner", validate="many_to_one")
    lost_c = int((~left[id_col].isin(right[id_col])).sum())
    lost_f = int((~right[id_col].isin(left[id_col])).sum())
    if merged.empty:
        raise ValidationError(
            f"no identifiers in '{id_col}' are shared by the clinical and feature tables"
        )
    if lost_c or lost_f:
        warnings.warn(
            f"{lost_c} clinical row(s) without features and {lost_f} tumour(s) without clinical "
            f"data were left out of the join on '{id_col}'",
            IfnexusWarning,
            stacklevel=2,
        )
    return merged, id_col


def _is_categorical(s: pd.Series) -> bool:
    if s.dtype == object or s.dtype == bool or isinstance(s.dtype, pd.CategoricalDtype):
        return True
    if not pd.api.types.is_numeric_dtype(s):
        return True
    vals = s.dropna().unique()
    return len(vals) <= 2 or (len(vals) <= 4 and bool(np.all(np.equal(np.mod(vals, 1), 0))))


def feature_effects(
    data: pd.DataFrame,
    duration_col: str,
    event_col: str,
    features: Sequence[str],
    *,
    cause: float = 1,
    censor_code: float = 0,
    model: Model = "auto",
    adjust: Sequence[str] = (),
    categorical: Sequence[str] | None = None,
    reference: dict[str, str] | None = None,
    per_sd: bool = True,
    multivariable: bool = True,
    source: str | None = None,
) -> FeatureEffects:
    """Relate tumour features to local control (curves, tests, uni/multivariable models).

    Parameters
    ----------
    data
        One row per patient with follow-up, event code and feature columns (see
        :func:`join_features` to build it from a clinical and a tumour table).
    duration_col, event_col
        Follow-up time and event code; ``cause`` is local failure, other non-censoring codes
        (e.g. death without local failure) are competing events.
    features
        Feature columns to study.
    cause, censor_code
        Code of the event of interest and of censoring.
    model
        ``"finegray"`` (subdistribution hazards), ``"cox"`` (cause-specific hazards), ``"both"``,
        or ``"auto"``: Fine-Gray when competing events are present, else Cox.
    adjust
        Clinical covariates added to every model (not studied themselves).
    categorical
        Columns to treat as categorical; ``None`` guesses (text, booleans, or up to four
        integer levels).
    reference
        Reference level per categorical column (default: the first level in sorted order).
    per_sd
        Express continuous features per standard deviation.
    multivariable
        Also fit one model with every feature together.
    source
        Name used in error messages.

    Returns
    -------
    FeatureEffects
        Effects, curves and tests tables (see :class:`FeatureEffects`).

    Raises
    ------
    ValidationError
        Unknown columns, bad times or codes, constant or collinear features, a level with no
        events, a categorical feature with too many levels.
    """
    features = list(features)
    if not features:
        raise ValidationError("no feature columns given")
    twice = repeated(features)
    if twice:
        raise ValidationError(f"feature column(s) {twice} are listed more than once")
    missing = [c for c in [*features, *adjust] if c not in data.columns]
    if missing:
        raise ValidationError(
            f"feature column(s) {missing} not found; available: {list(data.columns)}"
        )
    sd = prepare(data, duration_col, event_col, cause=cause, censor_code=censor_code, source=source)
    competing = bool((sd.status == 2).any())
    models = {"auto": ["finegray" if competing else "cox"], "both": ["finegray", "cox"],
              "cox": ["cox"], "finegray": ["finegray"]}.get(model)  # fmt: skip
    if models is None:
        raise ValidationError(f"model must be auto, cox, finegray or both, got {model!r}")
    cats = set(categorical) if categorical is not None else {
        c for c in [*features, *adjust] if _is_categorical(data[c])
    }  # fmt: skip
    work = data.copy()
    units: dict[str, str] = {}
    for c in [*features, *adjust]:
        if c in cats:
            labels = work[c].astype("string").astype(object).where(work[c].notna(), np.nan)
            levels = sorted(labels.dropna().unique())
            if len(levels) > MAX_LEVELS:
                raise ValidationError(
                    f"categorical feature '{c}' has {len(levels)} levels (more than "
                    f"{MAX_LEVELS}); group its levels or treat it as numeric"
                )
            ref = str(reference.get(c, levels[0])) if reference else levels[0]
            if ref not in levels:
                raise ValidationError(
                    f"reference level {ref!r} of '{c}' not among its levels {levels}"
                )
            levels = [ref] + [lev for lev in levels if lev != ref]
            work[c] = pd.Categorical(labels, categories=levels)
            units[c] = f"vs {ref}"
        else:
            num = pd.to_numeric(work[c], errors="coerce")
            if (num.isna() & work[c].notna()).any():
                raise ValidationError(
                    f"feature '{c}' mixes numbers and text; declare it categorical"
                )
            sdv = float(num.std())
            if per_sd and c in features and sdv > 0:
                work[c] = (num - num.mean()) / sdv
                units[c] = f"per SD ({sdv:.4g})"
            else:
                work[c] = num
                units[c] = "per unit"
    effects = []
    for f in features:
        for m in models:
            effects.append(_fit(work, duration_col, event_col, [f, *adjust], cats, m, cause,
                                censor_code, "univariable", f, units, source))  # fmt: skip
    if multivariable and len(features) > 1:
        for m in models:
            effects.append(_fit(work, duration_col, event_col, [*features, *adjust], cats, m,
                                cause, censor_code, "multivariable", None, units, source))  # fmt: skip
    eff = pd.concat(effects, ignore_index=True)
    curves, tests = _curves_and_tests(data, duration_col, event_col, features, cats, cause,
                                      censor_code, competing, source)  # fmt: skip
    return FeatureEffects(eff, curves, tests, work, tuple(features))


def _fit(work, tcol, ecol, covs, cats, model, cause, censor_code, analysis, only, units, source):
    catlist = [c for c in covs if c in cats]
    try:
        if model == "finegray":
            fit = FineGrayFitter().fit(work, tcol, ecol, cause=cause, covariates=covs,
                                       categorical=catlist, censor_code=censor_code, source=source)  # fmt: skip
            n, nev = fit.n_, fit.n_events_
        else:
            fit = CoxModel().fit(work, tcol, ecol, cause=cause, covariates=covs, categorical=catlist,
                                 censor_code=censor_code, source=source)  # fmt: skip
            n, nev = fit.n_, fit.n_events_
    except (ValidationError, ConvergenceError) as exc:
        what = f"feature '{only}'" if only else "the multivariable model"
        raise type(exc)(f"{model} {analysis} model of {what}: {exc}") from exc
    s = fit.summary.reset_index()
    s["feature"] = [t.split("[")[0] for t in s["covariate"]]
    if only is not None:
        s = s[s["feature"] == only]
    return pd.DataFrame({
        "feature": s["feature"], "term": s["covariate"], "model": model, "analysis": analysis,
        "n": n, "n_events": nev, "coef": s["coef"], "se": s["se"], "ratio": s["exp_coef"],
        "lower": s["lower"], "upper": s["upper"], "p": s["p"],
        "unit": [units.get(f, "") for f in s["feature"]],
    })  # fmt: skip


def _curves_and_tests(data, tcol, ecol, features, cats, cause, censor_code, competing, source):
    curves, tests = [], []
    for f in features:
        sub = data[data[f].notna()]
        split = np.nan
        if f in cats:
            grp = sub[f].astype(str)
        else:
            x = pd.to_numeric(sub[f])
            split = float(x.median())
            grp = pd.Series(
                np.where(x > split, f"> {split:.4g}", f"<= {split:.4g}"), index=sub.index
            )
        d = pd.DataFrame(
            {"t": sub[tcol].to_numpy(), "e": sub[ecol].to_numpy(), "g": grp.to_numpy()}
        )
        if d["g"].nunique() < 2:
            warnings.warn(
                f"feature '{f}' has a single group; no curves or test", IfnexusWarning, stacklevel=3
            )
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IfnexusWarning)
            if competing:
                c = cumulative_incidence(
                    d, "t", "e", cause=cause, group_col="g", censor_code=censor_code
                )
                curves.append(pd.DataFrame({"feature": f, "group": c["group"], "time": c["time"],
                                            "estimate": c["cif"], "lower": c["lower"],
                                            "upper": c["upper"], "measure": "cif"}))  # fmt: skip
                gt = gray_test(d, "t", "e", "g", cause=cause, censor_code=censor_code)
                stat, df_, p = gt["statistic"].iloc[0], int(gt["df"].iloc[0]), gt["p_value"].iloc[0]
                test = "gray"
            else:
                k = kaplan_meier(d, "t", "e", group_col="g", cause=cause, censor_code=censor_code)
                curves.append(pd.DataFrame({"feature": f, "group": k["group"], "time": k["time"],
                                            "estimate": k["survival"], "lower": k["lower"],
                                            "upper": k["upper"], "measure": "survival"}))  # fmt: skip
                lr = logrank_test(d, "t", "e", "g", cause=cause, censor_code=censor_code)
                stat, df_, p, test = lr.statistic, lr.df, lr.p_value, "logrank"
        tests.append({"feature": f, "test": test, "statistic": stat, "df": df_, "p_value": p,
                      "groups": int(d["g"].nunique()), "split": split})  # fmt: skip
    curves_df = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["feature", "group", "time", "estimate", "lower", "upper", "measure"])  # fmt: skip
    return curves_df, pd.DataFrame(tests)
