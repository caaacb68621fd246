r"""The one-step weighting structure ``H``: within-entity row pairs, xtabond2's ``h(1|2|3)``.

.. math::

    W_1 = \Big(\sum_i Z_i' H_i Z_i\Big)^{-1}

:class:`HStructure` holds ``H = blockdiag(H_i)`` as a list of row pairs, so ``Z'HZ`` is a
sparse product whose memory grows linearly in the rows; :func:`h_outer` builds ``H = V V'``
from any sparse transformation ``V`` (R panelvar's convention).

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stfi_models.models.gmm.engine.algebra import to_dense
from stfi_models.models.gmm.engine.transform import lookup

__all__ = ["HStructure", "h_first_difference", "h_identity", "h_system", "h_outer"]


@dataclass(frozen=True)
class HStructure:
    """The one-step weighting structure ``H = blockdiag(H_i)`` as within-entity row pairs.

    ``Z'HZ = sum_p w_p z_{a_p} z_{b_p}'`` over the listed pairs ``(a_p, b_p, w_p)``; pairs
    are listed in both orders, so ``H`` is symmetric.  Products go through a sparse matrix,
    so memory is linear in the row count.

    Attributes
    ----------
    a, b : ndarray of int
        Row indices (into the stacked equation rows) of each pair.
    w : ndarray of float
        The ``H`` entry of each pair.
    name : str
        Description, e.g. ``"first differences (tridiag(-1, 2, -1))"``.
    """

    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    name: str = ""

    def sparse(self, n_rows: int) -> sp.csr_matrix:
        """``H`` as a sparse ``n_rows x n_rows`` matrix (a few nonzeros per row)."""
        return sp.csr_matrix((self.w, (self.a, self.b)), shape=(n_rows, n_rows))

    def cross(self, left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray | float:
        """``left' H right`` through a sparse product (memory linear in the rows).

        ``left`` and ``right`` may be dense or scipy sparse; the result is dense.
        """
        right = left if right is None else right
        l2 = left if left.ndim == 2 else left[:, None]
        r2 = right if right.ndim == 2 else right[:, None]
        out = l2.T @ (self.sparse(l2.shape[0]) @ r2)
        if left.ndim == 1 and right.ndim == 1:
            return float(out[0, 0])
        return to_dense(out)

    @property
    def trace(self) -> float:
        """Sum of the diagonal entries of ``H``."""
        return float(self.w[self.a == self.b].sum())


def _pairs_by_offset(
    entity: np.ndarray, time: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (ra, rb) with same entity and ``time[rb] = time[ra] + offset``."""
    idx_b = np.arange(rows_b.size)
    found = lookup(
        idx_b.astype(float), entity[rows_b], time[rows_b], entity[rows_a], time[rows_a] + offset
    )
    ok = np.isfinite(found)
    return rows_a[ok], rows_b[found[ok].astype(int)]


def h_first_difference(
    entity: np.ndarray, time: np.ndarray, rows: np.ndarray | None = None
) -> HStructure:
    """``H`` of first-differenced errors: 2 on the diagonal, -1 for adjacent periods.

    ``H_i = D_i D_i'`` with ``D_i`` the differencing matrix, so rows two or more periods apart
    (after a gap or a dropped row) get 0.

    Parameters
    ----------
    entity, time : ndarray of int
        Keys of all stacked rows.
    rows : ndarray of int, optional
        The differenced rows among them (default: all).
    """
    rows = np.arange(entity.size) if rows is None else rows
    a1, b1 = _pairs_by_offset(entity, time, rows, rows, 1)
    a = np.r_[rows, a1, b1]
    b = np.r_[rows, b1, a1]
    w = np.r_[np.full(rows.size, 2.0), -np.ones(2 * a1.size)]
    return HStructure(a, b, w, "first differences: H = tridiag(-1, 2, -1)")


def h_identity(n: int, rows: np.ndarray | None = None) -> HStructure:
    """``H = I`` (orthogonal deviations, or levels with i.i.d. errors)."""
    rows = np.arange(n) if rows is None else rows
    return HStructure(rows, rows, np.ones(rows.size), "identity")


def h_system(
    entity: np.ndarray,
    time: np.ndarray,
    diff_rows: np.ndarray,
    level_rows: np.ndarray,
    kind: int = 3,
    transform: str = "fd",
) -> HStructure:
    """``H`` of the stacked (transformed, levels) system, xtabond2's ``h(1|2|3)``.

    * ``h(1)``: ``H = I`` (Blundell and Bond 1998 as published).
    * ``h(2)``: ``blockdiag(G, I)``, ``G`` the transformed-equation block (DPD for Ox).
    * ``h(3)``: ``[[G, C], [C', I]]`` with ``C`` the covariance of transformed and level
      errors under i.i.d. errors: for first differences ``+1`` at the same period and ``-1``
      for the level row one period earlier (xtabond2's default; plm's ``transformation="ld"``).

    Under forward orthogonal deviations ``G = I`` and, as xtabond2 does, ``C`` is set to 0.

    Parameters
    ----------
    entity, time : ndarray of int
        Keys of all stacked rows.
    diff_rows, level_rows : ndarray of int
        Positions of the transformed and levels rows.
    kind : {1, 2, 3}
    transform : {"fd", "fod"}
    """
    n = entity.size
    if kind == 1:
        return HStructure(*[np.arange(n)] * 2, np.ones(n), "h(1): identity")
    if transform == "fd":
        g = h_first_difference(entity, time, diff_rows)
    else:
        g = h_identity(n, diff_rows)
    a, b, w = [g.a, level_rows], [g.b, level_rows], [g.w, np.ones(level_rows.size)]
    if kind == 3 and transform == "fd":
        d0, l0 = _pairs_by_offset(entity, time, diff_rows, level_rows, 0)
        d1, l1 = _pairs_by_offset(entity, time, diff_rows, level_rows, -1)
        a += [d0, l0, d1, l1]
        b += [l0, d0, l1, d1]
        w += [np.ones(2 * d0.size), -np.ones(2 * d1.size)]
    label = {2: "h(2): blockdiag(G, I)", 3: "h(3): [[G, C], [C', I]]"}[kind]
    return HStructure(np.concatenate(a), np.concatenate(b), np.concatenate(w), label)


def h_outer(v: sp.spmatrix, name: str = "H = V V'") -> HStructure:
    """``H = V V'`` for a sparse transformation ``V`` of the level observations.

    Row ``r`` of ``V`` holds the weights with which equation row ``r`` combines the level
    observations (columns) of its entity: a first-difference or orthogonal-deviation row, or
    a unit row for a levels equation.  With i.i.d. errors of unit variance ``V V'`` is the
    covariance of the stacked equation errors, so ``W_1 = (sum_i Z_i'V_iV_i'Z_i)^{-1}`` is the
    one-step weight of Arellano and Bover (1995) and R panelvar.  Stacking first-difference
    rows on an identity block gives :func:`h_system` ``kind=3``; stacking orthogonal-deviation
    rows on it gives the cross block ``C = F`` (which xtabond2 sets to 0).

    Parameters
    ----------
    v : scipy.sparse matrix, shape (n_rows, n_obs)
        Must not combine observations of different entities in one row.
    name : str

    Returns
    -------
    HStructure
    """
    prod = sp.coo_matrix(sp.csr_matrix(v) @ sp.csr_matrix(v).T)
    return HStructure(prod.row.astype(np.int64), prod.col.astype(np.int64),
                      prod.data.astype(float), name)
