r"""Wooldridge's tests for serial correlation in fixed-effects panels.

Both regress a residual on its own lag within entity (pooled OLS with an intercept) and test
the slope with the cluster-robust (Arellano 1987, by entity, no small-sample factor)
variance, :math:`F = ((\hat\rho - \rho_0)/se)^2 \sim F(1, n_{aux} - 2)`, as R plm:

* :func:`wooldridge_fd` (Wooldridge 2002, sec. 10.6.3; Stata ``xtserial``; plm ``pwfdtest``):
  first-difference residuals; under no serial correlation in the level errors
  (``h0="fe"``) their AR(1) coefficient is :math:`-0.5`; ``h0="fd"`` tests 0 (no serial
  correlation in the differenced errors, a random walk in levels).
* :func:`wooldridge_fe` (Wooldridge 2010, sec. 10.5.4; plm ``pwartest``): within residuals,
  whose AR(1) coefficient is :math:`-1/(T - 1)` under serially uncorrelated errors
  (:math:`T` the number of periods).

Lags follow the time index: a gap gives no lag (plm lags by row, which is the same on panels
without gaps).  Stata's ``xtserial`` differs in details (no intercept in the differenced
regression, ``regress``'s cluster factor); these follow plm.

References
----------
Wooldridge, J. M. (2002, 2010). Econometric Analysis of Cross Section and Panel Data. MIT Press.
Drukker, D. M. (2003). Testing for serial correlation in linear panel-data models.
Stata Journal 3(2), 168-177.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stfi_models.diagnostics._residuals import lagged, panel_resid, require_model
from stfi_models.exceptions import EstimationError, check_choice
from stfi_models.results.result import Result, TestResult

__all__ = ["wooldridge_fd", "wooldridge_fe", "ar1_cluster_test"]


def ar1_cluster_test(e: np.ndarray, e_lag: np.ndarray, entity: np.ndarray, rho0: float
                     ) -> tuple[float, int]:
    """F statistic of ``rho = rho0`` in ``e = a + rho e_lag`` (Arellano covariance)."""
    n = e.size
    if n < 3 or np.unique(entity).size < 2:
        raise EstimationError(
            f"Only {n} residuals with an observed previous period: the panel is too short "
            "for a serial-correlation test (every entity needs 3+ consecutive periods).")
    x = np.column_stack([np.ones(n), e_lag])
    xtx_inv = np.linalg.inv(x.T @ x)
    coef = xtx_inv @ (x.T @ e)
    u = e - x @ coef
    sums = np.zeros((int(entity.max()) + 1, 2))
    np.add.at(sums, entity, x * u[:, None])
    cov = xtx_inv @ (sums.T @ sums) @ xtx_inv
    return float((coef[1] - rho0) ** 2 / cov[1, 1]), n - 2


def wooldridge_fd(res: Result, *, h0: str = "fe") -> TestResult:
    """Wooldridge (2002) first-difference test for serial correlation (xtserial, pwfdtest).

    Parameters
    ----------
    res : Result
        A first-difference fit (``model="fd"``) of the model.
    h0 : {"fe", "fd"}
        ``"fe"``: no serial correlation in the level errors (rho = -0.5);
        ``"fd"``: none in the differenced errors (rho = 0).
    """
    h0 = check_choice("h0", h0, ("fe", "fd"))
    require_model(res, ("fd",), "wooldridge_fd",
                  "Fit the same formula with model='fd' and pass that Result.")
    e, e_lag, ent = lagged(panel_resid(res, "wooldridge_fd"))
    rho0 = -0.5 if h0 == "fe" else 0.0
    stat, df2 = ar1_cluster_test(e, e_lag, ent, rho0)
    what = "level" if h0 == "fe" else "differenced"
    return TestResult(stat=stat, pvalue=float(stats.f.sf(stat, 1, df2)), df=(1.0, float(df2)),
                      name="Wooldridge first-difference test (serial correlation)", dist="F",
                      null=f"no serial correlation in the {what} errors")


def wooldridge_fe(res: Result) -> TestResult:
    """Wooldridge (2010) test for serial correlation in FE panels (plm ``pwartest``).

    Parameters
    ----------
    res : Result
        A fixed-effects fit (``model="fe"``) with entity effects.
    """
    require_model(res, ("fe",), "wooldridge_fe",
                  "Fit the same formula with model='fe' (entity effects) and pass that Result.")
    resid = panel_resid(res, "wooldridge_fe")
    n_periods = resid.index.get_level_values(1).nunique()
    if n_periods < 3:
        raise EstimationError(
            f"The panel has {n_periods} periods: too short for Wooldridge's FE test (within "
            "residuals of 2 periods are perfectly negatively correlated); it needs 3+.")
    e, e_lag, ent = lagged(resid)
    stat, df2 = ar1_cluster_test(e, e_lag, ent, -1.0 / (n_periods - 1))
    return TestResult(stat=stat, pvalue=float(stats.f.sf(stat, 1, df2)), df=(1.0, float(df2)),
                      name="Wooldridge test for serial correlation in FE panels", dist="F",
                      null="no serial correlation in the idiosyncratic errors")
