"""Global sensitivity analysis of the model: Sobol and Morris indices via SALib.

Which parameters does a prediction (local control at a time, IFN-I AUC, time to failure) hinge
on, over the ranges of what we do not know? :func:`model_sensitivity` runs one virtual cohort
per sample point (common random numbers) and :func:`sensitivity_indices` turns any evaluator's
outputs into indices (``docs/sensitivity.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.sensitivity, imported on first use (PEP 562)
_WHERE = {
    "METHODS": "_indices",
    "MIN_SAMPLES": "_indices",
    "sensitivity_indices": "_indices",
    "OUTPUTS": "_model",
    "model_sensitivity": "_model",
    "parse_times": "_model",
    "plot_sensitivity": "_plots",
    "DOCUMENTED": "_ranges",
    "ParameterRange": "_ranges",
    "parameter_ranges": "_ranges",
    "uncertain_parameters": "_ranges",
    "COLUMNS": "_result",
    "SensitivityResult": "_result",
}

__all__ = [
    "COLUMNS",
    "DOCUMENTED",
    "METHODS",
    "MIN_SAMPLES",
    "OUTPUTS",
    "ParameterRange",
    "SensitivityResult",
    "model_sensitivity",
    "parameter_ranges",
    "parse_times",
    "plot_sensitivity",
    "sensitivity_indices",
    "uncertain_parameters",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.sensitivity._indices import METHODS, MIN_SAMPLES, sensitivity_indices
    from ifnexus.sensitivity._model import OUTPUTS, model_sensitivity, parse_times
    from ifnexus.sensitivity._plots import plot_sensitivity
    from ifnexus.sensitivity._ranges import (
        DOCUMENTED,
        ParameterRange,
        parameter_ranges,
        uncertain_parameters,
    )
    from ifnexus.sensitivity._result import COLUMNS, SensitivityResult


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
