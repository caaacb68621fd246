"""Sigma and beta convergence against REAT 3.0.3 (German counties), plus exact-model checks.

References (validation/convergence/reference.csv, from shared/reference/index_gini_spatial.md
(f)): REAT ``betaconv.ols`` / ``betaconv.speed`` for 2010->2011 and 2010->2012 and
``sigmaconv`` for the three years. Tolerances: 1e-8 or tighter, or half a unit of the last
printed digit where the note prints fewer digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm_api
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from stfi_models.convergence import beta_convergence, convergence_speed, sigma_convergence
from stfi_models.datasets import load_china_provinces
from stfi_models.exceptions import MissingValueWarning, SpecificationError

CONVERGENCE = validation_module("convergence")  # REAT's data and the reference cases


@pytest.fixture(scope="module")
def counties():
    return CONVERGENCE.load_counties()


@pytest.mark.parametrize(("topic", "row"), reference_rows("convergence"))
def test_reat_reference_number(topic, row):
    """REAT betaconv.ols / betaconv.speed (2010->2011, 2010->2012; REAT and Barro speeds) and
    sigmaconv with its F test (validation/convergence/compute.py)."""
    check_reference_row(topic, row)


def test_sigma_f_test_degrees_of_freedom(counties):
    assert sigma_convergence(counties, "gdppc").test(2010, 2011).df == (401.0, 401.0)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.001, 0.2), st.integers(1, 15), st.floats(-1, 1))
def test_barro_speed_recovered_exactly(lam, span, const):
    """ln y_T = c + exp(-lam T) ln y_0 exactly: the Barro formula returns lam."""
    rng = np.random.default_rng(0)
    y0 = np.exp(rng.normal(3, 1, size=20))
    yT = np.exp(const + np.exp(-lam * span) * np.log(y0))
    data = pd.DataFrame({"id": np.tile(np.arange(20), 2), "t": np.repeat([0, span], 20),
                         "y": np.concatenate([y0, yT])})
    res = beta_convergence(data, "y", "id", "t")
    assert res.speed == pytest.approx(lam, rel=1e-8)
    assert res.half_life == pytest.approx(np.log(2) / lam, rel=1e-8)
    unannualised = beta_convergence(data, "y", "id", "t", annualize=False)
    assert unannualised.speed == pytest.approx(lam, rel=1e-8)
    if span == 1:
        assert convergence_speed(res.beta, 1, speed="reat") == pytest.approx(res.speed)


def test_speed_edge_cases():
    assert np.isnan(convergence_speed(-0.6, 2))  # 1 + beta T <= 0
    assert convergence_speed(0.01, 1) < 0  # divergence: negative speed
    data = pd.DataFrame({"id": [1, 2, 3, 1, 2, 3], "t": [0, 0, 0, 1, 1, 1],
                         "y": [1.0, 2.0, 4.0, 1.0, 4.0, 16.0]})
    res = beta_convergence(data, "y", "id", "t")
    assert res.beta > 0 and res.speed < 0 and np.isnan(res.half_life)


def test_conditional_cross_section_equals_ols(counties):
    data = counties.assign(west=(counties["regional"] == "West").astype(float))
    res = beta_convergence(data, "gdppc", "county", "year", controls=["west"], vcov="robust")
    first = data.loc[data["year"] == 2010].set_index("county")
    last = data.loc[data["year"] == 2012].set_index("county")
    x = sm_api.add_constant(pd.DataFrame({"l": np.log(first["gdppc"]), "w": first["west"]}))
    ols = sm_api.OLS(np.log(last["gdppc"] / first["gdppc"]) / 2, x).fit(cov_type="HC1")
    assert np.allclose(res.regression.params, ols.params, atol=1e-12)
    assert np.allclose(res.regression.std_errors, ols.bse, atol=1e-12)
    assert res.conditional


def test_panel_fe_equals_lsdv_and_respects_gaps():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(12):
        level = rng.normal(2, 0.5)
        for t in range(2000, 2008):
            rows.append((i, t, np.exp(level), rng.normal()))
            level = 0.3 + 0.9 * level + rng.normal(0, 0.05)
    data = pd.DataFrame(rows, columns=["id", "t", "y", "x"])
    gap = data.drop(index=data.index[(data["id"] == 0) & (data["t"] == 2003)])
    res = beta_convergence(gap, "y", "id", "t", kind="panel", controls=["x"], vcov="unadjusted")
    # LSDV by hand: growth on lagged level, lagged x and entity dummies, consecutive years only
    g = gap.sort_values(["id", "t"]).copy()
    prev = g.groupby("id")[["y", "x", "t"]].shift(1)
    keep = (g["t"] - prev["t"]) == 1
    lsdv = pd.DataFrame({"l": np.log(prev["y"]), "x": prev["x"]})[keep]
    lsdv = lsdv.join(pd.get_dummies(g.loc[keep, "id"], prefix="e", dtype=float))
    ols = sm_api.OLS(np.log(g["y"] / prev["y"])[keep], lsdv).fit()
    assert res.regression.nobs == int(keep.sum()) == 12 * 7 - 2
    assert res.beta == pytest.approx(ols.params["l"], abs=1e-12)
    assert res.regression.params["x"] == pytest.approx(ols.params["x"], abs=1e-12)
    assert res.regression.std_errors["log_initial"] == pytest.approx(ols.bse["l"], rel=1e-10)
    assert res.speed == pytest.approx(-np.log(1 + res.beta), abs=1e-15)
    twoway = beta_convergence(data, "y", "id", "t", kind="panel", effects="twoway")
    assert "C(t)" in twoway.regression.formula


def test_sigma_plot_and_errors(counties):
    res = sigma_convergence(counties, "gdppc")
    assert isinstance(res.plot(), Figure)
    with pytest.raises(SpecificationError, match="periods"):
        res.test(2010, 2020)
    bad = counties.copy()
    bad.loc[0, "gdppc"] = 0.0
    with pytest.raises(SpecificationError, match="zero or negative"):
        sigma_convergence(bad, "gdppc")
    with pytest.raises(SpecificationError, match="zero or negative"):
        beta_convergence(bad, "gdppc", "county", "year")
    with pytest.raises(SpecificationError, match="Valid choices"):
        beta_convergence(counties, "gdppc", "county", "year", kind="pooled")
    with pytest.raises(SpecificationError, match="start=2000"):
        beta_convergence(counties, "gdppc", "county", "year", start=2000)
    with pytest.raises(SpecificationError, match="start/end"):
        beta_convergence(counties, "gdppc", "county", "year", kind="panel", end=2011)
    dup = pd.concat([counties, counties.head(1)])
    with pytest.raises(SpecificationError, match="duplicated"):
        beta_convergence(dup, "gdppc", "county", "year")


def test_unbalanced_cross_section_warns(counties):
    data = counties.drop(index=counties.index[(counties["county"] < 3)
                                              & (counties["year"] == 2012)])
    with pytest.warns(MissingValueWarning, match="3 entities"):
        res = beta_convergence(data, "gdppc", "county", "year")
    assert res.regression.nobs == 399


def test_china_panel_runs():
    panel = load_china_provinces()
    panel = panel.assign(rd_per_gdp=panel["rd_exp_total"] / panel["gdp_nbs"])
    sigma = sigma_convergence(panel, "rd_per_gdp")
    assert sigma.table.shape == (14, 8)
    cs = beta_convergence(panel, "rd_per_gdp", "prov_code", "year")
    assert cs.span == 13 and cs.regression.nobs == 31
    fe = beta_convergence(panel, "rd_per_gdp", "prov_code", "year", kind="panel")
    assert fe.regression.nobs == 31 * 13
    assert np.isfinite(fe.beta)
    assert "beta convergence (panel)" in str(fe)


def test_unknown_keyword_did_you_mean(counties):
    with pytest.raises(SpecificationError, match="Did you mean 'controls'"):
        beta_convergence(counties, "gdppc", "county", "year", control=["x"])
    with pytest.raises(SpecificationError, match="Did you mean 'ddof'"):
        sigma_convergence(counties, "gdppc", dof=1)
