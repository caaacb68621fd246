"""Sphinx configuration of the stfi-models documentation.

Build: ``bash docs/build.sh`` (= ``sphinx-build -W --keep-going -b html docs docs/_build/html``).
The API reference (``api.rst``) is written here from ``stfi_models.__all__`` at every build, so
it lists every public name; the user-guide pages are MyST notebooks executed during the build.
"""

from __future__ import annotations

import os
from pathlib import Path

import stfi_models

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

project = "stfi-models"
author = "stfi-models developers"
copyright = "2026, stfi-models developers"
version = release = stfi_models.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
]

exclude_patterns = ["_build", "build.sh", "**.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"

html_theme = "pydata_sphinx_theme"
html_title = "stfi-models"
html_theme_options = {"navigation_with_keys": False, "show_prev_next": True}

# API reference: stubs generated from the autosummary tables; numpydoc renders docstrings.
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Executed examples: every code cell runs at build time; an error fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]

intersphinx_mapping: dict[str, tuple[str, None]] = {}

_HERE = Path(__file__).parent


def _write_api_page() -> None:
    """Write ``api.rst``: one autosummary entry per name of ``stfi_models.__all__``."""
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of ``stfi_models`` (its ``__all__``), in the order the package",
        "exports them.  Tables and figures helpers live in :mod:`stfi_models.results.tables`",
        "and ``stfi_models._plotting``.",
        "",
        ".. currentmodule:: stfi_models",
        "",
        ".. autosummary::",
        "   :toctree: generated",
        "",
    ]
    lines += [f"   {name}" for name in stfi_models.__all__]
    text = "\n".join(lines) + "\n"
    path = _HERE / "api.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_api_page()
