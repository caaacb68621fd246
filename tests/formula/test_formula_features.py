"""Formula features: absorbed effects, systems, transforms, naming, instruments, NaN rows.

Where patsy defines the meaning (interactions, ``-1``, ``I()``), the design is compared with
patsy run directly on the same data; panel operators are compared with explicit lookups.
"""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
from formula_helpers import small_panel, underlined
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import FormulaError, MissingValueWarning
from stfi_models.formula import Design, InstrumentSpec, Term, build_design, parse_formula
from stfi_models.formula.design import OperatorEvaluator, to_patsy
from stfi_models.formula.columns import names_in
from stfi_models.formula.grammar import flatten_sum, lag_range, split_top_level
from stfi_models.panel import PanelData


@pytest.fixture
def balanced() -> pd.DataFrame:
    """8 entities x 5 periods, positive ``emp``, a string column ``g``."""
    rng = np.random.default_rng(7)
    n = 40
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(8), 5),
            "year": np.tile(np.arange(2001, 2006), 8),
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.normal(size=n),
            "k": rng.normal(size=n),
            "k2": rng.normal(size=n),
            "emp": rng.uniform(1, 3, size=n),
            "g": np.tile(list("uvw"), 14)[:n],
        }
    )


def design_of(formula: str, data: pd.DataFrame, entity="id", time="year", **kw) -> Design:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        return build_design(parse_formula(formula), PanelData(data, entity, time), **kw)


def lagged(data: pd.DataFrame, column, k: int, entity="id", time="year") -> pd.Series:
    """``column`` at ``time - k`` of the same entity (explicit dict lookup), on data's rows."""
    values = data[column] if isinstance(column, str) else column
    table = dict(zip(zip(data[entity], data[time], strict=True), values, strict=True))
    return pd.Series(
        [table.get((e, t - k), np.nan) for e, t in zip(data[entity], data[time], strict=True)],
        index=pd.MultiIndex.from_frame(data[[entity, time]]),
    )


# ---------------------------------------------------------------- absorbed effects
@pytest.mark.parametrize(
    ("formula", "absorbed"),
    [
        ("a ~ b + C(id)", ("entity",)),
        ("a ~ b + C(year)", ("time",)),
        ("a ~ b + C(id) + C(year)", ("entity", "time")),
        ("a ~ b | id + year", ("entity", "time")),
        ("a ~ b + C(year) | id", ("time", "entity")),
    ],
)
def test_panel_key_effects_are_absorbed(balanced, formula, absorbed):
    design = design_of(formula, balanced)
    assert design.absorbed == absorbed
    assert list(design.x.columns) == ["Intercept", "b"]


def test_absorb_false_expands_dummies_like_patsy(balanced):
    for formula in ("a ~ b + C(id) + C(year)", "a ~ b | id + year"):
        design = design_of(formula, balanced, absorb=False)
        assert design.absorbed == ()
        expected = patsy.dmatrix("C(id) + C(year) + b", balanced, return_type="dataframe")
        pd.testing.assert_frame_equal(
            design.x.reset_index(drop=True), expected[design.x.columns], check_names=False
        )
        assert design.x.shape[1] == 1 + 7 + 4 + 1


def test_other_categoricals_are_not_absorbed(balanced):
    design = design_of("a ~ b + C(g) + C(id):b", balanced)
    assert design.absorbed == ()
    assert {"C(g)[T.v]", "C(g)[T.w]"} <= set(design.x.columns)


# ---------------------------------------------------------------- systems
def test_system_lags_in_pvar_order(balanced):
    design = design_of("a + b ~ L(1:2)", balanced)
    assert list(design.y.columns) == ["a", "b"]
    assert list(design.x.columns) == ["Intercept", "L1.a", "L1.b", "L2.a", "L2.b"]
    frame = balanced.set_index(["id", "year"])
    for name, col, k in (("L1.a", "a", 1), ("L2.b", "b", 2)):
        expected = lagged(balanced, col, k).loc[design.x.index]
        np.testing.assert_array_equal(design.x[name].to_numpy(), expected.to_numpy())
    assert design.y.loc[design.x.index[0], "b"] == frame.loc[design.x.index[0], "b"]


def test_system_of_expressions_lags_each_expression(balanced):
    design = design_of("log(emp) + D(a) + c ~ L(1) + k - 1", balanced)
    assert list(design.y.columns) == ["log(emp)", "D1.a", "c"]
    assert list(design.x.columns) == ["L1.log(emp)", "L1.D1.a", "L1.c", "k"]
    expected = lagged(balanced, np.log(balanced["emp"]), 1).loc[design.x.index]
    np.testing.assert_allclose(design.x["L1.log(emp)"].to_numpy(), expected.to_numpy())


