"""The data columns a checked formula tree reads (bare names and ``Q('name')``)."""

from __future__ import annotations

import ast

from stfi_models.formula.registry import NUMPY_MODULES

__all__ = ["names_in", "plain_column", "column_references"]


def names_in(tree: ast.AST) -> set[str]:
    """Names of the data columns ``tree`` reads (see :func:`column_references`)."""
    return {name for name, _ in column_references(tree)}


def plain_column(node: ast.expr) -> str | None:
    """Return the column a node names directly (``x`` or ``Q('x')``), else ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Q"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def column_references(node: ast.AST) -> list[tuple[str, ast.AST]]:
    """``(column, node)`` for every data column a tree reads.

    Bare names and ``Q('name')`` count; function names, keyword names and the contrast
    argument of ``C(x, Treatment)`` do not.
    """
    plain = plain_column(node)  # type: ignore[arg-type]
    if plain is not None and not (isinstance(node, ast.Name) and node.id in NUMPY_MODULES):
        return [(plain, node)]
    if isinstance(node, ast.Call):
        is_c = isinstance(node.func, ast.Name) and node.func.id == "C"
        inputs = node.args[:1] if is_c else [*node.args, *(kw.value for kw in node.keywords)]
        return [ref for a in inputs for ref in column_references(a)]
    return [ref for child in ast.iter_child_nodes(node) for ref in column_references(child)]
