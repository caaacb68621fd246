r"""Total factor productivity (TFP) of a province panel by growth accounting.

With a Cobb-Douglas technology under constant returns,

.. math::

    Y_{it} = A_{it} K_{it}^{\alpha} L_{it}^{1-\alpha}
    \quad\Longrightarrow\quad
    \ln A_{it} = \ln Y_{it} - \alpha \ln K_{it} - (1-\alpha) \ln L_{it},

the log of TFP is the Solow (1957) residual.  Two ways to set the capital share
:math:`\alpha`:

* ``method="solow"`` (default): a stated share, ``alpha=0.5``.  Estimates for China lie
  around one half (Bai, Hsieh and Qian 2006 put the capital share of national income near
  0.5; Chow and Li 2002 estimate a capital elasticity near 0.6): pass your own.
* ``method="regression"``: :math:`\alpha` estimated from the intensive form with province
  and year fixed effects, :math:`\ln(Y/L)_{it} = \alpha\ln(K/L)_{it} + \mu_i + \lambda_t +
  e_{it}` (FE, entity-clustered SEs), then the residual above with :math:`\hat\alpha`.
  The estimate is on ``TFPResult.regression``.

Measurement caveats for the bundled China data (``china_citation()``):

* Output ``gdp_nbs`` is at *current* prices and the bundle holds no GDP deflator.  Pass
  ``deflator=`` (a price-index column) to deflate; without one, :math:`\ln A` carries the
  price level, whose common part is absorbed by year effects (or by removing cross-section
  means, as the panel VAR step of the replication does) but whose province-specific part
  is not.  The investment price index is *not* a GDP deflator; it is not used by default.
* Capital ``capital_stock_1952p`` is a perpetual-inventory stock at 1952 prices (Zhang, Wu
  and Zhang 2004) whose levels compare poorly across provinces: :math:`\ln A` levels are
  comparable within a province over time (entity fixed effects remove the rest), which is
  how every downstream model of the replication uses them.  It ends in 2022.
* Labour is year-end population (there is no employment series): TFP here is output per
  resident net of capital deepening.

References
----------
Solow, R. M. (1957). Technical change and the aggregate production function. *Review of
Economics and Statistics* 39(3): 312-320.
Chow, G. C. and Li, K.-W. (2002). China's economic growth: 1952-2010. *Economic Development
and Cultural Change* 51(1): 247-256.
Bai, C.-E., Hsieh, C.-T. and Qian, Y. (2006). The return to capital in China. *Brookings
Papers on Economic Activity* 2006(2): 61-101.
Zhang, J., Wu, G. and Zhang, J. (2004). The estimation of China's provincial capital stock:
1952-2000. *Economic Research Journal* 2004(10): 35-44.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import MissingValueWarning, SpecificationError, check_choice
from stfi_models.results.result import Result

__all__ = ["TFPResult", "tfp"]


@dataclass(frozen=True)
class TFPResult:
    """Log TFP by entity and period.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``entity``, ``time``, ``ln_tfp`` (the residual), ``tfp_growth`` (its first difference
        within entity, ``NaN`` in an entity's first period or after a gap) and ``tfp_index``
        (:math:`A_{it}/A_{i,t_0}`, ``t_0`` the entity's first period).
    alpha : float
        The capital share used.
    method : str
        ``"solow"`` or ``"regression"``.
    regression : Result or None
        The intensive-form FE regression (``method="regression"``).
    n_dropped : int
        Rows dropped for missing or non-positive inputs.
    """

    frame: pd.DataFrame
    alpha: float
    method: str
    regression: Result | None
    n_dropped: int


def _positive_inputs(data: pd.DataFrame, columns: list[str], keys: list[str]) -> pd.DataFrame:
    missing = [c for c in keys + columns if c not in data.columns]
    if missing:
        raise SpecificationError(
            f"tfp(): column(s) {missing} not in the data; columns are {list(data.columns)[:12]}"
            f"{' ...' if data.shape[1] > 12 else ''}."
        )
    frame = data[keys + columns].copy()
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    values = frame[columns].to_numpy(float)
    bad = ~np.all(np.isfinite(values) & (values > 0), axis=1)
    if bad.any():
        warnings.warn(
            f"tfp(): {int(bad.sum())} row(s) dropped for missing or non-positive "
            f"{', '.join(columns)} (logs need positive values).",
            MissingValueWarning, stacklevel=3,
        )
    return frame.loc[~bad]


def tfp(
    data: pd.DataFrame,
    *,
    output: str,
    capital: str,
    labour: str,
    entity: str,
    time: str,
    alpha: float = 0.5,
    method: Literal["solow", "regression"] = "solow",
    deflator: str | None = None,
) -> TFPResult:
    r"""Log total factor productivity as the Solow residual of a Cobb-Douglas technology.

    .. math::

        \ln A_{it} = \ln (Y_{it}/P_{it}) - \alpha \ln K_{it} - (1-\alpha)\ln L_{it}

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel.
    output, capital, labour : str
        Columns of output :math:`Y`, capital stock :math:`K` and labour :math:`L` (all > 0).
    entity, time : str
        Panel keys.
    alpha : float, default 0.5
        Capital share in (0, 1) for ``method="solow"``.
    method : {"solow", "regression"}
        Stated share, or share estimated by two-way FE on the intensive form (module
        docstring).
    deflator : str, optional
        Price-index column; output is divided by it before taking logs.

    Returns
    -------
    TFPResult

    Raises
    ------
    SpecificationError
        Missing columns, a share outside (0, 1), duplicate (entity, time) rows, or an
        estimated share outside (0, 1).

    Examples
    --------
    >>> from stfi_models.datasets import load_china_provinces
    >>> from stfi_models.productivity import tfp
    >>> res = tfp(load_china_provinces(), output="gdp_nbs", capital="capital_stock_1952p",
    ...           labour="pop_yearend", entity="province_en", time="year")  # doctest: +SKIP
    """
    check_choice("method", method, ("solow", "regression"))
    if method == "solow" and not 0 < alpha < 1:
        raise SpecificationError(f"tfp(): alpha is the capital share, in (0, 1); got {alpha}.")
    columns = [output, capital, labour] + ([deflator] if deflator else [])
    keys = [entity, time]
    frame = _positive_inputs(data, columns, keys)
    n_dropped = len(data) - len(frame)
    if frame.duplicated(keys).any():
        raise SpecificationError(f"tfp(): duplicate ({entity}, {time}) rows; one row per "
                                 "entity and period is needed.")
    frame = frame.sort_values(keys).reset_index(drop=True)
    ln_y = np.log(frame[output].to_numpy(float))
    if deflator:
        ln_y = ln_y - np.log(frame[deflator].to_numpy(float))
    ln_k = np.log(frame[capital].to_numpy(float))
    ln_l = np.log(frame[labour].to_numpy(float))
    regression = None
    if method == "regression":
        regression = _share_regression(frame, ln_y - ln_l, ln_k - ln_l, entity, time)
        alpha = float(regression.params["ln_k_per_l"])
        if not 0 < alpha < 1:
            raise SpecificationError(
                f"tfp(method='regression'): the estimated capital share is {alpha:.3f}, outside "
                "(0, 1); use method='solow' with a stated alpha."
            )
    ln_a = ln_y - alpha * ln_k - (1 - alpha) * ln_l
    out = frame[keys].assign(ln_tfp=ln_a)
    step = out.groupby(entity)[time].diff()
    growth = out.groupby(entity)["ln_tfp"].diff()
    out["tfp_growth"] = growth.where(step == 1)
    out["tfp_index"] = np.exp(out["ln_tfp"] - out.groupby(entity)["ln_tfp"].transform("first"))
    return TFPResult(out, float(alpha), method, regression, n_dropped)


def _share_regression(frame: pd.DataFrame, ln_y_per_l: np.ndarray, ln_k_per_l: np.ndarray,
                      entity: str, time: str) -> Result:
    from stfi_models.api import fit

    work = pd.DataFrame({"_e": frame[entity].to_numpy(), "_t": frame[time].to_numpy(),
                         "ln_y_per_l": ln_y_per_l, "ln_k_per_l": ln_k_per_l})
    return fit("ln_y_per_l ~ ln_k_per_l + C(_e) + C(_t)", work, entity="_e", time="_t",
               model="fe", vcov="cluster")
