r"""Stack a balanced panel in the order of the weights and sweep out the fixed effects.

Spatial panel likelihoods work on the panel stacked **time-major**: the ``N`` units of period 1
in the order of the weights, then period 2, ... so that the spatial lag of a stacked vector is
:math:`(I_T \otimes W)\,v`.  Here a stacked variable is held as a ``(T, N)`` array ``v`` and its
lag is ``v @ W.T``.

The within transformation (entity, time or both effects) is the exact balanced-panel one:
:math:`\tilde v_{it} = v_{it} - \bar v_{i\cdot} - \bar v_{\cdot t} + \bar v_{\cdot\cdot}`.

Under time effects the spatial lag of a transformed variable has two conventions
(``lag_convention``):

* ``"lag-of-demeaned"``: :math:`W\tilde v` (R splm's ``spml``; spreg / spatialreg run on
  pre-demeaned data);
* ``"demeaned-lag"``: :math:`\widetilde{W v}` (Elhorst's MATLAB code, and the Lee-Yu
  transformation approach).

They coincide under entity effects only.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models.exceptions import EstimationError, SpecificationError, check_choice

__all__ = ["Stacked", "stack_panel", "within", "LAG_CONVENTIONS"]

LAG_CONVENTIONS = ("lag-of-demeaned", "demeaned-lag")


def within(v: np.ndarray, effects: tuple[str, ...]) -> np.ndarray:
    """Sweep entity and/or time means out of ``(T, N)`` or ``(T, N, k)`` arrays."""
    out = v
    if "entity" in effects:
        out = out - out.mean(axis=0, keepdims=True)
    if "time" in effects:
        out = out - out.mean(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class Stacked:
    """A balanced panel in weights order, transformed.

    Attributes
    ----------
    y : ndarray, shape (T, N)
        Transformed dependent variable.
    x : ndarray, shape (T, N, k)
        Transformed regressors.
    wy : ndarray, shape (T, N)
        Spatial lag of ``y`` under the chosen convention.
    wx : ndarray, shape (T, N, k)
        Spatial lags of the regressors under the same convention (used by the error model).
    raw_y : ndarray, shape (T, N)
        ``y`` before the transformation.
    index : pandas.MultiIndex
        (entity, time) of the stacked rows, time-major.
    """

    y: np.ndarray
    x: np.ndarray
    wy: np.ndarray
    wx: np.ndarray
    raw_y: np.ndarray
    index: pd.MultiIndex

    @property
    def shape(self) -> tuple[int, int]:
        """``(T, N)``."""
        return self.y.shape  # type: ignore[return-value]

    def flat(self, v: np.ndarray) -> np.ndarray:
        """Stack ``(T, N[, k])`` into ``(T N[, k])`` rows, time-major."""
        t, n = self.shape
        return v.reshape(t * n, *v.shape[2:])


def _lag(matrix: sp.csr_array, v: np.ndarray) -> np.ndarray:
    """Spatial lag per period of a ``(T, N)`` or ``(T, N, k)`` array."""
    if v.ndim == 2:
        return np.asarray((matrix @ v.T).T)
    return np.stack([_lag(matrix, v[:, :, j]) for j in range(v.shape[2])], axis=2)


def stack_panel(
    y: pd.Series,
    x: pd.DataFrame,
    matrix: sp.csr_array,
    ids: Sequence[Hashable],
    effects: tuple[str, ...],
    lag_convention: str,
) -> Stacked:
    """Arrange ``y`` and ``x`` (indexed by (entity, time)) as ``(T, N)`` arrays and transform.

    Raises
    ------
    SpecificationError
        The entities of the sample are not exactly the units of the weights (``w=``).
    EstimationError
        The sample is not balanced (spatial panel ML needs every unit in every period).
    """
    check_choice("lag_convention", lag_convention, LAG_CONVENTIONS)
    entities = y.index.get_level_values(0)
    times = y.index.get_level_values(1)
    present = pd.Index(entities.unique())
    weights_ids = pd.Index(ids)
    if not present.isin(weights_ids).all() or not weights_ids.isin(present).all():
        missing = present[~present.isin(weights_ids)].tolist()
        extra = weights_ids[~weights_ids.isin(present)].tolist()
        raise SpecificationError(
            f"The entities of the sample and the units of the weights (w=, {len(weights_ids)} "
            f"units) differ: in the sample but not in w: {missing[:10]}; in w but not in the "
            f"sample: {extra[:10]}. Use w.subset(ids) to restrict the weights, or check that "
            "the entity column holds the same ids (and dtype) as w.ids."
        )
    periods = pd.Index(pd.unique(times)).sort_values()
    n, t = len(weights_ids), len(periods)
    if len(y) != n * t:
        raise EstimationError(
            f"Spatial panel ML needs a balanced sample: {len(y)} rows for {n} units x {t} "
            f"periods (= {n * t}). Rows dropped for missing values: see result.dropped; fill "
            "or drop the incomplete units/periods first."
        )
    row = weights_ids.get_indexer(entities)
    col = periods.get_indexer(times)
    y_arr = np.full((t, n), np.nan)
    y_arr[col, row] = y.to_numpy(dtype=float)
    x_arr = np.full((t, n, x.shape[1]), np.nan)
    x_arr[col, row, :] = x.to_numpy(dtype=float)
    if np.isnan(y_arr).any():
        raise EstimationError(
            "Spatial panel ML needs a balanced sample: some (entity, period) cells are empty or "
            "duplicated."
        )
    if lag_convention == "lag-of-demeaned":
        yw, xw = within(y_arr, effects), within(x_arr, effects)
        wy, wx = _lag(matrix, yw), _lag(matrix, xw)
    else:
        wy, wx = within(_lag(matrix, y_arr), effects), within(_lag(matrix, x_arr), effects)
        yw, xw = within(y_arr, effects), within(x_arr, effects)
    index = pd.MultiIndex.from_arrays(
        [np.tile(weights_ids.to_numpy(), t), np.repeat(periods.to_numpy(), n)],
        names=y.index.names,
    )
    return Stacked(yw, xw, wy, wx, y_arr, index)
