"""Panel smooth transition regression: NLS optimum, Jacobian, linearity tests, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm_api
from scipy import optimize, stats

import stfi_models as sm
from stfi_models.exceptions import FormulaError, SpecificationError, SpecificationWarning
from stfi_models.models.threshold.results import SmoothTransitionResult
from stfi_models.models.threshold.smooth import PanelSmoothTransition, transition

FORMULA = "y ~ x + regimes(z, by=q) | id"


def _pstr_panel(n=40, t=8, seed=0, gamma=3.0, c=0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n)})
    df["q"] = rng.normal(size=n * t)
    df["x"] = rng.normal(size=n * t)
    df["z"] = rng.normal(size=n * t)
    g = transition(df.q.to_numpy(), gamma, np.array([c]), float(df.q.std()))
    df["y"] = (np.repeat(rng.normal(size=n), t) + 0.5 * df.x + (-0.5 + 1.5 * g) * df.z
               + 0.3 * rng.normal(size=n * t))
    return df


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return _pstr_panel()


@pytest.fixture(scope="module")
def res(df) -> SmoothTransitionResult:
    return sm.fit(FORMULA, df, entity="id", time="year", model="pstr")


def test_recovers_the_simulated_transition(res):
    assert isinstance(res, SmoothTransitionResult)
    assert res.params["c1"] == pytest.approx(0.2, abs=0.15)
    assert res.params["z x g(q)"] == pytest.approx(1.5, abs=0.2)
    assert res.diagnostics["linearity LM"].pvalue < 1e-6


def test_nls_optimum_against_scipy_least_squares_on_lsdv(df, res):
    """Full NLS with entity dummies (scipy, started away from ours) finds no lower SSR."""
    dummies = pd.get_dummies(df.id, dtype=float).to_numpy()
    q, x, z, y = (df[c].to_numpy() for c in ("q", "x", "z", "y"))
    s = float(df.q.std())

    def residuals(theta):
        b, d0, d1, log_g, c = theta[:5]
        g = transition(q, np.exp(log_g), np.array([c]), s)
        return y - b * x - d0 * z - d1 * z * g - dummies @ theta[5:]

    start = np.r_[0.0, 0.0, 1.0, np.log(1.0), 0.0, np.zeros(dummies.shape[1])]
    fit = optimize.least_squares(residuals, start, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    theirs = fit.x[:5]
    assert res.info["ssr"] <= float(fit.fun @ fit.fun) * (1 + 1e-10)
    ours = res.params[["x", "z", "z x g(q)", "gamma", "c1"]].to_numpy()
    np.testing.assert_allclose(ours, np.r_[theirs[:3], np.exp(theirs[3]), theirs[4]],
                               rtol=1e-5, atol=1e-6)


def test_jacobian_matches_finite_differences(df, res):
    model = PanelSmoothTransition.from_formula(FORMULA, df, entity="id", time="year")
    gamma, c, _ = model.estimate
    coef = res.params.to_numpy()[:3]
    jac = model._jacobian(coef, gamma, c)

    def fitted(theta):
        design = model._design(theta[3], np.array([theta[4]]))
        return design @ theta[:3]

    theta = np.r_[coef, gamma, c]
    numeric = np.column_stack([
        (fitted(theta + h) - fitted(theta - h)) / (2 * h[j])
        for j, h in enumerate(np.diag(1e-6 * np.maximum(np.abs(theta), 1)))])
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-7)
    classical = float(res.info["ssr"]) / res.df_resid * np.linalg.inv(jac.T @ jac)
    np.testing.assert_allclose(res.std_errors.to_numpy(), np.sqrt(np.diag(classical)),
                               rtol=1e-10)


def test_linearity_tests_against_statsmodels_auxiliary_regression(df, res):
    dummies = pd.get_dummies(df.id, dtype=float)
    base = pd.concat([df[["x", "z"]], dummies], axis=1)
    aux = base.assign(zq=df.z * df.q)
    ssr0 = sm_api.OLS(df.y, base).fit().ssr
    fit1 = sm_api.OLS(df.y, aux).fit()
    lm = len(df) * (ssr0 - fit1.ssr) / ssr0
    assert res.diagnostics["linearity LM"].stat == pytest.approx(lm, rel=1e-9)
    lm_f = (ssr0 - fit1.ssr) / (fit1.ssr / fit1.df_resid)
    test = res.diagnostics["linearity LM_F"]
    assert test.stat == pytest.approx(lm_f, rel=1e-9) and test.df == (1.0, fit1.df_resid)
    assert test.pvalue == pytest.approx(stats.f.sf(lm_f, 1, fit1.df_resid), rel=1e-9)


def test_two_locations_and_plot(df):
    """m=2 on a one-location process: one location runs to the edge of q (warned)."""
    with pytest.warns(SpecificationWarning, match="edge of the sample range"):
        res = sm.fit(FORMULA, df, entity="id", time="year", model="pstr", m=2)
    assert res.params["c1"] <= res.params["c2"]
    assert len(res.plot().axes) == 1
    assert res.with_vcov("cluster").vcov_type.startswith("cluster")


def test_bad_input(df):
    with pytest.raises(SpecificationError, match="1 or 2 location"):
        sm.fit(FORMULA, df, entity="id", time="year", model="pstr", m=3)
    with pytest.raises(SpecificationError, match="vcov"):
        sm.fit(FORMULA, df, entity="id", time="year", model="pstr", vcov="driscoll-kraay")
    with pytest.raises(FormulaError, match="model='pstr' needs a regimes"):
        sm.fit("y ~ x + z | id", df, entity="id", time="year", model="pstr")


def test_a_sharp_threshold_is_warned_about_with_the_alternative():
    df = _pstr_panel(gamma=5e5, seed=3)
    with pytest.warns(SpecificationWarning, match="practically sharp.*model='threshold'"):
        res = sm.fit(FORMULA, df, entity="id", time="year", model="pstr")
    assert res.params["c1"] == pytest.approx(0.2, abs=0.05)


def test_rescaling_q_moves_only_the_locations(df, res):
    """gamma is per sd(q)^m, so rescaling q rescales c and leaves everything else."""
    scaled = sm.fit(FORMULA, df.assign(q=df.q * 1000.0), entity="id", time="year",
                    model="pstr")
    assert scaled.params["c1"] == pytest.approx(1000.0 * res.params["c1"], rel=1e-6)
    others = ["x", "z", "z x g(q)", "gamma"]
    np.testing.assert_allclose(scaled.params[others], res.params[others], rtol=1e-6)
