"""Panel VAR: R panelvar's Dahlberg example, identities, equivalence with statsmodels VAR,
bootstrap/Monte Carlo bands and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import VALIDATION, check_reference_row, reference_rows, validation_module

from stfi_models.api import fit
from stfi_models.datasets import load_dahlberg
from stfi_models.exceptions import EstimationError, SpecificationError, SpecificationWarning

PANELVAR = validation_module("pvar")  # the reference case: formula and fit options
FORMULA = PANELVAR.FORMULA
NAMES = ("expenditures", "revenues", "grants")


@pytest.fixture(scope="module")
def dahlberg() -> pd.DataFrame:
    return load_dahlberg()


@pytest.fixture(scope="module")
def res(dahlberg):
    """panelvar example 1: lag 1, FOD, GMM-style lags 2.., two-step."""
    return PANELVAR.fit_case(2, dahlberg)


@pytest.fixture(scope="module")
def res1(dahlberg):
    return PANELVAR.fit_case(1, dahlberg)


@pytest.fixture(scope="module")
def panelvar_bands() -> pd.DataFrame:
    """panelvar's stored bootstrap GIRF bands (500 draws): ``lower``/``upper`` by term
    ``impulse|response|h``.  Not reference rows (no seed reproduces R's draws; see
    validation/pvar/README.md): used only by the distributional check below."""
    raw = pd.read_csv(VALIDATION / "pvar" / "panelvar_raw_values.csv")
    raw = raw[raw["quantity"].str.startswith("girf_boot_")]
    side = raw["quantity"].str.extract(r"girf_boot_(lower|upper)_impulse=(\w+)")
    terms = side[1] + "|" + raw["col"] + "|" + raw["row"].str[1:]
    return pd.DataFrame({"side": side[0], "term": terms, "value": raw["value"]}).pivot(
        index="term", columns="side", values="value")


# ---------------------------------------------------------------------------------- reference
@pytest.mark.parametrize(("topic", "row"), reference_rows("pvar"))
def test_panelvar_reference_number(topic, row):
    """Every number of validation/pvar/reference.csv (coefficients, SEs, Hansen J, Σ, moduli,
    Granger, OIRF, GIRF, FEVD), computed by validation/pvar/compute.py."""
    check_reference_row(topic, row)


def test_onestep_estimate_is_stored_on_twostep_result(res, res1):
    np.testing.assert_allclose(res.info["params_onestep"], res1.params, rtol=1e-12)


def test_instruments_per_equation(res):
    assert res.info["n_instruments"] == 84


def test_two_step_weight_rank_is_reported(res):
    # sum_i g_i g_i' is 252 x 252 with condition number ~4e9; at MASS::ginv's tolerance
    # sqrt(eps) (panelvar's choice) 221 singular values are kept.
    assert res.info["rank_w2"] == 221
    assert any("rank 221 of 252" in line for line in res.info["summary_footer"])


def test_plain_inverse_gives_a_different_twostep_estimate(dahlberg, res):
    exact = fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", rcond=0.0)
    assert exact.info["rank_w2"] == 252
    diff = np.abs(exact.params.to_numpy() - res.params.to_numpy()).max()
    assert 1e-4 < diff < 1e-2  # the truncation is what panelvar's numbers depend on


def test_dahlberg_system_is_stable(res):
    assert res.stability().is_stable


def test_mmsc_panelvar_and_stata_conventions(res):
    # pvar.md §3.2: panelvar (h = 249, Q = 2.1) and pvarsoc-style (h = 243, Q = 2) values
    # computed from J = 263.0076 with n = 1855; with max_lag = 1 the common sample is the
    # estimation sample.
    pv = res.select_lags(1, convention="panelvar").loc[1]
    assert pv["MBIC"] == pytest.approx(-1610.8767, abs=1e-4)
    assert pv["MAIC"] == pytest.approx(-234.9924, abs=1e-4)
    assert pv["MQIC"] == pytest.approx(-792.3698, abs=1e-4)
    st = res.select_lags(1).loc[1]
    assert st["MBIC"] == pytest.approx(-1565.7229, abs=1e-4)
    assert st["MAIC"] == pytest.approx(-222.9924, abs=1e-4)
    assert st["MQIC"] == pytest.approx(-717.8939, abs=1e-4)
    assert 0 < st["CD"] < 1


def test_select_lags_uses_a_common_sample(res):
    table = res.select_lags(2)
    assert list(table.index) == [1, 2]
    assert table["nobs"].nunique() == 1
    assert table.loc[1, "nobs"] == 265 * 6  # one period fewer than the lag-1 fit
    # same rows and instruments for both orders: the lag-2 model has 9 more parameters
    assert table.loc[1, "df"] - table.loc[2, "df"] == 9


@pytest.mark.parametrize("transform", ["fod", "fd"])
def test_cross_product_estimator_equals_engine_gmm_fit_on_stacked_system(dahlberg, transform):
    """The PVAR estimator is the engine's gmm_fit on I_m ⊗ X, I_m ⊗ Z (rcond=0: the engine
    inverts the two-step weight exactly when it is numerically nonsingular)."""
    from stfi_models.models.gmm import engine
    from stfi_models.models.pvar.estimator import _stack

    res = fit(FORMULA + " | gmm(2:4)", dahlberg, entity="id", time="year", model="pvar",
              transform=transform, rcond=0.0)
    system = res._var.system
    y, x, z, entity, h = _stack(system)
    eng = engine.gmm_fit(y, x, z, entity, h, steps=2, n_entities=system.n_entities)
    np.testing.assert_allclose(res.params.to_numpy(), eng.params2, rtol=1e-8)
    np.testing.assert_allclose(res.cov.to_numpy(), eng.cov["windmeijer"], rtol=1e-7)
    np.testing.assert_allclose(res.info["params_onestep"].to_numpy(), eng.params1, rtol=1e-10)
    np.testing.assert_allclose(res.info["cov_onestep"].to_numpy(), eng.cov["onestep_robust"],
                               rtol=1e-8)
    assert res.diagnostics["hansen"].stat == pytest.approx(eng.hansen, rel=1e-7)


# ---------------------------------------------------------------------------------- identities
def test_fd_and_fod_onestep_coincide_with_all_lags(dahlberg, res1):
    # Arellano and Bover (1995): balanced panel, full instrument set, H = tridiag / I.
    fd = fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", transform="fd", steps=1)
    np.testing.assert_allclose(fd.params, res1.params, rtol=1e-9)


def test_fevd_rows_sum_to_one(res):
    values = res.fevd(10).values
    np.testing.assert_allclose(values.sum(axis=2), 1.0, atol=1e-12)
    # step 1 = impact only: lower-triangular in the Cholesky ordering
    assert values[0][0, 1] == 0 and values[0][0, 2] == 0 and values[0][1, 2] == 0


def test_girf_of_first_variable_equals_oirf(res):
    girf, oirf = res.irf(8, kind="girf").values, res.irf(8, kind="orth").values
    np.testing.assert_allclose(girf[:, :, 0], oirf[:, :, 0], rtol=1e-12)


def test_order_changes_orth_but_not_girf(res):
    o1 = res.irf(4, kind="orth").values
    o2 = res.irf(4, kind="orth", order=["grants", "revenues", "expenditures"]).values
    assert not np.allclose(o1, o2)
    # the last variable in an ordering has no contemporaneous effect on the others
    assert o2[0, 1, 0] == 0 and o2[0, 2, 0] == 0  # expenditures is last now
    g1 = res.irf(4, kind="girf").values
    g2 = res.irf(4, kind="girf", order=["grants", "revenues", "expenditures"]).values
    np.testing.assert_allclose(g1, g2)


def test_cumulative_is_cumsum(res):
    plain = res.irf(6, kind="simple").values
    cum = res.irf(6, kind="simple", cumulative=True).values
    np.testing.assert_allclose(cum, np.cumsum(plain, axis=0))


def test_params_indexed_by_equation_and_regressor(res):
    assert res.params.index.names == ["equation", "regressor"]
    assert list(res.params.index[:3]) == [("expenditures", f"L1.{v}") for v in NAMES]
    assert res.nobs == 1855 and res.n_entities == 265
    tidy = res.tidy()
    assert list(tidy.columns[:2]) == ["equation", "term"]
    assert "Hansen J" in res.summary().as_text()


# ---------------------------------------------------------------------------------- fe-ols
def test_single_entity_fe_ols_reproduces_statsmodels_var():
    from statsmodels.tsa.api import VAR

    rng = np.random.default_rng(0)
    a1 = np.array([[0.5, 0.1, 0.0], [0.2, 0.3, -0.1], [0.0, 0.2, 0.4]])
    a2 = np.array([[-0.1, 0.0, 0.05], [0.0, 0.1, 0.0], [0.05, 0.0, -0.2]])
    y = np.zeros((203, 3))
    for t in range(2, 203):
        y[t] = 0.3 + a1 @ y[t - 1] + a2 @ y[t - 2] + rng.standard_normal(3)
    y = y[3:]
    frame = pd.DataFrame(y, columns=["a", "b", "c"])
    frame["unit"], frame["t"] = 1, np.arange(len(frame))
    ours = fit("a + b + c ~ L(1:2)", frame, entity="unit", time="t", model="pvar",
               estimator="fe-ols")
    var = VAR(frame[["a", "b", "c"]]).fit(2, trend="c")
    # statsmodels params: rows const, L1.a, L1.b, L1.c, L2.a, ...; columns equations
    theirs = var.params.iloc[1:].to_numpy().T.ravel()
    np.testing.assert_allclose(ours.params.to_numpy(), theirs, rtol=1e-10)
    np.testing.assert_allclose(ours.sigma.to_numpy(), var.sigma_u.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.irf(10, kind="orth").values, var.irf(10).orth_irfs,
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ours.irf(10, kind="simple").values, var.irf(10).irfs,
                               rtol=1e-10, atol=1e-14)
    # statsmodels decomp[response, step, impulse]; step index 0 = our step 1
    np.testing.assert_allclose(ours.fevd(10).values, var.fevd(10).decomp.transpose(1, 0, 2),
                               rtol=1e-10)
    np.testing.assert_allclose(ours.stability().moduli,
                               np.sort(np.abs(np.linalg.eigvals(
                                   np.vstack([np.hstack(list(var.coefs)),
                                              np.eye(3, 6)]))))[::-1], rtol=1e-10)


def test_fe_ols_refuses_instruments(dahlberg):
    with pytest.raises(SpecificationError, match="fe-ols"):
        fit(FORMULA + " | gmm(2:3)", dahlberg, entity="id", time="year", model="pvar",
            estimator="fe-ols")


# ---------------------------------------------------------------------------------- instruments
def test_gmm_lag_range_without_variable_applies_to_all(dahlberg):
    res = fit(FORMULA + " | gmm(2:4, collapse=True)", dahlberg, entity="id", time="year",
              model="pvar")
    assert res.info["n_instruments"] == 9  # 3 lags x 3 variables
    assert res.info["n_moments"] == 27
    assert res.diagnostics["hansen"].df == 27 - 9


def test_gmm_named_variables(dahlberg):
    res = fit(FORMULA + " | gmm(expenditures, 2:3)", dahlberg, entity="id", time="year",
              model="pvar")
    assert all(n.startswith("expenditures") for n in res.info["instrument_names"])


def test_exogenous_regressor_after_lags(dahlberg):
    data = dahlberg.assign(x=np.random.default_rng(3).standard_normal(len(dahlberg)))
    res = fit("expenditures + revenues + grants ~ L(1) + x | gmm(2:3, collapse=True)", data,
              entity="id", time="year", model="pvar")
    assert ("grants", "x") in res.params.index
    assert res.params.index.get_level_values(1)[:4].tolist() == [
        "L1.expenditures", "L1.revenues", "L1.grants", "x"]
    assert res.irf(3).values.shape == (4, 3, 3)


# ---------------------------------------------------------------------------------- bands
def test_mc_bands_are_symmetric_and_reproducible(res):
    a = res.irf(6, kind="orth", ci="mc", draws=300, seed=11)
    b = res.irf(6, kind="orth", ci="mc", draws=300, seed=11)
    np.testing.assert_array_equal(a.bands.lower, b.bands.lower)
    np.testing.assert_allclose(a.values - a.bands.lower, a.bands.upper - a.values, atol=1e-15)
    assert a.bands.used == 300
    ci = a.conf_int()
    assert list(ci.columns) == ["lower", "upper"] and len(ci) == 7 * 9


def test_bootstrap_bands_agree_with_panelvar_in_distribution(res, panelvar_bands):
    """Distributional check only: panelvar's 500 stored draws used R's RNG.

    The band must contain the point GIRF wherever panelvar's does, and its width must be
    within a factor of two of panelvar's at every horizon <= 3 (widths shrink to ~0 later).
    """
    irf = res.irf(7, kind="girf", ci="bootstrap", draws=200, seed=2024, n_jobs=2,
                  progress=False)
    lower, upper = panelvar_bands["lower"], panelvar_bands["upper"]
    frame = irf.frame
    for i, r, h, v, lo, hi in zip(frame.impulse, frame.response, frame.h, frame.value,
                                  frame.lower, frame.upper, strict=True):
        term = f"{i}|{r}|{h}"
        assert lo <= v <= hi
        if h <= 3:
            ratio = (hi - lo) / (upper[term] - lower[term])
            assert 0.5 < ratio < 2.0, (term, ratio)


def test_bootstrap_refit_with_unit_weights_is_the_fit(res):
    cp = res._var.cross_products
    coef, sigma = cp.estimate(np.ones(cp.n_entities), 2, res.info["rcond"])
    np.testing.assert_allclose(coef.ravel(), res.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(sigma, res.sigma.to_numpy(), rtol=1e-9)


def test_bootstrap_is_reproducible_across_n_jobs(res):
    # Per-draw seeds: the same draws whatever the chunking.  In-process (n_jobs=1) BLAS may
    # run multi-threaded while loky workers run single-threaded; the summation order then
    # differs at 1e-16, which the truncated pseudo-inverse of a weight with condition
    # number ~4e9 amplifies to ~1e-10 -- hence rtol=1e-8, not bit equality.
    a = res.fevd(4, ci="bootstrap", draws=12, seed=5, n_jobs=1, progress=False)
    b = res.fevd(4, ci="bootstrap", draws=12, seed=5, n_jobs=2, progress=False)
    np.testing.assert_allclose(a.bands.lower, b.bands.lower, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(a.bands.upper, b.bands.upper, rtol=1e-8, atol=1e-14)
    c = res.fevd(4, ci="bootstrap", draws=12, seed=6, n_jobs=2, progress=False)
    assert not np.allclose(c.bands.lower, b.bands.lower)


def test_dask_backend_matches_loky(res):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed not installed (extra 'dask')"
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        a = res.irf(5, kind="orth", ci="bootstrap", draws=40, seed=9, backend="dask",
                    progress=False)
    b = res.irf(5, kind="orth", ci="bootstrap", draws=40, seed=9, n_jobs=2, progress=False)
    np.testing.assert_allclose(a.bands.lower, b.bands.lower, rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(a.bands.upper, b.bands.upper, rtol=1e-10, atol=1e-18)


def test_dask_backend_without_client_says_how(res):
    pytest.importorskip("distributed", reason="dask.distributed not installed (extra 'dask')")
    with pytest.raises(SpecificationError, match="Client"):
        res.irf(2, ci="bootstrap", draws=4, backend="dask", progress=False)


# ---------------------------------------------------------------------------------- bad input
def _panel(n: int, t: int, coef: np.ndarray, corr: float, seed: int) -> pd.DataFrame:
    """A simulated two-variable panel VAR(1) with error correlation ``corr``."""
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(np.array([[1.0, corr], [corr, 1.0]]))
    rows = []
    for i in range(n):
        y = np.zeros((t, 2))
        y[0] = rng.standard_normal(2)
        for s in range(1, t):
            y[s] = coef @ y[s - 1] + chol @ rng.standard_normal(2)
        rows.append(pd.DataFrame({"i": i, "t": range(t), "a": y[:, 0], "b": y[:, 1]}))
    return pd.concat(rows, ignore_index=True)


def test_non_pd_sigma_draws_are_counted():
    # The Monte Carlo draws of vech(Sigma) have variance (2/n) D+(S x S)D+': det(Sigma)
    # has relative sd ~ sqrt(2m/n), so with n = 10 transformed observations a fair share of
    # draws is not positive definite.
    data = _panel(2, 6, np.array([[0.5, 0.1], [0.0, 0.4]]), 0.5, seed=4)
    res = fit("a + b ~ L(1)", data, entity="i", time="t", model="pvar", estimator="fe-ols")
    with pytest.warns(SpecificationWarning, match="not positive definite"):
        irf = res.irf(3, kind="orth", ci="mc", draws=200, seed=1)
    assert 0 < irf.bands.discarded < 200
    assert irf.bands.used + irf.bands.discarded == 200
    assert "discarded" in irf.summary()
    # simple IRFs do not use Sigma: nothing is discarded
    assert res.irf(3, kind="simple", ci="mc", draws=50, seed=1).bands.discarded == 0


def test_unstable_system_warns_with_moduli():
    data = _panel(40, 12, np.array([[1.05, 0.0], [0.1, 0.9]]), 0.3, seed=1)
    res = fit("a + b ~ L(1)", data, entity="i", time="t", model="pvar", estimator="fe-ols")
    state = res._var
    explosive = type(state.estimate)(**{**state.estimate.__dict__,
                                        "coef": np.array([[1.2, 0.0], [0.1, 0.5]])})
    bad = res.replace(_var=type(state)(state.model, state.system, explosive, state.steps,
                                       state.rcond))
    assert not bad.stability().is_stable
    with pytest.warns(SpecificationWarning, match=r"not stable .*1\.2000"):
        irf = bad.irf(4)
    assert "not stable" in irf.summary()


def test_more_instruments_than_entities_warns_about_collapse(dahlberg):
    small = dahlberg[dahlberg["id"].isin(dahlberg["id"].unique()[:60])]
    with pytest.warns(SpecificationWarning, match="collapse=True"):
        fit(FORMULA, small, entity="id", time="year", model="pvar")


def test_lag_order_too_long_for_t(dahlberg):
    with pytest.raises(EstimationError, match="too long"):
        fit("expenditures + revenues + grants ~ L(1:8)", dahlberg, entity="id", time="year",
            model="pvar")


def test_single_equation_is_refused(dahlberg):
    with pytest.raises(SpecificationError, match="several left-hand"):
        fit("expenditures ~ L(expenditures, 1)", dahlberg, entity="id", time="year",
            model="pvar")


def test_incomplete_lags_are_refused(dahlberg):
    with pytest.raises(SpecificationError, match="L\\(1:p\\)"):
        fit("expenditures + revenues ~ L(expenditures, 1)", dahlberg, entity="id",
            time="year", model="pvar")


def test_unknown_option_did_you_mean(dahlberg):
    with pytest.raises(SpecificationError, match="transform"):
        fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", transfrom="fd")
    with pytest.raises(SpecificationError, match="Valid choices"):
        fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", transform="helmert")


def test_bad_band_options(res):
    with pytest.raises(SpecificationError, match="ci="):
        res.irf(3, ci="boot")
    with pytest.raises(SpecificationError, match="draws"):
        res.irf(3, ci="mc", draws=1)
    with pytest.raises(SpecificationError, match="order"):
        res.irf(3, kind="orth", order=["grants", "revenues"])


def test_missing_values_are_warned_and_counted(dahlberg):
    data = dahlberg.copy()
    data.loc[data.index[[5, 40]], "grants"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(FORMULA + " | gmm(2:3, collapse=True)", data, entity="id", time="year",
                  model="pvar")
    assert any("2 of 2385 rows have missing values" in str(w.message) for w in caught)
    assert res.dropped.n > 0


# ---------------------------------------------------------------------------------- simulated
def test_gmm_recovers_a_known_pvar_with_fixed_effects():
    # y_it = A y_i,t-1 + mu_i + e_it, N = 400, T = 10: GMM is consistent, within OLS is not
    # (Nickell bias), so GMM must be close to A and closer than fe-ols on the diagonal.
    rng = np.random.default_rng(12)
    a = np.array([[0.5, 0.2], [-0.1, 0.3]])
    rows = []
    for i in range(400):
        mu = rng.standard_normal(2)
        y = np.linalg.solve(np.eye(2) - a, mu) + rng.standard_normal(2)
        for t in range(10):
            y = a @ y + mu + rng.standard_normal(2)
            rows.append((i, t, y[0], y[1]))
    data = pd.DataFrame(rows, columns=["i", "t", "a", "b"])
    gmm = fit("a + b ~ L(1) | gmm(2:4)", data, entity="i", time="t", model="pvar")
    ols = fit("a + b ~ L(1)", data, entity="i", time="t", model="pvar", estimator="fe-ols")
    est = gmm.coef_matrices()[0]
    assert np.abs(est - a).max() < 0.08
    assert np.abs(np.diag(ols.coef_matrices()[0] - a)).min() > np.abs(np.diag(est - a)).max()
    cover = gmm.conf_int(0.999)
    truth = pd.Series(a.ravel(), index=gmm.params.index)
    assert ((cover["lower"] < truth) & (truth < cover["upper"])).all()


def test_unbalanced_panel_with_gaps(dahlberg):
    rng = np.random.default_rng(3)
    data = dahlberg.drop(index=rng.choice(dahlberg.index, 150, replace=False))
    res = fit(FORMULA + " | gmm(2:4)", data, entity="id", time="year", model="pvar")
    assert res.nobs < 1855
    assert np.all(np.isfinite(res.std_errors))
    np.testing.assert_allclose(res.fevd(5).values.sum(axis=2), 1.0)
    # the bootstrap cross products reproduce the fit on the unbalanced panel too
    cp = res._var.cross_products
    coef, _ = cp.estimate(np.ones(cp.n_entities), 2, res.info["rcond"])
    np.testing.assert_allclose(coef.ravel(), res.params.to_numpy(), rtol=1e-8)


def test_fe_ols_bootstrap_refit_with_unit_weights_is_the_fit(dahlberg):
    res = fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", estimator="fe-ols")
    cp = res._var.cross_products
    coef, sigma = cp.within_ols(np.ones(cp.n_entities))
    np.testing.assert_allclose(coef.ravel(), res.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(sigma, res.sigma.to_numpy(), rtol=1e-10)
    irf = res.irf(4, kind="orth", ci="bootstrap", draws=20, seed=1, n_jobs=1, progress=False)
    assert irf.bands.used == 20


def test_duplication_pinv_maps_vec_to_vech():
    from stfi_models.models.pvar.bands import _duplication_pinv

    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    sigma = a @ a.T
    dplus, pairs = _duplication_pinv(3)
    np.testing.assert_allclose(dplus @ sigma.ravel(order="F"),
                               [sigma[i, j] for i, j in pairs])
    assert len(pairs) == 6


def test_mc_and_bootstrap_bands_have_similar_width(res):
    # Simple IRFs depend on the coefficients only: the Monte Carlo band (Windmeijer vcov)
    # and the entity bootstrap band measure the same variability and agree in width up to a
    # factor of two at h = 1.  (For orthogonalised impact responses the Monte Carlo band,
    # whose Sigma variance (2/n) D+(S x S)D+' assumes normal errors, is 1.1-3.6 times
    # narrower than the bootstrap's on these heavy-tailed data.)
    mc = res.irf(2, kind="simple", ci="mc", draws=1000, seed=3)
    bs = res.irf(2, kind="simple", ci="bootstrap", draws=200, seed=3, n_jobs=2, progress=False)
    ratio = (mc.bands.upper - mc.bands.lower)[1] / (bs.bands.upper - bs.bands.lower)[1]
    assert np.all((ratio > 0.5) & (ratio < 2)), ratio


def test_equation_order_permutes_the_estimates(dahlberg, res):
    other = fit("grants + expenditures + revenues ~ L(1)", dahlberg, entity="id", time="year",
                model="pvar")
    for (eq, reg), value in res.params.items():
        assert other.params[(eq, reg)] == pytest.approx(value, rel=1e-8)
        assert other.std_errors[(eq, reg)] == pytest.approx(res.std_errors[(eq, reg)], rel=1e-7)
    assert other.diagnostics["hansen"].stat == pytest.approx(res.diagnostics["hansen"].stat,
                                                             rel=1e-8)


def test_rescaling_the_data_leaves_the_var_unchanged(dahlberg, res):
    # The relative pseudo-inverse tolerance makes the estimator scale invariant (panelvar's
    # switch to ginv depends on an absolute eigenvalue threshold of 1e-9 and is not).
    scaled = dahlberg.assign(**{v: dahlberg[v] * 1000 for v in NAMES})
    big = fit(FORMULA, scaled, entity="id", time="year", model="pvar")
    np.testing.assert_allclose(big.params, res.params, rtol=1e-7)
    np.testing.assert_allclose(big.sigma, res.sigma * 1e6, rtol=1e-7)
    assert big.info["rank_w2"] == res.info["rank_w2"]
    assert big.diagnostics["hansen"].stat == pytest.approx(res.diagnostics["hansen"].stat,
                                                           rel=1e-7)


# ---------------------------------------------------------------------------------- system GMM
def _simulated_pvar(n: int, t: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean-stationary PVAR(1) with fixed effects (y_i0 drawn around mu_i's long-run mean, so
    the Blundell-Bond levels moments hold)."""
    rng = np.random.default_rng(seed)
    a = np.array([[0.5, 0.2], [-0.1, 0.3]])
    rows = []
    for i in range(n):
        mu = rng.standard_normal(2)
        y = np.linalg.solve(np.eye(2) - a, mu) + rng.standard_normal(2)
        for s in range(t):
            y = a @ y + mu + rng.standard_normal(2)
            rows.append((i, s, y[0], y[1]))
    return pd.DataFrame(rows, columns=["i", "t", "a", "b"]), a


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return _simulated_pvar(150, 6, 5)[0]


