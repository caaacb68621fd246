"""Locating and reading the files bundled under ``stfi_models/datasets/<name>/``.

Each bundled dataset lives in a folder of its own, with its CSV file(s) and a ``SOURCE.md``
that cites where the data came from.  Files are read once and cached; loaders hand out copies,
so a user who modifies a returned DataFrame never changes what the next call returns.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["data_file", "read_bundled", "source_text"]

_PACKAGE = "stfi_models.datasets"


def data_file(folder: str, filename: str) -> Path:
    """Path of a bundled file, e.g. ``data_file("abdata", "abdata.csv")``.

    Raises
    ------
    FileNotFoundError
        If the file is not part of the installed package (a broken installation).
    """
    path = Path(str(resources.files(_PACKAGE).joinpath(folder, filename)))
    if not path.is_file():
        raise FileNotFoundError(
            f"Bundled data file datasets/{folder}/{filename} is missing from the installed "
            "stfi_models package; reinstall it (pip install -e .)."
        )
    return path


@lru_cache(maxsize=None)
def _read_cached(folder: str, filename: str, options: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    return pd.read_csv(data_file(folder, filename), **dict(options))


def read_bundled(folder: str, filename: str, **options: Any) -> pd.DataFrame:
    """Read a bundled CSV (cached) and return a fresh copy.

    ``options`` are passed to :func:`pandas.read_csv`; they must be hashable.
    """
    return _read_cached(folder, filename, tuple(sorted(options.items()))).copy()


def source_text(folder: str) -> str:
    """Return the ``SOURCE.md`` citation text of a bundled dataset."""
    return data_file(folder, "SOURCE.md").read_text(encoding="utf-8")
