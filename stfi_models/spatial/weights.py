r"""Spatial weights: contiguity, any 0/1 or distance matrix, inverse distance, GAL files.

A :class:`SpatialWeights` holds the raw (untransformed) links as a ``scipy.sparse`` matrix, the
unit ids in matrix order and a transformation:

* ``"row"`` (default): row-standardised, :math:`w_{ij} / \sum_j w_{ij}` (spdep style ``"W"``,
  libpysal ``"r"``); an island's row stays zero.
* ``"binary"``: every link is 1 (spdep ``"B"``).
* ``"global"``: :math:`n\,w_{ij} / \sum_{kl} w_{kl}` (spdep ``"C"``).
* ``"minmax"``: :math:`w_{ij} / \min(\max_i r_i, \max_j c_j)` with row and column sums
  :math:`r, c` (Kelejian & Prucha 2010); keeps the symmetry of a symmetric ``W``.
* ``"none"``: the weights as given (e.g. inverse distances).

The Moran statistics need the Cliff-Ord constants

.. math::

    S_0 = \sum_i\sum_j w_{ij},\quad S_1 = \tfrac12\sum_i\sum_j (w_{ij} + w_{ji})^2,\quad
    S_2 = \sum_i (w_{i\cdot} + w_{\cdot i})^2 ,

exposed as :attr:`SpatialWeights.s0`, ``s1`` and ``s2``.

References
----------
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models.exceptions import SpecificationError, SpecificationWarning, check_choice
from stfi_models.spatial.distance import Metric, pairwise_distances

__all__ = ["SpatialWeights", "read_gal", "china_weights", "pairwise_distances", "TRANSFORMS"]

TRANSFORMS = ("row", "binary", "none", "global", "minmax")
Transform = Literal["row", "binary", "none", "global", "minmax"]


def _coerce_ids(tokens: Sequence[str]) -> tuple[Hashable, ...]:
    """Ids from a text file: integers if every token is one, else the strings."""
    try:
        return tuple(int(t) for t in tokens)
    except ValueError:
        return tuple(tokens)


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Spatial weights over ``n`` units (immutable; transformations return new objects).

    Parameters
    ----------
    links : scipy.sparse matrix, shape (n, n)
        Raw non-negative weights with a zero diagonal (1 for a 0/1 contiguity).
    ids : tuple
        Unit ids in matrix order.
    transform : {"row", "binary", "none"}
        How :attr:`matrix` is derived from ``links``.

    Use the constructors :meth:`from_matrix`, :meth:`from_distance`,
    :meth:`inverse_distance`, :func:`read_gal` or :func:`china_weights`; they validate the
    input and warn about islands.
    """

    links: sp.csr_array
    ids: tuple[Hashable, ...]
    transform: Transform = "row"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_matrix(cls, matrix: Any, ids: Sequence[Hashable] | None = None,
                    transform: Transform = "row") -> SpatialWeights:
        """Weights from a square 0/1 or weight matrix (ndarray, sparse or labelled DataFrame).

        Parameters
        ----------
        matrix : array-like, scipy.sparse or pandas.DataFrame, shape (n, n)
            Non-negative weights, zero diagonal. A DataFrame must carry the same labels on
            rows and columns (in the same order); they become the ids.
        ids : sequence, optional
            Unit ids in row order (default: the DataFrame labels, else ``0 .. n-1``).
        transform : {"row", "binary", "none"}, default "row"

        Raises
        ------
        SpecificationError
            Not square, ids of the wrong length or duplicated, negative / non-finite weights,
            or a non-zero diagonal (a unit cannot be its own neighbour).

        Warns
        -----
        SpecificationWarning
            Naming every island (a unit without neighbours).
        """
        check_choice("transform", transform, TRANSFORMS)
        if isinstance(matrix, pd.DataFrame):
            if list(matrix.index) != list(matrix.columns):
                raise SpecificationError(
                    "The weights DataFrame must have the same labels, in the same order, on its "
                    "rows and columns (reorder with matrix.loc[ids, ids])."
                )
            ids = list(matrix.index) if ids is None else ids
            matrix = matrix.to_numpy(dtype=float)
        links = sp.csr_array(matrix, dtype=float) if sp.issparse(matrix) else sp.csr_array(
            np.asarray(matrix, dtype=float))
        if links.ndim != 2 or links.shape[0] != links.shape[1]:
            raise SpecificationError(
                f"The weights matrix must be square (n x n), got shape {links.shape}."
            )
        n = links.shape[0]
        ids = tuple(range(n)) if ids is None else tuple(ids)
        if len(ids) != n:
            raise SpecificationError(
                f"The weights matrix is {n} x {n} but {len(ids)} ids were given; pass one id per "
                "row, in row order."
            )
        if len(set(ids)) != n:
            dup = pd.Index(ids)[pd.Index(ids).duplicated()].unique().tolist()
            raise SpecificationError(f"Duplicated unit ids in the weights: {dup[:10]}.")
        data = links.data
        if not np.isfinite(data).all() or (data < 0).any():
            raise SpecificationError(
                "Weights must be finite and non-negative; found "
                f"{int((~np.isfinite(data)).sum())} non-finite and {int((data < 0).sum())} "
                "negative entries."
            )
        diag = links.diagonal()
        if (diag != 0).any():
            bad = [ids[i] for i in np.flatnonzero(diag)]
            raise SpecificationError(
                f"The weights matrix has non-zero diagonal entries for units {bad[:10]}: a unit "
                "cannot be its own neighbour. Set the diagonal to 0."
            )
        links.eliminate_zeros()
        links.sort_indices()
        weights = cls(links, ids, transform)
        if weights.islands:
            warnings.warn(
                f"The spatial weights have {len(weights.islands)} island(s) without neighbours: "
                f"{list(weights.islands)}. Their spatial lag is 0; add links (e.g. to the nearest "
                "unit) or drop them if that is not intended.",
                SpecificationWarning,
                stacklevel=2,
            )
        return weights

    @classmethod
    def from_distance(cls, distances: Any, ids: Sequence[Hashable] | None = None, *,
                      power: float = 1.0, threshold: float | None = None,
                      transform: Transform = "row") -> SpatialWeights:
        r"""Inverse-distance weights :math:`w_{ij} = d_{ij}^{-\alpha}` from a distance matrix.

        Parameters
        ----------
        distances : array-like or pandas.DataFrame, shape (n, n)
            Symmetric distances, zero on the diagonal, positive elsewhere.
        ids : sequence, optional
            Unit ids (default: DataFrame labels, else ``0 .. n-1``).
        power : float, default 1
            The distance-decay exponent :math:`\alpha` (2 gives the gravity form).
        threshold : float, optional
            Pairs farther apart than this get weight 0.
        transform : {"row", "binary", "none"}, default "row"

        Raises
        ------
        SpecificationError
            Not square, negative or non-finite distances, or two distinct units at distance 0.
        """
        if isinstance(distances, pd.DataFrame):
            ids = list(distances.index) if ids is None else ids
            distances = distances.to_numpy(dtype=float)
        d = np.asarray(distances, dtype=float)
        if d.ndim != 2 or d.shape[0] != d.shape[1]:
            raise SpecificationError(f"The distance matrix must be square, got shape {d.shape}.")
        off = ~np.eye(d.shape[0], dtype=bool)
        if not np.isfinite(d).all() or (d < 0).any():
            raise SpecificationError("Distances must be finite and non-negative.")
        if (d[off] == 0).any():
            i, j = np.argwhere((d == 0) & off)[0]
            raise SpecificationError(
                f"Units at positions {i} and {j} are at distance 0; inverse-distance weights are "
                "undefined. Merge duplicated locations first."
            )
        if power <= 0:
            raise SpecificationError(f"power must be positive, got {power}.")
        w = np.zeros_like(d)
        w[off] = d[off] ** (-power)
        if threshold is not None:
            w[d > threshold] = 0.0
        return cls.from_matrix(w, ids, transform)

    @classmethod
    def inverse_distance(cls, coords: Any, ids: Sequence[Hashable] | None = None, *,
                         power: float = 1.0, threshold: float | None = None,
                         metric: Metric | None = None,
                         transform: Transform = "row") -> SpatialWeights:
        """Inverse-distance weights from point coordinates.

        Parameters
        ----------
        coords : array-like, pandas.DataFrame or "china", shape (n, 2)
            ``(x, y)`` coordinates, or ``(longitude, latitude)`` in degrees for the
            great-circle metrics; a DataFrame's index becomes the ids; ``"china"`` is the
            bundled capitals of the 31 provinces (ids ``prov_code``). See
            :mod:`stfi_models.spatial.distance`.
        ids, power, threshold, transform
            As in :meth:`from_distance` (``threshold`` in km for the great-circle metrics).
        metric : {"euclidean", "haversine", "wgs84"}, optional
            Default: ``"wgs84"`` (km on the WGS84 ellipsoid, as spdep's ``longlat = TRUE``)
            for ``"china"`` and for DataFrames with lon/lat columns, else ``"euclidean"``.

        Examples
        --------
        >>> from stfi_models.spatial import SpatialWeights
        >>> w = SpatialWeights.inverse_distance("china", power=2)
        >>> w.n, w.links.nnz
        (31, 930)
        """
        ids, d = pairwise_distances(coords, ids, metric)
        return cls.from_distance(d, ids, power=power, threshold=threshold, transform=transform)

    # ------------------------------------------------------------------ derived
    @property
    def n(self) -> int:
        """Number of units."""
        return self.links.shape[0]

    @cached_property
    def matrix(self) -> sp.csr_array:
        """The transformed weights used by the statistics (sparse, read-only by convention)."""
        if self.transform == "none":
            return self.links.copy()
        out = self.links.copy()
        if self.transform == "binary":
            out.data[:] = 1.0
            return out
        if self.transform == "global":
            return out * (self.n / out.sum()) if out.nnz else out
        if self.transform == "minmax":
            scale = min(out.sum(axis=1).max(), out.sum(axis=0).max()) if out.nnz else 1.0
            return out / scale
        rows = np.asarray(out.sum(axis=1)).ravel()
        scale = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows > 0)
        return sp.csr_array(sp.diags(scale) @ out)

    @cached_property
    def cardinalities(self) -> pd.Series:
        """Number of neighbours of each unit."""
        return pd.Series(np.diff(self.links.indptr), index=pd.Index(self.ids), name="neighbours")

    @property
    def islands(self) -> tuple[Hashable, ...]:
        """Ids of units without neighbours."""
        counts = self.cardinalities
        return tuple(counts.index[counts.to_numpy() == 0])

    @cached_property
    def s0(self) -> float:
        """:math:`S_0`, the sum of all weights."""
        return float(self.matrix.sum())

    @cached_property
    def s1(self) -> float:
        r""":math:`S_1 = \tfrac12 \sum_{ij} (w_{ij} + w_{ji})^2`."""
        sym = self.matrix + self.matrix.T
        return float(0.5 * sym.multiply(sym).sum())

    @cached_property
    def s2(self) -> float:
        r""":math:`S_2 = \sum_i (w_{i.} + w_{.i})^2`."""
        m = self.matrix
        return float(((np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel())
                      ** 2).sum())

    def with_transform(self, transform: Transform) -> SpatialWeights:
        """Return the same links under another transformation."""
        check_choice("transform", transform, TRANSFORMS)
        return SpatialWeights(self.links, self.ids, transform)

    def lag(self, values: Any) -> np.ndarray:
        """Spatial lag ``W @ values`` (values in :attr:`ids` order)."""
        return self.matrix @ np.asarray(values, dtype=float)

    def to_frame(self) -> pd.DataFrame:
        """Return the transformed weights as a dense labelled DataFrame."""
        return pd.DataFrame(self.matrix.toarray(), index=pd.Index(self.ids),
                            columns=pd.Index(self.ids))

    def subset(self, ids: Sequence[Hashable]) -> SpatialWeights:
        """Weights among ``ids`` only (links to dropped units are removed, then transformed)."""
        pos = self.positions(ids)
        sub = self.links[pos][:, pos]
        return SpatialWeights.from_matrix(sub, tuple(ids), self.transform)

    def positions(self, ids: Sequence[Hashable]) -> np.ndarray:
        """Matrix positions of ``ids``.

        Raises
        ------
        SpecificationError
            Naming ids that the weights do not know.
        """
        lookup = {key: i for i, key in enumerate(self.ids)}
        unknown = [key for key in ids if key not in lookup]
        if unknown:
            raise SpecificationError(
                f"Unit ids {unknown[:10]} are not in the spatial weights (which have "
                f"{self.n} units, e.g. {list(self.ids[:5])}). Check the id column and its dtype."
            )
        return np.array([lookup[key] for key in ids], dtype=int)

    def __repr__(self) -> str:
        return (f"SpatialWeights(n={self.n}, links={self.links.nnz}, "
                f"transform='{self.transform}', islands={len(self.islands)})")


