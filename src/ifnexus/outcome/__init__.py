"""Local control after radiotherapy: survival and competing risks.

Kaplan-Meier, log-rank (two, k groups, trend), Cox PH with R's ``cox.zph`` test, Aalen-Johansen
cumulative incidence with exact ties and Gray's test, Fine-Gray regression (R ``cmprsk::crr``),
and tumour features against local control.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.outcome, imported on first use (PEP 562): importing
# ifnexus.outcome (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "number_at_risk": "_at_risk",
    "CoxModel": "_cox",
    "cumulative_incidence": "_cuminc",
    "gray_test": "_cuminc",
    "FeatureEffects": "_features",
    "feature_effects": "_features",
    "join_features": "_features",
    "FineGrayFitter": "_finegray",
    "kaplan_meier": "_kaplan_meier",
    "median_survival": "_kaplan_meier",
    "LogRankResult": "_logrank",
    "logrank_test": "_logrank",
    "plot_curves": "_plots",
    "plot_forest": "_plots",
    "term_label": "_plots",
    "cumulative_incidence_dict": "_write",
    "write_cumulative_incidence": "_write",
    "write_feature_effects": "_write",
    "write_finegray": "_write",
}

__all__ = [
    "CoxModel",
    "FeatureEffects",
    "FineGrayFitter",
    "LogRankResult",
    "cumulative_incidence",
    "cumulative_incidence_dict",
    "feature_effects",
    "gray_test",
    "join_features",
    "kaplan_meier",
    "logrank_test",
    "median_survival",
    "number_at_risk",
    "plot_curves",
    "plot_forest",
    "term_label",
    "write_cumulative_incidence",
    "write_feature_effects",
    "write_finegray",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.outcome._at_risk import number_at_risk
    from ifnexus.outcome._cox import CoxModel
    from ifnexus.outcome._cuminc import cumulative_incidence, gray_test
    from ifnexus.outcome._features import FeatureEffects, feature_effects, join_features
    from ifnexus.outcome._finegray import FineGrayFitter
    from ifnexus.outcome._kaplan_meier import kaplan_meier, median_survival
    from ifnexus.outcome._logrank import LogRankResult, logrank_test
    from ifnexus.outcome._plots import plot_curves, plot_forest, term_label
    from ifnexus.outcome._write import (
        cumulative_incidence_dict,
        write_cumulative_incidence,
        write_feature_effects,
        write_finegray,
    )


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
