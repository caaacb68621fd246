"""Rescaling a regressor of a static model rescales its coefficient and nothing else (issue 11).

The issue's cases first: provincial GDP in yuan (~1e12) next to an intercept, regressors
collinear up to 1e-12 and 1e-9.  The reference for the near-collinear standard errors is exact
algebra: with ``x3 = x1 + d`` (``d`` recovered exactly as ``x3 - x1``, Sterbenz), the model on
``(x1, x2, x3)`` is a reparametrization of the well-conditioned model on ``(x1, x2, d)`` in which
the coefficient (and standard error) of ``x3`` is that of ``d``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import IllConditionedWarning
from scaling_helpers import assert_rescaled, fit_or_warned

MODELS = ("pooled", "fe", "re", "fd", "between")
VCOVS = {"pooled": ("unadjusted", "robust", "cluster", "driscoll-kraay"),
         "fe": ("unadjusted", "robust", "cluster", "driscoll-kraay"),
         "re": ("unadjusted", "robust", "cluster"),
         "fd": ("unadjusted", "robust", "cluster"),
         "between": ("unadjusted", "robust")}


def _panel(seed: int, n_ent: int = 12, n_per: int = 6, drop: float = 0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e, t = np.repeat(np.arange(n_ent), n_per), np.tile(np.arange(2000, 2000 + n_per), n_ent)
    keep = rng.random(e.size) > drop
    keep[np.unique(e, return_index=True)[1]] = True
    frame = pd.DataFrame({"id": e, "year": t, "gdp": 3 + np.exp(rng.normal(size=e.size)),
                          "x2": rng.normal(size=e.size)})[keep].reset_index(drop=True)
    effect = rng.normal(size=n_ent)[frame.id]
    frame["y"] = 1 + 0.5 * frame.gdp - 0.3 * frame.x2 + effect + rng.normal(size=len(frame))
    return frame


def _fit(frame: pd.DataFrame, model: str, vcov: str = "unadjusted", formula: str = "y ~ gdp + x2"):
    return sm.fit(formula, frame, entity="id", time="year", model=model, vcov=vcov)


@pytest.mark.parametrize("model", MODELS)
def test_gdp_in_yuan_gives_the_slope_of_gdp_in_100m_yuan(model):
    frame = _panel(0)
    base = _fit(frame, model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IllConditionedWarning)
        yuan = _fit(frame.assign(gdp=frame.gdp * 1e12), model)
    assert_rescaled(base, yuan, ["gdp"], 1e12)


@pytest.mark.parametrize("model", MODELS)
def test_tiny_regressor_is_not_taken_for_zero(model):
    frame = _panel(1)
    assert_rescaled(_fit(frame, model), _fit(frame.assign(gdp=frame.gdp * 1e-12), model),
                    ["gdp"], 1e-12)


@pytest.mark.parametrize("gap", [1e-12, 1e-9])
@pytest.mark.parametrize("model", ["pooled", "fe"])
def test_near_collinear_regressors_warn_and_keep_their_standard_errors(model, gap):
    frame = _panel(2, n_ent=30, n_per=8, drop=0.0)
    rng = np.random.default_rng(3)
    frame["x3"] = frame.gdp + gap * rng.normal(size=len(frame))
    frame["d"] = frame.x3 - frame.gdp  # exact (Sterbenz): the well-conditioned reparametrization
    reference = _fit(frame, model, formula="y ~ gdp + x2 + d")
    with pytest.warns(IllConditionedWarning,
                      match=r"gdp, x3 are nearly collinear \(condition number") as caught:
        res = _fit(frame, model, formula="y ~ gdp + x2 + x3")
    assert np.isfinite(res.std_errors).all()
    cond = float(re.search(r"condition number ([0-9.e+]+)", str(caught[0].message)).group(1))
    assert cond > 0.1 / gap
    tol = 100 * cond * np.finfo(float).eps  # QR's forward error: cond * eps, not cond^2 * eps
    assert res.params["x3"] == pytest.approx(reference.params["d"], rel=tol)
    assert res.std_errors["x3"] == pytest.approx(reference.std_errors["d"], rel=tol)
    assert res.std_errors["x2"] == pytest.approx(reference.std_errors["x2"], rel=tol)


def test_exactly_collinear_regressors_are_still_an_error():
    frame = _panel(4).assign(x3=lambda d: 2 * d.gdp * 1e12 - d.x2)
    with pytest.raises(sm.EstimationError, match="x3 is a linear combination"):
        _fit(frame.assign(gdp=frame.gdp * 1e12), "pooled", formula="y ~ gdp + x2 + x3")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), k=st.integers(-12, 12), column=st.sampled_from(["gdp", "x2"]),
       model=st.sampled_from(MODELS), data=st.data())
def test_property_rescaling_any_regressor_by_10k(seed, k, column, model, data):
    vcov = data.draw(st.sampled_from(VCOVS[model]))
    frame = _panel(seed)
    base = _fit(frame, model, vcov)
    factor = 10.0 ** k
    scaled = fit_or_warned(lambda: _fit(frame.assign(**{column: frame[column] * factor}), model,
                                        vcov))
    if scaled is not None:
        assert_rescaled(base, scaled, [column], factor)


def test_nan_standard_error_comes_with_a_warning_naming_the_coefficient():
    res = _fit(_panel(5), "pooled")
    cov = res.cov.copy()
    cov.loc["x2", "x2"] = -1e-3  # what a subtracting sandwich can produce on a tiny sample
    with pytest.warns(sm.NaNStatisticWarning, match=r"negative variance for x2: its standard"):
        bad = res.replace(cov=cov)
    assert np.isnan(bad.std_errors["x2"])
