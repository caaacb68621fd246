"""Parse formula text with :mod:`ast` and refuse anything outside the whitelist.

Formula syntax is not Python: ``a:b`` (interaction, or a lag range inside ``L()``) and the
open range ``2:.`` are first rewritten token by token (``:`` -> ``@``, a lone ``.`` -> ``None``)
so that :func:`ast.parse` can read it.  The tree is then walked; every node type, name, call
and attribute must be on the whitelist, otherwise :class:`UnsafeFormulaError` quotes the formula
with the offending token underlined.  Nothing is evaluated here.
"""

from __future__ import annotations

import ast
import io
import tokenize

from stfi_models.exceptions import FormulaError, UnsafeFormulaError
from stfi_models.formula.registry import MATH_FUNCTIONS, NUMPY_MODULES, callable_names

__all__ = ["parse_expression", "point_at"]

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


def point_at(text: str, start: int, end: int | None = None) -> str:
    """Render ``text`` with a caret line under characters ``start:end``."""
    end = max(end if end is not None else start + 1, start + 1)
    return f"  {text}\n  {' ' * start}{'^' * (end - start)}"


def _rewrite(text: str) -> tuple[str, list[int]]:
    """Rewrite formula syntax into Python and map each new character to its source column."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise FormulaError(f"Cannot read formula (unbalanced brackets or quotes?): {exc}\n  {text}")
    out: list[str] = []
    columns: list[int] = []
    cursor = 0
    prev = None
    for tok in tokens:
        if tok.type in (tokenize.ENDMARKER, tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            continue
        if tok.start[0] != 1:
            raise FormulaError(f"A formula must be on one line:\n  {text}")
        start, end = tok.start[1], tok.end[1]
        gap = text[cursor:start]
        out.append(gap)
        columns.extend(range(cursor, start))
        string = tok.string
        if tok.type == tokenize.OP and string == ":":
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
    python, columns = _rewrite(text)
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
    return tree.body


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
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg is None:
                self.refuse(kw.value, "'**' keyword unpacking")
            if kw.arg.startswith("__"):
                self.refuse(kw.value, f"the keyword '{kw.arg}'")
            self.visit(kw.value)
