"""FE spatial panel models (SAR, SEM, SDM): references, equivalences, properties, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.datasets.produc import load_produc, produc_weights
from stfi_models.exceptions import EstimationError, FormulaError, SpecificationError
from stfi_models.spatial import SpatialWeights
from conftest import check_reference_row, reference_rows

FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
KEYS = {"entity": "state", "time": "year"}


@pytest.fixture(scope="module")
def produc():
    return load_produc()


@pytest.fixture(scope="module")
def w():
    return produc_weights()


@pytest.mark.parametrize(("topic", "position"), reference_rows("spatial_panel"))
def test_reference(topic, position):
    """splm's published output (section 3.1) and R spatialreg on demeaned stacked data."""
    check_reference_row(topic, position)


# ---------------------------------------------------------------------------- equivalences
@pytest.mark.parametrize("effects", ["entity", "time", "twoways"])
def test_rho_zero_gives_the_fixed_effects_slopes(produc, w, effects):
    """At rho = 0 the concentrated likelihood's beta(rho) is the FE (within) estimate."""
    from stfi_models.models.spatial import SpatialLag
    from stfi_models.models.spatial.likelihood import LagProfile

    model = SpatialLag.from_formula(FORMULA, produc, w=w, effects=effects, **KEYS)
    beta0 = LagProfile(model.stacked, model.logdet, model.sizes).beta(0.0)
    fe = sm.fit(FORMULA, produc, model="fe", effects=effects, **KEYS)
    np.testing.assert_allclose(beta0, fe.params.to_numpy(), rtol=1e-10)


def test_sdm_nests_sar(produc, w):
    """Adding Durbin terms never lowers the maximised likelihood (SAR = SDM at theta = 0)."""
    sar = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    one = sm.fit(FORMULA, produc, model="sdm", w=w, durbin=["unemp"], **KEYS)
    full = sm.fit(FORMULA, produc, model="sdm", w=w, **KEYS)
    assert list(one.params.index) == [*sar.params.index[:-1], "W.unemp", "rho"]
    assert full.loglik >= one.loglik >= sar.loglik


def test_sdm_without_durbin_terms_is_refused(produc, w):
    with pytest.raises(SpecificationError, match="model='sar'"):
        sm.fit(FORMULA, produc, model="sdm", w=w, durbin=False, **KEYS)


def test_formula_w_terms_equal_the_durbin_option(produc, w):
    via_formula = sm.fit(FORMULA + " + W(np.log(pcap)) + W(unemp)", produc, model="sar", w=w,
                         **KEYS)
    via_option = sm.fit(FORMULA, produc, model="sdm", w=w, durbin=["np.log(pcap)", "unemp"],
                        **KEYS)
    pd.testing.assert_series_equal(via_formula.params, via_option.params, rtol=1e-12)


def test_effects_trace_formulas_equal_the_brute_force_inverse(produc, w):
    res = sm.fit(FORMULA, produc, model="sdm", w=w, effects="twoways", **KEYS)
    eff = res.effects(method="delta").estimates
    rho = res.params["rho"]
    wd = w.matrix.toarray()
    inv = np.linalg.inv(np.eye(w.n) - rho * wd)
    for var in eff.index:
        s = inv @ (res.params[var] * np.eye(w.n) + res.params[f"W.{var}"] * wd)
        assert eff.loc[var, "direct"] == pytest.approx(np.trace(s) / w.n, rel=1e-12)
        assert eff.loc[var, "total"] == pytest.approx(s.sum() / w.n, rel=1e-12)


def test_effects_by_order_sum_to_the_total(produc, w):
    res = sm.fit(FORMULA, produc, model="sdm", w=w, **KEYS)
    eff = res.effects(method="delta", orders=40)
    summed = eff.orders.sum(axis=0).unstack("effect")
    pd.testing.assert_frame_equal(summed.loc[eff.estimates.index, list(eff.estimates.columns)],
                                  eff.estimates, rtol=1e-10, check_names=False)


def test_delta_and_simulated_standard_errors_agree(produc, w):
    res = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    delta = res.effects(method="delta").std_errors
    sim = res.effects(draws=4000, seed=3).std_errors
    np.testing.assert_allclose(sim.to_numpy(), delta.to_numpy(), rtol=0.08)


