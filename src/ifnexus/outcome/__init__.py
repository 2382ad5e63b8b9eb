"""Local control after radiotherapy: survival and competing risks.

Kaplan-Meier, log-rank (two, k groups, trend), Cox PH with R's ``cox.zph`` test, Aalen-Johansen
cumulative incidence with exact ties and Gray's test, Fine-Gray regression (R ``cmprsk::crr``),
and tumour features against local control.
"""

from ifnexus.outcome._cox import CoxModel
from ifnexus.outcome._cuminc import cumulative_incidence, gray_test
from ifnexus.outcome._features import FeatureEffects, feature_effects, join_features
from ifnexus.outcome._finegray import FineGrayFitter
from ifnexus.outcome._kaplan_meier import kaplan_meier, median_survival
from ifnexus.outcome._logrank import LogRankResult, logrank_test
from ifnexus.outcome._plots import plot_curves, plot_forest
from ifnexus.outcome._write import (
    cumulative_incidence_dict,
    write_cumulative_incidence,
    write_feature_effects,
    write_finegray,
)

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
    "plot_curves",
    "plot_forest",
    "write_cumulative_incidence",
    "write_feature_effects",
    "write_finegray",
]
