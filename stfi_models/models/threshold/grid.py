r"""Candidate thresholds: the grid over the threshold variable and its trimming.

Two conventions (``convention=`` of the model):

``"standard"``
    ``grid`` points at the quantiles :math:`p_j = \tau + (1 - 2\tau)\, j/(\text{grid} - 1)`,
    :math:`j = 0, \dots, \text{grid}-1`, of the threshold variable on the estimation sample
    (observed values: the inverted empirical distribution function), duplicates removed.  In a
    later stage a candidate is kept only if every regime formed with the thresholds already
    fixed holds at least a share :math:`\tau` of the observations (Hansen 1999, sec. 3.1; the
    ``trim`` of xthreg, Wang 2015).
``"hansen"``
    Hansen's GAUSS program ``THRESH_P.PRG``: ``dd`` are the sorted distinct values of the
    threshold variable, ``sq = seqa(trim, 1/qn, qn - 2 qn trim + 1)`` and the grid is
    ``dd[floor(sq * rows(dd))]`` (1-based); with ``qn = 400`` and ``trim = 0.01`` that is 393
    points (his "grid {1.00%, 1.25%, ..., 99.0%}").  A later stage drops, around every fixed
    threshold :math:`r`, the points of index :math:`i` (1-based) with
    :math:`nn - qn\,\tau < i \le nn + qn\,\tau`, :math:`nn = \#\{\text{grid} < r\}`, where
    :math:`\tau` is that stage's trim.

In both conventions the first stage's trim builds the grid, and later stages trim around the
fixed thresholds with their own trim (xthreg's ``trim(0.01 0.01 0.05)``).  Explicit
candidate values (``grid=[...]``) keep those leaving both regimes a share ``trim``.

References
----------
Hansen, B. E. (1999). *Journal of Econometrics* 93(2), 345-368.
Wang, Q. (2015). Fixed-effect panel threshold model using Stata. *Stata Journal* 15(1),
121-134.
"""

from __future__ import annotations

import numpy as np

__all__ = ["base_grid", "candidates", "keep_shares"]


def base_grid(q: np.ndarray, trim: float, grid: int, convention: str) -> np.ndarray:
    """Return the grid of the first stage (sorted, distinct).

    Parameters
    ----------
    q : numpy.ndarray
        Threshold variable on the estimation sample.
    trim : float
        Share trimmed at each end.
    grid : int
        Number of quantiles (``qn`` of Hansen's program).
    convention : {"standard", "hansen"}
    """
    if convention == "hansen":
        dd = np.unique(q)
        count = int(round(grid - 2 * grid * trim + 1))
        sq = trim + np.arange(count) / grid
        index = np.clip(np.floor(sq * dd.size).astype(int), 1, dd.size)
        return np.unique(dd[index - 1])
    probs = trim + (1 - 2 * trim) * np.arange(grid) / max(grid - 1, 1)
    return np.unique(np.quantile(q, probs, method="inverted_cdf"))


def candidates(gamma: np.ndarray, q: np.ndarray, fixed: tuple[float, ...], trim: float,
               grid: int, convention: str, strict: bool) -> np.ndarray:
    """Grid points a stage may search, given the thresholds already fixed.

    Parameters
    ----------
    gamma : numpy.ndarray
        The first stage's grid (:func:`base_grid`).
    q : numpy.ndarray
        Threshold variable on the estimation sample.
    fixed : tuple of float
        Thresholds held fixed in this search.
    trim : float
        This stage's trim.
    grid : int
        ``qn`` (Hansen's convention measures the exclusion in grid positions ``qn * trim``).
    convention : {"standard", "hansen"}
    strict : bool
        Lower regime ``q < gamma`` (True) or ``q <= gamma``.
    """
    if not fixed:
        return gamma
    keep = np.ones(gamma.size, dtype=bool)
    if convention == "hansen":
        position = np.arange(1, gamma.size + 1)
        for r in fixed:
            nn = int(np.sum(gamma < r))
            keep &= ~((position > nn - grid * trim) & (position <= nn + grid * trim))
        return gamma[keep]
    return keep_shares(gamma, q, fixed, trim, strict)


def keep_shares(gamma: np.ndarray, q: np.ndarray, fixed: tuple[float, ...], trim: float,
                strict: bool) -> np.ndarray:
    """Candidates leaving every regime (with ``fixed``) a share ``trim`` of the observations."""
    qs = np.sort(q)
    side = "left" if strict else "right"
    fixed_cuts = np.searchsorted(qs, np.asarray(fixed, dtype=float), side=side)
    cuts = np.searchsorted(qs, gamma, side=side)
    bounds = np.sort(np.column_stack([np.broadcast_to(fixed_cuts, (gamma.size, len(fixed))),
                                      cuts]), axis=1)
    edges = np.column_stack([np.zeros(gamma.size), bounds, np.full(gamma.size, qs.size)])
    shares = np.diff(edges, axis=1) / qs.size
    keep = (shares >= trim).all(axis=1) & ~np.isin(gamma, np.asarray(fixed, dtype=float))
    return gamma[keep]
