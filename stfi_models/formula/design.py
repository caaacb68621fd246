"""From a parsed formula and a panel to design matrices.

Steps, in order (so lags are built on the full panel before any sample is cut):

1. every name the formula uses must be a column (error with "did you mean" otherwise);
2. panel operators ``L/F/D`` are evaluated within entity on the full panel and stored as
   columns named the Stata way (``L1.n``, ``F1.x``, ``D1.y``; lag 0 keeps the plain name);
   ranges expand a term into one term per lag;
3. ``C(entity)`` / ``C(time)`` terms and ``| entity + time`` parts are set aside as absorbed
   effects when ``absorb=True`` (the within transformation), or left to patsy as dummies;
4. patsy builds the matrices in a namespace that holds only whitelisted functions (formulas
   of plain numeric columns only are built directly, :mod:`~stfi_models.formula.plain`);
5. rows with a missing value anywhere are dropped, counted per variable, and warned about.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy

from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    MissingValueWarning,
    did_you_mean,
)
from stfi_models.formula.aliases import column_aliases, restore_labels, rewrite
from stfi_models.formula.columns import column_references, plain_column
from stfi_models.formula.grammar import is_regimes
from stfi_models.formula.operators import OperatorEvaluator, missing_column_error
from stfi_models.formula.plain import plain_matrices
from stfi_models.formula.registry import eval_namespace
from stfi_models.formula.render import term_text, to_patsy, unquote
from stfi_models.formula.safety import point_at_node
from stfi_models.formula.spec import FormulaSpec, Term
from stfi_models.panel import PanelData

# OperatorEvaluator and to_patsy live in operators.py and render.py; they are re-exported
# here because callers import them from this module.
__all__ = [
    "Design",
    "Dropped",
    "build_design",
    "OperatorEvaluator",
    "absorbed_effects",
    "absorbed_key",
    "to_patsy",
]


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
        For each variable with missing values among the dropped rows, how many (a row
        missing two variables counts for both).  Model columns with infinite values appear
        as ``"<column> (non-finite)"``, rows that lost a value inside a transformation
        (``log`` of a negative number) as ``"NaN from a transformation"``.
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
    absorbed_columns : tuple of str
        Further absorbed effects named after ``|``: a column (``province``) or an interaction
        of columns (``province:year``, one effect per combination); only with ``absorb=True``.
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
    absorbed_columns: tuple[str, ...] = ()

    @property
    def has_intercept(self) -> bool:
        """The formula keeps an intercept column."""
        return "Intercept" in self.x.columns


def absorbed_effects(spec: FormulaSpec, panel: PanelData) -> tuple[str, ...]:
    """Return the effects the formula asks to absorb, in order of appearance.

    ``"entity"``/``"time"`` come from ``C(<key>)`` terms and ``| key`` parts.
    """
    found = [key for term in spec.rhs if (key := absorbed_key(term, panel))]
    keys = {panel.entity: "entity", panel.time: "time"}
    found += [keys[name] for name in spec.effects if name in keys]
    return tuple(dict.fromkeys(found))


def absorbed_key(term: Term, panel: PanelData) -> str | None:
    """``"entity"`` or ``"time"`` when ``term`` is ``C(<entity key>)`` / ``C(<time key>)``."""
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
    for term in (*spec.lhs, *spec.rhs):
        for name, node in column_references(term.node):
            if name not in frame.columns:
                raise missing_column_error(name, node, frame.columns, spec.text)


def _check_numeric(nodes: list[ast.expr], frame: pd.DataFrame, formula: str) -> None:
    """Refuse text columns outside ``C()``: patsy would silently dummy-code them."""
    for node in nodes:
        _check_numeric_node(node, frame, formula)


def _check_numeric_node(node: ast.AST, frame: pd.DataFrame, formula: str) -> None:
    # a module-level recursion: a nested function calling itself would hold the frame in a
    # reference cycle, alive until the garbage collector runs
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C":
        return
    name = plain_column(node)  # type: ignore[arg-type]
    if name is not None and name in frame.columns:
        series = frame[name]
        if not pd.api.types.is_numeric_dtype(series):
            raise FormulaError(
                f"Column '{name}' is not numeric (dtype {series.dtype}). Wrap it as "
                f"C({name}) to use it as a categorical, or convert it with "
                f"pd.to_numeric(df['{name}']).\n"
                f"{point_at_node(formula, node)}"
            )
        return
    for child in ast.iter_child_nodes(node):
        if not (isinstance(node, ast.Call) and child is node.func):
            _check_numeric_node(child, frame, formula)


def build_design(
    spec: FormulaSpec,
    panel: PanelData,
    *,
    absorb: bool = True,
    warn: bool = True,
    extra_columns: tuple[str, ...] = (),
    weights: object = None,
    absorb_columns: bool = False,
    check_dependent: bool = True,
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
    weights : SpatialWeights, optional
        Spatial weights for the ``W(x)`` operator.
    absorb_columns : bool
        With ``absorb``, also accept effects after ``|`` that are not panel keys (a column
        or an interaction ``a:b``), set aside in ``Design.absorbed_columns`` for an estimator
        that sweeps them out (model ``"fe"``); otherwise they are an error.
    check_dependent : bool
        Refuse a constant dependent variable or one that is also a regressor (off for
        prediction, where the dependent variable is a placeholder).

    Returns
    -------
    Design

    Raises
    ------
    FormulaError
        A name that is not a column (with "did you mean" and a caret), a text column
        outside ``C()``, a malformed operator call, an effect that is not a panel key.
    EstimationError
        A model column that is missing on every row, or no row left after dropping rows
        with missing or non-finite values.

    Examples
    --------
    >>> import pandas as pd
    >>> from stfi_models.formula import build_design, parse_formula
    >>> from stfi_models.panel import PanelData
    >>> df = pd.DataFrame({"id": [1, 1, 1, 2, 2], "year": [1, 2, 4, 1, 2],
    ...                    "y": [1.0, 2.0, 3.0, 4.0, 5.0], "x": [0.5, 1.5, 2.5, 3.5, 4.5]})
    >>> d = build_design(parse_formula("y ~ L(x, 1) + C(id)"), PanelData(df, "id", "year"),
    ...                  warn=False)
    >>> d.x.columns.tolist(), d.absorbed, d.dropped.n  # year 4 has no year-3 lag: a gap
    (['Intercept', 'L1.x'], ('entity',), 3)
    """
    frame = panel.frame
    for term in spec.rhs:
        if is_regimes(term.node):
            raise FormulaError(
                "regimes() makes slopes switch with a threshold variable: it needs "
                "model='threshold' (Hansen 1999) or model='pstr' (smooth transition).\n"
                f"{point_at_node(spec.text, term.node)}"
            )
    _check_columns(spec, frame)
    for name in extra_columns:
        if name not in frame.columns:
            raise FormulaError(
                f"'{name}' (needed besides the formula, e.g. as a cluster variable) is not a "
                f"column of the data.{did_you_mean(name, map(str, frame.columns))}"
            )
    system = tuple(t.node for t in spec.lhs) if spec.is_system else ()
    evaluator = OperatorEvaluator(panel, spec.text, system, weights)

    absorbed: list[str] = []
    rhs_nodes: list[tuple[int, ast.expr]] = []
    for term in spec.rhs:
        key = absorbed_key(term, panel) if absorb else None
        if key:
            absorbed.append(key)
            continue
        rhs_nodes.extend((term.sign, node) for node in evaluator.expand_term(term))
    absorbed_columns: list[str] = []
    for name in spec.effects:
        key = {panel.entity: "entity", panel.time: "time"}.get(name)
        if key is None and absorb and absorb_columns:
            _check_effect_columns(name, frame, spec.text)
            absorbed_columns.append(name)
            continue
        if key is None:
            raise FormulaError(
                f"'| {name}' asks to absorb '{name}', but only the panel keys "
                f"({panel.entity}, {panel.time}) can be absorbed by this model (model='fe' "
                f"absorbs any column). Add C({name}) as a regressor instead."
            )
        if absorb:
            absorbed.append(key)
        else:
            rhs_nodes.append((1, ast.Call(func=ast.Name("C"), args=[ast.Name(name)], keywords=[])))
    lhs_nodes = [node for term in spec.lhs for node in evaluator.expand_term(term)]
    _check_numeric([n for _, n in rhs_nodes] + lhs_nodes, evaluator.frame, spec.text)

    work = evaluator.frame
    model_nodes = lhs_nodes + [n for _, n in rhs_nodes]
    used = {name for node in model_nodes for name, _ in column_references(node)}
    for name in sorted(used, key=str):
        if work[name].isna().all():
            raise EstimationError(
                f"Column '{name}' is entirely missing on the panel"
                + (
                    " (a lag/lead longer than every entity's time span?)"
                    if name in evaluator.generated
                    else ""
                )
                + f"; drop it from the formula or fill it.\n  {spec.text}"
            )
    if len(set(absorbed_columns)) != len(absorbed_columns) or (
            absorbed and len(set(absorbed)) != len(absorbed)):
        raise FormulaError(f"An effect is absorbed twice in:\n  {spec.text}")

    matrices = plain_matrices(lhs_nodes, rhs_nodes, work)
    y, x = matrices if matrices is not None else _patsy_matrices(lhs_nodes, rhs_nodes, work,
                                                                spec.text)

    rows = y.index.to_numpy()
    nonfinite = {
        name: ~finite
        for name, col in (*y.items(), *x.items())
        if not (finite := np.isfinite(col.to_numpy())).all()
    }
    keep = np.ones(rows.size, dtype=bool)
    for mask in nonfinite.values():
        keep &= ~mask
    required = tuple(dict.fromkeys(
        [*extra_columns, *(part for name in absorbed_columns for part in name.split(":"))]))
    if required:
        keep &= work.loc[rows, list(required)].notna().all(axis=1).to_numpy()
    nonfinite_rows = {name: rows[mask] for name, mask in nonfinite.items()}
    if not keep.all():
        rows = rows[keep]
        y, x = y.iloc[keep], x.iloc[keep]
    index = panel.index if rows.size == len(work) else panel.index[rows]  # rows ascending
    y.index = index
    x.index = index

    kept = np.zeros(len(work), dtype=bool)
    kept[rows] = True
    lost = np.flatnonzero(~kept)
    dropped = Dropped(
        int(lost.size),
        len(work),
        _count_lost(work, lost, used | set(required), nonfinite_rows),
        panel.index[lost],
    )
    if rows.size == 0:
        raise EstimationError(
            f"No rows left after dropping missing values: {dropped}. Lags need earlier "
            "periods and every variable must be observed on a common row."
        )
    if check_dependent:  # off for prediction, where y is a placeholder
        _check_dependent(y, x, spec.text)
    if lost.size and warn:
        warnings.warn(
            f"{dropped}. The count is on result.dropped.", MissingValueWarning, stacklevel=3
        )
    return Design(y, x, tuple(absorbed), rows, dropped, panel, work, spec,
                  tuple(absorbed_columns))


