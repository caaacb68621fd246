"""Path diagram of a mediation analysis: treatment(s) -> mediator(s) -> outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from stfi_models._plotting import figure_and_axes, print_style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["path_diagram", "stars"]

_BOX = {"boxstyle": "round,pad=0.4", "facecolor": "#f2f2f2", "edgecolor": "#333333"}


def stars(pvalue: float) -> str:
    """``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1, else empty (NaN: empty)."""
    if not np.isfinite(pvalue):
        return ""
    return "***" if pvalue < 0.01 else "**" if pvalue < 0.05 else "*" if pvalue < 0.1 else ""


def _spread(n: int, low: float, high: float) -> np.ndarray:
    return np.array([(low + high) / 2]) if n == 1 else np.linspace(low, high, n)


@print_style
def path_diagram(res: Any, ax: Any = None, digits: int = 3) -> Figure:
    """Draw the paths of ``res`` with their estimates and significance stars.

    Treatments sit on the left, mediators on top, the outcome on the right.  Arrows carry
    ``a`` (treatment -> mediator), ``b`` (mediator -> outcome) and ``c'`` (direct, with the
    total effect ``c`` in brackets); a note under the diagram lists the indirect effects
    with their Sobel stars and the result's default interval.

    Parameters
    ----------
    res : MediationResult
        Read through ``tidy()``, ``treatments``, ``mediators``, ``outcome``, ``level``,
        ``model`` and ``nobs`` only.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes; default a new figure.
    digits : int
        Decimals of the printed estimates.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = figure_and_axes(ax, (8, 4.5))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    tidy = res.tidy().set_index(["path", "treatment", "mediator"])

    def label(key: tuple[str, str, str]) -> str:
        row = tidy.loc[key]
        return f"{row['estimate']:.{digits}f}{stars(row['p_value'])}"

    xs = dict(zip(res.treatments, _spread(len(res.treatments), 0.1, 0.5), strict=True))
    ms = dict(zip(res.mediators, _spread(len(res.mediators), 0.65, 0.9), strict=True))
    nodes = {**{x: (0.12, y) for x, y in xs.items()}, **{m: (0.5, y) for m, y in ms.items()}}
    nodes[res.outcome] = (0.88, 0.3)
    for name, (px, py) in nodes.items():
        ax.text(px, py, name, ha="center", va="center", bbox=_BOX, fontsize=10, zorder=3)

    def arrow(src: str, dst: str, text: str, offset: float, at: float = 0.5) -> None:
        (x0, y0), (x1, y1) = nodes[src], nodes[dst]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "shrinkA": 22, "shrinkB": 22,
                                "color": "#333333"})
        ax.text(x0 + at * (x1 - x0), y0 + at * (y1 - y0) + offset, text, ha="center", va="center",
                fontsize=9, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})

    for m in res.mediators:
        for x in res.treatments:
            arrow(x, m, f"a = {label(('a', x, m))}", 0.03, at=0.3 if len(xs) > 1 else 0.5)
        arrow(m, res.outcome, f"b = {label(('b', '', m))}", 0.03)
    for x in res.treatments:
        direct, total = label(("c'", x, "")), label(("c", x, ""))
        arrow(x, res.outcome, f"c' = {direct} (c = {total})", -0.04)
    method = tidy.loc[("indirect", res.treatments[0], res.mediators[0]), "ci_method"]
    pct = f"{100 * res.level:g}%"
    notes = []
    for (_, x, m), row in tidy.xs("indirect", level="path", drop_level=False).iterrows():
        notes.append(f"indirect {x} -> {m} -> {res.outcome}: {row['estimate']:.{digits}f}"
                     f"{stars(row['p_value'])} [{row['conf_low']:.{digits}f}, "
                     f"{row['conf_high']:.{digits}f}]")
    notes.append(f"{pct} interval: {method}; * p<0.1, ** p<0.05, *** p<0.01 "
                 f"(Sobel for indirect); model {res.model}, n = {res.nobs}")
    bottom = -0.02 - 0.05 * len(notes)
    ax.set_ylim(bottom, 1)
    ax.text(0.0, 0.0, "\n".join(notes), ha="left", va="top", fontsize=8)
    return fig
