"""Global Moran's I against esda's published tests and spdep 1.2.7 numbers.

References (validation/moran/reference.csv, from shared/reference/index_gini_spatial.md (d)):
3x3 rook lattice (binary: published; row-standardised: spdep = esda), St Louis homicides and
North Carolina SIDS (published in esda's test_moran.py), Columbus CRIME on spdep's COL.nb
(styles W and B) and on libpysal's columbus.gal (spdep = esda). Tolerances: 1e-12 where the
reference has full precision, else half a unit of the last printed digit.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from conftest import load_reference
from stfi_models.exceptions import SpecificationError
from stfi_models.results import TestResult as StatTest
from stfi_models.spatial import SpatialWeights, moran, read_gal

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")

INPUTS = Path(__file__).resolve().parents[2] / "validation" / "moran" / "inputs"
REF = load_reference("moran")

#: case -> (data file, id column, value column, GAL file, transform)
CASES = {
    "lattice3x3_binary": ("lattice_3x3_y1to9.csv", "cell", "y", "lattice_3x3_rook.gal", "binary"),
    "lattice3x3_row": ("lattice_3x3_y1to9.csv", "cell", "y", "lattice_3x3_rook.gal", "row"),
    "stl_row": ("stl_hom_HR8893.csv", "gal_id", "HR8893", "stl.gal", "row"),
    "sids_row": ("sids2_SIDR74.csv", "FIPSNO", "SIDR74", "sids2.gal", "row"),
    "columbus_COLnb_W": ("columbus_spdep_oldcol.csv", "region_id", "CRIME",
                         "columbus_spdep_COLnb.gal", "row"),
    "columbus_COLnb_B": ("columbus_spdep_oldcol.csv", "region_id", "CRIME",
                         "columbus_spdep_COLnb.gal", "binary"),
    "columbus_libpysal_row": ("columbus_libpysal.csv", "POLYID", "CRIME",
                              "columbus_libpysal.gal", "row"),
}


def load_case(case: str) -> tuple[pd.Series, SpatialWeights]:
    """The variable (indexed by unit id) and the weights of a reference case."""
    data_file, id_col, value, gal, transform = CASES[case]
    data = pd.read_csv(INPUTS / data_file)
    return data.set_index(id_col)[value], read_gal(INPUTS / gal, transform)


def _global_rows():
    rows = REF.loc[REF["case"].isin(CASES)]
    return [pytest.param(r.case, r.quantity, r.value, r.tolerance, id=f"{r.case}-{r.quantity}")
            for r in rows.itertuples()]


@pytest.mark.parametrize(("case", "quantity", "value", "tol"), _global_rows())
def test_reference(case, quantity, value, tol):
    y, w = load_case(case)
    if quantity == "p_sim_greater":
        res = moran(y, w, alternative="greater", permutations=999, seed=20240601)
        assert res.p_sim <= value + tol  # observed I beats every reshuffle
        return
    alternative = "greater" if quantity.endswith("_greater") else "two-sided"
    res = moran(y, w, permutations=0, alternative=alternative)
    got = getattr(res, quantity.removesuffix("_greater"))
    assert got == pytest.approx(value, abs=tol)


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
    assert isinstance(panel.plot(), matplotlib.figure.Figure)
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
    assert isinstance(fig, matplotlib.figure.Figure)
    x, fitted = fig.axes[0].lines[0].get_data()
    assert (fitted[1] - fitted[0]) / (x[1] - x[0]) == pytest.approx(res.I, abs=1e-12)


def test_unknown_keyword_did_you_mean():
    y, w = load_case("stl_row")
    with pytest.raises(SpecificationError, match="Did you mean 'permutations'"):
        moran(y, w, permutation=9)
