"""Static panel estimators: references (R plm, Stata), equivalences, properties, bad input."""

from __future__ import annotations

import warnings
from functools import cache

import linearmodels.panel as lmp
import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.datasets import load_abdata, load_grunfeld
from stfi_models.exceptions import EstimationError, FormulaError, SpecificationError
from stfi_models.models.static import hausman

# ---------------------------------------------------------------------------- data
#: plm's cases: data sets, models and covariances, as validation/static_plm/compute.py maps them
PLM = validation_module("static_plm")


@cache
def _fit(data: str, case: str):
    return PLM.fit_case(data, case)


# ---------------------------------------------------------------------------- references
@pytest.mark.parametrize(("topic", "row"), reference_rows("static_plm"))
def test_plm_reference_number(topic, row):
    """R plm 2.6.2 on abdata and Grunfeld: coefficients, 16 covariances, R², F and Hausman
    tests, RE variance components (1e-6 or tighter); validation/static_plm/compute.py."""
    check_reference_row(topic, row)


def test_plm_fd_hc1_differs_without_the_documented_factor(reference):
    """Our FD HC1 uses n_fd - k; plm's does not match it unless its df slip is undone."""
    ref = reference("static_plm")
    row = ref[(ref.case == "abdata/fd") & (ref.quantity == "se:white1_HC1") & (ref.term == "w")]
    ours = _fit("abdata", "fd").with_vcov("robust").std_errors["w"]
    assert abs(ours - row.value.item()) > 1e-3


@pytest.mark.parametrize(("topic", "row"), reference_rows("static_grunfeld"))
def test_stata_reference_number(topic, row):
    """Stata regress / xtreg on Grunfeld as printed (coefficients, SEs of four covariances,
    R², F test of effects); validation/static_grunfeld/compute.py."""
    check_reference_row(topic, row)


# ---------------------------------------------------------------------------- equivalences
@pytest.mark.parametrize("extra", ["", " + C(year)"])
def test_fe_equals_lsdv(extra):
    ab = load_abdata()
    fe = sm.fit(f"n ~ w + k + C(id){extra}", ab, entity="id", time="year")
    lsdv = sm.fit(f"n ~ w + k + C(id){extra}", ab, entity="id", time="year", model="pooled")
    option = sm.fit("n ~ w + k", ab, entity="id", time="year", model="fe",
                    effects="twoways" if extra else "entity")
    assert fe.model == "fe" and lsdv.model == "pooled"
    assert lsdv.info["effects"] == fe.info["effects"] == (
        ("entity", "time") if extra else ("entity",))
    for res in (lsdv, option):
        np.testing.assert_allclose(res.params[["w", "k"]], fe.params[["w", "k"]], rtol=0,
                                   atol=1e-10)
    # classical SEs agree (same residual df); cluster SEs agree once k counts the effects
    np.testing.assert_allclose(lsdv.std_errors[["w", "k"]], fe.std_errors, rtol=1e-10)
    fe_cl = fe.with_vcov("cluster", count_effects="all")
    np.testing.assert_allclose(lsdv.with_vcov("cluster").std_errors[["w", "k"]],
                               fe_cl.std_errors, rtol=1e-9)
    np.testing.assert_allclose(lsdv.resid, fe.resid, atol=1e-10)


