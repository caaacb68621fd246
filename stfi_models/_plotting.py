"""Plot helpers shared by every ``plot`` method: one print style, axes handling, saving.

Every plot in the library draws under :data:`PRINT_STYLE` (fonts sized for a figure printed
at its own size on an A4/letter page: 9 pt text, 8 pt ticks), accepts ``ax=`` and returns its
Figure.  :func:`save_figure` writes vector (PDF, SVG, EPS) or raster (PNG, TIFF, JPEG; 300 dpi
by default) files; :func:`figure_svg` gives the SVG text a web page embeds.  matplotlib is
imported lazily.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["PRINT_STYLE", "print_style", "figure_and_axes", "axes_grid", "integer_ticks",
           "save_figure", "figure_svg", "VECTOR_FORMATS", "RASTER_FORMATS"]

#: matplotlib rcParams of every library plot.
PRINT_STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 10,
    "lines.linewidth": 1.2,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}

#: Formats saved as vector graphics, and raster formats (saved at ``dpi``).
VECTOR_FORMATS = ("pdf", "svg", "eps")
RASTER_FORMATS = ("png", "tif", "tiff", "jpg", "jpeg")

F = TypeVar("F", bound=Callable[..., Any])


def print_style(func: F) -> F:
    """Decorate a ``plot`` method so that it draws under :data:`PRINT_STYLE`."""

    @functools.wraps(func)
    def styled(*args: Any, **kwargs: Any) -> Any:
        import matplotlib as mpl

        with mpl.rc_context(PRINT_STYLE):
            return func(*args, **kwargs)

    return styled  # type: ignore[return-value]


def figure_and_axes(ax: Any, figsize: tuple[float, float],
                    projection: str | None = None) -> tuple[Any, Any]:
    """Return the axes to draw into and its figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        The caller's axes; ``None`` for a new figure with one axes.
    figsize : tuple of float
        Size in inches of the new figure (unused when ``ax`` is given).
    projection : str, optional
        Projection of a new axes (``"3d"``); a caller's axes must already have it.

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``ax.figure``, or the new figure.
    ax : matplotlib.axes.Axes
    """
    if ax is not None:
        if projection is not None and getattr(ax, "name", None) != projection:
            raise SpecificationError(
                f"This plot needs a {projection!r} Axes; ax is a {getattr(ax, 'name', ax)!r} "
                f"one. Create it with fig.add_subplot(projection={projection!r})."
            )
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize)
    return fig, fig.add_subplot(projection=projection)


def axes_grid(ax: Any, nrows: int, ncols: int, figsize: tuple[float, float],
              sharex: bool = False) -> tuple[Any, np.ndarray]:
    """Return the figure and an ``(nrows, ncols)`` array of axes for a grid of panels.

    ``ax`` may be ``None`` (a new figure), one Axes (for a single panel) or any array-like of
    ``nrows * ncols`` Axes, filled row by row.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        return plt.subplots(nrows, ncols, squeeze=False, sharex=sharex, figsize=figsize)
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.size != nrows * ncols:
        raise SpecificationError(
            f"ax holds {axes.size} Axes for {nrows} x {ncols} panels; pass {nrows * ncols} "
            "Axes (e.g. from plt.subplots), or select fewer impulses/responses."
        )
    return axes[0].figure, axes.reshape(nrows, ncols)


def integer_ticks(ax: Any, axis: str = "x") -> None:
    """Put ticks on whole numbers only (horizons, periods); category and date axes are kept."""
    from matplotlib.ticker import MaxNLocator

    target = getattr(ax, f"{axis}axis")
    converter = getattr(target, "get_converter", lambda: target.converter)()
    if converter is not None:  # strings (categories) or dates: not numbers
        return
    target.set_major_locator(MaxNLocator(integer=True))


def save_figure(fig: Any, path: str | Path, *, dpi: int = 300,
                transparent: bool = False) -> Path:
    """Save a figure for print; the format comes from the extension of ``path``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        What a ``plot`` method returned.
    path : str or Path
        ``.pdf``, ``.svg``, ``.eps`` (vector) or ``.png``, ``.tif``/``.tiff``,
        ``.jpg``/``.jpeg`` (raster).
    dpi : int
        Resolution of raster formats, at least 300 (print quality).
    transparent : bool
        Transparent background.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    known = VECTOR_FORMATS + RASTER_FORMATS
    if fmt not in known:
        raise SpecificationError(
            f"Cannot tell the figure format of '{path}' from its extension."
            f"{did_you_mean(fmt, known)} Use one of {', '.join(known)}."
        )
    if not isinstance(dpi, int | np.integer) or dpi < 300:
        raise SpecificationError(f"dpi={dpi!r}: print needs at least 300 dots per inch.")
    fig.savefig(path, format=fmt, dpi=int(dpi), bbox_inches="tight", transparent=transparent)
    return path


def figure_svg(fig: Any) -> str:
    """Return the figure as SVG text (for embedding in an HTML page)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()
