"""The [spatial] study step and spatial beta convergence in [convergence] (steps_spatial.py)."""

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


def test_section_has_the_choice_table_and_the_models_with_the_sdm_effects(ctx):
    section = spatial_step({"formula": FORMULA, "draws": 50, "seed": 1}, ctx)
    names = [t.name for t in section.tables]
    assert names == ["spatial_choice", "spatial_models"]
    choice = section.tables[0].frame
    assert "Robust LM lag" in set(choice["test"]) and "LR SDM vs SEM" in set(choice["test"])
    assert "Spatial model choice" in section.headline[0]
    # the step reports what the library computes
    sdm, eff = ctx.results["spatial"]["sdm"], ctx.results["spatial"]["effects"]
    expected = sm.fit(FORMULA, ctx.frame, model="sdm", w=sm.china_weights(key="province_en"),
                      entity="province_en", time="year", effects="twoways")
    np.testing.assert_allclose(sdm.params.to_numpy(), expected.params.to_numpy(), rtol=1e-12)
    # one etable: SAR, SEM, SDM (x, then Wx, then rho / lambda) and the SDM's effects
    models = section.tables[1]
    table = models.source
    assert table.columns == ("SAR", "SEM", "SDM")
    labels = [row.label for row in table.rows() if row.kind == "coef"]
    assert labels[:7] == ["ln_rd", "ln_gdp_pc", "W.ln_rd", "W.ln_gdp_pc", "rho", "lambda",
                          "Direct: ln_rd"]
    cells = table.to_frame().loc[("Indirect: ln_rd", "coef")].tolist()
    assert cells[:2] == ["", ""] and cells[2].rstrip("*") == (
        f"{eff.estimates.loc['ln_rd', 'indirect']:.3f}")
    assert "simulation, 50 draws" in table.notes[-1]
    # the full-precision numbers behind the cells are pinned for the replication check
    pinned = models.numbers("spatial/spatial_models")
    key = "spatial/spatial_models/(3)/effects/ln_rd|indirect/estimate"
    assert pinned[key][0] == eff.estimates.loc["ln_rd", "indirect"]
    assert pinned["spatial/spatial_models/(3)/rho/estimate"][0] == sdm.params["rho"]


def test_convergence_section_adds_spatial_beta_convergence(ctx):
    from stfi_models.replicate.steps_convergence import convergence

    frame = ctx.frame.assign(gdp_pc=np.exp(ctx.frame["ln_gdp_pc"]))
    section = convergence({"value": "gdp_pc", "kind": "panel", "spatial": "sdm"},
                          Context(frame=frame, entity="province_en", time="year",
                                  group="region3"))
    names = [t.name for t in section.tables]
    assert names == ["sigma_convergence", "beta_convergence", "spatial_beta_convergence",
                     "spatial_beta_model"]
    res = sm.spatial_beta_convergence(frame, "gdp_pc", "province_en", "year",
                                      effects="twoways", w=sm.china_weights(key="province_en"))
    tidy = section.tables[2].frame.set_index("quantity")
    assert tidy.loc["half_life", "estimate"] == pytest.approx(res.half_life, rel=1e-12)
    assert tidy.loc["indirect", "std_error"] == pytest.approx(
        res.spillovers.std_errors.loc["log_initial", "indirect"], rel=1e-12)
    assert section.tables[3].source.columns == ("SDM",)
    assert "Spatial beta convergence of gdp_pc (SDM, twoways" in section.headline[1]
    assert "spatial_convergence" in section.references


def test_bad_tables(ctx):
    with pytest.raises(SpecificationError, match="formula"):
        spatial_step({}, ctx)
    with pytest.raises(SpecificationError, match="Did you mean 'draws'"):
        spatial_step({"formula": FORMULA, "drawz": 5}, ctx)
    from stfi_models.replicate.steps_convergence import convergence

    with pytest.raises(SpecificationError, match="model"):
        convergence({"value": "ln_rd", "spatial": "sdmm"}, ctx)
