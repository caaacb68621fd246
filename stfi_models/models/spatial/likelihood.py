r"""Concentrated log-likelihoods of the fixed-effects spatial lag and error models, and the solver.

After the within transformation (:mod:`.stack`), with :math:`n` observations and Jacobian
multiplier :math:`T_J` (direct approach: :math:`n = NT`, :math:`T_J = T`),

.. math::

    \ell(\rho) = -\frac n2 \ln(2\pi\hat\sigma^2(\rho)) - \frac n2
                 + T_J \ln|I_N - \rho W| ,\qquad \hat\sigma^2(\rho) = e(\rho)'e(\rho)/n.

* Lag (SAR/SDM): :math:`e(\rho) = e_0 - \rho e_1`, the residuals of :math:`\tilde y` and of
  :math:`W\tilde y` on :math:`\tilde X` (Anselin 1988, p. 181); score
  :math:`n\,e_1'e/e'e - T_J \operatorname{tr}G`.
* Error (SEM): :math:`e(\lambda) = (\tilde y - \lambda W\tilde y) - (\tilde X - \lambda
  W\tilde X)\hat\beta(\lambda)` with :math:`\hat\beta(\lambda)` the GLS estimate; by the
  envelope theorem the score is :math:`n\,e'W\tilde u/e'e - T_J \operatorname{tr}G`.

Lee & Yu (2010) transformation approach: :math:`n = N(T-1)`, :math:`T_J = T-1` under entity
effects; :math:`n = (N-1)T` and Jacobian :math:`T[\ln|I-\rho W| - \ln(1-\rho)]` under time
effects; :math:`n = (N-1)(T-1)` and :math:`(T-1)[\ln|I-\rho W| - \ln(1-\rho)]` under both.

The maximiser is found by bounded Brent search (``xatol = 1e-12``) and then polished by
solving the score equation with Brent's root finder on a bracket around it, so the estimate
is exact to machine precision, not to the optimiser's tolerance (for ``logdet="lu"``, whose
derivative costs ``N`` solves, the Brent search is final).  With an approximate
log-determinant (``"chebyshev"``, ``"mc"``) the score is that of the approximate likelihood,
whose maximiser is then found exactly.

References
----------
Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer.
Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to Spatial Panels*.
Springer.
Lee, L.-F. & Yu, J. (2010). Estimation of spatial autoregressive panel data models with fixed
effects. Journal of Econometrics 154, 165-185.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from stfi_models.exceptions import EstimationError, SpecificationWarning
from stfi_models.models.spatial.logdet import LogDet
from stfi_models.models.spatial.stack import Stacked

__all__ = ["Sizes", "LagProfile", "ErrorProfile", "maximise"]


@dataclass(frozen=True)
class Sizes:
    """Effective number of observations and the Jacobian's multiplier."""

    n_obs: float
    t_jac: float
    time_jacobian: bool = False

    @classmethod
    def of(cls, t: int, n: int, effects: tuple[str, ...], lee_yu: bool) -> Sizes:
        """Direct approach (``lee_yu=False``) or Lee-Yu transformation approach."""
        if not lee_yu:
            return cls(float(n * t), float(t))
        t_eff = t - 1 if "entity" in effects else t
        n_eff = n - 1 if "time" in effects else n
        return cls(float(n_eff * t_eff), float(t_eff), "time" in effects)

    def jacobian(self, logdet: LogDet, rho: float) -> tuple[float, float]:
        """Value and first derivative of the Jacobian term."""
        value = logdet(rho)
        d1 = logdet.derivatives(rho)[0] if logdet.fast_derivatives else np.nan
        if self.time_jacobian:
            value -= np.log1p(-rho)
            d1 += 1.0 / (1.0 - rho)
        return self.t_jac * value, self.t_jac * d1


class _Profile:
    """Shared likelihood arithmetic of the concentrated lag and error likelihoods."""

    def __init__(self, stacked: Stacked, logdet: LogDet, sizes: Sizes) -> None:
        self.logdet = logdet
        self.sizes = sizes
        self.y = stacked.flat(stacked.y)
        self.x = stacked.flat(stacked.x)
        self.wy = stacked.flat(stacked.wy)
        self.wx = stacked.flat(stacked.wx)

    def residuals(self, rho: float) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def loglik(self, rho: float) -> float:
        """Concentrated log-likelihood at ``rho``."""
        e = self.residuals(rho)
        n = self.sizes.n_obs
        sigma2 = float(e @ e) / n
        return -0.5 * n * (np.log(2 * np.pi * sigma2) + 1.0) + self.sizes.jacobian(
            self.logdet, rho)[0]


