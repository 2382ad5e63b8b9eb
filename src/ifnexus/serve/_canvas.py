"""The designer's two plots, drawn by blitting the data onto a cached drawing of the axes.

Why not a new matplotlib figure per Run: at the page's plot size (about 624 x 320 px) most of
a figure's time is not its curves but its frame: making the figure and axes, the tick locators,
laying out and rasterising every tick label and axis label (about 0.1 s of CPU per plot on
the designer's 2-core machine, a tenth of the one-second budget of a Run). Everything in the
frame is known from the design before the model runs (the time axis from the follow-up, the
local-control axis is 0-1.02, the endpoint line) or, for the IFN plot, from the data range
rounded up to a round number. So each frame is drawn once on an Agg canvas and its pixels kept
(:class:`Backdrop`, matplotlib's blitting: ``copy_from_bbox``/``restore_region``), keyed by
what it shows and the plot size; a Run restores those pixels and draws only its artists on
them (bands, curves, the legend, then the endpoint line and the spines again, so they stay on
top as in a full draw) with ``Axes.draw_artist``. The curves and legend are matplotlib's own
artists with the styles of :func:`ifnexus.trial.plot_trial_curves` and
:func:`ifnexus.serve.plot_ifn_timecourses`, and the axis limits are those autoscaling gives
(5% margins around the data's time range), so the picture is the full draw's; only the IFN
plot's upper limit is rounded up (to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
ten) so that Runs of similar designs share a frame.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "PLOT_MARGINS",
    "Backdrop",
    "ifn_image",
    "ifn_ylim",
    "local_control_backdrop",
    "local_control_image",
]

#: the plots' margins in inches (left, right, bottom, top): room for the tick labels and axis
#: labels at the page's plot size (about 6.5 x 3.3 in at 96 dpi)
PLOT_MARGINS = (0.75, 0.15, 0.55, 0.3)
#: frames kept (each about 0.8 MB of pixels at the page's size)
CACHE_SIZE = 12
#: the round mantissas of the IFN plot's upper limit
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)

Size = tuple[float, float, float]  # width and height in CSS px, device pixel ratio


class Backdrop:
    """A plot's frame drawn once on an Agg canvas; :meth:`render` blits a Run's artists on it.

    Parameters
    ----------
    build
        ``build(ax)`` draws the frame: labels, limits, fixed lines. It returns the artists
        to draw again on top of each Run's data (e.g. the endpoint line).
    size
        Width and height in CSS pixels (96 per inch) and the device pixel ratio.
    """

    def __init__(self, build: Callable[[Any], Sequence[Any]], size: Size) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        w, h, ratio = size
        self.fig = Figure(figsize=(w / 96.0, h / 96.0), dpi=96.0 * ratio)
        left, right, bottom, top = PLOT_MARGINS
        w_in, h_in = w / 96.0, h / 96.0
        self.fig.subplots_adjust(left=min(left / w_in, 0.4), right=1 - min(right / w_in, 0.1),
                                 bottom=min(bottom / h_in, 0.4), top=1 - min(top / h_in, 0.2))  # fmt: skip
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot(1, 1, 1)
        # drawn only on top of each Run's data, not in the frame too (a line drawn twice is
        # darker at its antialiased edges)
        self.on_top = [*build(self.ax), *self.ax.spines.values()]
        for a in self.on_top:
            a.set_animated(True)
        self.ax.set_autoscale_on(False)
        self.canvas.draw()
        self._pixels = self.canvas.copy_from_bbox(self.fig.bbox)
        self._lock = threading.Lock()

    def render(self, draw: Callable[[Any], Sequence[Any]], legend: dict[str, Any]) -> Any:
        """Draw a Run's artists on the frame and return the picture.

        Parameters
        ----------
        draw
            ``draw(ax)`` adds the Run's artists to the axes and returns them in drawing order.
        legend
            Keyword arguments of ``Axes.legend`` (the legend is placed among the Run's
            artists, as in a full draw).

        Returns
        -------
        PIL.Image.Image
            The plot, RGBA, at the frame's size in device pixels.
        """
        from PIL import Image

        with self._lock:
            ax = self.ax
            self.canvas.restore_region(self._pixels)
            artists = list(draw(ax))
            leg = ax.legend(**legend)
            try:
                for a in (*artists, *self.on_top, leg):
                    ax.draw_artist(a)
                w, h = self.canvas.get_width_height(physical=True)
                buf = self.canvas.buffer_rgba()
                return Image.frombuffer("RGBA", (w, h), buf, "raw", "RGBA", 0, 1).copy()
            finally:
                for a in artists:
                    a.remove()
                leg.remove()


_CACHE: OrderedDict[Hashable, Backdrop] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _backdrop(key: Hashable, build: Callable[[Any], Sequence[Any]], size: Size) -> Backdrop:
    """Return the cached frame of ``key`` at ``size`` (drawn now when not cached)."""
    full = (key, tuple(float(v) for v in size))
    with _CACHE_LOCK:
        b = _CACHE.get(full)
        if b is not None:
            _CACHE.move_to_end(full)
            return b
    b = Backdrop(build, size)
    with _CACHE_LOCK:
        _CACHE[full] = b
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return b


def _margins(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits as matplotlib's autoscaling sets them for data from ``lo`` to ``hi``."""
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def local_control_backdrop(followup_years: float, endpoint_years: float, size: Size) -> Backdrop:
    """Return the local-control plot's frame for a design (cached).

    Parameters
    ----------
    followup_years, endpoint_years
        The design's follow-up and endpoint time (they fix the time axis and the dotted
        endpoint line).
    size
        The plot's width and height (CSS pixels) and device pixel ratio.

    Returns
    -------
    Backdrop
        The frame.
    """
    from ifnexus.trial._result import curve_times

    t_max = float(curve_times(followup_years, endpoint_years).max())

    def build(ax: Any) -> list[Any]:
        ax.set_xlim(*_margins(0.0, t_max))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Years from the first fraction")
        ax.set_ylabel("Local control (KM)")
        return [ax.axvline(endpoint_years, color="grey", linestyle=":", linewidth=1)]

    return _backdrop(("lc", t_max, float(endpoint_years)), build, size)


