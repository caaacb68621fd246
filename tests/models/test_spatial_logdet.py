"""Chebyshev and Monte Carlo log-determinants: spatialreg, exact values, error bounds, fits.

References (validation/logdet/reference.csv): R 4.2.2 spatialreg 1.2.6 ``do_ldet`` (script
``spatialreg_logdet.R``) on the China contiguity and 5-nearest-capital weights, a 2,800-cell rook
lattice and 1,000 random points: exact and Chebyshev (q = 5, 10) log-determinants at six rho
(tolerance 1e-9 absolute), and FE SAR/SEM fits with ``method = "Chebyshev"`` on Produc and the
China panel (1e-6 relative).  Monte Carlo values are compared in distribution, not as rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.datasets.produc import load_produc, produc_weights
from stfi_models.exceptions import SpecificationError
from stfi_models.models.spatial import LogDet
from stfi_models.models.spatial.likelihood import ErrorProfile, LagProfile
from stfi_models.models.spatial.logdet_approx import (
    MonteCarloLogDet,
    chebyshev_coefficients,
    chebyshev_traces,
    probe_traces,
)
from stfi_models.spatial import SpatialWeights
from stfi_models.validation import VALIDATION_ROOT, compute_module
from conftest import check_reference_row, reference_rows

TOPIC = VALIDATION_ROOT / "logdet"
FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
KEYS = {"entity": "state", "time": "year"}


@pytest.fixture(scope="module")
def cases():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SpecificationWarning)
        return compute_module("logdet").weights()


@pytest.mark.parametrize(("topic", "position"), reference_rows("logdet"))
def test_reference(topic, position):
    """spatialreg 1.2.6 do_ldet (eigen / LU / Chebyshev) and Chebyshev FE fits."""
    check_reference_row(topic, position)


# ---------------------------------------------------------------------------- Monte Carlo vs R
def test_monte_carlo_is_within_the_spread_of_spatialregs(cases):
    """R's draws come from its own generator: compare in distribution (README.md)."""
    theirs = pd.read_csv(TOPIC / "spatialreg_mc.csv")
    z = []
    for row in theirs.itertuples():
        ours = LogDet(cases[row.weights].matrix, "mc")
        per = ours.approximation._per_probe(row.rho)
        se = np.hypot(row.sd, per.std(ddof=1) / np.sqrt(per.size))
        z.append((ours(row.rho) - row.value) / se)
    z = np.array(z)
    assert np.abs(z).max() < 3.5
    assert np.mean(np.abs(z) < 1.96) >= 0.8


@pytest.mark.parametrize("name", ["china_contiguity", "china_knn5"])
def test_monte_carlo_arithmetic_on_spatialregs_own_draws(cases, name):
    """On R's normal draws, R's value is ours except for one documented term.

    spatialreg replaces the probe's k = 2 term by N tr(W^2) / x'x (the exact trace times
    N / x'x); the Barry-Pace / LeSage estimator, ours, uses tr(W^2) itself.  With R's term
    put back, the values agree to rounding; ours then differs from R's by exactly that term.
    """
    w = cases[name].matrix
    draws = pd.read_csv(TOPIC / f"mc_draws_{name}.csv").to_numpy()
    theirs = pd.read_csv(TOPIC / "spatialreg_mc.csv").query("weights == @name")
    per_probe = probe_traces(w, draws, 30).T  # (16, 30)
    ours = MonteCarloLogDet.from_probe_traces(w, per_probe)
    tr2 = float(w.multiply(w.T).sum())
    r_style = ours.traces.copy()
    r_style[:, 1] = w.shape[0] * tr2 / (draws**2).sum(axis=0)
    r_version = MonteCarloLogDet(r_style, w.shape[0])
    for row in theirs.itertuples():
        assert r_version.values(row.rho)[0] == pytest.approx(row.value, abs=1e-12)
        gap = -row.rho**2 / 2 * (tr2 - r_style[:, 1].mean())
        assert ours.values(row.rho)[0] - row.value == pytest.approx(gap, abs=1e-12)


# ---------------------------------------------------------------------------- vs exact
@settings(max_examples=40, deadline=None)
@given(rho=st.floats(-0.99, 0.99), order=st.integers(1, 20))
def test_chebyshev_interpolant_error_is_within_the_bound(rho, order):
    """Per eigenvalue in [-1, 1]: |ln(1 - rho x) - p_q(x)| <= 4 r^(q+1) / ((q+1)(1-r))."""
    x = np.linspace(-1, 1, 2001)
    approx = np.polynomial.chebyshev.chebval(x, chebyshev_coefficients(rho, order)[:, 0])
    one = LogDet(sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]])), "chebyshev",
                 options={"order": order}).approximation
    per_eigenvalue = one.error_bound(rho) / 2  # N = 2
    assert np.max(np.abs(np.log1p(-rho * x) - approx)) <= per_eigenvalue + 1e-12


