r"""Theil's T and L (mean log deviation) indices with their within/between decomposition.

With (weighted) population shares :math:`p_j`, income shares :math:`s_j` and group means
:math:`\bar y_j` (overall mean :math:`\bar y`):

.. math::

    T = \frac{1}{n}\sum_i \frac{y_i}{\bar y}\ln\frac{y_i}{\bar y}
      = \underbrace{\sum_j s_j T_j}_{\text{within}}
      + \underbrace{\sum_j s_j \ln\frac{\bar y_j}{\bar y}}_{\text{between}},

    L = \frac{1}{n}\sum_i \ln\frac{\bar y}{y_i}
      = \underbrace{\sum_j p_j L_j}_{\text{within}}
      + \underbrace{\sum_j p_j \ln\frac{\bar y}{\bar y_j}}_{\text{between}},

where :math:`T_j`, :math:`L_j` are the indices computed inside group ``j``. Both are members of
the generalised-entropy family (GE(1) and GE(0)) and decompose additively (Shorrocks 1980).

References
----------
Theil, H. (1967). *Economics and Information Theory*. North-Holland.
Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
*Econometrica* 48(3), 613-625.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import xlogy

from stfi_models._checks import (
    drop_missing,
    guard_keywords,
    iter_periods,
    require_frame,
    require_nonnegative,
)
from stfi_models._plotting import figure_and_axes, integer_ticks, print_style
from stfi_models.exceptions import SpecificationError, check_choice

__all__ = ["theil", "TheilResult"]

INDICES = ("T", "L")
SUMMARY_COLUMNS = ("index", "n", "mean", "total", "within", "between", "share_within",
                   "share_between")
GROUP_COLUMNS = ("group", "n", "mean", "p", "s", "T_j", "L_j")


@dataclass(frozen=True)
class TheilResult:
    """Theil T / L indices per period and their within/between split.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per period and index (``"T"`` or ``"L"``): ``total``, ``within``, ``between``
        and the shares of the total (``NaN`` when the total is 0).
    groups : pandas.DataFrame
        Per period and group: ``n`` (or summed weights), ``mean``, population share ``p``,
        income share ``s`` and the group's own ``T_j`` / ``L_j`` (empty without ``group``).
    value, group, by, weights : str or None
        The columns used.
    n_dropped : int
        Rows dropped for missing values.
    """

    summary: pd.DataFrame
    groups: pd.DataFrame
    value: str
    group: str | None
    by: str | None
    weights: str | None
    n_dropped: int

    @print_style
    def plot(self, index: Literal["T", "L"] = "T", ax: Any = None) -> Any:
        """Plot total, within and between parts of ``index`` over periods; return the Figure."""
        check_choice("index", index, sorted(set(self.summary["index"])))
        fig, ax = figure_and_axes(ax, (6, 3.8))
        rows = self.summary.loc[self.summary["index"] == index]
        x = rows[self.by] if self.by is not None else np.zeros(len(rows))
        for col in ("total", "within", "between"):
            ax.plot(x, rows[col], marker="o", label=col)
        ax.set_xlabel(self.by or "")
        integer_ticks(ax)
        ax.set_ylabel(f"Theil {index}")
        ax.set_title(f"Theil {index} of {self.value}" + (f" by {self.group}" if self.group else ""))
        ax.legend(frameon=False)
        return fig

    def __str__(self) -> str:
        return f"Theil indices of '{self.value}'\n{self.summary.to_string(index=False)}"


def _t_index(y: np.ndarray, w: np.ndarray) -> float:
    """Weighted Theil T (0 ln 0 := 0)."""
    mu = (w * y).sum() / w.sum()
    return float((w * xlogy(y / mu, y / mu)).sum() / w.sum())


def _l_index(y: np.ndarray, w: np.ndarray) -> float:
    """Weighted mean log deviation (needs y > 0)."""
    mu = (w * y).sum() / w.sum()
    return float((w * np.log(mu / y)).sum() / w.sum())


@guard_keywords
def theil(
    data: pd.DataFrame,
    value: str,
    group: str | None = None,
    by: str | None = None,
    weights: str | None = None,
    *,
    index: Sequence[Literal["T", "L"]] = ("T", "L"),
    warn_missing: bool = True,
) -> TheilResult:
    r"""Theil T and L indices, decomposed within/between groups, per period.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row per unit (and period).
    value : str
        Column to measure; non-negative for T, strictly positive for L.
    group : str, optional
        Grouping column for the decomposition. Without it only totals are reported
        (``within`` = total, ``between`` = 0).
    by : str, optional
        Period column.
    weights : str, optional
        Frequency (population) weights, as in :func:`dagum_gini`.
    index : sequence of {"T", "L"}, default ("T", "L")
        Which indices to compute. L (mean log deviation) is undefined for zero values: pass
        ``index=("T",)`` for data with zeros (T uses :math:`0 \ln 0 = 0`).
    warn_missing : bool, default True
        Warn when rows with missing values are dropped.

    Returns
    -------
    TheilResult

    Raises
    ------
    SpecificationError
        Negative values; zeros with L requested; a period with all values zero.

    Notes
    -----
    The indices use population (``1/n``) averages; with one group the within part equals the
    total. The decomposition is exact: ``within + between == total`` to rounding.

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. North-Holland.
    Shorrocks, A. F. (1980). *Econometrica* 48(3), 613-625.
    """
    func = "theil"
    index = tuple(index)
    if not index:
        raise SpecificationError(f"{func}(): index= must name at least one of {INDICES}.")
    for name in index:
        check_choice("index", name, INDICES)
    frame = require_frame(data, [value, group, by, weights], func)
    frame, n_dropped = drop_missing(frame, func, warn=warn_missing)
    require_nonnegative(frame, value, func, strict="L" in index)
    if weights is not None:
        require_nonnegative(frame, weights, func, strict=True)

    summary_rows, group_rows = [], []
    for period, rows in iter_periods(frame, by):
        y = rows[value].to_numpy(dtype=float)
        w = rows[weights].to_numpy(dtype=float) if weights else np.ones_like(y)
        if not (y > 0).any():
            raise SpecificationError(
                f"{func}(): every value of '{value}' is zero"
                + ("" if by is None else f" in {by}={period!r}")
                + "; the Theil index divides by the mean. Drop that period."
            )
        key = () if by is None else (period,)
        mu, total_w = (w * y).sum() / w.sum(), w.sum()
        labels = pd.unique(rows[group]) if group else [None]
        parts = []
        for lab in labels:
            mask = rows[group].to_numpy() == lab if group else np.ones(len(y), dtype=bool)
            yl, wl = y[mask], w[mask]
            mu_j = (wl * yl).sum() / wl.sum()
            p_j = wl.sum() / total_w
            t_j = _t_index(yl, wl) if mu_j > 0 else 0.0
            l_j = _l_index(yl, wl) if "L" in index else np.nan
            parts.append((lab, wl.sum(), mu_j, p_j, p_j * mu_j / mu, t_j, l_j))
        if group:
            group_rows.extend((*key, *part) for part in parts)
        mus, ps, ss, ts, ls = (
            np.array(col, dtype=float) for col in list(zip(*parts, strict=False))[2:]
        )
        for name in index:
            if name == "T":
                within = float(ss @ ts)
                between = float(xlogy(ss, mus / mu).sum())  # s_j = 0 when mean_j = 0
                total = _t_index(y, w)
            else:
                within = float(ps @ ls)
                between = float((ps * np.log(mu / mus)).sum())
                total = _l_index(y, w)
            shares = (within / total, between / total) if total > 0 else (np.nan, np.nan)
            summary_rows.append((*key, name, total_w, mu, total, within, between, *shares))

    lead = [] if by is None else [by]
    return TheilResult(
        summary=pd.DataFrame(summary_rows, columns=[*lead, *SUMMARY_COLUMNS]),
        groups=pd.DataFrame(group_rows, columns=[*lead, *GROUP_COLUMNS]),
        value=value,
        group=group,
        by=by,
        weights=weights,
        n_dropped=n_dropped,
    )
