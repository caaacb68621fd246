r"""Local Moran's I (LISA, Anselin 1995) with cluster labels and permutation inference.

.. math::

    I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j, \qquad z_i = y_i - \bar y .

Two scalings of :math:`m_2` are in use and differ by the factor :math:`(n-1)/n`:

* ``scaling="spdep"`` (default; Anselin 1995, R ``spdep::localmoran``):
  :math:`m_2 = \sum_i z_i^2 / n`. With row-standardised weights the mean of the
  :math:`I_i` equals the global I.
* ``scaling="esda"`` (PySAL ``esda.Moran_Local.Is``): :math:`m_2 = \sum_i z_i^2 / (n-1)`, so
  every :math:`I_i` (and its expectation and standard deviation) is :math:`(n-1)/n` times the
  spdep value. z-values and p-values are the same under both.

Analytic moments under *conditional* randomisation (value :math:`z_i` held fixed, the others
permuted; Sokal, Oden and Thomson 1998), as in spdep >= 1.2 (``conditional=TRUE``,
``mlvar=TRUE``), with :math:`w_{i\cdot} = \sum_j w_{ij}` and :math:`w_{i(2)} = \sum_j w_{ij}^2`:

.. math::

    E[I_i] = -\frac{z_i^2\, w_{i\cdot}}{(n-1)\, m_2}, \qquad
    \operatorname{Var}[I_i] = \left(\frac{z_i}{m_2}\right)^2 \frac{n-1}{n-2}
       \left(w_{i(2)} - \frac{w_{i\cdot}^2}{n-1}\right)
       \left(\frac{n m_2 - z_i^2}{n-1} - \frac{z_i^2}{(n-1)^2}\right)

(here :math:`m_2` is the spdep one). The permutation test is the conditional one: for each
unit, its neighbours' values are replaced by draws without replacement from the other
:math:`n-1` units.

Quadrants: ``HH`` (high value, high neighbours), ``LL``, ``HL`` (high value, low neighbours),
``LH``; ``cluster`` repeats the quadrant where the chosen p-value is at most ``alpha`` and
says ``"ns"`` otherwise.

References
----------
Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical Analysis*
27(2), 93-115.
Sokal, R. R., Oden, N. L. and Thomson, B. A. (1998). Local spatial autocorrelation in a
biological model. *Geographical Analysis* 30(4), 331-354.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from stfi_models._checks import guard_keywords
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.spatial._values import aligned_values
from stfi_models.spatial.moran import (
    ALTERNATIVES,
    Alternative,
    Permutations,
    moran_scatter,
    normal_pvalue,
    permutation_pvalue,
)
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["local_moran", "LocalMoranResult", "SCALINGS"]

SCALINGS = ("spdep", "esda")
QUADRANT_COLORS = {"HH": "tab:red", "LL": "tab:blue", "HL": "salmon", "LH": "lightblue",
                   "ns": "lightgrey"}


def _draw_without_replacement(rng: np.random.Generator, population: int, k: int,
                              rows: int) -> np.ndarray:
    """``rows`` independent ordered samples of ``k`` distinct items out of ``population``.

    Small samples (``k**2 <= 2 * population``, acceptance probability above ~1/e) use
    rejection of i.i.d. draws with a repeat, which costs O(rows * k); larger ones shuffle
    the whole population per row.
    """
    if k * k > 2 * population:
        return rng.permuted(np.tile(np.arange(population), (rows, 1)), axis=1)[:, :k]
    out = rng.integers(0, population, size=(rows, k))
    while True:
        ordered = np.sort(out, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not repeated.any():
            return out
        out[repeated] = rng.integers(0, population, size=(int(repeated.sum()), k))


def _conditional_sims(rng: np.random.Generator, permutations: int, z: np.ndarray,
                      w: SpatialWeights) -> np.ndarray:
    """Simulate neighbour sums ``sum_j w_ij z_j`` under conditional permutation, (P, n)."""
    m = w.matrix
    n = w.n
    out = np.zeros((permutations, n))
    for i in range(n):
        start, stop = m.indptr[i], m.indptr[i + 1]
        if start == stop:
            continue
        others = np.delete(z, i)
        draws = _draw_without_replacement(rng, n - 1, stop - start, permutations)
        out[:, i] = others[draws] @ m.data[start:stop]
    return out


def _local(y: np.ndarray, w: SpatialWeights, scaling: str, perms: Permutations,
           alternative: Alternative) -> pd.DataFrame:
    n = w.n
    z = y - y.mean()
    m2 = (z @ z) / n
    if m2 == 0:
        raise SpecificationError("Local Moran's I is undefined for a constant variable.")
    lag = w.lag(z)
    m = w.matrix
    wi = np.asarray(m.sum(axis=1)).ravel()
    wi2 = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    stat = z * lag / m2
    expected = -(z**2) * wi / ((n - 1) * m2)
    spread = (n * m2 - z**2) / (n - 1) - z**2 / (n - 1) ** 2
    variance = (z / m2) ** 2 * (n - 1) / (n - 2) * (wi2 - wi**2 / (n - 1)) * spread
    with np.errstate(invalid="ignore", divide="ignore"):
        z_stat = (stat - expected) / np.sqrt(variance)
    factor = (n - 1) / n if scaling == "esda" else 1.0
    table = pd.DataFrame({
        "id": list(w.ids),
        "value": y,
        "lag": w.lag(y),
        "I": factor * stat,
        "expected": factor * expected,
        "variance": factor**2 * variance,
        "z": z_stat,
        "p_norm": normal_pvalue(z_stat, alternative),
    })
    if perms.count:
        sims = z[None, :] * perms.run(_conditional_sims, (z, w)) / m2
        table["p_sim"] = permutation_pvalue(stat, sims, alternative)
    else:
        table["p_sim"] = np.nan
    high = z > 0
    high_lag = lag > 0
    table["quadrant"] = np.select(
        [high & high_lag, ~high & ~high_lag, high & ~high_lag], ["HH", "LL", "HL"], "LH")
    return table


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran's I of every unit (and period).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per unit (and period; column named after ``by``): ``id``, ``value``, its
        spatial ``lag``, ``I``, ``expected``, ``variance`` (conditional randomisation), ``z``,
        ``p_norm``, ``p_sim`` (conditional permutation; NaN without permutations),
        ``quadrant`` (HH/LL/HL/LH) and ``cluster`` (the quadrant if significant, else "ns").
    scaling : str
        ``"spdep"`` or ``"esda"`` (see the module docstring).
    alpha : float
        Significance level behind ``cluster``.
    pvalue : str
        The p-value column behind ``cluster``.
    by, value : str or None
        The period column and the variable.
    weights : SpatialWeights
        The weights used.
    """

    table: pd.DataFrame
    scaling: str
    alpha: float
    pvalue: str
    by: str | None
    value: str | None
    weights: SpatialWeights

    def counts(self) -> pd.DataFrame:
        """Count the units per ``cluster`` label (per period with ``by``)."""
        rows = self.table[self.by] if self.by else pd.Series("all", index=self.table.index)
        counts = pd.crosstab(rows, self.table["cluster"])
        return counts.reindex(columns=list(QUADRANT_COLORS), fill_value=0)

    def plot(self, period: Hashable | None = None, ax: Any = None, labels: bool = False) -> Any:
        """Moran scatter plot coloured by cluster label; returns the Figure."""
        rows = self.table
        if self.by is not None:
            periods = list(pd.unique(rows[self.by]))
            if period is None and len(periods) > 1:
                raise SpecificationError(f"Pass period= one of {periods}.")
            period = periods[0] if period is None else period
            rows = rows.loc[rows[self.by] == period]
            if rows.empty:
                raise SpecificationError(f"period={period!r} is not in {periods}.")
        colors = [QUADRANT_COLORS[c] for c in rows["cluster"]]
        title = "LISA clusters" + ("" if period is None else f", {period}")
        return moran_scatter(rows["value"].to_numpy(), self.weights, ax=ax, labels=labels,
                             colors=colors, title=title)


