"""Global Moran's I against esda's published tests and spdep 1.2.7 numbers.

References (validation/moran/reference.csv, from shared/reference/index_gini_spatial.md (d)):
3x3 rook lattice (binary: published; row-standardised: spdep = esda), St Louis homicides and
North Carolina SIDS (published in esda's test_moran.py), Columbus CRIME on spdep's COL.nb
(styles W and B) and on libpysal's columbus.gal (spdep = esda). Tolerances: 1e-12 where the
reference has full precision, else half a unit of the last printed digit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import stats

from stfi_models.exceptions import SpecificationError
from stfi_models.results import TestResult as StatTest
from stfi_models.spatial import moran, read_gal

MORAN = validation_module("moran")  # the reference cases: data, GAL files, transforms
INPUTS = MORAN.INPUTS
load_case = MORAN.load_case


@pytest.mark.parametrize(("topic", "row"), reference_rows("moran", cases=tuple(MORAN.CASES)))
def test_global_moran_reference_number(topic, row):
    """I, E(I), variances, z and p (two-sided and greater) of every global case, and the
    permutation p-value with 999 draws (validation/moran/compute.py)."""
    check_reference_row(topic, row)


def test_tests_mapping_and_tidy():
    y, w = load_case("columbus_COLnb_W")
    res = moran(y, w, permutations=99, seed=1)
    tests = res.tests
    assert set(tests) == {"normality", "randomisation", "permutation"}
    assert isinstance(tests["randomisation"], StatTest)
    assert tests["randomisation"].stat == res.z_rand
    assert tests["normality"].pvalue == pytest.approx(2 * stats.norm.sf(abs(res.z_norm)),
                                                      abs=1e-15)
    assert res.tidy().shape == (1, 11)
    assert res.simulated.shape == (99,)
    assert 1 / 100 <= res.p_sim <= 1
    assert "permutation" not in moran(y, w, permutations=0).tests


def test_seed_reproducible_and_two_sided_consistent():
    y, w = load_case("stl_row")
    a = moran(y, w, permutations=199, seed=7)
    b = moran(y, w, permutations=199, seed=7)
    assert a.p_sim == b.p_sim and np.array_equal(a.simulated, b.simulated)
    greater = moran(y, w, permutations=0, alternative="greater")
    assert a.p_norm == pytest.approx(2 * greater.p_norm, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=9, max_size=9).filter(
    lambda v: np.ptp(v) > 1e-3), st.floats(0.1, 10), st.floats(-50, 50))
def test_matches_dense_formula_and_affine_invariance(values, scale, shift):
    w = read_gal(INPUTS / "lattice_3x3_rook.gal", "binary")
    y = np.array(values)
    dense = w.to_frame().to_numpy()
    z = y - y.mean()
    expected = len(y) / dense.sum() * z @ dense @ z / (z @ z)
    res = moran(y, w, permutations=0)
    assert res.I == pytest.approx(expected, abs=1e-12)
    moved = moran(scale * y + shift, w, permutations=0)
    assert moved.I == pytest.approx(res.I, abs=1e-9)
    assert moved.var_rand == pytest.approx(res.var_rand, abs=1e-9)


def test_by_period_equals_separate_runs():
    y, w = load_case("columbus_COLnb_W")
    long = pd.concat([pd.DataFrame({"id": y.index, "x": y.to_numpy() * k, "t": k})
                      for k in (1, 2)] + [pd.DataFrame({"id": y.index[::-1],
                                                        "x": np.sqrt(y.to_numpy()[::-1]),
                                                        "t": 3})])
    panel = moran(long, w, "x", id="id", by="t", permutations=0)
    assert list(panel.table["t"]) == [1, 2, 3]
    assert panel.table["I"].iloc[0] == pytest.approx(panel.table["I"].iloc[1], abs=1e-12)
    assert panel[3].I == pytest.approx(moran(np.sqrt(y), w, permutations=0).I, abs=1e-12)
    assert isinstance(panel.plot(), Figure)
    with pytest.raises(SpecificationError, match="periods"):
        panel[4]


def test_dataframe_with_index_ids():
    y, w = load_case("stl_row")
    frame = y.to_frame()
    assert moran(frame, w, "HR8893", permutations=0).I == pytest.approx(
        moran(y, w, permutations=0).I, abs=1e-15)


def test_bad_input():
    y, w = load_case("stl_row")
    with pytest.raises(SpecificationError, match="77 values for weights over 78"):
        moran(y.to_numpy()[:-1], w)
    bad = y.copy()
    bad.iloc[[2, 5]] = np.nan
    with pytest.raises(SpecificationError, match=r"2 unit\(s\).*\[3, 6\]"):
        moran(bad, w)
    with pytest.raises(SpecificationError, match=r"weights only: \[78\]"):
        moran(y.drop(78), w)
    with pytest.raises(SpecificationError, match="constant"):
        moran(np.ones(78), w)
    with pytest.raises(SpecificationError, match="Did you mean 'greater'"):
        moran(y, w, alternative="greatr")
    with pytest.raises(SpecificationError, match="SpatialWeights"):
        moran(y, np.eye(78))
    with pytest.raises(SpecificationError, match="id="):
        moran(y.reset_index(), w, "HR8893", by="gal_id")


def test_scatter_plot_slope_is_I():
    y, w = load_case("columbus_COLnb_W")
    res = moran(y, w, permutations=0)
    fig = res.plot(labels=True)
    assert isinstance(fig, Figure)
    x, fitted = fig.axes[0].lines[0].get_data()
    assert (fitted[1] - fitted[0]) / (x[1] - x[0]) == pytest.approx(res.I, abs=1e-12)


def test_unknown_keyword_did_you_mean():
    y, w = load_case("stl_row")
    with pytest.raises(SpecificationError, match="Did you mean 'permutations'"):
        moran(y, w, permutation=9)
