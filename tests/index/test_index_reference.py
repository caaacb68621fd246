"""Entropy and CRITIC weights against published and peer-computed numbers.

References (validation/entropy/reference.csv, transcribed from
shared/reference/index_gini_spatial.md section (a)):

* A1: Elsayed, Dawood & Karthikeyan (2017), IJETT 46(2): 60-66, 12 x 5 matrix as tested in
  kotbaton/pymcdm test/test_weights.py::TestEntropyWeights (@76e7735): raw-data convention
  (p_ij = x_ij / sum_i x_ij).  Published weights to 1e-6; pymcdm 1.4.0 values to 1e-8.
* A2: the same matrix, min-max first (positive, or types +,-,-,+,+), shift 0 / 1e-4 / 1e-2:
  computed values, to 1e-8.
* A3: a 3 x 2 hand-checkable matrix, to 1e-8.
* CRITIC: Tus & Adali (2019), Opsearch 56(2): 528-538, via pymcdm's TestCRITICWeights
  (@2daa0b6), printed to 3 dp: tolerance half a unit of the last digit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stfi_models.index import build_index, critic_weights, entropy_weights

INPUTS = Path(__file__).resolve().parents[2] / "validation" / "entropy" / "inputs"
CRITERIA = ["C1", "C2", "C3", "C4", "C5"]
TYPES = {"C1": "+", "C2": "-", "C3": "-", "C4": "+", "C5": "+"}


@pytest.fixture(scope="module")
def elsayed() -> pd.DataFrame:
    frame = pd.read_csv(INPUTS / "ewm_pymcdm_elsayed_12x5.csv")
    return frame.assign(period=1)


def _expected(reference, case: str, quantity: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    table = reference("entropy")
    rows = table[(table["case"] == case) & (table["quantity"] == quantity)]
    assert len(rows) > 0, f"no reference rows for {case}/{quantity}"
    return rows["value"].to_numpy(float), rows["tolerance"].to_numpy(float), list(rows["term"])


def _close(got: np.ndarray, expected: np.ndarray, tol: np.ndarray) -> None:
    """Element-wise |got - expected| <= tol (each reference number has its own tolerance)."""
    gap = np.abs(np.asarray(got, float) - expected)
    assert np.all(gap <= tol), f"got {got}, expected {expected}, |diff| {gap} > tol {tol}"


def _by_indicator(weights: pd.DataFrame, column: str, terms: list[str]) -> np.ndarray:
    return weights.set_index("indicator").loc[terms, column].to_numpy(float)


@pytest.mark.parametrize("quantity", ["weight_published", "weight", "entropy", "divergence"])
def test_a1_raw_data_convention_through_build_index(elsayed, reference, quantity):
    idx = build_index("E ~ C1 + C2 + C3 + C4 + C5", elsayed, entity="alternative",
                      time="period", normalize="none")
    expected, tol, terms = _expected(reference, "A1_raw", quantity)
    column = "weight" if quantity.startswith("weight") else quantity
    _close(_by_indicator(idx.weights, column, terms), expected, tol)


def test_a1_entropy_weights_function(elsayed, reference):
    expected, tol, _ = _expected(reference, "A1_raw", "weight")
    got = entropy_weights(elsayed[CRITERIA].to_numpy()).weight
    _close(got, expected, tol)


A2_CASES = [
    ("A2_pos_shift0", False, 0.0),
    ("A2_pos_shift1e-4", False, 1e-4),
    ("A2_pos_shift1e-2", False, 1e-2),
    ("A2_types_shift0", True, 0.0),
    ("A2_types_shift1e-4", True, 1e-4),
    ("A2_types_shift1e-2", True, 1e-2),
]


@pytest.mark.parametrize("case,typed,shift", A2_CASES)
@pytest.mark.parametrize("quantity", ["entropy", "weight"])
def test_a2_minmax_convention(elsayed, reference, case, typed, shift, quantity):
    signs = [TYPES[c] if typed else "+" for c in CRITERIA]
    formula = "E ~ " + " ".join(f"{s} {c}" for s, c in zip(signs, CRITERIA)).lstrip("+ ")
    idx = build_index(formula, elsayed, entity="alternative", time="period", shift=shift)
    expected, tol, terms = _expected(reference, case, quantity)
    _close(_by_indicator(idx.weights, quantity, terms), expected, tol)


@pytest.mark.parametrize("quantity", ["entropy", "weight"])
def test_a3_hand_checkable(reference, quantity):
    frame = pd.DataFrame({"id": [1, 2, 3], "t": 0, "T1": [1.0, 2, 3], "T2": [2.0, 2, 5]})
    idx = build_index("I ~ T1 + T2", frame, entity="id", time="t")
    expected, tol, terms = _expected(reference, "A3_toy", quantity)
    _close(_by_indicator(idx.weights, quantity, terms), expected, tol)


def test_critic_tus_adali(reference):
    frame = pd.read_csv(INPUTS / "critic_tus_adali_5x6.csv")
    columns = [c for c in frame.columns if c != "alternative"]
    idx = build_index("I ~ " + " + ".join(columns), frame.assign(t=1), entity="alternative",
                      time="t", method="critic")
    expected, tol, terms = _expected(reference, "CRITIC_tus_adali", "weight_published")
    _close(_by_indicator(idx.weights, "weight", terms), expected, tol)
    x = frame[columns].to_numpy(float)
    direct = critic_weights((x - x.min(0)) / np.ptp(x, axis=0)).weight
    _close(direct, expected, tol)
