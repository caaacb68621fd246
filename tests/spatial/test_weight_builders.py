"""k-nearest, economic-distance and combined weights; the global and minmax transforms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import SpecificationError
from stfi_models.spatial import (
    SpatialWeights,
    combine_weights,
    economic_distance_weights,
    knn_weights,
)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6))
def test_knn_links_each_unit_to_its_k_nearest_points(seed, k):
    xy = np.random.default_rng(seed).uniform(size=(12, 2))
    w = knn_weights(xy, k, transform="binary")
    dense = w.matrix.toarray()
    for i in range(12):
        dist = [(np.hypot(*(xy[i] - xy[j])), j) for j in range(12) if j != i]
        expected = {j for _, j in sorted(dist)[:k]}
        assert set(np.flatnonzero(dense[i])) == expected
    assert (dense.sum(axis=1) == k).all()


def test_knn_on_the_sphere_uses_great_circle_distances():
    """Points at longitudes 179 and -179 are 2 degrees apart across the date line."""
    coords = pd.DataFrame({"lon": [0.0, 0.0, 179.0, -179.0], "lat": [0.0, 10.0, 0.0, 0.0]},
                          index=["a", "b", "c", "d"])
    for metric in ("haversine", "wgs84", None):  # None: lon/lat columns mean great-circle
        w = knn_weights(coords, 1, metric=metric, transform="binary")
        assert w.to_frame().loc["c", "d"] == 1  # across the date line
    flat = knn_weights(coords, 1, metric="euclidean", transform="binary")
    assert flat.to_frame().loc["c", "d"] == 0


def test_economic_distance_is_the_inverse_gap():
    x = pd.Series([1.0, 2.0, 4.0], index=["a", "b", "c"])
    w = economic_distance_weights(x, transform="none").to_frame()
    assert w.loc["a", "b"] == 1.0 and w.loc["a", "c"] == pytest.approx(1 / 3)
    assert w.loc["c", "b"] == 0.5 and (np.diag(w) == 0).all()


def test_economic_distance_refuses_ties_and_nan():
    with pytest.raises(SpecificationError, match="Units 'b' and 'c' have the same value"):
        economic_distance_weights(pd.Series([1.0, 2.0, 2.0], index=["a", "b", "c"]).iloc[[1, 2, 0]])
    with pytest.raises(SpecificationError, match="finite"):
        economic_distance_weights([1.0, np.nan, 3.0])


def test_combined_weights():
    geo = knn_weights(np.random.default_rng(0).uniform(size=(6, 2)), 2)
    eco = economic_distance_weights(np.arange(6.0) ** 2 + 1)
    prod = combine_weights(geo, eco, transform="none").matrix.toarray()
    np.testing.assert_allclose(prod, geo.matrix.toarray() * eco.matrix.toarray())
    mix = combine_weights(geo, eco, how="mix", share=0.3, transform="none").matrix.toarray()
    np.testing.assert_allclose(mix, 0.3 * geo.matrix.toarray() + 0.7 * eco.matrix.toarray())
    with pytest.raises(SpecificationError, match="share"):
        combine_weights(geo, eco, how="mix", share=2)
    with pytest.raises(SpecificationError, match="same units"):
        combine_weights(geo, SpatialWeights.from_matrix(eco.links, ids=list("abcdef")))


def test_global_and_minmax_transforms():
    b = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)
    g = SpatialWeights.from_matrix(b, transform="global").matrix.toarray()
    np.testing.assert_allclose(g, b * 3 / 4)
    m = SpatialWeights.from_matrix(b, transform="minmax").matrix.toarray()
    np.testing.assert_allclose(m, b / 2)
    np.testing.assert_allclose(m, m.T)


def test_knn_bad_k():
    with pytest.raises(SpecificationError, match="k must be"):
        knn_weights(np.zeros((3, 2)) + np.arange(3)[:, None], 3)
