"""Checks shared by the two TOML study-file formats.

Index study files (:mod:`stfi_models.index.study`) and replication files
(:mod:`stfi_models.replicate.spec`) are read the same way: the TOML is parsed, unknown tables
and keys are refused with a "did you mean" hint, and every error names the file.  The
functions here do that once for both; each format keeps its own tables and what it requires.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["fail", "read_tables", "check_table", "check_derive"]


def fail(path: Path, message: str) -> SpecificationError:
    """Build the error for ``message`` about study file ``path`` (for the caller to raise)."""
    return SpecificationError(f"Study file {path}: {message}")


def read_tables(path: Path, tables: Collection[str]) -> dict[str, Any]:
    """Parse the TOML file ``path`` and refuse any top-level table not in ``tables``.

    Raises
    ------
    SpecificationError
        Invalid TOML, or an unknown table (with a "did you mean" hint and the allowed list).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise fail(path, f"not valid TOML ({exc}).") from None
    for table in raw:
        if table not in tables:
            raise fail(path, f"unknown table [{table}].{did_you_mean(table, tables)} "
                       f"Tables: {', '.join(f'[{t}]' for t in tables)}.")
    return raw


def check_table(path: Path, name: str, content: Any, allowed: Collection[str] | None,
                required: Collection[str] = ()) -> dict:
    """Check that table ``[name]`` is a key = value table with known and required keys.

    Parameters
    ----------
    path : Path
        The study file (named in errors).
    name : str
        The table's name as written in the file (``"data"``, ``"regressions.main"``).
    content : object
        The parsed table.
    allowed : collection of str or None
        The keys it may hold; ``None`` for free names.
    required : collection of str
        The keys it must hold.

    Returns
    -------
    dict
        ``content``, unchanged.
    """
    if not isinstance(content, dict):
        raise fail(path, f"[{name}] must be a table of key = value pairs.")
    if allowed is not None:
        for key in content:
            if key not in allowed:
                raise fail(path, f"unknown key '{key}' in [{name}].{did_you_mean(key, allowed)}"
                           f" Allowed: {', '.join(sorted(allowed))}.")
    for key in required:
        if key not in content:
            raise fail(path, f"[{name}] needs '{key}'.")
    return content


def check_derive(path: Path, derive: Mapping[str, Any]) -> None:
    """Check that every ``[derive]`` entry is a formula string (evaluated later, safely)."""
    for name, expr in derive.items():
        if not isinstance(expr, str):
            raise fail(path, f"[derive] {name} must be a formula string, got {expr!r}.")
