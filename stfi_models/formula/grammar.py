"""Formula structure: ``lhs ~ rhs | part | part``.

* ``~`` separates the left-hand side from the right; several left-hand variables joined by
  ``+`` form a system (panel VAR).
* Top-level ``|`` splits the right-hand side into parts.  A part made of ``gmm()``/``iv()``
  calls is an instrument specification (:class:`InstrumentSpec`); a part of bare names is a
  list of absorbed effects (fixest's ``| province + year``; ``province:year`` absorbs one
  effect per combination, fixest's ``province^year``); any other part is kept as
  plm-style instruments (``| lag(n, 2:99)``) for the estimators that use them.
* The first right-hand part is a list of signed terms, each a checked :mod:`ast` tree.
* A bracket in the first part, ``y ~ x + [endog ~ z1 + z2] | province``, is fixest's
  instrumental-variables part (:class:`EndogenousSpec`): both of its sides are read by the
  same checked parser, and it is removed from the regressor list before that is parsed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from stfi_models.exceptions import FormulaError, did_you_mean
from stfi_models.formula.registry import INSTRUMENT_FUNCTIONS, PANEL_OPERATORS, REGIME_FUNCTIONS
from stfi_models.formula.safety import parse_expression, point_at, point_at_node
from stfi_models.formula.spec import (
    DIFF_EQUATIONS,
    EndogenousSpec,
    FormulaSpec,
    InstrumentSpec,
    RegimeSpec,
    Term,
)

__all__ = [
    "parse_formula",
    "split_top_level",
    "flatten_sum",
    "lag_range",
    "is_panel_operator",
    "is_regimes",
    "parse_regimes",
]

def _outside_quotes(text: str) -> Iterator[tuple[int, str, int]]:
    """Yield ``(index, char, depth)`` for every character outside quotes.

    ``depth`` counts the brackets open before the character; a closing bracket reports the
    depth it closes to, so a top-level pair reports 0 at both ends.
    """
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
            continue
        if ch in "'\"":
            quote = ch
            continue
        if ch in ")]}":
            depth -= 1
        yield i, ch, depth
        if ch in "([{":
            depth += 1


def split_top_level(text: str, sep: str) -> list[tuple[str, int]]:
    """Split ``text`` on ``sep`` outside brackets and quotes; return (piece, offset) pairs."""
    pieces: list[tuple[str, int]] = []
    start = 0
    for i, ch, depth in _outside_quotes(text):
        if ch == sep and depth == 0:
            pieces.append((text[start:i], start))
            start = i + 1
    pieces.append((text[start:], start))
    return pieces


def flatten_sum(
    node: ast.expr, text: str, offset: int = 0, *, grouped: bool = False
) -> tuple[Term, ...]:
    """Split a tree at top-level ``+`` / ``-`` into signed terms.

    Parameters
    ----------
    node : ast.expr
        A checked tree whose ``src_start``/``src_end`` are columns of ``text`` plus ``offset``.
    text : str
        The source the spans point into (for :attr:`Term.text`).
    offset : int
        Where ``text`` starts in the string the spans count in.
    grouped : bool
        Arithmetic reading (False): signs distribute, ``a - (b - c)`` gives ``+a, -b, +c``
        (index formulas).  Patsy reading (True): ``-`` is set difference, so a parenthesised
        sum on the right of ``+``/``-`` stays one term (``a - (b - c)`` is ``a`` minus the
        term set of ``b - c``), and unary minus splits off only a single operand
        (``-1 + x``); model formulas use this.
    """
    terms: list[Term] = []

    def is_sum(n: ast.expr) -> bool:
        return isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub)

    def walk(n: ast.expr, sign: int, spine: bool) -> None:
        if is_sum(n) and (spine or not grouped):
            walk(n.left, sign, spine)  # type: ignore[attr-defined]
            flip = 1 if isinstance(n.op, ast.Add) else -1  # type: ignore[attr-defined]
            walk(n.right, sign * flip, False)  # type: ignore[attr-defined]
        elif (
            isinstance(n, ast.UnaryOp)
            and isinstance(n.op, ast.USub)
            and not (grouped and (is_sum(n.operand) or isinstance(n.operand, ast.UnaryOp)))
        ):
            walk(n.operand, -sign, spine)
        else:
            src = text[n.src_start - offset : n.src_end - offset]  # type: ignore[attr-defined]
            terms.append(Term(n, src.strip(), sign))

    walk(node, 1, True)
    return tuple(terms)


def lag_range(node: ast.expr, formula: str, *, allow_open: bool = False) -> tuple[int, int | None]:
    """Read a lag argument: ``k``, ``a:b``, ``a:.`` (open, if allowed) or ``-k``."""

    def integer(n: ast.expr) -> int | None:
        if isinstance(n, ast.Constant) and n.value is None and allow_open:
            return None
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            inner = integer(n.operand)
            return None if inner is None else -inner
        if isinstance(n, ast.Constant) and isinstance(n.value, int) and not isinstance(
            n.value, bool
        ):
            return n.value
        raise FormulaError(
            "A lag must be a whole number, a range a:b"
            + (" or an open range a:. (all available lags)" if allow_open else "")
            + f":\n{point_at_node(formula, n)}"
        )

    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        lo, hi = integer(node.left), integer(node.right)
        if lo is None:
            raise FormulaError(f"A lag range needs a start:\n{point_at_node(formula, node)}")
        if hi is not None and hi < lo:
            raise FormulaError(
                f"Lag range {lo}:{hi} runs backwards; write {hi}:{lo}.\n"
                f"{point_at_node(formula, node)}"
            )
        return lo, hi
    k = integer(node)
    if k is None:
        raise FormulaError(
            "'.' is only allowed as the end of a range a:.\n"
            f"{point_at_node(formula, node)}"
        )
    return k, k


def _instrument(call: ast.Call, formula: str) -> InstrumentSpec:
    kind = call.func.id  # type: ignore[attr-defined]
    text = formula[call.src_start : call.src_end]  # type: ignore[attr-defined]
    options = {kw.arg: kw.value for kw in call.keywords}
    allowed = {"gmm": {"collapse", "eq", "lags"}, "iv": {"eq"}}[kind]
    for kw in call.keywords:
        if kw.arg not in allowed:
            start = kw.src_start  # type: ignore[attr-defined]
            raise FormulaError(
                f"{kind}() has no option '{kw.arg}'.{did_you_mean(str(kw.arg), allowed)} "
                f"Options: {', '.join(sorted(allowed))}.\n"
                f"{point_at(formula, start, start + len(str(kw.arg)))}"
            )
    args = list(call.args)
    lags = None
    if kind == "gmm":
        if "lags" in options:
            lags = lag_range(options["lags"], formula, allow_open=True)
        elif args and (
            isinstance(args[-1], ast.Constant | ast.UnaryOp)
            or (isinstance(args[-1], ast.BinOp) and isinstance(args[-1].op, ast.MatMult))
        ):
            lags = lag_range(args.pop(), formula, allow_open=True)
        else:
            lags = (2, None)
    if not args and kind == "iv":
        raise FormulaError(f"iv() names no variable:\n{point_at_node(formula, call)}")
    collapse = _literal(options.get("collapse"), formula, bool, False)
    eq = _literal(options.get("eq"), formula, str, None)
    if eq is not None and eq not in DIFF_EQUATIONS:
        node = options["eq"]
        raise FormulaError(
            f"{kind}(eq={eq!r}): eq must be one of {', '.join(map(repr, DIFF_EQUATIONS))}."
            f"{did_you_mean(str(eq), DIFF_EQUATIONS)}\n"
            f"{point_at_node(formula, node)}"
        )
    names = tuple(formula[a.src_start : a.src_end] for a in args)  # type: ignore[attr-defined]
    return InstrumentSpec(kind, tuple(args), names, lags, collapse, eq, text)


def _literal(node: ast.expr | None, formula: str, typ: type, default: object) -> object:
    if node is None:
        return default
    if isinstance(node, ast.Constant) and isinstance(node.value, typ):
        return node.value
    raise FormulaError(
        f"Expected a {typ.__name__} literal here:\n"
        f"{point_at_node(formula, node)}"
    )


def is_regimes(node: ast.AST) -> bool:
    """``regimes(...)``: a regime-dependent block of a threshold model."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in REGIME_FUNCTIONS)


