"""Fitting the model to data: population fits of tumour growth curves and clinical local control.

Maximum likelihood by the Laplace (FOCE-I) approximation with profile-likelihood intervals,
a Bayesian posterior by emcee, visual predictive checks, synthetic studies with known truth
for identifiability, and a PEtab v1 export of the growth problem for pyPESTO and AMICI
(``docs/fit.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.fit, imported on first use (PEP 562)
_WHERE = {
    "Arm": "_data",
    "GrowthData": "_data",
    "growth_data": "_data",
    "read_arms": "_data",
    "read_growth": "_data",
    "DEFAULT_CLINICAL_FREE": "_clinical",
    "ClinicalFit": "_clinical",
    "ClinicalProblem": "_clinical",
    "clinical_free_names": "_clinical",
    "clinical_vpc_table": "_clinical",
    "fit_clinical": "_clinical",
    "ClinicalData": "_clinical_data",
    "PatientGroup": "_clinical_data",
    "clinical_data": "_clinical_data",
    "read_clinical": "_clinical_data",
    "plot_clinical_vpc": "_plots",
    "simulate_clinical_study": "_clinical_synthetic",
    "write_clinical_fit": "_clinical_write",
    "DEFAULT_FREE": "_growth",
    "DEFAULT_RANDOM": "_growth",
    "GrowthFit": "_growth",
    "GrowthProblem": "_growth",
    "fit_growth": "_growth",
    "free_names": "_growth",
    "vpc_table": "_growth",
    "draw_parameter_sets": "_posterior",
    "read_posterior": "_posterior",
    "PETAB_FILES": "_petab",
    "PetabExport": "_petab",
    "to_petab": "_petab",
    "plot_arm_fit": "_plots",
    "plot_pairs": "_plots",
    "plot_profile": "_plots",
    "plot_vpc": "_plots",
    "CELLS_PER_MM3": "_simulate",
    "RANDOM_EFFECTS": "_simulate",
    "ArmSimulator": "_simulate",
    "simulate_growth_study": "_synthetic",
    "FIT_FORMAT": "_write",
    "model_stamp": "_write",
    "write_growth_fit": "_write",
}

__all__ = [
    "CELLS_PER_MM3",
    "DEFAULT_CLINICAL_FREE",
    "DEFAULT_FREE",
    "DEFAULT_RANDOM",
    "FIT_FORMAT",
    "PETAB_FILES",
    "RANDOM_EFFECTS",
    "Arm",
    "ArmSimulator",
    "ClinicalData",
    "ClinicalFit",
    "ClinicalProblem",
    "GrowthData",
    "GrowthFit",
    "GrowthProblem",
    "PatientGroup",
    "PetabExport",
    "clinical_data",
    "clinical_free_names",
    "clinical_vpc_table",
    "draw_parameter_sets",
    "fit_clinical",
    "fit_growth",
    "free_names",
    "growth_data",
    "model_stamp",
    "plot_arm_fit",
    "plot_clinical_vpc",
    "plot_pairs",
    "plot_profile",
    "plot_vpc",
    "read_arms",
    "read_clinical",
    "read_growth",
    "read_posterior",
    "simulate_clinical_study",
    "simulate_growth_study",
    "to_petab",
    "vpc_table",
    "write_clinical_fit",
    "write_growth_fit",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.fit._clinical import (
        DEFAULT_CLINICAL_FREE,
        ClinicalFit,
        ClinicalProblem,
        clinical_free_names,
        clinical_vpc_table,
        fit_clinical,
    )
    from ifnexus.fit._clinical_data import (
        ClinicalData,
        PatientGroup,
        clinical_data,
        read_clinical,
    )
    from ifnexus.fit._clinical_synthetic import simulate_clinical_study
    from ifnexus.fit._clinical_write import write_clinical_fit
    from ifnexus.fit._data import Arm, GrowthData, growth_data, read_arms, read_growth
    from ifnexus.fit._growth import (
        DEFAULT_FREE,
        DEFAULT_RANDOM,
        GrowthFit,
        GrowthProblem,
        fit_growth,
        free_names,
        vpc_table,
    )
    from ifnexus.fit._petab import PETAB_FILES, PetabExport, to_petab
    from ifnexus.fit._plots import (
        plot_arm_fit,
        plot_clinical_vpc,
        plot_pairs,
        plot_profile,
        plot_vpc,
    )
    from ifnexus.fit._posterior import draw_parameter_sets, read_posterior
    from ifnexus.fit._simulate import CELLS_PER_MM3, RANDOM_EFFECTS, ArmSimulator
    from ifnexus.fit._synthetic import simulate_growth_study
    from ifnexus.fit._write import FIT_FORMAT, model_stamp, write_growth_fit


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
