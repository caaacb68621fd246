"""From a parsed formula and a panel to design matrices.

Steps, in order (so lags are built on the full panel before any sample is cut):

1. every name the formula uses must be a column (error with "did you mean" otherwise);
2. panel operators ``L/F/D`` are evaluated within entity on the full panel and stored as
   columns named the Stata way (``L1.n``, ``F1.x``, ``D1.y``; lag 0 keeps the plain name);
   ranges expand a term into one term per lag;
3. ``C(entity)`` / ``C(time)`` terms and ``| entity + time`` parts are set aside as absorbed
   effects when ``absorb=True`` (the within transformation), or left to patsy as dummies;
4. patsy builds the matrices in a namespace that holds only whitelisted functions;
5. rows with a missing value anywhere are dropped, counted per variable, and warned about.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
import patsy

from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    MissingValueWarning,
    did_you_mean,
)
from stfi_models.formula.grammar import FormulaSpec, Term, is_panel_operator, lag_range, names_in
from stfi_models.formula.registry import MATH_FUNCTIONS, PANEL_OPERATORS, eval_namespace
from stfi_models.formula.safety import point_at
from stfi_models.panel import PanelData

__all__ = ["Design", "Dropped", "build_design", "OperatorEvaluator", "to_patsy"]

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
_COMPARE_TEXT = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@dataclass(frozen=True, slots=True)
class Dropped:
    """Rows lost between the data and the estimation sample.

    Attributes
    ----------
    n : int
        Number of rows dropped.
    nobs_total : int
        Rows in the panel before dropping.
    by_variable : dict
        For each variable with missing values among the dropped rows, how many.
    index : pandas.MultiIndex
        (entity, time) of the dropped rows.
    reason : str
        Why they were dropped.
    """

    n: int
    nobs_total: int
    by_variable: dict[str, int] = field(default_factory=dict)
    index: pd.MultiIndex | None = None
    reason: str = "missing values"

    def __str__(self) -> str:
        if not self.n:
            return "no rows dropped"
        detail = ", ".join(f"{k}: {v}" for k, v in self.by_variable.items())
        return f"{self.n} of {self.nobs_total} rows dropped for {self.reason} ({detail})"


@dataclass(frozen=True, slots=True)
class Design:
    """Design matrices of one formula on one panel.

    Attributes
    ----------
    y : pandas.DataFrame
        Left-hand variable(s) on the estimation sample, indexed by (entity, time).
    x : pandas.DataFrame
        Regressors (with ``Intercept`` when the formula keeps one).
    absorbed : tuple of str
        ``"entity"`` and/or ``"time"``: effects swept out instead of expanded.
    rows : numpy.ndarray
        Positions of the estimation-sample rows in ``panel.frame``.
    dropped : Dropped
        What was dropped and why.
    panel : PanelData
        The full panel.
    frame : pandas.DataFrame
        The panel's columns plus every generated operator column (full panel rows).
    spec : FormulaSpec
        The parsed formula.
    """

    y: pd.DataFrame
    x: pd.DataFrame
    absorbed: tuple[str, ...]
    rows: np.ndarray
    dropped: Dropped
    panel: PanelData
    frame: pd.DataFrame
    spec: FormulaSpec

    @property
    def has_intercept(self) -> bool:
        """The formula keeps an intercept column."""
        return "Intercept" in self.x.columns


def to_patsy(node: ast.expr) -> str:
    """Render a checked tree back to formula text (``@`` back to ``:``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.BinOp):
        left, right = (
            f"({to_patsy(side)})" if isinstance(side, ast.BinOp) else to_patsy(side)
            for side in (node.left, node.right)
        )
        return f"{left} {_BINOP_TEXT[type(node.op)]} {right}"
    if isinstance(node, ast.UnaryOp):
        symbol = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not "}[type(node.op)]
        return f"{symbol}{to_patsy(node.operand)}"
    if isinstance(node, ast.Compare):
        out = to_patsy(node.left)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            out += f" {_COMPARE_TEXT[type(op)]} {to_patsy(comp)}"
        return out
    if isinstance(node, ast.Call):
        func = to_patsy(node.func) if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        args = [to_patsy(a) for a in node.args]
        args += [f"{kw.arg}={to_patsy(kw.value)}" for kw in node.keywords]
        return f"{func}({', '.join(args)})"
    if isinstance(node, ast.List | ast.Tuple):
        return f"[{', '.join(to_patsy(e) for e in node.elts)}]"
    raise FormulaError(f"Cannot render {ast.dump(node)}")  # unreachable after the safety check


