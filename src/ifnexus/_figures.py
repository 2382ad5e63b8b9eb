"""Saving figures: the one helper the CLI, the study and the report write plot files with.

Plotting functions in ifnexus draw on a given Axes (``ax=``) or Figure (``fig=``) and return it,
lifelines/seaborn style; they never write files and never call ``matplotlib.use()``. Without
``ax``/``fig`` they draw on a new :class:`matplotlib.figure.Figure`, which needs no pyplot backend
and holds no global state, so headless runs, threads and loops need no backend switch and leak
nothing. In a notebook, display ``ax.figure``; to draw into pyplot, pass ``ax=plt.gca()``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ifnexus._io import atomic_path
from ifnexus.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = ["save_figure"]

#: Formats matplotlib writes without extra dependencies.
FORMATS = frozenset({"png", "svg", "pdf", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp"})


def _root_figure(obj: object) -> Figure:
    """Return the top-level Figure of a Figure, SubFigure or Axes."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    if isinstance(obj, Axes | SubFigure):
        obj = obj.get_figure(root=True)
    if not isinstance(obj, Figure):
        raise ValidationError(
            f"save_figure: expected a matplotlib Figure or Axes, got {type(obj).__name__}"
        )
    return obj


def save_figure(
    fig: Figure | SubFigure | Axes,
    path: str | os.PathLike[str],
    *,
    dpi: float = 150,
    bbox_inches: str | None = "tight",
) -> Path:
    """Write a figure to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    fig
        The Figure to write, or any Axes/SubFigure on it (its whole figure is written), as
        returned by the plotting functions of ifnexus.
    path
        Output file; the format is taken from its suffix (``.png`` when it has none). Parent
        folders are created.
    dpi
        Resolution of raster formats, in dots per inch.
    bbox_inches
        ``"tight"`` crops the page to the drawn content so no label is cut; ``None`` keeps the
        figure size.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    ValidationError
        If ``fig`` is not a Figure/Axes or the suffix of ``path`` is not an image format.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_figure(ax, Path(d) / "line.svg")
    ...     p.name, p.read_text().count("<svg") == 1
    ('line.svg', True)
    """
    figure = _root_figure(fig)
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower() or "png"
    if fmt not in FORMATS:
        raise ValidationError(
            f"save_figure: cannot write {str(p)!r}: suffix {p.suffix!r} is not one of "
            f"{', '.join('.' + f for f in sorted(FORMATS))}"
        )
    with atomic_path(p) as tmp:
        figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches=bbox_inches)
    return p


def new_figure(
    figsize: tuple[float, float],
    *,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
) -> Figure:
    """Make a new pyplot-free Figure (no backend needed, nothing kept in global state)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout=layout)


def need_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    """Raise a ValidationError naming the plot ``what``, the missing columns and those there."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValidationError(
            f"{what}: column(s) {missing} not in the table (it has {list(df.columns)})"
        )


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax`` itself, or one Axes on a new pyplot-free Figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot(1, 1, 1)


def deprecated_path(func: str, path: object, fig: Figure | SubFigure | Axes) -> Path:
    """Save ``fig`` to ``path`` for a caller of the old ``func(..., path)`` signature; warn."""
    warnings.warn(
        f"{func}(..., path) is deprecated and will be removed in the next release: {func} now "
        f"returns the Axes/Figure it drew and writes no file; save it yourself, e.g. "
        f"fig.savefig(path) (ax.figure.savefig(path) for an Axes)",
        FutureWarning,
        stacklevel=3,
    )
    return save_figure(fig, path)  # type: ignore[arg-type]