def read_gal(path: str | PathLike[str], transform: Transform = "row") -> SpatialWeights:
    """Read a GAL neighbour file (GeoDa / libpysal / spdep ``write.nb.gal``).

    The first line is either ``n`` or ``0 n name id_variable``; then, for every unit, a line
    ``id k`` followed by a line with its ``k`` neighbour ids (blank when ``k = 0``). Ids are
    integers when every id is an integer, otherwise strings. Links get weight 1.

    Raises
    ------
    SpecificationError
        A malformed file (line and content named) or a neighbour that is not a unit.
    """
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SpecificationError(f"Cannot read the GAL file {path}: {error}.") from None
    if not lines:
        raise SpecificationError(f"GAL file {path} is empty.")
    header = lines[0].split()
    n = int(header[1] if len(header) >= 2 and header[0] == "0" else header[0])
    units: list[str] = []
    neighbours: list[list[str]] = []
    pos = 1
    while len(units) < n:
        while pos < len(lines) and not lines[pos].strip():
            pos += 1
        if pos >= len(lines):
            raise SpecificationError(
                f"GAL file {path}: the header announces {n} units but only {len(units)} follow."
            )
        head = lines[pos].split()
        if len(head) != 2 or not head[1].isdigit():
            raise SpecificationError(
                f"GAL file {path}, line {pos + 1}: expected 'id count', got {lines[pos]!r}."
            )
        k = int(head[1])
        nbrs = lines[pos + 1].split() if pos + 1 < len(lines) and k > 0 else []
        if len(nbrs) != k:
            raise SpecificationError(
                f"GAL file {path}, line {pos + 2}: unit {head[0]} announces {k} neighbours but "
                f"{len(nbrs)} are listed."
            )
        units.append(head[0])
        neighbours.append(nbrs)
        pos += 2 if k > 0 else 1
    ids = _coerce_ids(units)
    lookup = {u: i for i, u in enumerate(units)}
    rows, cols = [], []
    for i, nbrs in enumerate(neighbours):
        for nb in nbrs:
            if nb not in lookup:
                raise SpecificationError(
                    f"GAL file {path}: unit {units[i]} lists neighbour {nb}, which is not a unit."
                )
            rows.append(i)
            cols.append(lookup[nb])
    links = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return SpatialWeights.from_matrix(links, ids, transform)


def china_weights(transform: Transform = "row", *, key: str = "prov_code") -> SpatialWeights:
    """Contiguity weights of China's 31 provinces (bundled; 69 links incl. Hainan-Guangdong).

    Parameters
    ----------
    transform : {"row", "binary", "none"}, default "row"
    key : {"prov_code", "adcode", "province_zh", "province_en"}
        Which province key the ids use; ``"prov_code"`` matches the panel's entity column.

    See Also
    --------
    stfi_models.datasets.china_contiguity : the matrix and its provenance.
    """
    from stfi_models.datasets import china_contiguity

    return SpatialWeights.from_matrix(china_contiguity(key=key), transform=transform)
