r"""Likelihood-ratio statistics and confidence sets for a threshold (Hansen 1999, sec. 3.3).

.. math::

    LR(\gamma) = \frac{S(\gamma) - S(\hat\gamma)}{\hat\sigma^2}, \qquad
    \hat\sigma^2 = \frac{S(\hat\gamma)}{n(T-1)},

and the confidence set at level :math:`1-\alpha` is the set of grid points with
:math:`LR(\gamma) < c(\alpha) = -2\ln(1 - \sqrt{1-\alpha})` (eq. 15: 6.53, 7.35 and 10.59 for
:math:`\alpha` = 10 %, 5 % and 1 %).  As Hansen's program, the interval reported is
``[min, max]`` of that set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError

__all__ = ["critical_value", "lr_curve", "lr_interval"]


def critical_value(level: float) -> float:
    r""":math:`c(\alpha) = -2\ln(1-\sqrt{1-\alpha})` with :math:`\alpha = 1 - \text{level}`."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")
    return float(-2.0 * np.log(1.0 - np.sqrt(level)))


def lr_curve(gamma: np.ndarray, ssr: np.ndarray, df_sigma: int) -> pd.Series:
    """``LR(gamma)`` over the searched grid (finite points only), indexed by gamma."""
    finite = np.isfinite(ssr)
    best = float(ssr[finite].min())
    values = (ssr[finite] - best) / (best / df_sigma)
    return pd.Series(values, index=pd.Index(gamma[finite], name="gamma"), name="LR")


def lr_interval(curve: pd.Series, level: float = 0.95) -> tuple[float, float]:
    """``[min, max]`` of the grid points with ``LR < c(alpha)``."""
    inside = curve.index[curve.to_numpy() < critical_value(level)]
    return float(inside.min()), float(inside.max())
