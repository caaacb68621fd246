r"""Spatial lag of a panel variable within each period: :math:`(Wx)_{it} = \sum_j w_{ij} x_{jt}`.

Used by the formula operator ``W(x)`` and by the spatial Durbin model.  A unit whose neighbour
is missing in a period gets a missing lag in that period (never a lag over fewer neighbours);
an island gets 0 under every transformation (its row of ``W`` is zero).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["panel_spatial_lag"]


def panel_spatial_lag(values: np.ndarray, entity: Sequence[Hashable], time: Sequence[Hashable],
                      w: SpatialWeights, *, option: str = "w") -> np.ndarray:
    """Spatial lag of ``values`` (one per row) within each period.

    Parameters
    ----------
    values : ndarray, shape (n_rows,)
    entity, time : sequences of length n_rows
        Panel keys of each row; the entity ids must be ids of ``w``.
    w : SpatialWeights
    option : str
        Name of the weights option, quoted in errors.

    Raises
    ------
    SpecificationError
        If ``w`` is not a :class:`SpatialWeights` or an entity is not a unit of ``w``.
    """
    if not isinstance(w, SpatialWeights):
        raise SpecificationError(
            f"{option}= must be a SpatialWeights (e.g. sm.china_weights() or "
            f"SpatialWeights.from_matrix(...)), got {type(w).__name__}."
        )
    ids = pd.Index(w.ids)
    rows = ids.get_indexer(pd.Index(entity))
    if (rows < 0).any():
        unknown = pd.Index(entity)[rows < 0].unique().tolist()
        raise SpecificationError(
            f"Entities {unknown[:10]} of the data are not units of the weights ({option}=, "
            f"{w.n} units such as {list(w.ids[:5])}). Check the entity column and its dtype, or "
            "build the weights over these units."
        )
    periods, cols = np.unique(np.asarray(time), return_inverse=True)
    grid = np.full((w.n, periods.size), np.nan)
    grid[rows, cols] = np.asarray(values, dtype=float)
    lagged = np.asarray(w.matrix @ grid)
    return lagged[rows, cols]
