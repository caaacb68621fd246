"""The scaled least-squares kernel: column norms and in-place factorization.

:func:`lstsq.column_norms` replaces ``np.linalg.norm(x, axis=0)`` (no ``n x k`` temporary)
and must agree with it, and keep a column's size where squaring its entries would overflow or
underflow; ``factor(x, overwrite=True)`` must give the factors of ``factor(x)`` while using
``x``'s memory, and only when ``x`` may be written.
"""

from __future__ import annotations

import numpy as np
import pytest

from stfi_models.models import lstsq


@pytest.mark.parametrize("order", ["C", "F"])
def test_column_norms_equal_numpy_norms(order):
    rng = np.random.default_rng(0)
    x = np.asarray(rng.normal(size=(500, 4)) * [1.0, 1e-8, 1e8, 3.0], order=order)
    np.testing.assert_allclose(lstsq.column_norms(x), np.linalg.norm(x, axis=0), rtol=1e-14)
    assert lstsq.column_norms(np.zeros((0, 3))).tolist() == [0.0, 0.0, 0.0]


def test_column_norms_keep_the_size_of_huge_and_tiny_columns():
    x = np.array([[3e200, 3e-200], [4e200, 4e-200]])
    np.testing.assert_allclose(lstsq.column_norms(x), [5e200, 5e-200], rtol=1e-15)
    with np.errstate(over="ignore", under="ignore"):
        assert np.linalg.norm(x, axis=0).tolist() == [np.inf, 0.0]  # what squaring gives
    scale, rms = lstsq.column_scale(x), np.array([5e200, 5e-200]) / np.sqrt(2)
    assert np.all((scale >= rms / 2) & (scale <= 2 * rms))  # the rms within a factor 2
    assert np.all(np.frexp(scale)[0] == 0.5)  # powers of two: scaling loses no digit


def test_factor_in_place_equals_factor_of_a_copy():
    rng = np.random.default_rng(1)
    x = np.asfortranarray(rng.normal(size=(200, 3)) * [1e6, 1.0, 1e-6])
    y = rng.normal(size=200)
    copied = lstsq.factor(x)
    work = x.copy(order="F")
    in_place = lstsq.factor(work, overwrite=True)
    assert np.shares_memory(in_place.q, work)
    for name in ("r", "perm", "scale"):
        np.testing.assert_array_equal(getattr(in_place, name), getattr(copied, name))
    assert in_place.rank == copied.rank == 3
    np.testing.assert_array_equal(in_place.coef(y), copied.coef(y))


def test_factor_never_writes_an_array_it_may_not():
    x = np.random.default_rng(2).normal(size=(50, 3))  # C order: not factored in place
    kept = x.copy()
    lstsq.factor(x, overwrite=True)
    lstsq.factor(np.asfortranarray(kept))
    np.testing.assert_array_equal(x, kept)
