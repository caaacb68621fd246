"""Moran's I ``adjust_n`` (spdep's ``adjust.n``) on weights with an island."""

from __future__ import annotations

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.validation import compute_module
from conftest import check_reference_row, reference_rows


@pytest.mark.parametrize(("topic", "position"), reference_rows("moran_adjust_n"))
def test_reference(topic, position):
    """spdep 1.2.7 moran.test(adjust.n = TRUE / FALSE) with Hainan as an island."""
    check_reference_row(topic, position)


def test_adjustment_scales_i_by_the_share_of_units_with_neighbours():
    w = compute_module("moran_adjust_n").island_weights()
    x = np.random.default_rng(2).standard_normal(w.n)
    adjusted = sm.moran(x, w, permutations=99, seed=1)
    plain = sm.moran(x, w, permutations=99, seed=1, adjust_n=False)
    assert adjusted.I == pytest.approx(plain.I * (w.n - 1) / w.n, rel=1e-14)
    assert adjusted.p_sim == plain.p_sim  # the reshuffles are rescaled alike
    assert adjusted.z_sim == pytest.approx(plain.z_sim, rel=1e-12)


def test_without_islands_the_option_changes_nothing():
    w = sm.china_weights()
    x = np.random.default_rng(3).standard_normal(w.n)
    a = sm.moran(x, w, permutations=0)
    b = sm.moran(x, w, permutations=0, adjust_n=False)
    assert (a.I, a.var_rand, a.var_norm) == (b.I, b.var_rand, b.var_norm)
