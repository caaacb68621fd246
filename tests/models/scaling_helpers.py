"""Shared check of the rescaling property: a regressor times 10^k changes nothing but its slope.

``assert_rescaled(base, scaled, rows, factor)`` compares two Results: the coefficient rows in
``rows`` (and their standard errors) must be ``factor`` times smaller, every other number equal,
all at ``rtol`` (default 1e-8, the issue's tolerance).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import IllConditionedWarning

RTOL = 1e-8


def _close(a: Any, b: Any, what: str, rtol: float = RTOL) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    atol = rtol * max(float(np.nanmax(np.abs(a), initial=0.0)), 1e-300)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=what)


def assert_rescaled(base: Any, scaled: Any, rows: Iterable[Any], factor: float,
                    rtol: float = RTOL) -> None:
    """Assert that ``scaled`` is ``base`` with the coefficients ``rows`` divided by ``factor``."""
    rows = list(rows)
    unit = pd.Series(1.0, index=base.params.index)
    unit[rows] = 1.0 / factor
    _close(base.params * unit, scaled.params, "params", rtol)
    _close(base.std_errors * unit, scaled.std_errors, "std_errors", rtol)
    _close(base.cov * np.outer(unit, unit), scaled.cov, "cov", rtol)
    _close(base.tstats, scaled.tstats, "tstats", rtol)
    _close(base.pvalues, scaled.pvalues, "pvalues", rtol)
    for name in ("resid", "fitted"):
        if getattr(base, name, None) is not None:
            _close(getattr(base, name), getattr(scaled, name), name, rtol)
    for key, value in getattr(base, "rsquared", {}).items():
        _close(value, scaled.rsquared[key], f"rsquared[{key}]", rtol)
    for key, test in getattr(base, "diagnostics", {}).items():
        other = scaled.diagnostics[key]
        _close(test.stat, other.stat, f"diagnostics[{key}].stat", rtol)
        _close(test.pvalue, other.pvalue, f"diagnostics[{key}].pvalue", rtol)


def fit_or_warned(func: Callable[[], Any]) -> Any | None:
    """Run ``func``; return None if it raised our IllConditionedWarning (an allowed outcome)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func()
    if any(issubclass(w.category, IllConditionedWarning) for w in caught):
        return None
    return out
