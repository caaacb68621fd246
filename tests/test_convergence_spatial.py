"""Spatial beta convergence: R spatialreg references, equivalence with the FE form, properties.

References (validation/spatial_convergence/reference.csv): spatialreg ``lagsarlm`` /
``errorsarlm`` on the within-transformed China growth panel, SAR / SEM / SDM with individual,
time and two-way effects: coefficients, SEs, sigma2, log-likelihood, speed and half-life with
delta-method SEs, LeSage-Pace effects of the initial level with delta-method SEs (numerical
gradients in R).  Tolerance 1e-6 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import stfi_models as sm
from stfi_models.convergence import beta_convergence, convergence_speed, spatial_beta_convergence
from stfi_models.convergence.spatial import _speed_and_half_life
from stfi_models.exceptions import EstimationError, SpecificationError

KEYS = ("prov_code", "year")


@pytest.fixture(scope="module")
def china():
    data = sm.load_china_provinces()
    return data.assign(gdp_pc=data["gdp_nbs"] / data["pop_yearend"])[
        ["prov_code", "year", "gdp_pc", "tertiary_share_gdp"]]


@pytest.fixture(scope="module")
def w():
    return sm.china_weights()


def growth_by_hand(china: pd.DataFrame) -> pd.DataFrame:
    """ln y_t - ln y_{t-1} on ln y_{t-1}, built with a pivot (independent of the library)."""
    wide = np.log(china.pivot(index="prov_code", columns="year", values="gdp_pc"))
    growth = wide.diff(axis=1).iloc[:, 1:].stack().rename("growth")
    initial = wide.shift(1, axis=1).iloc[:, 1:].stack().rename("log_initial")
    return pd.concat([growth, initial], axis=1).reset_index()


@pytest.mark.parametrize(("topic", "position"), reference_rows("spatial_convergence"))
def test_reference(topic, position):
    """R spatialreg on the within-transformed growth panel (validation/spatial_convergence)."""
    check_reference_row(topic, position)


# ---------------------------------------------------------------------------- equivalences
@pytest.mark.parametrize("model", ["sar", "sem", "sdm"])
def test_the_spatial_model_is_the_one_fit_gives_on_the_growth_panel(china, w, model):
    res = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model=model,
                                   effects="twoways")
    direct = sm.fit("growth ~ log_initial", growth_by_hand(china), model=model, w=w,
                    entity="prov_code", time="year", effects="twoways")
    pd.testing.assert_series_equal(res.regression.params, direct.params, rtol=1e-12)
    pd.testing.assert_frame_equal(res.regression.cov, direct.cov, rtol=1e-10)
    assert res.beta == pytest.approx(direct.params["log_initial"], rel=1e-12)


@pytest.mark.parametrize(("effects", "kind"), [("entity", "entity"), ("twoways", "twoway")])
@pytest.mark.parametrize("model", ["sar", "sem"])
def test_at_rho_zero_beta_is_the_fixed_effects_beta_convergence(china, w, effects, kind,
                                                                 model):
    """With the spatial parameter at 0 (no spatial term) the ML beta of the growth panel is
    the FE estimate of the non-spatial panel beta convergence."""
    from stfi_models.models.spatial import SpatialError, SpatialLag
    from stfi_models.models.spatial.likelihood import ErrorProfile, LagProfile

    cls, profile = {"sar": (SpatialLag, LagProfile), "sem": (SpatialError, ErrorProfile)}[model]
    spatial = cls.from_formula("growth ~ log_initial", growth_by_hand(china), w=w,
                               effects=effects, entity="prov_code", time="year")
    beta0 = profile(spatial.stacked, spatial.logdet, spatial.sizes).beta(0.0)
    fe = beta_convergence(china, "gdp_pc", *KEYS, kind="panel", effects=kind, vcov="robust")
    assert beta0[0] == pytest.approx(fe.beta, rel=1e-10)
    speed, _, half, _ = _speed_and_half_life(fe.beta, 1.0)
    assert (speed, half) == pytest.approx((fe.speed, fe.half_life), rel=1e-14)


def test_twoway_is_taken_for_twoways(china, w):
    a = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model="sar", effects="twoway")
    b = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model="sar", effects="twoways")
    assert a.effects == "twoways" and a.beta == b.beta


@settings(max_examples=60, deadline=None)
@given(beta=st.floats(-0.9, 0.9), se=st.floats(1e-4, 0.5))
def test_speed_half_life_and_their_delta_method_errors(beta, se):
    """Speed and half-life as the non-spatial formulas; SEs = |numerical derivative| x se."""
    speed, speed_se, half, half_se = _speed_and_half_life(beta, se)
    assert speed == pytest.approx(convergence_speed(beta, 1.0), rel=1e-14)
    h = 1e-6
    d_speed = (convergence_speed(beta + h, 1.0) - convergence_speed(beta - h, 1.0)) / (2 * h)
    assert abs(speed_se) == pytest.approx(abs(d_speed) * se, rel=1e-6)
    if speed > 1e-3:
        d_half = (np.log(2) / convergence_speed(beta + h, 1.0)
                  - np.log(2) / convergence_speed(beta - h, 1.0)) / (2 * h)
        assert half == pytest.approx(np.log(2) / speed, rel=1e-14)
        assert half_se == pytest.approx(abs(d_half) * se, rel=1e-5)
    elif speed <= 0:
        assert np.isnan(half) and np.isnan(half_se)


def test_a_simulated_spatial_convergence_process_is_recovered(w):
    """g_t = rho W g_t + beta ln y_{t-1} + mu + e_t on the China contiguity, T = 60."""
    rng = np.random.default_rng(20240601)
    n, t, rho, beta = w.n, 60, 0.4, -0.08
    a_inv = np.linalg.inv(np.eye(n) - rho * w.matrix.toarray())
    mu = rng.normal(0.2, 0.05, n)
    ly = [rng.normal(2.0, 0.5, n)]
    for _ in range(t):
        ly.append(ly[-1] + a_inv @ (beta * ly[-1] + mu + rng.normal(0, 0.02, n)))
    frame = pd.DataFrame({"prov_code": np.tile(w.ids, t + 1),
                          "year": np.repeat(np.arange(t + 1), n),
                          "y": np.exp(np.concatenate(ly))})
    res = spatial_beta_convergence(frame, "y", "prov_code", "year", w=w, model="sar")
    assert abs(res.beta - beta) < 4 * res.beta_se
    assert abs(res.regression.params["rho"] - rho) < 4 * res.regression.std_errors["rho"]
    assert abs(res.speed - (-np.log1p(beta))) < 4 * res.speed_se


# ---------------------------------------------------------------------------- outputs
def test_tidy_maps_the_interval_of_beta_and_lists_the_effects(china, w):
    res = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, effects="twoways", level=0.9)
    tidy = res.tidy().set_index("quantity")
    assert list(tidy.index) == ["beta", "speed", "half_life", "direct", "indirect", "total"]
    crit = stats.norm.ppf(0.95)
    lo, hi = res.beta - crit * res.beta_se, res.beta + crit * res.beta_se
    assert tuple(tidy.loc["beta", ["conf_low", "conf_high"]]) == pytest.approx((lo, hi))
    assert tuple(tidy.loc["speed", ["conf_low", "conf_high"]]) == pytest.approx(
        (-np.log1p(hi), -np.log1p(lo)))
    assert tuple(tidy.loc["half_life", ["conf_low", "conf_high"]]) == pytest.approx(
        (np.log(2) / -np.log1p(lo), np.log(2) / -np.log1p(hi)))
    effects = res.regression.effects(method="delta", level=0.9).to_frame()
    total = effects[(effects["variable"] == "log_initial") & (effects["effect"] == "total")]
    assert tidy.loc["total", "conf_low"] == pytest.approx(total["conf_low"].iloc[0])
    assert "speed = " in str(res) and "SDM" in str(res)


def test_an_interval_of_beta_reaching_zero_gives_an_open_half_life(china, w):
    res = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model="sdm", effects="time",
                                   level=0.999)
    tidy = res.tidy().set_index("quantity")
    assert tidy.loc["speed", "conf_low"] < 0 < tidy.loc["speed", "conf_high"]
    assert tidy.loc["half_life", "conf_high"] == np.inf


def test_sem_has_no_spillovers_and_controls_get_durbin_terms(china, w):
    sem = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model="sem")
    assert sem.spillovers is None and len(sem.tidy()) == 3 and "lambda" in str(sem)
    sdm = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w,
                                   controls=["tertiary_share_gdp"], warn_missing=False)
    assert list(sdm.regression.params.index) == [
        "log_initial", "tertiary_share_gdp", "W.log_initial", "W.tertiary_share_gdp", "rho"]
    assert list(sdm.spillovers.estimates.index) == ["log_initial", "tertiary_share_gdp"]
    only = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, warn_missing=False,
                                    controls=["tertiary_share_gdp"], durbin=["log_initial"])
    assert "W.tertiary_share_gdp" not in only.regression.params.index


def test_etable_shows_the_model_with_the_effects_of_the_initial_level(china, w):
    res = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, effects="twoways")
    frame = sm.etable(res.regression, effects=[res.spillovers], digits=4).to_frame()
    direct = res.spillovers.estimates.loc["log_initial", "direct"]
    assert frame.loc[("Direct: log_initial", "coef")].iloc[0].rstrip("*") == f"{direct:.4f}"


# ---------------------------------------------------------------------------- bad input
def test_bad_input(china, w):
    with pytest.raises(SpecificationError, match="model"):
        spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, model="sdmm")
    with pytest.raises(SpecificationError, match="effects"):
        spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, effects="individual")
    with pytest.raises(SpecificationError, match="level"):
        spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, level=95)
    with pytest.raises(SpecificationError, match="Did you mean 'controls'"):
        spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, control=["x"])
    with pytest.raises(SpecificationError, match="w="):
        spatial_beta_convergence(china, "gdp_pc", *KEYS, w=None)
    with pytest.raises(SpecificationError, match="positive|non-positive|negative"):
        spatial_beta_convergence(china.assign(gdp_pc=-china["gdp_pc"]), "gdp_pc", *KEYS, w=w)
    gap = china[~((china["prov_code"] == 11) & (china["year"] == 2015))]
    with pytest.raises(EstimationError, match="balanced"):
        spatial_beta_convergence(gap, "gdp_pc", *KEYS, w=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SpecificationError, match="subset"):
            spatial_beta_convergence(china[china["prov_code"] != 11], "gdp_pc", *KEYS, w=w)


@pytest.mark.parametrize("effects", ["entity", "time", "twoways"])
@pytest.mark.parametrize("scale", [1e-8, 1e4, 1e8])
def test_units_of_the_value_leave_every_number_unchanged(china, w, effects, scale):
    """GDP per capita in yuan or in 100m yuan: ln(c y) shifts the initial level by a constant
    that the fixed effects absorb, and growth is unchanged."""
    base = spatial_beta_convergence(china, "gdp_pc", *KEYS, w=w, effects=effects)
    rescaled = spatial_beta_convergence(china.assign(gdp_pc=china["gdp_pc"] * scale),
                                        "gdp_pc", *KEYS, w=w, effects=effects)
    for name in ("beta", "beta_se", "speed", "speed_se", "half_life", "half_life_se"):
        np.testing.assert_allclose(getattr(rescaled, name), getattr(base, name), rtol=1e-7)
    pd.testing.assert_frame_equal(rescaled.spillovers.estimates, base.spillovers.estimates,
                                  rtol=1e-7)