def test_simulation_is_seeded_and_independent_of_n_jobs(produc, w):
    res = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    one = res.effects(draws=40, seed=11)
    two = res.effects(draws=40, seed=11, n_jobs=2)
    pd.testing.assert_frame_equal(one.std_errors, two.std_errors)
    pd.testing.assert_frame_equal(one.draws, two.draws)


def test_lag_conventions_coincide_with_entity_effects_only(produc, w):
    a = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    b = sm.fit(FORMULA, produc, model="sar", w=w, lag_convention="demeaned-lag", **KEYS)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-10)
    c = sm.fit(FORMULA, produc, model="sar", w=w, effects="twoways", **KEYS)
    d = sm.fit(FORMULA, produc, model="sar", w=w, effects="twoways",
               lag_convention="demeaned-lag", **KEYS)
    assert abs(c.params["rho"] - d.params["rho"]) > 1e-5


def test_lee_yu_entity_effects_rescales_sigma2_only(produc, w):
    """Lee-Yu with entity effects: same rho and beta, sigma2 times T/(T-1)."""
    a = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    b = sm.fit(FORMULA, produc, model="sar", w=w, lee_yu=True, **KEYS)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-9)
    assert b.info["sigma2"] == pytest.approx(a.info["sigma2"] * 17 / 16, rel=1e-10)


def test_score_is_zero_at_the_estimate(produc, w):
    from stfi_models.models.spatial import SpatialError
    from stfi_models.models.spatial.likelihood import ErrorProfile

    model = SpatialError.from_formula(FORMULA, produc, w=w, effects="twoways", **KEYS)
    lam = model.fit().params["lambda"]
    profile = ErrorProfile(model.stacked, model.logdet, model.sizes)
    assert abs(profile.score(lam)) < 1e-8
    assert profile.loglik(lam) >= max(profile.loglik(lam - 1e-6), profile.loglik(lam + 1e-6))


def test_lu_log_determinant_matches_eigenvalues(produc, w):
    a = sm.fit(FORMULA, produc, model="sdm", w=w, **KEYS)
    b = sm.fit(FORMULA, produc, model="sdm", w=w, logdet="lu", **KEYS)
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy(), rtol=1e-6)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-8)


def test_sdem_effects_are_the_local_coefficients(produc, w):
    res = sm.fit(FORMULA, produc, model="sdem", w=w, **KEYS)
    eff = res.effects(method="delta")
    for var in eff.estimates.index:
        assert eff.estimates.loc[var, "direct"] == pytest.approx(res.params[var], rel=1e-12)
        assert eff.estimates.loc[var, "indirect"] == pytest.approx(res.params[f"W.{var}"],
                                                                   rel=1e-10)
        assert eff.std_errors.loc[var, "direct"] == pytest.approx(res.std_errors[var], rel=1e-10)
    sim = res.effects(draws=3000, seed=5).std_errors
    np.testing.assert_allclose(sim.to_numpy(), eff.std_errors.to_numpy(), rtol=0.08)


def test_result_vocabulary(produc, w):
    res = sm.fit(FORMULA, produc, model="sem", w=w, **KEYS)
    assert res.nobs == 816 and res.n_entities == 48
    assert res.aic == pytest.approx(-2 * res.loglik + 2 * 6)
    assert res.bic == pytest.approx(-2 * res.loglik + np.log(816) * 6)
    assert 0 < res.rsquared["pseudo"] < 1
    assert "lambda" in res.summary().as_text()
    assert res.diagnostics["LR lambda=0"].pvalue < 1e-10
    with pytest.raises(SpecificationError, match="needs spillovers"):
        res.effects()


def test_effects_object_outputs(produc, w):
    eff = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS).effects(draws=50, seed=1)
    tidy = eff.to_frame()
    assert list(tidy.columns[:4]) == ["variable", "effect", "estimate", "std_error"]
    assert len(tidy) == 4 * 3
    assert "direct" in eff.summary()
    fig = eff.plot()
    assert fig.axes


# ---------------------------------------------------------------------------- properties
@settings(max_examples=8, deadline=None)
@given(scale=st.sampled_from([1e-3, 0.1, 7.0, 1e4]))
def test_rescaling_a_regressor_rescales_only_its_coefficients(scale):
    data = load_produc()
    w = produc_weights()
    base = sm.fit(FORMULA, data, model="sdm", w=w, **KEYS)
    scaled = data.assign(unemp=data["unemp"] * scale)
    res = sm.fit(FORMULA, scaled, model="sdm", w=w, **KEYS)
    ratio = base.params / res.params
    for term in base.params.index:
        expected = scale if term in ("unemp", "W.unemp") else 1.0
        assert ratio[term] == pytest.approx(expected, rel=1e-7), term