def _quoted(name: str) -> ast.Call:
    call = ast.Call(func=ast.Name(id="Q", ctx=ast.Load()), args=[ast.Constant(name)], keywords=[])
    return call


class OperatorEvaluator:
    """Evaluate panel operators (and the arithmetic inside them) on the full panel.

    Generated columns are added to ``frame`` under Stata-style names and remembered, so
    the same lag asked for twice is computed once.

    Parameters
    ----------
    panel : PanelData
    formula : str
        Quoted in error messages.
    system_names : tuple of str
        Left-hand variables; ``L(1:2)`` without a variable means their lags (panel VAR).
    """

    def __init__(self, panel: PanelData, formula: str, system_names: tuple[str, ...] = ()) -> None:
        self.panel = panel
        self.formula = formula
        self.system_names = system_names
        self.frame = panel.frame.copy()
        self.generated: dict[str, str] = {}  # column name -> source text

    def text(self, node: ast.expr) -> str:
        """The source text of ``node`` in the formula."""
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
                        f"{point_at(self.formula, node.src_start, node.src_end)}"  # type: ignore[attr-defined]
                    )
                return self.frame[columns[0]].to_numpy(dtype=float)
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id  # type: ignore[union-attr]
            if name == "Q" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
                return self.column(str(node.args[0].value), node)
            if name in MATH_FUNCTIONS and len(node.args) == 1 and not node.keywords:
                with np.errstate(all="ignore"):
                    return MATH_FUNCTIONS[name](self.values(node.args[0]))
        raise FormulaError(
            "Inside L()/F()/D() only columns, numbers, arithmetic and math functions are "
            f"allowed:\n{point_at(self.formula, node.src_start, node.src_end)}"  # type: ignore[attr-defined]
        )

    def column(self, name: str, node: ast.AST) -> np.ndarray:
        """A numeric column of the panel, with errors that name it."""
        if name not in self.frame.columns:
            raise _missing_column(name, node, self.frame.columns, self.formula)
        series = self.frame[name]
        if pd.api.types.is_bool_dtype(series):
            return series.to_numpy(dtype=float)
        if not pd.api.types.is_numeric_dtype(series):
            raise FormulaError(
                f"Column '{name}' is not numeric (dtype {series.dtype}); a panel operator needs "
                f"numbers. Convert it with pd.to_numeric(df['{name}']).\n"
                f"{point_at(self.formula, node.src_start, node.src_end)}"  # type: ignore[attr-defined]
            )
        return series.to_numpy(dtype=float)

    def expand(self, call: ast.Call) -> list[str]:
        """Evaluate one operator call; return the names of its generated columns."""
        op = PANEL_OPERATORS[call.func.id]  # type: ignore[attr-defined]
        if call.keywords:
            raise FormulaError(
                f"{call.func.id}() takes positional arguments only: {call.func.id}(x, k) or "  # type: ignore[attr-defined]
                f"{call.func.id}(x, a:b).\n{point_at(self.formula, call.src_start, call.src_end)}"  # type: ignore[attr-defined]
            )
        args = list(call.args)
        if not args or len(args) > 2:
            raise FormulaError(
                f"{call.func.id}() takes a variable and a lag: {call.func.id}(x, 1) or "  # type: ignore[attr-defined]
                f"{call.func.id}(x, 1:2).\n{point_at(self.formula, call.src_start, call.src_end)}"  # type: ignore[attr-defined]
            )
        if len(args) == 1 and _is_lag_literal(args[0]):
            if not self.system_names:
                raise FormulaError(
                    f"{self.text(call)} names no variable; write {call.func.id}(x, ...).\n"  # type: ignore[attr-defined]
                    f"{point_at(self.formula, call.src_start, call.src_end)}"  # type: ignore[attr-defined]
                )
            targets = [ast.Name(id=n, ctx=ast.Load()) for n in self.system_names]
            lag_node = args[0]
        else:
            targets = [args[0]]
            lag_node = args[1] if len(args) == 2 else ast.Constant(1)
            if not hasattr(lag_node, "src_start"):
                lag_node.src_start, lag_node.src_end = call.src_start, call.src_end  # type: ignore[attr-defined]
        lo, hi = lag_range(lag_node, self.formula)
        names = []
        for k in range(lo, hi + 1):  # type: ignore[operator]
            for target in targets:
                inner = target.id if isinstance(target, ast.Name) else self.text(target)
                names.append(self._generate(op, k, target, inner))
        return names

    def _generate(self, op: str, k: int, target: ast.expr, inner: str) -> str:
        if op == "lead":
            op, k = "lag", -k
        if k == 0:
            name = inner
        elif op == "lag":
            name = f"L{k}.{inner}" if k > 0 else f"F{-k}.{inner}"
        else:
            if k < 0:
                raise FormulaError(f"D() needs a non-negative order, got {k}:\n  {self.formula}")
            name = f"D{k}.{inner}"
        if name in self.frame.columns and (name not in self.generated and name != inner):
            raise FormulaError(
                f"The generated column '{name}' clashes with an existing column of that name; "
                "rename the data column."
            )
        if name == inner and isinstance(target, ast.Name):
            self.column(inner, target)  # check it exists and is numeric
            return name
        if name not in self.frame.columns:
            base = self.values(target) if not isinstance(target, ast.Name) else self.column(
                target.id, target
            )
            if op == "lag":
                values = self.panel.lag(base, k)
            else:
                values = self.panel.diff(base, k)
            self.frame[name] = values
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
            out.append(_substitute(term.node, mapping))
        return out


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


