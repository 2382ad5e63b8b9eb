"""Virtual radiotherapy trials around the tumour's IFN state: arms on the same patients.

A trial is described in a small TOML file (:func:`read_design`; ``docs/trial.md``) and run by
:func:`run_trial`: every arm simulates the same virtual patients with the mechanistic model, so
differences are the treatment's. The result holds local control per arm and IFN state with
intervals, paired differences and hazard ratios against a reference arm, curves with background
death as a competing risk (a shipped life table), normal-tissue BED/EQD2 and LKB NTCP per organ
at risk, and the sample size of a real trial (Schoenfeld, Freedman and simulation).
:func:`optimise_design` searches schedules and intervention timing for the best local control
under an organ-at-risk constraint (:func:`read_space`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.trial, imported on first use (PEP 562)
_WHERE = {
    "DAYS_PER_YEAR": "_design",
    "IFN_STATES": "_design",
    "Arm": "_design",
    "Endpoint": "_design",
    "NormalTissueSpec": "_design",
    "OrganSpec": "_design",
    "Population": "_design",
    "PowerSpec": "_design",
    "TrialDesign": "_design",
    "design_from_dict": "_design",
    "design_to_toml": "_design",
    "example_design_path": "_design",
    "read_design": "_design",
    "death_times": "_lifetable",
    "life_expectancy": "_lifetable",
    "life_table": "_lifetable",
    "ORGANS": "_ntcp",
    "OrganParameters": "_ntcp",
    "canonical_organ": "_ntcp",
    "geud": "_ntcp",
    "lkb_ntcp": "_ntcp",
    "lymphocyte_loss": "_ntcp",
    "organ_dose": "_ntcp",
    "read_dvh": "_ntcp",
    "UNCERTAIN_PARAMETERS": "_optimise",
    "OptimisationResult": "_optimise",
    "OptimisationSpace": "_optimise",
    "optimise_design": "_optimise",
    "plot_optimised": "_optimise",
    "read_space": "_optimise",
    "space_from_dict": "_optimise",
    "plot_differences": "_plots",
    "plot_trial_curves": "_plots",
    "event_probability": "_power",
    "freedman_sample_size": "_power",
    "schoenfeld_events": "_power",
    "simulated_power": "_power",
    "TrialResult": "_result",
    "ifn_mix_parameters": "_run",
    "read_posterior": "_run",
    "run_trial": "_run",
}

__all__ = [
    "DAYS_PER_YEAR",
    "IFN_STATES",
    "ORGANS",
    "UNCERTAIN_PARAMETERS",
    "Arm",
    "Endpoint",
    "NormalTissueSpec",
    "OptimisationResult",
    "OptimisationSpace",
    "OrganParameters",
    "OrganSpec",
    "Population",
    "PowerSpec",
    "TrialDesign",
    "TrialResult",
    "canonical_organ",
    "death_times",
    "design_from_dict",
    "design_to_toml",
    "event_probability",
    "example_design_path",
    "freedman_sample_size",
    "geud",
    "ifn_mix_parameters",
    "life_expectancy",
    "life_table",
    "lkb_ntcp",
    "lymphocyte_loss",
    "optimise_design",
    "organ_dose",
    "plot_differences",
    "plot_optimised",
    "plot_trial_curves",
    "read_design",
    "read_dvh",
    "read_posterior",
    "read_space",
    "run_trial",
    "schoenfeld_events",
    "simulated_power",
    "space_from_dict",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.trial._design import (
        DAYS_PER_YEAR,
        IFN_STATES,
        Arm,
        Endpoint,
        NormalTissueSpec,
        OrganSpec,
        Population,
        PowerSpec,
        TrialDesign,
        design_from_dict,
        design_to_toml,
        example_design_path,
        read_design,
    )
    from ifnexus.trial._lifetable import death_times, life_expectancy, life_table
    from ifnexus.trial._ntcp import (
        ORGANS,
        OrganParameters,
        canonical_organ,
        geud,
        lkb_ntcp,
        lymphocyte_loss,
        organ_dose,
        read_dvh,
    )
    from ifnexus.trial._optimise import (
        UNCERTAIN_PARAMETERS,
        OptimisationResult,
        OptimisationSpace,
        optimise_design,
        plot_optimised,
        read_space,
        space_from_dict,
    )
    from ifnexus.trial._plots import plot_differences, plot_trial_curves
    from ifnexus.trial._power import (
        event_probability,
        freedman_sample_size,
        schoenfeld_events,
        simulated_power,
    )
    from ifnexus.trial._result import TrialResult
    from ifnexus.trial._run import ifn_mix_parameters, read_posterior, run_trial


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
