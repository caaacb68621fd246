"""CR0-CR3, Satterthwaite df, HTZ and multi-way clustering: clubSandwich, equivalences, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import SpecificationError, SpecificationWarning


@pytest.fixture(scope="module")
def grunfeld():
    return sm.load_grunfeld()


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        return func(*args, **kwargs)


# ---------------------------------------------------------------------------- references
@pytest.mark.parametrize(("topic", "row"), reference_rows("inference"))
def test_matches_clubsandwich(topic, row):
    """474 numbers of R clubSandwich 0.5.8 (SEs, Satterthwaite df, HTZ) at 1e-6 absolute."""
    check_reference_row(topic, row)


# ---------------------------------------------------------------------------- equivalences
def test_cr_kinds_are_the_named_cluster_factors(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="fe")
    cr1s = _quiet(res.with_vcov, "CR1S")
    stata = _quiet(res.with_vcov, "cluster")
    np.testing.assert_allclose(cr1s.std_errors, stata.std_errors, rtol=1e-12)
    cr0 = _quiet(res.with_vcov, "CR0")
    plain = _quiet(res.with_vcov, "cluster", df_adjust="none", group_debias=False)
    np.testing.assert_allclose(cr0.std_errors, plain.std_errors, rtol=1e-12)
    assert stata.df_params is None and cr1s.df_params is not None


@pytest.mark.parametrize("cluster", ["firm", "year"])
def test_cr2_with_absorbed_effects_equals_cr2_of_lsdv(grunfeld, cluster):
    """Pustejovsky & Tipton (2018): CR2 uses the hat matrix of the full model, so absorbing the
    effects or estimating their dummies gives the same slopes' SEs and Satterthwaite df."""
    fe = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="fe",
                vcov="CR2", cluster=cluster)
    lsdv = sm.fit("inv ~ value + capital + C(firm)", grunfeld, entity="firm", time="year",
                  model="pooled", vcov="CR2", cluster=cluster)
    names = ["value", "capital"]
    np.testing.assert_allclose(fe.std_errors[names], lsdv.std_errors[names], rtol=1e-9)
    np.testing.assert_allclose(fe.df_params[names], lsdv.df_params[names], rtol=1e-8)


def test_multiway_list_equals_twoway_and_a_repeated_dimension_is_one_way(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="fe")
    listed = _quiet(res.with_vcov, "cluster", cluster=["firm", "year"])
    twoway = _quiet(res.with_vcov, "cluster", cluster="twoway")
    np.testing.assert_allclose(listed.cov, twoway.cov, rtol=1e-12)
    copy = grunfeld.assign(firm2=grunfeld["firm"] * 10)
    res2 = sm.fit("inv ~ value + capital", copy, entity="firm", time="year", model="fe")
    doubled = _quiet(res2.with_vcov, "cluster", cluster=["firm", "firm2"])
    np.testing.assert_allclose(doubled.cov, _quiet(res2.with_vcov, "cluster").cov, rtol=1e-10)
    three = _quiet(res2.with_vcov, "cluster", cluster=["firm", "year", "firm2"])
    np.testing.assert_allclose(three.cov, twoway.cov, rtol=1e-10)


def test_single_restriction_wald_is_the_squared_t(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="fe",
                 vcov="robust")
    test = res.wald_test("value = 0")
    assert test.dist == "F" and test.df == (1.0, res.df_resid)
    assert test.stat == pytest.approx(res.tstats["value"] ** 2, rel=1e-12)
    assert test.pvalue == pytest.approx(res.pvalues["value"], rel=1e-10)
    cr2 = res.with_vcov("CR2").wald_test("value = 0")  # HTZ with q = 1 is the Satterthwaite t
    fitted = res.with_vcov("CR2")
    assert cr2.df[1] == pytest.approx(fitted.df_params["value"], rel=1e-10)
    assert cr2.pvalue == pytest.approx(fitted.pvalues["value"], rel=1e-10)


@settings(max_examples=15, deadline=None)
@given(scale=st.sampled_from([1e-3, 1.0, 1e4]), kind=st.sampled_from(["CR2", "CR3"]))
def test_rescaling_a_regressor_changes_only_its_se(scale, kind):
    data = sm.load_grunfeld()
    base = sm.fit("inv ~ value + capital", data, entity="firm", time="year", vcov=kind)
    other = sm.fit("inv ~ value + capital", data.assign(value=data["value"] * scale),
                   entity="firm", time="year", vcov=kind)
    assert other.std_errors["value"] * scale == pytest.approx(base.std_errors["value"], rel=1e-7)
    assert other.std_errors["capital"] == pytest.approx(base.std_errors["capital"], rel=1e-7)
    np.testing.assert_allclose(other.df_params, base.df_params, rtol=1e-7)


