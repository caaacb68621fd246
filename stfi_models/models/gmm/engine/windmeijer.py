"""Windmeijer (2005) finite-sample correction of the two-step GMM covariance.

References
----------
Windmeijer, F. (2005). A finite sample correction for the variance of linear efficient
two-step GMM estimators. *Journal of Econometrics* 126: 25-51.
"""

from __future__ import annotations

import numpy as np

from stfi_models.models.gmm.engine.algebra import entity_sums

__all__ = ["windmeijer"]


def windmeijer(
    x: np.ndarray,
    z: np.ndarray,
    entity: np.ndarray,
    n_entities: int,
    u1: np.ndarray,
    u2: np.ndarray,
    w2: np.ndarray,
    a2: np.ndarray,
    v1: np.ndarray,
) -> np.ndarray:
    r"""Windmeijer (2005) corrected covariance of the two-step estimator.

    .. math::

        \hat V_c = A_2 + D A_2 + A_2 D' + D \hat V_1 D', \quad
        D_{\cdot k} = A_2 X'Z W_2 \Big(\sum_i Z_i'(x_{ik} \hat u_{1i}' +
        \hat u_{1i} x_{ik}')Z_i\Big) W_2 Z'\hat u_2,

    with :math:`A_2 = (X'ZW_2Z'X)^{-1}` and :math:`\hat V_1` the robust one-step covariance.
    Computed without per-entity ``L x L`` matrices: with ``v = W_2 Z'u_2``,
    ``sum_i (a_ik g_i' + g_i a_ik') v = Z'(x_k * (G v)_[i]) + G' (per-entity sum of x_k * Zv)``.
    """
    zu2 = z.T @ u2
    v = w2 @ zu2
    g = entity_sums(z, entity, n_entities, weights=u1)  # N x L, g_i = Z_i'u1_i
    gv = g @ v  # N
    zv = z @ v  # n
    term1 = z.T @ (x * gv[entity][:, None])  # L x K
    m = entity_sums(x, entity, n_entities, weights=zv)  # N x K
    term2 = g.T @ m  # L x K
    d = a2 @ (z.T @ x).T @ w2 @ (term1 + term2)
    return a2 + d @ a2 + a2 @ d.T + d @ v1 @ d.T
