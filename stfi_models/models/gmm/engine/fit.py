r"""One-step, two-step and iterated linear GMM on stacked equation rows.

.. math::

    \hat\beta(W) = (X'Z W Z'X)^{-1} X'Z W Z'y, \qquad
    W_1 = \Big(\sum_i Z_i' H_i Z_i\Big)^{-1}, \qquad
    W_2 = \Big(\sum_i Z_i'\hat u_{1i} \hat u_{1i}' Z_i\Big)^{-1}.

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Hansen, L. P. (1982). *Econometrica* 50: 1029-1054.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from stfi_models.exceptions import EstimationError, SpecificationWarning
from stfi_models.models import lstsq
from stfi_models.models.gmm.engine.algebra import entity_sums, gmm_solve, weight_inverse
from stfi_models.models.gmm.engine.weighting import HStructure
from stfi_models.models.gmm.engine.windmeijer import windmeijer

__all__ = ["GmmFit", "gmm_fit"]


@dataclass(frozen=True)
class GmmFit:
    """Everything :func:`gmm_fit` computes.

    Attributes
    ----------
    params : ndarray, shape (K,)
        Final estimate (one-step, two-step or iterated, as asked).
    params1, params2 : ndarray
        One-step and two-step estimates (``params2`` is computed even for ``steps=1``:
        it gives the Hansen statistic, as xtabond2 prints after a one-step fit).
    resid1, resid2, resid : ndarray, shape (n,)
        Residuals of the one-step, two-step and final estimates.
    cov : dict of str to ndarray
        ``"onestep"`` (``sigma2 * A1``), ``"onestep_robust"`` (cluster sandwich),
        ``"twostep"`` (``A2``, Arellano-Bond's), ``"windmeijer"``, and for iterated GMM
        ``"iterated"``.
    sigma2 : float
        One-step error variance (default ``u1'u1 / trace(H)``, ``SSR_Δ / 2n`` for first
        differences; see the ``sigma2`` argument of :func:`gmm_fit`).
    w1, w2 : ndarray, shape (L, L)
        One-step and two-step weighting matrices.
    sargan, hansen : float
        ``g1' W1 g1 / sigma2`` with one-step residuals; ``g2' W2 g2`` with two-step residuals.
    n_instruments : int
    steps : int or str
    iterations : int
    singular : bool
        A generalised inverse was used.
    g1 : ndarray, shape (L,)
        ``Z'u_1`` (one-step moments).
    s1 : ndarray, shape (L, L)
        ``sum_i Z_i'u_{1i}u_{1i}'Z_i`` (inverse of the two-step weight).
    zx, zy : ndarray
        ``Z'X`` and ``Z'y``.
    """

    params: np.ndarray
    params1: np.ndarray
    params2: np.ndarray
    resid1: np.ndarray
    resid2: np.ndarray
    resid: np.ndarray
    cov: dict[str, np.ndarray]
    sigma2: float
    w1: np.ndarray
    w2: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    sargan: float
    hansen: float
    n_instruments: int
    steps: int | str
    iterations: int = 1
    singular: bool = False
    g1: np.ndarray = field(default_factory=lambda: np.zeros(0))
    s1: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    zx: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    zy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def unscaled(self, x_scale: np.ndarray, z_scale: np.ndarray) -> GmmFit:
        """Map a fit on ``X / x_scale`` and ``Z / z_scale`` back to the original units."""
        xx, zz = np.outer(x_scale, x_scale), np.outer(z_scale, z_scale)
        return replace(
            self,
            params=self.params / x_scale, params1=self.params1 / x_scale,
            params2=self.params2 / x_scale,
            cov={key: value / xx for key, value in self.cov.items()},
            w1=self.w1 / zz, w2=self.w2 / zz, a1=self.a1 / xx, a2=self.a2 / xx,
            g1=self.g1 * z_scale, s1=self.s1 * zz, zx=self.zx * np.outer(z_scale, x_scale),
            zy=self.zy * z_scale,
        )


def gmm_fit(
    y: np.ndarray,
    x: np.ndarray,
    z: np.ndarray,
    entity: np.ndarray,
    h: HStructure,
    *,
    steps: int | str = 2,
    max_iter: int = 100,
    tol: float = 1e-10,
    n_entities: int | None = None,
    sigma2: Callable[[np.ndarray], float] | None = None,
    sargan_scale: float = 1.0,
    names: Sequence[str] | None = None,
) -> GmmFit:
    """One-step, two-step or iterated linear GMM on stacked equation rows.

    Parameters
    ----------
    y : ndarray, shape (n,)
    x : ndarray, shape (n, K)
    z : ndarray, shape (n, L)
        Must be finite (zeros for unavailable instruments).
    entity : ndarray of int, shape (n,)
        Entity code of each row (clusters for the robust covariance and the weight matrix).
    h : HStructure
        One-step weighting structure.
    steps : {1, 2, "iterated"}
        Which estimate is returned in ``params``; one- and two-step are always computed.
    max_iter, tol : int, float
        Iterated GMM stops when the largest coefficient change is below ``tol``.
    n_entities : int, optional
    sigma2 : callable, optional
        Error variance from the one-step residuals, ``sigma2(u1) -> float``, used by the
        non-robust one-step covariance and the Sargan statistic.  Default
        ``u1'u1 / trace(H)`` (``SSR_Δ / 2n`` for first differences).
    sargan_scale : float
        Factor on ``sigma2`` in the Sargan statistic (``n / (n - k)`` for the
        degrees-of-freedom corrected variance of gretl/DPD; 1 for xtabond2).
    names : sequence of str, optional
        Names of the columns of ``x``, for the ill-conditioning warning.

    Notes
    -----
    The columns of ``X`` and ``Z`` are scaled by powers of two
    (:func:`stfi_models.models.lstsq.column_scale`) before anything is computed and every
    output is mapped back (:meth:`GmmFit.unscaled`): the estimator is equivariant in the units
    of a regressor and invariant in those of an instrument, and so is the arithmetic.

    Returns
    -------
    GmmFit

    Raises
    ------
    EstimationError
        When fewer instruments than regressors, or ``X'ZWZ'X`` is singular.
    """
    n, k = x.shape
    n_inst = z.shape[1]
    if n_inst < k:
        raise EstimationError(
            f"The model has {k} regressors but only {n_inst} instrument columns: it is not "
            "identified. Add instruments (widen the gmm() lag ranges or add iv() variables)."
        )
    n_entities = int(entity.max()) + 1 if n_entities is None else n_entities
    x_scale, z_scale = lstsq.column_scale(x), lstsq.column_scale(z)
    x, z = x / x_scale, z / z_scale
    zx, zy = z.T @ x, z.T @ y
    fix = "Reduce the instrument count (gmm(..., collapse=True) or shorter lag ranges)."
    w1, sing1 = weight_inverse(h.cross(z), "one-step weighting matrix Z'HZ", fix)
    b1, a1 = gmm_solve(zx, zy, w1, "one-step", names)
    u1 = y - x @ b1
    sigma2_1 = float(u1 @ u1) / h.trace if sigma2 is None else float(sigma2(u1))
    g1_i = entity_sums(z, entity, n_entities, weights=u1)
    s1 = g1_i.T @ g1_i
    zxa = zx @ a1
    v1_robust = zxa.T @ w1 @ s1 @ w1 @ zxa
    g1 = z.T @ u1
    sargan = float(g1 @ w1 @ g1) / (sigma2_1 * sargan_scale)
    w2, sing2 = weight_inverse(s1, "two-step weighting matrix sum_i Z_i'u_i u_i'Z_i", fix)
    b2, a2 = gmm_solve(zx, zy, w2, "two-step", names)
    u2 = y - x @ b2
    g2 = z.T @ u2
    hansen = float(g2 @ w2 @ g2)
    cov = {
        "onestep": sigma2_1 * a1,
        "onestep_robust": v1_robust,
        "twostep": a2,
        "windmeijer": windmeijer(x, z, entity, n_entities, u1, u2, w2, a2, v1_robust),
    }
    params, resid, iterations = (b1, u1, 1) if steps == 1 else (b2, u2, 2)
    if steps == "iterated":
        b_prev, w_it = b2, w2
        for _ in range(max_iter):
            gi = entity_sums(z, entity, n_entities, weights=y - x @ b_prev)
            w_it, _ = weight_inverse(gi.T @ gi, "iterated weighting matrix", fix)
            b_new, _ = gmm_solve(zx, zy, w_it, "iterated", names)
            if np.max(np.abs(b_new - b_prev)) < tol:
                b_prev = b_new
                break
            b_prev = b_new
        else:
            warnings.warn(
                f"Iterated GMM did not converge in {max_iter} iterations (tol={tol}).",
                SpecificationWarning,
                stacklevel=3,
            )
        params, resid = b_prev, y - x @ b_prev
        gi = entity_sums(z, entity, n_entities, weights=resid)
        w_fin, _ = weight_inverse(gi.T @ gi, "iterated weighting matrix", fix)
        cov["iterated"] = gmm_solve(zx, zy, w_fin, "iterated", names)[1]
        gz = z.T @ resid
        hansen = float(gz @ w_fin @ gz)
    return GmmFit(
        params=params, params1=b1, params2=b2, resid1=u1, resid2=u2, resid=resid, cov=cov,
        sigma2=sigma2_1, w1=w1, w2=w2, a1=a1, a2=a2, sargan=sargan, hansen=hansen,
        n_instruments=n_inst, steps=steps, iterations=iterations, singular=sing1 or sing2,
        g1=g1, s1=s1, zx=zx, zy=zy,
    ).unscaled(x_scale, z_scale)