def parse_regimes(term: Term, formula: str) -> RegimeSpec:
    """Read ``regimes(x1, x2, by=q)`` (nothing is evaluated).

    Raises
    ------
    FormulaError
        No variable, no ``by=``, another keyword, or a subtracted block.
    """
    call = term.node
    where = point_at_node(formula, call)
    if term.sign < 0:
        raise FormulaError(f"regimes() cannot be subtracted:\n{where}")
    for kw in call.keywords:  # type: ignore[attr-defined]
        if kw.arg != "by":
            raise FormulaError(
                f"regimes() has no option '{kw.arg}'.{did_you_mean(str(kw.arg), ['by'])} "
                f"Write regimes(x, by=q): x switches regime on the threshold variable q.\n{where}"
            )
    by = [kw.value for kw in call.keywords]  # type: ignore[attr-defined]
    if not by:
        raise FormulaError(
            "regimes() needs the threshold variable as by=, e.g. regimes(x, by=gdp_pc):\n"
            f"{where}"
        )
    if not call.args:  # type: ignore[attr-defined]
        raise FormulaError(
            f"regimes() names no regime-dependent variable, e.g. regimes(x, by=q):\n{where}"
        )
    return RegimeSpec(tuple(call.args), by[0], term.text)  # type: ignore[attr-defined]