def local_control_image(result: Any, size: Size) -> Any:
    """Draw the page's Kaplan-Meier local-control plot: per arm, with 95% bands.

    What :func:`ifnexus.trial.plot_trial_curves` draws for ``local_control_km`` with the
    endpoint marked, the y label shortened to "Local control (KM)" (the card's header says
    the rest).

    Parameters
    ----------
    result
        A :class:`ifnexus.trial.TrialResult`.
    size
        The plot's width and height (CSS pixels) and device pixel ratio.

    Returns
    -------
    PIL.Image.Image
        The plot.
    """
    d = result.design
    frame = local_control_backdrop(d.followup_years, d.endpoint.local_control_years, size)
    curves = result.curves
    sub = curves[curves["measure"] == "local_control_km"]

    from ifnexus.trial._plots import draw_curves

    def draw(ax: Any) -> list[Any]:
        return draw_curves(ax, sub)

    return frame.render(draw, {"frameon": False, "fontsize": 8})


def ifn_ylim(timecourses: Any) -> tuple[float, float]:
    """Return the IFN plot's y limits: autoscaling's, the top rounded up to a round number.

    Parameters
    ----------
    timecourses
        The table of :func:`~ifnexus.serve.ifn_timecourses`.

    Returns
    -------
    tuple of float
        Lower and upper limit.
    """
    v = timecourses[["median", "lower", "upper"]].to_numpy(float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return -0.05, 1.05
    lo, hi = float(v.min()), float(v.max())
    if lo < 0 or hi <= 0:
        return _margins(lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)
    k = math.floor(math.log10(hi))
    top = next(m * 10.0**k for m in _NICE if m * 10.0**k >= hi * (1 - 1e-12))
    return _margins(0.0, top)


def ifn_image(timecourses: Any, size: Size) -> Any:
    """Draw the page's IFN-I time-course plot: per arm, the median and the 10-90% band.

    What :func:`~ifnexus.serve.plot_ifn_timecourses` draws, without its axes title (the
    card's header says what the band is).

    Parameters
    ----------
    timecourses
        The table of :func:`~ifnexus.serve.ifn_timecourses`.
    size
        The plot's width and height (CSS pixels) and device pixel ratio.

    Returns
    -------
    PIL.Image.Image
        The plot.
    """
    days = timecourses["day"].to_numpy(float)
    d_max = float(days.max()) if days.size else 1.0
    state = str(timecourses["state"].iloc[0]) if len(timecourses) else "ifn"
    ylim = ifn_ylim(timecourses)

    def build(ax: Any) -> list[Any]:
        ax.set_xlim(*_margins(0.0, d_max))
        ax.set_ylim(*ylim)
        ax.set_xlabel("days from the first fraction")
        ax.set_ylabel("IFN-I in the tumour (EC50)" if state == "ifn" else state)
        return []

    frame = _backdrop(("ifn", d_max, ylim, state), build, size)

    from ifnexus.serve._timecourse import draw_ifn_curves

    def draw(ax: Any) -> list[Any]:
        return draw_ifn_curves(ax, timecourses)

    return frame.render(draw, {"frameon": False, "fontsize": 8})
