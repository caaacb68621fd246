"""Benefit-of-the-doubt scores (stfi_models.index.bod)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stfi_models.exceptions import SpecificationError
from stfi_models.index import bod, build_index


def test_hand_example():
    # w1 <= 1, w2 <= 1, (w1 + w2)/2 <= 1: rows on the frontier score 1, (0.4, 0.4) scores 0.8
    x = np.array([[1, 0], [0, 1], [0.5, 0.5], [0.4, 0.4], [0, 0]])
    np.testing.assert_allclose(bod.bod_scores(x), [1, 1, 1, 0.8, 0], atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(4, 30), st.integers(1, 5)),
              elements=st.one_of(st.just(0.0), st.floats(1e-6, 1))))
def test_vertex_path_equals_one_lp_per_row(x):
    """(Values below 1e-6 are left out: HiGHS treats them as zero within its tolerances.)"""
    fast = bod.bod_scores(x)
    limit = bod._VERTEX_DIMS
    try:
        bod._VERTEX_DIMS = 0
        slow = bod.bod_scores(x)
    finally:
        bod._VERTEX_DIMS = limit
    np.testing.assert_allclose(fast, slow, atol=1e-8)
    assert np.all(fast <= 1 + 1e-9)


def test_scale_free_and_in_an_index():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (40, 3))
    np.testing.assert_allclose(bod.bod_scores(x * [1, 1e4, 1e-3]), bod.bod_scores(x),
                               rtol=1e-9)
    data = pd.DataFrame({"id": np.repeat(np.arange(10), 2), "t": np.tile([1, 2], 10),
                         "a": rng.uniform(1, 5, 20), "b": rng.uniform(1, 5, 20),
                         "c": rng.uniform(1, 5, 20)})
    idx = build_index("I ~ g(a + b) + h(c)", data, entity="id", time="t", scoring="bod")
    assert idx.composite.max() == pytest.approx(1) and idx.scores["g"].max() == pytest.approx(1)
    with pytest.raises(SpecificationError, match="scoring='bod' needs non-negative"):
        build_index("I ~ a + b", data, entity="id", time="t", scoring="bod",
                    normalize="zscore", method="equal")