# ---------------------------------------------------------------------------- output
def test_summary_footer_names_kind_df_and_correction(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", vcov="CR2")
    text = res.summary().as_text()
    assert "CR2 cluster (entity; G = 10)" in text and "Satterthwaite df" in text
    assert "Bell-McCaffrey" in text
    stata = _quiet(res.with_vcov, "cluster", count_effects="constant")
    assert "Stata xtreg, fe" in stata.summary().as_text()


def test_few_clusters_warn_for_cr1_not_for_cr2(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with pytest.warns(SpecificationWarning, match="Only 10 clusters.*CR2.*wild_bootstrap"):
        res.with_vcov("cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        res.with_vcov("CR2")


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("options", "match"), [
    ({"vcov": "CR4"}, "Did you mean"),
    ({"vcov": "CR2", "cluster": "frim"}, "Did you mean 'firm'"),
    ({"vcov": "CR2", "cluster": ["firm", "year"]}, "one dimension"),
    ({"vcov": "cluster", "cluster": ["firm", "year"], "test_df": "satterthwaite"},
     "one clustering dimension"),
    ({"vcov": "cluster", "cluster": ["firm", "firm"]}, "repeats"),
    ({"vcov": "cluster", "cluster": 3}, "column name"),
    ({"vcov": "robust", "test_df": "clusters"}, "clustered"),
    ({"vcov": "CR2", "df_adjust": "hc1"}, "fixes its own"),
    ({"vcov": "CR2", "test_df": "kenward"}, "test_df"),
])
def test_bad_options_are_named(grunfeld, options, match):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with pytest.raises(SpecificationError, match=match):
        res.with_vcov(**options)


def test_cr2_after_re_needs_entities_nested_in_clusters(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="re")
    with pytest.raises(SpecificationError, match="nested"):
        res.with_vcov("CR2", cluster="year")
    assert np.isfinite(res.with_vcov("CR3", cluster="year").std_errors).all()


@pytest.mark.parametrize(("hypothesis", "match"), [
    ("valu = 0", "Did you mean 'value'"),
    ("value", "lhs = rhs"),
    ("value * capital = 0", "not linear"),
    ("value = 0, value = 0", "linearly dependent"),
    ("__import__('os') = 0", "allowed|not a coefficient"),
    ("value / 0 = 1", "division by zero"),
    ("1 = 1", "no coefficient"),
    ("value = (", "cannot be parsed"),
    (["value = 0", 3], "string"),
])
def test_bad_hypotheses_are_named(grunfeld, hypothesis, match):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with pytest.raises(SpecificationError, match=match):
        res.wald_test(hypothesis)


def test_hypothesis_text_forms(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="pooled")
    a = res.wald_test("value = capital, Intercept = 0")
    b = res.wald_test(["value - capital == 0", "2*Intercept/2 = 0"])
    assert a.stat == pytest.approx(b.stat, rel=1e-12) and a.df == (2.0, res.df_resid)
    assert "value = capital" in a.null


def test_fit_with_a_list_of_cluster_columns(grunfeld):
    """The issue's case: cluster=["firm", "year"] through fit() (it raised a raw TypeError)."""
    data = grunfeld.assign(size=np.where(grunfeld["capital"] > grunfeld["capital"].median(),
                                         "big", "small"))
    res = _quiet(sm.fit, "inv ~ value + capital", data, entity="firm", time="year",
                 vcov="cluster", cluster=["firm", "size"])
    assert res.vcov_type.startswith("cluster (firm, size; G = 10, 2)")
    assert np.isfinite(res.std_errors).all()


@settings(max_examples=30, deadline=None)
@given(a=st.integers(-5, 5), b=st.integers(-5, 5), c=st.integers(-9, 9))
def test_restriction_text_gives_its_matrix(a, b, c):
    from stfi_models.inference.hypothesis import parse_restrictions

    if a == 0 and b == 0:
        return
    parsed = parse_restrictions(f"{a}*L1.x + ({b})*np.log(z) = {c} + 0*Intercept",
                                ["Intercept", "L1.x", "np.log(z)"])
    np.testing.assert_array_equal(parsed.matrix, [[0.0, a, b]])
    np.testing.assert_array_equal(parsed.value, [float(c)])


def test_wald_test_after_gmm_is_chi2():
    ab = sm.load_abdata()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.fit("n ~ L(n, 1) + w + k | gmm(n, 2:4) + iv(w, k)", ab, entity="id",
                     time="year", model="diff-gmm", steps=1)
    test = res.wald_test("w = 0, k = 0")
    assert test.dist == "chi2" and test.df == 2.0 and 0 <= test.pvalue <= 1