@guard_keywords
def local_moran(
    data: Any,
    w: SpatialWeights,
    value: str | None = None,
    *,
    id: str | None = None,
    by: str | None = None,
    scaling: Literal["spdep", "esda"] = "spdep",
    permutations: int = 999,
    seed: int | np.random.SeedSequence | None = None,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    n_jobs: int = 1,
    backend: Literal["loky", "dask"] = "loky",
) -> LocalMoranResult:
    """Local Moran's I (LISA) with HH/LL/HL/LH labels, analytic and permutation p-values.

    Parameters
    ----------
    data, w, value, id, by
        As in :func:`stfi_models.spatial.moran`.
    scaling : {"spdep", "esda"}, default "spdep"
        :math:`m_2` with divisor ``n`` (Anselin 1995 / spdep; local values average to the
        global I under row-standardised weights) or ``n - 1`` (esda ``Moran_Local.Is``).
    permutations : int, default 999
        Conditional permutations per unit; 0 skips them.
    seed : int or numpy SeedSequence, optional
        Seed of the permutations, run by the resampling engine (same p-values for any
        ``n_jobs`` and backend); period ``p`` of a panel uses the ``p``-th child seed.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        For ``p_norm`` and ``p_sim`` (spdep >= 1.2 reports two-sided ``Pr(z != E(Ii))``).
    alpha : float, default 0.05
        Significance level of the ``cluster`` label, judged by ``p_sim`` when permutations
        are drawn, else by ``p_norm``.
    n_jobs : int, default 1
        Workers for the permutations (-1: all cores).
    backend : {"loky", "dask"}, default "loky"
        Where parallel permutations run.

    Returns
    -------
    LocalMoranResult

    Raises
    ------
    SpecificationError
        As :func:`moran`; a bad ``scaling``, ``alternative`` or ``alpha``.
    """
    check_choice("scaling", scaling, SCALINGS)
    check_choice("alternative", alternative, ALTERNATIVES)
    if not 0 < alpha < 1:
        raise SpecificationError(f"alpha must be between 0 and 1, got {alpha}.")
    perms = Permutations.of(permutations, seed, n_jobs, backend)
    pieces = []
    for p, (period, y) in enumerate(aligned_values(data, w, value, id, by, "local_moran")):
        if w.n < 3:
            raise SpecificationError(f"Local Moran's I needs at least 3 units, got {w.n}.")
        piece = _local(y, w, scaling, perms.period(p), alternative)
        if by is not None:
            piece.insert(0, by, period)
        pieces.append(piece)
    table = pd.concat(pieces, ignore_index=True)
    pvalue = "p_sim" if permutations else "p_norm"
    table["cluster"] = np.where(table[pvalue] <= alpha, table["quadrant"], "ns")
    return LocalMoranResult(table=table, scaling=scaling, alpha=alpha, pvalue=pvalue, by=by,
                            value=value, weights=w)
