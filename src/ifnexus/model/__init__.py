"""The mechanistic simulator of the IFN-radiotherapy system.

radiation -> cytosolic DNA -> cGAS/STING -> IRF3 -> IFN-I -> IFNAR1/STAT1 -> CD8+ T cells, with
the acute (pSTAT1/ISGF3) and chronic (U-STAT1/IRDS) arms of the interferon paradox. The
parameters are declared once in :data:`PARAMETERS` (unit, value per setting, source);
``docs/model.md`` is generated from them by :func:`model_markdown`.
"""

from ifnexus.model._cohort import CohortResult, simulate_cohort
from ifnexus.model._docs import model_markdown, write_model_docs
from ifnexus.model._invitro import in_vitro_curves, in_vitro_survival
from ifnexus.model._outcomes import ifn_summary, sample_failure, zm_tcp
from ifnexus.model._params import (
    PARAMETERS,
    SETTINGS,
    Parameter,
    get_parameter,
    parameter_table,
    parameters,
)
from ifnexus.model._radiobiology import (
    ALPHA_L,
    BETA_L,
    Schedule,
    bed,
    eqd2,
    lq_survival,
    lymphocyte_survival,
    parse_schedule,
    weekday_days,
)
from ifnexus.model._sbml import to_sbml
from ifnexus.model._system import EQUATIONS, OBSERVABLES, STATES, StateSpec
from ifnexus.model._tcd50 import TCD50Result, fit_logistic, parse_dose_grid, tcd50
from ifnexus.model._tumour import TumourModel, tumour_model
from ifnexus.model._variants import (
    GENOTYPES,
    HOSTS,
    INTERVENTIONS,
    Intervention,
    parse_genotype,
    parse_host,
    parse_intervention,
    parse_interventions,
)

__all__ = [
    "ALPHA_L",
    "BETA_L",
    "EQUATIONS",
    "GENOTYPES",
    "HOSTS",
    "INTERVENTIONS",
    "OBSERVABLES",
    "PARAMETERS",
    "SETTINGS",
    "STATES",
    "CohortResult",
    "Intervention",
    "Parameter",
    "Schedule",
    "StateSpec",
    "TCD50Result",
    "TumourModel",
    "bed",
    "eqd2",
    "fit_logistic",
    "get_parameter",
    "ifn_summary",
    "in_vitro_curves",
    "in_vitro_survival",
    "lq_survival",
    "lymphocyte_survival",
    "model_markdown",
    "parameter_table",
    "parameters",
    "parse_dose_grid",
    "parse_genotype",
    "parse_host",
    "parse_intervention",
    "parse_interventions",
    "parse_schedule",
    "sample_failure",
    "simulate_cohort",
    "tcd50",
    "to_sbml",
    "tumour_model",
    "weekday_days",
    "write_model_docs",
    "zm_tcp",
]