def _check_regimes_top_level(node: ast.expr, formula: str, allowed: bool) -> None:
    """``regimes()`` is a whole term of the first right-hand part, never nested."""
    top = {id(t.node) for t in flatten_sum(node, formula, grouped=True)} if allowed else set()
    for n in ast.walk(node):
        if is_regimes(n) and id(n) not in top:
            raise FormulaError(
                "regimes() must be a term of its own on the right-hand side, before any '|' "
                f"(e.g. y ~ x + regimes(z, by=q) | id):\n{point_at_node(formula, n)}"
            )
        if is_regimes(n):
            for inner in ast.walk(n):
                if inner is not n and is_regimes(inner):
                    raise FormulaError(f"regimes() cannot be nested:\n"
                                       f"{point_at_node(formula, inner)}")


def _classify_part(node: ast.expr, text: str, offset: int, formula: str):
    terms = flatten_sum(node, text, offset, grouped=True)
    calls = [t.node for t in terms if isinstance(t.node, ast.Call)]
    is_instrument = [
        isinstance(c.func, ast.Name) and c.func.id in INSTRUMENT_FUNCTIONS for c in calls
    ]
    if calls and all(is_instrument) and len(calls) == len(terms):
        return "instruments", tuple(_instrument(c, formula) for c in calls)
    if any(is_instrument):
        raise FormulaError(
            "An instrument part must hold only gmm()/iv() blocks joined by '+':\n"
            f"{point_at(formula, offset, offset + len(text))}"
        )
    effects = [_effect_name(t.node) if t.sign == 1 else None for t in terms]
    if all(effects):
        return "effects", tuple(effects)
    return "extra", terms


