"""Sobol estimators against functions with analytical indices (Ishigami, Sobol' G).

Tolerance: every estimate is within 4 bootstrap standard errors (plus 0.005 for the
bootstrap's own noise) of the analytical value: Monte Carlo precision, not a fixed slack.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import SpecificationError
from stfi_models.index.sobol import (
    saltelli_evaluate,
    sobol_convergence,
    sobol_indices,
    sobol_table,
)

A_ISH, B_ISH = 7.0, 0.1
G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)


def ishigami(u):
    x = [np.pi * (2 * v[0] - 1) for v in u]
    return np.sin(x[0]) + A_ISH * np.sin(x[1]) ** 2 + B_ISH * x[2] ** 4 * np.sin(x[0])


def sobol_g(u):
    return np.prod([(abs(4 * v[0] - 2) + a) / (1 + a) for v, a in zip(u, G_A, strict=True)])


def ishigami_truth():
    pi = np.pi
    v1 = 0.5 * (1 + B_ISH * pi**4 / 5) ** 2
    v2 = A_ISH**2 / 8
    v13 = 8 * B_ISH**2 * pi**8 / 225
    var = v1 + v2 + v13
    return np.array([v1, v2, 0]) / var, np.array([v1 + v13, v2, v13]) / var


def g_truth():
    vi = np.array([1 / (3 * (1 + a) ** 2) for a in G_A])
    var = np.prod(1 + vi) - 1
    total = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(len(G_A))]) / var
    return vi / var, total


@pytest.mark.parametrize(("func", "truth", "k"), [(ishigami, ishigami_truth, 3),
                                                  (sobol_g, g_truth, len(G_A))])
def test_sobol_matches_analytical_indices(func, truth, k):
    y = saltelli_evaluate(func, [1] * k, 4096, seed=2010)[:, :, 0]
    table = sobol_table(y, [f"x{i}" for i in range(k)], bootstrap=300, seed=1)
    first, total = truth()
    assert np.all(np.abs(table["S1"] - first) <= 4 * table["S1_se"] + 0.005)
    assert np.all(np.abs(table["ST"] - total) <= 4 * table["ST_se"] + 0.005)
    assert np.all(table["S1_se"] < 0.05)  # the tolerance is a real one
    assert np.all((table["ST_low"] <= table["ST"]) & (table["ST"] <= table["ST_high"]))


def test_same_seed_same_numbers_for_any_n_jobs():
    one = saltelli_evaluate(ishigami, [1, 1, 1], 64, seed=5)
    two = saltelli_evaluate(ishigami, [1, 1, 1], 64, seed=5, n_jobs=2)
    np.testing.assert_array_equal(one, two)


def test_rows_follow_the_saltelli_design():
    y = saltelli_evaluate(lambda u: np.concatenate(u), [1, 2], 8, seed=3)
    a, b, ab1, ab2 = y[:, 0], y[:, 1], y[:, 2], y[:, 3]
    np.testing.assert_array_equal(ab1, np.column_stack([b[:, 0], a[:, 1:]]))
    np.testing.assert_array_equal(ab2, np.column_stack([a[:, :1], b[:, 1:]]))


def test_a_factor_without_influence_gets_zero_indices():
    y = saltelli_evaluate(lambda u: 3 * u[0][0], [1, 1], 256, seed=9)[:, :, 0]
    first, total = sobol_indices(y)
    assert total[1] == 0 and first[1] == 0
    table = sobol_table(y, ["a", "b"], bootstrap=200, seed=1)
    assert abs(table.loc["a", "S1"] - 1) <= 4 * table.loc["a", "S1_se"]
    assert abs(table.loc["a", "ST"] - 1) <= 4 * table.loc["a", "ST_se"]


def test_convergence_table_grows_to_all_draws():
    y = saltelli_evaluate(ishigami, [1, 1, 1], 128, seed=3)[:, :, 0]
    conv = sobol_convergence(y, ["a", "b", "c"], steps=4)
    assert sorted(conv["draws"].unique()) == [16, 32, 64, 128]
    last = conv[conv["draws"] == 128].set_index("factor")
    np.testing.assert_allclose(last["S1"], sobol_indices(y)[0])


def test_bad_input_is_named():
    with pytest.raises(SpecificationError, match=r"shape \(N, k \+ 2\)"):
        sobol_table(np.zeros((5, 3)), ["a", "b", "c"])
    with pytest.raises(SpecificationError, match="draws must be a positive integer"):
        saltelli_evaluate(ishigami, [1, 1, 1], 0)


@pytest.mark.parametrize(("topic", "row"), reference_rows("sobol"))
def test_salib_on_the_same_outputs(topic, row):
    """validation/sobol/reference.csv: SALib 1.6.0 sobol.analyze on our design's outputs."""
    check_reference_row(topic, row)


@settings(max_examples=20, deadline=None)
@given(shift=st.floats(-1e3, 1e3), scale=st.floats(1e-3, 1e3))
def test_indices_do_not_depend_on_the_units_of_the_output(shift, scale):
    y = saltelli_evaluate(ishigami, [1, 1, 1], 64, seed=4)[:, :, 0]
    first, total = sobol_indices(y)
    first2, total2 = sobol_indices(shift + scale * y)
    np.testing.assert_allclose(first2, first, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(total2, total, rtol=1e-6, atol=1e-9)