# ---------------------------------------------------------------------------- bad input
def test_missing_weights(produc):
    with pytest.raises(SpecificationError, match="w="):
        sm.fit(FORMULA, produc, model="sar", **KEYS)


def test_weights_of_the_wrong_size(produc, w):
    small = w.subset(list(w.ids[:40]))
    with pytest.raises(SpecificationError, match="w="):
        sm.fit(FORMULA, produc, model="sar", w=small, **KEYS)


def test_entity_labels_that_do_not_match(produc, w):
    renamed = SpatialWeights.from_matrix(w.links, ids=[s.lower() for s in w.ids])
    with pytest.raises(SpecificationError, match="w.ids"):
        sm.fit(FORMULA, produc, model="sem", w=renamed, **KEYS)


def test_not_weights(produc, w):
    with pytest.raises(SpecificationError, match="SpatialWeights"):
        sm.fit(FORMULA, produc, model="sar", w=w.to_frame(), **KEYS)


def test_non_finite_weights():
    matrix = np.array([[0, 1.0], [np.inf, 0]])
    with pytest.raises(SpecificationError, match="finite"):
        SpatialWeights.from_matrix(matrix)


def test_unbalanced_sample(produc, w):
    holes = produc.copy()
    holes.loc[3, "unemp"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EstimationError, match="balanced"):
            sm.fit(FORMULA, holes, model="sar", w=w, **KEYS)


def test_w_operator_without_weights(produc):
    with pytest.raises(FormulaError, match="w="):
        sm.fit("np.log(gsp) ~ W(unemp)", produc, model="fe", **KEYS)


def test_unknown_options(produc, w):
    with pytest.raises(SpecificationError, match="lag_convention"):
        sm.fit(FORMULA, produc, model="sar", w=w, lag_convention="splm", **KEYS)
    with pytest.raises(SpecificationError, match="Did you mean 'lee_yu'"):
        sm.fit(FORMULA, produc, model="sar", w=w, leeyu=True, **KEYS)
    res = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    with pytest.raises(SpecificationError, match="method"):
        res.effects(method="exact")


# ---------------------------------------------------------------------------- model choice
def test_model_choice_table_and_verdict(produc, w):
    """Values are checked against spdep / spatialreg in the reference rows (choice_*)."""
    choice = sm.spatial_model_choice(FORMULA, produc, w=w, **KEYS)
    table = choice.to_frame()
    assert list(table.index) == ["LM lag", "LM error", "Robust LM lag", "Robust LM error",
                                 "Wald SDM vs SAR", "LR SDM vs SAR", "Wald SDM vs SEM",
                                 "LR SDM vs SEM"]
    assert table.loc["Wald SDM vs SAR", "df"] == 4
    assert choice.verdict == "sdm"
    assert "Verdict" in choice.summary()
    lr = 2 * (choice.models["sdm"].loglik - choice.models["sar"].loglik)
    assert table.loc["LR SDM vs SAR", "statistic"] == pytest.approx(lr)


def test_lm_tests_vanish_without_spatial_dependence(produc):
    """On independent noise the LM statistics are not significant."""
    rng = np.random.default_rng(0)
    data = produc.assign(noise=rng.standard_normal(len(produc)),
                         x=rng.standard_normal(len(produc)))
    choice = sm.spatial_model_choice("noise ~ x", data, w=produc_weights(), **KEYS)
    assert choice.tests["LM lag"].pvalue > 0.001 and choice.tests["LM error"].pvalue > 0.001


