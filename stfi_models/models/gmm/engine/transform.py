r"""Transforms of the stacked equation rows: lookups, first differences, orthogonal deviations.

Every instrument and every transformed equation reads a variable at ``(entity, time - lag)``
(:func:`lookup`), so gaps in a panel are respected without a balanced ``N x T`` array.

References
----------
Arellano, M. and Bover, O. (1995). Another look at the instrumental variable estimation of
error-components models. *Journal of Econometrics* 68: 29-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import numpy as np

from stfi_models.exceptions import SpecificationError

__all__ = ["lookup", "first_difference", "forward_orthogonal_deviations"]


def _keys(entity: np.ndarray, time: np.ndarray, span: int) -> np.ndarray:
    return entity.astype(np.int64) * span + time.astype(np.int64)


def lookup(
    values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    at_entity: np.ndarray,
    at_time: np.ndarray,
) -> np.ndarray:
    """Values of a variable at given (entity, time) points; NaN where not observed.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
        The variable on its own rows.
    entity, time : ndarray of int, shape (n,)
        Keys of those rows (unique pairs; any order).
    at_entity, at_time : ndarray of int, shape (m,)
        Points to read, e.g. ``(entity, time - lag)`` of the equation rows.

    Returns
    -------
    ndarray, shape (m,) or (m, k)
    """
    values = np.asarray(values, dtype=float)
    if entity.size == 0:
        return np.full((at_entity.size,) + values.shape[1:], np.nan)
    lo = int(min(time.min(), at_time.min()))
    span = int(max(time.max(), at_time.max())) - lo + 1
    key = _keys(entity, time - lo, span)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    target = _keys(at_entity, at_time - lo, span)
    pos = np.searchsorted(key_sorted, target)
    pos_c = np.minimum(pos, key_sorted.size - 1)
    found = key_sorted[pos_c] == target
    out = np.full((at_entity.size,) + values.shape[1:], np.nan)
    out[found] = values[order[pos_c[found]]]
    return out


def first_difference(values: np.ndarray, entity: np.ndarray, time: np.ndarray) -> np.ndarray:
    """First differences within entity along time: ``x_t - x_{t-1}``.

    Missing (NaN) at an entity's first period and after a gap (no neighbour's value is
    ever borrowed), as Stata's ``D.`` and plm's ``diff``.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
    entity, time : ndarray of int, shape (n,)

    Returns
    -------
    ndarray, same shape as ``values``
    """
    values = np.asarray(values, dtype=float)
    return values - lookup(values, entity, time, entity, time - 1)


def forward_orthogonal_deviations(
    values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Forward orthogonal deviations (Arellano and Bover 1995), xtabond2's convention.

    .. math::

        x^*_{it} = \sqrt{\frac{T_{it}}{T_{it}+1}}\Big(x_{it} - \frac{1}{T_{it}}
        \sum_{s > t,\ s \text{ valid}} x_{is}\Big),

    where :math:`T_{it}` is the number of *valid* rows of entity ``i`` after ``t`` (gaps are
    skipped, not treated as missing).  As in xtabond2 (Roodman 2009, section 2.3) the
    deviation of period ``t`` is labelled ``t + 1``, so an instrument lag means the same
    under first differences and orthogonal deviations.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
        Rows sorted by (entity, time).
    entity, time : ndarray of int, shape (n,)
    valid : ndarray of bool, shape (n,), optional
        Rows that count as observed (default: every column finite).  Invalid rows get NaN
        and are skipped in the forward means.

    Returns
    -------
    transformed : ndarray, same shape as ``values``
        NaN for rows that are invalid or have no valid later row.
    label : ndarray of int, shape (n,)
        ``time + 1``: the time label of each transformed row.
    """
    values = np.asarray(values, dtype=float)
    two_d = values.ndim == 2
    v = values if two_d else values[:, None]
    if valid is None:
        valid = np.all(np.isfinite(v), axis=1)
    if np.any(np.diff(entity) < 0) or np.any((np.diff(time) <= 0) & (np.diff(entity) == 0)):
        raise SpecificationError(
            "forward_orthogonal_deviations needs rows sorted by (entity, time)."
        )
    w = np.where(valid[:, None], v, 0.0)
    cnt = valid.astype(float)
    # reverse cumulative sums within entity: sum over rows at or after r
    csum = np.cumsum(w[::-1], axis=0)[::-1]
    ccnt = np.cumsum(cnt[::-1])[::-1]
    boundaries = np.r_[np.flatnonzero(np.diff(entity)) + 1, entity.size]
    # subtract the totals of the entities that follow
    ends = np.repeat(boundaries, np.diff(np.r_[0, boundaries]))
    tail_sum = np.vstack([csum[1:], np.zeros((1, v.shape[1]))])
    tail_cnt = np.r_[ccnt[1:], 0.0]
    after_sum = tail_sum - np.vstack([csum, np.zeros((1, v.shape[1]))])[ends]
    after_cnt = tail_cnt - np.r_[ccnt, 0.0][ends]
    ok = valid & (after_cnt > 0)
    out = np.full(v.shape, np.nan)
    n_after = after_cnt[ok][:, None]
    out[ok] = np.sqrt(n_after / (n_after + 1)) * (v[ok] - after_sum[ok] / n_after)
    return (out if two_d else out[:, 0]), time + 1
