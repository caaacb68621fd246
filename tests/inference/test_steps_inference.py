"""The [inference.<name>] report step: CR1, CR2 and wild bootstrap side by side."""

from __future__ import annotations

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.steps import Context
from stfi_models.replicate.steps_inference import few_cluster_inference

FORMULA = "lpat ~ lrd + lgdp + C(province_en)"


@pytest.fixture(scope="module")
def ctx():
    data = sm.load_china_provinces()
    frame = data.assign(lpat=np.log(data["patent_app_invention"]),
                        lrd=np.log(data["rd_exp_total"]), lgdp=np.log(data["gdp_nbs"]))
    return Context(frame, "province_en", "year", None)


def test_step_reports_the_library_numbers(ctx):
    table = {"title": "Few clusters", "formula": FORMULA, "model": "fe", "terms": ["lrd"],
             "draws": 999, "weights": "webb", "seed": 3}
    section = few_cluster_inference("fe", table, ctx)
    row = section.tables[0].frame.iloc[0]
    res = sm.fit(FORMULA, ctx.frame, entity="province_en", time="year", model="fe")
    cr2 = res.with_vcov("CR2")
    wb = res.wild_bootstrap("lrd = 0", draws=999, weights="webb", seed=3)
    assert row["CR2 SE"] == cr2.std_errors["lrd"] and row["CR2 p"] == cr2.pvalues["lrd"]
    assert row["wild p"] == wb.pvalue and row["wild CI low"] == wb.conf_int[0]
    assert "G = 31" in section.note and "wild bootstrap" in section.headline[0]


@pytest.mark.parametrize(("table", "match"), [
    ({"formula": FORMULA, "draw": 99}, "Did you mean 'draws'"),
    ({"formula": FORMULA, "draws": 10**7}, "draws"),
    ({"formula": FORMULA, "terms": ["nope"]}, "not coefficients"),
    ({"formula": FORMULA, "terms": "lrd"}, "list"),
    ({}, "formula"),
])
def test_bad_tables_are_named(ctx, table, match):
    with pytest.raises(SpecificationError, match=match):
        few_cluster_inference("x", table, ctx)
