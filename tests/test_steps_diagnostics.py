"""The [diagnostics] report step."""

from __future__ import annotations

import warnings

import pytest

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.steps import Context, regressions
from stfi_models.replicate.steps_diagnostics import diagnostics_step


@pytest.fixture(scope="module")
def ctx() -> Context:
    context = Context(sm.load_grunfeld(), "firm", "year", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regressions("fe", {"model": "fe", "options": {"vcov": "cluster"},
                           "formulas": ["inv ~ value + C(firm)",
                                        "inv ~ value + capital + C(firm) + C(year)"]}, context)
    return context


def test_table_holds_each_model_and_test(ctx):
    section = diagnostics_step({"regressions": "fe"}, ctx)
    frame = section.tables[0].frame
    assert list(frame["model"]) == ["(1)"] * 3 + ["(2)"] * 3
    fe1 = ctx.results["regressions.fe"][0]
    assert frame["statistic"].iloc[0] == pytest.approx(sm.pesaran_cd(fe1).stat)
    assert frame["statistic"].iloc[1] == pytest.approx(
        sm.cross_section_dependence(fe1, "lm").stat)
    assert "Pesaran CD" in section.headline[0]


def test_other_tests_on_request(ctx):
    section = diagnostics_step({"regressions": "fe", "tests": ["bcsclm", "wooldridge_fe"]}, ctx)
    assert section.tables[0].frame["df"].iloc[1].startswith("1, ")


@pytest.mark.parametrize(("table", "match"), [
    ({}, "needs regressions"),
    ({"regressions": "gmm"}, "put \\[diagnostics\\] after"),
    ({"regressions": "fe", "tests": ["cdd"]}, "Did you mean 'cd'"),
    ({"regressions": "fe", "test": ["cd"]}, "Did you mean 'tests'"),
    ({"regressions": "fe", "local_cd": "yes"}, "true or false"),
    ({"regressions": "fe", "local_cd": True}, "province key"),
])
def test_bad_tables(ctx, table, match):
    with pytest.raises(SpecificationError, match=match):
        diagnostics_step(table, ctx)
