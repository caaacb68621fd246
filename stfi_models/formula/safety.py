"""Parse formula text with :mod:`ast` and refuse anything outside the whitelist.

Formula syntax is not Python: ``a:b`` (interaction, or a lag range inside ``L()``) and the
open range ``2:.`` are first rewritten token by token (``:`` -> ``@``, a lone ``.`` -> ``None``)
so that :func:`ast.parse` can read it.  Python gives ``@`` the precedence of ``*``, while in
patsy ``:`` binds tighter than ``*`` and ``/`` (``a*b:c`` is ``a*(b:c)``), so the parsed tree is
re-associated to patsy's precedence.  The tree is then walked; every node type, name, call
and attribute must be on the whitelist, otherwise :class:`UnsafeFormulaError` quotes the formula
with the offending token underlined.  Nothing is evaluated here.

Besides code execution the whitelist refuses what would be harmful to *evaluate*: math
functions with extra arguments (numpy's ``out=`` writes into a column), powers of constants
and large constant exponents (``10 ** 10 ** 10`` never finishes), and arithmetic on string or
list literals (``'a' * 10**9``).  Formulas too long or deep to read raise :class:`FormulaError`.
"""

from __future__ import annotations

import ast
import io
import tokenize
import unicodedata

from stfi_models.exceptions import FormulaError, UnsafeFormulaError
from stfi_models.formula.registry import MATH_FUNCTIONS, NUMPY_MODULES, callable_names

__all__ = ["parse_expression", "point_at", "point_at_node"]

_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.MatMult, ast.Pow, ast.Mod, ast.FloorDiv)
_ALLOWED_UNARY = (ast.UAdd, ast.USub, ast.Not)
_ALLOWED_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_CONSTANT_TYPES = (int, float, str, bool, type(None))

_NODE_NAMES = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Subscript: "indexing (x[...])",
    ast.Attribute: "attribute access (x.y)",
    ast.IfExp: "a conditional expression",
    ast.Dict: "a dict literal",
    ast.Set: "a set literal",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Starred: "star-unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.BoolOp: "'and'/'or'",
    ast.Slice: "a slice",
}


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def point_at(text: str, start: int, end: int | None = None) -> str:
    """Render ``text`` with a caret line under characters ``start:end``.

    Offsets count characters; the carets are padded by display width, so they stay under
    the token when the formula holds wide characters (Chinese column names).
    """
    end = max(end if end is not None else start + 1, start + 1)
    pad = _width(text[:start])
    marks = max(_width(text[start:end]), 1)
    return f"  {text}\n  {' ' * pad}{'^' * marks}"


def point_at_node(formula: str, node: ast.AST) -> str:
    """:func:`point_at` the source span (``src_start``/``src_end``) of a parsed node."""
    start = getattr(node, "src_start", 0)
    return point_at(formula, start, getattr(node, "src_end", start + 1))


