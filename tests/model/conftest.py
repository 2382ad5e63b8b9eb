"""Shared fixtures of the model tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def summary_keys() -> tuple[str, ...]:
    """The keys issue 3 requires of ``ifnexus simulate --json`` (and ``CohortResult.to_dict()``)."""
    return ("schedule", "bed", "eqd2", "n_patients", "local_control", "tcp_mean",
            "ifn_auc_30d", "ifn_labels", "cd8_fold_change_day7")  # fmt: skip


@pytest.fixture
def assert_kernel_matches_radau():
    """Check a mouse ``tumour_model``'s kernel against scipy's Radau at 15 times (rtol 1e-4).

    Called as ``assert_kernel_matches_radau(kwargs, columns)``: ``kwargs`` holds ``schedule``
    and the other :func:`ifnexus.model.tumour_model` keywords, ``columns`` the outputs compared.
    """
    import numpy as np

    from ifnexus.model import tumour_model

    def check(kwargs: dict, columns: tuple[str, ...]) -> None:
        kwargs = dict(kwargs)
        m = tumour_model(kwargs.pop("schedule"), setting="mouse", **kwargs)
        ours = m.simulate()
        t = ours["time"].to_numpy()
        idx = np.unique(np.linspace(1, t.size - 1, 15).astype(int))
        ref = m.reference(t[idx], method="Radau", rtol=1e-8)
        for col in columns:
            a = ours[col].to_numpy()[idx]
            b = ref[col].to_numpy()
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-9, err_msg=col)

    return check


@pytest.fixture
def sbml_end_values():
    """Run a ``TumourModel``'s SBML in libroadrunner (rtol 1e-10, atol 1e-12) to its end.

    Called as ``sbml_end_values(model, species, xml=None)``; returns ``{species: value}`` at the
    end of the model's span (``xml``: the model's SBML when the test already has it). Skips
    without libroadrunner.
    """
    roadrunner = pytest.importorskip("roadrunner")

    def run(model, species: tuple[str, ...], xml: str | None = None) -> dict[str, float]:
        rr = roadrunner.RoadRunner(model.to_sbml() if xml is None else xml)
        rr.integrator.relative_tolerance = 1e-10
        rr.integrator.absolute_tolerance = 1e-12
        res = rr.simulate(0.0, model.t_end - model.t0, 2, selections=["time", *species])
        return dict(zip(species, res[-1, 1:], strict=True))

    return run