def test_eigenvalues_of_a_row_standardised_symmetric_pattern_are_those_of_w():
    from stfi_models.models.spatial.logdet import eigenvalues

    w = sm.china_weights()
    fast = eigenvalues(w.matrix, w.links)
    slow = np.sort(np.linalg.eigvals(w.matrix.toarray()).real)
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_sac_nests_sar_and_sem_and_its_effects_use_rho(produc, w):
    sac = sm.fit(FORMULA, produc, model="sac", w=w, **KEYS)
    sar = sm.fit(FORMULA, produc, model="sar", w=w, **KEYS)
    sem = sm.fit(FORMULA, produc, model="sem", w=w, **KEYS)
    assert sac.loglik >= max(sar.loglik, sem.loglik)
    assert sac.diagnostics["LR rho=lambda=0"].df == 2
    eff = sac.effects(method="delta").estimates
    rho = sac.params["rho"]
    inv = np.linalg.inv(np.eye(w.n) - rho * w.matrix.toarray())
    assert list(eff.index) == list(sac.params.index[:-2])
    assert eff.loc["unemp", "direct"] == pytest.approx(
        sac.params["unemp"] * np.trace(inv) / w.n, rel=1e-12)


def test_sac_refuses_the_demeaned_lag_under_time_effects(produc, w):
    with pytest.raises(SpecificationError, match="lag-of-demeaned"):
        sm.fit(FORMULA, produc, model="sac", w=w, effects="twoways",
               lag_convention="demeaned-lag", **KEYS)


def test_lee_yu_two_way_is_ml_on_the_orthonormally_transformed_panel(produc, w):
    """Lee & Yu (2010): with F_N, F_T orthonormal complements of the constant, the two-way
    estimator is direct ML on y* = F_N' y~ F_T with W* = F_N' W F_N, (N-1)(T-1) observations
    and Jacobian (T-1) ln|I - rho W*| (checked by brute force, dense determinants)."""
    from scipy import optimize
    from scipy.linalg import null_space

    from stfi_models.models.spatial import SpatialLag

    res = sm.fit(FORMULA, produc, model="sar", w=w, effects="twoways", lee_yu=True, **KEYS)
    model = SpatialLag.from_formula(FORMULA, produc, w=w, effects="twoways", lee_yu=True,
                                    **KEYS)
    raw_x = np.stack([np.log(produc.pivot(index="year", columns="state", values=c))
                      for c in ("pcap", "pc", "emp")]
                     + [produc.pivot(index="year", columns="state", values="unemp")], axis=2)
    raw_x = raw_x[:, [list(produc["state"].unique()).index(s) for s in w.ids], :]
    t, n = model.stacked.shape
    f_n, f_t = null_space(np.ones((1, n))), null_space(np.ones((1, t)))
    wd = w.matrix.toarray()
    w_star = f_n.T @ wd @ f_n
    y = f_t.T @ model.stacked.raw_y @ f_n
    x = np.stack([f_t.T @ raw_x[:, :, j] @ f_n for j in range(raw_x.shape[2])], axis=2)
    wy = y @ w_star.T
    n_obs = (n - 1) * (t - 1)
    xs = x.reshape(n_obs, -1)

    def negll(rho: float) -> float:
        e_y = (y - rho * wy).ravel()
        beta, *_ = np.linalg.lstsq(xs, e_y, rcond=None)
        e = e_y - xs @ beta
        return 0.5 * n_obs * np.log(e @ e / n_obs) - (t - 1) * np.linalg.slogdet(
            np.eye(n - 1) - rho * w_star)[1]

    rho = optimize.minimize_scalar(negll, bounds=(-0.9, 0.99), method="bounded",
                                   options={"xatol": 1e-12}).x
    beta, *_ = np.linalg.lstsq(xs, (y - rho * wy).ravel(), rcond=None)
    assert res.params["rho"] == pytest.approx(rho, rel=1e-6)
    np.testing.assert_allclose(res.params.to_numpy()[:-1], beta, rtol=1e-6)
    e = (y - rho * wy).ravel() - xs @ beta
    assert res.info["sigma2"] == pytest.approx(e @ e / n_obs, rel=1e-6)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), model=st.sampled_from(["sar", "sem", "sdm"]))
def test_order_of_units_and_rows_does_not_matter(seed, model):
    data, w = load_produc(), produc_weights()
    rng = np.random.default_rng(seed)
    order = [w.ids[i] for i in rng.permutation(w.n)]
    w2 = SpatialWeights.from_matrix(w.to_frame().loc[order, order].to_numpy(), ids=order)
    shuffled = data.iloc[rng.permutation(len(data))]
    a = sm.fit(FORMULA, data, model=model, w=w, effects="twoways", **KEYS)
    b = sm.fit(FORMULA, shuffled, model=model, w=w2, effects="twoways", **KEYS)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-9)
    pd.testing.assert_series_equal(a.std_errors, b.std_errors, rtol=1e-8)
