r"""Global Geary's C with normality, randomisation and permutation inference.

With :math:`z_i = y_i - \bar y`, weights :math:`w_{ij}`, :math:`S_0 = \sum_{ij} w_{ij}`,
:math:`S_1 = \tfrac12 \sum_{ij} (w_{ij} + w_{ji})^2` and
:math:`S_2 = \sum_i (w_{i.} + w_{.i})^2` (Geary 1954; Cliff and Ord 1981, ch. 1-2):

.. math::

    C = \frac{n - 1}{2 S_0} \frac{\sum_i \sum_j w_{ij} (y_i - y_j)^2}{\sum_i z_i^2},
    \qquad E[C] = 1 .

Under normality:

.. math::

    \operatorname{Var}_N(C) = \frac{(2 S_1 + S_2)(n - 1) - 4 S_0^2}{2 (n + 1) S_0^2} .

Under randomisation, with the kurtosis :math:`b_2 = n \sum z_i^4 / (\sum z_i^2)^2`:

.. math::

    \operatorname{Var}_R(C) = \frac{(n-1) S_1 [n^2 - 3n + 3 - (n-1) b_2]
        - \tfrac14 (n-1) S_2 [n^2 + 3n - 6 - (n^2 - n + 2) b_2]
        + S_0^2 [n^2 - 3 - (n-1)^2 b_2]}{n (n-2) (n-3) S_0^2} .

**Sign convention.** Positive spatial autocorrelation makes C *small* (neighbours differ
little). As in spdep's ``geary.test``, the standardised statistic is
:math:`z = (E[C] - C) / \sqrt{\operatorname{Var}(C)}`, so that z > 0 and
``alternative="greater"`` mean positive autocorrelation, as for Moran's I. The permutation
test follows the same orientation: with ``"greater"``, ``M`` counts the reshuffles with
:math:`C_{sim} \le C` (spdep ``geary.mc``), and ``z_sim = (mean(C_sim) - C) / sd(C_sim)``.

References
----------
Geary, R. C. (1954). The contiguity ratio and statistical mapping. *The Incorporated
Statistician* 5, 115-145.
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from stfi_models._checks import guard_keywords
from stfi_models.spatial.moran import (
    INFERENCE_COLUMNS,
    Alternative,
    GlobalAutocorrelation,
    MoranPanel,
    Permutations,
    centred_values,
    global_statistic,
    normal_pvalue,
    permutation_inference,
)
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["geary", "GearyResult", "GearyPanel"]

TIDY_COLUMNS = ("C", *INFERENCE_COLUMNS)


def _geary_stat(z: np.ndarray, w: SpatialWeights) -> np.ndarray:
    r"""Geary's C of each column of ``z`` (centred), shape (n,) or (n, P).

    Uses :math:`\sum_{ij} w_{ij} (z_i - z_j)^2 = \sum_i (w_{i.} + w_{.i}) z_i^2 - 2 z'Wz`.
    """
    m = w.matrix
    margins = np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()
    sq = z * z
    if z.ndim == 2:
        margins = margins[:, None]
    cross = (margins * sq).sum(axis=0) - 2 * (z * (m @ z)).sum(axis=0)
    return (w.n - 1) / (2 * w.s0) * cross / sq.sum(axis=0)


def _negated_geary(z: np.ndarray, w: SpatialWeights) -> np.ndarray:
    """``-C``: oriented so that large values mean positive autocorrelation."""
    return -_geary_stat(z, w)


@dataclass(frozen=True)
class GearyResult(GlobalAutocorrelation):
    r"""Global Geary's C of one cross-section.

    Attributes
    ----------
    C, expected : float
        The statistic and its expectation 1.
    var_norm, var_rand : float
        Variance under normality and under randomisation.
    z_norm, z_rand, p_norm, p_rand : float
        :math:`z = (1 - C)/\mathrm{sd}` (positive for positive autocorrelation, as spdep) and
        p-values under ``alternative``.
    z_sim, p_sim : float
        Permutation z, ``(mean(C_sim) - C) / sd(C_sim)``, and pseudo p-value (``NaN`` with
        ``permutations=0``).
    permutations : int
        Number of reshuffles.
    alternative : str
        ``"two-sided"``, ``"greater"`` (positive autocorrelation, C < 1) or ``"less"``.
    n : int
        Number of units.
    values : numpy.ndarray
        The variable in weights order.
    weights : SpatialWeights
        The weights used.
    simulated : numpy.ndarray
        The permutation distribution of C.
    """

    C: float
    statistic: ClassVar[str] = "C"
    label: ClassVar[str] = "Geary's C"


class GearyPanel(MoranPanel):
    """Global Geary's C per period.

    Same fields as :class:`~stfi_models.spatial.moran.MoranPanel`: ``table`` (one row per
    period with ``TIDY_COLUMNS``), ``results`` (period -> :class:`GearyResult`), ``by`` and
    ``value``; ``plot`` draws C over the periods.
    """

    statistic = "C"
    label = "Geary's C"


def _global(y: np.ndarray, w: SpatialWeights, perms: Permutations,
            alternative: Alternative) -> GearyResult:
    n = w.n
    z = centred_values(y, w, "Geary's C")
    s0, s1, s2 = w.s0, w.s1, w.s2
    stat = float(_geary_stat(z, w))
    var_n = ((2 * s1 + s2) * (n - 1) - 4 * s0 * s0) / (2 * (n + 1) * s0 * s0)
    b2 = n * (z**4).sum() / (z**2).sum() ** 2
    var_r = ((n - 1) * s1 * (n * n - 3 * n + 3 - (n - 1) * b2)
             - 0.25 * (n - 1) * s2 * (n * n + 3 * n - 6 - (n * n - n + 2) * b2)
             + s0 * s0 * (n * n - 3 - (n - 1) ** 2 * b2)) / (n * (n - 2) * (n - 3) * s0 * s0)
    z_n, z_r = (1.0 - stat) / np.sqrt(var_n), (1.0 - stat) / np.sqrt(var_r)
    negated, z_sim, p_sim = permutation_inference(-stat, _negated_geary, z, w, perms,
                                                  alternative)
    sims, values = -negated, y.copy()
    for array in (values, sims):
        array.flags.writeable = False
    return GearyResult(
        C=stat, expected=1.0, var_norm=float(var_n), var_rand=float(var_r), z_norm=float(z_n),
        z_rand=float(z_r), p_norm=float(normal_pvalue(z_n, alternative)),
        p_rand=float(normal_pvalue(z_r, alternative)), z_sim=z_sim, p_sim=p_sim,
        permutations=perms.count, alternative=alternative, n=n, values=values, weights=w,
        simulated=sims,
    )


@guard_keywords
def geary(
    data: Any,
    w: SpatialWeights,
    value: str | None = None,
    *,
    id: str | None = None,
    by: str | None = None,
    permutations: int = 999,
    seed: int | np.random.SeedSequence | None = None,
    alternative: Alternative = "two-sided",
    n_jobs: int = 1,
    backend: Literal["loky", "dask"] = "loky",
) -> GearyResult | GearyPanel:
    """Global Geary's C with normality, randomisation and permutation inference.

    Input handling, ``by=`` panels, seeds and p-values are those of
    :func:`~stfi_models.spatial.moran`; see the module docstring for the formulas.

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The variable: an array in the order of ``w.ids``, a Series indexed by the ids, or a
        DataFrame with ``value`` (and ``id``, or ids as its index).
    w : SpatialWeights
        Spatial weights (their ``transform`` applies: row-standardised by default).
    value : str, optional
        Column of ``data`` (DataFrame input).
    id : str, optional
        Unit-id column (needed with ``by``).
    by : str, optional
        Period column: one Geary's C per period, returned as a :class:`GearyPanel`.
    permutations : int, default 999
        Reshuffles for the pseudo p-value; 0 skips the permutation test.
    seed : int or numpy SeedSequence, optional
        Seed of the reshuffles (resampling engine; same p-values for any ``n_jobs``).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        For every p-value. ``"greater"`` is positive autocorrelation (C < 1, z > 0), the
        default of spdep's ``geary.test`` and ``geary.mc``.
    n_jobs : int, default 1
        Workers for the reshuffles (-1: all cores).
    backend : {"loky", "dask"}, default "loky"
        Where parallel reshuffles run.

    Returns
    -------
    GearyResult or GearyPanel

    Raises
    ------
    SpecificationError
        Data and weights over different units, missing values (naming the units), a constant
        variable, fewer than 4 units, a negative ``permutations``.
    """
    return global_statistic(_global, GearyPanel, "geary", data, w, value, id, by,
                            permutations, seed, alternative, n_jobs, backend)
