r"""Linear algebra of the engine: per-entity sums, the weight inverse and the weighted solve.

Nothing here forms an ``NT x NT`` or ``N x N`` matrix: per-entity sums go through a sparse
entity-indicator matrix, and the estimate

.. math::

    \hat\beta(W) = (X'Z W Z'X)^{-1} X'Z W Z'y

is a least-squares problem in ``C'Z'X`` (``W = CC'``), never an inverse of ``X'ZWZ'X``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from stfi_models.exceptions import EstimationError, SpecificationWarning
from stfi_models.models import lstsq

__all__ = ["entity_sums", "to_dense", "weight_inverse", "gmm_solve"]


def entity_sums(
    values: np.ndarray,
    entity: np.ndarray,
    n_entities: int | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per-entity column sums ``sum_t w_it v_it`` as an ``N x k`` array.

    Computed as a sparse (entity indicator, optionally weighted) times dense product, so
    ``entity_sums(Z, entity, weights=u)`` gives the moment contributions ``Z_i'u_i`` without
    forming ``Z * u``.
    """
    n_entities = int(entity.max()) + 1 if n_entities is None else n_entities
    data = np.ones(entity.size) if weights is None else np.asarray(weights, dtype=float)
    indicator = sp.csr_matrix(
        (data, (entity, np.arange(entity.size))), shape=(n_entities, entity.size)
    )
    v = values if values.ndim == 2 else values[:, None]
    return to_dense(indicator @ v)


def to_dense(matrix: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Return a dense or scipy sparse matrix as a dense ndarray."""
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def weight_inverse(matrix: np.ndarray, what: str, fix: str) -> tuple[np.ndarray, bool]:
    """Invert a symmetric weight matrix, or take its Moore-Penrose inverse with a warning."""
    sym = (matrix + matrix.T) / 2
    eig = np.linalg.eigvalsh(sym)
    top = max(float(np.max(np.abs(eig))), np.finfo(float).tiny)
    if eig.min() > top * 1e-12:
        return np.linalg.inv(sym), False
    warnings.warn(
        f"The {what} is singular (rank {int(np.sum(eig > top * 1e-12))} of {sym.shape[0]}); "
        f"using a generalised inverse, as xtabond2 does. {fix}",
        SpecificationWarning,
        stacklevel=4,
    )
    return np.linalg.pinv(sym, hermitian=True), True


def gmm_solve(
    zx: np.ndarray, zy: np.ndarray, w: np.ndarray, what: str, names: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""GMM estimate and :math:`A = (X'ZWZ'X)^{-1}` as least squares, never inverting ``X'ZWZ'X``.

    With :math:`W = CC'` (from the eigendecomposition, so a generalised-inverse weight works
    too), :math:`\hat\beta = \arg\min \lVert C'Z'y - C'Z'X b\rVert`, solved by the column-scaled
    pivoted QR of :math:`C'Z'X` (:mod:`stfi_models.models.lstsq`), whose rank and condition are
    judged on what is solved.
    """
    lam, vec = np.linalg.eigh((w + w.T) / 2)
    c = vec * np.sqrt(np.clip(lam, 0.0, None))
    fac = lstsq.factor(c.T @ zx)
    if fac.rank < zx.shape[1]:
        raise EstimationError(
            f"X'Z W Z'X is singular in the {what} estimator: the regressors are collinear or "
            "not identified by the instruments. Drop collinear regressors or add instruments "
            "(each regressor needs an instrument that moves it)."
        )
    labels = list(names) if names is not None else [f"x{j}" for j in range(zx.shape[1])]
    lstsq.warn_conditioning(fac, labels, f"in the {what} GMM estimator (X'Z W Z'X)",
                            stacklevel=5)
    return fac.coef(c.T @ zy), fac.gram_inverse()
