"""Global Geary's C against spdep 1.2.7, a hand computation and its properties.

References (validation/moran/reference.csv, cases ``geary_*``): Columbus CRIME on spdep's
COL.nb, style W, from shared/reference/index_gini_spatial.md (d) (C, E, Var_rand to 1e-10;
z_rand to 5e-8, half a unit of its 7th decimal); the normality moments and one-sided
p-values of that case, style B and the 3x3 rook lattice from spdep's ``geary.test``
(validation/moran/geary_spdep.R, 15 significant digits, 1e-12); the permutation p-value
0.001 of ``geary.mc`` with 999 reshuffles.
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
from stfi_models.spatial import GearyPanel, SpatialWeights, geary, moran, read_gal

MORAN = validation_module("moran")
INPUTS = MORAN.INPUTS
load_case = MORAN.load_case


@pytest.mark.parametrize(("topic", "row"), reference_rows("moran", cases=("geary_",)))
def test_geary_reference_number(topic, row):
    """C, E[C], variances, z and one-sided p of every Geary case (validation/moran/compute.py)."""
    check_reference_row(topic, row)


def _rook_lattice(side: int) -> tuple[list[tuple[int, int]], dict]:
    cells = [(r, c) for r in range(side) for c in range(side)]
    neighbours = {cell: [(cell[0] + dr, cell[1] + dc)
                         for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))
                         if 0 <= cell[0] + dr < side and 0 <= cell[1] + dc < side]
                  for cell in cells}
    return cells, neighbours


def test_lattice_by_hand():
    """3x3 rook lattice, y = 1..9, binary W, computed with plain loops.

    12 undirected links: 6 horizontal (|dy| = 1) and 6 vertical (|dy| = 3), so
    sum_ij w_ij (y_i - y_j)^2 = 2 (6 + 54) = 120, S0 = 24, sum z^2 = 60 and
    C = 8 * 120 / (2 * 24 * 60) = 1/3. Normality: S1 = 48, S2 = sum (2 k_i)^2 = 4 * 68 = 272,
    Var_N = ((96 + 272) * 8 - 4 * 576) / (2 * 10 * 576) = 5/90.
    """
    cells, neighbours = _rook_lattice(3)
    y = {cell: float(3 * cell[0] + cell[1] + 1) for cell in cells}
    n = len(cells)
    mean = sum(y.values()) / n
    num = 0.0
    s0 = 0.0
    for cell in cells:
        for other in neighbours[cell]:
            num += (y[cell] - y[other]) ** 2
            s0 += 1.0
    den = sum((v - mean) ** 2 for v in y.values())
    expected_c = (n - 1) * num / (2 * s0 * den)
    assert expected_c == pytest.approx(1 / 3, abs=1e-15)
    w = read_gal(INPUTS / "lattice_3x3_rook.gal", "binary")
    res = geary(np.arange(1.0, 10.0), w, permutations=0)
    assert res.C == pytest.approx(expected_c, abs=1e-14)
    assert res.var_norm == pytest.approx(5 / 90, abs=1e-14)
    assert res.z_norm == pytest.approx((1 - 1 / 3) / np.sqrt(5 / 90), abs=1e-12)


def test_sign_convention_and_alternatives():
    """Positive autocorrelation: C < 1, z > 0; ``greater`` is the upper tail of z."""
    y, w = load_case("columbus_COLnb_W")
    two = geary(y, w, permutations=0)
    greater = geary(y, w, permutations=0, alternative="greater")
    less = geary(y, w, permutations=0, alternative="less")
    assert two.C < 1 and two.z_rand > 0
    assert two.z_rand == pytest.approx((1 - two.C) / np.sqrt(two.var_rand), abs=1e-12)
    assert two.p_rand == pytest.approx(2 * greater.p_rand, abs=1e-15)
    assert greater.p_norm + less.p_norm == pytest.approx(1, abs=1e-15)
    assert moran(y, w, permutations=0).z_rand > 0  # both statistics agree in direction


def test_permutation_orientation_and_seed():
    """Seeded reshuffles; ``greater`` counts C_sim <= C, ``less`` counts C_sim >= C."""
    y, w = load_case("columbus_COLnb_W")
    a = geary(y, w, permutations=199, seed=3, alternative="greater")
    b = geary(y, w, permutations=199, seed=3, alternative="greater")
    assert np.array_equal(a.simulated, b.simulated) and a.p_sim == b.p_sim
    assert a.p_sim == pytest.approx((np.sum(a.simulated <= a.C) + 1) / 200, abs=1e-15)
    assert a.z_sim == pytest.approx(
        (a.simulated.mean() - a.C) / a.simulated.std(ddof=1), abs=1e-12)
    less = geary(y, w, permutations=199, seed=3, alternative="less")
    assert less.p_sim == pytest.approx((np.sum(a.simulated >= a.C) + 1) / 200, abs=1e-15)
    assert not a.simulated.flags.writeable


def test_permuted_data_average_one():
    """E[C] = 1 under random relabelling: the mean over reshuffles is close to 1."""
    y, w = load_case("columbus_COLnb_W")
    res = geary(y, w, permutations=2000, seed=11)
    se = res.simulated.std(ddof=1) / np.sqrt(2000)
    assert abs(res.simulated.mean() - 1) < 4 * se
    # the permutation variance estimates the randomisation variance
    assert res.simulated.var(ddof=1) == pytest.approx(res.var_rand, rel=0.15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=9, max_size=9).filter(
    lambda v: np.ptp(v) > 1e-3), st.floats(0.1, 10), st.floats(-50, 50),
    st.sampled_from([-1.0, 1.0]))
def test_dense_formula_and_affine_invariance(values, scale, shift, sign):
    """C equals the dense double sum and is invariant to y -> a y + b (a != 0)."""
    w = read_gal(INPUTS / "lattice_3x3_rook.gal", "row")
    y = np.array(values)
    dense = w.to_frame().to_numpy()
    diff2 = (y[:, None] - y[None, :]) ** 2
    ss = ((y - y.mean()) ** 2).sum()
    expected = (len(y) - 1) * (dense * diff2).sum() / (2 * dense.sum() * ss)
    res = geary(y, w, permutations=0)
    assert res.C == pytest.approx(expected, abs=1e-12)
    moved = geary(sign * scale * y + shift, w, permutations=0)
    assert moved.C == pytest.approx(res.C, abs=1e-9)
    assert moved.var_rand == pytest.approx(res.var_rand, abs=1e-9)


def test_asymmetric_weights_match_dense_formula():
    """Non-symmetric, non-binary weights (transform "none") against the double sum."""
    rng = np.random.default_rng(5)
    matrix = rng.uniform(size=(7, 7)) * (rng.uniform(size=(7, 7)) < 0.5)
    np.fill_diagonal(matrix, 0)
    w = SpatialWeights.from_matrix(matrix, transform="none")
    y = rng.normal(size=7)
    diff2 = (y[:, None] - y[None, :]) ** 2
    expected = 6 * (matrix * diff2).sum() / (2 * matrix.sum() * ((y - y.mean()) ** 2).sum())
    assert geary(y, w, permutations=0).C == pytest.approx(expected, abs=1e-12)


def test_tests_mapping_tidy_and_panel():
    """TestResult mapping, tidy row and by= panel equal to separate runs."""
    y, w = load_case("columbus_COLnb_W")
    res = geary(y, w, permutations=99, seed=1)
    assert set(res.tests) == {"normality", "randomisation", "permutation"}
    assert isinstance(res.tests["randomisation"], StatTest)
    assert res.tests["normality"].pvalue == pytest.approx(
        2 * stats.norm.sf(abs(res.z_norm)), abs=1e-15)
    assert "Geary's C" in str(res)
    assert res.tidy().shape == (1, 11) and res.tidy()["C"].iloc[0] == res.C
    long = pd.concat([pd.DataFrame({"id": y.index, "x": y.to_numpy() * k + k, "t": k})
                      for k in (1, 2)])
    panel = geary(long, w, "x", id="id", by="t", permutations=0)
    assert isinstance(panel, GearyPanel)
    assert list(panel.table["t"]) == [1, 2]
    assert panel[2].C == pytest.approx(res.C, abs=1e-12)
    assert isinstance(panel.plot(), Figure)
    assert "Geary's C" in str(panel)
    with pytest.raises(SpecificationError, match="periods"):
        panel[3]


def test_bad_input():
    """Clear SpecificationErrors, as for moran()."""
    y, w = load_case("stl_row")
    with pytest.raises(SpecificationError, match="77 values for weights over 78"):
        geary(y.to_numpy()[:-1], w)
    bad = y.copy()
    bad.iloc[[2, 5]] = np.nan
    with pytest.raises(SpecificationError, match=r"geary\(\): 2 unit\(s\).*\[3, 6\]"):
        geary(bad, w)
    with pytest.raises(SpecificationError, match=r"weights only: \[78\]"):
        geary(y.drop(78), w)
    with pytest.raises(SpecificationError, match="Geary's C is undefined for a constant"):
        geary(np.ones(78), w)
    with pytest.raises(SpecificationError, match="Did you mean 'greater'"):
        geary(y, w, alternative="greatr")
    with pytest.raises(SpecificationError, match="SpatialWeights"):
        geary(y, np.eye(78))
    with pytest.raises(SpecificationError, match="permutations must be >= 0"):
        geary(y, w, permutations=-1)
    with pytest.raises(SpecificationError, match="Did you mean 'permutations'"):
        geary(y, w, permutation=9)
    small = SpatialWeights.from_matrix(np.ones((3, 3)) - np.eye(3))
    with pytest.raises(SpecificationError, match="at least 4 units"):
        geary(np.arange(3.0), small)
