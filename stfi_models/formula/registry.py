"""The one registry of names a formula may call.

Keeping every callable in one place serves two ends: the safety whitelist reads it, and the
evaluation namespace handed to patsy is built from it, so nothing outside it is reachable even
in principle.
"""

from __future__ import annotations

import builtins
from types import MappingProxyType, SimpleNamespace

import numpy as np

from stfi_models.exceptions import UnsafeFormulaError

__all__ = [
    "PANEL_OPERATORS",
    "INSTRUMENT_FUNCTIONS",
    "REGIME_FUNCTIONS",
    "PATSY_FUNCTIONS",
    "MATH_FUNCTIONS",
    "NUMPY_MODULES",
    "callable_names",
    "eval_namespace",
]

#: Panel operators and their aliases (Stata ``L. F. D.``, fixest ``l() f() d()``, plm ``lag()``),
#: and ``W()``, the spatial lag within each period (weights given to ``fit`` as ``w=``).
PANEL_OPERATORS = MappingProxyType(
    {
        "L": "lag",
        "l": "lag",
        "lag": "lag",
        "F": "lead",
        "f": "lead",
        "lead": "lead",
        "D": "diff",
        "d": "diff",
        "diff": "diff",
        "W": "spatial",
    }
)

#: Instrument specifications, allowed only after ``|``.
INSTRUMENT_FUNCTIONS = frozenset({"gmm", "iv"})

#: Regime-dependent terms of threshold models (``regimes(x, by=q)``), top-level terms only.
REGIME_FUNCTIONS = frozenset({"regimes"})

#: patsy's own builtins and contrast codings.
PATSY_FUNCTIONS = frozenset(
    {"C", "I", "Q", "center", "standardize", "scale", "Treatment", "Sum", "Poly", "Helmert"}
)

#: Elementwise math, callable bare (``log(x)``) or through numpy (``np.log(x)``).
MATH_FUNCTIONS = MappingProxyType(
    {
        "log": np.log,
        "log1p": np.log1p,
        "log10": np.log10,
        "log2": np.log2,
        "exp": np.exp,
        "expm1": np.expm1,
        "sqrt": np.sqrt,
        "abs": np.abs,
        "square": np.square,
        "sign": np.sign,
    }
)

#: Module names under which :data:`MATH_FUNCTIONS` may be reached as attributes.
NUMPY_MODULES = frozenset({"np", "numpy"})


def callable_names() -> frozenset[str]:
    """All bare names a formula may call."""
    return (frozenset(PANEL_OPERATORS) | INSTRUMENT_FUNCTIONS | REGIME_FUNCTIONS
            | PATSY_FUNCTIONS | frozenset(MATH_FUNCTIONS))


class _Refused:
    """Stands in for a Python builtin inside patsy's evaluation namespace."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise UnsafeFormulaError(f"'{self.name}' is not available in a formula.")


def eval_namespace() -> dict[str, object]:
    """Return the namespace patsy evaluates factors in: whitelisted math only.

    ``np`` is a namespace holding only the whitelisted functions, not the numpy module.
    Python's builtins (``open``, ``eval``, ``__import__``, ...) are shadowed by stubs that
    refuse to run: a second line of defence behind the :mod:`ast` whitelist, which already
    refuses such names before patsy is called.  Data columns are looked up before this
    namespace, so a column called ``id`` or ``sum`` still works.
    """
    restricted_np = SimpleNamespace(**MATH_FUNCTIONS)
    namespace: dict[str, object] = {name: _Refused(name) for name in dir(builtins)}
    namespace.update(MATH_FUNCTIONS)
    namespace.update({name: restricted_np for name in NUMPY_MODULES})
    return namespace
