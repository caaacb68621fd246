"""Instrumental variables with absorbed effects: ``y ~ x + [endog ~ z1 + z2] | entity + time``.

* :mod:`~stfi_models.models.iv.model` -- :class:`IVModel` (``model="iv"``): design, fit, Result;
* :mod:`~stfi_models.models.iv.algebra` -- 2SLS / LIML (k-class), two-step GMM, sandwiches;
* :mod:`~stfi_models.models.iv.identification` -- first stage, Kleibergen-Paap, J, C tests;
* :mod:`~stfi_models.models.iv.stock_yogo` -- Stock & Yogo (2005) critical values.
"""

from stfi_models.models.iv.model import IV_VCOV, METHODS, IVModel
from stfi_models.models.iv.stock_yogo import stock_yogo

__all__ = ["IVModel", "METHODS", "IV_VCOV", "stock_yogo"]
