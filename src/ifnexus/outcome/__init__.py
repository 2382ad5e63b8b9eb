"""Local control after radiotherapy: survival and competing risks.

Kaplan-Meier, log-rank (two, k groups, trend), Cox PH with R's ``cox.zph`` test, Aalen-Johansen
cumulative incidence with exact ties and Gray's test, Fine-Gray regression (R ``cmprsk::crr``),
and tumour features against local control.
"""

from ifnexus.outcome._cox import CoxModel
from ifnexus.outcome._cuminc import cumulative_incidence, gray_test
from ifnexus.outcome._finegray import FineGrayFitter
from ifnexus.outcome._kaplan_meier import kaplan_meier, median_survival
from ifnexus.outcome._logrank import LogRankResult, logrank_test

__all__ = [
    "CoxModel",
    "FineGrayFitter",
    "LogRankResult",
    "cumulative_incidence",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "median_survival",
]
