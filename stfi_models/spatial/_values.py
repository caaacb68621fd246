"""Line up a variable with spatial weights, for one or several periods."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from stfi_models._checks import iter_periods, require_frame
from stfi_models.exceptions import SpecificationError, show_rows
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["aligned_values"]


def _check_complete(y: np.ndarray, ids: tuple, func: str, where: str) -> np.ndarray:
    bad = ~np.isfinite(y)
    if bad.any():
        missing = [ids[i] for i in np.flatnonzero(bad)]
        raise SpecificationError(
            f"{func}(): {int(bad.sum())} unit(s){where} have missing or infinite values: "
            f"{missing[:10]}. Spatial autocorrelation statistics need a value for every unit of "
            "the weights; impute them, or drop the units from both data and weights with "
            "w.subset(ids)."
        )
    return y


def aligned_values(data: Any, w: SpatialWeights, value: str | None, id: str | None,
                   by: str | None, func: str) -> Iterator[tuple[Hashable, np.ndarray]]:
    """Yield ``(period, y)`` with ``y`` in the order of ``w.ids`` (``period`` None without by).

    ``data`` is a DataFrame (with ``value`` and, unless its index holds the ids, ``id``), a
    Series indexed by the ids, or an array already in weights order.

    Raises
    ------
    SpecificationError
        Wrong length, unknown / duplicated / missing ids, non-finite values (naming the units).
    """
    if not isinstance(w, SpatialWeights):
        raise SpecificationError(
            f"{func}(): w must be a SpatialWeights (see SpatialWeights.from_matrix, read_gal, "
            f"china_weights), got {type(w).__name__}."
        )
    if isinstance(data, pd.DataFrame):
        if value is None:
            raise SpecificationError(f"{func}(): pass value= the column to analyse.")
        if id is None and by is None:
            frame = require_frame(data, [value], func)
            frame["__id__"] = data.index
            id_col = "__id__"
        else:
            if id is None:
                raise SpecificationError(f"{func}(): with by= pass id= the unit-id column.")
            frame = require_frame(data, [value, id, by], func)
            id_col = id
        for period, rows in iter_periods(frame, by):
            where = "" if by is None else f" in {by}={period!r}"
            dup = rows[id_col].duplicated(keep=False)
            if dup.any():
                raise SpecificationError(
                    f"{func}(): duplicated unit ids{where}:\n{show_rows(rows, dup)}"
                )
            series = pd.Series(rows[value].to_numpy(dtype=float), index=rows[id_col].to_numpy())
            yield period, _reindex(series, w, func, where)
        return
    if by is not None or id is not None:
        raise SpecificationError(f"{func}(): by= and id= need a DataFrame as data.")
    if isinstance(data, pd.Series):
        if data.index.has_duplicates:
            raise SpecificationError(f"{func}(): the Series index (unit ids) has duplicates.")
        yield None, _reindex(data.astype(float), w, func, "")
        return
    y = np.asarray(data, dtype=float).ravel()
    if y.size != w.n:
        raise SpecificationError(
            f"{func}(): {y.size} values for weights over {w.n} units. Pass one value per unit in "
            "the order of w.ids, or a Series indexed by the ids."
        )
    yield None, _check_complete(y, w.ids, func, "")


def _reindex(series: pd.Series, w: SpatialWeights, func: str, where: str) -> np.ndarray:
    have = set(series.index)
    missing = [key for key in w.ids if key not in have]
    extra = [key for key in series.index if key not in set(w.ids)]
    if missing or extra:
        raise SpecificationError(
            f"{func}(): the data{where} and the weights cover different units. "
            f"In the weights only: {missing[:10]}; in the data only: {extra[:10]}. "
            "Check the id column (and its dtype) or subset the weights with w.subset(ids)."
        )
    y = series.loc[list(w.ids)].to_numpy(dtype=float)
    return _check_complete(y, w.ids, func, where)
