"""The mechanistic simulator of the IFN-radiotherapy system.

radiation -> cytosolic DNA -> cGAS/STING -> IRF3 -> IFN-I -> IFNAR1/STAT1 -> CD8+ T cells, with
the acute (pSTAT1/ISGF3) and chronic (U-STAT1/IRDS) arms of the interferon paradox. The
parameters are declared once in :data:`PARAMETERS` (unit, value per setting, source);
``docs/model.md`` is generated from them by :func:`model_markdown`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.model, imported on first use (PEP 562): importing
# ifnexus.model (or the ifnexus CLI) loads none of its heavy dependencies up front
_WHERE = {
    "CohortResult": "_cohort",
    "simulate_cohort": "_cohort",
    "model_markdown": "_docs",
    "write_model_docs": "_docs",
    "in_vitro_curves": "_invitro",
    "in_vitro_survival": "_invitro",
    "ifn_summary": "_outcomes",
    "sample_failure": "_outcomes",
    "zm_tcp": "_outcomes",
    "ParameterSet": "_paramfile",
    "read_params": "_paramfile",
    "PARAMETERS": "_params",
    "SETTINGS": "_params",
    "Parameter": "_params",
    "get_parameter": "_params",
    "parameter_table": "_params",
    "parameters": "_params",
    "plot_local_control": "_plots",
    "plot_survival": "_plots",
    "plot_tcd50": "_plots",
    "plot_timecourses": "_plots",
    "PosteriorResult": "_posterior",
    "PosteriorTCD50Result": "_posterior",
    "plot_posterior_local_control": "_posterior",
    "simulate_posterior": "_posterior",
    "tcd50_posterior": "_posterior",
    "ALPHA_L": "_radiobiology",
    "BETA_L": "_radiobiology",
    "Schedule": "_radiobiology",
    "bed": "_radiobiology",
    "eqd2": "_radiobiology",
    "lq_survival": "_radiobiology",
    "lymphocyte_survival": "_radiobiology",
    "parse_schedule": "_radiobiology",
    "protraction_factor": "_radiobiology",
    "unrepaired_dose": "_radiobiology",
    "weekday_days": "_radiobiology",
    "to_sbml": "_sbml",
    "EQUATIONS": "_system",
    "OBSERVABLES": "_system",
    "STATES": "_system",
    "StateSpec": "_system",
    "TCD50Result": "_tcd50",
    "fit_logistic": "_tcd50",
    "parse_dose_grid": "_tcd50",
    "tcd50": "_tcd50",
    "TumourModel": "_tumour",
    "tumour_model": "_tumour",
    "GENOTYPES": "_variants",
    "HOSTS": "_variants",
    "INTERVENTIONS": "_variants",
    "Intervention": "_variants",
    "parse_genotype": "_variants",
    "parse_host": "_variants",
    "parse_intervention": "_variants",
    "parse_interventions": "_variants",
}

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
    "ParameterSet",
    "PosteriorResult",
    "PosteriorTCD50Result",
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
    "plot_local_control",
    "plot_posterior_local_control",
    "plot_survival",
    "plot_tcd50",
    "plot_timecourses",
    "protraction_factor",
    "read_params",
    "sample_failure",
    "simulate_cohort",
    "simulate_posterior",
    "tcd50",
    "tcd50_posterior",
    "to_sbml",
    "tumour_model",
    "unrepaired_dose",
    "weekday_days",
    "write_model_docs",
    "zm_tcp",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.model._cohort import CohortResult, simulate_cohort
    from ifnexus.model._docs import model_markdown, write_model_docs
    from ifnexus.model._invitro import in_vitro_curves, in_vitro_survival
    from ifnexus.model._outcomes import ifn_summary, sample_failure, zm_tcp
    from ifnexus.model._paramfile import ParameterSet, read_params
    from ifnexus.model._params import (
        PARAMETERS,
        SETTINGS,
        Parameter,
        get_parameter,
        parameter_table,
        parameters,
    )
    from ifnexus.model._plots import (
        plot_local_control,
        plot_survival,
        plot_tcd50,
        plot_timecourses,
    )
    from ifnexus.model._posterior import (
        PosteriorResult,
        PosteriorTCD50Result,
        plot_posterior_local_control,
        simulate_posterior,
        tcd50_posterior,
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
        protraction_factor,
        unrepaired_dose,
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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