def _patsy_matrices(lhs: list[ast.expr], rhs: list[tuple[int, ast.expr]], frame: pd.DataFrame,
                   formula: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build ``(y, x)`` with patsy (rows with a missing value dropped), labelled our way.

    Columns whose names shadow a formula function are read under an alias
    (:mod:`~stfi_models.formula.aliases`); patsy's ``Q('L1.x')`` labels are shown as ``L1.x``.

    Raises
    ------
    FormulaError
        When patsy cannot build the matrices.
    """
    aliases = column_aliases(frame.columns)
    rhs_text = " ".join(
        f"{'+' if sign > 0 else '-'} {term_text(rewrite(node, aliases))}"
        for sign, node in rhs
    ).removeprefix("+ ") or "1"
    lhs_text = " + ".join(term_text(rewrite(n, aliases)) for n in lhs)
    env = patsy.EvalEnvironment([eval_namespace()])
    try:
        y, x = patsy.dmatrices(
            f"{lhs_text} ~ {rhs_text}", frame.rename(columns=aliases), eval_env=env,
            NA_action="drop", return_type="dataframe",
        )
    except patsy.PatsyError as exc:
        raise FormulaError(f"Cannot build the model matrices: {exc}\n  {formula}") from None
    return (restore_labels(y, aliases).rename(columns=unquote),
            restore_labels(x, aliases).rename(columns=unquote))


def _check_effect_columns(name: str, frame: pd.DataFrame, formula: str) -> None:
    """Every column of an absorbed effect ``a`` or ``a:b`` must exist."""
    for part in name.split(":"):
        if part not in frame.columns:
            raise FormulaError(
                f"'| {name}' asks to absorb '{part}', which is not a column of the data."
                f"{did_you_mean(part, map(str, frame.columns))}\n  {formula}"
            )


def _check_dependent(y: pd.DataFrame, x: pd.DataFrame, text: str) -> None:
    """Refuse a dependent variable that is constant or that is also a regressor.

    Raises
    ------
    FormulaError
        When the dependent variable is also a regressor.
    EstimationError
        When the dependent variable takes one value on the whole sample.
    """
    for name, col in y.items():
        values = col.to_numpy(dtype=float)
        if name in x.columns:
            raise FormulaError(
                f"The dependent variable '{name}' is also on the right-hand side: its "
                f"coefficient would be 1 and explain nothing. Remove it, or use its lag "
                f"L({name}) for a dynamic model.\n  {text}"
            )
        if values.size > 1 and np.ptp(values) == 0:
            raise EstimationError(
                f"The dependent variable '{name}' is constant ({values[0]:g} on all "
                f"{values.size} rows of the sample): there is nothing to explain. Check the "
                f"column or the sample.\n  {text}"
            )


def _count_lost(
    work: pd.DataFrame,
    lost: np.ndarray,
    columns: set[str],
    nonfinite_rows: dict[str, np.ndarray],
) -> dict[str, int]:
    """How many of the ``lost`` rows each column explains (a row may count for several).

    Columns with a missing value come first; model columns with an infinite value appear as
    ``"<column> (non-finite)"``; rows explained by neither lost a value inside a
    transformation (``log`` of a negative number) and are counted under
    ``"NaN from a transformation"``.
    """
    counts: dict[str, int] = {}
    if not lost.size:
        return counts
    explained = np.zeros(lost.size, dtype=bool)
    for name in sorted(columns, key=str):
        missing = work[name].isna().to_numpy()[lost]
        if missing.any():
            counts[name] = int(missing.sum())
            explained |= missing
    for name, where in nonfinite_rows.items():
        counts[f"{name} (non-finite)"] = int(where.size)
        explained |= np.isin(lost, where)
    if (~explained).any():
        counts["NaN from a transformation"] = int((~explained).sum())
    return counts
