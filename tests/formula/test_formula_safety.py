"""Hostile formulas are refused by the ast whitelist before anything is evaluated.

Each case gives a formula and the token the error's caret line must underline.  "Before
evaluation" is shown three ways: a would-be side effect (a sentinel builtin, a file) never
happens, ``patsy.dmatrices`` is never reached, and even patsy's own namespace refuses Python
builtins (defence in depth).
"""

from __future__ import annotations

import builtins

import pandas as pd
import patsy
import pytest
from formula_helpers import small_panel, underlined

from stfi_models.exceptions import FormulaError, UnsafeFormulaError
from stfi_models.formula import build_design, design, parse_formula
from stfi_models.formula.registry import eval_namespace
from stfi_models.formula.safety import parse_expression
from stfi_models.panel import PanelData

HOSTILE = [
    # (formula, underlined token)
    ("y ~ x.__class__", "x.__class__"),
    ("y ~ x.__class__.__bases__[0].__subclasses__()", "x.__class__.__bases__[0].__subclasses__"),
    ("y ~ __import__('os')", "__import__"),
    ("y ~ __import__('os').system('echo hacked')", "__import__('os').system"),
    ("y ~ eval('1 + 1')", "eval"),
    ("y ~ exec('import os')", "exec"),
    ("y ~ open('/etc/passwd')", "open"),
    ("y ~ getattr(x, 'real')", "getattr"),
    ("y ~ I((lambda: 1)())", "lambda"),
    ("y ~ I([v for v in x])", "[v for v in x]"),
    ("y ~ I({v: 1 for v in x})", "{v: 1 for v in x}"),
    ("y ~ I(sum(v for v in x))", "sum"),
    ("y ~ x[0]", "x[0]"),
    ("y ~ np.os.system('ls')", "np.os.system"),
    ("y ~ np.load('weights.npy')", "np.load"),
    ("y ~ numpy.ctypeslib.load_library('x', '.')", "numpy.ctypeslib.load_library"),
    ("y ~ pd.read_csv('secret.csv')", "pd.read_csv"),
    ("y ~ I(f'{x}')", "f'{x}'"),
    ("y ~ I((z := x))", "z := x"),
    ("y ~ C(x, **opts)", "opts"),
    ("y ~ C(*x)", "*x"),
    ("y ~ globals()", "globals"),
    ("y ~ C(x, __import__('os'))", "__import__"),
    ("y ~ I(x if x > 0 else 0)", "x if x > 0 else 0"),
    ("y ~ I(x and z)", "x and z"),
    ("y ~ __builtins__", "__builtins__"),
    ("y ~ np.log.__globals__", "np.log.__globals__"),
    ("y ~ np.log(x).__class__", "np.log(x).__class__"),
    ("y ~ breakpoint()", "breakpoint"),
    ("y ~ I(b'bytes')", "b'bytes'"),
    ("y ~ I({1: x})", "{1: x}"),
    ("y ~ x | gmm(__import__('os'), 2:.)", "__import__"),
    ("y ~ x | iv(open('f'), k)", "open"),
    ("y ~ x | gmm(n, 2:4, collapse=exec('1'))", "exec"),
    ("y ~ x | id + x.__class__", "x.__class__"),
    ("__import__('os').system('ls') ~ x", "__import__('os').system"),
    ("y.__class__ + z ~ x", "y.__class__"),
    ("y ~ L(x.__class__, 1)", "x.__class__"),
    ("y ~ C(x, Treatment(reference=x.__class__))", "x.__class__"),
    ("收入 ~ 投资 + vars()", "vars"),
    ("y ~ np.log(x, out=x)", "np.log(x, out=x)"),
    ("y ~ sqrt(x, where=x > 0)", "sqrt(x, where=x > 0)"),
    # denial of service: Python would evaluate these without bound
    ("y ~ I(10 ** 10 ** 10)", "10 ** 10 ** 10"),
    ("y ~ I(x ** (10 ** 10))", "10 ** 10"),
    ("y ~ I(x ** 1e9)", "1e9"),
    ("y ~ I('a' * 1000000000)", "'a'"),
    ("y ~ I(x * [0])", "[0]"),
]


@pytest.mark.parametrize(("formula", "token"), HOSTILE, ids=[f for f, _ in HOSTILE])
def test_hostile_formula_is_refused_and_the_token_marked(formula, token):
    with pytest.raises(UnsafeFormulaError) as err:
        parse_formula(formula)
    message = str(err.value)
    assert message.startswith("Refused formula: ")
    assert f"  {formula}\n" in message  # the formula is quoted verbatim
    assert underlined(message) == token


def test_at_least_twenty_hostile_cases():
    assert len(HOSTILE) >= 20


