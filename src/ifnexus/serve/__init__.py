"""The trial designer in the browser (``ifnexus serve``), a Shiny for Python app.

The page builds a trial design (arms: schedule, interventions with timing; population: disease,
IFN-state mix, patients per arm, seed, follow-up), runs it with :func:`ifnexus.trial.run_trial`
and shows local-control and IFN time-course curves, the arms side by side, and downloads of the
design as TOML and the results as CSV. Needs the ``serve`` extra
(``pip install 'ifnexus[serve]'``). See ``docs/serve.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifnexus._lazy import lazy_exports

# public name -> its module under ifnexus.serve, imported on first use (PEP 562)
_WHERE = {
    "create_app": "_app",
    "MAX_ARMS": "_form",
    "MAX_PATIENTS": "_form",
    "design_from_form": "_form",
    "results_table": "_form",
    "check_address": "_server",
    "running_app": "_server",
    "serve": "_server",
    "ifn_timecourses": "_timecourse",
    "plot_ifn_timecourses": "_timecourse",
}

__all__ = [
    "MAX_ARMS",
    "MAX_PATIENTS",
    "check_address",
    "create_app",
    "design_from_form",
    "ifn_timecourses",
    "plot_ifn_timecourses",
    "results_table",
    "running_app",
    "serve",
]

if TYPE_CHECKING:  # pragma: no cover - the same names, eagerly, for type checkers
    from ifnexus.serve._app import create_app
    from ifnexus.serve._form import MAX_ARMS, MAX_PATIENTS, design_from_form, results_table
    from ifnexus.serve._server import check_address, running_app, serve
    from ifnexus.serve._timecourse import ifn_timecourses, plot_ifn_timecourses


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
