r"""Pooled OLS (``model="pooled"``).

No transformation; ``C(entity)`` / ``C(time)`` in the formula are expanded as dummies (LSDV),
so their slopes equal those of FE.
"""

from __future__ import annotations

import pandas as pd

from stfi_models.formula.design import absorbed_effects
from stfi_models.models.static.base import _check_rank, _Estimate, _r2, _series, _StaticModel

__all__ = ["PooledOLS"]


class PooledOLS(_StaticModel):
    r"""Pooled OLS; ``C(entity)``/``C(time)`` become dummies (LSDV).

    .. math:: y_{it} = x_{it}^\prime\beta + \varepsilon_{it}

    ``info["effects"]`` names the panel keys expanded as dummies (for tables' FE rows).

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("n ~ w + k + ys", sm.load_abdata(), entity="id", time="year",
    ...              model="pooled", vcov="cluster")
    """

    name = "pooled"
    title = "Pooled OLS"

    def _estimate(self) -> _Estimate:
        x, y = self.design.x, self._y
        names = list(x.columns)
        self._too_few(len(y), len(names))
        values = x.to_numpy()
        fac = _check_rank(values, names, "on the sample")
        coef = fac.coef(y)
        resid = y - values @ coef
        index = self.design.y.index
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=self._regression(values, resid, fac),
            resid=_series(resid, index, "resid"),
            fitted=_series(y - resid, index, "fitted"),
            rsquared={"r2": _r2(resid, y)},
            n_entities=int(self._entity.max()) + 1,
            info={"effects": tuple(e for e in ("entity", "time")
                                   if e in set(absorbed_effects(self.spec, self.panel)))},
        )
