"""Render checked formula trees back to patsy text, and patsy's column names back to ours.

The formula text handed to patsy is rebuilt from the checked :mod:`ast` tree, never taken
from the user's string, so only whitelisted constructs can reach patsy.
"""

from __future__ import annotations

import ast
import re

from stfi_models.exceptions import FormulaError

__all__ = ["term_text", "to_patsy", "unquote"]

_BINOP_TEXT = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: ":",
    ast.Pow: "**",
    ast.Mod: "%",
    ast.FloorDiv: "//",
}
_COMPARE_TEXT = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="
}


def to_patsy(node: ast.expr) -> str:
    """Render a checked tree back to formula text (``@`` back to ``:``).

    Operands are parenthesised where precedence requires it (``(-x) ** 2``, ``(x > 1) * 2``,
    ``(a + b):c``), so the text means what the tree means; ``:`` ranks above ``*`` and ``/`` as
    in patsy, and elsewhere Python's order applies (inside ``I()``).
    """
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.BinOp):
        rank = _rank(node)
        right_assoc = isinstance(node.op, ast.Pow)
        left = _operand(node.left, rank, strict=right_assoc)
        right = _operand(node.right, rank, strict=not right_assoc)
        return f"{left} {_BINOP_TEXT[type(node.op)]} {right}"
    if isinstance(node, ast.UnaryOp):
        symbol = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not "}[type(node.op)]
        return f"{symbol}{_operand(node.operand, _rank(node), strict=False)}"
    if isinstance(node, ast.Compare):
        rank = _rank(node)
        out = _operand(node.left, rank, strict=True)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            out += f" {_COMPARE_TEXT[type(op)]} {_operand(comp, rank, strict=True)}"
        return out
    if isinstance(node, ast.Call):
        func = to_patsy(node.func) if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        args = [to_patsy(a) for a in node.args]
        args += [f"{kw.arg}={to_patsy(kw.value)}" for kw in node.keywords]
        return f"{func}({', '.join(args)})"
    if isinstance(node, ast.List | ast.Tuple):
        return f"[{', '.join(to_patsy(e) for e in node.elts)}]"
    raise FormulaError(f"Cannot render {ast.dump(node)}")  # unreachable after the safety check


def term_text(node: ast.expr) -> str:
    """One term of a ``+``/``-`` list: a grouped sum (or comparison) keeps its parentheses."""
    return _operand(node, _RANKS[ast.Add], strict=True)


_RANKS = {ast.Add: 3, ast.Sub: 3, ast.Mult: 4, ast.Div: 4, ast.FloorDiv: 4, ast.Mod: 4,
          ast.MatMult: 5, ast.Pow: 7, ast.USub: 6, ast.UAdd: 6, ast.Not: 1}


def _rank(node: ast.expr) -> int:
    """Binding strength: ``not`` < comparisons < ``+`` < ``*`` < ``:`` < unary ``-`` < ``**``."""
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return _RANKS[type(node.op)]
    return 2 if isinstance(node, ast.Compare) else 8


def _operand(node: ast.expr, parent: int, *, strict: bool) -> str:
    """Render an operand, in parentheses if it binds less tightly than its parent operator.

    It is also parenthesised if it binds equally, on the side where the operator does not
    associate.
    """
    text = to_patsy(node)
    rank = _rank(node)
    return f"({text})" if rank < parent or (strict and rank == parent) else text


_Q_CALL = re.compile(r"""Q\((?P<literal>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)""")


def unquote(column: str) -> str:
    """Show ``Q('L1.n')`` inside a patsy column name as ``L1.n``.

    One pass over the name with a pattern for a quoted literal, so a column ``k`` can never
    rewrite part of ``Q('k2')`` and a replacement is never replaced again.
    """
    return _Q_CALL.sub(lambda m: str(ast.literal_eval(m.group("literal"))), column)
