r"""Mediation analysis on panels: Baron-Kenny steps, Sobel-type tests, cluster bootstrap.

The chain treatment :math:`X` -> mediator :math:`M` -> outcome :math:`Y` is estimated with the
*same* panel estimator (:func:`stfi_models.fit`) in three steps on one common sample:

.. math::

    Y_{it} &= c\,X_{it} + W_{it}'\delta_1 + \text{effects} + e_{1,it}
        \quad\text{(total effect } c\text{)}, \\
    M_{j,it} &= a_j\,X_{it} + W_{it}'\delta_{2j} + \text{effects} + e_{2j,it}
        \quad\text{(a paths)}, \\
    Y_{it} &= c'\,X_{it} + \textstyle\sum_j b_j M_{j,it} + W_{it}'\delta_3 + \text{effects}
        + e_{3,it} \quad\text{(direct effect } c'\text{ and b paths)}.

The indirect effect through :math:`M_j` is :math:`a_j b_j`; for least squares (pooled OLS or
the within estimator) on a common sample the decomposition :math:`c = c' + \sum_j a_j b_j`
holds exactly (the omitted-variable formula).  Several treatments enter every equation
jointly, so each path of a treatment holds the other treatments fixed.

Inference on :math:`a b`:

* Sobel (1982): :math:`\mathrm{se} = \sqrt{b^2 s_a^2 + a^2 s_b^2}`; Aroian (1947) adds
  :math:`s_a^2 s_b^2` under the root, Goodman (1960) subtracts it; :math:`z = ab/\mathrm{se}`
  with a two-sided normal p-value.  :math:`s_a, s_b` come from the steps' covariance
  (``vcov=``), so they are cluster-robust when asked.
* Bootstrap (Efron & Tibshirani 1993, ch. 13-14): whole entities are resampled with
  replacement (the cluster bootstrap, Cameron, Gelbach & Miller 2008); a drawn entity enters
  as a new entity, so its fixed effect is re-estimated.  Percentile intervals take the
  :math:`\alpha/2` and :math:`1-\alpha/2` quantiles of the draws; bias-corrected (BC)
  intervals take the quantiles :math:`\Phi(2 z_0 \pm z_{1-\alpha/2})` with
  :math:`z_0 = \Phi^{-1}(\#\{\hat\theta^* < \hat\theta\}/B)` (Efron 1981; MacKinnon,
  Lockwood & Williams 2004 recommend BC for indirect effects).  BCa intervals (Efron 1987;
  Efron & Tibshirani 1993, ch. 14; Davison & Hinkley 1997, §5.3) take the quantiles
  :math:`\Phi(z_0 + (z_0 \pm z_{1-\alpha/2})/(1 - \hat a (z_0 \pm z_{1-\alpha/2})))` with
  the acceleration :math:`\hat a = \sum_g d_g^3 / (6 (\sum_g d_g^2)^{3/2})`,
  :math:`d_g = \bar\theta_{(\cdot)} - \hat\theta_{(g)}`, from the delete-one-entity
  jackknife (the resampling unit; delete-one-row for a cross-section).  Quantiles interpolate
  linearly (R's type 7, numpy's default).  Without panel keys each row is its own entity
  (ordinary case resampling, as pingouin's ``mediation_analysis``).

The package splits the work into one job per module:

* :mod:`~stfi_models.models.mediation.api`: :func:`mediate`, the front door (argument checks,
  the steps, the bootstrap, assembling the result);
* :mod:`~stfi_models.models.mediation.spec`: roles, formulas and estimator options of the steps;
* :mod:`~stfi_models.models.mediation.steps`: the Baron-Kenny steps on one common sample and
  the vector of paths;
* :mod:`~stfi_models.models.mediation.sobel`: Sobel, Aroian and Goodman tests;
* :mod:`~stfi_models.models.mediation.bootstrap`: the cluster bootstrap (draws, replicate
  engines, the jackknife, percentile, BC and BCa intervals);
* :mod:`~stfi_models.models.mediation.results`: :class:`MediationResult`;
* :mod:`~stfi_models.models.mediation.plot`: its path diagram.

References
----------
Baron, R. M. & Kenny, D. A. (1986). J. Pers. Soc. Psychol. 51(6), 1173-1182.
Sobel, M. E. (1982). Sociological Methodology 13, 290-312.
Aroian, L. A. (1947). Ann. Math. Statist. 18(2), 265-271.
Goodman, L. A. (1960). J. Amer. Statist. Assoc. 55(292), 708-713.
Efron, B. (1981). Canadian Journal of Statistics 9(2), 139-158.
Efron, B. (1987). J. Amer. Statist. Assoc. 82(397), 171-185.
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application. CUP.
MacKinnon, D. P., Lockwood, C. M. & Williams, J. (2004). Multivariate Behav. Res. 39(1), 99-128.
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Rev. Econ. Stat. 90(3), 414-427.
"""

from __future__ import annotations

from stfi_models.models.mediation.api import MIN_CLUSTERS, mediate
from stfi_models.models.mediation.bootstrap import CI_METHODS
from stfi_models.models.mediation.results import MediationResult
from stfi_models.models.mediation.sobel import sobel_tests
from stfi_models.models.mediation.steps import PATHS

__all__ = ["mediate", "MediationResult", "sobel_tests", "CI_METHODS", "MIN_CLUSTERS", "PATHS"]