def test_lhs_sum_is_a_system_and_single_lhs_is_not():
    assert parse_formula("a + b ~ L(1:2)").is_system
    assert not parse_formula("a ~ L(a, 1:2)").is_system


# ---------------------------------------------------------------- transforms and patsy
@pytest.mark.parametrize(
    "rhs",
    [
        "np.log(emp) + log(emp) + I(a**2)",
        "a:b + c",
        "a*b",
        "a*b:c",
        "a/b:c",
        "a:b*c",
        "(a + b):c",
        "a*b - 1",
        "0 + a + b",
        "-1 + a",
        "I((-a)**2) + I((a > 0) * 2) + I(-a**2)",
        "C(g, Treatment('w')) + C(g, Sum):a",
        "center(a) + standardize(b)",
    ],
)
def test_patsy_semantics_are_kept(balanced, rhs):
    """Our parse-check-render round trip gives the matrix patsy gives on the raw text."""
    design = design_of(f"k ~ {rhs}", balanced)
    env = patsy.EvalEnvironment([{"np": np, "log": np.log}])
    expected = patsy.dmatrix(rhs, balanced, eval_env=env, return_type="dataframe")
    assert list(design.x.columns) == list(expected.columns)
    np.testing.assert_allclose(design.x.to_numpy(), expected.to_numpy())


def test_precedence_of_interaction_over_product():
    """patsy binds ':' tighter than '*' and '/' (a*b:c is a*(b:c)); Python's '@' does not."""
    node = parse_formula("y ~ a*b:c").rhs[0].node
    assert to_patsy(node) == "a * b : c"
    tree = ast.parse("a * (b @ c)", mode="eval").body
    assert ast.dump(node) == ast.dump(tree)
    assert to_patsy(parse_formula("y ~ (a*b):c").rhs[0].node) == "(a * b) : c"
    assert to_patsy(parse_formula("y ~ a*b:c:d").rhs[0].node) == "a * b : c : d"
    assert to_patsy(parse_formula("y ~ a:(b:c)").rhs[0].node) == "a : (b : c)"


# ---------------------------------------------------------------- naming
def test_operator_column_names(balanced):
    design = design_of(
        "a ~ L(b, 0:2) + F(k) + D(c) + D(c, 2) + L(k2, -1) + F(emp, -1) + lag(a, 1)", balanced
    )
    assert list(design.x.columns) == [
        "Intercept", "b", "L1.b", "L2.b", "F1.k", "D1.c", "D2.c", "F1.k2", "L1.emp", "L1.a"
    ]


def test_lag_of_expression_and_nested_operators(balanced):
    design = design_of("a ~ L(np.log( emp ), 1) + L(D(b), 1) + I(L(k, 1) ** 2)", balanced)
    assert list(design.x.columns) == ["Intercept", "L1.np.log(emp)", "L1.D1.b", "I(L1.k ** 2)"]
    idx = design.x.index
    log_emp = np.log(balanced["emp"])
    np.testing.assert_allclose(design.x["L1.np.log(emp)"], lagged(balanced, log_emp, 1).loc[idx])
    d1 = balanced["b"] - lagged(balanced, "b", 1).to_numpy()
    np.testing.assert_allclose(design.x["L1.D1.b"], lagged(balanced, d1, 1).loc[idx])
    np.testing.assert_allclose(design.x["I(L1.k ** 2)"], lagged(balanced, "k", 1).loc[idx] ** 2)


def test_names_of_similar_columns_do_not_corrupt_each_other(balanced):
    """A column ``k`` must not rewrite ``Q('k2')``; generated names are shown unquoted."""
    data = balanced.rename(columns={"c": "my var"})
    design = design_of(
        "a ~ L(k, 1) + L(k2, 1) + k + k2 + Q('my var') + L(Q('my var'), 1) + L(k, 1):k2", data
    )
    assert list(design.x.columns) == [
        "Intercept", "L1.k", "L1.k2", "k", "k2", "my var", "L1.my var", "L1.k:k2"
    ]
    np.testing.assert_allclose(design.x["L1.k:k2"], design.x["L1.k"] * design.x["k2"])


def test_same_lag_twice_is_one_column(balanced):
    evaluator = OperatorEvaluator(PanelData(balanced, "id", "year"), "a ~ L(b) + L(b, 1)")
    spec = parse_formula(evaluator.formula)
    assert [evaluator.expand(t.node) for t in spec.rhs] == [["L1.b"], ["L1.b"]]
    assert list(evaluator.generated) == ["L1.b"]


