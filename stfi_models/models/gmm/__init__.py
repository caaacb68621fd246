r"""Dynamic panel GMM: Arellano-Bond difference GMM and Blundell-Bond system GMM.

.. math::

    y_{it} = \sum_{j=1}^{p} \rho_j y_{i,t-j} + x_{it}'\beta + \tau_t + \eta_i
             + \varepsilon_{it}

Difference GMM (Arellano and Bond 1991) removes :math:`\eta_i` by first differences (or
forward orthogonal deviations, Arellano and Bover 1995) and instruments the transformed
equation with lagged levels; system GMM (Arellano and Bover 1995; Blundell and Bond 1998)
adds the levels equation instrumented with lagged differences.  Formula::

    n ~ L(n, 1:2) + L(w, 0:1) + k + C(year) | gmm(n, 2:.) + iv(L(w, 0:1), k)

* ``gmm(z, a:b, collapse=False, eq=...)``: GMM-style instruments ``z_{t-a} ... z_{t-b}``
  for the transformed equation (``a:.`` = all available lags), one column per period and lag
  (or per lag when collapsed); in system GMM also ``Δz_{t-a+1}`` for the levels equation
  (xtabond2's convention).  ``eq`` defaults to ``"both"`` in system GMM.
* ``iv(x1, x2, eq=...)``: IV-style instruments, one column each, transformed like the
  regressors for the transformed equation and in levels for the levels equation (with
  ``eq="both"``, the default, one column serves both equations, as in xtabond2).  Rows
  where an IV-style instrument is missing leave that equation (xtabond2 without ``mz``).
  A regressor that appears in no block is endogenous (instrumented by the others only);
  a :class:`SpecificationWarning` says so.
* ``transform="fod"``: forward orthogonal deviations over the available later rows,
  labelled ``t + 1`` as in xtabond2, so ``gmm(y, 2:.)`` means the same under both
  transforms.  AR tests always use first-differenced residuals.
* ``C(<time key>)``: time dummies, handled as xtabond2 does with ``yr*`` in both the
  regressor list and ``iv()``: they are transformed with the other regressors and serve as
  their own IV-style instruments -- in the transformed equation for difference GMM, in the
  levels equation only for system GMM (Roodman 2009 §3.4, ``iv(yr*, eq(level))``).
  Collinear dummies are dropped greedily in time order after the constant (so slopes,
  which do not depend on the parametrisation, match every package; the dummies and the
  constant match xtabond2's own parametrisation).
* The constant: differenced away in difference GMM; in system GMM it enters the levels
  equation and instruments it.

Conventions (see ``validation/gmm/README.md`` for the mapping to Stata/plm/DPD):

* one-step non-robust covariance ``sigma2 (X'ZW_1Z'X)^{-1}`` and the Sargan statistic with
  xtabond2's ``sigma2`` = SSR of the transformed equation / (2n) (n = reported observations;
  ``/ n`` under orthogonal deviations), times ``n / (n - k)`` under ``sigma2_df="n-k"``
  (Stata xtabond, gretl/DPD);
* ``vcov="robust"``: one-step cluster-robust sandwich, two-step Windmeijer (2005);
* ``small=True``: covariance times xtabond2's factor (:func:`small_sample_factor`), t and F
  inference;
* system-GMM one-step weight ``h=3`` (xtabond2 default, also plm 2.6's ``"ld"``), ``h=2``
  (DPD for Ox), ``h=1`` (identity, Blundell-Bond 1998 as published).

The package has two layers.  ``engine`` is the lower one: the linear panel GMM machinery on
stacked equation rows (transforms, instrument columns, the one-step ``H``, one-/two-step and
iterated estimation, the Windmeijer correction, Hansen/AR/Wald statistics), shared with the
panel VAR and the dynamic threshold model and importing nothing of the models.  Above it, one
module per job:

* ``model``: :class:`DiffGMM`, :class:`SystemGMM` and their ``fit``;
* ``system``: :func:`build_system`, the stacked estimating equations (:class:`GmmSystem`);
* ``instruments``: the instrument blocks from ``gmm()``/``iv()`` and the time effects;
* ``diagnostics``: AR(m), Sargan/Hansen, difference-in-Hansen and Wald tests, and
  :func:`small_sample_factor`;
* ``results``: :class:`GmmResult` and its xtabond2-layout summary information;
* ``multipliers``: :class:`DynamicMultipliers` (:meth:`GmmResult.irf`).

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Arellano, M. and Bover, O. (1995). *Journal of Econometrics* 68: 29-51.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module of this package that defines it; imported on first use, so that
#: ``stfi_models.models.gmm.engine`` loads without the model classes above it.
_HOMES = {
    "DiffGMM": "model",
    "SystemGMM": "model",
    "GmmResult": "results",
    "GmmSystem": "system",
    "DynamicMultipliers": "multipliers",
    "dynamic_multipliers": "multipliers",
    "build_system": "system",
    "small_sample_factor": "diagnostics",
}

__all__ = list(_HOMES)


def __getattr__(name: str) -> Any:
    """Return a model-layer name, importing its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    """List the module's names with the lazily imported ones."""
    return sorted(set(globals()) | set(_HOMES))
