r"""Analytic information matrices of the fixed-effects spatial lag and error models.

With :math:`G = W(I - \rho W)^{-1}`, :math:`\tilde X` the transformed regressors stacked
time-major, :math:`n` observations and :math:`T_J` the Jacobian multiplier (see
:mod:`.likelihood`), in the order :math:`(\beta, \rho, \sigma^2)`:

.. math::

    I_{\beta\beta} = \tilde X'\tilde X/\sigma^2,\quad
    I_{\beta\rho} = \tilde X'(I_T\otimes G)\tilde X\beta/\sigma^2,\quad
    I_{\rho\rho} = T_J[\operatorname{tr}(GG) + \operatorname{tr}(G'G)]
                   + \beta'\tilde X'(I_T\otimes G)'(I_T\otimes G)\tilde X\beta/\sigma^2,

    I_{\rho\sigma^2} = T_J \operatorname{tr}(G)/\sigma^2,\quad
    I_{\sigma^2\sigma^2} = n/(2\sigma^4)

(Elhorst 2014, eq. 3.12; the form of R splm, PySAL spreg and Elhorst's MATLAB code).  For the
error model :math:`\operatorname{Var}(\beta) = \sigma^2[(\tilde X - \lambda W\tilde X)'
(\tilde X - \lambda W\tilde X)]^{-1}` and the :math:`(\lambda, \sigma^2)` block is
:math:`[[T_J(\operatorname{tr}GG + \operatorname{tr}G'G), T_J\operatorname{tr}G/\sigma^2],
[T_J\operatorname{tr}G/\sigma^2, n/(2\sigma^4)]]`.

References
----------
Elhorst, J. P. (2014). *Spatial Econometrics*, ch. 3. Springer.
"""

from __future__ import annotations

import numpy as np

from stfi_models.exceptions import EstimationError

__all__ = ["lag_information", "error_information", "invert"]


def lag_information(x: np.ndarray, gxb: np.ndarray, traces: tuple[float, float, float],
                    sigma2: float, n_obs: float, t_jac: float) -> np.ndarray:
    r"""Information matrix of (beta, rho, sigma2) of the lag model.

    Parameters
    ----------
    x : ndarray, shape (T N, k)
        Transformed regressors, time-major.
    gxb : ndarray, shape (T N,)
        :math:`(I_T \otimes G)\tilde X\hat\beta`, time-major.
    traces : tuple of float
        :math:`(\operatorname{tr}G, \operatorname{tr}GG, \operatorname{tr}G'G)` for
        :math:`G = W(I - \rho W)^{-1}` (:meth:`.LogDet.g_traces`).
    """
    tr_g, tr_gg, tr_gtg = traces
    k = x.shape[1]
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = x.T @ x / sigma2
    info[:k, k] = info[k, :k] = x.T @ gxb / sigma2
    info[k, k] = t_jac * (tr_gg + tr_gtg) + gxb @ gxb / sigma2
    info[k, k + 1] = info[k + 1, k] = t_jac * tr_g / sigma2
    info[k + 1, k + 1] = n_obs / (2 * sigma2**2)
    return info


def error_information(x_filtered: np.ndarray, traces: tuple[float, float, float],
                      sigma2: float, n_obs: float, t_jac: float) -> np.ndarray:
    """Information matrix of (beta, lambda, sigma2) of the error model (block diagonal)."""
    tr_g, tr_gg, tr_gtg = traces
    k = x_filtered.shape[1]
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = x_filtered.T @ x_filtered / sigma2
    info[k, k] = t_jac * (tr_gg + tr_gtg)
    info[k, k + 1] = info[k + 1, k] = t_jac * tr_g / sigma2
    info[k + 1, k + 1] = n_obs / (2 * sigma2**2)
    return info


def invert(info: np.ndarray, names: list[str]) -> np.ndarray:
    """Invert an information matrix, with an error naming the model's terms if singular."""
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise EstimationError(
            f"The information matrix of ({', '.join(names)}, sigma2) is singular; a regressor "
            "is collinear with the spatial lag or absorbed by the fixed effects."
        ) from None
    return cov
