"""Per-sample summaries and condition comparisons with samples, not cells, as the unit.

Cells of one sample are not independent replicates; comparing conditions cell by cell
inflates significance by orders of magnitude (Squair 2021, Nat Commun 12:5692). Each sample is
reduced to one value per metric, and conditions are compared on those values with a Welch t
test and a Mann-Whitney U test (scipy), with effect sizes (difference of means, Hedges' g,
rank-biserial correlation) and Benjamini-Hochberg adjustment across metrics per contrast.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus.errors import ValidationError
from ifnexus.singlecell._ifn_state import IFN_STATES
from ifnexus.singlecell._markers import CELL_TYPES, IMMUNE_TYPES


def _constant(v: np.ndarray) -> bool:
    """Whether the values are equal to floating-point precision (rounding, not biology).

    scipy's tests on such values lose all precision (``RuntimeWarning: catastrophic
    cancellation``) and return noise; they are reported as constant instead.
    """
    return bool(np.ptp(v) <= 64 * np.finfo(float).eps * max(1.0, float(np.abs(v).max())))


def summarise_samples(
    cells: pd.DataFrame,
    *,
    sample_key: str = "sample",
    condition_key: str | None = None,
    score_columns: list[str] | None = None,
) -> pd.DataFrame:
    """One row per sample: composition, CD8+ share of immune cells, M1/M2 balance, IFN states.

    Parameters
    ----------
    cells
        Per-cell table with ``cell_type``, ``ifn_state``, ``sample_key`` (and
        ``condition_key``) columns, plus score columns.
    sample_key
        Column naming each cell's sample.
    condition_key
        Column of the condition (constant within a sample), or None.
    score_columns
        Scores whose per-sample mean is reported (``mean_<score>``).

    Returns
    -------
    pandas.DataFrame
        Index ``sample``; columns ``condition`` (when given), ``n_cells``, ``prop_<type>`` for
        every cell type, ``n_immune``, ``cd8_of_immune`` (CD8 T / immune cells),
        ``m1_m2_balance`` (mean of ``m1 - m2`` over monocytes/macrophages; NaN without them),
        ``frac_acute``/``frac_chronic``/``frac_none`` (all cells), ``frac_acute_malignant`` and
        ``frac_chronic_malignant`` (malignant cells; NaN without them) and ``mean_<score>``.
    """
    for key in [sample_key, "cell_type", "ifn_state"] + ([condition_key] if condition_key else []):
        if key not in cells.columns:
            raise ValidationError(f"per-cell table has no column {key!r}")
    rows = []
    for sample, grp in cells.groupby(sample_key, observed=True, sort=True):
        row: dict[str, object] = {"sample": sample}
        if condition_key:
            conds = grp[condition_key].astype(str).unique()
            if len(conds) != 1:
                raise ValidationError(
                    f"sample {sample!r} has cells from several conditions {sorted(conds)} in "
                    f"{condition_key!r}; each sample must belong to one condition"
                )
            row["condition"] = conds[0]
        n = len(grp)
        row["n_cells"] = n
        ct = grp["cell_type"].astype(str)
        for t in CELL_TYPES:
            row[f"prop_{t}"] = float((ct == t).mean())
        immune = ct.isin(IMMUNE_TYPES)
        row["n_immune"] = int(immune.sum())
        row["cd8_of_immune"] = (
            float((ct == "cd8_t").sum() / immune.sum()) if immune.any() else np.nan
        )
        mac = ct == "mono_macro"
        if mac.any() and {"m1", "m2"} <= set(grp.columns):
            row["m1_m2_balance"] = float((grp.loc[mac, "m1"] - grp.loc[mac, "m2"]).mean())
        else:
            row["m1_m2_balance"] = np.nan
        st = grp["ifn_state"].astype(str)
        for s in IFN_STATES:
            row[f"frac_{s}"] = float((st == s).mean())
        mal = ct == "malignant_schwann"
        for s in ("acute", "chronic"):
            row[f"frac_{s}_malignant"] = float((st[mal] == s).mean()) if mal.any() else np.nan
        for c in score_columns or []:
            row[f"mean_{c}"] = float(grp[c].mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("sample")


def _hedges_g(x: np.ndarray, y: np.ndarray) -> float:
    n1, n2 = len(x), len(y)
    if n1 < 2 or n2 < 2:
        return np.nan
    sp = np.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / (n1 + n2 - 2))
    if sp == 0:
        return np.nan
    j = 1 - 3 / (4 * (n1 + n2) - 9)
    return float(j * (np.mean(x) - np.mean(y)) / sp)


def compare_conditions(
    samples: pd.DataFrame, *, condition_key: str = "condition", reference: str | None = None
) -> pd.DataFrame:
    """Compare every per-sample metric between each condition and the reference condition.

    Parameters
    ----------
    samples
        Output of :func:`summarise_samples` (one row per sample, a ``condition`` column).
    condition_key
        The column holding each sample's condition.
    reference
        The baseline condition (default: the first in sorted order); every other condition is
        compared with it.

    Returns
    -------
    pandas.DataFrame
        One row per (contrast, metric): ``metric``, ``group``, ``reference``, ``n_group``,
        ``n_reference`` (samples with a value), ``mean_group``, ``mean_reference``,
        ``difference`` (group - reference), ``hedges_g``, ``welch_t``, ``welch_df``,
        ``welch_p``, ``mannwhitney_u`` (of the group), ``mannwhitney_p``, ``rank_biserial``
        (2U / (n1 n2) - 1; > 0: group higher), ``welch_p_adj``, ``mannwhitney_p_adj`` (BH across
        metrics within the contrast) and ``note`` (why a test was not run).
    """
    if condition_key not in samples.columns:
        raise ValidationError(f"sample table has no column {condition_key!r}")
    conds = sorted(samples[condition_key].astype(str).unique())
    if len(conds) < 2:
        raise ValidationError(f"need at least two conditions to compare, found {conds}")
    ref = conds[0] if reference is None else str(reference)
    if ref not in conds:
        raise ValidationError(f"reference condition {ref!r} not found; conditions are {conds}")
    metrics = [
        c
        for c in samples.columns
        if c != condition_key and pd.api.types.is_numeric_dtype(samples[c])
    ]
    rows = []
    for grp in (c for c in conds if c != ref):
        block = []
        for m in metrics:
            x = samples.loc[samples[condition_key].astype(str) == grp, m].dropna().to_numpy(float)
            y = samples.loc[samples[condition_key].astype(str) == ref, m].dropna().to_numpy(float)
            r = {
                "metric": m,
                "group": grp,
                "reference": ref,
                "n_group": len(x),
                "n_reference": len(y),
                "mean_group": x.mean() if len(x) else np.nan,
                "mean_reference": y.mean() if len(y) else np.nan,
                "hedges_g": _hedges_g(x, y),
                "welch_t": np.nan,
                "welch_df": np.nan,
                "welch_p": np.nan,
                "mannwhitney_u": np.nan,
                "mannwhitney_p": np.nan,
                "rank_biserial": np.nan,
                "note": "",
            }
            r["difference"] = r["mean_group"] - r["mean_reference"]
            if len(x) < 2 or len(y) < 2:
                r["note"] = "needs >= 2 samples per condition"
            elif _constant(np.concatenate([x, y])):
                r["note"] = "constant across samples"
            else:
                if _constant(x) and _constant(y):
                    r["note"] = "constant within each condition (Welch's t undefined)"
                else:
                    with warnings.catch_warnings():
                        # one condition constant to rounding (e.g. a fraction 0 in every sample):
                        # scipy's variance warns of cancellation, but that variance (~1e-33) is
                        # zero to the test, which is then exact
                        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
                        t = stats.ttest_ind(x, y, equal_var=False)
                    r.update(
                        welch_t=float(t.statistic), welch_df=float(t.df), welch_p=float(t.pvalue)
                    )
                u = stats.mannwhitneyu(x, y, alternative="two-sided")
                r.update(
                    mannwhitney_u=float(u.statistic),
                    mannwhitney_p=float(u.pvalue),
                    rank_biserial=float(2 * u.statistic / (len(x) * len(y)) - 1),
                )
            block.append(r)
        df = pd.DataFrame(block)
        for col in ("welch_p", "mannwhitney_p"):
            ok = df[col].notna()
            df[f"{col}_adj"] = np.nan
            if ok.any():
                df.loc[ok, f"{col}_adj"] = stats.false_discovery_control(df.loc[ok, col].to_numpy())
        rows.append(df)
    cols = [
        "metric",
        "group",
        "reference",
        "n_group",
        "n_reference",
        "mean_group",
        "mean_reference",
        "difference",
        "hedges_g",
        "welch_t",
        "welch_df",
        "welch_p",
        "welch_p_adj",
        "mannwhitney_u",
        "mannwhitney_p",
        "mannwhitney_p_adj",
        "rank_biserial",
        "note",
    ]
    return pd.concat(rows, ignore_index=True)[cols]


def summarize_samples(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Summarise samples: deprecated spelling of :func:`summarise_samples` (removed in 0.3)."""
    import warnings

    warnings.warn(
        "summarize_samples is deprecated; use summarise_samples", FutureWarning, stacklevel=2
    )
    return summarise_samples(*args, **kwargs)
