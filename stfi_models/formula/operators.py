"""Evaluate the panel operators ``L``, ``F``, ``D`` of a formula on the full panel.

Each operator call becomes a generated column (``L1.n``, ``F1.x``, ``D1.y``) computed by
:class:`stfi_models.panel.PanelData` within entity along the time grid, and the term is
rewritten to read it through ``Q('L1.n')``.  Lags are computed on every row of the panel, so
they exist before any row is dropped for missing values.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from itertools import product

import numpy as np
import pandas as pd

from stfi_models.exceptions import FormulaError, did_you_mean
from stfi_models.formula.columns import plain_column
from stfi_models.formula.grammar import is_panel_operator, lag_range
from stfi_models.formula.registry import MATH_FUNCTIONS, PANEL_OPERATORS
from stfi_models.formula.render import to_patsy
from stfi_models.formula.safety import point_at_node
from stfi_models.formula.spec import Term
from stfi_models.panel import PanelData

__all__ = ["OperatorEvaluator", "missing_column_error"]


class OperatorEvaluator:
    """Evaluate panel operators (and the arithmetic inside them) on the full panel.

    Generated columns are added to ``frame`` under Stata-style names and remembered, so
    the same lag asked for twice is computed once.

    Parameters
    ----------
    panel : PanelData
    formula : str
        Quoted in error messages.
    system_names : tuple of str or ast.expr
        Left-hand variables (column names or checked expression trees); ``L(1:2)`` without
        a variable means their lags, lag by lag (``L1.a, L1.b, L2.a, L2.b``, the PVAR order).

    Notes
    -----
    Generated columns are named ``L{k}.<x>``, ``F{k}.<x>`` and ``D{k}.<x>`` where ``<x>`` is
    the column name for a plain column (or ``Q('name')``), the generated name for a nested
    operator (``L(D(x), 1)`` gives ``L1.D1.x``, Stata's ``L.D.x``) and otherwise the
    expression in patsy's spacing (``L(np.log(emp), 1)`` gives ``L1.np.log(emp)``).
    Lag 0 of a plain column keeps its name.
    """

    def __init__(
        self, panel: PanelData, formula: str, system_names: tuple[str | ast.expr, ...] = (),
        weights: object = None,
    ) -> None:
        self.panel = panel
        self.weights = weights
        self.formula = formula
        self.system_names = tuple(system_names)
        # shallow: generated columns are added to this frame only, the panel's data are shared
        self.frame = panel.frame.copy(deep=False)
        self.generated: dict[str, str] = {}  # column name -> source text

    def text(self, node: ast.expr) -> str:
        """Return the source text of ``node`` in the formula."""
        return self.formula[node.src_start : node.src_end].strip()  # type: ignore[attr-defined]

    def values(self, node: ast.expr) -> np.ndarray:
        """Evaluate an arithmetic expression of columns to a float array (full panel)."""
        if isinstance(node, ast.Name):
            return self.column(node.id, node)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return np.full(len(self.frame), float(node.value))
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            left, right = self.values(node.left), self.values(node.right)
            ops = {
                ast.Add: np.add,
                ast.Sub: np.subtract,
                ast.Mult: np.multiply,
                ast.Div: np.divide,
                ast.Pow: np.power,
                ast.Mod: np.mod,
                ast.FloorDiv: np.floor_divide,
            }
            with np.errstate(all="ignore"):
                return ops[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.values(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Call):
            if is_panel_operator(node):
                columns = self.expand(node)
                if len(columns) != 1:
                    raise FormulaError(
                        "A lag range cannot be used inside another expression; use one lag:\n"
                        f"{point_at_node(self.formula, node)}"
                    )
                return self.frame[columns[0]].to_numpy(dtype=float)
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id  # type: ignore
            if name == "Q" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
                return self.column(str(node.args[0].value), node)
            if name in MATH_FUNCTIONS and len(node.args) == 1 and not node.keywords:
                with np.errstate(all="ignore"):
                    return MATH_FUNCTIONS[name](self.values(node.args[0]))
        raise FormulaError(
            "Inside L()/F()/D() only columns, numbers, arithmetic and math functions are "
            f"allowed:\n{point_at_node(self.formula, node)}"
        )

    def column(self, name: str, node: ast.AST) -> np.ndarray:
        """Return a numeric column of the panel, with errors that name it."""
        if name not in self.frame.columns:
            raise missing_column_error(name, node, self.frame.columns, self.formula)
        series = self.frame[name]
        if pd.api.types.is_bool_dtype(series):
            return series.to_numpy(dtype=float)
        if not pd.api.types.is_numeric_dtype(series):
            raise FormulaError(
                f"Column '{name}' is not numeric (dtype {series.dtype}); a panel operator needs "
                f"numbers. Convert it with pd.to_numeric(df['{name}']).\n"
                f"{point_at_node(self.formula, node)}"
            )
        return series.to_numpy(dtype=float)

    def expand(self, call: ast.Call) -> list[str]:
        """Evaluate one operator call; return the names of its generated columns."""
        fn = call.func.id  # type: ignore[attr-defined]
        op = PANEL_OPERATORS[fn]
        where = point_at_node(self.formula, call)
        if call.keywords:
            raise FormulaError(
                f"{fn}() takes positional arguments only: {fn}(x, k) or {fn}(x, a:b).\n{where}"
            )
        args = list(call.args)
        if op == "spatial":
            return [self._spatial(call, args, where)]
        if not args or len(args) > 2:
            raise FormulaError(
                f"{fn}() takes a variable and a lag: {fn}(x, 1) or {fn}(x, 1:2).\n{where}"
            )
        if len(args) == 1 and _is_lag_literal(args[0]):
            if not self.system_names:
                raise FormulaError(
                    f"{self.text(call)} names no variable; write {fn}(x, ...).\n{where}"
                )
            targets = [
                n if isinstance(n, ast.expr) else _located(ast.Name(id=n, ctx=ast.Load()), call)
                for n in self.system_names
            ]
            lag_node = args[0]
        else:
            targets = [args[0]]
            lag_node = args[1] if len(args) == 2 else ast.Constant(1)
            if not hasattr(lag_node, "src_start"):
                _located(lag_node, call)
        lo, hi = lag_range(lag_node, self.formula)
        if op == "diff" and lo < 0:
            raise FormulaError(
                f"{fn}() takes a non-negative order (D(x, 1) is x - L(x, 1)), "
                f"got {lo}; for a lead difference write D(F(x, 1), 1).\n"
                f"{point_at_node(self.formula, lag_node)}"
            )
        span, reach = self.panel.longest_span, max(abs(lo), abs(hi))  # type: ignore[arg-type]
        if reach > span:
            what = {"diff": "orders", "lead": "leads"}.get(op, "lags")
            raise FormulaError(
                f"{self.text(call)} asks for {what} up to {reach} periods, but the longest "
                f"entity spans {span} period(s) between its first and last observation of "
                f"'{self.panel.time}': anything beyond {span} is missing on every row. Use a "
                f"range within {span}.\n{point_at_node(self.formula, lag_node)}"
            )
        names = []
        for k in range(lo, hi + 1):  # type: ignore[operator]
            for target in targets:
                names.append(self._generate(op, k, target))
        return names

    def _spatial(self, call: ast.Call, args: list[ast.expr], where: str) -> str:
        """``W(x)``: the spatial lag of ``x`` within each period, named ``W.x``."""
        if len(args) != 1:
            raise FormulaError(f"W() takes one variable: W(x).\n{where}")
        if self.weights is None:
            raise FormulaError(
                "W(x) needs the spatial weights: pass w=SpatialWeights to fit() (e.g. "
                f"w=sm.china_weights()).\n{where}"
            )
        from stfi_models.spatial.lag import panel_spatial_lag  # spatial/ imports results/

        target = args[0]
        inner = self._inner_name(target)
        name = f"W.{inner}"
        if self._known(name):
            return name
        plain = plain_column(target)
        base = self.column(plain, target) if plain is not None else self.values(target)
        frame = self.panel.frame
        self.frame[name] = panel_spatial_lag(base, frame[self.panel.entity],
                                             frame[self.panel.time], self.weights)
        self.generated[name] = f"W({inner})"
        return name

    def _known(self, name: str) -> bool:
        """Tell whether ``name`` was generated already; raise if it clashes with a data column."""
        if name in self.generated:
            return True
        if name in self.frame.columns:
            raise FormulaError(
                f"The generated column '{name}' clashes with an existing column of that name; "
                f"rename the data column '{name}'."
            )
        return False

    def _inner_name(self, target: ast.expr) -> str:
        plain = plain_column(target)
        if plain is not None:
            return plain
        if is_panel_operator(target):
            columns = self.expand(target)  # type: ignore[arg-type]
            if len(columns) == 1:
                return columns[0]
        return to_patsy(target)

    def _generate(self, op: str, k: int, target: ast.expr) -> str:
        if op == "lead":
            op, k = "lag", -k
        plain = plain_column(target)
        if k == 0 and plain is not None:
            self.column(plain, target)  # check it exists and is numeric
            return plain
        inner = self._inner_name(target)
        if k == 0:
            name = inner
        elif op == "lag":
            name = f"L{k}.{inner}" if k > 0 else f"F{-k}.{inner}"
        else:
            name = f"D{k}.{inner}"
        if self._known(name):
            return name
        base = self.column(plain, target) if plain is not None else self.values(target)
        self.frame[name] = self.panel.lag(base, k) if op == "lag" else self.panel.diff(base, k)
        self.generated[name] = inner
        return name

    def expand_term(self, term: Term) -> list[ast.expr]:
        """Replace the outermost operator calls of a term by quoted columns; ranges multiply."""
        calls = [n for n in _outermost(term.node, is_panel_operator)]
        if not calls:
            return [term.node]
        choices = [self.expand(c) for c in calls]
        out = []
        for combo in product(*choices):
            mapping = {id(c): name for c, name in zip(calls, combo, strict=True)}
            out.append(_substitute(term.node, mapping))  # type: ignore[arg-type]
        return out


def _located(node: ast.expr, where: ast.AST) -> ast.expr:
    """Give a synthesised node the source span of ``where`` (for error carets)."""
    node.src_start = where.src_start  # type: ignore[attr-defined]
    node.src_end = where.src_end  # type: ignore[attr-defined]
    return node


def _is_lag_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_lag_literal(node.operand)
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.MatMult)
        and _is_lag_literal(node.left)
        and _is_lag_literal(node.right)
    )


def _outermost(node: ast.AST, predicate: Callable[[ast.AST], bool]) -> list[ast.Call]:
    """Return the nodes satisfying ``predicate`` that are not inside another such node."""
    if predicate(node):
        return [node]  # type: ignore[list-item]
    return [found for child in ast.iter_child_nodes(node) for found in _outermost(child, predicate)]


def _substitute(node: ast.AST, mapping: dict[int, str]) -> ast.AST:
    """Copy ``node`` replacing the nodes whose ``id`` is in ``mapping`` by ``Q("name")``.

    The copy is rebuilt field by field (the original is shared by every lag of a range and
    stays untouched); source spans are carried over for error carets.
    """
    if id(node) in mapping:
        return _quoted(mapping[id(node)])
    fields = {}
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            fields[name] = [_substitute(v, mapping) if isinstance(v, ast.AST) else v for v in value]
        else:
            fields[name] = _substitute(value, mapping) if isinstance(value, ast.AST) else value
    copy = type(node)(**fields)
    for attr in ("src_start", "src_end"):
        if hasattr(node, attr):
            setattr(copy, attr, getattr(node, attr))
    return copy


def _quoted(name: str) -> ast.Call:
    return ast.Call(func=ast.Name(id="Q", ctx=ast.Load()), args=[ast.Constant(name)], keywords=[])


def missing_column_error(
    name: str, node: ast.AST, columns: Iterable[object], formula: str
) -> FormulaError:
    """Build the error for a formula naming ``name``, which is not among ``columns``."""
    return FormulaError(
        f"The formula names '{name}', which is not a column of the data."
        f"{did_you_mean(name, map(str, columns))}\n{point_at_node(formula, node)}"
    )
