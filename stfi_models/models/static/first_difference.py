r"""First-difference OLS (``model="fd"``).

:math:`\Delta y_{it} = \Delta x_{it}^\prime \beta + \Delta\varepsilon_{it}` within entity
between consecutive periods (a gap gives no difference).  An intercept in the formula is kept
undifferenced, as plm does (it is a linear trend in levels); write ``- 1`` to drop it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.inference.covariance import Regression
from stfi_models.models.static.base import _check_rank, _Estimate, _r2, _series, _StaticModel

__all__ = ["FirstDifference"]


class FirstDifference(_StaticModel):
    r"""First-difference OLS.

    .. math:: \Delta y_{it} = \Delta x_{it}^\prime\beta + \Delta\varepsilon_{it}

    Differences are taken within entity between consecutive periods of the sample; a gap
    (or a row lost to missing values) gives no difference.  An intercept is kept as a column
    of ones (plm's ``model = "fd"``); ``resid``/``fitted`` are on the differenced scale.
    """

    name = "fd"
    title = "First differences"
    _refuse_entity = "differences the entity effects away; C(entity) adds nothing"

    def _estimate(self) -> _Estimate:
        x, y = self.design.x, self._y
        rows = self.design.rows
        ent = self.panel.entity_codes[rows]
        pos = self.panel.time_positions[rows]
        later = np.flatnonzero((ent[1:] == ent[:-1]) & (pos[1:] - pos[:-1] == 1)) + 1
        earlier = later - 1
        values = x.to_numpy()
        dx = values[later] - values[earlier]
        if self.design.has_intercept:
            dx[:, list(x.columns).index("Intercept")] = 1.0
        dy = y[later] - y[earlier]
        names = list(x.columns)
        self._too_few(len(later), len(names))
        fac = _check_rank(dx, names, "after first-differencing", before=values[later],
                          vanish_hint=" (it is constant over time within entity)")
        coef = fac.coef(dy)
        resid = dy - dx @ coef
        index = self.design.y.index[later]
        reg = Regression(x=dx, resid=resid, entity=self._entity[later], time=self._time[later],
                         index=index, xtx_inv=fac.gram_inverse())
        n_ent = int(np.unique(ent[later]).size)
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=reg,
            resid=_series(resid, index, "resid"),
            fitted=_series(dy - resid, index, "fitted"),
            rsquared={"r2": _r2(resid, dy)},
            n_entities=n_ent,
            info={
                "n_differences": len(later),
                "summary_footer": (
                    f"{len(y) - len(later)} first rows of entities (or after gaps) have no "
                    "difference."
                    + (" The intercept is a linear trend in levels." if
                       self.design.has_intercept else ""),
                ),
            },
        )
