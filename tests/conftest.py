"""Shared test helpers: reference numbers, validation cases, the shared data folder.

Reference numbers are checked in one way only: :func:`stfi_models.validation.compare_topic`
(the runner behind ``stfi validate``) computes ours with ``validation/<topic>/compute.py``;
each topic's test module parametrizes one test over the topic's rows with
:func:`reference_rows` and asserts each with :func:`check_reference_row`.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from hypothesis import settings

from stfi_models.validation import compare_topic, compute_module, known_mismatches

os.environ.setdefault("MPLBACKEND", "Agg")  # before any test module imports matplotlib

# CI re-runs must be reproducible: under CI the property tests draw a fixed sequence of
# examples; locally they explore new random examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

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
    """Provide the loader of validation reference tables (:func:`load_reference`)."""
    return load_reference


@cache
def compared(topic: str) -> pd.DataFrame:
    """``compare_topic(topic)``, computed once per test process."""
    return compare_topic(topic)


@cache
def validation_module(topic: str) -> ModuleType:
    """``validation/<topic>/compute.py`` as a module: the topic's cases, loaders and options."""
    module = compute_module(topic)
    if module is None:
        raise ValueError(f"validation/{topic} has no compute.py")
    return module


def reference_rows(topic: str, cases: tuple[str, ...] | None = None) -> list:
    """Parametrize over the rows of ``validation/<topic>/reference.csv``.

    One ``pytest.param(topic, position)`` per row (only rows whose case starts with one of
    ``cases``, if given), with the id ``case|quantity|term``; rows listed in the topic's
    ``known_mismatches.csv`` are ``xfail(strict=True)`` with the reason given there.
    """
    ref = load_reference(topic)
    terms = ref["term"].fillna("")
    reasons = {tuple(k): r for *k, r in known_mismatches(topic).itertuples(index=False)}

    def marks(key: tuple[str, str, str]) -> list:
        reason = reasons.get(key)
        return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []

    params = [pytest.param(topic, i, id=f"{c}|{q}|{t}" if t else f"{c}|{q}",
                           marks=marks((c, q, t)))
              for i, (c, q, t) in enumerate(zip(ref["case"], ref["quantity"], terms,
                                                strict=True))
              if cases is None or c.startswith(cases)]
    if not params:
        raise ValueError(f"validation/{topic}/reference.csv has no rows for cases {cases}")
    return params


@cache
def _reference_keys(topic: str) -> tuple[tuple[str, str], ...]:
    ref = load_reference(topic)
    return tuple(zip(ref["case"], ref["quantity"], strict=True))


def check_reference_row(topic: str, position: int) -> None:
    """Assert that reference row ``position`` of ``topic`` is matched within its tolerance."""
    row = compared(topic).iloc[position]
    assert (row["case"], row["quantity"]) == _reference_keys(topic)[position]
    assert bool(row["passed"]), (
        f"{topic}: case={row['case']} quantity={row['quantity']} term={row['term']!r}: "
        f"reference {row['reference']:.15g}, ours {row['ours']:.15g}, |difference| "
        f"{abs(row['difference']):.3g} > tolerance {row['tolerance']:.3g} "
        f"(source: {row['source']})")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open (without importing matplotlib)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