def _outermost(node: ast.AST, predicate) -> list[ast.Call]:
    if predicate(node):
        return [node]  # type: ignore[list-item]
    found: list[ast.Call] = []
    for child in ast.iter_child_nodes(node):
        found.extend(_outermost(child, predicate))
    return found


def _substitute(node: ast.expr, mapping: dict[int, str]) -> ast.expr:
    """Copy ``node`` replacing the calls whose id is in ``mapping`` by ``Q("name")``."""
    if id(node) in mapping:
        return _quoted(mapping[id(node)])
    if isinstance(node, ast.BinOp):
        return ast.BinOp(
            left=_substitute(node.left, mapping), op=node.op, right=_substitute(node.right, mapping)
        )
    if isinstance(node, ast.UnaryOp):
        return ast.UnaryOp(op=node.op, operand=_substitute(node.operand, mapping))
    if isinstance(node, ast.Call):
        return ast.Call(
            func=node.func,
            args=[_substitute(a, mapping) for a in node.args],
            keywords=node.keywords,
        )
    return node


def _missing_column(name: str, node: ast.AST, columns, formula: str) -> FormulaError:
    start = getattr(node, "src_start", 0)
    end = getattr(node, "src_end", start + 1)
    return FormulaError(
        f"The formula names '{name}', which is not a column of the data."
        f"{did_you_mean(name, map(str, columns))}\n{point_at(formula, start, end)}"
    )


def _absorbed_key(term: Term, panel: PanelData) -> str | None:
    node = term.node
    if (
        term.sign == 1
        and isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "C"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Name)
    ):
        key = node.args[0].id
        if key == panel.entity:
            return "entity"
        if key == panel.time:
            return "time"
    return None


def _check_columns(spec: FormulaSpec, frame: pd.DataFrame) -> None:
    trees = [t.node for t in (*spec.lhs, *spec.rhs)]
    for tree in trees:
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and n.id in names_in(tree) and n.id not in frame.columns:
                raise _missing_column(n.id, n, frame.columns, spec.text)
            if (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id == "Q"
                and n.args
                and isinstance(n.args[0], ast.Constant)
                and n.args[0].value not in frame.columns
            ):
                raise _missing_column(str(n.args[0].value), n, frame.columns, spec.text)


def _check_numeric(nodes: list[ast.expr], frame: pd.DataFrame, formula: str) -> None:
    """Bare non-numeric columns outside C() would be silently dummy-coded by patsy: refuse."""

    def visit(node: ast.AST, inside_c: bool) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            inside_c = inside_c or node.func.id == "C"
        if isinstance(node, ast.Name) and not inside_c and node.id in frame.columns:
            series = frame[node.id]
            if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
                raise FormulaError(
                    f"Column '{node.id}' is not numeric (dtype {series.dtype}). Wrap it as "
                    f"C({node.id}) to use it as a categorical, or convert it with "
                    f"pd.to_numeric(df['{node.id}']).\n"
                    f"{point_at(formula, node.src_start, node.src_end)}"  # type: ignore[attr-defined]
                )
        for child in ast.iter_child_nodes(node):
            if not (isinstance(node, ast.Call) and child is node.func):
                visit(child, inside_c)

    for node in nodes:
        visit(node, False)


