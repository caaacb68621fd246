"""predict(newdata), adjusted R-squared and Stata's xtreg, re variance components."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import check_reference_row, reference_rows, validation_module

import stfi_models as sm
from stfi_models.exceptions import MissingValueWarning, SpecificationError

STATA = validation_module("stata_xtreg")


@pytest.fixture(scope="module")
def abdata():
    return sm.load_abdata()


def _fit(formula, data, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        return sm.fit(formula, data, entity="id", time="year", **options)


# ---------------------------------------------------------------------------- Stata RE
@pytest.mark.parametrize(("topic", "row"), reference_rows("stata_xtreg"))
def test_matches_stata_xtreg_re(topic, row):
    """Stata 13's xtreg, re and xtreg, fe (conventional and vce(cluster), the latter with
    count_effects="constant"), balanced and two unbalanced panels, at 1e-9."""
    check_reference_row(topic, row)


def test_plm_and_stata_components_differ_only_on_unbalanced_panels():
    full = [STATA.fit_case("full", form) for form in ("plm", "stata")]
    np.testing.assert_allclose(full[0].params, full[1].params, rtol=1e-12)
    heavy = [STATA.fit_case("heavy", form) for form in ("plm", "stata")]
    ratio = np.sqrt(heavy[1].info["sigma2_entity"] / heavy[0].info["sigma2_entity"])
    assert 1.001 < ratio < 1.01  # plm's sigma_u is ~0.3% below Stata's here
    assert "Stata xtreg, re form" in heavy[1].summary().as_text()


def test_unknown_variance_components_is_named(abdata):
    with pytest.raises(SpecificationError, match="Did you mean 'stata'"):
        _fit("n ~ w + k", abdata, model="re", variance_components="stat")


# ---------------------------------------------------------------------------- adjusted R2
def test_adjusted_rsquared_follows_plm_and_is_printed(abdata):
    res = _fit("n ~ w + k + ys", abdata, model="fe")
    r2 = res.rsquared["within"]
    assert res.rsquared_adj == pytest.approx(1 - (1 - r2) * (res.nobs - 1) / res.df_resid)
    assert "Adj. R-squared" in res.summary().as_text()
    gmm = _fit("n ~ L(n, 1) + w | gmm(n, 2:.) + iv(w)", abdata, model="diff-gmm")
    assert gmm.rsquared_adj is None


# ---------------------------------------------------------------------------- predict
@pytest.mark.parametrize("options", [{"model": "pooled"}, {"model": "fe"}, {"model": "re"},
                                     {"model": "fe", "effects": "twoways"}])
def test_predict_on_the_data_reproduces_the_fitted_values(abdata, options):
    res = _fit("n ~ L(n, 1) + w + k", abdata, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        again = res.predict(abdata)
    own = res.predict()
    np.testing.assert_allclose(again.reindex(own.index), own, rtol=1e-10, atol=1e-12)
    if options["model"] == "fe":  # levels fitted values: y - residual
        y = np.asarray(abdata.set_index(["id", "year"])["n"].reindex(own.index))
        np.testing.assert_allclose(own, y - res.resid.to_numpy(), atol=1e-12)


def test_predict_builds_lags_within_newdata_and_leaves_unseen_entities_nan(abdata):
    res = _fit("n ~ L(w, 1) + k", abdata, model="fe")
    late = abdata[abdata["year"] >= 1980].drop(columns="n")
    with pytest.warns(MissingValueWarning, match="lag's earlier period"):
        pred = res.predict(late)
    assert pred.index.get_level_values("year").min() == 1981  # 1980 has no 1979 in newdata
    params = res.params
    row = late.set_index(["id", "year"])
    lag = row["w"].groupby(level=0).shift(1)
    xb = (lag * params["L1.w"] + row["k"] * params["k"]).reindex(pred.index)
    effect = pred - xb
    assert effect.groupby(level=0).std().max() < 1e-10  # one entity effect per firm
    stranger = late.assign(id=late["id"] + 10_000)
    with pytest.warns(MissingValueWarning, match="without an estimated effect"):
        assert res.predict(stranger).isna().all()


@pytest.mark.parametrize(("newdata", "match"), [
    ("not a frame", "DataFrame"),
])
def test_predict_bad_input_is_named(abdata, newdata, match):
    res = _fit("n ~ w + k", abdata, model="pooled")
    with pytest.raises(SpecificationError, match=match):
        res.predict(newdata)


def test_predict_needs_the_lagged_dependent_variable_and_every_level(abdata):
    res = _fit("n ~ L(n, 1) + w", abdata, model="pooled")
    with pytest.raises(SpecificationError, match="lacks column 'n'"):
        res.predict(abdata.drop(columns="n"))
    dummies = _fit("n ~ w + C(year)", abdata, model="pooled")
    with pytest.raises(SpecificationError, match="every level"):
        dummies.predict(abdata[abdata["year"] >= 1980])
    fd = _fit("n ~ w", abdata, model="fd")
    with pytest.raises(SpecificationError, match="predict"):
        fd.predict(abdata)