def test_quoted_name_that_is_no_column_is_refused_before_patsy(monkeypatch):
    """``Q('open')`` would make patsy look a builtin up; it must be refused as 'no column'."""
    monkeypatch.setattr(design.patsy, "dmatrices", _patsy_must_not_run)
    spec = parse_formula("y ~ Q('open')")
    with pytest.raises(FormulaError, match="'open', which is not a column") as err:
        build_design(spec, PanelData(small_panel(), "id", "t"))
    assert underlined(str(err.value)) == "Q('open')"


def _patsy_must_not_run(*args, **kwargs):
    raise RuntimeError("patsy was called")


@pytest.mark.parametrize(("formula", "token"), HOSTILE[:12], ids=[f for f, _ in HOSTILE[:12]])
def test_patsy_never_runs_for_hostile_formulas(formula, token, monkeypatch):
    monkeypatch.setattr(design.patsy, "dmatrices", _patsy_must_not_run)
    panel = PanelData(small_panel(), "id", "t")
    with pytest.raises(UnsafeFormulaError):
        build_design(parse_formula(formula), panel)


def test_the_patsy_guard_is_live(monkeypatch):
    """The monkeypatch above is effective: a harmless expression does reach patsy.

    (Plain columns, ``y ~ x``, never do: :mod:`stfi_models.formula.plain` builds them.)
    """
    monkeypatch.setattr(design.patsy, "dmatrices", _patsy_must_not_run)
    with pytest.raises(RuntimeError, match="patsy was called"):
        build_design(parse_formula("y ~ I(2 * x)"), PanelData(small_panel(), "id", "t"))


def test_side_effects_never_happen(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(builtins, "stfi_sentinel", lambda *a: calls.append(a), raising=False)
    target = tmp_path / "pwned.txt"
    formulas = [
        "y ~ I(stfi_sentinel(x))",
        "y ~ x + stfi_sentinel()",
        "stfi_sentinel() ~ x",
        f"y ~ I(open({str(target)!r}, 'w').write('x'))",
        f"y ~ x | gmm(open({str(target)!r}, 'w'), 2:.)",
    ]
    for formula in formulas:
        with pytest.raises(UnsafeFormulaError):
            parse_formula(formula)
    assert calls == [] and not target.exists()
    builtins.stfi_sentinel(1)  # the sentinel works when called for real
    assert calls == [(1,)]


def test_patsy_namespace_refuses_builtins_too(tmp_path):
    """Second line of defence: patsy evaluating with our namespace cannot reach builtins."""
    target = tmp_path / "pwned.txt"
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 4.0]})
    env = patsy.EvalEnvironment([eval_namespace()])
    for code in (f"y ~ I(open({str(target)!r}, 'w'))", "y ~ I(__import__('os').getcwd())"):
        with pytest.raises(patsy.PatsyError, match="not available in a formula"):
            patsy.dmatrices(code, data, eval_env=env)
    assert not target.exists()
    # columns shadow the stubs: a column called 'id' is still data
    named = data.assign(id=[1.0, 2.0, 3.0])
    _, x = patsy.dmatrices("y ~ id", named, eval_env=env, return_type="dataframe")
    assert list(x["id"]) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ np.log(x) + log1p(x) + sqrt(x) + exp(x) + abs(x)",
        "y ~ I(x ** 2) + I((x > 1) * 2) + center(x) + standardize(x) + scale(x)",
        "y ~ C(g, Treatment('b')) + C(g, Sum) + Q('x') + x:z + x*z - 1",
        "y ~ L(x, 1:2) + F(x) + D(x, 2) + l(x) + lag(x, 0:1) + f(x) + d(x)",
        "y + x ~ L(1:2) | gmm(y, 2:., collapse=True, eq='level') + iv(x)",
        "y ~ x | id + t",
    ],
)
def test_allowed_formulas_pass_the_whitelist(formula):
    parse_formula(formula)


def test_parse_expression_offsets_survive_wide_characters():
    formula = "收入 ~ 投资 + 研发.__class__"
    with pytest.raises(UnsafeFormulaError) as err:
        parse_expression(formula[5:], formula=formula, offset=5)
    assert underlined(str(err.value)) == "研发.__class__"


def test_too_long_formula_is_a_formula_error():
    formula = "y ~ " + " + ".join(["x"] * 1500)
    with pytest.raises(FormulaError, match="too long or too deeply nested"):
        parse_formula(formula)
    assert len(parse_formula("y ~ " + " + ".join(["x"] * 300)).rhs) == 300


def test_roots_and_data_exponents_stay_allowed():
    spec = parse_formula("y ~ I(x ** 0.5) + I(x ** (1/3)) + I(x ** -2) + I(2 ** x) + I(x ** z)")
    assert len(spec.rhs) == 5
