"""IV with absorbed effects: references (linearmodels), equivalences, properties, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import EstimationError, FormulaError, SpecificationError
from stfi_models.models.iv import IVModel, stock_yogo
from stfi_models.panel import as_panel

AB = "n ~ k + [w ~ ys + L(ys, 1)] | id + year"


def _fit(formula: str, data: pd.DataFrame | None = None, **options) -> sm.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, sm.load_abdata() if data is None else data, entity="id",
                      time="year", **options)


@pytest.mark.parametrize(("topic", "row"), reference_rows("iv"))
def test_linearmodels_reference(topic, row):
    check_reference_row(topic, row)


def test_bracket_part_is_parsed_and_checked_like_the_rest():
    spec = sm.parse_formula("y ~ x + [w1 + L(w2, 1) ~ z1 + np.log(z2)] | id")
    assert [t.text for t in spec.rhs] == ["x"] and spec.effects == ("id",)
    assert [t.text for t in spec.endogenous.endogenous] == ["w1", "L(w2, 1)"]
    assert spec.names() == {"y", "x", "w1", "w2", "z1", "z2", "id"}
    with pytest.raises(sm.UnsafeFormulaError):
        sm.parse_formula("y ~ x + [w ~ __import__('os')]")
    with pytest.raises(FormulaError, match="one instrumental-variables part"):
        sm.parse_formula("y ~ [w ~ z] + [v ~ q]")
    with pytest.raises(FormulaError, match="cannot be subtracted"):
        sm.parse_formula("y ~ x - [w ~ z]")
    assert sm.parse_formula("y ~ Q('a[b ~ c]') + x").endogenous is None


def test_bracket_chooses_iv_and_absorbs_both_spellings():
    a = _fit(AB)
    b = _fit("n ~ k + C(id) + [w ~ ys + L(ys, 1)] + C(year)")
    assert a.model == "iv" and a.info["effects"] == ("entity", "time")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-10)


def test_just_identified_2sls_gmm_liml_agree():
    formula = "n ~ k + [w ~ ys] | id + year"
    fits = [_fit(formula, method=m, vcov="robust") for m in ("2sls", "gmm", "liml")]
    for other in fits[1:]:
        np.testing.assert_allclose(other.params, fits[0].params, rtol=1e-9)
    assert fits[2].info["kappa"] == pytest.approx(1.0, abs=1e-10)
    assert "overid" not in fits[0].diagnostics


def test_gmm_with_unadjusted_weight_is_2sls():
    a, b = _fit(AB, method="gmm"), _fit(AB)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)


def test_homoskedastic_rank_statistics_have_closed_forms():
    """Unadjusted KP LM = n r2_min (Anderson), rk Wald = n r2/(1-r2) (Cragg-Donald)."""
    res = _fit("n ~ [w + k ~ ys + L(ys, 1) + L(k, 1)] | id + year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        m = IVModel(sm.parse_formula("n ~ [w + k ~ ys + L(ys, 1) + L(k, 1)] | id + year"),
                    as_panel(sm.load_abdata(), "id", "year"))
        a, _ = m._arrays
    qx, _ = np.linalg.qr(a.x2)
    qz, _ = np.linalg.qr(a.z2)
    r2 = np.linalg.svd(qz.T @ qx, compute_uv=False).min() ** 2
    n = res.nobs
    assert res.diagnostics["underid"].stat == pytest.approx(n * r2, rel=1e-9)
    assert res.diagnostics["rk_wald"].stat == pytest.approx(n * r2 / (1 - r2), rel=1e-9)


def test_first_stage_table_and_summary():
    res = _fit(AB, vcov="cluster")
    table = res.info["first_stage"]
    assert list(table["instrument"]) == ["ys", "L1.ys"]
    assert (table["f_df2"] == res.n_entities - 1).all()
    text = str(res)
    assert "Kleibergen-Paap rk Wald F" in text and "Stock-Yogo" in text
    assert res.info["stock_yogo"]["size 10%"] == 19.93


def test_etable_rows_for_iv():
    text = str(sm.etable([_fit("n ~ k + w | id + year"), _fit(AB, vcov="robust")]))
    for label in ("Overidentification p", "Endogeneity p", "First-stage F"):
        assert label in text


def test_with_vcov_and_small():
    res = _fit(AB)
    small = res.with_vcov("robust", small=True)
    assert small.df_resid == res.nobs - 2 - res.info["n_absorbed"]
    assert small.vcov_type.startswith("robust")
    with pytest.raises(SpecificationError, match="did you mean|Did you mean"):
        res.with_vcov("robust", smal=True)


def test_stock_yogo_untabulated_cell_is_empty():
    assert stock_yogo(3, 3) == {}
    assert stock_yogo(1, 3)["bias 5%"] == 13.91


@pytest.mark.parametrize(("formula", "error", "match"), [
    ("n ~ k + [w ~ ]", FormulaError, "names no instrument"),
    ("n ~ k + [w + k ~ ys] | id", SpecificationError, "exogenous regressor and endogenous"),
    ("n ~ [w + k ~ ys] | id", SpecificationError, "underidentified"),
    ("n ~ k + [w ~ ys + k] | id", SpecificationError, "instrument themselves"),
    ("n ~ k + [w ~ ys + w] | id", SpecificationError, "its own instrument"),
    ("n ~ k + [ind ~ ys] | id", EstimationError, "constant within the absorbed effects"),
    ("n ~ k + [w ~ ind] | id", EstimationError, "ind"),
])
def test_bad_input(formula, error, match):
    with pytest.raises(error, match=match):
        _fit(formula)


def test_too_few_clusters_are_refused_or_left_out():
    ab = sm.load_abdata().assign(half=lambda d: d["id"] % 2)
    with pytest.raises(EstimationError, match="singular"):
        _fit(AB, ab, method="gmm", vcov="cluster", cluster="half")
    with pytest.warns(sm.SpecificationWarning):
        res = _fit(AB, ab, vcov="cluster", cluster="half")
    assert "overid" not in res.diagnostics and "endogeneity" not in res.diagnostics
    assert np.isnan(res.diagnostics["rk_wald"].stat)


def test_other_models_refuse_the_bracket():
    with pytest.raises(SpecificationError, match="model='iv'"):
        _fit(AB, model="fe")


def test_bad_options():
    with pytest.raises(SpecificationError, match="Did you mean"):
        _fit(AB, method="2sl")
    with pytest.raises(SpecificationError, match="cluster"):
        _fit(AB, vcov="robust", cluster="id")
    with pytest.raises(SpecificationError, match="Did you mean"):
        _fit(AB, vcov="cluster", cluster="idd")


@settings(max_examples=10, deadline=None)
@given(scale=st.sampled_from([1e-3, 0.5, 7.0, 1e4]),
       column=st.sampled_from(["ys", "w", "k"]),
       method=st.sampled_from(["2sls", "gmm", "liml"]),
       vcov=st.sampled_from(["unadjusted", "robust", "cluster"]))
def test_rescaling_changes_only_that_coefficient(scale, column, method, vcov):
    ab = sm.load_abdata()
    scaled = ab.assign(**{column: ab[column] * scale})
    a = _fit(AB, ab, method=method, vcov=vcov)
    b = _fit(AB, scaled, method=method, vcov=vcov)
    expected = a.params.copy()
    if column in expected.index:
        expected[column] /= scale
    np.testing.assert_allclose(b.params, expected, rtol=1e-7)
    np.testing.assert_allclose(b.tstats, a.tstats, rtol=1e-6)
    for key, test in a.diagnostics.items():
        assert b.diagnostics[key].stat == pytest.approx(test.stat, rel=1e-6)
    assert b.info["weak_id_f"] == pytest.approx(a.info["weak_id_f"], rel=1e-6)


@pytest.mark.parametrize("vcov", ["robust", "cluster"])
def test_one_endogenous_rk_wald_is_the_first_stage_wald(vcov):
    """With one endogenous regressor the rk Wald is the robust first-stage Wald (no factor)."""
    res = _fit(AB, vcov=vcov)
    row = res.info["first_stage"].iloc[0]
    n, big_l = res.nobs, 3 + res.info["n_absorbed"]  # k, ys, L1.ys and the effects
    factor = n / (n - big_l) if vcov == "robust" else (
        (n - 1) / (n - big_l) * res.n_entities / (res.n_entities - 1))
    assert res.diagnostics["rk_wald"].stat == pytest.approx(row["f_stat"] * 2 * factor,
                                                            rel=1e-9)
