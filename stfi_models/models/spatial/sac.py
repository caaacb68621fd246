r"""The SAC (SARAR) panel model with fixed effects: spatial lag and spatial error together.

.. math::

    \tilde y = \rho W\tilde y + \tilde X\beta + u,\qquad u = \lambda W u + \varepsilon,
    \qquad e(\rho, \lambda) = (I - \lambda W)[(I - \rho W)\tilde y - \tilde X\beta],

with the concentrated log-likelihood

.. math::

    \ell(\rho, \lambda) = -\frac n2\ln(2\pi\hat\sigma^2) - \frac n2
        + T_J[\ln|I - \rho W| + \ln|I - \lambda W|],

:math:`\hat\beta(\rho,\lambda)` the GLS estimate.  The maximum is found by bounded
quasi-Newton search and polished by solving the two score equations (envelope theorem:
:math:`\partial\ell/\partial\rho = n\,e'(I-\lambda W)W\tilde y/e'e - T_J\operatorname{tr}
G_\rho`, :math:`\partial\ell/\partial\lambda = n\,e'W\tilde u/e'e - T_J\operatorname{tr}
H`).  The information matrix, in the order :math:`(\beta, \rho, \lambda, \sigma^2)`, with
:math:`B = I - \lambda W`, :math:`G = W(I-\rho W)^{-1}`, :math:`\bar G = BGB^{-1}`,
:math:`H = WB^{-1}`, :math:`X^* = B\tilde X`:

.. math::

    I_{\beta\beta} = X^{*\prime}X^*/\sigma^2,\quad
    I_{\beta\rho} = X^{*\prime}BG\tilde X\beta/\sigma^2,\quad
    I_{\rho\rho} = T_J\operatorname{tr}(\bar G\bar G + \bar G'\bar G)
                   + \|BG\tilde X\beta\|^2/\sigma^2,

    I_{\rho\lambda} = T_J\operatorname{tr}(H\bar G + H'\bar G),\quad
    I_{\lambda\lambda} = T_J\operatorname{tr}(HH + H'H),\quad
    I_{\rho\sigma^2} = T_J\operatorname{tr}G/\sigma^2,\quad
    I_{\lambda\sigma^2} = T_J\operatorname{tr}H/\sigma^2,\quad
    I_{\sigma^2\sigma^2} = n/(2\sigma^4)

(Lee 2004; Elhorst 2014, sec. 3.4).  Only the ``"lag-of-demeaned"`` convention is offered
(``W`` applied to the transformed variables throughout).

References
----------
Kelejian, H. H. & Prucha, I. R. (1998). Journal of Real Estate Finance and Economics 17,
99-121.
Lee, L.-F. (2004). Econometrica 72, 1899-1925.
Elhorst, J. P. (2014). *Spatial Econometrics*. Springer.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.models.spatial.estimators import Estimate, _SpatialModel
from stfi_models.models.spatial.information import invert

__all__ = ["SpatialSAC"]


def _lag(w, v: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Return ``(I_T x W) v`` for stacked (time-major) vectors or matrices."""
    t, n = shape
    if v.ndim == 1:
        return np.asarray(w @ v.reshape(t, n).T).T.ravel()
    return np.column_stack([_lag(w, v[:, j], shape) for j in range(v.shape[1])])


