"""Hansen (1999) thresh.out to every printed digit, and the brute-force China numbers at 1e-8.

Each row of validation/threshold/reference.csv; README.md there gives the conventions.
"""

from __future__ import annotations

import pytest
from conftest import check_reference_row, reference_rows


@pytest.mark.parametrize(("topic", "row"), reference_rows("threshold", ("hansen",)))
def test_hansen_thresh_out(topic, row):
    """Thresholds, LR bounds, SSRs, F statistics, coefficients, OLS and White SEs."""
    check_reference_row(topic, row)


@pytest.mark.parametrize(("topic", "row"), reference_rows("threshold", ("china",)))
def test_china_brute_force(topic, row):
    """Deterministic quantities against statsmodels OLS at every grid point (1e-8)."""
    check_reference_row(topic, row)
