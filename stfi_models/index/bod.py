r"""Benefit-of-the-doubt (BoD) scores: each entity weighted in its most favourable light.

For a block of rows with non-negative normalised indicators :math:`x_{ij}`, the BoD score of
row :math:`i` is the linear programme (Cherchye, Moesen, Rogge & Van Puyenbroeck 2007)

.. math::

    \mathrm{CI}_i = \max_{w \ge 0} \sum_j w_j x_{ij}
    \quad \text{s.t.} \quad \sum_j w_j x_{kj} \le 1 \;\; \text{for every row } k,

so every row scores in :math:`[0, 1]`, the rows on the frontier score 1, and an indicator
rescaled by a positive factor changes no score (its weight absorbs the factor).  It is the
DEA model of Charnes, Cooper & Rhodes (1978) with one constant input.

The feasible weights form one polytope :math:`P = \{w \ge 0 : Xw \le 1\}` for all rows, and
a linear function is largest at a vertex of :math:`P`, so with few indicators
(:math:`m \le 6`, e.g. the sub-indices of a hierarchical index) the vertices are found once
(half-space intersection, qhull) and :math:`\mathrm{CI}_i = \max_v x_i^\prime v`; with more
indicators, one LP per row (HiGHS through :func:`scipy.optimize.linprog`), which is far slower.

References
----------
Cherchye, L., Moesen, W., Rogge, N., & Van Puyenbroeck, T. (2007). An introduction to
"benefit of the doubt" composite indicators. *Social Indicators Research* 82(1), 111-145.

OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, section 6.1.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.spatial import HalfspaceIntersection, QhullError

from stfi_models.exceptions import EstimationError, SpecificationError

__all__ = ["bod_scores"]

#: Up to this many indicators the polytope's vertices are enumerated (else one LP per row).
_VERTEX_DIMS = 6


def bod_scores(x: np.ndarray) -> np.ndarray:
    """Benefit-of-the-doubt score of every row of ``x`` (``n x m``, non-negative)."""
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        raise SpecificationError(
            "scoring='bod' needs non-negative normalised values, but some are negative "
            "(z-scores?). Use normalize='minmax', 'rank' or 'distance'."
        )
    keep = x.max(axis=0) > 0
    if not keep.any():
        return np.zeros(len(x))
    x = x[:, keep]
    n, m = x.shape
    if m <= _VERTEX_DIMS:
        halfspaces = np.vstack([np.column_stack([x, -np.ones(n)]),
                                np.column_stack([-np.eye(m), np.zeros(m)])])
        inside = np.full(m, 0.5 / x.sum(axis=1).max())
        try:
            vertices = HalfspaceIntersection(halfspaces, inside).intersections
            return _tidy((x @ vertices.T).max(axis=1))
        except QhullError:
            pass  # a degenerate polytope for qhull: solve the LPs instead
    ones = np.ones(n)
    out = np.empty(len(x))
    for i, row in enumerate(x):
        if not row.any():
            out[i] = 0.0
            continue
        res = linprog(-row, A_ub=x, b_ub=ones, bounds=(0, None), method="highs")
        if res.status != 0:
            raise EstimationError(f"Benefit-of-the-doubt LP of row {i} failed: {res.message}")
        out[i] = -res.fun
    return _tidy(out)


def _tidy(scores: np.ndarray) -> np.ndarray:
    """Round to 12 decimals: rows on the frontier tie at exactly 1 (ranks are stable)."""
    return np.clip(np.round(scores, 12), 0.0, None)