def _effect_name(node: ast.expr) -> str | None:
    """Name the effect of ``node``: ``a`` (a name) or ``a:b`` (an interaction, fixest ``a^b``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        left, right = _effect_name(node.left), _effect_name(node.right)
        return f"{left}:{right}" if left and right else None
    return None


def _check_no_instrument_calls(node: ast.expr, formula: str) -> None:
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            if n.func.id in INSTRUMENT_FUNCTIONS:
                raise FormulaError(
                    f"{n.func.id}() belongs in an instrument part after '|':\n"
                    f"{point_at_node(formula, n)}"
                )


#: Bounds on the work a formula text can request (longer or larger is refused).
MAX_FORMULA_LENGTH = 10_000
MAX_TERMS = 400


def parse_formula(formula: str) -> FormulaSpec:
    """Parse and check a model formula.

    Parameters
    ----------
    formula : str
        ``"y ~ x + L(y, 1:2) + C(province) | gmm(y, 2:.) + iv(x)"`` and the like.

    Returns
    -------
    FormulaSpec

    Raises
    ------
    UnsafeFormulaError
        If anything outside the whitelist appears (see :mod:`stfi_models.formula.safety`).
    FormulaError
        If the formula is malformed.
    """
    if not isinstance(formula, str):
        raise FormulaError(f"A formula must be a string, got {type(formula).__name__}.")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"The formula has {len(formula)} characters, more than the {MAX_FORMULA_LENGTH} a "
            "formula may have; build long sums as columns of the data first:\n  "
            f"{formula[:200]}..."
        )
    try:
        spec = _parse_formula(formula)
    except RecursionError:
        raise FormulaError(
            "Formula too long or too deeply nested to read; build long sums or nested "
            f"expressions as columns of the data first:\n  {formula[:200]}"
        ) from None
    n_terms = len(spec.lhs) + len(spec.rhs)
    if n_terms > MAX_TERMS:
        raise FormulaError(
            f"The formula has {n_terms} terms, more than the {MAX_TERMS} a formula may have; "
            f"combine regressors into columns of the data first:\n  {formula[:200]}..."
        )
    return spec


def _parse_formula(formula: str) -> FormulaSpec:
    sides = split_top_level(formula, "~")
    if len(sides) != 2:
        what = "no '~'" if len(sides) == 1 else "more than one '~'"
        raise FormulaError(
            f"A model formula needs exactly one '~' between the outcome(s) and the regressors; "
            f"this one has {what}:\n  {formula}"
        )
    (lhs_text, lhs_off), (rhs_text, rhs_off) = sides
    lhs_node = parse_expression(lhs_text, formula=formula, offset=lhs_off)
    _shift(lhs_node, lhs_off)
    _check_no_instrument_calls(lhs_node, formula)
    _check_regimes_top_level(lhs_node, formula, allowed=False)
    lhs = flatten_sum(lhs_node, formula)
    if any(t.sign < 0 for t in lhs):
        raise FormulaError(f"The left-hand side cannot subtract terms:\n  {formula}")
    parts = split_top_level(rhs_text, "|")
    rhs_main, main_off = parts[0]
    rhs_main, endogenous = _split_endogenous(rhs_main, rhs_off + main_off, formula)
    rhs: tuple[Term, ...] = ()
    if rhs_main:
        main_node = parse_expression(rhs_main, formula=formula, offset=rhs_off + main_off)
        _shift(main_node, rhs_off + main_off)
        _check_no_instrument_calls(main_node, formula)
        _check_regimes_top_level(main_node, formula, allowed=True)
        rhs = flatten_sum(main_node, formula, grouped=True)
    instruments: list[InstrumentSpec] = []
    effects: list[str] = []
    extra: list[tuple[Term, ...]] = []
    for text, off in parts[1:]:
        node = parse_expression(text, formula=formula, offset=rhs_off + off)
        _shift(node, rhs_off + off)
        _check_regimes_top_level(node, formula, allowed=False)
        kind, content = _classify_part(node, text, rhs_off + off, formula)
        if kind == "instruments":
            instruments.extend(content)
        elif kind == "effects":
            effects.extend(content)
        else:
            extra.append(content)
    return FormulaSpec(formula, lhs, rhs, tuple(instruments), tuple(effects), tuple(extra),
                       endogenous)


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every top-level ``[...]`` of ``text`` (outside quotes/brackets)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, ch, depth in _outside_quotes(text):
        if ch == "[" and depth == 0:
            start = i
        elif ch == "]" and depth == 0:
            spans.append((start, i + 1))
    return spans


def _split_endogenous(text: str, offset: int, formula: str
                      ) -> tuple[str, EndogenousSpec | None]:
    """Cut ``[endog ~ instruments]`` out of the first right-hand part.

    Returns the part with the bracket (and the ``+`` joining it) blanked out, so that every
    other character keeps its column ("" when the bracket is all there is), and the parsed
    bracket.  Nothing is evaluated: both
    sides go through :func:`parse_expression` like the rest of the formula.
    """
    spans = [(a, b) for a, b in _bracket_spans(text) if "~" in text[a:b]]
    if not spans:
        return text, None
    if len(spans) > 1:
        a, b = spans[1]
        raise FormulaError(
            "A formula takes one instrumental-variables part [endog ~ instruments]; list all "
            f"endogenous regressors in it, e.g. [x1 + x2 ~ z1 + z2 + z3]:\n"
            f"{point_at(formula, offset + a, offset + b)}"
        )
    a, b = spans[0]
    where = point_at(formula, offset + a, offset + b)
    sides = split_top_level(text[a + 1 : b - 1], "~")
    if len(sides) != 2:
        raise FormulaError(f"The part [endog ~ instruments] needs exactly one '~':\n{where}")
    (endog_text, endog_off), (inst_text, inst_off) = sides
    for side, what, example in ((endog_text, "endogenous regressor", "[x ~ z1 + z2]"),
                                (inst_text, "instrument", "[x ~ z1 + z2]")):
        if not side.strip():
            raise FormulaError(
                f"The part {text[a:b].strip()} names no {what}; write it as {example} (the "
                f"endogenous regressors left of '~', the excluded instruments right of it):\n"
                f"{where}"
            )
    trees = []
    for side, off in ((endog_text, a + 1 + endog_off), (inst_text, a + 1 + inst_off)):
        node = parse_expression(side, formula=formula, offset=offset + off)
        _shift(node, offset + off)
        _check_no_instrument_calls(node, formula)
        terms = flatten_sum(node, formula, grouped=True)
        if any(t.sign < 0 for t in terms):
            raise FormulaError(f"The part [endog ~ instruments] cannot subtract terms:\n{where}")
        trees.append(terms)
    before = text[:a].rstrip()
    after = text[b:]
    if before.endswith("+"):
        cut = len(before) - 1
        blanked = text[:cut] + " " * (b - cut) + after
    elif before.endswith("-"):
        raise FormulaError(f"The part [endog ~ instruments] cannot be subtracted:\n{where}")
    elif not before and after.lstrip().startswith("+"):
        plus = b + len(after) - len(after.lstrip())
        blanked = " " * (plus + 1) + text[plus + 1 :]
    elif not before and not after.strip():
        blanked = ""  # only endogenous regressors
    else:
        raise FormulaError(
            f"Join the part [endog ~ instruments] to the regressors with '+':\n{where}"
        )
    return blanked, EndogenousSpec(trees[0], trees[1], text[a:b])


def _shift(tree: ast.AST, offset: int) -> None:
    """Make the ``src_start``/``src_end`` columns of a part relative to the whole formula."""
    for n in ast.walk(tree):
        if hasattr(n, "src_start"):
            n.src_start += offset  # type: ignore[attr-defined]
            n.src_end += offset  # type: ignore[attr-defined]


def is_panel_operator(node: ast.AST) -> bool:
    """``L(...)``, ``F(...)``, ``D(...)`` or one of their aliases."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in PANEL_OPERATORS
    )
