"""Index formulas: structure, signs, and refusal of anything that is not a column name."""

from __future__ import annotations

import pytest

from stfi_models.exceptions import FormulaError, UnsafeFormulaError
from stfi_models.index import Indicator, parse_index_formula


def test_hierarchical_formula_from_the_issue():
    spec = parse_index_formula(
        "STFI ~ invest(gov_st_exp + rd_exp) + market(loans + premiums) + social(edu_exp - energy)"
    )
    assert spec.name == "STFI" and spec.hierarchical
    assert [g.name for g in spec.groups] == ["invest", "market", "social"]
    assert spec.groups[2].indicators == (Indicator("edu_exp", 1), Indicator("energy", -1))
    assert spec.columns == ("gov_st_exp", "rd_exp", "loans", "premiums", "edu_exp", "energy")
    assert spec.group_of("premiums") == "market"


def test_flat_formula_and_signs():
    spec = parse_index_formula("NQP ~ -a + b - c + (d - e)")
    assert not spec.hierarchical and spec.groups[0].name == "NQP"
    assert [(i.name, i.direction) for i in spec.indicators] == [
        ("a", -1), ("b", 1), ("c", -1), ("d", 1), ("e", -1)
    ]


def test_multiline_formula_from_a_study_file():
    spec = parse_index_formula("\nS ~ g(a + b)\n  + h(c)\n")
    assert [g.name for g in spec.groups] == ["g", "h"]


HOSTILE = [
    "S ~ __import__('os').system('echo pwned')",
    "S ~ g(__import__('os').system('echo pwned'))",
    "S ~ g(open('/etc/passwd').read())",
    "S ~ g(a.__class__)",
    "S ~ g(x[0])",
    "S ~ g((lambda: 1)())",
    "S ~ g(eval('1'))",
    "S ~ g(a) + h(exec('import os'))",
    "S ~ g([c for c in a])",
    "__import__('os').system('x') ~ g(a)",
]


@pytest.mark.parametrize("formula", HOSTILE)
def test_formulas_that_try_to_execute_code_are_refused(formula, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FormulaError):
        parse_index_formula(formula)
    assert not list(tmp_path.iterdir())


def test_unsafe_error_class_for_calls_and_attributes():
    with pytest.raises(UnsafeFormulaError, match="not allowed"):
        parse_index_formula("S ~ g(os.system)")


@pytest.mark.parametrize(
    "formula,message",
    [
        ("S ~ g()", "empty"),
        ("S ~ g(  ) + h(a)", "empty"),
        ("S ~ g(a) + b", "outside any sub-index"),
        ("S ~ g(a) + g(b)", "appears twice"),
        ("S ~ g(a) + h(a)", "more than once"),
        ("S ~ -g(a)", "cannot be negated"),
        ("S ~ g(log(a))", "column name"),
        ("S ~ g(a * b)", "column name"),
        ("S ~ g(a) +", "Empty term"),
        ("S ~ ", "no indicator"),
        ("S g(a)", "exactly one '~'"),
        ("S ~ a ~ b", "exactly one '~'"),
        ("a + b ~ c", "single word"),
        ("S ~ lambda(a)", "cannot name a sub-index"),
        ("S ~ S(a)", "share a name"),
        ("S ~ a + S", "both as an indicator"),
        ("S ~ g(g)", "both as an indicator"),
    ],
)
def test_malformed_formulas(formula, message):
    with pytest.raises(FormulaError, match=message):
        parse_index_formula(formula)


def test_error_points_at_the_bad_token():
    with pytest.raises(FormulaError) as info:
        parse_index_formula("S ~ g(a) + h(log(b))")
    caret_line = str(info.value).splitlines()[-1]
    assert caret_line.index("^") == "  S ~ g(a) + h(log(b))".index("log")


def test_non_string_formula():
    with pytest.raises(FormulaError, match="must be a string"):
        parse_index_formula(42)  # type: ignore[arg-type]
