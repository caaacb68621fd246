"""Spatial weights: GAL reader, matrix/distance constructors, transforms, China contiguity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import SHARED

from stfi_models.exceptions import SpecificationError, SpecificationWarning
from stfi_models.spatial import SpatialWeights, china_weights, read_gal

INPUTS = Path(__file__).resolve().parents[2] / "validation" / "moran" / "inputs"


def test_read_gal_plain_header():
    w = read_gal(INPUTS / "lattice_3x3_rook.gal", "binary")
    assert w.ids == tuple(range(9))
    assert w.links.nnz == 24
    assert list(w.cardinalities) == [2, 3, 2, 3, 4, 3, 2, 3, 2]
    dense = w.to_frame().to_numpy()
    assert (dense == dense.T).all()
    assert dense[4].tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 0]


def test_read_gal_spdep_header_and_ids():
    w = read_gal(INPUTS / "columbus_spdep_COLnb.gal")
    assert w.n == 49
    assert w.ids[:3] == (1001, 1002, 1003)
    assert w.cardinalities[1001] == 3
    assert np.allclose(np.asarray(w.matrix.sum(axis=1)).ravel(), 1.0)


def test_read_gal_malformed(tmp_path):
    bad = tmp_path / "bad.gal"
    bad.write_text("2\na 1\nc\nb 1\na\n")
    with pytest.raises(SpecificationError, match="neighbour c"):
        read_gal(bad)
    short = tmp_path / "short.gal"
    short.write_text("3\na 1\nb\nb 1\na\n")
    with pytest.raises(SpecificationError, match="announces 3 units"):
        read_gal(short)


def test_gal_island_line_and_warning(tmp_path):
    path = tmp_path / "island.gal"
    path.write_text("3\nx 1\ny\ny 1\nx\nz 0\n\n")
    with pytest.warns(SpecificationWarning, match=r"island.*\['z'\]"):
        w = read_gal(path)
    assert w.islands == ("z",)
    assert np.asarray(w.matrix.sum(axis=1)).ravel().tolist() == [1.0, 1.0, 0.0]


def test_from_matrix_transforms_and_constants():
    m = np.array([[0, 2, 0], [1, 0, 1], [0, 3, 0]], dtype=float)
    w = SpatialWeights.from_matrix(m, ids=["a", "b", "c"], transform="none")
    assert w.s0 == 7
    sym = m + m.T
    assert w.s1 == pytest.approx(0.5 * (sym**2).sum())
    assert w.s2 == pytest.approx(((m.sum(1) + m.sum(0)) ** 2).sum())
    row = w.with_transform("row")
    assert np.allclose(row.to_frame().to_numpy(), m / m.sum(1, keepdims=True))
    binary = w.with_transform("binary")
    assert binary.to_frame().to_numpy().tolist() == (m > 0).astype(float).tolist()
    assert w.links is row.links  # transforms share the raw links, nothing is copied over
    framed = SpatialWeights.from_matrix(pd.DataFrame(m, index=list("abc"), columns=list("abc")))
    assert framed.ids == ("a", "b", "c")
    assert np.allclose(framed.lag([1.0, 2.0, 3.0]), [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    ("matrix", "ids", "match"),
    [
        (np.ones((2, 3)), None, "square"),
        (np.zeros((2, 2)) + np.eye(2)[::-1], ["a"], "2 x 2 but 1 ids"),
        (np.array([[0, -1.0], [1, 0]]), None, "non-negative"),
        (np.array([[1.0, 1], [1, 0]]), ["p", "q"], r"diagonal.*\['p'\]"),
        (np.array([[0, 1.0], [1, 0]]), ["p", "p"], "Duplicated"),
    ],
)
def test_from_matrix_errors(matrix, ids, match):
    with pytest.raises(SpecificationError, match=match):
        SpatialWeights.from_matrix(matrix, ids)


def test_sparse_input_and_subset():
    w = read_gal(INPUTS / "lattice_3x3_rook.gal", "binary")
    again = SpatialWeights.from_matrix(sp.csr_matrix(w.links), w.ids, "binary")
    assert (again.to_frame() == w.to_frame()).all().all()
    corner = w.subset([0, 1, 3, 4])
    with pytest.warns(SpecificationWarning, match=r"\[0, 2, 4\]"):
        sub = w.subset([0, 2, 4])  # no links among them
    assert corner.links.nnz == 8
    assert sub.islands == (0, 2, 4)
    with pytest.raises(SpecificationError, match=r"\[99\]"):
        w.subset([0, 99])


def test_inverse_distance():
    coords = pd.DataFrame({"x": [0.0, 3.0, 0.0], "y": [0.0, 0.0, 4.0]}, index=list("abc"))
    w = SpatialWeights.inverse_distance(coords, transform="none")
    d = w.to_frame()
    assert d.loc["a", "b"] == pytest.approx(1 / 3)
    assert d.loc["b", "c"] == pytest.approx(1 / 5)
    w2 = SpatialWeights.inverse_distance(coords, power=2, threshold=4.5, transform="none")
    assert w2.to_frame().loc["a", "c"] == pytest.approx(1 / 16)
    assert w2.to_frame().loc["b", "c"] == 0.0
    row = SpatialWeights.inverse_distance(coords)
    assert np.allclose(np.asarray(row.matrix.sum(axis=1)).ravel(), 1.0)
    # one degree of longitude on the equator: 2 pi R / 360 km
    geo = SpatialWeights.inverse_distance([[0.0, 0.0], [1.0, 0.0]], metric="haversine",
                                          transform="none")
    assert 1 / geo.to_frame().iloc[0, 1] == pytest.approx(2 * np.pi * 6371.0088 / 360)
    with pytest.raises(SpecificationError, match="distance 0"):
        SpatialWeights.inverse_distance([[0.0, 0.0], [0.0, 0.0]])


def test_china_contiguity_bundled():
    w = china_weights("binary")
    assert w.n == 31
    assert w.links.nnz == 138
    assert w.ids[0] == 11 and w.ids[-1] == 65
    assert w.cardinalities[46] == 1  # Hainan, linked to Guangdong by convention
    assert w.cardinalities[15] == 8  # Inner Mongolia
    assert not w.islands
    assert np.allclose(np.asarray(china_weights().matrix.sum(axis=1)).ravel(), 1.0)


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="shared data folder not present")
def test_china_contiguity_equals_shared_matrix():
    shared = pd.read_csv(SHARED / "data" / "china_province_W_binary_31x31.csv", index_col=0)
    shared.index = shared.index // 10000
    shared.columns = shared.index
    w = china_weights("binary")
    assert (w.to_frame().loc[shared.index, shared.index].to_numpy() == shared.to_numpy()).all()
