"""The [spatial] study step (stfi_models/replicate/steps_spatial.py)."""

from __future__ import annotations

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.steps import Context
from stfi_models.replicate.steps_spatial import spatial_step

FORMULA = "ln_patents ~ ln_rd + ln_gdp_pc"


@pytest.fixture(scope="module")
def ctx():
    d = sm.load_china_provinces()
    frame = d.assign(ln_patents=np.log(d["patent_grant_invention"] / d["pop_yearend"]),
                     ln_rd=np.log(d["rd_exp_total"] / d["gdp_nbs"]),
                     ln_gdp_pc=np.log(d["gdp_nbs"] / d["pop_yearend"]))
    return Context(frame=frame, entity="province_en", time="year", group="region3")


def test_section_has_the_choice_table_the_sdm_and_its_effects(ctx):
    section = spatial_step({"formula": FORMULA, "draws": 50, "seed": 1}, ctx)
    names = [t.name for t in section.tables]
    assert names == ["spatial_choice", "spatial_sdm", "spatial_effects"]
    choice = section.tables[0].frame
    assert "Robust LM lag" in set(choice["test"]) and "LR SDM vs SEM" in set(choice["test"])
    effects = section.tables[2].frame
    assert set(effects["effect"]) == {"direct", "indirect", "total"}
    assert "Spatial model choice" in section.headline[0]
    # the step reports what the library computes
    sdm = ctx.results["spatial"]["sdm"]
    expected = sm.fit(FORMULA, ctx.frame, model="sdm", w=sm.china_weights(key="province_en"),
                      entity="province_en", time="year", effects="twoways")
    np.testing.assert_allclose(sdm.params.to_numpy(), expected.params.to_numpy(), rtol=1e-12)


def test_bad_tables(ctx):
    with pytest.raises(SpecificationError, match="formula"):
        spatial_step({}, ctx)
    with pytest.raises(SpecificationError, match="Did you mean 'draws'"):
        spatial_step({"formula": FORMULA, "drawz": 5}, ctx)
