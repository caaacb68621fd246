r"""The LR plot of a threshold: :math:`LR(\gamma)` over the grid and the critical line.

Every paper using Hansen (1999) prints it (his Figures 1-3): the confidence set is where the
curve lies below :math:`c(\alpha) = -2\ln(1-\sqrt{1-\alpha})`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.models.threshold.lr import critical_value

__all__ = ["lr_plot", "transition_plot"]


def lr_plot(curves: Mapping[str, pd.Series], estimates: tuple[float, ...], q_name: str,
            level: float, threshold: int | None = None, ax: Any = None) -> Any:
    """Draw the LR curve(s); return the matplotlib Figure.

    Parameters
    ----------
    curves : mapping
        ``{"gamma1": LR series indexed by gamma, ...}``.
    estimates : tuple of float
        The threshold estimates, in the order of ``curves``.
    q_name : str
        Name of the threshold variable (x-axis label).
    level : float
        Confidence level of the critical line.
    threshold : int, optional
        Plot only threshold ``1..m``; default all (one panel each).  Required with ``ax``
        when there are several thresholds.
    ax : matplotlib Axes, optional
        Draw into it (one threshold only).
    """
    import matplotlib.pyplot as plt

    names = list(curves)
    if threshold is not None and (isinstance(threshold, bool) or threshold not in
                                  range(1, len(names) + 1)):
        raise SpecificationError(
            f"threshold={threshold!r}: this model has thresholds 1..{len(names)}.")
    if ax is not None and threshold is None and len(names) > 1:
        raise SpecificationError(
            f"ax= takes one panel; the model has {len(names)} thresholds. Pass threshold=1.."
            f"{len(names)}, or leave ax unset for one panel per threshold.")
    chosen = [threshold - 1] if threshold is not None else list(range(len(names)))
    if ax is None:
        fig, axes = plt.subplots(1, len(chosen), figsize=(5 * len(chosen), 3.6), squeeze=False)
        axes = list(axes[0])
    else:
        fig, axes = ax.figure, [ax]
    crit = critical_value(level)
    for axis, j in zip(axes, chosen, strict=True):
        curve = curves[names[j]]
        axis.plot(curve.index, curve.to_numpy(), color="C0", lw=1.2, label="LR")
        axis.axhline(crit, color="C3", ls="--", lw=1,
                     label=f"{100 * level:g}% critical value {crit:.2f}")
        axis.axvline(estimates[j], color="grey", ls=":", lw=1)
        axis.set_xlabel(f"threshold on {q_name}")
        axis.set_ylabel("likelihood ratio")
        axis.set_title(f"{names[j]} = {estimates[j]:.6g}")
        axis.legend(loc="best", fontsize="small")
    return fig


def transition_plot(curve: pd.Series, locations: tuple[float, ...], ax: Any = None) -> Any:
    """Draw a PSTR transition function ``g(q)`` (sample points) and its locations."""
    import matplotlib.pyplot as plt

    fig, ax = (plt.subplots(figsize=(5, 3.6)) if ax is None else (ax.figure, ax))
    ax.plot(curve.index, curve.to_numpy(), ".", ms=2, color="C0")
    for c in locations:
        ax.axvline(c, color="grey", ls=":", lw=1)
    ax.set_xlabel(str(curve.index.name))
    ax.set_ylabel("transition g")
    ax.set_ylim(-0.05, 1.05)
    return fig
