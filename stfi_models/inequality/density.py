r"""Gaussian kernel density estimates per period, the distribution-dynamics figure of the papers.

.. math::

    \hat f_t(x) = \frac{1}{n_t h_t} \sum_{i=1}^{n_t} \phi\!\left(\frac{x - y_{it}}{h_t}\right)

is evaluated exactly (no binning) on one grid shared by all periods, so the curves can be
overlaid, stacked as a ridge plot or drawn as a 3-D surface over (value, period).

Bandwidth rules (the normal-reference rules of R's ``bw.nrd0`` / ``bw.nrd``):

* ``"silverman"`` (default): :math:`h = 0.9\,\min(\hat\sigma, \mathrm{IQR}/1.34)\,n^{-1/5}`,
  Silverman (1986, eq. 3.31); also Stata's ``kdensity`` default.
* ``"scott"``: :math:`h = 1.06\,\min(\hat\sigma, \mathrm{IQR}/1.34)\,n^{-1/5}` (Scott 1992).

:math:`\hat\sigma` is the sample standard deviation (``ddof=1``); the IQR uses linear
interpolation of quantiles (R type 7). Note that ``scipy.stats.gaussian_kde``'s
``"silverman"`` and ``"scott"`` factors are different rules (no IQR, other constants).

References
----------
Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall.
Scott, D. W. (1992). *Multivariate Density Estimation*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from stfi_models._checks import (
    check_size,
    drop_missing,
    guard_keywords,
    iter_periods,
    require_frame,
)
from stfi_models._plotting import figure_and_axes, print_style
from stfi_models.exceptions import SpecificationError, check_choice

__all__ = ["kernel_density", "DensityResult", "bandwidth_rule"]

RULE_FACTORS = {"silverman": 0.9, "scott": 1.06}


def bandwidth_rule(values: np.ndarray, rule: Literal["silverman", "scott"] = "silverman") -> float:
    """Normal-reference bandwidth ``c * min(sd, IQR/1.34) * n**(-1/5)`` (``c`` = 0.9 or 1.06).

    As R's ``bw.nrd0``, falls back to the SD when the IQR is 0 (and to ``|x_1|``, then 1,
    when both are 0).

    Raises
    ------
    SpecificationError
        Fewer than two values, or an unknown rule.
    """
    check_choice("bandwidth", rule, tuple(RULE_FACTORS))
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        raise SpecificationError(
            f"A bandwidth rule needs at least 2 values, got {x.size}. Pass bandwidth= a number."
        )
    sd = x.std(ddof=1)
    q75, q25 = np.percentile(x, [75, 25])
    spread = min(sd, (q75 - q25) / 1.34)
    if spread <= 0:
        spread = sd if sd > 0 else (abs(x[0]) if x[0] != 0 else 1.0)
    return float(RULE_FACTORS[rule] * spread * x.size ** (-0.2))


#: Grid points x sample values evaluated at once (32 MB of float64): memory stays bounded.
_CHUNK_CELLS = 2**22


def _gaussian_kde(sample: np.ndarray, grid: np.ndarray, h: float) -> np.ndarray:
    """Gaussian kernel sums over ``sample`` at every grid point, in chunks of the sample."""
    step = max(1, _CHUNK_CELLS // max(grid.size, 1))
    total = np.zeros(grid.size)
    for start in range(0, sample.size, step):
        u = (grid[:, None] - sample[None, start:start + step]) / h
        total += np.exp(-0.5 * u**2).sum(axis=1)
    return total / (sample.size * h * np.sqrt(2 * np.pi))


@dataclass(frozen=True)
class DensityResult:
    """Kernel densities on a common grid.

    Attributes
    ----------
    grid : pandas.DataFrame
        Tidy: the period column (named after ``by``; absent without ``by``), ``x`` and
        ``density``; ``n_points`` rows per period.
    bandwidths : pandas.DataFrame
        Per period: ``n`` and the ``bandwidth`` used.
    value : str
        The variable.
    by : str or None
        The period column.
    rule : str
        ``"silverman"``, ``"scott"`` or ``"fixed"``.
    n_dropped : int
        Rows dropped for missing values.
    """

    grid: pd.DataFrame
    bandwidths: pd.DataFrame
    value: str
    by: str | None
    rule: str
    n_dropped: int

    def to_wide(self) -> pd.DataFrame:
        """Densities as a matrix: one row per grid point ``x``, one column per period."""
        if self.by is None:
            return self.grid.set_index("x")[["density"]]
        return self.grid.pivot(index="x", columns=self.by, values="density")

    @print_style
    def plot(self, kind: Literal["lines", "surface", "ridge"] = "lines", ax: Any = None,
             cmap: str = "viridis") -> Any:
        """Draw the densities and return the matplotlib Figure.

        Parameters
        ----------
        kind : {"lines", "surface", "ridge"}
            Overlaid curves, a 3-D surface over (value, period), or a ridge plot (one curve per
            period, shifted upwards).
        ax : matplotlib Axes, optional
            Target Axes (for ``"surface"`` it must be a 3-D Axes).
        cmap : str
            Matplotlib colormap for the periods.
        """
        import matplotlib.pyplot as plt

        check_choice("kind", kind, ("lines", "surface", "ridge"))
        wide = self.to_wide()
        x = wide.index.to_numpy()
        periods = list(wide.columns)
        colors = plt.get_cmap(cmap)(np.linspace(0, 1, max(len(periods), 2)))
        fig, ax = figure_and_axes(ax, (6.5, 4.5) if kind == "surface" else (6, 3.8),
                                  projection="3d" if kind == "surface" else None)
        if kind == "lines":
            for color, period in zip(colors, periods, strict=False):
                ax.plot(x, wide[period], color=color, label=str(period))
            ax.set_ylabel("density")
            ax.legend(ncol=2)
        elif kind == "ridge":
            step = 0.6 * float(np.nanmax(wide.to_numpy()))
            for pos, (color, period) in enumerate(zip(colors, periods, strict=False)):
                base = pos * step
                ax.fill_between(x, base, base + wide[period], color=color, alpha=0.6)
                ax.plot(x, base + wide[period], color="black", linewidth=0.6)
            shown = _thinned(len(periods), 12)
            ax.set_yticks([pos * step for pos in shown])
            ax.set_yticklabels([str(periods[pos]) for pos in shown])
            ax.set_ylabel(self.by or "")
        else:
            xx, tt = np.meshgrid(x, np.arange(len(periods)))
            ax.plot_surface(xx, tt, wide.to_numpy().T, cmap=cmap, linewidth=0)
            shown = _thinned(len(periods), 6)
            ax.set_yticks(shown)
            ax.set_yticklabels([str(periods[pos]) for pos in shown], va="center", ha="left")
            ax.tick_params(axis="y", pad=1)
            ax.tick_params(axis="z", pad=4)
            ax.set_ylabel(self.by or "", labelpad=14)
            ax.set_zlabel("density", labelpad=8)
            ax.set_xlabel(self.value, labelpad=6)
        if kind != "surface":
            ax.set_xlabel(self.value)
        ax.set_title(f"Kernel density of {self.value}")
        return fig


def _thinned(n: int, most: int) -> list[int]:
    """Positions of at most ``most`` evenly spaced labels out of ``n`` (first and last kept)."""
    if n <= most:
        return list(range(n))
    return sorted({int(round(v)) for v in np.linspace(0, n - 1, most)})


@guard_keywords
def kernel_density(
    data: pd.DataFrame,
    value: str,
    by: str | None = "year",
    bandwidth: Literal["silverman", "scott"] | float = "silverman",
    *,
    n_points: int = 200,
    cut: float = 3.0,
    points: Any = None,
    warn_missing: bool = True,
) -> DensityResult:
    """Gaussian kernel density of ``value`` in each period, on a grid shared by all periods.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data.
    value : str
        The variable.
    by : str or None, default "year"
        Period column; ``None`` pools all rows.
    bandwidth : {"silverman", "scott"} or float, default "silverman"
        A rule (applied per period, see the module docstring) or a fixed positive bandwidth.
    n_points : int, default 200
        Grid points.
    cut : float, default 3
        The grid spans ``[min - cut*h_max, max + cut*h_max]`` over all periods (R's ``cut``).
    points : array-like, optional
        Evaluate at these points instead (``n_points`` and ``cut`` are then ignored).
    warn_missing : bool, default True
        Warn when rows with missing values are dropped.

    Returns
    -------
    DensityResult
        ``grid`` (tidy), ``bandwidths``, ``to_wide()`` and ``plot(kind=...)``.

    Raises
    ------
    SpecificationError
        Unknown rule, non-positive bandwidth, fewer than 2 values in a period with a rule.
    """
    func = "kernel_density"
    if isinstance(bandwidth, str):
        check_choice("bandwidth", bandwidth, tuple(RULE_FACTORS))
    elif not (np.isfinite(bandwidth) and bandwidth > 0):
        raise SpecificationError(f"{func}(): bandwidth must be 'silverman', 'scott' or a "
                                 f"positive number, got {bandwidth!r}.")
    if int(n_points) < 2:
        raise SpecificationError(f"{func}(): n_points must be at least 2, got {n_points}.")
    check_size(int(n_points), 10**6, f"n_points={n_points}", func)
    frame = require_frame(data, [value, by], func)
    frame, n_dropped = drop_missing(frame, func, warn=warn_missing)

    samples, widths = {}, []
    for period, rows in iter_periods(frame, by):
        y = rows[value].to_numpy(dtype=float)
        h = bandwidth_rule(y, bandwidth) if isinstance(bandwidth, str) else float(bandwidth)
        samples[period] = (y, h)
        widths.append((period, y.size, h))
    h_max = max(h for _, _, h in widths)
    if points is not None:
        x = np.asarray(points, dtype=float).ravel()
        if x.size == 0 or not np.isfinite(x).all():
            raise SpecificationError(f"{func}(): points must be finite numbers.")
    else:
        x = np.linspace(frame[value].min() - cut * h_max, frame[value].max() + cut * h_max,
                        int(n_points))
    pieces = []
    for period, (y, h) in samples.items():
        piece = pd.DataFrame({"x": x, "density": _gaussian_kde(y, x, h)})
        if by is not None:
            piece.insert(0, by, period)
        pieces.append(piece)
    table = pd.DataFrame(widths, columns=["period", "n", "bandwidth"])
    table = table.rename(columns={"period": by}) if by is not None else table.drop(
        columns="period")
    return DensityResult(
        grid=pd.concat(pieces, ignore_index=True),
        bandwidths=table,
        value=value,
        by=by,
        rule=bandwidth if isinstance(bandwidth, str) else "fixed",
        n_dropped=n_dropped,
    )
