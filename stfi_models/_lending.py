"""Methods that a result class borrows from the modules that analyse its results.

A result class sits below the modules that analyse it, yet offers some of their analyses as
methods: ``res.diagnose(...)`` runs :func:`stfi_models.diagnostics.diagnose`,
``idx.sensitivity(...)`` runs :func:`stfi_models.index.sensitivity.sensitivity`.  Importing
those modules from the class would tie the layers in a loop, so each analysing module lends
its function under the method's name (:func:`lends`) when it is imported, and the method
looks it up (:func:`borrowed`).  ``import stfi_models`` imports every lender, and so does
the import of any of its modules, since Python runs the package's ``__init__`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["lends", "borrowed"]

F = TypeVar("F", bound=Callable[..., Any])

#: ``"Class.method"`` -> the function the method calls with the instance first.
_LENT: dict[str, Callable[..., Any]] = {}


def lends(method: str) -> Callable[[F], F]:
    """Register the decorated function as the body of ``method`` (``"Class.method"``)."""

    def register(func: F) -> F:
        _LENT[method] = func
        return func

    return register


def borrowed(method: str) -> Callable[..., Any]:
    """Return the function lent for ``method`` (``"Class.method"``).

    Raises
    ------
    ImportError
        No imported module lends it.
    """
    try:
        return _LENT[method]
    except KeyError:
        raise ImportError(
            f"{method}() is provided by a module of stfi_models that has not been imported; "
            "'import stfi_models' imports it."
        ) from None
