"""IRF / FEVD / stability building blocks: statsmodels equivalence and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.results.irf import (
    FEVD,
    IRF,
    Bands,
    fevd_shares,
    ma_coefficients,
    ordering,
    responses,
)
from stfi_models.results.stability import Stability, companion_matrix

NAMES = ("a", "b", "c")


def _system(seed: int, m: int = 3, p: int = 2):
    rng = np.random.default_rng(seed)
    lags = rng.uniform(-0.3, 0.3, (p, m, m)) / p
    root = rng.standard_normal((m, m))
    sigma = root @ root.T + 0.1 * np.eye(m)
    return lags, sigma


def test_ma_coefficients_match_statsmodels():
    from statsmodels.tsa.vector_ar.var_model import ma_rep

    lags, _ = _system(0)
    np.testing.assert_allclose(ma_coefficients(lags, 12), ma_rep(lags, 12), rtol=1e-13)


def test_ma_coefficients_batch_equals_loop():
    a, _ = _system(1)
    b, _ = _system(2)
    batch = ma_coefficients(np.stack([a, b]), 6)
    np.testing.assert_allclose(batch[0], ma_coefficients(a, 6))
    np.testing.assert_allclose(batch[1], ma_coefficients(b, 6))


def test_orth_impact_is_cholesky():
    lags, sigma = _system(3)
    phi = ma_coefficients(lags, 4)
    orth = responses(phi, "orth", sigma)
    np.testing.assert_allclose(orth[0], np.linalg.cholesky(sigma))
    np.testing.assert_allclose(orth[2], phi[2] @ np.linalg.cholesky(sigma))


def test_ordering_permutes_the_cholesky_factor():
    lags, sigma = _system(4)
    phi = ma_coefficients(lags, 3)
    perm = ordering(NAMES, ["c", "a", "b"])
    orth = responses(phi, "orth", sigma, perm)
    impact = orth[0]
    np.testing.assert_allclose(impact @ impact.T, sigma, rtol=1e-12)
    # "c" is first: it moves everything at impact; "b" is last: it moves only itself
    assert impact[0, 1] == 0 and impact[2, 1] == 0 and impact[1, 1] > 0
    with pytest.raises(SpecificationError, match="exactly once"):
        ordering(NAMES, ["a", "b"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), periods=st.integers(1, 15))
def test_fevd_rows_sum_to_one_and_step1_is_impact(seed, periods):
    lags, sigma = _system(seed)
    shares = fevd_shares(ma_coefficients(lags, periods - 1), sigma)
    assert shares.shape == (periods, 3, 3)
    np.testing.assert_allclose(shares.sum(axis=2), 1.0, atol=1e-12)
    assert np.all(shares >= 0)
    chol = np.linalg.cholesky(sigma)
    np.testing.assert_allclose(shares[0], chol**2 / (chol**2).sum(axis=1, keepdims=True))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_girf_first_variable_equals_oirf(seed):
    lags, sigma = _system(seed)
    phi = ma_coefficients(lags, 5)
    girf, oirf = responses(phi, "girf", sigma), responses(phi, "orth", sigma)
    np.testing.assert_allclose(girf[:, :, 0], oirf[:, :, 0], rtol=1e-10, atol=1e-14)
    # and for any variable when it is put first in the ordering
    perm = ordering(NAMES, ["b", "a", "c"])
    np.testing.assert_allclose(girf[:, :, 1], responses(phi, "orth", sigma, perm)[:, :, 1],
                               rtol=1e-10, atol=1e-14)


def test_fevd_matches_statsmodels():
    from statsmodels.tsa.vector_ar.var_model import ma_rep

    lags, sigma = _system(5)
    phi = ma_rep(lags, 9)
    theta = phi @ np.linalg.cholesky(sigma)
    # statsmodels FEVD definition: cumulative squared orthogonal responses over MSE
    mse = np.cumsum(theta**2, axis=0).sum(axis=2, keepdims=True)
    np.testing.assert_allclose(fevd_shares(phi, sigma), np.cumsum(theta**2, axis=0) / mse)


def test_simple_needs_no_sigma_but_orth_does():
    lags, _ = _system(6)
    phi = ma_coefficients(lags, 2)
    np.testing.assert_allclose(responses(phi, "simple"), phi)
    with pytest.raises(SpecificationError, match="Sigma"):
        responses(phi, "orth")
    with pytest.raises(SpecificationError, match="Valid choices"):
        responses(phi, "orthogonal")


def test_irf_object_frame_conf_int_plot_summary():
    lags, sigma = _system(7)
    phi = ma_coefficients(lags, 4)
    point = responses(phi, "orth", sigma)
    draws = point + np.random.default_rng(0).normal(0, 0.01, (50,) + point.shape)
    bands = Bands.from_draws(point, draws, "bootstrap", 0.9, 50)
    irf = IRF(point, NAMES, "orth", NAMES, False, bands)
    frame = irf.frame
    assert list(frame.columns) == ["impulse", "response", "h", "value", "lower", "upper"]
    assert len(frame) == 5 * 9
    row = frame[(frame.impulse == "a") & (frame.response == "c") & (frame.h == 2)].iloc[0]
    assert row.value == point[2, 2, 0]
    ci = irf.conf_int()
    assert ci.loc[("a", "c", 2), "lower"] == bands.lower[2, 2, 0]
    assert "Cholesky ordering: a, b, c" in irf.summary()
    fig = irf.plot(impulse="a", response=["b", "c"])
    assert len(fig.axes) == 2
    with pytest.raises(SpecificationError, match="Did you mean 'a'"):
        irf.plot(impulse="aa")
    plain = IRF(point, NAMES, "orth", NAMES)
    with pytest.raises(SpecificationError, match="ci='mc'"):
        plain.conf_int()


def test_fevd_object_table_and_steps():
    lags, sigma = _system(8)
    shares = fevd_shares(ma_coefficients(lags, 5), sigma)
    fevd = FEVD(shares, NAMES, NAMES)
    assert list(fevd.steps) == [1, 2, 3, 4, 5, 6]
    table = fevd.table("b")
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    assert table.index.name == "step"
    assert "step 1 = impact period" in fevd.summary()
    assert len(fevd.plot().axes) == 9


def test_mc_bands_are_point_plus_minus_z_sd():
    point = np.zeros((2, 1, 1))
    draws = np.random.default_rng(1).standard_normal((4000, 2, 1, 1))
    bands = Bands.from_draws(point, draws, "mc", 0.95, 4000)
    np.testing.assert_allclose(bands.upper, 1.959964 * draws.std(axis=0, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(bands.lower, -bands.upper)
    with pytest.raises(EstimationError, match="usable draws"):
        Bands.from_draws(point, draws[:1], "mc", 0.95, 10)


def test_companion_and_stability():
    lags = np.array([[[0.5, 0.1], [0.0, 0.2]], [[0.1, 0.0], [0.0, 0.1]]])
    comp = companion_matrix(lags)
    assert comp.shape == (4, 4)
    np.testing.assert_array_equal(comp[2:, :2], np.eye(2))
    stab = Stability.of(lags)
    assert stab.is_stable and np.all(np.diff(stab.moduli) <= 1e-15)
    np.testing.assert_allclose(np.sort(np.abs(np.linalg.eigvals(comp)))[::-1], stab.moduli)
    assert "stable" in stab.summary()
    assert stab.plot() is not None
    unstable = Stability.of(np.array([[[1.01, 0.0], [0.0, 0.5]]]))
    assert not unstable.is_stable and "not stable" in unstable.summary()