@pytest.mark.parametrize("name", ["china_contiguity", "lattice_56x50"])
def test_chebyshev_is_within_its_bound_for_real_eigenvalues(cases, name):
    w = cases[name]
    exact = compute_module("logdet").exact(w)
    for order in (3, 5, 8):
        cheb = LogDet(w.matrix, "chebyshev", options={"order": order})
        for rho in (-0.95, -0.5, 0.1, 0.5, 0.9, 0.99):
            error = abs(cheb(rho) - exact(rho))
            assert error <= cheb.approximation.error_bound(rho)


def test_chebyshev_derivatives_are_those_of_the_approximation():
    w = sm.china_weights().matrix
    cheb = LogDet(w, "chebyshev", options={"order": 7})
    for rho in (-0.6, 0.3, 0.85):
        h = 1e-5
        d1, d2 = cheb.derivatives(rho)
        assert d1 == pytest.approx((cheb(rho + h) - cheb(rho - h)) / (2 * h), rel=1e-7)
        assert d2 == pytest.approx((cheb(rho + h) - 2 * cheb(rho) + cheb(rho - h)) / h**2,
                                   rel=1e-4)
    mc = LogDet(w, "mc")
    d1, d2 = mc.derivatives(0.4)
    assert d1 == pytest.approx((mc(0.4 + 1e-6) - mc(0.4 - 1e-6)) / 2e-6, rel=1e-7)