def build_design(
    spec: FormulaSpec,
    panel: PanelData,
    *,
    absorb: bool = True,
    warn: bool = True,
    extra_columns: tuple[str, ...] = (),
) -> Design:
    """Build the design matrices of ``spec`` on ``panel``.

    Parameters
    ----------
    spec : FormulaSpec
    panel : PanelData
    absorb : bool
        Set ``C(entity)``/``C(time)`` aside as absorbed effects (True) or expand them as
        dummies (False, LSDV).
    warn : bool
        Emit :class:`MissingValueWarning` when rows are dropped.
    extra_columns : tuple of str
        Further columns that must be non-missing on the sample (e.g. a cluster variable).

    Returns
    -------
    Design
    """
    frame = panel.frame
    _check_columns(spec, frame)
    for name in extra_columns:
        if name not in frame.columns:
            raise _missing_column(name, ast.Constant(name), frame.columns, spec.text)
    lhs_names = tuple(t.node.id for t in spec.lhs if isinstance(t.node, ast.Name))
    evaluator = OperatorEvaluator(panel, spec.text, lhs_names if spec.is_system else ())

    absorbed: list[str] = []
    rhs_nodes: list[tuple[int, ast.expr]] = []
    for term in spec.rhs:
        key = _absorbed_key(term, panel) if absorb else None
        if key:
            absorbed.append(key)
            continue
        rhs_nodes.extend((term.sign, node) for node in evaluator.expand_term(term))
    for name in spec.effects:
        key = {panel.entity: "entity", panel.time: "time"}.get(name)
        if key is None:
            raise FormulaError(
                f"'| {name}' asks to absorb '{name}', but only the panel keys "
                f"({panel.entity}, {panel.time}) can be absorbed. Add C({name}) as a regressor "
                "instead."
            )
        if absorb:
            absorbed.append(key)
        else:
            rhs_nodes.append((1, ast.Call(func=ast.Name("C"), args=[ast.Name(name)], keywords=[])))
    lhs_nodes = [node for term in spec.lhs for node in evaluator.expand_term(term)]
    _check_numeric([n for _, n in rhs_nodes] + lhs_nodes, evaluator.frame, spec.text)

    work = evaluator.frame
    used = set(evaluator.generated) | {
        n for node in lhs_nodes + [n for _, n in rhs_nodes] for n in names_in(node)
    }
    used = {u for u in used if u in work.columns}
    for name in sorted(used):
        if work[name].isna().all():
            raise EstimationError(
                f"Column '{name}' is entirely missing on the panel"
                + (" (a lag/lead longer than every entity's time span?)" if name in evaluator.generated else "")
                + "; drop it from the formula."
            )
    if absorbed and len(set(absorbed)) != len(absorbed):
        raise FormulaError(f"An effect is absorbed twice in:\n  {spec.text}")

    rhs_text = " ".join(
        f"{'+' if sign > 0 else '-'} {to_patsy(node)}" for sign, node in rhs_nodes
    ).lstrip("+ ") or "1"
    if rhs_text.startswith("- "):
        rhs_text = "0 " + rhs_text
    lhs_text = " + ".join(to_patsy(n) for n in lhs_nodes)
    env = patsy.EvalEnvironment([eval_namespace()])
    try:
        y, x = patsy.dmatrices(
            f"{lhs_text} ~ {rhs_text}", work, eval_env=env, NA_action="drop",
            return_type="dataframe",
        )
    except patsy.PatsyError as exc:
        raise FormulaError(f"Cannot build the model matrices: {exc}\n  {spec.text}") from None

    rows = y.index.to_numpy()
    if extra_columns:
        keep = work.loc[rows, list(extra_columns)].notna().all(axis=1).to_numpy()
        rows = rows[keep]
        y, x = y.iloc[keep], x.iloc[keep]
    renames = {f"Q({name!r})": name for name in evaluator.generated}
    renames.update({f"Q({name!r})": name for name in work.columns})
    y = y.rename(columns=lambda c: _rename(c, renames))
    x = x.rename(columns=lambda c: _rename(c, renames))
    index = panel.index[rows]
    y.index = index
    x.index = index

    lost = np.setdiff1d(np.arange(len(work)), rows)
    by_var = {}
    if lost.size:
        for name in sorted(used | set(extra_columns), key=str):
            miss = int(work.loc[lost, name].isna().sum())
            if miss:
                by_var[name] = miss
    dropped = Dropped(int(lost.size), len(work), by_var, panel.index[lost])
    if rows.size == 0:
        raise EstimationError(
            f"No rows left after dropping missing values: {dropped}. Lags need earlier "
            "periods and every variable must be observed on a common row."
        )
    if lost.size and warn:
        warnings.warn(
            f"{dropped}. The count is on result.dropped.", MissingValueWarning, stacklevel=3
        )
    return Design(y, x, tuple(absorbed), rows, dropped, panel, work, spec)


def _rename(column: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        if old in column:
            column = column.replace(old, new)
    return column
