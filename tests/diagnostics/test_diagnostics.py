"""Panel diagnostics: R plm references, closed forms, properties, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models import diagnostics as dg
from stfi_models.exceptions import EstimationError, SpecificationError


def _fit(formula: str = "inv ~ value + capital", data: pd.DataFrame | None = None,
         **options) -> sm.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, sm.load_grunfeld() if data is None else data, entity="firm",
                      time="year", **options)


@pytest.mark.parametrize(("topic", "row"), reference_rows("diagnostics"))
def test_plm_reference(topic, row):
    check_reference_row(topic, row)


def test_cd_on_balanced_panel_equals_corrcoef_by_hand():
    fe = _fit(model="fe")
    table = fe.resid.unstack(level=1)
    rho = np.corrcoef(table.to_numpy())
    n, t = table.shape
    lower = rho[np.tril_indices(n, -1)]
    expected = np.sqrt(2 * t / (n * (n - 1))) * lower.sum()
    assert dg.pesaran_cd(fe).stat == pytest.approx(expected, rel=1e-12)
    assert dg.cross_section_dependence(fe, "lm").stat == pytest.approx(t * (lower ** 2).sum())


def test_local_cd_with_all_neighbours_is_the_cd_test():
    fe = _fit(model="fe")
    everyone = np.ones((10, 10))
    assert dg.pesaran_cd(fe, w=everyone).stat == pytest.approx(dg.pesaran_cd(fe).stat)
    chain = np.eye(10, k=1)
    local = dg.pesaran_cd(fe, w=chain)
    assert local.name.startswith("local") and local.stat != pytest.approx(dg.pesaran_cd(fe).stat)


def test_diagnose_returns_a_new_result():
    fe = _fit(model="fe")
    more = fe.diagnose("cd", "bcsclm", "wooldridge_fe", "groupwise_het")
    assert set(more.diagnostics) == {"F effects", "cd", "bcsclm", "wooldridge_fe",
                                     "groupwise_het"}
    assert set(fe.diagnostics) == {"F effects"}
    assert more.params.equals(fe.params)


@pytest.mark.parametrize(("call", "match"), [
    (lambda fe: fe.diagnose(), "at least one"),
    (lambda fe: fe.diagnose("cdd"), "Did you mean 'cd'"),
    (lambda fe: fe.diagnose("cd", h0="fe"), "applies to none"),
    (lambda fe: dg.wooldridge_fd(fe), "model='fd'"),
    (lambda fe: dg.random_effects_lm(fe), "model='pooled'"),
    (lambda fe: dg.cross_section_dependence(fe, "bcsclm", w=np.zeros((10, 10))), "no pair"),
    (lambda fe: dg.cross_section_dependence(fe, "cd", w=np.ones((3, 3))), "10 x 10"),
])
def test_bad_requests(call, match):
    with pytest.raises(SpecificationError, match=match):
        call(_fit(model="fe"))


def test_bcsclm_needs_entity_fixed_effects():
    with pytest.raises(SpecificationError, match="model='fe'"):
        dg.cross_section_dependence(_fit(model="pooled"), "bcsclm")


def test_panel_too_short():
    g = sm.load_grunfeld()
    short = g[g["year"] <= 1936]
    fe = _fit(data=short, model="fe")
    with pytest.raises(EstimationError, match="too short"):
        dg.wooldridge_fe(fe)
    with pytest.raises(EstimationError, match="one period|constant"):
        dg.groupwise_heteroskedasticity(_fit(data=g[g["year"] <= 1935], model="pooled"
                                             ).replace(model="fe"))


@settings(max_examples=10, deadline=None)
@given(scale=st.sampled_from([1e-4, 0.3, 10.0, 1e5]),
       column=st.sampled_from(["inv", "value", "capital"]))
def test_rescaling_leaves_every_statistic_unchanged(scale, column):
    g = sm.load_grunfeld()
    scaled = g.assign(**{column: g[column] * scale})
    for model, tests in (("fe", ("cd", "lm", "sclm", "bcsclm", "wooldridge_fe",
                                 "groupwise_het")),
                         ("fd", ("wooldridge_fd",)), ("pooled", ("re_lm",))):
        a = _fit(data=g, model=model).diagnose(*tests)
        b = _fit(data=scaled, model=model).diagnose(*tests)
        for name in tests:
            assert b.diagnostics[name].stat == pytest.approx(a.diagnostics[name].stat,
                                                             rel=1e-7), name


# ---------------------------------------------------------------------------- unit roots
@pytest.mark.parametrize("test", [sm.hadri_test, sm.llc_test])
def test_balanced_only_tests_refuse_unbalanced_panels(test):
    with pytest.raises(sm.PanelDataError, match="balanced"):
        test(sm.load_abdata(), "n", entity="id", time="year")


def test_llc_bad_lags_and_short_panels():
    g = sm.load_grunfeld()
    with pytest.raises(SpecificationError, match="one per entity"):
        sm.llc_test(g, "inv", entity="firm", time="year", lags=[1, 2])
    with pytest.raises(sm.PanelDataError, match="too short"):
        sm.llc_test(g[g["year"] < 1940], "inv", entity="firm", time="year", lags=2)


def test_llc_per_entity_lags_equal_common_lags():
    g = sm.load_grunfeld()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SpecificationWarning)
        a = sm.llc_test(g, "inv", entity="firm", time="year", lags=1)
        b = sm.llc_test(g, "inv", entity="firm", time="year", lags=[1] * 10)
    assert a.stat == b.stat


def test_cips_critical_values_hit_table_cells_and_bound_pvalues():
    from stfi_models.diagnostics.cips_table import CIPS_CRITICAL

    cv = dg.cips_critical_values(20, 30, "ct")
    assert cv[5] == CIPS_CRITICAL[("trend", 5)][2][3]
    g = sm.load_grunfeld()
    res = sm.cips_test(g, "inv", entity="firm", time="year", lags=2)
    assert res.pvalue == 0.10 and "p > 0.10" in res.name


def test_cips_bad_input():
    g = sm.load_grunfeld()
    with pytest.raises(SpecificationError, match="lags"):
        sm.cips_test(g, "inv", entity="firm", time="year", lags=-1)
    with pytest.raises(sm.PanelDataError, match="too short"):
        sm.cips_test(g[g["year"] < 1943], "inv", entity="firm", time="year", lags=2)


@settings(max_examples=8, deadline=None)
@given(scale=st.sampled_from([1e-4, 0.3, 10.0, 1e5]))
def test_unit_root_statistics_do_not_depend_on_units(scale):
    g = sm.load_grunfeld()
    scaled = g.assign(inv=g["inv"] * scale)
    for test in (sm.hadri_test, sm.cips_test, sm.llc_test):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sm.SpecificationWarning)
            a = test(g, "inv", entity="firm", time="year")
            b = test(scaled, "inv", entity="firm", time="year")
        assert b.stat == pytest.approx(a.stat, rel=1e-8)