def test_chinese_column_names(balanced):
    data = balanced.rename(columns={"a": "创新", "b": "科技金融"})
    design = design_of("创新 ~ 科技金融 + L(科技金融, 1) + np.log(emp)", data)
    assert list(design.x.columns) == ["Intercept", "科技金融", "L1.科技金融", "np.log(emp)"]
    with pytest.raises(Exception) as err:
        design_of("创新 ~ 科技金融 + L(科技, 1)", data)
    assert underlined(str(err.value)) == "科技"
    assert "Did you mean '科技金融'?" in str(err.value)


# ---------------------------------------------------------------- instruments
def test_instrument_parts_are_parsed():
    spec = parse_formula(
        "n ~ L(n, 1:2) + L(w, 0:1) + k | gmm(n, 2:.) + gmm(w, 2:4, collapse=True, eq='level')"
        " + iv(L(w, 0:1), k) + gmm(k, lags=1:3)"
    )
    first, second, third, fourth = spec.instruments
    assert (first.kind, first.names, first.lags, first.collapse, first.eq) == (
        "gmm", ("n",), (2, None), False, None
    )
    assert (second.names, second.lags, second.collapse, second.eq) == (
        ("w",), (2, 4), True, "level"
    )
    assert (third.kind, third.names, third.lags, third.eq) == (
        "iv", ("L(w, 0:1)", "k"), None, None
    )
    assert isinstance(third.variables[0], ast.Call) and third.variables[0].func.id == "L"
    assert (fourth.lags, fourth.text) == ((1, 3), "gmm(k, lags=1:3)")
    assert all(isinstance(i, InstrumentSpec) for i in spec.instruments)
    assert [t.text for t in spec.rhs] == ["L(n, 1:2)", "L(w, 0:1)", "k"]


def test_gmm_default_lags_and_plm_style_extra_part():
    spec = parse_formula("n ~ L(n) + k | gmm(n) | L(n, 2:99)")
    assert spec.instruments[0].lags == (2, None)
    assert [[t.text for t in part] for part in spec.extra_parts] == [["L(n, 2:99)"]]
    assert spec.names() == {"n", "k"}


def test_gmm_with_lags_only_names_no_variable():
    """A system's ``gmm(2:5)`` instruments all left-hand variables: no variables, lags 2..5."""
    for text in ("gmm(2:5, collapse=True)", "gmm(lags=2:5)"):
        (spec,) = parse_formula(f"a + b ~ L(1) | {text}").instruments
        assert (spec.variables, spec.names, spec.lags) == ((), (), (2, 5))
    with pytest.raises(FormulaError, match="iv\\(\\) names no variable"):
        parse_formula("a ~ L(a) | iv(eq='level')")


# ---------------------------------------------------------------- missing values
def test_missing_value_warning_and_counts():
    """``small_panel``: entity 1 lacks t=3 and has z missing at t=2."""
    panel = PanelData(small_panel(), "id", "t")
    with pytest.warns(MissingValueWarning, match=r"5 of 10 rows dropped .*L1.x: 4, z: 1"):
        design = build_design(parse_formula("y ~ L(x, 1) + z"), panel)
    assert design.dropped.n == 5 and design.dropped.nobs_total == 10
    assert design.dropped.by_variable == {"L1.x": 4, "z": 1}
    assert list(design.dropped.index) == [(1, 1), (1, 2), (1, 4), (2, 1), (3, 2)]
    assert list(design.x.index) == [(1, 5), (2, 2), (2, 3), (3, 3), (3, 4)]
    # lag across the gap is missing, not entity 1's t=2 value; no lag crosses entities
    assert design.frame.loc[2, "L1.x"] != design.frame.loc[2, "L1.x"]  # (1, 4): NaN
    np.testing.assert_array_equal(design.x["L1.x"], [4.0, 10.0, 20.0, 200.0, 300.0])


def test_no_warning_when_nothing_dropped(balanced):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        design = build_design(parse_formula("a ~ b"), PanelData(balanced, "id", "year"))
    assert design.dropped.n == 0 and str(design.dropped) == "no rows dropped"
    assert not build_design(parse_formula("a ~ b"), PanelData(balanced, "id", "year"),
                            warn=False).dropped.by_variable


def test_non_finite_transform_results_are_dropped_and_counted(balanced):
    data = balanced.assign(emp=balanced["emp"].where(balanced.index != 3, 0.0))
    data.loc[5, "emp"] = -1.0
    with pytest.warns(MissingValueWarning) as record, np.errstate(all="ignore"):
        design = build_design(parse_formula("a ~ np.log(emp)"), PanelData(data, "id", "year"))
    assert design.dropped.n == 2
    assert design.dropped.by_variable == {
        "np.log(emp) (non-finite)": 1, "NaN from a transformation": 1
    }
    assert "2 of 40 rows dropped" in str(record[0].message)
    assert np.isfinite(design.x.to_numpy()).all()


