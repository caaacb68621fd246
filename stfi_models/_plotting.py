"""Plot helpers shared by the results' ``plot`` methods (matplotlib is imported lazily)."""

from __future__ import annotations

from typing import Any

__all__ = ["figure_and_axes"]


def figure_and_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """Return the axes to draw into and its figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        The caller's axes; ``None`` for a new figure with one axes.
    figsize : tuple of float
        Size in inches of the new figure (unused when ``ax`` is given).

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``ax.figure``, or the new figure.
    ax : matplotlib.axes.Axes
    """
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)
