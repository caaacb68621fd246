r"""The arrays of a panel threshold model and its regressions at given thresholds.

With thresholds :math:`\gamma_1 < \dots < \gamma_m` on the threshold variable :math:`q_{it}`,
the regime-dependent regressors :math:`z_{it}` get one slope per regime:

.. math::

    y_{it} = \mu_i + x_{it}^\prime \beta + \sum_{j=1}^{m+1} z_{it}^\prime \delta_j\,
    I(\gamma_{j-1} < q_{it} \le \gamma_j) + e_{it},
    \qquad \gamma_0 = -\infty,\ \gamma_{m+1} = \infty,

(Hansen 1999, eqs. 1 and 22); Hansen's program puts :math:`q = \gamma` in the upper regime
(``strict=True``: :math:`I(\gamma_{j-1} \le q < \gamma_j)`).  The fixed effects are swept out
by :class:`~stfi_models.models.threshold.transform.Within`; each regression is OLS on the
transformed rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stfi_models.models.threshold.transform import Within

__all__ = ["ThresholdProblem"]



@dataclass(frozen=True)
class ThresholdProblem:
    """Transformed outcome and controls, raw regime variables and threshold variable.

    Attributes
    ----------
    transform : Within
        The within transformation (rows sorted by entity, then time).
    y : numpy.ndarray
        ``(n_out,)`` transformed outcome.
    x : numpy.ndarray
        ``(n_out, kx)`` transformed regime-independent regressors (``kx`` may be 0).
    z : numpy.ndarray
        ``(n, kz)`` regime-dependent regressors, untransformed (all rows).
    q : numpy.ndarray
        ``(n,)`` threshold variable, untransformed.
    strict : bool
        Lower regime ``q < gamma`` (Hansen's program) rather than ``q <= gamma``.
    """

    transform: Within
    y: np.ndarray
    x: np.ndarray
    z: np.ndarray
    q: np.ndarray
    strict: bool = False

    def below(self, gamma: float) -> np.ndarray:
        """Rows in the regimes below ``gamma``."""
        return self.q < gamma if self.strict else self.q <= gamma

    def regime_of(self, thresholds: tuple[float, ...]) -> np.ndarray:
        """Regime ``0..m`` of every row."""
        return sum((~self.below(g)).astype(int) for g in sorted(thresholds)) \
            if thresholds else np.zeros(self.q.size, dtype=int)

    def regime_columns(self, thresholds: tuple[float, ...]) -> np.ndarray:
        """Return the transformed ``z * I(regime j)``: variable by variable, regimes in order."""
        regime = self.regime_of(thresholds)
        m = len(thresholds) + 1
        blocks = [self.z[:, [v]] * (regime[:, None] == np.arange(m)) for v in
                  range(self.z.shape[1])]
        return self.transform.apply(np.hstack(blocks))

    def design(self, thresholds: tuple[float, ...]) -> np.ndarray:
        """All transformed regressors at ``thresholds``: controls, then regime columns."""
        return np.column_stack([self.x, self.regime_columns(thresholds)])

    def ols(self, thresholds: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coefficients, residuals and regressors of the model at ``thresholds``."""
        design = self.design(thresholds)
        coef, *_ = np.linalg.lstsq(design, self.y, rcond=None)
        return coef, self.y - design @ coef, design

    def ssr(self, thresholds: tuple[float, ...]) -> float:
        """Sum of squared residuals at ``thresholds``."""
        resid = self.ols(thresholds)[1]
        return float(resid @ resid)