def test_extra_columns_must_be_observed():
    design = build_design(
        parse_formula("y ~ x"), PanelData(small_panel(), "id", "t"), extra_columns=("z",),
        warn=False,
    )
    assert design.dropped.by_variable == {"z": 1} and len(design.rows) == 9


# ---------------------------------------------------------------- small helpers
def test_split_flatten_lag_range_and_names():
    assert split_top_level("y ~ I(a | b) | gmm(n, 2:.)", "|") == [
        ("y ~ I(a | b) ", 0), (" gmm(n, 2:.)", 14)
    ]
    assert split_top_level("y ~ Q('a|b') | z", "|") == [("y ~ Q('a|b') ", 0), (" z", 14)]
    spec = parse_formula("y ~ a - b + -c + L(d, 1:3)")
    assert [(t.text, t.sign) for t in spec.rhs] == [
        ("a", 1), ("b", -1), ("c", -1), ("L(d, 1:3)", 1)
    ]
    assert all(isinstance(t, Term) for t in spec.rhs)
    assert flatten_sum(spec.rhs[3].node, spec.text) == (spec.rhs[3],)
    lag = spec.rhs[3].node.args[1]
    assert lag_range(lag, spec.text) == (1, 3)
    assert names_in(parse_formula("y ~ np.log(a) + C(g, Treatment) + L(b, 1)").rhs[0].node) == {"a"}


# ---------------------------------------------------------------- patsy round trip (property)
LEAVES = st.sampled_from(["a", "b", "c", "a", "b", "np.log(emp)", "I(a * b)", "C(g)"])


def _combine(children):
    op = st.sampled_from([" + ", " - ", " * ", ":", " / "])
    pair = st.tuples(children, op, children).map(lambda t: "".join(t))
    grouped = pair.map(lambda s: f"({s})")
    return st.one_of(pair, grouped, grouped, children.map(lambda s: f"({s})**2"))


PATSY_RHS = st.recursive(LEAVES, _combine, max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(PATSY_RHS, st.sampled_from(["", " - 1", " + 0", "1 + "]))
def test_random_patsy_formulas_round_trip(rhs, extra):
    """Parse, check, re-render: the same matrix as patsy on the raw text (or both refuse)."""
    rhs = f"{extra}{rhs}" if extra.endswith(" ") else f"{rhs}{extra}"
    data = _round_trip_data()
    env = patsy.EvalEnvironment([{"np": np}])
    try:
        expected = patsy.dmatrix(rhs, data, eval_env=env, return_type="dataframe")
    except patsy.PatsyError:
        with pytest.raises(FormulaError):
            design_of(f"k ~ {rhs}", data)
        return
    design = design_of(f"k ~ {rhs}", data)
    assert list(design.x.columns) == list(expected.columns)
    np.testing.assert_allclose(design.x.to_numpy(), expected.to_numpy())


def _round_trip_data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 12
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(4), 3),
            "year": np.tile([2001, 2002, 2003], 4),
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.normal(size=n),
            "k": rng.normal(size=n),
            "emp": rng.uniform(1, 2, size=n),
            "g": list("uvw") * 4,
        }
    )


def test_set_difference_is_not_distributed(balanced):
    """patsy's '-' removes terms: a - (b - c) is {a}, a + (b - a) is {a, b}."""
    assert list(design_of("k ~ a - (b - c)", balanced).x.columns) == ["Intercept", "a"]
    assert list(design_of("k ~ a + (b - a)", balanced).x.columns) == ["Intercept", "a", "b"]
    assert list(design_of("k ~ -1 + a", balanced).x.columns) == ["a"]
    with pytest.raises(FormulaError, match="Unary minus"):
        design_of("k ~ -(a + b)", balanced)


def test_operators_inside_comparisons_and_products(balanced):
    design = design_of("k ~ I(L(a, 1) > 0) + I(L(a, 1:2) * 2)", balanced)
    assert list(design.x.columns) == [
        "Intercept", "I(L1.a > 0)[T.True]", "I(L1.a * 2)", "I(L2.a * 2)"
    ]
    lag1 = lagged(balanced, "a", 1).loc[design.x.index]
    np.testing.assert_array_equal(design.x["I(L1.a > 0)[T.True]"], (lag1 > 0).astype(float))
