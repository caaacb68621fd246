r"""Normalisation of indicators before weighting.

Min-max (the convention of the Chinese STFI literature), for indicator :math:`j` and row
:math:`i` of a block :math:`B` (all rows, one year, or one entity: the ``scope``):

.. math::

    x'_{ij} = \frac{x_{ij} - \min_{B} x_j}{\max_{B} x_j - \min_{B} x_j} \;\text{(positive)},\qquad
    x'_{ij} = \frac{\max_{B} x_j - x_{ij}}{\max_{B} x_j - \min_{B} x_j} \;\text{(negative)}.

z-score: :math:`x'_{ij} = \pm (x_{ij} - \bar x_{Bj}) / s_{Bj}` (sample standard deviation,
``ddof=1``; the sign flips for negative indicators).

rank: the percentile rank in the block, :math:`x'_{ij} = r_{ij} / n_B`, with :math:`r_{ij}`
the rank of :math:`\pm x_{ij}` among the block's :math:`n_B` rows (1 = worst, ties get the
average rank), so the best row scores 1 and every value is positive.

distance (distance to a reference, the block's leader; OECD/JRC 2008, section 5.2):
:math:`x'_{ij} = x_{ij} / \max_B x_j` (positive) and :math:`x'_{ij} = \min_B x_j / x_{ij}`
(negative), so the leader scores 1; positive indicators must be :math:`\ge 0`, negative ones
:math:`> 0`.

min-max, rank and distance are unchanged when an indicator is rescaled by a positive factor
(yuan vs 100 million yuan); so is the z-score.  ``"none"`` keeps the raw values (the
"raw-data" entropy convention, :math:`p_{ij} = x_{ij} / \sum_i x_{ij}`), for positive
indicators only.

An indicator that is constant inside a block has no defined min-max or z-score value there;
it is set to 0 in that block and reported, so that it can never turn into NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import SpecificationError

__all__ = ["NORMALIZE_METHODS", "SCOPES", "normalize"]

#: Normalisation methods.
NORMALIZE_METHODS = ("minmax", "zscore", "rank", "distance", "none")
#: Blocks within which min/max (or mean/sd) are taken.
SCOPES = ("pooled", "by_year", "by_entity")


def _block_keys(index: pd.MultiIndex, scope: str) -> np.ndarray:
    if scope == "pooled":
        return np.zeros(len(index), dtype=np.int64)
    level = 1 if scope == "by_year" else 0
    return pd.factorize(index.get_level_values(level))[0]


def normalize(
    values: pd.DataFrame,
    directions: dict[str, int],
    *,
    method: str = "minmax",
    scope: str = "pooled",
) -> tuple[pd.DataFrame, list[tuple[str, object]]]:
    """Normalise indicator columns.

    Parameters
    ----------
    values : pandas.DataFrame
        Indicators, indexed by a (entity, time) MultiIndex, without missing values.
    directions : dict
        Indicator -> ``+1`` (positive) or ``-1`` (negative).
    method : {"minmax", "zscore", "rank", "distance", "none"}
    scope : {"pooled", "by_year", "by_entity"}
        ``pooled``: min/max over all entities and years; ``by_year``: within each
        cross-section; ``by_entity``: within each entity's time series.

    Returns
    -------
    normalized : pandas.DataFrame
        Same shape and index as ``values``.
    constant : list of (indicator, block)
        Indicator/block pairs where the indicator was constant (set to 0).  ``block`` is
        ``"all"``, a year or an entity.
    """
    if method == "none":
        negative = [c for c in values.columns if directions[c] < 0]
        if negative:
            raise SpecificationError(
                f"normalize='none' keeps raw values, so it cannot reverse the negative "
                f"indicator(s) {negative}; use normalize='minmax' (or 'zscore')."
            )
        return values.astype(float).copy(), []
    keys = _block_keys(values.index, scope)
    labels = (
        ["all"]
        if scope == "pooled"
        else list(pd.unique(values.index.get_level_values(1 if scope == "by_year" else 0)))
    )
    x = values.to_numpy(dtype=float)
    out = np.empty_like(x)
    sign = np.array([directions[c] for c in values.columns], dtype=float)
    if method == "distance":
        _check_distance(values, sign)
    constant: list[tuple[str, object]] = []
    for b in range(keys.max() + 1):
        rows = keys == b
        block = x[rows]
        if method == "minmax":
            lo, hi = block.min(axis=0), block.max(axis=0)
            spread = hi - lo
            flat = spread == 0
            with np.errstate(invalid="ignore", divide="ignore"):
                scaled = np.where(sign > 0, block - lo, hi - block) / spread
        elif method == "rank":
            flat = np.ptp(block, axis=0) == 0
            scaled = stats.rankdata(block * sign, axis=0) / block.shape[0]
        elif method == "distance":
            best = np.where(sign > 0, block.max(axis=0), block.min(axis=0))
            flat = best == 0
            with np.errstate(invalid="ignore", divide="ignore"):
                scaled = np.where(sign > 0, block / best, best / block)
        else:
            mean = block.mean(axis=0)
            sd = block.std(axis=0, ddof=1) if block.shape[0] > 1 else np.zeros(block.shape[1])
            flat = ~(sd > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                scaled = sign * (block - mean) / sd
        scaled[:, flat] = 0.0
        out[rows] = scaled
        constant.extend((values.columns[j], labels[b]) for j in np.flatnonzero(flat))
    return pd.DataFrame(out, index=values.index, columns=values.columns), constant


def _check_distance(values: pd.DataFrame, sign: np.ndarray) -> None:
    """Distance to the leader needs x >= 0 (positive) and x > 0 (negative indicators)."""
    x = values.to_numpy(dtype=float)
    bad = np.where(sign > 0, x < 0, x <= 0).any(axis=0)
    if bad.any():
        names = [c for c, b in zip(values.columns, bad, strict=True) if b]
        raise SpecificationError(
            f"normalize='distance' divides by the leader's value, so positive indicators must "
            f"be >= 0 and negative ones > 0; {names} are not. Use normalize='minmax' or 'rank'."
        )
