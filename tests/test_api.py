"""The front door ``stfi_models.fit``: model choice, option routing, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.datasets import load_abdata
from stfi_models.exceptions import SpecificationError
from stfi_models.models.base import model_class
from stfi_models.models.static import FixedEffects


@pytest.fixture(scope="module")
def abdata():
    return load_abdata()


def test_default_model_is_fe_when_effects_are_absorbed(abdata):
    assert sm.fit("n ~ w + C(id)", abdata, entity="id", time="year").model == "fe"
    assert sm.fit("n ~ w | id + year", abdata, entity="id", time="year").model == "fe"
    assert sm.fit("n ~ w + C(ind)", abdata, entity="id", time="year").model == "pooled"
    assert sm.fit("n ~ w", abdata, entity="id", time="year").model == "pooled"


def test_absorbed_effects_are_reported(abdata):
    res = sm.fit("n ~ w + k + C(id) + C(year)", abdata, entity="id", time="year")
    assert res.info["effects"] == ("entity", "time")
    assert "Intercept" not in res.params.index
    assert list(res.params.index) == ["w", "k"]


def test_multiindex_input_equals_key_columns(abdata):
    a = sm.fit("n ~ w + k + C(id)", abdata, entity="id", time="year", vcov="robust")
    b = sm.fit("n ~ w + k + C(id)", abdata.set_index(["id", "year"]), vcov="robust")
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=0)
    np.testing.assert_allclose(a.cov, b.cov, rtol=0, atol=0)


def test_options_are_routed_to_init_and_fit(abdata):
    res = sm.fit("n ~ w + k", abdata, entity="id", time="year", model="fe", effects="time",
                 vcov="driscoll-kraay", bandwidth=1, kernel="parzen")
    assert res.info["effects"] == ("time",)
    assert res.vcov_type == "driscoll-kraay (parzen kernel, bandwidth 1)"


def test_from_formula_matches_fit(abdata):
    model = FixedEffects.from_formula("n ~ w + k", abdata, entity="id", time="year",
                                      effects="entity")
    np.testing.assert_allclose(
        model.fit(vcov="cluster").std_errors,
        sm.fit("n ~ w + k + C(id)", abdata, entity="id", time="year", vcov="cluster").std_errors,
        rtol=1e-12,
    )
    with pytest.raises(SpecificationError, match="options of fit"):
        FixedEffects.from_formula("n ~ w", abdata, entity="id", time="year", vcov="robust")


def test_registry_resolves_static_models():
    for name in ("pooled", "fe", "re", "fd", "between"):
        assert model_class(name).name == name


def test_unknown_option_and_model(abdata):
    with pytest.raises(SpecificationError, match=r"'vcvo'.*Did you mean 'vcov'"):
        sm.fit("n ~ w", abdata, entity="id", time="year", vcvo="robust")
    with pytest.raises(SpecificationError, match=r"'efects'.*Did you mean 'effects'"):
        sm.fit("n ~ w", abdata, entity="id", time="year", model="fe", efects="time")
    with pytest.raises(SpecificationError, match=r"model='fee'.*Did you mean 'fe'"):
        sm.fit("n ~ w", abdata, entity="id", time="year", model="fee")
    with pytest.raises(SpecificationError, match="Unknown option 'effects' for model 'pooled'"):
        sm.fit("n ~ w", abdata, entity="id", time="year", effects="entity")


def test_static_models_refuse_irf(abdata):
    res = sm.fit("n ~ w", abdata, entity="id", time="year")
    with pytest.raises(SpecificationError, match="needs a dynamic model"):
        res.irf(periods=5)
