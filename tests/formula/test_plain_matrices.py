"""Formulas of plain numeric columns are built without patsy, exactly as patsy builds them.

:func:`stfi_models.formula.plain.plain_matrices` must give the same design as patsy (labels,
column order, values, dropped rows and their counts) for every formula it accepts: random
formulas over float, integer, NaN-holding, aliased (``I``) and quoted columns, lags,
repeated and removed terms and intercept switches are built both ways and compared.
"""

from __future__ import annotations

import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import MissingValueWarning
from stfi_models.formula import build_design, design, parse_formula
from stfi_models.formula.plain import plain_matrices
from stfi_models.panel import PanelData


def _panel() -> PanelData:
    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame({
        "id": np.repeat(np.arange(12), 5),
        "year": np.tile([2001, 2002, 2003, 2005, 2006], 12),
        "y": rng.normal(size=n),
        "a": rng.normal(size=n),
        "b": rng.normal(size=n) * 1e8,
        "i": rng.integers(-5, 5, size=n),
        "u": rng.integers(0, 2**40, size=n).astype(np.uint64),
        "f32": rng.normal(size=n).astype(np.float32),
        "gaps": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "infs": np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
        "I": rng.normal(size=n),  # shadows I(): patsy reads it under an alias
        "x.y": rng.normal(size=n),
        "flag": rng.random(n) < 0.5,
    })
    return PanelData(frame.sample(frac=1.0, random_state=1), "id", "year")


PANEL = _panel()
TERMS = ["a", "b", "i", "u", "f32", "gaps", "infs", "I", "Q('x.y')", "Q('a')", "L(a)",
         "L(gaps, 1:2)", "D(b)", "F(i)", "1", "0"]


def _build(formula: str, *, plain: bool):
    """The design of ``formula``, with or without the plain-column builder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        if plain:
            return build_design(parse_formula(formula), PANEL)
        with mock.patch.object(design, "plain_matrices", lambda *args: None):
            return build_design(parse_formula(formula), PANEL)


def _outcome(formula: str, *, plain: bool):
    """The design, or the type and message of the error building it."""
    try:
        return _build(formula, plain=plain)
    except Exception as error:  # noqa: BLE001 - compared between the two builders
        return type(error), str(error)


def _assert_same(formula: str) -> None:
    fast, slow = _outcome(formula, plain=True), _outcome(formula, plain=False)
    if isinstance(slow, tuple) or isinstance(fast, tuple):
        assert fast == slow, formula  # the same error, raised after the matrices
        return
    for got, want in ((fast.y, slow.y), (fast.x, slow.x)):
        assert list(got.columns) == list(want.columns), formula
        assert got.dtypes.eq(np.float64).all(), formula
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy(), err_msg=formula)
        assert got.index.equals(want.index), formula
    np.testing.assert_array_equal(fast.rows, slow.rows)
    assert str(fast.dropped) == str(slow.dropped)
    assert fast.dropped.index.equals(slow.dropped.index)


@settings(max_examples=150, deadline=None)
@given(lhs=st.sampled_from(["y", "D(y)", "Q('y')", "gaps"]),
       terms=st.lists(st.tuples(st.sampled_from(["+", "-"]), st.sampled_from(TERMS)),
                      min_size=1, max_size=7))
def test_plain_formulas_match_patsy(lhs, terms):
    rhs = " ".join(f"{sign} {term}" for sign, term in terms).removeprefix("+ ")
    rhs = rhs if not rhs.startswith("-") else "1 " + rhs
    formula = f"{lhs} ~ {rhs}"
    if lhs.endswith("gaps") and "gaps" in rhs:
        return  # the dependent variable also a regressor is refused, both ways
    _assert_same(formula)


@pytest.mark.parametrize("formula", [
    "y ~ a + b", "y ~ a + a + b - a", "y ~ 0 + a", "y ~ a - 1 + 1", "y ~ a - 0",
    "y ~ 1", "y ~ a - a - 1", "y ~ Q('a') + a", "y ~ I + L(a, 0:2)", "gaps ~ infs + u",
])
def test_listed_plain_formulas_match_patsy_and_skip_it(formula, monkeypatch):
    _assert_same(formula)

    def refuse(*args, **kwargs):
        raise AssertionError("patsy was called for a plain formula")

    monkeypatch.setattr(design.patsy, "dmatrices", refuse)
    _build(formula, plain=True)


@pytest.mark.parametrize("formula", [
    "y ~ a + flag", "y ~ a + C(i)", "y ~ I(2 * a)", "y ~ a:b", "y ~ np.log(f32 ** 2)",
    "y ~ a * b", "I(y * 2) ~ a",
])
def test_anything_else_goes_to_patsy(formula):
    spec = parse_formula(formula)
    evaluator = design.OperatorEvaluator(PANEL, formula)
    lhs = [node for term in spec.lhs for node in evaluator.expand_term(term)]
    rhs = [(term.sign, node) for term in spec.rhs for node in evaluator.expand_term(term)]
    assert plain_matrices(lhs, rhs, evaluator.frame) is None
    fast = _build(formula, plain=True)
    assert fast.x.shape[0] == fast.y.shape[0] > 0
