"""The package passes its own lint configuration (``[tool.ruff]`` in ``pyproject.toml``).

Ruff is pinned in the ``test`` extra, since its rules change between minor versions; the
test runs it on ``stfi_models`` from the repository root so that it reads that configuration.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_package_is_lint_clean() -> None:
    """``ruff check stfi_models`` exits 0; on failure the message lists every finding."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed; install the test extra: pip install -e '.[test]'")
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "stfi_models"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"ruff check stfi_models exited {proc.returncode}:\n{proc.stdout}{proc.stderr}",
            pytrace=False,
        )
