"""Pickling of the read-only result objects, whose mapping fields are ``MappingProxyType`` views.

A mapping proxy cannot be pickled, so these objects pickle by value: each field travels as it
is, each read-only mapping as a plain ``dict``, and :func:`restore` sets the fields back without
running the constructor (no re-validation, no repeated warnings) and freezes the mappings again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any


def reduce_by_value(obj: object, names: Iterable[str], mappings: tuple[str, ...],
                    cleared: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """Return ``__reduce__``'s value for ``obj``: its fields ``names`` by value.

    Parameters
    ----------
    obj : object
        The object to pickle.
    names : iterable of str
        Its fields.
    mappings : tuple of str
        The fields that hold read-only mappings.
    cleared : Mapping, optional
        Fields replaced on the way (e.g. callables bound to a fitted model).
    """
    values = {name: getattr(obj, name) for name in names}
    for name in mappings:
        values[name] = dict(values[name])
    values.update(cleared or {})
    return restore, (type(obj), values, mappings)


def restore(cls: type, values: dict[str, Any], mappings: tuple[str, ...]) -> Any:
    """Rebuild an object pickled by :func:`reduce_by_value`."""
    obj = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(obj, name, MappingProxyType(value) if name in mappings else value)
    return obj
