"""The mechanistic simulator of the IFN-radiotherapy system.

radiation -> cytosolic DNA -> cGAS/STING -> IRF3 -> IFN-I -> IFNAR1/STAT1 -> CD8+ T cells, with
the acute (pSTAT1/ISGF3) and chronic (U-STAT1/IRDS) arms of the interferon paradox. The
parameters are declared once in :data:`PARAMETERS` (unit, value per setting, source);
``docs/model.md`` is generated from them by :func:`model_markdown`.
"""

from ifnexus.model._cohort import CohortResult, simulate_cohort
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
from ifnexus.model._system import EQUATIONS, OBSERVABLES, STATES, StateSpec
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
    "bed",
    "eqd2",
    "get_parameter",
    "ifn_summary",
    "lq_survival",
    "lymphocyte_survival",
    "parameter_table",
    "parameters",
    "parse_genotype",
    "parse_host",
    "parse_intervention",
    "parse_interventions",
    "parse_schedule",
    "sample_failure",
    "simulate_cohort",
    "weekday_days",
    "zm_tcp",
]
