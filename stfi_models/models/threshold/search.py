r"""Sum of squared residuals over a grid of candidate thresholds, all at once.

One search adds a threshold :math:`\gamma` to a model whose other regressors :math:`B`
(controls and the regime columns at the thresholds held fixed) do not move.  With
:math:`D_\gamma = P(z \cdot I(q \text{ below } \gamma))` the extra columns and
:math:`r = M_B y`, Frisch-Waugh-Lovell gives

.. math::

    S(\gamma) = r^\prime r - c_\gamma^\prime A_\gamma^{-1} c_\gamma, \qquad
    c_\gamma = D_\gamma^\prime r = \sum_{q_{it} \text{ below } \gamma} z_{it}\,(P^\prime r)_{it},
    \qquad A_\gamma = D_\gamma^\prime M_B D_\gamma .

:math:`A_\gamma` does not depend on :math:`y`: it is computed once per search and reused by
every bootstrap draw (the regressors are fixed in Hansen's bootstrap).  :math:`c_\gamma` is a
cumulative sum over the rows sorted by :math:`q`, so a new outcome (or a batch of bootstrap
outcomes) costs :math:`O(n\,k_z)` plus a :math:`k_z \times k_z` form per grid point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stfi_models.models.threshold.problem import ThresholdProblem
from stfi_models.models.threshold.transform import Within

__all__ = ["GridSearch"]

#: Grid points handled at once when building :math:`A_\gamma` (bounds the memory).
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class GridSearch:
    r"""The y-independent part of one threshold search (picklable, for the bootstrap).

    Attributes
    ----------
    gamma : numpy.ndarray
        ``(G,)`` candidate thresholds.
    fixed : tuple of float
        Thresholds held fixed.
    transform : Within
    basis : numpy.ndarray
        ``(n_out, kb)`` orthonormal basis of the fixed regressors :math:`B`.
    z_sorted : numpy.ndarray
        ``(n, kz)`` regime variables in the order of ``q``.
    order : numpy.ndarray
        Row order sorting ``q``.
    cut : numpy.ndarray
        ``(G,)`` rows (in sorted order) below each candidate.
    a_inv : numpy.ndarray
        ``(G, kz, kz)`` inverses of :math:`A_\gamma`.
    valid : numpy.ndarray
        ``(G,)`` False where :math:`A_\gamma` is singular (an empty regime).
    """

    gamma: np.ndarray
    fixed: tuple[float, ...]
    transform: Within
    basis: np.ndarray
    z_sorted: np.ndarray
    order: np.ndarray
    cut: np.ndarray
    a_inv: np.ndarray
    valid: np.ndarray

    @classmethod
    def build(cls, problem: ThresholdProblem, gamma: np.ndarray,
              fixed: tuple[float, ...]) -> GridSearch:
        """Precompute the search of one extra threshold over ``gamma`` given ``fixed``."""
        base = problem.design(fixed)
        basis, upper = np.linalg.qr(base)
        order = np.argsort(problem.q, kind="stable")
        side = "left" if problem.strict else "right"
        cut = np.searchsorted(problem.q[order], gamma, side=side)
        z = problem.z
        kz = z.shape[1]
        a_mat = np.empty((gamma.size, kz, kz))
        dd_scale = np.empty(gamma.size)
        step = max(1, _CHUNK_CELLS // max(z.shape[0] * kz, 1))
        for start in range(0, gamma.size, step):
            part = gamma[start:start + step]
            below = problem.q[:, None] < part if problem.strict else problem.q[:, None] <= part
            cols = problem.transform.apply(z[:, None, :] * below[:, :, None])
            proj = np.einsum("nb,nck->cbk", basis, cols)
            dd = np.einsum("nck,ncl->ckl", cols, cols)
            a_mat[start:start + step] = dd - np.einsum("cbk,cbl->ckl", proj, proj)
            dd_scale[start:start + step] = np.trace(dd, axis1=1, axis2=2)
        eig = np.linalg.eigvalsh(a_mat)
        valid = eig[:, 0] > 1e-10 * np.maximum(dd_scale, 1e-300)
        a_inv = np.full_like(a_mat, np.nan)
        if valid.any():
            a_inv[valid] = np.linalg.inv(a_mat[valid])
        return cls(np.asarray(gamma, dtype=float), tuple(fixed), problem.transform, basis,
                   z[order], order, cut, a_inv, valid)

    def residualize(self, y: np.ndarray) -> np.ndarray:
        """:math:`M_B y` for one outcome ``(n_out,)`` or a batch ``(n_out, B)``."""
        return y - self.basis @ (self.basis.T @ y)

    def ssr(self, y: np.ndarray) -> np.ndarray:
        r"""``S(gamma)`` at every candidate: ``(G,)``, or ``(G, B)`` for a batch of outcomes.

        Singular candidates get ``inf``.
        """
        batch = y.ndim == 2
        r = self.residualize(y if batch else y[:, None])
        back = self.transform.adjoint(r)[self.order]
        sums = np.cumsum(back[:, :, None] * self.z_sorted[:, None, :], axis=0)
        sums = np.concatenate([np.zeros((1, *sums.shape[1:])), sums])[self.cut]
        a_inv = np.where(self.valid[:, None, None], self.a_inv, 0.0)
        explained = np.einsum("gbk,gkl,gbl->gb", sums, a_inv, sums)
        out = (r * r).sum(axis=0)[None, :] - explained
        out[~self.valid] = np.inf
        return out if batch else out[:, 0]

    def null_ssr(self, y: np.ndarray) -> np.ndarray:
        """SSR of the model with the fixed thresholds only."""
        r = self.residualize(y)
        return (r * r).sum(axis=0)
