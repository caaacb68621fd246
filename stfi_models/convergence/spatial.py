r"""Spatial beta convergence: growth on the initial level in a spatial panel model.

The panel form of :func:`~stfi_models.convergence.beta_convergence` with a spatial model (SDM,
SAR, SEM, SDEM or SAC, fitted by :func:`stfi_models.fit`) in place of the FE regression:

.. math::

    \ln\frac{y_{it}}{y_{i,t-1}} = \rho \sum_j w_{ij}\ln\frac{y_{jt}}{y_{j,t-1}}
        + \beta \ln y_{i,t-1} + \theta \sum_j w_{ij}\ln y_{j,t-1} + \mu_i + \eta_t
        + \varepsilon_{it}.

References
----------
Rey, S. J. and Montouri, B. D. (1999). US regional income convergence: a spatial econometric
perspective. *Regional Studies* 33(2), 143-156.
Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to Spatial Panels*.
Springer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._checks import guard_keywords
from stfi_models.convergence.sigma_beta import (
    _growth_panel,
    _half_life,
    _prepared,
    convergence_speed,
)
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.results.result import Result

__all__ = ["spatial_beta_convergence", "SpatialBetaResult", "SPATIAL_MODELS"]


SPATIAL_MODELS = ("sdm", "sar", "sem", "sdem", "sac")
_FIXED = {"entity": "entity", "time": "time", "twoways": "twoways", "twoway": "twoways"}


def _speed_and_half_life(beta: float, se: float) -> tuple[float, float, float, float]:
    r"""Return speed :math:`-\ln(1+\beta)`, half-life :math:`\ln 2/\lambda` and their SEs.

    :math:`d\lambda/d\beta = -1/(1+\beta)` and :math:`dh/d\beta = -\ln 2\,\lambda'/\lambda^2`;
    NaN where the quantity is undefined (:math:`\beta \le -1`, or :math:`\lambda \le 0` for
    the half-life).
    """
    speed = convergence_speed(beta, 1.0)
    if not np.isfinite(speed):
        return speed, float("nan"), float("nan"), float("nan")
    speed_se = se / (1.0 + beta)
    half = _half_life(speed)
    half_se = float(np.log(2) * speed_se / speed**2) if np.isfinite(half) else float("nan")
    return speed, float(speed_se), half, half_se


@dataclass(frozen=True)
class SpatialBetaResult:
    r"""Spatial beta convergence: the spatial model, the speed and half-life, the spillovers.

    Attributes
    ----------
    regression : SpatialResult
        The fitted spatial panel model of one-period growth on ``log_initial``
        (:math:`\ln y_{i,t-1}`), with ``W.log_initial`` in a Durbin model.
    beta, beta_se : float
        The convergence coefficient (of ``log_initial``) and its standard error.
    speed, speed_se : float
        :math:`\lambda = -\ln(1 + \beta)` per period and its delta-method standard error.
    half_life, half_life_se : float
        :math:`\ln 2/\lambda` in periods (NaN unless :math:`\lambda > 0`) and its SE.
    spillovers : SpatialEffects or None
        LeSage-Pace direct, indirect and total effects (delta method) of every regressor,
        ``log_initial`` first; None for a model without spillovers (``sem``).
    model : str
        ``"sdm"``, ``"sar"``, ``"sem"``, ``"sdem"`` or ``"sac"``.
    effects : str
        The fixed effects: ``"entity"``, ``"time"`` or ``"twoways"``.
    level : float
        Confidence level of the intervals in :meth:`tidy`.
    """

    regression: Result
    beta: float
    beta_se: float
    speed: float
    speed_se: float
    half_life: float
    half_life_se: float
    spillovers: Any
    model: str
    effects: str
    level: float

    def tidy(self) -> pd.DataFrame:
        """Return ``beta``, ``speed``, ``half_life`` and the effects of the initial level.

        Columns ``quantity, estimate, std_error, conf_low, conf_high``.  The intervals of the
        speed and the half-life are the interval of ``beta`` mapped through their
        (monotone) formulas, which keeps them in range (an open end is ``inf``); the
        effects' intervals are normal-based, as ``SpatialEffects.to_frame()``.
        """
        crit = stats.norm.ppf(0.5 + self.level / 2)
        lo, hi = self.beta - crit * self.beta_se, self.beta + crit * self.beta_se
        speeds = sorted(convergence_speed(b, 1.0) for b in (lo, hi))
        halves = [_half_life(speeds[1]), _half_life(speeds[0]) if speeds[0] > 0 else np.inf]
        rows = [("beta", self.beta, self.beta_se, lo, hi),
                ("speed", self.speed, self.speed_se, *speeds),
                ("half_life", self.half_life, self.half_life_se, *halves)]
        if self.spillovers is not None:
            tidy = self.spillovers.to_frame(self.level)
            for row in tidy[tidy["variable"] == "log_initial"].itertuples():
                rows.append((str(row.effect), row.estimate, row.std_error, row.conf_low,
                             row.conf_high))
        return pd.DataFrame(rows, columns=["quantity", "estimate", "std_error", "conf_low",
                                           "conf_high"])

    def __str__(self) -> str:
        parameter = "lambda" if self.model == "sem" else "rho"
        return (f"spatial beta convergence ({self.model.upper()}, {self.effects} fixed effects): "
                f"beta = {self.beta:.6g} (SE {self.beta_se:.4g}), "
                f"{parameter} = {self.regression.params[parameter]:.6g}\n"
                f"speed = {self.speed:.6g} per period (SE {self.speed_se:.4g}), "
                f"half-life = {self.half_life:.4g} periods (SE {self.half_life_se:.4g})\n"
                + self.tidy().to_string(index=False, float_format=lambda v: f"{v:.6g}"))


@guard_keywords
def spatial_beta_convergence(
    data: pd.DataFrame,
    value: str,
    entity: str,
    time: str,
    *,
    w: Any,
    model: Literal["sdm", "sar", "sem", "sdem", "sac"] = "sdm",
    effects: Literal["entity", "time", "twoways"] = "entity",
    controls: Sequence[str] = (),
    durbin: bool | Sequence[str] = True,
    lag_convention: str | None = None,
    level: float = 0.95,
    warn_missing: bool = True,
) -> SpatialBetaResult:
    r"""Spatial beta convergence: a spatial panel model of growth on the initial level.

    The panel form of :func:`beta_convergence` with a spatial model in place of the FE
    regression; e.g. the spatial Durbin model (Elhorst 2014, sec. 3; Rey & Montouri 1999
    for the SAR and SEM forms)

    .. math::

        \ln\frac{y_{it}}{y_{i,t-1}} = \rho \sum_j w_{ij} \ln\frac{y_{jt}}{y_{j,t-1}}
            + \beta \ln y_{i,t-1} + \theta \sum_j w_{ij} \ln y_{j,t-1}
            + \gamma' x_{i,t-1} + \mu_i + \eta_t + \varepsilon_{it},

    estimated by ML (:mod:`stfi_models.models.spatial`) with entity, time or two-way fixed
    effects.  The speed of convergence and the half-life follow from :math:`\beta` over the
    span :math:`\tau = 1` period of the growth rate,

    .. math::

        \lambda = -\frac{\ln(1 + \beta)}{\tau}, \qquad h = \frac{\ln 2}{\lambda},

    with standard errors by the delta method, :math:`se(\lambda) = se(\beta)/(\tau(1+\beta))`
    and :math:`se(h) = \ln 2\, se(\lambda)/\lambda^2`.  With spillovers (a spatial lag of
    the growth rate or ``W.log_initial``), :math:`\beta` is not the effect of a region's
    own initial level on its growth: the LeSage-Pace direct, indirect and total effects of
    ``log_initial`` are (``spillovers``).  With :math:`\rho = 0` and no Durbin term the model
    is the FE regression of :func:`beta_convergence` (``kind="panel"``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel with ``entity`` and numeric ``time`` columns, balanced after the first
        period (every entity of ``w`` in every period with its previous one).
    value : str
        A positive variable (GDP per capita, an index, ...).
    entity, time : str
        Panel keys; the entity ids are those of ``w``.
    w : SpatialWeights
        The spatial weights over the entities (e.g. ``sm.china_weights()``).
    model : {"sdm", "sar", "sem", "sdem", "sac"}, default "sdm"
        The spatial model (:func:`stfi_models.fit`).
    effects : {"entity", "time", "twoways"}, default "entity"
        The fixed effects (``"twoway"`` is taken for ``"twoways"``, as in
        :func:`beta_convergence`).
    controls : sequence of str
        Conditioning variables, measured at ``t - 1``.
    durbin : bool or sequence of str, default True
        ``sdm`` / ``sdem``: the regressors that get a Durbin term ``W.x`` (all by default).
    lag_convention : str, optional
        Spatial lag under time effects, as for the spatial models (default: the lag of the
        demeaned growth, as splm).
    level : float, default 0.95
        Confidence level of :meth:`SpatialBetaResult.tidy`.
    warn_missing : bool, default True
        Warn when rows with missing values are dropped.

    Returns
    -------
    SpatialBetaResult

    Raises
    ------
    SpecificationError
        Non-positive values, unknown options, entities that are not those of ``w``.
    EstimationError
        No consecutive periods, or an unbalanced growth panel (a gap in one entity's series).

    Notes
    -----
    As in every FE regression of growth on the lagged level, :math:`\beta` carries the
    Nickell (1981) bias of order :math:`1/T`; the spatial convergence literature reports
    this static form, as here.

    References
    ----------
    Rey, S. J. & Montouri, B. D. (1999). US regional income convergence: a spatial
    econometric perspective. *Regional Studies* 33(2), 143-156.
    Elhorst, J. P. (2014). *Spatial Econometrics*. Springer.
    LeSage, J. & Pace, R. K. (2009). *Introduction to Spatial Econometrics*. CRC Press.

    Examples
    --------
    >>> import numpy as np
    >>> import stfi_models as sm
    >>> china = sm.load_china_provinces()
    >>> china["gdp_pc"] = china["gdp_nbs"] / china["pop_yearend"]
    >>> res = sm.spatial_beta_convergence(china, "gdp_pc", "prov_code", "year",
    ...                                   w=sm.china_weights(), effects="twoways")
    >>> round(res.beta, 4), round(res.half_life, 1)  # doctest: +SKIP
    """
    func = "spatial_beta_convergence"
    check_choice("model", model, SPATIAL_MODELS)
    check_choice("effects", effects, tuple(_FIXED))
    if not 0 < level < 1:
        raise SpecificationError(f"{func}(): level must be in (0, 1), e.g. 0.95; got {level!r}.")
    from stfi_models.api import fit

    controls = list(controls)
    frame = _prepared(data, value, entity, time, controls, func, warn_missing)
    growth = _growth_panel(frame, value, entity, time, controls, f"{func}()")
    options: dict[str, Any] = {"durbin": durbin} if model in ("sdm", "sdem") else {}
    regression = fit(" + ".join(["growth ~ log_initial", *controls]), growth, model=model, w=w,
                     entity=entity, time=time, effects=_FIXED[effects],
                     lag_convention=lag_convention, **options)
    beta = float(regression.params["log_initial"])
    beta_se = float(regression.std_errors["log_initial"])
    spillovers = (regression.effects(method="delta", level=level)
                  if regression.has_effects else None)
    return SpatialBetaResult(regression, beta, beta_se, *_speed_and_half_life(beta, beta_se),
                             spillovers=spillovers, model=model, effects=_FIXED[effects],
                             level=float(level))
