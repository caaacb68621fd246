"""Study steps of the index toolkit (stfi_models.replicate.steps_index) on the bundled studies."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.runner import prepare
from stfi_models.replicate.spec import load_replication
from stfi_models.replicate.steps_index import STEPS_INDEX


def context(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx, _ = prepare(load_replication(study))
    return ctx


@pytest.fixture(scope="module")
def regional():
    return context("stfi_regional")


@pytest.fixture(scope="module")
def nqp():
    return context("tech_finance_nqp")


SENSITIVITY = {
    "index": "STFI", "study": "stfi_index.toml", "draws": 4, "seed": 7, "bootstrap": 20,
    "choices": {"method": ["entropy", "critic"], "leave_out": ["none", "edu_pc"]},
    "propagate": [{"kind": "fit", "formula": "innovation ~ STFI + C(province_en) + C(year)",
                   "coef": "STFI", "options": {"vcov": "cluster"}, "label": "FE"}],
}


def test_index_sensitivity_step(regional):
    section = STEPS_INDEX["index_sensitivity"](SENSITIVITY, regional)
    names = [t.name for t in section.tables]
    assert names == ["sensitivity_ranks", "sensitivity_sobol", "sensitivity_propagation"]
    assert any(line.startswith("FE: nominal") for line in section.headline)
    nominal = sm.fit("innovation ~ STFI + C(province_en) + C(year)", regional.frame,
                     entity="province_en", time="year", vcov="cluster").params["STFI"]
    assert f"nominal {nominal:.3f}" in section.headline[1]


@pytest.mark.parametrize(("change", "match"), [
    ({"study": "nope.toml"}, "no such file"),
    ({"index": "NQP"}, "does not match"),
    ({"draw": 3}, "Did you mean 'draws'"),
])
def test_index_sensitivity_step_errors(regional, change, match):
    with pytest.raises(SpecificationError, match=match):
        STEPS_INDEX["index_sensitivity"]({**SENSITIVITY, **change}, regional)


def test_user_data_that_changes_the_index_is_refused(regional):
    from dataclasses import replace

    other = replace(regional, frame=regional.frame.assign(STFI=regional.frame["STFI"] * 1.01))
    with pytest.raises(SpecificationError, match="run it without --data"):
        STEPS_INDEX["index_sensitivity"](SENSITIVITY, other)


def test_coupling_step_adds_d_for_later_steps(nqp):
    from dataclasses import replace

    ctx = replace(nqp, frame=nqp.frame.copy(), results={})
    section = STEPS_INDEX["coupling"]({"systems": ["TF", "NQP"],
                                       "weights": {"TF": 0.5, "NQP": 0.5}}, ctx)
    assert "CCD" in ctx.frame.columns and section.headline[0].startswith("Coordination")
    d = ctx.frame.dropna(subset=["TF", "NQP"])
    c = 2 * np.sqrt(d["TF"] * d["NQP"]) / (d["TF"] + d["NQP"])
    np.testing.assert_allclose(d["CCD"], np.sqrt(c * (d["TF"] + d["NQP"]) / 2), rtol=1e-13)
    from stfi_models.replicate.steps import dagum

    assert dagum({"value": "CCD"}, ctx).key == "dagum"
    with pytest.raises(SpecificationError, match="already a column"):
        STEPS_INDEX["coupling"]({"systems": ["TF", "NQP"]}, ctx)
    with pytest.raises(SpecificationError, match="sum to 1"):
        STEPS_INDEX["coupling"]({"systems": ["TF", "NQP"], "weights": [0.7, 0.7],
                                 "name": "X"}, ctx)


def test_obstacle_step(nqp):
    section = STEPS_INDEX["obstacle"]({"index": "NQP", "study": "nqp_index.toml"}, nqp)
    dims = section.tables[0]
    assert dims.name == "obstacle_dimensions"
    assert "largest mean obstacle" in section.headline[0]


PVAR = "STFI + innovation ~ L(1) | gmm(2:3, collapse=True)"


def test_moran_and_irf_propagation_match_direct_calls(regional):
    from stfi_models.index import propagate as P

    frame = regional.frame
    spec = P.moran("STFI", year=2020)
    direct = sm.moran(frame[frame["year"] == 2020], sm.china_weights(key="province_en"),
                      "STFI", id="province_en", permutations=0)
    got = spec.evaluate(frame, "province_en", "year")
    np.testing.assert_allclose(got, [direct.I, np.sqrt(direct.var_rand), direct.p_rand])
    irf = P.irf(PVAR, "STFI", "innovation", horizon=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a near-unit-root VAR in levels: fine for the check
        res = sm.fit(PVAR, frame, model="pvar", entity="province_en",
                     time="year").irf(periods=2, kind="orth")
        got_irf = irf.evaluate(frame, "province_en", "year")[0]
    assert got_irf == pytest.approx(res.values[2, 1, 0], rel=1e-12)
    for s in (spec, irf):
        assert P.from_dict(s.to_dict()) == s
    with pytest.raises(SpecificationError, match="Did you mean 'innovation'"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the VAR's stability warning comes before the error
        P.irf(PVAR, "STFI", "inovation").evaluate(frame, "province_en", "year")
    with pytest.raises(SpecificationError, match="horizon"):
        P.irf(PVAR, "STFI", "innovation", horizon=-1)
