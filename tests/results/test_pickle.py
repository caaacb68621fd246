"""Results pickle by value: every number survives, the model and its data stay behind."""

import pickle

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm
from stfi_models.exceptions import SpecificationError


@pytest.fixture(scope="module")
def fits():
    """One fitted Result per model family."""
    grunfeld = sm.load_grunfeld()
    abdata = sm.load_abdata()
    china = sm.load_china_provinces()
    w = sm.china_weights()
    china = china.assign(y=np.log(china["patent_grant_invention"]),
                         x=np.log(china["rd_exp_total"]))
    return {
        "fe": sm.fit("inv ~ value + capital | firm", grunfeld, entity="firm", time="year",
                     vcov="cluster"),
        "diff-gmm": sm.fit("n ~ L(n, 1) + w + k | gmm(n, 2:4) + iv(w, k)", abdata,
                           entity="id", time="year", model="diff-gmm"),
        "pvar": sm.fit("n + w ~ L(1) | gmm(2:3, collapse=True)", abdata, entity="id",
                       time="year", model="pvar"),
        "sdm": sm.fit("y ~ x", china, model="sdm", w=w, entity="prov_code", time="year",
                      effects="twoways"),
    }


@pytest.mark.parametrize("name", ["fe", "diff-gmm", "pvar", "sdm"])
def test_a_restored_result_has_the_same_numbers_and_summary(fits, name):
    res = fits[name]
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res)
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_frame_equal(back.cov, res.cov)
    pd.testing.assert_series_equal(back.std_errors, res.std_errors)
    assert dict(back.info).keys() == dict(res.info).keys()
    assert str(back.summary()) == str(res.summary())
    with pytest.raises(TypeError):
        back.info["new"] = 1  # still read-only


def test_what_needs_the_model_asks_for_a_refit(fits):
    back = pickle.loads(pickle.dumps(fits["fe"]))
    with pytest.raises(SpecificationError, match="pickle"):
        back.with_vcov("robust")
    with pytest.raises(SpecificationError, match="pickle"):
        back.predict()
    assert fits["fe"].with_vcov("robust").vcov_type != fits["fe"].vcov_type  # the original keeps it


def test_the_pickle_does_not_carry_the_data(fits):
    res = fits["fe"]
    assert len(pickle.dumps(res)) < 20 * len(pickle.dumps((res.params, res.cov, res.resid,
                                                           res.fitted)))


def test_an_index_result_pickles():
    data = sm.load_china_provinces().query("year >= 2015")
    idx = sm.build_index("T ~ rd_exp_total + rd_fte_total + budget_exp_scitech", data,
                         entity="prov_code", time="year")
    back = pickle.loads(pickle.dumps(idx))
    pd.testing.assert_frame_equal(back.scores, idx.scores)
    pd.testing.assert_frame_equal(back.weights, idx.weights)
    assert dict(back.options) == dict(idx.options)
    with pytest.raises(TypeError):
        back.options["method"] = "x"


def test_a_mediation_result_pickles():
    china = sm.load_china_provinces()
    china = china.assign(y=np.log(china["patent_grant_invention"]),
                         x=np.log(china["rd_exp_total"]), m=np.log(china["gdp_nbs"]))
    res = sm.mediate("x", "m", "y", china, entity="prov_code", time="year", bootstrap=50,
                     seed=1)
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.tidy(), res.tidy())
    assert str(back.summary()) == str(res.summary())
    assert dict(back.formulas) == dict(res.formulas)
