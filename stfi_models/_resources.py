"""Where the study files and validation references are: in the wheel, or in the checkout.

A built wheel carries copies of the repository's ``formulas/`` and ``validation/`` folders in
``stfi_models/_bundled/`` (copied at build time by ``setup.py``; the repository copies are the
one source of truth).  In a checkout (editable install) the repository folders are used
directly, so an edit to a study file is seen at once.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_dir"]

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (``"formulas"``, ``"validation"``): bundled, else checkout."""
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name
