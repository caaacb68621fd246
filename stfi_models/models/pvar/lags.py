"""Lag-order selection for the panel VAR: Andrews-Lu (2001) model and moment selection criteria.

Job: refit a panel VAR for lag orders ``1..max_lag`` on a common sample and tabulate Hansen's J
and the MMSC (MBIC, MAIC, MQIC) under the Stata ``pvarsoc`` or R panelvar
``Andrews_Lu_MMSC`` convention; :meth:`~stfi_models.models.pvar.results.PanelVARResult.select_lags`
calls :func:`select_lags`.

References
----------
Andrews, D. W. K. and Lu, B. (2001). Consistent model and moment selection procedures for
GMM estimation. *Journal of Econometrics* 101: 123-164.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.models.pvar.estimator import _gmm_system, _VarState
from stfi_models.models.pvar.system import build_system


def select_lags(state: _VarState, max_lag: int = 4, *,
                convention: Literal["stata", "panelvar"] = "stata") -> pd.DataFrame:
    r"""Andrews-Lu (2001) model selection criteria for lags ``1..max_lag`` on a common sample.

    Every order is fitted on the sample of the largest (rows with ``max_lag`` lags), with
    the same instruments and options.

    .. math::

        MBIC = J - h \ln n, \quad MAIC = J - 2h, \quad MQIC = J - Q h \ln\ln n,

    ``convention="stata"`` (``pvarsoc``): ``h`` = J degrees of freedom (moments minus
    parameters), ``Q = 2``; ``"panelvar"`` (``Andrews_Lu_MMSC``): ``h`` = moments minus
    parameters *per equation*, ``Q = 2.1``.  ``n`` = transformed observations.
    ``CD = 1 - det(Sigma)/det(cov(y*))`` with ``cov(y*)`` the covariance (divisor n - 1) of
    the transformed dependent variables, our reading of Stata pvarsoc's coefficient of
    determination (not checked against Stata output).  With GMM residuals it can be
    negative.

    Parameters
    ----------
    state : _VarState
        The fitted model (its options and ``rcond`` are reused for every order).
    max_lag : int
        Largest lag order.
    convention : {"stata", "panelvar"}

    Returns
    -------
    pandas.DataFrame
        Indexed by lag: CD, J, J_pvalue, df, MBIC, MAIC, MQIC, nobs.
    """
    check_choice("convention", convention, ("stata", "panelvar"))
    if not (isinstance(max_lag, int | np.integer) and max_lag >= 1):
        raise SpecificationError(f"max_lag must be a positive integer, got {max_lag!r}.")
    model = state.model
    if model.estimator != "gmm":
        raise SpecificationError("select_lags() needs estimator='gmm' (it uses Hansen's J).")
    rows = []
    for p in range(1, max_lag + 1):
        clone = model.with_lags(p)
        system = build_system(clone, p, max_lag)
        est = _gmm_system(system, 2, state.rcond, with_cov=False)
        m, k = est.coef.shape
        n = system.n_obs
        df = est.n_moments - m * k
        h = df if convention == "stata" else est.n_moments - k
        q = 2.0 if convention == "stata" else 2.1
        y_star = system.y[system.transformed]
        cd = 1 - np.linalg.det(est.sigma) / np.linalg.det(np.cov(y_star, rowvar=False))
        j = float(est.hansen)
        rows.append({"lag": p, "CD": cd, "J": j, "J_pvalue": float(stats.chi2.sf(j, df)),
                     "df": df, "MBIC": j - h * np.log(n), "MAIC": j - 2 * h,
                     "MQIC": j - q * h * np.log(np.log(n)), "nobs": n})
    return pd.DataFrame(rows).set_index("lag")
