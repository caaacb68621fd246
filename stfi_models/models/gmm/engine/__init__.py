r"""Linear panel GMM engine shared by difference/system GMM, the panel VAR and dynamic thresholds.

API for other estimators
------------------------
Everything works on *stacked equation rows*: each row is one observation of one transformed
equation (a first-differenced or orthogonal-deviation row, or a levels row in system GMM) and
carries an entity code (``0..N-1``) and an integer time label.  Nothing here forms an
``NT x NT`` or ``N x N`` matrix: cross products are sums of per-entity blocks, computed through
a sparse ``H`` (built from within-entity row pairs) and a sparse entity-indicator matrix, so
memory grows linearly in ``N``.  The engine imports nothing of the models above it.

The names below are importable from here; each lives in the module named in its heading.

1. Transform (``transform``; on the rows of one entity-sorted panel, any subset of its periods):

   * :func:`first_difference` -- ``Δx_t = x_t - x_{t-1}``; missing after a gap.
   * :func:`forward_orthogonal_deviations` -- Arellano-Bover (1995) FOD over the *available*
     later rows, labelled ``t + 1`` as xtabond2 does (so instrument lags mean the same under
     both transforms).
   * :func:`lookup` -- the value of a variable at ``(entity, time - lag)``: the primitive
     behind every instrument.

2. Instruments (``columns``; ``n_rows x L`` dense blocks; missing entries are zero, as in xtabond2):

   * :func:`gmm_style` -- GMM-style columns, one per (period, lag) or one per lag
     (``collapse=True``), for lag ranges ``a:b`` or open ``a:.``.
   * :func:`level_gmm_style` -- the system-GMM levels instruments ``Δz_{t-a+1}``.
   * :func:`independent_columns` -- drop zero and collinear columns, greedily in order
     (how xtabond2 prunes IV-style instruments and time dummies).

3. Weighting structure ``H`` of the one-step estimator (``weighting``) as a
   :class:`HStructure` (a list of within-entity row pairs and weights):
   :func:`h_first_difference`, :func:`h_identity`, :func:`h_system` (xtabond2 ``h(1)``,
   ``h(2)``, ``h(3)``); :func:`h_outer` builds ``H = V V'`` from any sparse transformation
   ``V`` (R panelvar's convention).

4. Estimation (``fit``): :func:`gmm_fit` with ``y`` (n,), ``X`` (n, K), ``Z`` (n, L), entity
   codes and an :class:`HStructure` returns a :class:`GmmFit` holding the one-step and
   two-step (or iterated) estimates, their covariance matrices (one-step non-robust and
   cluster-robust, two-step plain and Windmeijer-corrected), Sargan and Hansen statistics and
   the cross products (``Z'X``, ``Z'y``, ``S``) the tests reuse.  ``sigma2=`` sets the
   error-variance convention of the non-robust covariance and the Sargan statistic.  A system
   of equations (a panel VAR) is one call on :func:`stack_equations` (``stack``) output
   (block-diagonal ``X`` and ``Z``, ``I ⊗ H``; the two-step weight then carries the
   cross-equation moment covariance), or one call per equation.

5. Tests (``statistics``): :func:`hansen_j` (from cross products; difference-in-Hansen on an
   instrument subset), :func:`arellano_bond_ar` (AR(m) in the differenced residuals),
   :func:`wald_test`, :func:`chi2_pvalue`.

6. On their own: :func:`windmeijer` (``windmeijer``), the corrected two-step covariance;
   :func:`entity_sums` (``algebra``, beside the weight inverse and the weighted solve that
   :func:`gmm_fit` and :func:`hansen_j` share), per-entity sums.

Typical use (difference GMM by hand)::

    dy = first_difference(y, ent, t)                     # on the sample rows
    z, names = gmm_style(y_full, ent_full, t_full, ent, t, (2, None))
    fit = gmm_fit(dy[ok], dx[ok], z[ok], ent[ok], h_first_difference(ent[ok], t[ok]))
    fit.params2, fit.cov["windmeijer"], fit.hansen

The estimator's formulas (one- and two-step weights) stand in ``fit``.

References
----------
Arellano, M. and Bond, S. (1991). Some tests of specification for panel data. *Review of
Economic Studies* 58: 277-297.
Arellano, M. and Bover, O. (1995). Another look at the instrumental variable estimation of
error-components models. *Journal of Econometrics* 68: 29-51.
Blundell, R. and Bond, S. (1998). Initial conditions and moment restrictions in dynamic panel
data models. *Journal of Econometrics* 87: 115-143.
Windmeijer, F. (2005). A finite sample correction for the variance of linear efficient
two-step GMM estimators. *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

from stfi_models.models.gmm.engine.algebra import entity_sums
from stfi_models.models.gmm.engine.columns import (
    gmm_style,
    independent_columns,
    level_gmm_style,
)
from stfi_models.models.gmm.engine.fit import GmmFit, gmm_fit
from stfi_models.models.gmm.engine.stack import stack_equations
from stfi_models.models.gmm.engine.statistics import (
    arellano_bond_ar,
    chi2_pvalue,
    hansen_j,
    wald_test,
)
from stfi_models.models.gmm.engine.transform import (
    first_difference,
    forward_orthogonal_deviations,
    lookup,
)
from stfi_models.models.gmm.engine.weighting import (
    HStructure,
    h_first_difference,
    h_identity,
    h_outer,
    h_system,
)
from stfi_models.models.gmm.engine.windmeijer import windmeijer

__all__ = [
    "first_difference",
    "forward_orthogonal_deviations",
    "lookup",
    "gmm_style",
    "level_gmm_style",
    "independent_columns",
    "HStructure",
    "h_first_difference",
    "h_identity",
    "h_system",
    "h_outer",
    "GmmFit",
    "gmm_fit",
    "hansen_j",
    "arellano_bond_ar",
    "wald_test",
    "entity_sums",
    "stack_equations",
    "windmeijer",
    "chi2_pvalue",
]
