"""Bounded work and shadowing column names in formulas (issue 11)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import stfi_models as sm
from stfi_models.exceptions import FormulaError
from stfi_models.formula.grammar import MAX_FORMULA_LENGTH, MAX_TERMS

AB = sm.load_abdata()


def _fit(formula, data=AB, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.fit(formula, data, entity="id", time="year", **options)


@pytest.mark.parametrize(("formula", "words"), [
    ("n ~ L(w, 1:10000)", r"L\(w, 1:10000\) asks for lags up to 10000 periods, but the longest "
                          r"entity spans 8 period\(s\) .* 'year'"),
    ("n ~ F(w, 9)", r"F\(w, 9\) asks for leads up to 9 periods"),
    ("n ~ D(w, 50)", r"D\(w, 50\) asks for orders up to 50"),
    ("n ~ L(w, -20:2)", r"asks for lags up to 20 periods"),
    ("n ~ L(w, 99999999999999999999999)", r"The integer 99999999999999999999\.\.\. \(23 digits\)"),
    ("n ~ I(w * 123456789012345678901)", r"beyond 2\*\*53.* write it as a float \(1\.23e\+20\)"),
])
def test_lag_ranges_and_literals_are_refused_before_any_work(formula, words):
    start = time.perf_counter()
    with pytest.raises(FormulaError, match=words):
        _fit(formula)
    assert time.perf_counter() - start < 2.0


def test_pvar_lag_range_beyond_the_span():
    with pytest.raises(FormulaError, match=r"L\(1:10000\) asks for lags up to 10000"):
        _fit("n + w ~ L(1:10000)", model="pvar")


def test_oversized_formulas():
    with pytest.raises(FormulaError, match=rf"characters, more than the {MAX_FORMULA_LENGTH}"):
        sm.parse_formula("n ~ w" + " " * MAX_FORMULA_LENGTH)
    many = "n ~ " + " + ".join(f"x{i}" for i in range(MAX_TERMS + 1))
    with pytest.raises(FormulaError, match=rf"{MAX_TERMS + 2} terms, more than the {MAX_TERMS}"):
        sm.parse_formula(many)
    deep = "n ~ " + " + ".join(["x"] * 1500)  # short enough, but too deep for Python's parser
    with pytest.raises(FormulaError, match="too long or too deeply nested"):
        sm.parse_formula(deep)


def test_open_gmm_instrument_range_is_bounded_by_the_data():
    start = time.perf_counter()
    wide = _fit("n ~ L(n) + w | gmm(n, 2:100000) + iv(w)", model="diff-gmm")
    assert time.perf_counter() - start < 10.0
    open_ = _fit("n ~ L(n) + w | gmm(n, 2:.) + iv(w)", model="diff-gmm")
    np.testing.assert_allclose(wide.params, open_.params, rtol=1e-12)


SHADOWING = AB.assign(I=AB.w, Q=AB.k, L=AB.k + 1, log=AB.w * 2 + 3, C=AB.ys, exp=AB.ys * 2)


@pytest.mark.parametrize(("formula", "names"), [
    ("n ~ I + Q + exp", ["Intercept", "I", "Q", "exp"]),
    ("n ~ I(I * 2)", ["Intercept", "I(I * 2)"]),
    ("n ~ L(L)", ["Intercept", "L1.L"]),
    ("n ~ np.log(log)", ["Intercept", "np.log(log)"]),
    ("n ~ log(log)", ["Intercept", "log(log)"]),
    ("n ~ Q('Q')", ["Intercept", "Q"]),
    ("n ~ D(L) + L(I, 1:2)", ["Intercept", "D1.L", "L1.I", "L2.I"]),
    ("L ~ w + L(L)", ["Intercept", "w", "L1.L"]),
])
def test_columns_named_like_formula_functions_work(formula, names):
    res = _fit(formula, SHADOWING)
    assert list(res.params.index) == names
    plain = _fit(formula.replace("Q('Q')", "k").replace("I(I", "I(w").replace("log(log)",
                 "log(w * 2 + 3)"), SHADOWING) if "Q('Q')" in formula or "(log)" in formula \
        or "I(I" in formula else res
    np.testing.assert_allclose(res.params.to_numpy(), plain.params.to_numpy(), rtol=1e-12)
