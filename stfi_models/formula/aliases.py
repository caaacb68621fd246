"""Data columns named like formula functions (``I``, ``Q``, ``C``, ``L``, ``log``, ``np``...).

patsy looks names up in the data before its namespace, so a column called ``Q`` hides the
``Q()`` quoting function (and ``I`` hides ``I()``, ``log`` hides ``log()``).  Before patsy
sees a formula, every such column the model reads is renamed to a reserved alias in the frame
patsy evaluates, and the formula's references to it (bare ``I`` or quoted ``Q('I')``) are
rewritten; the matrices' column labels are mapped back, so the user reads ``I(I * 2)``.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from stfi_models.formula.registry import NUMPY_MODULES, callable_names

__all__ = ["ALIAS_PREFIX", "column_aliases", "rewrite", "restore_labels"]

ALIAS_PREFIX = "_stfi_column_"
_SHADOWING = callable_names() | NUMPY_MODULES


def column_aliases(columns: Iterable[object]) -> dict[str, str]:
    """``{column: alias}`` for the columns whose names shadow a formula function."""
    return {c: f"{ALIAS_PREFIX}{i}" for i, c in enumerate(sorted(
        str(c) for c in columns if str(c) in _SHADOWING))}


class _Rewriter(ast.NodeTransformer):
    """Replace data references to aliased columns; leave called function names alone."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.aliases = aliases

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802 - ast visitor protocol
        quoted = (isinstance(node.func, ast.Name) and node.func.id == "Q" and len(node.args) == 1
                  and isinstance(node.args[0], ast.Constant))
        if quoted and node.args[0].value in self.aliases:
            return ast.Name(self.aliases[node.args[0].value], ast.Load())
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        return ast.Call(func=node.func, args=args, keywords=keywords)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:  # noqa: N802 - ast visitor
        return node  # np.log: a module's function, not a column

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast visitor protocol
        return ast.Name(self.aliases.get(node.id, node.id), ast.Load())


def rewrite(node: ast.expr, aliases: Mapping[str, str]) -> ast.expr:
    """Return ``node`` reading each aliased column under its alias (a new tree)."""
    if not aliases:
        return node
    return _Rewriter(aliases).visit(copy.deepcopy(node))


def restore_labels(frame: pd.DataFrame, aliases: Mapping[str, str]) -> pd.DataFrame:
    """Rename patsy's column labels back from aliases to the data's column names."""
    if not aliases:
        return frame
    back = {alias: name for name, alias in aliases.items()}
    pattern = re.compile(rf"{ALIAS_PREFIX}\d+")
    return frame.rename(columns=lambda label: pattern.sub(lambda m: back[m.group(0)],
                                                          str(label)))
