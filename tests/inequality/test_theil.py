"""Theil T and L with within/between decomposition.

References (validation/gini/reference.csv): pysal/inequality's published Theil T, TheilD
between and within parts for Mexico 1940 (regions hanson98) and its all-or-nothing case
(T = ln 2). Plus a hand-computed case, the decomposition identities (hypothesis) and the
integer-weights == replicated-rows equivalence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from stfi_models.exceptions import SpecificationError
from stfi_models.inequality import theil


@pytest.mark.parametrize(("topic", "row"), reference_rows("gini", cases=("theil_",)))
def test_theil_reference_number(topic, row):
    """Theil T total, between and within of Mexico 1940 and the zeros case
    (validation/gini/compute.py)."""
    check_reference_row(topic, row)


def test_hand_computed():
    # a = {1, 1}, b = {4, 4}: no within inequality; mean 2.5
    data = pd.DataFrame({"y": [1.0, 1.0, 4.0, 4.0], "g": list("aabb")})
    res = theil(data, "y", "g").summary.set_index("index")
    t = 0.5 * 0.4 * np.log(0.4) + 0.5 * 1.6 * np.log(1.6)
    ell = 0.5 * np.log(2.5 / 1) + 0.5 * np.log(2.5 / 4)
    assert res.loc["T", "total"] == pytest.approx(t, abs=1e-15)
    assert res.loc["T", "between"] == pytest.approx(t, abs=1e-15)
    assert res.loc["L", "total"] == pytest.approx(ell, abs=1e-15)
    assert res.loc["L", "within"] == pytest.approx(0, abs=1e-15)
    assert res.loc["L", "share_between"] == pytest.approx(1, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1e3), st.sampled_from("abcd")), min_size=2,
                max_size=25))
def test_decomposition_is_exact(rows):
    data = pd.DataFrame(rows, columns=["y", "g"])
    res = theil(data, "y", "g").summary
    assert np.allclose(res["within"] + res["between"], res["total"], atol=1e-12)
    assert (res["total"] >= -1e-15).all()
    y = data["y"].to_numpy()
    mu = y.mean()
    direct_t = np.mean(y / mu * np.log(y / mu))
    assert res.set_index("index").loc["T", "total"] == pytest.approx(direct_t, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 100), st.sampled_from("ab"), st.integers(1, 3)),
                min_size=2, max_size=15))
def test_integer_weights_equal_replicated_rows(rows):
    data = pd.DataFrame(rows, columns=["y", "g", "w"])
    weighted = theil(data, "y", "g", weights="w").summary
    replicated = theil(data.loc[data.index.repeat(data["w"])], "y", "g").summary
    cols = ["total", "within", "between"]
    assert np.allclose(weighted[cols], replicated[cols], atol=1e-12)


def test_by_and_no_group():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"y": rng.lognormal(size=40), "g": np.tile(list("ab"), 20),
                         "t": np.repeat([1, 2], 20)})
    res = theil(data, "y", by="t")
    assert list(res.summary["t"]) == [1, 1, 2, 2]
    assert np.allclose(res.summary["within"], res.summary["total"])
    assert np.allclose(res.summary["between"], 0)
    assert res.groups.empty
    grouped = theil(data, "y", "g", by="t")
    assert np.allclose(grouped.summary["total"], res.summary["total"])
    assert isinstance(grouped.plot("L"), Figure)


def test_bad_input():
    data = pd.DataFrame({"y": [0.0, 1.0, 2.0], "g": list("aab")})
    with pytest.raises(SpecificationError, match="zero or negative"):
        theil(data, "y", "g")  # L needs positive values
    assert theil(data, "y", "g", index=["T"]).summary.shape[0] == 1
    with pytest.raises(SpecificationError, match="Valid choices"):
        theil(data, "y", "g", index=["X"])
    with pytest.raises(SpecificationError, match="negative"):
        theil(data.assign(y=[-1.0, 1.0, 2.0]), "y", "g", index=["T"])
