r"""Distances between points: Euclidean, or great-circle on the sphere or the WGS84 ellipsoid.

Metrics (:data:`METRICS`):

``"euclidean"``
    :math:`\lVert p_i - p_j\rVert` in the units of the coordinates (projected data).
``"haversine"``
    Great-circle distance in km on a sphere of radius 6371.0088 km (the IUGG mean radius),
    by the haversine formula; libpysal's ``arc`` distances use a sphere too.
``"wgs84"``
    Distance in km on the WGS84 ellipsoid (:math:`a = 6378.137` km, :math:`f =
    1/298.257223563`) by Andoyer's first-order correction of the spherical distance, as given
    by Meeus (1991, ch. 11): with :math:`F = (\varphi_1+\varphi_2)/2`,
    :math:`G = (\varphi_1-\varphi_2)/2`, :math:`\lambda = (L_1-L_2)/2`,

    .. math::

        S = \sin^2G\cos^2\lambda + \cos^2F\sin^2\lambda,\quad
        C = \cos^2G\cos^2\lambda + \sin^2F\sin^2\lambda,\quad
        \omega = \arctan\sqrt{S/C},\quad R = \sqrt{SC}/\omega,

        s = 2\omega a\,\Big(1 + f\,\frac{3R-1}{2C}\sin^2F\cos^2G
                         - f\,\frac{3R+1}{2S}\cos^2F\sin^2G\Big).

    This is the "Great Circle" distance of R sp's ``spDists(longlat = TRUE)`` and hence of
    spdep's ``knearneigh``, ``dnearneigh`` and ``nbdists`` with ``longlat = TRUE``; it is
    within about 0.01 % of the exact geodesic, while the sphere errs by up to 0.5 %.

Geographic coordinates are ``(longitude, latitude)`` in decimal degrees.  A DataFrame may
name them (``lon``/``lng``/``long``/``longitude`` and ``lat``/``latitude``, any case), in
which case those two columns are used in that order whatever the column order; otherwise it
must have exactly two columns.  ``coords="china"`` stands for the bundled capitals of China's
31 provinces keyed by ``prov_code`` (:func:`stfi_models.datasets.china_coordinates`).

References
----------
Meeus, J. (1991). *Astronomical Algorithms*, ch. 11. Willmann-Bell.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice

__all__ = ["METRICS", "Metric", "pairwise_distances", "EARTH_RADIUS_KM"]

METRICS = ("euclidean", "haversine", "wgs84")
Metric = Literal["euclidean", "haversine", "wgs84"]
#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
_WGS84_A_KM = 6378.137
_WGS84_F = 1.0 / 298.257223563
_LON_NAMES = ("lon", "lng", "long", "longitude")
_LAT_NAMES = ("lat", "latitude")


def _named_column(frame: pd.DataFrame, names: tuple[str, ...]) -> Hashable | None:
    found = [c for c in frame.columns if str(c).lower() in names]
    if len(found) > 1:
        raise SpecificationError(
            f"coords has several columns that could be the same coordinate: {found}; keep one."
        )
    return found[0] if found else None


def _coordinates(coords: Any, ids: Sequence[Hashable] | None
                 ) -> tuple[Sequence[Hashable] | None, np.ndarray, bool]:
    """Ids, an (n, 2) float array and whether the coordinates are named lon/lat."""
    if isinstance(coords, str):
        if coords != "china":
            raise SpecificationError(
                f"coords={coords!r} is not known: pass an (n, 2) array or DataFrame of "
                "coordinates, or 'china' for the bundled provincial capitals."
            )
        from stfi_models.datasets import china_coordinates

        coords = china_coordinates()
    named = False
    if isinstance(coords, pd.DataFrame):
        lon, lat = _named_column(coords, _LON_NAMES), _named_column(coords, _LAT_NAMES)
        if lon is not None and lat is not None:
            named = True
            frame = coords[[lon, lat]]
        elif coords.shape[1] == 2:
            frame = coords
        else:
            raise SpecificationError(
                f"coords has {coords.shape[1]} columns ({list(coords.columns)[:6]}); pass two "
                "(x, y) columns, or name them lon and lat."
            )
        ids = list(coords.index) if ids is None else ids
        try:
            xy = frame.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise SpecificationError("coords must be numeric.") from None
    else:
        try:
            xy = np.asarray(coords, dtype=float)
        except (TypeError, ValueError):
            raise SpecificationError("coords must be a numeric (n, 2) array.") from None
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise SpecificationError(f"coords must have shape (n, 2), got {xy.shape}.")
    if not np.isfinite(xy).all():
        raise SpecificationError("coords must be finite; found missing or infinite coordinates.")
    if ids is not None and len(ids) != xy.shape[0]:
        raise SpecificationError(
            f"{len(ids)} ids were given for {xy.shape[0]} points; pass one id per point.")
    return ids, xy, named


def _check_geographic(xy: np.ndarray) -> None:
    bad_lat = np.flatnonzero(np.abs(xy[:, 1]) > 90)
    bad_lon = np.flatnonzero((xy[:, 0] < -180) | (xy[:, 0] > 360))
    if bad_lat.size or bad_lon.size:
        rows = sorted({*bad_lat.tolist(), *bad_lon.tolist()})
        raise SpecificationError(
            f"Great-circle distances need (longitude, latitude) in degrees; points at rows "
            f"{rows[:10]} are out of range (e.g. {xy[rows[0]].tolist()}). Are the columns "
            "swapped, or the coordinates projected (then use metric='euclidean')?"
        )


def _haversine(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _wgs84(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    f_ = (lat[:, None] + lat[None, :]) / 2
    g_ = (lat[:, None] - lat[None, :]) / 2
    l_ = (lon[:, None] - lon[None, :]) / 2
    sin2g, cos2g = np.sin(g_) ** 2, np.cos(g_) ** 2
    sin2f, cos2f = np.sin(f_) ** 2, np.cos(f_) ** 2
    sin2l, cos2l = np.sin(l_) ** 2, np.cos(l_) ** 2
    s = sin2g * cos2l + cos2f * sin2l
    c = cos2g * cos2l + sin2f * sin2l
    out = np.zeros_like(s)
    ok = (s > 0) & (c > 0)  # s = 0: the same point; c = 0: antipodes (spherical limit)
    omega = np.arctan(np.sqrt(s[ok] / c[ok]))
    r = np.sqrt(s[ok] * c[ok]) / omega
    h1, h2 = (3 * r - 1) / (2 * c[ok]), (3 * r + 1) / (2 * s[ok])
    out[ok] = 2 * omega * _WGS84_A_KM * (1 + _WGS84_F * h1 * sin2f[ok] * cos2g[ok]
                                         - _WGS84_F * h2 * cos2f[ok] * sin2g[ok])
    out[c <= 0] = np.pi * _WGS84_A_KM
    return out


def pairwise_distances(coords: Any, ids: Sequence[Hashable] | None = None,
                       metric: Metric | None = None
                       ) -> tuple[Sequence[Hashable] | None, np.ndarray]:
    """Return the ids and the matrix of distances between points.

    Parameters
    ----------
    coords : array-like, pandas.DataFrame or "china", shape (n, 2)
        ``(x, y)``, or ``(longitude, latitude)`` in degrees for the great-circle metrics (see
        the module for named columns); a DataFrame's index gives the ids; ``"china"`` the
        bundled provincial capitals.
    ids : sequence, optional
    metric : {"euclidean", "haversine", "wgs84"} or None
        None: ``"wgs84"`` for ``"china"`` and for DataFrames with lon/lat columns,
        ``"euclidean"`` otherwise.

    Raises
    ------
    SpecificationError
        Coordinates not (n, 2), not finite, or (great-circle metrics) not degrees in range.
    """
    geographic = isinstance(coords, str)
    ids, xy, named = _coordinates(coords, ids)
    if metric is None:
        metric = "wgs84" if geographic or named else "euclidean"
    check_choice("metric", metric, METRICS)
    if metric == "euclidean":
        return ids, np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    _check_geographic(xy)
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    return ids, (_haversine if metric == "haversine" else _wgs84)(lon, lat)
