r"""Linear algebra of the IV estimators on data whose absorbed effects are already swept out.

With :math:`X = [X_1, X_2]` (exogenous and endogenous regressors) and
:math:`Z = [X_1, Z_2]` (exogenous regressors and excluded instruments):

* k-class (2SLS :math:`k = 1`, LIML :math:`k = \hat\kappa`):
  :math:`\hat\beta = (X_k^\prime X)^{-1} X_k^\prime y`, :math:`X_k = (1 - k) X + k P_Z X`;
  LIML's :math:`\hat\kappa` is the smallest root of
  :math:`|W^\prime M_{X_1} W - \kappa\, W^\prime M_Z W| = 0`, :math:`W = [y, X_2]`.
* two-step efficient GMM: :math:`\hat\beta = (X^\prime Z \hat S^{-1} Z^\prime X)^{-1}
  X^\prime Z \hat S^{-1} Z^\prime y` with :math:`\hat S` the covariance of the moments
  :math:`Z^\prime e` at the 2SLS residuals (robust or clustered as the covariance asks;
  :math:`\hat\sigma^2 Z^\prime Z` when unadjusted, which makes GMM equal to 2SLS).

Covariances are sandwiches :math:`B^{-1} M B^{-1}`: for k-class estimators
:math:`B = X_k^\prime X` and :math:`M` sums the scores :math:`\hat x_i e_i`
(:math:`\hat x_i` the 2SLS fitted regressors, also for LIML, as linearmodels and ivreg2);
unadjusted :math:`\hat\sigma^2 B^{-1}`.  For GMM :math:`B = X^\prime Z W Z^\prime X` and
:math:`M = X^\prime Z W \hat S(e) W Z^\prime X` at the GMM residuals (Stata ``ivregress gmm``,
linearmodels ``IVGMM``).  Everything is in sums, not means, so ``n`` never appears twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = ["IVArrays", "project", "score_cov", "liml_kappa", "kclass", "gmm", "Fit",
           "moment_cov", "is_singular"]


@dataclass(frozen=True)
class IVArrays:
    """Demeaned model arrays: ``y (n,)``, ``x1 (n, k1)``, ``x2 (n, k2)``, ``z2 (n, l2)``."""

    y: np.ndarray
    x1: np.ndarray
    x2: np.ndarray
    z2: np.ndarray

    @property
    def x(self) -> np.ndarray:
        """Regressors ``[x1, x2]``."""
        return np.column_stack([self.x1, self.x2])

    @property
    def z(self) -> np.ndarray:
        """Instruments ``[x1, z2]``."""
        return np.column_stack([self.x1, self.z2])


@dataclass(frozen=True)
class Fit:
    """Coefficients, residuals and the bread/score pieces of the covariance."""

    params: np.ndarray
    resid: np.ndarray
    bread: np.ndarray
    scores: np.ndarray  # per-row score instruments: x-hat (k-class) or z (GMM)
    weight: np.ndarray | None = None  # GMM weight matrix
    kappa: float = 1.0


def project(basis: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Fitted values of the least-squares regression of ``values`` on ``basis``."""
    if basis.shape[1] == 0:
        return np.zeros_like(values)
    coef, *_ = np.linalg.lstsq(basis, values, rcond=None)
    return basis @ coef


def score_cov(scores: np.ndarray, resid: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    r"""Sum of outer products of ``scores * resid``: by row (``codes=None``) or cluster sums.

    .. math:: \hat S = \sum_g \Big(\sum_{i \in g} h_i e_i\Big)\Big(\sum_{i\in g} h_i e_i\Big)^\prime
    """
    he = scores * resid[:, None]
    if codes is not None:
        sums = np.zeros((int(codes.max()) + 1, he.shape[1]))
        np.add.at(sums, codes, he)
        he = sums
    return he.T @ he


def liml_kappa(a: IVArrays) -> float:
    """LIML's smallest generalized eigenvalue (Anderson & Rubin 1949)."""
    w = np.column_stack([a.y, a.x2])
    mz = w - project(a.z, w)
    mx = w - project(a.x1, w)
    return float(linalg.eigh(mx.T @ mx, mz.T @ mz, eigvals_only=True)[0])


def kclass(a: IVArrays, kappa: float = 1.0) -> Fit:
    """k-class estimate (2SLS for ``kappa = 1``)."""
    x = a.x
    xhat = project(a.z, x)
    xk = xhat if kappa == 1.0 else (1.0 - kappa) * x + kappa * xhat
    bread = xk.T @ x
    params = np.linalg.solve(bread, xk.T @ a.y)
    return Fit(params, a.y - x @ params, (bread + bread.T) / 2, xhat, kappa=kappa)


def gmm(a: IVArrays, weight: np.ndarray) -> Fit:
    """GMM estimate with the weight matrix ``weight`` (moments ``Z'e``)."""
    x, z = a.x, a.z
    xz = x.T @ z
    bread = xz @ weight @ xz.T
    params = np.linalg.solve(bread, xz @ weight @ (z.T @ a.y))
    return Fit(params, a.y - x @ params, (bread + bread.T) / 2, z, weight=weight)


def moment_cov(z: np.ndarray, resid: np.ndarray, codes: np.ndarray | None,
               robust: bool) -> np.ndarray:
    r"""Covariance (in sums) of the moments ``Z'e``: :math:`\hat\sigma^2 Z'Z` or robust."""
    if not robust:
        return float(resid @ resid) / len(resid) * (z.T @ z)
    return score_cov(z, resid, codes)


def is_singular(m: np.ndarray) -> bool:
    """Rank deficiency of a covariance matrix, judged after scaling it to unit diagonal."""
    d = np.sqrt(np.clip(np.diag(m), 1e-300, None))
    return bool(np.linalg.matrix_rank(m / np.outer(d, d), tol=1e-10) < m.shape[0])
