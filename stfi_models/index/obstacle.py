r"""Obstacle degree model: which indicators hold an index back, per entity and period.

For an index with normalised indicators :math:`x'_{ij} \in [0, 1]` (1 = best) and global
weights :math:`w_j` (an indicator's share of the composite):

factor contribution :math:`F_j = w_j`; deviation :math:`I_{ij} = 1 - x'_{ij}` (the distance to
the best value); obstacle degree

.. math::

    O_{ij} = \frac{F_j I_{ij}}{\sum_k F_k I_{ik}},

the indicator's share of the gap :math:`1 - \mathrm{CI}_i` of a weighted-sum index
(:math:`\sum_k F_k I_{ik} = 1 - \sum_k w_k x'_{ik}`), and per dimension (sub-index) :math:`g`,
:math:`O_{ig} = \sum_{j \in g} O_{ij}`.  Shares sum to one over the indicators of a row; a row
at the best value of every indicator has no obstacle (NaN, reported).

With ``weights_by="year"`` each period uses its own weights.

References
----------
The obstacle degree model (障碍度模型) as stated in the Chinese regional-development literature,
e.g. for new quality productive forces and ecological security: factor contribution (the
indicator weight), indicator deviation :math:`1 - x'` and obstacle degree as above.  The
formulas are those of this docstring; the bundled tests check them against a hand-derived
example and a plain numpy recomputation (``validation/coupling/``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from stfi_models.exceptions import MissingValueWarning, SpecificationError
from stfi_models.index.result import IndexResult

__all__ = ["obstacle_degree", "ObstacleResult"]


class ObstacleResult:
    """Obstacle degrees per indicator and per dimension.

    Attributes
    ----------
    indicators : pandas.DataFrame
        Tidy: entity, time, ``indicator``, ``dimension``, ``contribution`` :math:`F_j`,
        ``deviation`` :math:`I_{ij}`, ``obstacle`` :math:`O_{ij}`.
    dimensions : pandas.DataFrame
        Entity, time, ``dimension``, ``obstacle`` :math:`O_{ig}`.
    """

    __slots__ = ("indicators", "dimensions", "entity", "time")

    def __init__(self, indicators: pd.DataFrame, dimensions: pd.DataFrame, entity: str,
                 time: str) -> None:
        for name, value in (("indicators", indicators), ("dimensions", dimensions),
                            ("entity", entity), ("time", time)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ObstacleResult is immutable; cannot set '{name}'.")

    def top(self, k: int = 3) -> pd.DataFrame:
        """Return the ``k`` main obstacle indicators of every entity and period."""
        if not isinstance(k, int) or k < 1:
            raise SpecificationError(f"top(k): k must be a positive integer, got {k!r}.")
        ordered = self.indicators.sort_values([self.entity, self.time, "obstacle"],
                                              ascending=[True, True, False])
        return ordered.groupby([self.entity, self.time], sort=False).head(k).reset_index(
            drop=True)

    def mean(self, level: str = "indicator", by: str | None = None) -> pd.DataFrame:
        """Mean obstacle degree per indicator (or dimension), over all rows or per ``by``."""
        if level not in ("indicator", "dimension"):
            raise SpecificationError(
                f"level={level!r} is not a valid choice. Valid choices: 'indicator', 'dimension'."
            )
        table = self.indicators if level == "indicator" else self.dimensions
        keys = [level] if by is None else [by, level]
        return table.groupby(keys, sort=False)["obstacle"].mean().reset_index()


def obstacle_degree(index: IndexResult) -> ObstacleResult:
    """Obstacle degrees of the indicators and dimensions of ``index``.

    Parameters
    ----------
    index : IndexResult
        An index whose normalised indicators lie in [0, 1] (``normalize`` "minmax", "rank"
        or "distance").

    Returns
    -------
    ObstacleResult

    Raises
    ------
    SpecificationError
        Normalised values outside [0, 1] (z-scores, raw data).
    """
    if not isinstance(index, IndexResult):
        raise SpecificationError("obstacle_degree() needs an IndexResult (from build_index).")
    x = index.normalized
    values = x.to_numpy(dtype=float)
    if (values < -1e-12).any() or (values > 1 + 1e-12).any():
        raise SpecificationError(
            f"obstacle_degree() needs normalised indicators in [0, 1], but "
            f"normalize={index.options['normalize']!r} gives values outside it. Build the "
            "index with normalize='minmax' (or 'rank', 'distance')."
        )
    weights = index.weights
    weights = weights[weights["level"] == "indicator"]
    entity, time = index.entity, index.time
    if time in weights.columns:
        w = weights.pivot(index=time, columns="indicator", values="global_weight")
        w = w.reindex(x.index.get_level_values(1))[list(x.columns)].to_numpy()
    else:
        w = np.broadcast_to(weights.set_index("indicator")["global_weight"][list(x.columns)]
                            .to_numpy(), values.shape)
    deviation = 1.0 - values
    gap = (w * deviation).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        obstacle = np.where(gap > 0, w * deviation / gap, np.nan)
    if not (gap > 0).all():
        warnings.warn(f"{int((gap <= 0).sum())} row(s) are at the best value of every "
                      "weighted indicator: no obstacle (NaN).", MissingValueWarning, stacklevel=2)
    dimension = {ind: index.spec.group_of(ind) for ind in x.columns}
    m = len(x.columns)
    keys = x.index.to_frame(index=False)
    tidy = pd.DataFrame({
        entity: np.repeat(keys[entity].to_numpy(), m),
        time: np.repeat(keys[time].to_numpy(), m),
        "indicator": np.tile(list(x.columns), len(x)),
        "dimension": np.tile([dimension[c] for c in x.columns], len(x)),
        "contribution": w.ravel(),
        "deviation": deviation.ravel(),
        "obstacle": obstacle.ravel(),
    })
    dims = tidy.groupby([entity, time, "dimension"], sort=False)["obstacle"].sum(
        min_count=1).reset_index()
    return ObstacleResult(tidy, dims, entity, time)