class LagProfile(_Profile):
    r"""Concentrated likelihood of :math:`\tilde y = \rho W\tilde y + \tilde X\beta + e`."""

    def __init__(self, stacked: Stacked, logdet: LogDet, sizes: Sizes) -> None:
        super().__init__(stacked, logdet, sizes)
        coef, *_ = np.linalg.lstsq(self.x, np.column_stack([self.y, self.wy]), rcond=None)
        self._b0, self._b1 = coef[:, 0], coef[:, 1]
        self._e0 = self.y - self.x @ self._b0
        self._e1 = self.wy - self.x @ self._b1

    def beta(self, rho: float) -> np.ndarray:
        r""":math:`\hat\beta(\rho)`."""
        return self._b0 - rho * self._b1

    def residuals(self, rho: float) -> np.ndarray:
        r""":math:`e_0 - \rho e_1`."""
        return self._e0 - rho * self._e1

    def score(self, rho: float) -> float:
        """Return the derivative of the concentrated log-likelihood."""
        e = self.residuals(rho)
        return self.sizes.n_obs * float(self._e1 @ e) / float(e @ e) + self.sizes.jacobian(
            self.logdet, rho)[1]


class ErrorProfile(_Profile):
    r"""Concentrated likelihood of the error model.

    The model is :math:`\tilde y = \tilde X\beta + u`, :math:`u = \lambda Wu + e`.
    """

    def beta(self, lam: float) -> np.ndarray:
        r"""GLS :math:`\hat\beta(\lambda)`."""
        coef, *_ = np.linalg.lstsq(self.x - lam * self.wx, self.y - lam * self.wy, rcond=None)
        return coef

    def residuals(self, lam: float) -> np.ndarray:
        r"""Return the filtered residuals :math:`(I - \lambda W)\hat u`."""
        b = self.beta(lam)
        return (self.y - lam * self.wy) - (self.x - lam * self.wx) @ b

    def score(self, lam: float) -> float:
        """Return the score of the concentrated log-likelihood (envelope theorem)."""
        b = self.beta(lam)
        e = (self.y - lam * self.wy) - (self.x - lam * self.wx) @ b
        wu = self.wy - self.wx @ b
        return self.sizes.n_obs * float(e @ wu) / float(e @ e) + self.sizes.jacobian(
            self.logdet, lam)[1]


def maximise(profile: LagProfile | ErrorProfile, name: str) -> float:
    """Maximise the concentrated likelihood; polish by solving the score equation.

    Raises
    ------
    EstimationError
        If the likelihood is not finite at the start of the search.

    Warns
    -----
    SpecificationWarning
        If the maximum lies on the boundary of the parameter space.
    """
    lo, hi = profile.logdet.bounds
    margin = 1e-9 * (hi - lo)
    lo, hi = lo + margin, hi - margin
    if not np.isfinite(profile.loglik(0.0)):
        raise EstimationError(
            f"The log-likelihood is not finite at {name} = 0: the transformed dependent "
            "variable has no variation (is it absorbed by the fixed effects?)."
        )
    found = optimize.minimize_scalar(lambda r: -profile.loglik(r), bounds=(lo, hi),
                                     method="bounded", options={"xatol": 1e-12, "maxiter": 500})
    rho = float(found.x)
    if not profile.logdet.fast_derivatives:
        return rho
    step = 1e-7
    while step < 1e-2:
        a, b = max(rho - step, lo), min(rho + step, hi)
        fa, fb = profile.score(a), profile.score(b)
        if fa > 0 > fb:
            return float(optimize.brentq(profile.score, a, b, xtol=1e-15, rtol=4 * np.finfo(
                float).eps, maxiter=200))
        step *= 10
    warnings.warn(
        f"The maximum of the likelihood in {name} lies at the boundary of its parameter space "
        f"({rho:.6g}, bounds ({lo:.4g}, {hi:.4g})): the estimate and its standard error are "
        "unreliable; check the weights and the specification.",
        SpecificationWarning, stacklevel=3,
    )
    return rho
