"""The ``[threshold]`` report step on the stfi_regional study data."""

from __future__ import annotations

import warnings

import pytest

from stfi_models.exceptions import SpecificationError, SpecificationWarning
from stfi_models.models.threshold import ThresholdResult
from stfi_models.replicate import load_replication
from stfi_models.replicate.runner import prepare
from stfi_models.replicate.steps_threshold import THRESHOLD_STEPS, threshold

TABLE = {
    "title": "Threshold effects: innovation on STFI, regimes by GDP per capita",
    "formula": "innovation ~ tertiary + regimes(STFI, by=ln_gdp_pc) | province_en + year",
    "thresholds": 2,
    "options": {"trim": 0.05, "grid": 100, "bootstrap": 50, "vcov": "cluster"},
    "seed": 20240601,
}


@pytest.fixture(scope="module")
def ctx():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context, _ = prepare(load_replication("stfi_regional"))
    return context


def test_section_has_the_f_table_estimates_and_lr_plot(ctx):
    section = threshold(TABLE, ctx)
    assert THRESHOLD_STEPS["threshold"] is threshold
    names = [t.name for t in section.tables]
    assert names == ["threshold_tests", "threshold_estimates", "threshold_coefficients"]
    tests = section.tables[0].frame
    assert list(tests["thresholds"]) == [1, 2] and (tests["draws"] == 50).all()
    assert section.figures[0].name == "threshold_lr"
    assert section.figures[0].image.png.startswith(b"\x89PNG")
    res = ctx.results["threshold"]
    assert isinstance(res, ThresholdResult) and res.vcov_type.startswith("cluster")
    assert "F1 = " in section.headline[0] and "STFI [ln_gdp_pc <=" in res.params.index[1]
    again = threshold(TABLE, ctx)  # seeded: the same table
    assert again.tables[0].frame.equals(tests)


def test_smooth_transition_companion(ctx):
    """On the study data the PSTR location runs to the edge of ln_gdp_pc: warned about."""
    with pytest.warns(SpecificationWarning, match="edge of the sample range"):
        section = threshold({**TABLE, "options": {**TABLE["options"], "bootstrap": 0},
                             "smooth": True}, ctx)
    assert section.tables[-1].name == "threshold_smooth"
    assert "gamma" in set(section.tables[-1].frame["term"])
    assert "PSTR: gamma = " in section.headline[0]
    assert ctx.results["threshold_smooth"].model == "pstr"


def test_bad_tables(ctx):
    with pytest.raises(SpecificationError, match="Did you mean 'thresholds'"):
        threshold({**TABLE, "threshold": 2}, ctx)
    with pytest.raises(SpecificationError, match="needs formula"):
        threshold({"title": "x"}, ctx)