def test_matches_linearmodels():
    """Point estimates equal linearmodels' where the conventions coincide."""
    ab = load_abdata().set_index(["id", "year"])
    gr = load_grunfeld().set_index(["firm", "year"])
    pairs = [
        (lmp.PanelOLS.from_formula("n ~ w + k + ys + EntityEffects + TimeEffects", ab),
         sm.fit("n ~ w + k + ys | id + year", ab)),
        (lmp.PanelOLS.from_formula("n ~ w + k + ys + TimeEffects", ab),
         sm.fit("n ~ w + k + ys + C(year)", ab)),
        (lmp.BetweenOLS.from_formula("n ~ 1 + w + k + ys", ab),
         sm.fit("n ~ w + k + ys", ab, model="between")),
        (lmp.FirstDifferenceOLS.from_formula("n ~ w + k + ys", ab),
         sm.fit("n ~ w + k + ys - 1", ab, model="fd")),
        (lmp.PooledOLS.from_formula("n ~ 1 + w + k + ys", ab),
         sm.fit("n ~ w + k + ys", ab)),
        # linearmodels' RE variance components equal Swamy-Arora only on balanced panels
        (lmp.RandomEffects.from_formula("inv ~ 1 + value + capital", gr),
         sm.fit("inv ~ value + capital", gr, model="re")),
    ]
    for theirs, ours in pairs:
        np.testing.assert_allclose(theirs.fit().params.to_numpy(), ours.params.to_numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_with_vcov_returns_a_new_result():
    res = _fit("abdata", "within_individual")
    before = res.std_errors.copy()
    other = res.with_vcov("cluster", cluster="time")
    assert other is not res and other.vcov_type.startswith("cluster (time")
    pd.testing.assert_series_equal(res.std_errors, before)
    direct = sm.fit("n ~ w + k + ys", load_abdata(), entity="id", time="year", model="fe",
                    vcov="cluster", cluster="time")
    pd.testing.assert_frame_equal(direct.cov, other.cov)
    pd.testing.assert_series_equal(direct.params, res.params)


def test_cluster_by_column_equals_cluster_by_entity_key():
    ab = load_abdata()
    res = sm.fit("n ~ w + k + ys", ab, entity="id", time="year", model="fe")
    ab2 = ab.assign(firm_copy=ab["id"] * 10)
    by_col = sm.fit("n ~ w + k + ys", ab2, entity="id", time="year", model="fe",
                    vcov="cluster", cluster="firm_copy")
    np.testing.assert_allclose(by_col.std_errors, res.with_vcov("cluster").std_errors,
                               rtol=1e-12)
    by_ind = res.with_vcov("cluster", cluster="ind")
    assert "G = 9" in by_ind.vcov_type


def test_hausman_function_equals_re_diagnostic():
    fe, re = _fit("abdata", "within_individual"), _fit("abdata", "random_swar")
    test = hausman(fe, re)
    assert test.stat == pytest.approx(re.diagnostics["hausman"].stat, rel=1e-10)
    assert test.df == 3
    with pytest.raises(SpecificationError, match="classical"):
        hausman(fe.with_vcov("cluster"), re)
    with pytest.raises(SpecificationError, match="model='fe'"):
        hausman(re, fe)


def test_summary_names_vcov_and_correction():
    text = _fit("abdata", "within_twoways").with_vcov("cluster", cluster="twoway").summary()
    text = text.as_text()
    assert "cluster (twoway (entity, time); G = 140, 9)" in text
    assert "df_adjust='stata'" in text and "group_debias=True [G/(G-1), per cluster" in text
    assert "F test for entity + time effects" in text
    assert "No intercept reported" in text


def test_rsquared_mappings():
    fe, re = _fit("grunfeld", "within_individual"), _fit("grunfeld", "random_swar")
    assert set(fe.rsquared) == {"within", "between", "overall"}
    assert set(re.rsquared) == {"r2", "within", "between", "overall"}
    assert set(_fit("grunfeld", "pooling").rsquared) == {"r2"}


def test_first_difference_respects_gaps():
    rows = [(e, t, float(e + t % 3), float(t * e)) for e in (1, 2) for t in (1, 2, 3, 5, 6)]
    df = pd.DataFrame(rows, columns=["e", "t", "y", "x"])
    df["y"] += np.random.default_rng(0).normal(size=len(df))
    res = sm.fit("y ~ x", df, entity="e", time="t", model="fd")
    # per entity: (2-1), (3-2), (6-5); the 3 -> 5 step is a gap
    assert res.nobs == 6 and res.info["n_differences"] == 6


# ---------------------------------------------------------------------------- properties
@st.composite
def _panels(draw):
    n_ent = draw(st.integers(3, 6))
    n_per = draw(st.integers(3, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    keep = rng.random(n_ent * n_per) > 0.25
    e, t = np.repeat(np.arange(n_ent), n_per), np.tile(np.arange(n_per), n_ent)
    keep[np.unique(e, return_index=True)[1]] = True  # every entity keeps a row
    frame = pd.DataFrame({"e": e, "t": t, "x1": rng.normal(size=e.size),
                          "x2": rng.normal(size=e.size)})[keep]
    frame["y"] = frame.x1 - 0.5 * frame.x2 + frame.e + rng.normal(size=len(frame))
    return frame.reset_index(drop=True)


@settings(max_examples=15, deadline=None)
@given(_panels())
def test_property_fe_equals_lsdv_on_random_unbalanced_panels(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fe = sm.fit("y ~ x1 + x2 + C(e) + C(t)", frame, entity="e", time="t")
        except EstimationError:
            return  # too few rows for this draw: the error is the correct outcome
        lsdv = sm.fit("y ~ x1 + x2 + C(e) + C(t)", frame, entity="e", time="t",
                      model="pooled")
    np.testing.assert_allclose(lsdv.params[["x1", "x2"]], fe.params, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(_panels(), st.floats(0.1, 100.0), st.sampled_from(["robust", "cluster",
                                                             "driscoll-kraay"]))
def test_property_rescaling_a_regressor_rescales_coefficient_and_se(frame, c, vcov):
    base = sm.fit("y ~ x1 + x2", frame, entity="e", time="t", model="pooled", vcov=vcov)
    scaled = sm.fit("y ~ x1 + x2", frame.assign(x1=frame.x1 * c), entity="e", time="t",
                    model="pooled", vcov=vcov)
    assert scaled.params["x1"] == pytest.approx(base.params["x1"] / c, rel=1e-9)
    assert scaled.std_errors["x1"] == pytest.approx(base.std_errors["x1"] / c, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(_panels(), st.floats(-50, 50))
def test_property_fe_ignores_entity_constant_shifts(frame, shift):
    try:
        fe = sm.fit("y ~ x1 + x2 + C(e)", frame, entity="e", time="t")
    except EstimationError:
        return  # too few rows for this draw: the error is the correct outcome
    moved = sm.fit("y ~ x1 + x2 + C(e)", frame.assign(y=frame.y + shift * frame.e),
                   entity="e", time="t")
    np.testing.assert_allclose(moved.params, fe.params, atol=1e-9)


# ---------------------------------------------------------------------------- bad input
def _ab(**kw):
    return sm.fit("n ~ w + k + ys", load_abdata(), entity="id", time="year", **kw)


def test_singular_design_names_the_collinear_column():
    ab = load_abdata().assign(w2=lambda d: 2 * d.w - d.k)
    with pytest.raises(EstimationError,
                       match=r"Singular design on the sample: w2 is a linear combination"):
        sm.fit("n ~ w + k + w2", ab, entity="id", time="year")


def test_time_invariant_regressor_in_fe_is_named():
    with pytest.raises(EstimationError,
                       match=r"after the within transformation \(entity \(id\)\): ind is "
                             r"identically zero \(it is constant within"):
        sm.fit("n ~ w + ind + C(id)", load_abdata(), entity="id", time="year")
    with pytest.raises(EstimationError, match=r"after first-differencing: ind is identically "
                                              r"zero \(it is constant over time"):
        sm.fit("n ~ w + ind", load_abdata(), entity="id", time="year", model="fd")


def test_unknown_kwarg_suggests_the_right_one():
    with pytest.raises(SpecificationError, match=r"Unknown option 'vcvo'.*Did you mean 'vcov'"):
        _ab(vcvo="robust")


def test_unknown_model_suggests_the_right_one():
    with pytest.raises(SpecificationError, match=r"model='fee'.*Did you mean 'fe'"):
        _ab(model="fee")


def test_unknown_vcov_suggests_the_right_one():
    with pytest.raises(SpecificationError, match=r"vcov='clustr'.*Did you mean 'cluster'"):
        _ab(vcov="clustr")
    with pytest.raises(SpecificationError, match=r"kernel='bartlet'.*Did you mean 'bartlett'"):
        _ab(vcov="driscoll-kraay", kernel="bartlet")


def test_missing_cluster_column():
    with pytest.raises(SpecificationError, match=r"cluster='indd'.*Did you mean 'ind'"):
        _ab(vcov="cluster", cluster="indd")
    ab = load_abdata()
    ab["grp"] = np.where(ab.year == 1980, np.nan, ab.ind)
    with pytest.raises(SpecificationError, match=r"'grp' is missing on \d+ rows"):
        sm.fit("n ~ w", ab, entity="id", time="year", vcov="cluster", cluster="grp")


def test_options_that_do_not_apply_are_refused():
    with pytest.raises(SpecificationError, match="cluster='time' applies to vcov='cluster'"):
        _ab(cluster="time")
    with pytest.raises(SpecificationError, match="df_adjust= does not apply"):
        _ab(df_adjust="hc1")
    with pytest.raises(SpecificationError, match="count_effects= does not apply"):
        _ab(model="fe", count_effects="all")
    with pytest.raises(SpecificationError, match="kernel= and bandwidth="):
        _ab(vcov="robust", bandwidth=2)
    with pytest.raises(SpecificationError, match="not available for model='between'"):
        _ab(model="between", vcov="cluster")
    with pytest.raises(SpecificationError, match="bandwidth=9 must be below"):
        _ab(vcov="driscoll-kraay", bandwidth=9)
    with pytest.raises(SpecificationError, match=r"with_vcov\(\) got an unknown keyword"):
        _ab().with_vcov("cluster", clster="time")
    with pytest.raises(SpecificationError, match="effects='twoway'.*Did you mean 'twoways'"):
        _ab(model="fe", effects="twoway")


def test_re_and_fd_refuse_entity_dummies():
    with pytest.raises(SpecificationError, match="model='re' treats the entity effect"):
        sm.fit("n ~ w + C(id)", load_abdata(), entity="id", time="year", model="re")
    with pytest.raises(SpecificationError, match="model='fd' differences"):
        sm.fit("n ~ w | id", load_abdata(), entity="id", time="year", model="fd")


def test_re_with_time_dummies_names_the_singular_between_regression():
    # plm 2.6.2 fails here too ("system is exactly singular" in ercomp)
    with pytest.raises(EstimationError, match=r"Swamy-Arora.*: C\(year\)\[T\.\d+\].* a linear "
                                              r"combination"):
        sm.fit("inv ~ value + C(year)", load_grunfeld(), entity="firm", time="year",
               model="re")


def test_too_few_rows():
    rng = np.random.default_rng(1)
    tiny = pd.DataFrame({"e": [1, 1, 2, 2], "t": [1, 2, 1, 2], **{
        name: rng.normal(size=4) for name in ("y", "x1", "x2", "x3")}})
    with pytest.raises(EstimationError, match="Too few rows for model='fe': 4 rows for 3 "
                                              "coefficients and 2 absorbed effects"):
        sm.fit("y ~ x1 + x2 + x3 + C(e)", tiny, entity="e", time="t")


def test_formula_naming_a_missing_column():
    with pytest.raises(FormulaError, match="Did you mean 'ys'"):
        sm.fit("n ~ w + yss", load_abdata(), entity="id", time="year")


def test_rows_dropped_for_missing_values_are_counted_and_warned():
    ab = load_abdata()
    ab.loc[ab.index[:7], "w"] = np.nan
    with pytest.warns(sm.MissingValueWarning, match="7 of 1031 rows dropped"):
        res = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year")
    assert res.dropped.n == 7 and res.dropped.by_variable == {"w": 7}
    assert res.nobs == 1024
