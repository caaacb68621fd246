r"""More weights builders: k nearest neighbours, economic distance, and combinations.

* :func:`knn_weights`: each unit's ``k`` nearest points (Euclidean or great-circle);
  asymmetric in general; ties at the k-th distance are broken by unit order.
* :func:`distance_band_weights`: every pair at most ``threshold`` apart (spdep's
  ``dnearneigh(x, 0, threshold)``).
* :func:`economic_distance_weights`: :math:`w_{ij} = 1/|x_i - x_j|` for an economic
  indicator :math:`x` (e.g. mean GDP per capita over the sample period; Case, Rosen & Hines
  1993 use its inverse gap).
* :func:`combine_weights`: the Hadamard product :math:`w^A_{ij} w^B_{ij}` (an economic-
  geographic "nested" matrix) or the mixture :math:`\phi W^A + (1-\phi) W^B` of two
  (transformed) weights over the same units.

Every builder returns a :class:`~stfi_models.spatial.SpatialWeights` (islands are named in a
warning by its constructor and kept as zero rows).  The coordinate builders take
``coords="china"`` for the bundled capitals of China's 31 provinces (ids ``prov_code``, the
panel's entity key) and then measure great-circle km on the WGS84 ellipsoid, as spdep does
with ``longlat = TRUE`` (:mod:`stfi_models.spatial.distance`).

References
----------
Case, A. C., Rosen, H. S. & Hines, J. R. (1993). Budget spillovers and fiscal policy
interdependence. Journal of Public Economics 52, 285-307.
LeSage, J. & Pace, R. K. (2009). *Introduction to Spatial Econometrics*, ch. 4. CRC.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.spatial.distance import Metric, pairwise_distances
from stfi_models.spatial.weights import SpatialWeights, Transform

__all__ = ["knn_weights", "distance_band_weights", "economic_distance_weights",
           "combine_weights"]


def knn_weights(coords: Any, k: int, ids: Sequence[Hashable] | None = None, *,
                metric: Metric | None = None, transform: Transform = "row") -> SpatialWeights:
    """Each unit linked to its ``k`` nearest neighbours (weight 1 before ``transform``).

    Parameters
    ----------
    coords : array-like, pandas.DataFrame or "china", shape (n, 2)
        Coordinates (see :func:`~stfi_models.spatial.distance.pairwise_distances`);
        ``"china"``: the bundled provincial capitals.
    k : int
        Neighbours per unit, ``1 <= k < n``.
    ids : sequence, optional
    metric : {"euclidean", "haversine", "wgs84"}, optional
        Default ``"wgs84"`` for ``"china"`` and lon/lat DataFrames, else ``"euclidean"``.
    transform : str, default "row"

    Raises
    ------
    SpecificationError
        ``k`` out of range or bad coordinates.

    Examples
    --------
    >>> from stfi_models.spatial import knn_weights
    >>> w = knn_weights("china", k=4)  # spdep: knearneigh(xy, 4, longlat = TRUE)
    >>> w.n, int(w.cardinalities.min()), int(w.cardinalities.max())
    (31, 4, 4)
    """
    ids, d = pairwise_distances(coords, ids, metric)
    n = d.shape[0]
    if not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise SpecificationError(f"k must be an integer in 1..{n - 1} (n = {n} units), got {k!r}.")
    d = d.copy()
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    links = sp.csr_array((np.ones(n * k), (rows, nearest.ravel())), shape=(n, n))
    return SpatialWeights.from_matrix(links, ids, transform)


def distance_band_weights(coords: Any, threshold: float,
                          ids: Sequence[Hashable] | None = None, *, metric: Metric | None = None,
                          transform: Transform = "row") -> SpatialWeights:
    """Link every pair of units at most ``threshold`` apart (weight 1 before ``transform``).

    Parameters
    ----------
    coords : array-like, pandas.DataFrame or "china", shape (n, 2)
        As in :func:`knn_weights`.
    threshold : float
        Largest distance of a link (km for the great-circle metrics), inclusive as spdep's
        ``dnearneigh`` upper bound.
    ids : sequence, optional
    metric : {"euclidean", "haversine", "wgs84"}, optional
        As in :func:`knn_weights`.
    transform : str, default "row"

    Raises
    ------
    SpecificationError
        A non-positive or non-finite threshold, or bad coordinates.

    Warns
    -----
    SpecificationWarning
        Naming the units without a neighbour within ``threshold``.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number) or \
            not np.isfinite(threshold) or threshold <= 0:
        raise SpecificationError(f"threshold must be a positive number, got {threshold!r}.")
    ids, d = pairwise_distances(coords, ids, metric)
    links = (d <= threshold).astype(float)
    np.fill_diagonal(links, 0.0)
    return SpatialWeights.from_matrix(sp.csr_array(links), ids, transform)


def economic_distance_weights(values: pd.Series | Any, ids: Sequence[Hashable] | None = None,
                              *, transform: Transform = "row") -> SpatialWeights:
    """Inverse economic distance :math:`w_{ij} = 1/|x_i - x_j|`.

    Parameters
    ----------
    values : pandas.Series or array-like, shape (n,)
        One value per unit (a Series' index gives the ids), e.g. mean GDP per capita.
    ids : sequence, optional
    transform : str, default "row"

    Raises
    ------
    SpecificationError
        Non-finite values, or two units with the same value (infinite weight), named.
    """
    if isinstance(values, pd.Series):
        ids = list(values.index) if ids is None else ids
    x = np.asarray(values, dtype=float).ravel()
    names = list(ids) if ids is not None else list(range(x.size))
    if not np.isfinite(x).all():
        bad = [names[i] for i in np.flatnonzero(~np.isfinite(x))]
        raise SpecificationError(
            f"values must be finite; missing or infinite for units {bad[:10]}.")
    gap = np.abs(x[:, None] - x[None, :])
    off = ~np.eye(x.size, dtype=bool)
    if (gap[off] == 0).any():
        i, j = np.argwhere((gap == 0) & off)[0]
        raise SpecificationError(
            f"Units {names[i]!r} and {names[j]!r} have the same value ({x[i]:g}): their inverse "
            "economic distance is infinite. Use a different indicator or merge the units."
        )
    w = np.zeros_like(gap)
    w[off] = 1.0 / gap[off]
    return SpatialWeights.from_matrix(w, ids, transform)


def combine_weights(a: SpatialWeights, b: SpatialWeights, *, how: str = "product",
                    share: float = 0.5, transform: Transform = "row") -> SpatialWeights:
    """Combine two weights over the same units.

    Parameters
    ----------
    a, b : SpatialWeights
        Their transformed matrices (:attr:`SpatialWeights.matrix`) are combined.
    how : {"product", "mix"}
        Element-wise product, or ``share * A + (1 - share) * B``.
    share : float
        Weight of ``a`` in the mixture, in [0, 1].
    transform : str, default "row"
        Transformation of the result.

    Raises
    ------
    SpecificationError
        Different units (or order), or ``share`` outside [0, 1].
    """
    check_choice("how", how, ("product", "mix"))
    if tuple(a.ids) != tuple(b.ids):
        raise SpecificationError(
            "The two weights must cover the same units in the same order; reorder one with "
            "w.subset(other.ids)."
        )
    if not 0.0 <= share <= 1.0:
        raise SpecificationError(f"share must be in [0, 1], got {share}.")
    if how == "product":
        links = sp.csr_array(a.matrix.multiply(b.matrix))
    else:
        links = sp.csr_array(share * a.matrix + (1.0 - share) * b.matrix)
    links.eliminate_zeros()
    return SpatialWeights.from_matrix(links, a.ids, transform)