class SpatialSAC(_SpatialModel):
    """SAC / SARAR model with fixed effects, ``model="sac"``: parameters ``rho``, ``lambda``."""

    name = "sac"
    title = "Spatial autoregressive model with autoregressive errors (SAC), fixed effects, ML"

    def _estimate(self) -> Estimate:
        if self.lag_convention != "lag-of-demeaned" and "time" in self.effects:
            raise SpecificationError(
                "model='sac' supports lag_convention='lag-of-demeaned' only with time effects."
            )
        st = self.stacked
        shape = st.shape
        w = self.w.matrix
        y, x, wy = st.flat(st.y), st.flat(st.x), st.flat(st.wy)
        wx, wwy = st.flat(st.wx), _lag(w, st.flat(st.wy), shape)
        n_obs, t_jac = self.sizes.n_obs, self.sizes.t_jac
        logdet = self.logdet

        def parts(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            rho, lam = theta
            ys = (y - rho * wy) - lam * (wy - rho * wwy)
            xs = x - lam * wx
            beta, *_ = np.linalg.lstsq(xs, ys, rcond=None)
            return beta, ys - xs @ beta, xs

        def loglik(theta: np.ndarray) -> float:
            _, e, _ = parts(theta)
            sigma2 = float(e @ e) / n_obs
            return (-0.5 * n_obs * (np.log(2 * np.pi * sigma2) + 1.0)
                    + t_jac * (logdet(theta[0]) + logdet(theta[1])))

        def score(theta: np.ndarray) -> np.ndarray:
            rho, lam = theta
            beta, e, _ = parts(theta)
            ee = float(e @ e)
            d_rho = n_obs * float(e @ (wy - lam * wwy)) / ee
            d_lam = n_obs * float(e @ ((wy - rho * wwy) - wx @ beta)) / ee
            return np.array([d_rho + t_jac * logdet.derivatives(rho)[0],
                             d_lam + t_jac * logdet.derivatives(lam)[0]])

        lo, hi = logdet.bounds
        margin = 1e-6 * (hi - lo)
        bounds = [(lo + margin, hi - margin)] * 2
        found = optimize.minimize(lambda th: -loglik(th), np.zeros(2), jac=lambda th: -score(th),
                                  method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500})
        theta = found.x
        if logdet.fast_derivatives:
            polished = optimize.root(score, theta, method="hybr", options={"xtol": 1e-14})
            if polished.success and all(b[0] < v < b[1] for v, b in zip(polished.x, bounds,
                                                                          strict=True)):
                theta = polished.x
        if not np.isfinite(loglik(theta)):
            raise EstimationError("The SAC likelihood is not finite at its maximum; check w.")
        beta, e, xs = parts(theta)
        sigma2 = float(e @ e) / n_obs
        info = self._information(theta, beta, xs, sigma2)
        names = [*self.names, "rho", "lambda"]
        fitted = y - ((y - theta[0] * wy) - x @ beta)  # y - u: rho W y + X beta
        return Estimate(np.array([*beta, *theta]), invert(info, names), sigma2, loglik(theta),
                        loglik(np.zeros(2)), y, fitted, ("rho", "lambda"))

    def _information(self, theta: np.ndarray, beta: np.ndarray, xs: np.ndarray,
                     sigma2: float) -> np.ndarray:
        rho, lam = theta
        n = self.w.n
        wd = self.w.matrix.toarray()
        b = np.eye(n) - lam * wd
        g = wd @ np.linalg.inv(np.eye(n) - rho * wd)
        b_inv = np.linalg.inv(b)
        g_bar = b @ g @ b_inv
        h = wd @ b_inv
        st = self.stacked
        xb = st.x @ beta  # (T, N)
        bgxb = (xb @ g.T @ b.T).ravel()
        t_jac, n_obs = self.sizes.t_jac, self.sizes.n_obs
        k = xs.shape[1]
        info = np.zeros((k + 3, k + 3))
        info[:k, :k] = xs.T @ xs / sigma2
        info[:k, k] = info[k, :k] = xs.T @ bgxb / sigma2
        info[k, k] = t_jac * (np.sum(g_bar * g_bar.T) + np.sum(g_bar * g_bar)) + \
            bgxb @ bgxb / sigma2
        info[k, k + 1] = info[k + 1, k] = t_jac * (np.sum(h * g_bar.T) + np.sum(h * g_bar))
        info[k + 1, k + 1] = t_jac * (np.sum(h * h.T) + np.sum(h * h))
        info[k, k + 2] = info[k + 2, k] = t_jac * np.trace(g) / sigma2
        info[k + 1, k + 2] = info[k + 2, k + 1] = t_jac * np.trace(h) / sigma2
        info[k + 2, k + 2] = n_obs / (2 * sigma2**2)
        return info
