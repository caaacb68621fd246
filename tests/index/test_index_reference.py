"""Entropy and CRITIC weights against published and peer-computed numbers.

References (validation/entropy/reference.csv, transcribed from
shared/reference/index_gini_spatial.md section (a)), computed by
validation/entropy/compute.py through ``build_index``:

* A1: Elsayed, Dawood & Karthikeyan (2017), IJETT 46(2): 60-66, 12 x 5 matrix as tested in
  kotbaton/pymcdm test/test_weights.py::TestEntropyWeights (@76e7735): raw-data convention
  (p_ij = x_ij / sum_i x_ij).  Published weights to 1e-6; pymcdm 1.4.0 values to 1e-8.
* A2: the same matrix, min-max first (positive, or types +,-,-,+,+), shift 0 / 1e-4 / 1e-2:
  computed values, to 1e-8.
* A3: a 3 x 2 hand-checkable matrix, to 1e-8.
* CRITIC: Tus & Adali (2019), Opsearch 56(2): 528-538, via pymcdm's TestCRITICWeights
  (@2daa0b6), printed to 3 dp: tolerance half a unit of the last digit.

The weight functions called directly must equal ``build_index`` on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module

from stfi_models.index import build_index, critic_weights, entropy_weights

ENTROPY = validation_module("entropy")  # the reference cases: inputs and criteria


@pytest.mark.parametrize(("topic", "row"), reference_rows("entropy"))
def test_entropy_reference_number(topic, row):
    check_reference_row(topic, row)


def _indicator_weights(idx, columns: list[str]) -> np.ndarray:
    weights = idx.weights[idx.weights["level"] == "indicator"].set_index("indicator")
    return weights.loc[columns, "weight"].to_numpy(float)


def test_entropy_weights_function_equals_build_index_raw_convention():
    elsayed = pd.read_csv(ENTROPY.INPUTS / "ewm_pymcdm_elsayed_12x5.csv").assign(period=1)
    idx = build_index("E ~ " + " + ".join(ENTROPY.CRITERIA), elsayed, entity="alternative",
                      time="period", normalize="none")
    direct = entropy_weights(elsayed[ENTROPY.CRITERIA].to_numpy()).weight
    np.testing.assert_allclose(direct, _indicator_weights(idx, ENTROPY.CRITERIA), rtol=0,
                               atol=1e-14)


def test_critic_weights_function_equals_build_index_after_min_max():
    frame = pd.read_csv(ENTROPY.INPUTS / "critic_tus_adali_5x6.csv")
    columns = [c for c in frame.columns if c != "alternative"]
    idx = build_index("I ~ " + " + ".join(columns), frame.assign(t=1), entity="alternative",
                      time="t", method="critic")
    x = frame[columns].to_numpy(float)
    direct = critic_weights((x - x.min(0)) / np.ptp(x, axis=0)).weight
    np.testing.assert_allclose(direct, _indicator_weights(idx, columns), rtol=0, atol=1e-14)
