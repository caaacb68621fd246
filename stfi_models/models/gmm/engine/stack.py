"""A system of equations on the same rows as one stacked GMM problem (a panel VAR).

References
----------
Abrigo, M. R. M. and Love, I. (2016). Estimation of panel vector autoregression in Stata.
*Stata Journal* 16(3): 778-804.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from stfi_models.exceptions import SpecificationError
from stfi_models.models.gmm.engine.weighting import HStructure

__all__ = ["stack_equations"]


def stack_equations(
    ys: list[np.ndarray],
    xs: list[np.ndarray],
    zs: list[np.ndarray],
    entity: np.ndarray,
    h: HStructure,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, HStructure]:
    """Stack ``m`` equations on the same rows into one system for :func:`gmm_fit`.

    ``y`` is stacked equation by equation; ``X`` and ``Z`` are block diagonal; ``H`` is
    ``I_m ⊗ H``.  The one-step estimate then equals equation-by-equation one-step GMM, while
    the two-step weight ``(sum_i g_i g_i')^{-1}`` uses the cross-equation covariance of the
    moments (the joint system GMM of a panel VAR, Abrigo and Love 2016).

    Parameters
    ----------
    ys : list of ndarray, each (n,)
    xs : list of ndarray, each (n, K_j)
    zs : list of ndarray or scipy sparse matrices, each (n, L_j)
    entity : ndarray of int, shape (n,)
    h : HStructure
        Weighting structure of one equation's rows.

    Returns
    -------
    y, x, z, entity, h
        Stacked arrays (``m n`` rows) and the block-diagonal structure.
    """
    m = len(ys)
    if not m or len(xs) != m or len(zs) != m:
        raise SpecificationError("stack_equations needs as many X and Z blocks as equations.")
    n = ys[0].size
    y = np.concatenate(ys)
    x = np.zeros((m * n, sum(b.shape[1] for b in xs)))
    sparse = any(sp.issparse(b) for b in zs)
    # sparse blocks (e.g. uncollapsed instruments) stay sparse: no dense (m n) x (m L) matrix
    width = sum(b.shape[1] for b in zs)
    z = sp.block_diag(zs, format="csr") if sparse else np.zeros((m * n, width))
    cx = cz = 0
    for j in range(m):
        rows = slice(j * n, (j + 1) * n)
        x[rows, cx : cx + xs[j].shape[1]] = xs[j]
        if not sparse:
            z[rows, cz : cz + zs[j].shape[1]] = zs[j]
        cx += xs[j].shape[1]
        cz += zs[j].shape[1]
    offsets = np.repeat(np.arange(m) * n, h.a.size)
    stacked = HStructure(np.tile(h.a, m) + offsets, np.tile(h.b, m) + offsets,
                         np.tile(h.w, m), f"I_{m} kron ({h.name})")
    return y, x, z, np.tile(entity, m), stacked
