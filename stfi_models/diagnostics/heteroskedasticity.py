r"""Modified Wald test for groupwise heteroskedasticity in fixed-effects residuals.

Greene (2000, p. 598; Stata ``xttest3``, Baum 2001): with :math:`e_{it}` the within
residuals, :math:`\hat\sigma_i^2 = T_i^{-1}\sum_t e_{it}^2`,
:math:`\hat\sigma^2 = n^{-1}\sum_{it} e_{it}^2` and
:math:`V_i = [T_i(T_i - 1)]^{-1}\sum_t (e_{it}^2 - \hat\sigma_i^2)^2`,

.. math:: W = \sum_{i=1}^N (\hat\sigma_i^2 - \hat\sigma^2)^2 / V_i \sim \chi^2_N

under :math:`H_0: \sigma_i^2 = \sigma^2` for all i.  Entities with one period have no
:math:`V_i` and are refused; the test is known to over-reject when T is small.

References
----------
Greene, W. H. (2000). Econometric Analysis, 4th ed. Prentice Hall, p. 598.
Baum, C. F. (2001). Residual diagnostics for cross-section time series regression models.
Stata Journal 1(1), 101-104.
"""

from __future__ import annotations

from scipy import stats

from stfi_models.diagnostics._residuals import panel_resid, require_model
from stfi_models.exceptions import EstimationError
from stfi_models.results.result import Result, TestResult

__all__ = ["groupwise_heteroskedasticity"]


def groupwise_heteroskedasticity(res: Result) -> TestResult:
    """Run the modified Wald test (xttest3) on a fixed-effects Result."""
    require_model(res, ("fe",), "groupwise_heteroskedasticity",
                  "Fit the formula with model='fe' and pass that Result.")
    e = panel_resid(res, "groupwise_heteroskedasticity")
    e2 = e ** 2
    groups = e2.groupby(level=0, sort=True)
    t_i = groups.size()
    short = t_i[t_i < 2]
    if len(short):
        raise EstimationError(
            f"Entities {list(short.index[:5])} have one period only: the groupwise "
            "heteroskedasticity test needs 2+ periods per entity; drop them.")
    sigma_i = groups.mean()
    sigma = float(e2.mean())
    dev = (e2 - sigma_i.reindex(e2.index.get_level_values(0)).to_numpy()) ** 2
    v_i = dev.groupby(level=0, sort=True).sum() / (t_i * (t_i - 1))
    if (v_i <= 0).any():
        raise EstimationError(
            "Some entity has constant squared residuals, so its variance of sigma_i^2 is "
            "zero and the modified Wald test is undefined.")
    stat = float(((sigma_i - sigma) ** 2 / v_i).sum())
    n = len(t_i)
    return TestResult(stat=stat, pvalue=float(stats.chi2.sf(stat, n)), df=float(n),
                      name="Modified Wald (groupwise heteroskedasticity)", dist="chi2",
                      null="homoskedastic errors across entities (sigma_i^2 = sigma^2)")


