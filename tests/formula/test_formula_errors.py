"""Bad formulas and bad data give errors that say what, where (caret, column) and the fix.

Panel-key errors (duplicates, missing keys, unorderable time, ...) are in tests/test_panel.py;
this module covers what only the formula path sees.
"""

from __future__ import annotations

import numpy as np
import pytest
from formula_helpers import small_panel, underlined

from stfi_models.exceptions import EstimationError, FormulaError, StfiError
from stfi_models.formula import build_design, parse_formula
from stfi_models.panel import PanelData


def build(formula: str, data=None, **kwargs):
    panel = PanelData(small_panel() if data is None else data, "id", "t")
    return build_design(parse_formula(formula), panel, warn=False, **kwargs)


def error_of(formula: str, data=None, kind: type[Exception] = FormulaError, **kwargs) -> str:
    with pytest.raises(kind) as err:
        build(formula, data, **kwargs)
    return str(err.value)


# (formula, underlined token, fragments the message must contain)
PARSE_ERRORS = [
    ("y ~ x | gmm(x, 2:., colapse=True)", "colapse",
     ["no option 'colapse'", "Did you mean 'collapse'"]),
    ("y ~ x | gmm(x, 2:4, eq='levels')", "'levels'", ["eq must be one of", "Did you mean 'level'"]),
    ("y ~ x | gmm(x, 2:4, collapse='yes')", "'yes'", ["Expected a bool"]),
    ("y ~ x | gmm(x, lags=None)", "None", ["only allowed as the end of a range"]),
    ("y ~ x | gmm(x, 3:2)", "3:2", ["runs backwards", "write 2:3"]),
    ("y ~ x + gmm(x, 2:.)", "gmm(x, 2:.)", ["belongs in an instrument part after '|'"]),
    ("y ~ x | gmm(x) + z", "gmm(x) + z", ["only gmm()/iv() blocks"]),
    ("y ~ x + (", None, ["Cannot read formula"]),
    ("y ~ x +", None, ["Cannot parse formula"]),
    ("y ~ x | ", None, ["Empty part"]),
]


@pytest.mark.parametrize(("formula", "token", "fragments"), PARSE_ERRORS,
                         ids=[f for f, _, _ in PARSE_ERRORS])
def test_malformed_formulas(formula, token, fragments):
    with pytest.raises(FormulaError) as err:
        parse_formula(formula)
    message = str(err.value)
    assert formula.rstrip() in message
    for fragment in fragments:
        assert fragment in message
    if token is not None:
        assert underlined(message).strip() == token


@pytest.mark.parametrize(
    ("formula", "what"),
    [("y x", "no '~'"), ("y ~ x ~ z", "more than one '~'")],
)
def test_tilde_count(formula, what):
    with pytest.raises(FormulaError, match=f"exactly one '~'.*{what}"):
        parse_formula(formula)


def test_formula_must_be_text():
    with pytest.raises(FormulaError, match="must be a string, got int"):
        parse_formula(1)


def test_lhs_cannot_subtract():
    with pytest.raises(FormulaError, match="left-hand side cannot subtract"):
        parse_formula("y - z ~ x")


def test_missing_column_with_suggestion_and_caret():
    message = error_of("y ~ xx + z")
    assert "'xx', which is not a column" in message and "Did you mean 'x'?" in message
    assert underlined(message) == "xx"
    message = error_of("y ~ x + L(zz, 1)")
    assert "Did you mean 'z'?" in message and underlined(message) == "zz"
    message = error_of("yy ~ x")
    assert underlined(message) == "yy"


def test_non_numeric_regressor_suggests_categorical():
    message = error_of("y ~ x + g")
    assert "Column 'g' is not numeric" in message and "C(g)" in message
    assert "pd.to_numeric(df['g'])" in message and underlined(message) == "g"
    assert "C(g)[T.b]" in build("y ~ x + C(g)").x.columns  # the suggested fix works


def test_operator_on_text_column_points_at_it():
    message = error_of("y ~ L(g, 1)")
    assert "Column 'g' is not numeric" in message and underlined(message) == "g"


def test_all_nan_column():
    data = small_panel().assign(empty=np.nan)
    message = error_of("y ~ x + empty", data, kind=EstimationError)
    assert "Column 'empty' is entirely missing" in message and "drop it from the formula" in message


def test_lag_longer_than_every_entity():
    # refused before any column is built (issue 11: L(w, 1:10000) ran for half a minute)
    message = error_of("y ~ L(x, 9)", kind=FormulaError)
    assert "L(x, 9) asks for lags up to 9 periods" in message
    assert "the longest entity spans 4 period(s)" in message


def test_empty_sample_after_dropping_missing_values():
    data = small_panel().assign(w=[np.nan, 1.0] * 5, v=[1.0, np.nan] * 5)
    message = error_of("y ~ w + v", data, kind=EstimationError)
    assert "No rows left after dropping missing values" in message
    assert "w: 5" in message and "v: 5" in message


def test_lag_without_variable_in_single_equation():
    for formula, token in (("y ~ L(1:2)", "L(1:2)"), ("y ~ x + F(1)", "F(1)")):
        message = error_of(formula)
        assert "names no variable" in message and "(x, ...)" in message
        assert underlined(message) == token


def test_backward_lag_range():
    message = error_of("y ~ L(x, 2:1)")
    assert "Lag range 2:1 runs backwards; write 1:2." in message and underlined(message) == "2:1"


def test_negative_difference_order():
    message = error_of("y ~ D(x, -1)")
    assert "non-negative order" in message and "D(F(x, 1), 1)" in message
    assert underlined(message) == "-1"


@pytest.mark.parametrize(
    ("formula", "token", "fragment"),
    [
        ("y ~ L(x, z)", "z", "A lag must be a whole number"),
        ("y ~ L(x, 1.5)", "1.5", "A lag must be a whole number"),
        ("y ~ L(x, k=1)", "L(x, k=1)", "positional arguments only"),
        ("y ~ L()", "L()", "takes a variable and a lag"),
        ("y ~ L(x, 1, 2)", "L(x, 1, 2)", "takes a variable and a lag"),
        ("y ~ L(L(x, 1:2), 1)", "L(x, 1:2)", "lag range cannot be used inside"),
        ("y ~ L(C(g), 1)", "C(g)", "only columns, numbers, arithmetic"),
    ],
)
def test_bad_operator_arguments(formula, token, fragment):
    message = error_of(formula)
    assert fragment in message and underlined(message) == token


def test_generated_name_clashing_with_a_column():
    data = small_panel().assign(**{"L1.x": 0.0})
    message = error_of("y ~ L(x, 1)", data)
    assert "'L1.x' clashes with an existing column" in message and "rename" in message


def test_effect_part_naming_a_non_key():
    message = error_of("y ~ x | g")
    assert "only the panel keys (id, t) can be absorbed" in message and "C(g)" in message


def test_effect_absorbed_twice():
    assert "absorbed twice" in error_of("y ~ x + C(id) | id")


def test_extra_column_missing():
    message = error_of("y ~ x", extra_columns=("clust",))
    assert "'clust'" in message and "is not a column" in message


def test_every_error_is_a_stfi_error():
    """Users can catch one base class (a ValueError) for all bad input."""
    for formula in ("y ~ xx", "y ~ x.__class__", "y ~ L(x, 2:1)"):
        with pytest.raises(StfiError):
            build(formula)
    assert issubclass(StfiError, ValueError)
