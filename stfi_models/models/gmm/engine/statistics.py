"""Test statistics from a GMM fit: Hansen J, Arellano-Bond AR(m), Wald, chi-squared p-values.

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Hansen, L. P. (1982). Large sample properties of generalized method of moments estimators.
*Econometrica* 50: 1029-1054.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from stfi_models.exceptions import SpecificationWarning
from stfi_models.models import lstsq
from stfi_models.models.gmm.engine.algebra import entity_sums, gmm_solve, weight_inverse
from stfi_models.models.gmm.engine.weighting import HStructure

__all__ = ["hansen_j", "arellano_bond_ar", "wald_test", "chi2_pvalue"]


def hansen_j(zx: np.ndarray, zy: np.ndarray, s: np.ndarray) -> float:
    r"""Two-step Hansen J from cross products: ``g' W g`` at the two-step estimate.

    .. math::

        W = S^{-1},\quad \hat\beta = (X'ZWZ'X)^{-1}X'ZWZ'y,\quad
        J = (Z'y - Z'X\hat\beta)' W (Z'y - Z'X\hat\beta).

    With ``S = sum_i Z_i'u_{1i} u_{1i}'Z_i`` from the full model's one-step residuals, passing
    the rows/columns of an instrument subset gives the "Hansen excluding group" statistic of
    a difference-in-Hansen test (xtabond2's convention; Roodman 2009 §2.5) without touching the
    data again.

    Parameters
    ----------
    zx : ndarray, shape (L, K)
    zy : ndarray, shape (L,)
    s : ndarray, shape (L, L)
    """
    z_scale = lstsq.power_of_two(np.sqrt(np.abs(np.diag(s))))  # J is invariant to units
    zx, zy, s = zx / z_scale[:, None], zy / z_scale, s / np.outer(z_scale, z_scale)
    zx = zx / lstsq.column_scale(zx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        w, _ = weight_inverse(s, "weighting matrix", "")
    b, _ = gmm_solve(zx, zy, w, "difference-in-Hansen")
    g = zy - zx @ b
    return float(g @ w @ g)


def arellano_bond_ar(
    resid: np.ndarray,
    lagged: np.ndarray,
    x: np.ndarray,
    entity: np.ndarray,
    g: np.ndarray,
    zx: np.ndarray,
    w: np.ndarray,
    a: np.ndarray,
    vcov: np.ndarray,
    *,
    iid: tuple[float, HStructure, np.ndarray] | None = None,
    n_entities: int | None = None,
) -> float:
    r"""Arellano-Bond (1991) m statistic for serial correlation in differenced residuals.

    .. math::

        m = \frac{\hat w'\hat u}{\sqrt{\sum_i (\hat w_i'\hat u_i)^2
        - 2\hat w'X A X'Z W \sum_i Z_i'\hat e_i\, \hat u_i'\hat w_i
        + \hat w'X\hat V X'\hat w}}

    on the "AR rows" (first-differenced equation rows): ``u`` the differenced residuals,
    ``w`` the same residuals lagged ``m`` periods (zero where unavailable), ``X`` the
    differenced regressors; ``e`` the residuals of the estimating equations (equal to ``u``
    for first-difference GMM; the stacked residuals in system GMM), ``A = (X'ZWZ'X)^{-1}``
    and ``V`` the covariance of the estimate in use.

    Parameters
    ----------
    resid, lagged : ndarray, shape (r,)
        Differenced residuals and their ``m``-th lag on the AR rows.
    x : ndarray, shape (r, K)
        Differenced regressors on the AR rows.
    entity : ndarray of int, shape (r,)
    g : ndarray, shape (N, L)
        Per-entity moment contributions ``Z_i'e_i`` of the estimator.
    zx, w, a, vcov : ndarray
        ``Z'X``, weight matrix, ``A`` and the covariance in use.
    iid : (sigma2, H, Z), optional
        The one-step non-robust form: outer products ``u_i u_i'`` replaced by
        ``sigma2 * H_i`` (then the AR rows must be the estimation rows, ``H`` and ``Z``
        on them).
    n_entities : int, optional

    Returns
    -------
    float
        The statistic (asymptotically standard normal); NaN if no lagged residual exists.
    """
    if not np.any(lagged != 0):
        return float("nan")
    num = float(lagged @ resid)
    wx = lagged @ x
    if iid is None:
        per = entity_sums(lagged * resid, entity, n_entities)[:, 0]
        first = float(per @ per)
        gz = g.T @ per
    else:
        sigma2, h, z = iid
        first = sigma2 * h.cross(lagged)
        gz = sigma2 * h.cross(z, lagged)[:, 0]
    var = first - 2 * float(wx @ a @ zx.T @ w @ gz) + float(wx @ vcov @ wx)
    if var <= 0:
        return float("nan")
    return num / np.sqrt(var)


def wald_test(params: np.ndarray, cov: np.ndarray) -> float:
    """Wald statistic ``b' V^{-1} b`` for the joint hypothesis ``b = 0``."""
    if params.size == 0:
        return float("nan")
    size = lstsq.power_of_two(np.sqrt(np.abs(np.diag(cov))))  # invariant to units
    scaled = params / size
    return float(scaled @ np.linalg.solve(cov / np.outer(size, size), scaled))


def chi2_pvalue(stat: float, df: float) -> float:
    """Upper-tail chi-squared p-value (NaN for df <= 0)."""
    return float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")
