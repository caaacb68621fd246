"""Shared test helpers: reference numbers from validation/ and the shared data folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT / "validation"
SHARED = ROOT.parent / "shared"

REFERENCE_COLUMNS = ["case", "quantity", "term", "value", "tolerance", "source"]


def load_reference(topic: str) -> pd.DataFrame:
    """Read ``validation/<topic>/reference.csv`` (columns: REFERENCE_COLUMNS)."""
    frame = pd.read_csv(VALIDATION / topic / "reference.csv", dtype={"term": str})
    missing = set(REFERENCE_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"validation/{topic}/reference.csv lacks columns {sorted(missing)}")
    return frame


@pytest.fixture(scope="session")
def reference():
    """The loader of validation reference tables, as a fixture."""
    return load_reference
