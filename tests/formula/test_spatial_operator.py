"""The spatial lag operator ``W(x)`` in formulas: within each period, named ``W.x``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stfi_models.exceptions import FormulaError, SpecificationError
from stfi_models.formula import build_design, parse_formula
from stfi_models.panel import PanelData
from stfi_models.spatial import SpatialWeights

W = SpatialWeights.from_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float),
                               ids=["a", "b", "c"])


def _panel(x: list[float], unit=("a", "b", "c"), periods=(1, 2)) -> PanelData:
    keys = pd.MultiIndex.from_product([periods, unit], names=["t", "u"]).to_frame(index=False)
    return PanelData(keys.assign(x=x, y=np.arange(len(x), dtype=float)), "u", "t")


def test_lag_within_each_period_and_name():
    panel = _panel([1.0, 2.0, 4.0, 10.0, 20.0, 40.0])
    d = build_design(parse_formula("y ~ W(x) - 1"), panel, weights=W, warn=False)
    assert list(d.x.columns) == ["W.x"]
    lag = d.x["W.x"]
    # row-standardised: a <- b, b <- (a + c)/2, c <- b; never across periods
    assert lag.loc[("a", 1)] == 2.0 and lag.loc[("b", 1)] == 2.5 and lag.loc[("c", 2)] == 20.0


def test_expressions_and_nesting():
    panel = _panel([1.0, 2.0, 4.0, 10.0, 20.0, 40.0])
    d = build_design(parse_formula("y ~ W(np.log(x)) + L(W(x), 1) - 1"), panel, weights=W,
                     warn=False)
    assert d.x.loc[("b", 2), "W.np.log(x)"] == pytest.approx((np.log(10) + np.log(40)) / 2)
    assert d.x.loc[("a", 2), "L1.W.x"] == 2.0  # W.x of a in period 1


def test_a_missing_neighbour_gives_a_missing_lag():
    panel = _panel([1.0, np.nan, 4.0, 10.0, 20.0, 40.0])
    d = build_design(parse_formula("y ~ W(x) - 1"), panel, weights=W, warn=False)
    assert ("a", 1) not in d.x.index and ("b", 1) in d.x.index  # b's neighbours a, c present


def test_errors():
    panel = _panel([1.0, 2.0, 4.0, 10.0, 20.0, 40.0])
    with pytest.raises(FormulaError, match="w="):
        build_design(parse_formula("y ~ W(x)"), panel, warn=False)
    with pytest.raises(FormulaError, match="one variable"):
        build_design(parse_formula("y ~ W(x, 2)"), panel, weights=W, warn=False)
    other = _panel([1.0] * 6, unit=("a", "b", "z"))
    with pytest.raises(SpecificationError, match=r"\['z'\]"):
        build_design(parse_formula("y ~ W(x)"), other, weights=W, warn=False)
