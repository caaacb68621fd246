r"""Between estimator (``model="between"``): OLS on the entity means (unweighted, as plm)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.inference.covariance import Regression
from stfi_models.models.static.base import (
    _check_rank,
    _Estimate,
    _group_mean,
    _r2,
    _series,
    _StaticModel,
)

__all__ = ["Between"]


class Between(_StaticModel):
    r"""Between estimator: OLS on entity means (unweighted, one row per entity).

    .. math:: \bar y_i = \bar x_i^\prime\beta + \bar u_i

    Only ``vcov="unadjusted"`` and ``"robust"`` apply.  ``resid``/``fitted`` are indexed by
    entity.
    """

    name = "between"
    title = "Between (entity means)"
    _vcov_types = ("unadjusted", "robust")  # one row per entity: nothing to cluster
    _bootstrap = False
    _refuse_entity = "averages within entity; C(entity) leaves one row per dummy"

    def _estimate(self) -> _Estimate:
        x = self.design.x
        names = list(x.columns)
        raw = np.column_stack([self._y, x.to_numpy()])
        first = np.unique(self._entity, return_index=True)[1]
        means = _group_mean(raw, self._entity)[first]
        yb, xb = means[:, 0], means[:, 1:]
        self._too_few(len(yb), len(names))
        fac = _check_rank(xb, names, "in the entity means")
        coef = fac.coef(yb)
        resid = yb - xb @ coef
        labels = self.design.y.index.get_level_values(0)[first]
        reg = Regression(x=xb, resid=resid, entity=np.arange(len(yb)),
                         time=np.zeros(len(yb), dtype=int),
                         index=self.design.y.index[first],
                         xtx_inv=fac.gram_inverse())
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=reg,
            resid=_series(resid, pd.Index(labels, name=self.panel.entity), "resid"),
            fitted=_series(yb - resid, pd.Index(labels, name=self.panel.entity), "fitted"),
            rsquared={"r2": _r2(resid, yb)},
            n_entities=len(yb),
        )