def test_blocked_traces_equal_the_eigenvalue_sums():
    w = sm.china_weights()
    omega = LogDet(w.matrix, "eigen", w.links).omega
    expected = np.polynomial.chebyshev.chebvander(omega, 9).sum(axis=0)
    np.testing.assert_allclose(chebyshev_traces(w.matrix, 9, block=7), expected,
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(chebyshev_traces(w.matrix, 9), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ["eigen", "lu", "chebyshev"])
def test_blocked_g_traces_equal_the_dense_ones(method):
    """tr G, tr G^2, tr G'G by column blocks (N = 400: two blocks) against dense algebra."""
    r, c = np.divmod(np.arange(400), 20)
    w = sm.spatial.distance_band_weights(np.column_stack([c, r]).astype(float), 1.0)
    ld = LogDet(w.matrix, method, w.links)
    dense = w.matrix.toarray()
    for rho in (-0.7, 0.45):
        g = dense @ np.linalg.inv(np.eye(400) - rho * dense)
        expected = (np.trace(g), np.trace(g @ g), np.sum(g * g))
        np.testing.assert_allclose(ld.g_traces(rho), expected, rtol=1e-11)
        np.testing.assert_allclose(ld.traces(rho), expected[:2], rtol=1e-11)
        v = np.random.default_rng(0).standard_normal((400, 3))
        np.testing.assert_allclose(ld.g_apply(rho, v), g @ v, rtol=1e-10, atol=1e-12)


def test_monte_carlo_intervals_cover_the_exact_value(cases):
    w = cases["china_contiguity"]
    exact = LogDet(w.matrix, "eigen", w.links)
    covered = []
    for seed in range(20):
        mc = LogDet(w.matrix, "mc", options={"seed": seed}).approximation
        for rho in (-0.7, 0.3, 0.8):
            lo, hi = mc.interval(rho)
            covered.append(lo <= exact(rho) <= hi)
    assert np.mean(covered) >= 0.85


def test_monte_carlo_first_two_traces_are_exact(cases):
    w = cases["china_knn5"].matrix
    mc = LogDet(w, "mc", options={"draws": 4, "terms": 5}).approximation
    np.testing.assert_array_equal(mc.traces[:, 0], 0.0)
    np.testing.assert_allclose(mc.traces[:, 1], (w @ w).diagonal().sum(), rtol=1e-14)


def test_monte_carlo_is_seeded():
    w = sm.china_weights().matrix
    a, b = LogDet(w, "mc", options={"seed": 3}), LogDet(w, "mc", options={"seed": 3})
    c = LogDet(w, "mc", options={"seed": 4})
    assert a(0.5) == b(0.5) != c(0.5)
    assert LogDet(w, "mc")(0.5) == LogDet(w, "mc", options={"seed": 0})(0.5)
    more = LogDet(w, "mc", options={"seed": 3, "draws": 32}).approximation.traces
    np.testing.assert_array_equal(more[:16], a.approximation.traces)  # probe r = r-th child


def test_monte_carlo_never_forms_a_dense_matrix():
    """N = 2,000,000 (a dense W would need 32 TB): a ring, where tr W^k is known."""
    n = 2_000_000
    idx = np.arange(n)
    ring = sp.csr_array((np.full(2 * n, 0.5), (np.repeat(idx, 2),
                                                np.stack([(idx - 1) % n, (idx + 1) % n],
                                                         axis=1).ravel())), shape=(n, n))
    mc = LogDet(ring, "mc", options={"draws": 2, "terms": 4})
    # ring walk: tr W^2 = N/2, tr W^3 = 0, tr W^4 = 3N/8
    assert mc.approximation.traces[0, 1] == pytest.approx(n / 2)
    assert abs(mc.approximation.traces[:, 2].mean()) < 0.02 * n
    assert mc.approximation.traces[:, 3].mean() == pytest.approx(3 * n / 8, rel=0.02)


# ---------------------------------------------------------------------------- fits
@pytest.fixture(scope="module")
def produc():
    return load_produc()


@pytest.mark.parametrize("model", ["sar", "sem"])
@pytest.mark.parametrize(("method", "options"), [("chebyshev", {"order": 5}),
                                                 ("chebyshev", {"order": 10}),
                                                 ("mc", {"seed": 1})])
def test_approximate_fit_is_near_optimal_for_the_exact_likelihood(produc, model, method,
                                                                  options):
    """The exact log-likelihood at the approximate estimate is within 2 T max|error| of its max.

    The approximate likelihood is the exact one plus T e(rho) with |e| <= eps, so its
    maximiser loses at most 2 T eps of exact likelihood (eps: Chebyshev's bound; for MC the
    largest half-width of its 95 % interval over the range searched).
    """
    from stfi_models.models.spatial import SpatialError, SpatialLag

    w = produc_weights()
    cls, profile_cls, param = ((SpatialLag, LagProfile, "rho") if model == "sar"
                               else (SpatialError, ErrorProfile, "lambda"))
    exact_model = cls.from_formula(FORMULA, produc, w=w, **KEYS)
    exact = exact_model.fit()
    approx = sm.fit(FORMULA, produc, model=model, w=w, logdet=method, logdet_options=options,
                    **KEYS)
    profile = profile_cls(exact_model.stacked, exact_model.logdet, exact_model.sizes)
    ld = LogDet(w.matrix, method, options=options)
    grid = np.linspace(0.0, 0.8, 17)
    if method == "chebyshev":
        eps = max(ld.approximation.error_bound(r) for r in grid)
    else:
        eps = max(np.diff(ld.approximation.interval(r))[0] / 2 for r in grid)
    at_approx = profile.loglik(approx.params[param])
    assert exact.loglik - 2 * exact_model.sizes.t_jac * eps <= at_approx <= exact.loglik + 1e-9
    assert approx.info["logdet"] == method
    assert approx.info["logdet_options"] == {**{"chebyshev": {"order": 5},
                                                "mc": {"draws": 16, "terms": 30, "seed": 0}}[
        method], **options}
    np.testing.assert_allclose(approx.params, exact.params,
                               atol=0.5 * float(exact.std_errors[param]))


def test_high_order_chebyshev_reproduces_the_exact_fit(produc):
    w = produc_weights()
    for model in ("sar", "sdm", "sac"):
        exact = sm.fit(FORMULA, produc, model=model, w=w, effects="twoways", **KEYS)
        cheb = sm.fit(FORMULA, produc, model=model, w=w, effects="twoways", logdet="chebyshev",
                      logdet_options={"order": 30}, **KEYS)
        np.testing.assert_allclose(cheb.params, exact.params, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(cheb.std_errors, exact.std_errors, rtol=1e-6)
        assert cheb.loglik == pytest.approx(exact.loglik, abs=1e-6)
    effects = cheb.effects(method="delta").estimates
    assert np.isfinite(effects.to_numpy()).all()


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("method", "options", "match"), [
    ("chebychev", None, "Did you mean .chebyshev."),
    ("eigen", {"order": 5}, "takes no options"),
    ("chebyshev", {"draws": 5}, "takes 'order'"),
    ("chebyshev", {"order": 0}, "integer in 1..100"),
    ("chebyshev", {"order": 2.5}, "integer"),
    ("mc", {"draws": 1}, "integer in 2.."),
    ("mc", {"terms": 10**6}, "integer in 1..1000"),
    ("mc", {"seed": -1}, "seed"),
    ("mc", [("seed", 1)], "must be a dict"),
])
def test_bad_logdet_options(produc, method, options, match):
    with pytest.raises(SpecificationError, match=match):
        sm.fit(FORMULA, produc, model="sar", w=produc_weights(), logdet=method,
               logdet_options=options, **KEYS)


def test_approximations_need_a_spectral_radius_of_at_most_one():
    coords = np.random.default_rng(1).uniform(size=(20, 2))
    w = SpatialWeights.inverse_distance(coords, transform="none")
    for method in ("chebyshev", "mc"):
        with pytest.raises(SpecificationError, match="spectral radius"):
            LogDet(w.matrix, method)
    LogDet(w.with_transform("minmax").matrix, "chebyshev")  # minmax bounds it by 1
