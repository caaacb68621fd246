r"""Static panel estimators: pooled OLS, fixed effects, random effects, first difference, between.

Every estimator is OLS on a transformation of the model

.. math::

    y_{it} = x_{it}^\prime \beta + \alpha_i + \gamma_t + \varepsilon_{it},

one module per family: ``"pooled"`` (:class:`PooledOLS`, :mod:`.pooled`), ``"fe"``
(:class:`FixedEffects`, :mod:`.within`), ``"re"`` (:class:`RandomEffects` and :func:`hausman`,
:mod:`.random_effects`), ``"fd"`` (:class:`FirstDifference`, :mod:`.first_difference`) and
``"between"`` (:class:`Between`, :mod:`.between`), on the shared plumbing of :mod:`.base`.
"""

from stfi_models.models.static.between import Between
from stfi_models.models.static.first_difference import FirstDifference
from stfi_models.models.static.pooled import PooledOLS
from stfi_models.models.static.random_effects import RandomEffects, hausman
from stfi_models.models.static.within import EFFECTS, SINGLETONS, FixedEffects

__all__ = ["PooledOLS", "FixedEffects", "RandomEffects", "FirstDifference", "Between",
           "hausman", "EFFECTS", "SINGLETONS"]
