r"""Panel vector autoregression estimated by GMM (or by OLS on within-demeaned data).

Model (Holtz-Eakin, Newey and Rosen 1988; Abrigo and Love 2016; Sigmund and Ferstl 2021):

.. math::

    y_{it} = \sum_{j=1}^{p} A_j\, y_{i,t-j} + B\, x_{it} + \mu_i + \varepsilon_{it},
    \qquad y_{it} \in \mathbb{R}^m,

with fixed effects :math:`\mu_i` removed by forward orthogonal deviations (``"fod"``,
default) or first differences (``"fd"``).  The transformation is applied to the equation on
its estimation sample (dependent variables, their lags and the exogenous regressors), and,
as in xtabond2 and R panelvar, the orthogonal deviation of period ``t`` is dated ``t + 1``,
so instrument lags mean the same under both transformations.

Instruments (default = R panelvar's default and example 1): GMM-style lagged *levels* of every
dependent variable, lags ``2`` and up (``| gmm(2:.)``), one column per period and lag; missing
instruments are zero.  Exogenous regressors instrument themselves (transformed).
``| gmm(2:4, collapse=True)`` shortens or collapses the block; ``| gmm(a, 2:3)`` names the
instrumenting variables explicitly.

System GMM (``system=True``; Arellano and Bover 1995, Blundell and Bond 1998; R panelvar's
``system_instruments=TRUE``): every sample row (a period with ``y`` and its ``p`` lags
observed) also enters in *levels*, ``y_t = A_1 y_{t-1} + .. + B x_t + c + (\mu_i +
\varepsilon_t)``, stacked under the transformed rows.  Conventions:

* levels instruments: for each block ``gmm(z, a:b)`` the difference ``Δz_{t-a+1}`` (lag 1
  for the default ``2:.``), one column per period (per block when collapsed), zero where
  unavailable -- xtabond2's choice (earlier differences are redundant given the transformed
  equation's moments); exogenous regressors are one column each, transformed on the
  transformed rows and in levels on the levels rows (xtabond2's ``iv(x)``);
* constant: each equation gets a constant (``Intercept``) in its levels rows (zero in the
  transformed rows), instrumented by itself; omitted with ``- 1`` in the formula;
* one-step weight: ``H_i = V_iV_i'`` with ``V_i = [T_i; I]`` stacking the transformation
  rows ``T_i`` (FD or FOD of the entity's sample rows) on the identity of its levels rows,
  :math:`W_1 = I_m \otimes (\sum_i Z_i'V_iV_i'Z_i)^{-1}` (pvar.md §2; ``C = F`` under FOD,
  where xtabond2 puts 0).  Under FD this is xtabond2's ``h(3)``, so a one-variable model
  equals ``model="sys-gmm"`` with ``transform="fd", h=3``; with all lags as instruments on a
  balanced panel FD and FOD give the same estimates (Arellano-Bover invariance);
* two-step weight joint over equations, Windmeijer covariance for the whole system and
  Hansen's J as without levels; ``Sigma`` and ``nobs`` use the transformed rows only, with
  divisor ``n - K`` where ``K`` excludes the constant (it is absent from those rows).

Estimator: the ``m`` equations are one linear GMM problem with block-diagonal regressors
:math:`I_m \otimes X_i` and instruments :math:`I_m \otimes Z_i` per entity, so that

* one step: :math:`W_1 = I_m \otimes (\sum_i Z_i' H Z_i)^{-1}` (``H = I`` for FOD,
  ``tridiag(-1, 2, -1)`` for FD) -- equation-by-equation GMM with a common weight;
* two step: :math:`W_2 = (\sum_i g_i g_i')^{+}`, :math:`g_i = \mathrm{vec}(Z_i'\hat E_{1i})`,
  *joint* over the equations, with Windmeijer (2005) corrected covariance for the whole
  system and Hansen's J.

Computation: the estimates are obtained from per-entity cross products (``Z_i'H_iZ_i``
with the engine's ``H`` structure -- :func:`~stfi_models.models.gmm.engine.h_identity`,
:func:`~stfi_models.models.gmm.engine.h_first_difference` or, for system GMM,
:func:`~stfi_models.models.gmm.engine.h_outer` --, ``Z_i'X_i``, ``Z_i'Y_i``), which is
algebraically the engine's
:func:`~stfi_models.models.gmm.engine.gmm_fit` on the stacked block-diagonal system (a test
checks this) but needs only ``L x L`` work for the one-step weight; the same cross products
make a bootstrap refit cost milliseconds.  The Windmeijer covariance comes from the engine.

``W_2`` is a Moore-Penrose inverse with relative tolerance ``rcond`` (default
``sqrt(machine eps)`` = R ``MASS::ginv``, which R panelvar uses): with many moments relative
to entities, :math:`\sum_i g_i g_i'` is numerically rank-deficient (Dahlberg example: 252
moments, 265 entities, condition number 4e9, numerical rank 221), and the truncation changes
the estimate.  ``rcond=0`` asks for the plain inverse.

The residual covariance used by impulse responses is
:math:`\hat\Sigma = \hat E'\hat E/(n - K)` from the *transformed* residuals (``n``
transformed observations, ``K`` regressors per equation), as R panelvar; with
``estimator="fe-ols"`` the divisor is ``n - N - K`` (statsmodels VAR's for one entity).

References
----------
Holtz-Eakin, D., Newey, W. and Rosen, H. S. (1988). Estimating vector autoregressions with
panel data. *Econometrica* 56(6): 1371-1395.
Arellano, M. and Bover, O. (1995). *Journal of Econometrics* 68: 29-51.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Love, I. and Zicchino, L. (2006). *Quarterly Review of Economics and Finance* 46(2): 190-210.
Abrigo, M. R. M. and Love, I. (2016). Estimation of panel vector autoregression in Stata.
*Stata Journal* 16(3): 778-804.
Sigmund, M. and Ferstl, R. (2021). Panel vector autoregression in R with the package
panelvar. *Quarterly Review of Economics and Finance* 80: 693-720.
Andrews, D. W. K. and Lu, B. (2001). Consistent model and moment selection procedures for
GMM estimation. *Journal of Econometrics* 101: 123-164.

Modules
-------
:mod:`~stfi_models.models.pvar.model`
    :class:`PanelVAR`: formula reading, validation, ``fit()``, result assembly.
:mod:`~stfi_models.models.pvar.system`
    The transformed (and levels) equations and their instruments.
:mod:`~stfi_models.models.pvar.estimator`
    The GMM core on per-entity cross products.
:mod:`~stfi_models.models.pvar.results`
    :class:`PanelVARResult`: stability, Granger tests, IRF and FEVD.
:mod:`~stfi_models.models.pvar.bands`
    Monte Carlo and bootstrap bands (joblib ``loky`` or ``dask``).
:mod:`~stfi_models.models.pvar.lags`
    Lag selection by the Andrews-Lu criteria.
"""

from __future__ import annotations

from stfi_models.models.pvar.model import PanelVAR
from stfi_models.models.pvar.results import PanelVARResult

__all__ = ["PanelVAR", "PanelVARResult"]
