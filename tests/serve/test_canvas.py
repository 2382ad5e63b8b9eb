"""The designer's plots drawn on a cached frame equal matplotlib's full drawing of the same plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ifnexus.serve import plot_ifn_timecourses
from ifnexus.serve._canvas import (
    PLOT_MARGINS,
    _backdrop,
    ifn_image,
    ifn_ylim,
    local_control_backdrop,
    local_control_image,
)
from ifnexus.trial import plot_trial_curves

SIZE = (624.0, 320.0, 1.0)


def _full_draw(draw, size=SIZE) -> np.ndarray:
    """Pixels of a plot drawn the ordinary way: a new figure, every artist, one draw."""
    w, h, ratio = size
    fig = Figure(figsize=(w / 96, h / 96), dpi=96 * ratio)
    left, right, bottom, top = PLOT_MARGINS
    fig.subplots_adjust(left=left / (w / 96), right=1 - right / (w / 96),
                        bottom=bottom / (h / 96), top=1 - top / (h / 96))  # fmt: skip
    canvas = FigureCanvasAgg(fig)
    draw(fig.add_subplot(1, 1, 1))
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _timecourses() -> pd.DataFrame:
    day = np.arange(0.0, 64.0)
    rows = []
    for arm, peak in (("RT", 2.9), ("RT + STING", 3.4)):
        med = peak * np.exp(-(((day - 5) / 9) ** 2))
        rows.append(pd.DataFrame({"arm": arm, "state": "ifn", "day": day, "median": med,
                                  "lower": 0.5 * med, "upper": 1.2 * med + 0.1, "n": 12}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_ifn_ylim_rounds_the_top_up_and_keeps_autoscaling_margins():
    tc = _timecourses()  # largest value 1.2 * 3.4 + 0.1 = 4.18: top 5
    assert ifn_ylim(tc) == pytest.approx((-0.25, 5.25))
    for top, want in ((0.93, (-0.05, 1.05)), (12.5, (-0.75, 15.75)), (3.6, (-0.2, 4.2)),
                      (2.0, (-0.1, 2.1))):  # fmt: skip
        assert ifn_ylim(tc.assign(median=0.1, lower=0.0, upper=top)) == pytest.approx(want)
    # a negative value: autoscaling's limits, not rounded
    assert ifn_ylim(tc.assign(median=0.0, lower=-1.0, upper=3.0)) == pytest.approx((-1.2, 3.2))


def test_ifn_plot_equals_the_full_draw():
    tc = _timecourses()

    def draw(ax):
        plot_ifn_timecourses(tc, ax=ax)
        ax.set_title("")
        ax.set_ylim(*ifn_ylim(tc))

    want = _full_draw(draw)
    for _ in range(2):  # the frame drawn, then reused
        got = np.asarray(ifn_image(tc, SIZE))
        np.testing.assert_array_equal(got, want)


def test_local_control_plot_equals_the_full_draw():
    from ifnexus.serve import design_from_form
    from ifnexus.trial import run_trial

    design = design_from_form({
        "patients": 60, "seed": 3, "followup": 2, "endpoint": 1.5, "mix_acute": 0.45,
        "mix_chronic": 0.25, "mix_deficient": 0.3, "arm1_name": "RT", "arm1_schedule": "8Gy x3",
        "arm2_name": "RT + anti-PD-1", "arm2_schedule": "8Gy x3",
        "arm2_interventions": "anti-pd1:day=0,dose=1,repeat=3,every=14",
    })  # fmt: skip
    result = run_trial(design, hazard_ratios="none")

    def draw(ax):
        plot_trial_curves(result.curves, "local_control_km", endpoint_years=1.5, ax=ax)
        ax.set_ylabel("Local control (KM)")

    for size in (SIZE, (500.0, 300.0, 2.0)):
        want = _full_draw(draw, size)
        for _ in range(2):
            got = np.asarray(local_control_image(result, size))
            np.testing.assert_array_equal(got, want)


def test_frames_are_cached_by_what_they_show_and_size():
    a = local_control_backdrop(5.0, 2.0, SIZE)
    assert local_control_backdrop(5.0, 2.0, SIZE) is a
    assert local_control_backdrop(5.0, 3.0, SIZE) is not a
    assert local_control_backdrop(5.0, 2.0, (600.0, 320.0, 1.0)) is not a
    calls = []
    b = _backdrop(("test", 1), lambda ax: calls.append(ax) or [], SIZE)
    assert _backdrop(("test", 1), lambda ax: calls.append(ax) or [], SIZE) is b
    assert len(calls) == 1
