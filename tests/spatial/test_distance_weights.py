"""Bundled provincial capitals and distance-based weights: spdep references, distances, input.

References (validation/distance_weights/reference.csv): R 4.2.2 spdep 1.2.7 on the bundled
capitals (R ``maps`` 3.4.1 ``world.cities``, built by ``capitals.R``), script
``spdep_distance.R``: ``knearneigh``/``dnearneigh``/``nbdists`` with ``longlat = TRUE``
(k = 4, 5; distance bands of 1,444.23 and 1,000 km; inverse distance 1/d and 1/d^2), the
weights' S0/S1/S2, link counts and mean distances, and Moran's I with its moments for two 2020
China variables.  Absolute tolerances in ``make_reference.py`` (1e-9 km for distances).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.spatial import SpatialWeights, distance_band_weights, knn_weights
from stfi_models.spatial.distance import pairwise_distances
from stfi_models.validation import VALIDATION_ROOT, compute_module
from conftest import check_reference_row, reference_rows

TOPIC = VALIDATION_ROOT / "distance_weights"


@pytest.mark.parametrize(("topic", "position"), reference_rows("distance_weights"))
def test_reference(topic, position):
    """spdep 1.2.7 knearneigh / dnearneigh / nbdists (longlat = TRUE), moran.test."""
    check_reference_row(topic, position)


@pytest.mark.parametrize("case", ["knn4", "knn5", "band_min", "band_1000", "idw1", "idw2",
                                  "idw1_band_min"])
def test_every_weight_equals_spdep(case):
    """The whole row-standardised matrix, not only its summaries (spdep's listw2mat)."""
    ours = compute_module("distance_weights").cases()[case].to_frame()
    theirs = pd.read_csv(Path(TOPIC) / f"weights_{case}.csv", index_col=0)
    assert list(theirs.index) == list(ours.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------- the data
def test_capitals_cover_the_31_provinces_once():
    cities = sm.china_capital_cities()
    assert len(cities) == 31 and not cities.isna().any().any()
    assert cities["prov_code"].tolist() == list(sm.china_weights().ids)
    assert cities["city"].is_unique
    by_name = cities.set_index("province_en")["city"]
    assert by_name[["Tibet", "Shaanxi", "Xinjiang", "Inner Mongolia"]].tolist() == [
        "Lhasa", "Xi'an", "Urumqi", "Hohhot"]
    # inside mainland China's bounding box
    assert cities["lon"].between(73.5, 135.1).all() and cities["lat"].between(18.1, 53.6).all()
    assert (cities["wc_capital"] == 0).sum() == 1  # Xi'an, see SOURCE.md
    assert "world.cities" in sm.china_citation()


def test_coordinates_by_every_key():
    for key in ("prov_code", "adcode", "province_zh", "province_en"):
        coords = sm.china_coordinates(key=key)
        assert list(coords.columns) == ["lon", "lat"] and coords.index.name == key
    assert sm.china_coordinates(key="province_en").loc["Beijing"].tolist() == [116.4, 39.93]
    with pytest.raises(SpecificationError, match="key"):
        sm.china_coordinates(key="pinyin")


def test_weights_fit_the_china_panel_directly():
    china = sm.load_china_provinces().query("year >= 2015")
    panel = sm.moran(china, knn_weights("china", k=4), "gdp_nbs", id="prov_code", by="year",
                     permutations=0)
    assert len(panel.table) == 9


# ---------------------------------------------------------------------------- distances
def test_ellipsoid_distances_along_the_equator_and_a_meridian():
    _, d = pairwise_distances([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], metric="wgs84")
    assert d[0, 1] == pytest.approx(6378.137 * np.pi / 180, rel=1e-14)  # equatorial radius
    assert d[0, 2] == pytest.approx(110.574, abs=0.01)  # WGS84 meridian arc, 0-1 degree N
    np.testing.assert_array_equal(np.diag(d), 0.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ellipsoid_and_sphere_agree_to_half_a_percent(seed):
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(-180, 180, 8), rng.uniform(-80, 80, 8)])
    _, ell = pairwise_distances(xy, metric="wgs84")
    _, sph = pairwise_distances(xy, metric="haversine")
    np.testing.assert_allclose(ell, ell.T, rtol=1e-12)
    off = ~np.eye(8, dtype=bool)
    assert np.all(np.abs(ell[off] / sph[off] - 1) < 0.006)


def test_named_columns_are_used_in_longitude_latitude_order():
    coords = sm.china_coordinates()
    swapped = coords[["lat", "lon"]].assign(extra=1.0)
    np.testing.assert_array_equal(pairwise_distances(swapped)[1], pairwise_distances(coords)[1])
    np.testing.assert_array_equal(pairwise_distances(coords)[1],
                                  pairwise_distances("china", metric="wgs84")[1])


def test_china_shortcut_equals_the_explicit_coordinates():
    a = knn_weights("china", 5)
    b = knn_weights(sm.china_coordinates().to_numpy(), 5, ids=list(sm.china_coordinates().index),
                    metric="wgs84")
    assert a.ids == b.ids and (a.matrix != b.matrix).nnz == 0
    idw = SpatialWeights.inverse_distance("china", transform="none").to_frame()
    assert 1 / idw.loc[11, 12] == pytest.approx(pairwise_distances("china")[1][0, 1])


def test_distance_band_is_inclusive_and_warns_about_islands():
    d = pairwise_distances("china")[1]
    cut = float(d[0, 1])  # Beijing - Tianjin
    with pytest.warns(sm.SpecificationWarning, match="29 island"):
        w = distance_band_weights("china", cut, transform="binary").to_frame()
    assert w.loc[11, 12] == w.loc[12, 11] == 1 and w.to_numpy().sum() == 2


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("coords", "options", "match"), [
    ("chna", {}, "not known"),
    (np.array([[39.9, 116.4], [31.2, 121.5]]), {"metric": "wgs84"}, "swapped"),
    (pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}), {}, "3 columns"),
    (pd.DataFrame({"lon": [1.0, 2.0], "Lon": [1.0, 2.0], "lat": [0.0, 0.0]}), {}, "several"),
    (np.array([[0.0, 0.0], [np.nan, 1.0]]), {}, "finite"),
    (np.array([["a", "b"]]), {}, "numeric"),
    (np.zeros((3, 2)) + np.arange(3)[:, None], {"metric": "manhattan"}, "metric"),
])
def test_bad_coordinates(coords, options, match):
    with pytest.raises(SpecificationError, match=match):
        knn_weights(coords, 1, **options)


@pytest.mark.parametrize("threshold", [0, -5.0, np.inf, "100", True])
def test_bad_threshold(threshold):
    with pytest.raises(SpecificationError, match="threshold"):
        distance_band_weights("china", threshold)


def test_ids_of_the_wrong_length():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SpecificationError, match="one id per point"):
            knn_weights(np.arange(6.0).reshape(3, 2), 1, ids=["a", "b"])