def _pvar(data, formula="a + b ~ L(1)", **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        return fit(formula, data, entity="i", time="t", model="pvar", **options)


def _sys_gmm(data, formula, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        return fit(formula, data, entity="i", time="t", model="sys-gmm", **options)


def test_system_onestep_equals_sys_gmm_equation_by_equation(sim):
    # One-step PVAR GMM is equation-by-equation GMM with the common weight; the PVAR's
    # V = [D; I] one-step weight is xtabond2's h(3) under first differences.
    pv = _pvar(sim, transform="fd", system=True, steps=1)
    for eq in ("a", "b"):
        sg = _sys_gmm(sim, f"{eq} ~ L(a) + L(b) | gmm(a, 2:.) + gmm(b, 2:.)", transform="fd",
                      h=3, steps=1)
        assert list(sg.params.index) == ["L1.a", "L1.b", "Intercept"]
        np.testing.assert_allclose(pv.params[eq].to_numpy(), sg.params.to_numpy(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(pv.std_errors[eq].to_numpy(), sg.std_errors.to_numpy(),
                                   rtol=1e-10, atol=1e-12)


def _one_variable(res):
    """The one-variable PVAR(1) of ``a`` inside a two-variable system fit: its y, regressors
    (L1.a, Intercept) and instruments (gmm(a), D.a and the constant)."""
    import dataclasses

    s = res._var.system
    cols = [j for j, name in enumerate(s.instrument_names)
            if name.startswith(("a: ", "D.a: ", "constant"))]
    regs = [res.params["a"].index.get_loc(r) for r in ("L1.a", "Intercept")]
    return dataclasses.replace(s, y=s.y[:, :1], x=s.x[:, regs], z=s.z[:, cols],
                               instrument_names=tuple(s.instrument_names[j] for j in cols))


def test_one_variable_system_equals_sys_gmm_two_step(sim):
    # A one-variable PVAR(1) with system instruments and FD is xtabond2-style system GMM
    # "a ~ L(a) | gmm(a, 2:.)" with h=3: two-step coefficients, Windmeijer SEs and Hansen J.
    from stfi_models.models.pvar.estimator import _gmm_system

    one = _one_variable(_pvar(sim, transform="fd", system=True, rcond=0.0))
    est = _gmm_system(one, 2, 0.0)
    sg = _sys_gmm(sim, "a ~ L(a) | gmm(a, 2:.)", transform="fd", h=3)
    assert one.z.shape[1] == sg.info["n_instruments"] == 15  # 10 lagged levels, 4 D.a, const
    np.testing.assert_allclose(est.coef.ravel(), sg.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(est.cov)), sg.std_errors.to_numpy(), rtol=1e-10)
    assert est.hansen == pytest.approx(sg.diagnostics["Hansen"].stat, rel=1e-10)
    # the one-step weight convention matters: h(2) (no transformed/levels cross block) differs
    h2 = _sys_gmm(sim, "a ~ L(a) | gmm(a, 2:.)", transform="fd", h=2)
    assert np.abs(h2.params.to_numpy() - est.coef.ravel()).max() > 1e-3


@pytest.mark.parametrize("steps", [1, 2])
def test_system_fd_and_fod_coincide_with_all_lags(sim, steps):
    # Arellano-Bover invariance carries over to the system when H = V V' with the
    # transformation rows stacked on the identity (C = F under FOD).  xtabond2's FOD system
    # weight sets C = 0 and does not coincide (checked below).
    fd = _pvar(sim, transform="fd", system=True, steps=steps, rcond=0.0)
    fod = _pvar(sim, transform="fod", system=True, steps=steps, rcond=0.0)
    np.testing.assert_allclose(fod.params, fd.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fod.std_errors, fd.std_errors, rtol=1e-9)
    xtabond2_fod = _sys_gmm(sim, "a ~ L(a) + L(b) | gmm(a, 2:.) + gmm(b, 2:.)",
                            transform="fod", steps=steps)
    assert np.abs(xtabond2_fod.params.to_numpy() - fod.params["a"].to_numpy()).max() > 1e-3


@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("transform", ["fod", "fd"])
def test_system_weight_stacks_the_transformation_on_the_identity(sim, transform, gaps):
    # H = V V' with V = [T; I]: levels block I, cross block T (so H_{trans,level} y_level is
    # the transformed y), transformed block T T' (I for FOD, tridiag(-1, 2, -1) for FD) --
    # also on an unbalanced panel with gaps.
    data = sim.drop(index=np.random.default_rng(4).choice(sim.index, 120, replace=False)) \
        if gaps else sim
    res = _pvar(data, transform=transform, system=True)
    s = res._var.system
    h = s.h.sparse(s.entity.size).toarray()
    tr, lv = s.transformed, s.level
    np.testing.assert_allclose(h[np.ix_(lv, lv)], np.eye(lv.sum()), atol=1e-14)
    np.testing.assert_allclose(h[np.ix_(tr, lv)] @ s.y[lv], s.y[tr], atol=1e-12)
    block = h[np.ix_(tr, tr)]
    if transform == "fod":
        np.testing.assert_allclose(block, np.eye(tr.sum()), atol=1e-14)
    else:
        assert set(np.unique(np.diag(block))) == {2.0}
        assert set(np.unique(block)) == {-1.0, 0.0, 2.0}


def test_system_fd_weight_is_engine_h3(sim):
    # engine.h_outer([D; I]) is engine.h_system(kind=3, transform="fd") on the rows
    from stfi_models.models.gmm import engine

    s = _pvar(sim, transform="fd", system=True)._var.system
    h3 = engine.h_system(s.entity, s.time, np.flatnonzero(s.transformed),
                         np.flatnonzero(s.level), kind=3, transform="fd")
    n = s.entity.size
    np.testing.assert_array_equal(s.h.sparse(n).toarray(), h3.sparse(n).toarray())


def test_system_cross_products_equal_engine_gmm_fit_on_stacked_system(sim):
    from stfi_models.models.gmm import engine
    from stfi_models.models.pvar.estimator import _stack

    res = _pvar(sim, system=True, rcond=0.0)
    system = res._var.system
    y, x, z, entity, h = _stack(system)
    eng = engine.gmm_fit(y, x, z, entity, h, steps=2, n_entities=system.n_entities)
    np.testing.assert_allclose(res.params.to_numpy(), eng.params2, rtol=1e-10)
    np.testing.assert_allclose(res.cov.to_numpy(), eng.cov["windmeijer"], rtol=1e-9)
    np.testing.assert_allclose(res.info["params_onestep"].to_numpy(), eng.params1, rtol=1e-10)
    assert res.diagnostics["hansen"].stat == pytest.approx(eng.hansen, rel=1e-9)
    cp = res._var.cross_products  # bootstrap path, unit weights
    coef, sigma = cp.estimate(np.ones(cp.n_entities), 2, 0.0)
    np.testing.assert_allclose(coef.ravel(), res.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(sigma, res.sigma.to_numpy(), rtol=1e-10)


def test_system_instrument_counts_and_rows(sim, dahlberg):
    res = _pvar(sim, system=True)
    # per variable: FD rows t = 2..5 carry 1+2+3+4 lagged levels, levels rows t = 2..5 one
    # D.z each (t = 1 has no lagged difference); plus the constant
    assert res.info["n_instruments"] == 2 * (10 + 4) + 1
    assert res.info["n_moments"] == 2 * 29
    assert res.diagnostics["hansen"].df == 58 - 6
    s = res._var.system
    assert s.level.sum() == 150 * 5 and res.nobs == s.transformed.sum() == 150 * 4
    assert list(res.params["a"].index) == ["L1.a", "L1.b", "Intercept"]
    assert s.x[s.transformed, -1].max() == 0 and np.all(s.x[s.level, -1] == 1)
    with pytest.warns(SpecificationWarning, match="318 moment conditions.*collapse"):
        big = fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", system=True)
    assert big.info["n_instruments"] == 84 + 3 * 7 + 1  # + D.z for 7 periods, constant


def test_system_sigma_is_from_transformed_residuals(sim):
    res = _pvar(sim, system=True)
    e = res.resid.to_numpy()
    assert e.shape == (res.nobs, 2)
    np.testing.assert_allclose(res.sigma.to_numpy(), e.T @ e / (res.nobs - 2), rtol=1e-12)


def test_system_without_intercept_has_no_constant(sim):
    res = _pvar(sim, "a + b ~ L(1) - 1", system=True)
    assert list(res.params["a"].index) == ["L1.a", "L1.b"]
    assert "constant (levels)" not in res.info["instrument_names"]


def test_system_gmm_recovers_a_known_pvar():
    data, a = _simulated_pvar(400, 8, 21)
    # collapsed instruments: with 43 uncollapsed instruments per equation the two-step
    # estimate leans towards levels OLS (many-instrument bias, ~+0.01..0.09 on the diagonal
    # in single draws); collapsed, the mean error over 30 seeds is below 0.01
    sys_ = _pvar(data, "a + b ~ L(1) | gmm(2:4, collapse=True)", system=True)
    dif = _pvar(data, "a + b ~ L(1) | gmm(2:4, collapse=True)")
    est = sys_.coef_matrices()[0]
    assert np.abs(est - a).max() < 0.08
    lags = [(eq, f"L1.{v}") for eq in "ab" for v in "ab"]
    cover = sys_.conf_int(0.999).loc[lags]
    truth = pd.Series(a.ravel(), index=cover.index)
    assert ((cover["lower"] < truth) & (truth < cover["upper"])).all()
    # the levels moments add information: smaller standard errors than difference GMM
    assert (sys_.std_errors[lags] < dif.std_errors[lags]).all()
    # dynamics, tests and bootstrap run with the constant among the regressors
    assert sys_.granger()["df"].tolist() == [1, 1, 1, 1]
    assert sys_.irf(3, kind="orth", ci="bootstrap", draws=20, seed=1, n_jobs=1,
                    progress=False).bands.used == 20


def test_system_select_lags_on_a_common_sample(sim):
    table = _pvar(sim, system=True).select_lags(2)
    assert table["nobs"].nunique() == 1
    # same rows and instruments for both orders: A_2 adds m * m = 4 parameters
    assert table.loc[1, "df"] - table.loc[2, "df"] == 4


def test_system_is_scale_invariant(dahlberg):
    # The levels moments of the constant and of the data differ in scale by the data's units;
    # the weights' pseudo-inverses are equilibrated, so rescaling the data changes neither the
    # kept rank nor the slopes (raw relative truncation kept 19 of 39 directions on Dahlberg).
    formula = FORMULA + " | gmm(2:4, collapse=True)"
    base = fit(formula, dahlberg, entity="id", time="year", model="pvar", system=True)
    scaled = dahlberg.assign(**{v: dahlberg[v] * 1000 for v in NAMES})
    big = fit(formula, scaled, entity="id", time="year", model="pvar", system=True)
    assert base.info["rank_w2"] == big.info["rank_w2"] == base.info["n_moments"] == 39
    np.testing.assert_allclose(big.coef_matrices(), base.coef_matrices(), rtol=1e-7)
    np.testing.assert_allclose(big.params.xs("Intercept", level="regressor"),
                               base.params.xs("Intercept", level="regressor") * 1000, rtol=1e-7)
    assert big.diagnostics["hansen"].stat == pytest.approx(base.diagnostics["hansen"].stat,
                                                           rel=1e-7)


def test_system_bad_options(dahlberg):
    with pytest.raises(SpecificationError, match="estimator='gmm'"):
        fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", system=True,
            estimator="fe-ols")
    with pytest.raises(SpecificationError, match="True or False"):
        fit(FORMULA, dahlberg, entity="id", time="year", model="pvar", system="yes")