def _rewrite(text: str, formula: str, offset: int) -> tuple[str, list[int]]:
    """Rewrite formula syntax into Python and map each new character to its source column.

    ``:`` becomes ``@`` except directly inside ``[...]`` or ``{...}`` (slices, dict literals:
    left alone so the checker names them); ``lambda`` is refused here, since its ``:``
    would otherwise turn into a syntax error instead of a clear refusal.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise FormulaError(
            f"Cannot read formula (unbalanced brackets or quotes?): {exc}\n  {formula}"
        ) from None
    skip = (tokenize.ENDMARKER, tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)
    out: list[str] = []
    columns: list[int] = []
    cursor = 0
    prev = None
    brackets: list[str] = []
    for tok in tokens:
        if tok.type in skip:
            continue
        if tok.start[0] != 1:
            raise FormulaError(f"A formula must be on one line:\n  {formula}")
        start, end = tok.start[1], tok.end[1]
        if tok.type == tokenize.NAME and tok.string == "lambda":
            raise UnsafeFormulaError(
                "Refused formula: a lambda is not allowed in a formula.\n"
                f"{point_at(formula, offset + start, offset + end)}"
            )
        out.append(text[cursor:start])
        columns.extend(range(cursor, start))
        string = tok.string
        if tok.type == tokenize.OP and string in "([{":
            brackets.append(string)
        elif tok.type == tokenize.OP and string in ")]}" and brackets:
            brackets.pop()
        elif tok.type == tokenize.OP and string == ":" and brackets[-1:] not in (["["], ["{"]):
            string = "@"
        elif tok.type == tokenize.OP and string == "." and prev == "@":
            string = "None"
        out.append(string)
        columns.extend([start] * len(string) if len(string) != end - start else range(start, end))
        cursor = end
        prev = string
    return "".join(out), columns


def parse_expression(text: str, *, formula: str | None = None, offset: int = 0) -> ast.expr:
    """Parse one side or part of a formula and check it against the whitelist.

    Parameters
    ----------
    text : str
        The expression (e.g. the right-hand side ``"x + L(y, 1:2) + C(year)"``).
    formula : str, optional
        The whole formula, quoted in error messages; defaults to ``text``.
    offset : int
        Where ``text`` starts inside ``formula``, so error carets land correctly.

    Returns
    -------
    ast.expr
        The checked tree; ``a:b`` appears as ``ast.BinOp(op=ast.MatMult())`` and ``.`` as
        ``None``.  Source columns relative to ``text`` are stored on each node as
        ``src_start``/``src_end``.

    Raises
    ------
    UnsafeFormulaError
        For any construct outside the whitelist.
    FormulaError
        When the text is not a formula at all.
    """
    formula = text if formula is None else formula
    if not text.strip():
        raise FormulaError(f"Empty part in formula:\n{point_at(formula, offset)}")
    try:
        return _parse_checked(text, formula, offset)
    except RecursionError:
        raise FormulaError(
            "Formula too long or too deeply nested to read; build long sums or nested "
            f"expressions as columns of the data first:\n  {formula[:200]}"
        ) from None


def _parse_checked(text: str, formula: str, offset: int) -> ast.expr:
    python, columns = _rewrite(text, formula, offset)
    columns.append(len(text))  # one past the end, for end offsets
    try:
        tree = ast.parse(f"({python})", mode="eval")  # parentheses: leading blanks are fine
    except SyntaxError as exc:
        col = min(max((exc.offset or 1) - 2, 0), len(columns) - 1)
        pos = columns[col]
        raise FormulaError(
            f"Cannot parse formula near column {offset + pos}: {exc.msg}.\n"
            f"{point_at(formula, offset + pos)}"
        ) from None
    wrapped = f"({python})".encode()

    def to_source(byte_col: int) -> int:
        char_col = len(wrapped[:byte_col].decode("utf-8", errors="ignore")) - 1
        return columns[min(max(char_col, 0), len(columns) - 1)]

    for node in ast.walk(tree.body):
        if hasattr(node, "col_offset"):
            node.src_start = to_source(node.col_offset)  # type: ignore[attr-defined]
            end = node.end_col_offset if node.end_col_offset is not None else node.col_offset + 1
            node.src_end = to_source(end - 1) + 1  # type: ignore[attr-defined]
    _Checker(formula, offset).visit(tree.body)
    return _patsy_precedence(tree.body)


def _patsy_precedence(node: ast.expr) -> ast.expr:
    """Re-associate ``x * y @ z`` (Python) as ``x * (y @ z)`` (patsy's ``x*y:z``).

    Python parses ``a*b@c`` and ``a/b@c`` left to right; patsy binds ``:`` tighter than ``*``
    and ``/``.  A left operand the user put in parentheses keeps its grouping: it starts after
    its parent, because the parenthesis belongs to the parent's span.
    """
    for name, child in ast.iter_fields(node):
        if isinstance(child, ast.expr):
            setattr(node, name, _patsy_precedence(child))
        elif isinstance(child, list):
            setattr(node, name, [_patsy_precedence(c) if isinstance(c, ast.expr) else c
                                 for c in child])
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
        return node
    left = node.left
    grouped = getattr(left, "col_offset", None) != getattr(node, "col_offset", None)
    if not isinstance(left, ast.BinOp) or not isinstance(left.op, ast.Mult | ast.Div) or grouped:
        return node
    inner = ast.BinOp(left=left.right, op=node.op, right=node.right)
    inner.src_start = left.right.src_start  # type: ignore[attr-defined]
    inner.src_end = node.src_end  # type: ignore[attr-defined]
    outer = ast.BinOp(left=left.left, op=left.op, right=inner)
    outer.src_start, outer.src_end = node.src_start, node.src_end  # type: ignore[attr-defined]
    outer.col_offset = node.col_offset
    return outer


_MAX_EXPONENT = 1000


def _reads_data(node: ast.expr) -> bool:
    """Tell whether ``node`` reads a column or calls (so numpy, not Python ints, evaluates it)."""
    return any(isinstance(n, ast.Name | ast.Call) for n in ast.walk(node))


def _small_exponent(node: ast.expr) -> bool:
    """Tell whether ``x ** e`` is safe to evaluate.

    It is when ``e`` reads data, or is built from numbers up to 1000 with unary signs and ``/``
    only (``x ** -0.5``, ``x ** (1/3)``).

    Python evaluates ``10 ** 10 ** 10`` on whole numbers without bound (a formula that
    never finishes), so exponents made of constants are kept small.
    """
    if _reads_data(node):
        return True
    for n in ast.walk(node):
        if isinstance(n, ast.Constant):
            number = isinstance(n.value, int | float) and not isinstance(n.value, bool)
            if not number or abs(n.value) > _MAX_EXPONENT:
                return False
        elif isinstance(n, ast.BinOp) and not isinstance(n.op, ast.Div):
            return False
        elif not isinstance(n, ast.UnaryOp | ast.BinOp | ast.unaryop | ast.operator):
            return False
    return True


#: Largest integer literal a formula may hold (exact in float64).
MAX_INTEGER = 2**53


class _Checker(ast.NodeVisitor):
    """Walk a parsed formula and refuse every node not on the whitelist."""

    def __init__(self, formula: str, offset: int) -> None:
        self.formula = formula
        self.offset = offset
        self.callables = callable_names()

    def refuse(self, node: ast.AST, what: str) -> None:
        start = self.offset + getattr(node, "src_start", 0)
        end = self.offset + getattr(node, "src_end", start + 1)
        raise UnsafeFormulaError(
            f"Refused formula: {what} is not allowed in a formula. Formulas may use column "
            "names, numbers, strings, arithmetic, ':' interactions and calls of "
            f"{', '.join(sorted(self.callables))} (also as np.<name> for math functions).\n"
            f"{point_at(self.formula, start, end)}"
        )

    def generic_visit(self, node: ast.AST) -> None:
        self.refuse(node, _NODE_NAMES.get(type(node), f"'{type(node).__name__}'"))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, _ALLOWED_BINOPS):
            self.refuse(node, f"the operator {type(node.op).__name__}")
        for side in (node.left, node.right):
            text = isinstance(side, ast.Constant) and isinstance(side.value, str)
            if text or isinstance(side, ast.List | ast.Tuple):
                self.refuse(side, "arithmetic on a string or list")
        if isinstance(node.op, ast.Pow) and not (_reads_data(node.left) or _reads_data(node.right)):
            self.refuse(node, "a power of constants (write its value)")
        if isinstance(node.op, ast.Pow) and not _small_exponent(node.right):
            self.refuse(
                node.right, f"a constant exponent beyond +/-{_MAX_EXPONENT} (or built with ** or *)"
            )
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, _ALLOWED_UNARY):
            self.refuse(node, f"the operator {type(node.op).__name__}")
        self.visit(node.operand)

    def visit_Compare(self, node: ast.Compare) -> None:
        for op in node.ops:
            if not isinstance(op, _ALLOWED_COMPARE):
                self.refuse(node, f"the comparison {type(op).__name__}")
        self.visit(node.left)
        for comparator in node.comparators:
            self.visit(comparator)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, _CONSTANT_TYPES):
            self.refuse(node, f"the constant {node.value!r}")
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            start = self.offset + getattr(node, "src_start", 0)
            end = self.offset + getattr(node, "src_end", start + 1)
            digits = len(str(abs(value)))
            raise FormulaError(
                f"The integer {str(value)[:20]}{'...' if digits > 20 else ''} ({digits} digits) "
                f"is beyond 2**53, where whole numbers stop being exact; write it as a float "
                f"({float(value):.3g}) or rescale the variable.\n"
                f"{point_at(self.formula, start, end)}"
            )

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("__") or node.id in {"np", "numpy"}:
            self.refuse(node, f"the name '{node.id}'")

    def visit_List(self, node: ast.List) -> None:
        for elt in node.elts:
            self.visit(elt)

    visit_Tuple = visit_List  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in self.callables:
                self.refuse(func, f"calling '{func.id}'")
        elif isinstance(func, ast.Attribute):
            ok = (
                isinstance(func.value, ast.Name)
                and func.value.id in NUMPY_MODULES
                and func.attr in MATH_FUNCTIONS
            )
            if not ok:
                self.refuse(func, f"calling '{ast.unparse(func)}'")
        else:
            self.refuse(func, "calling the result of an expression")
        name = func.id if isinstance(func, ast.Name) else func.attr
        if name in MATH_FUNCTIONS and (len(node.args) != 1 or node.keywords):
            # numpy ufuncs take out=/where=: writing into a data column must be impossible
            self.refuse(node, f"'{name}' with other than one argument (math is elementwise)")
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg is None:
                self.refuse(kw.value, "'**' keyword unpacking")
            if kw.arg.startswith("__"):
                self.refuse(kw.value, f"the keyword '{kw.arg}'")
            self.visit(kw.value)
