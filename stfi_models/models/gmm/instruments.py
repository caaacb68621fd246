"""Instrument blocks of dynamic panel GMM, built from the formula's ``gmm()``/``iv()`` parts.

This module's one job is turning the instrument part of a formula into instrument columns:

* :func:`split_time_effects` takes ``C(time)``/``| time`` out of the regressors (they become
  time dummies that serve as their own IV-style instruments) and refuses entity effects;
* :func:`collect_instruments` evaluates each ``gmm()``/``iv()`` block on the full panel
  (IV-style columns are transformed like the regressors, or kept in levels);
* :func:`instrument_matrix` lays the GMM-style lags (Holtz-Eakin, Newey and Rosen 1988;
  Arellano and Bond 1991) and the IV-style columns out on the stacked rows, grouped by block
  for the difference-in-Hansen tests (:class:`InstrumentBuilder`);
* :func:`warn_uninstrumented` flags regressors that no block instruments.

References
----------
Holtz-Eakin, D., Newey, W. and Rosen, H. S. (1988). *Econometrica* 56: 1371-1395.
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stfi_models.exceptions import EstimationError, SpecificationError, SpecificationWarning
from stfi_models.formula.columns import names_in
from stfi_models.formula.design import OperatorEvaluator
from stfi_models.formula.grammar import is_panel_operator
from stfi_models.formula.spec import FormulaSpec, InstrumentSpec
from stfi_models.models.gmm import engine as ge
from stfi_models.panel import PanelData

__all__ = [
    "GmmBlock",
    "InstrumentBuilder",
    "IvColumn",
    "collect_instruments",
    "instrument_matrix",
    "split_time_effects",
    "transform_rows",
    "warn_uninstrumented",
]

GmmBlock = tuple[InstrumentSpec, str, list[tuple[str, np.ndarray]]]
"""A ``gmm()`` block: its spec, its equation and its evaluated ``(name, values)`` columns."""


def _time_key_term(node: ast.expr, time: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "C"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == time
    )


def split_time_effects(spec: FormulaSpec, panel: PanelData) -> tuple[FormulaSpec, bool]:
    """Remove ``C(time)`` (or ``| time``) from the formula; refuse entity effects."""
    time_effects = False
    rhs = []
    for term in spec.rhs:
        if _time_key_term(term.node, panel.time) and term.sign == 1:
            time_effects = True
            continue
        if _time_key_term(term.node, panel.entity):
            raise SpecificationError(
                f"C({panel.entity}) asks for entity dummies, but dynamic panel GMM removes the "
                "entity effects by its transformation (differences or orthogonal deviations). "
                f"Drop C({panel.entity}) from the formula."
            )
        rhs.append(term)
    for name in spec.effects:
        if name == panel.time:
            time_effects = True
        else:
            raise SpecificationError(
                f"'| {name}': only time effects can be listed in a GMM formula (entity effects "
                "are removed by the transformation). Write C(year) or drop the part."
            )
    return dataclasses.replace(spec, rhs=tuple(rhs), effects=()), time_effects


def _instrument_columns(
    evaluator: OperatorEvaluator, ispec: InstrumentSpec
) -> list[tuple[str, np.ndarray]]:
    """Evaluate the variables of an instrument block on the full panel (ranges expand)."""
    out: list[tuple[str, np.ndarray]] = []
    for node, text in zip(ispec.variables, ispec.names, strict=True):
        if is_panel_operator(node):
            for name in evaluator.expand(node):  # type: ignore[arg-type]
                out.append((name, evaluator.frame[name].to_numpy(dtype=float)))
        elif isinstance(node, ast.Name):
            out.append((node.id, evaluator.column(node.id, node)))
        else:
            out.append((text, evaluator.values(node)))
    return out


@dataclass
class IvColumn:
    """One IV-style instrument column before stacking (values on the sample rows)."""

    group: str
    name: str
    diff: np.ndarray | None  # transformed values (transformed-equation rows), or None
    level: np.ndarray | None  # level values (levels rows), or None


def transform_rows(
    values: np.ndarray, ent: np.ndarray, pos: np.ndarray, transform: str
) -> np.ndarray:
    """FD or FOD of ``values`` on the sample rows (FOD over the rows where it is observed)."""
    if transform == "fd":
        return ge.first_difference(values, ent, pos)
    out, _ = ge.forward_orthogonal_deviations(values, ent, pos)
    return out


def collect_instruments(
    spec: FormulaSpec,
    panel: PanelData,
    *,
    system: bool,
    transform: str,
    rows: np.ndarray,
) -> tuple[list[IvColumn], list[GmmBlock], np.ndarray, np.ndarray]:
    """Evaluate the ``gmm()`` and ``iv()`` blocks of a formula.

    Parameters
    ----------
    spec : FormulaSpec
        The formula, with its instrument blocks.
    panel : PanelData
    system : bool
        Whether there is a levels equation (system GMM).
    transform : {"fd", "fod"}
    rows : ndarray of int
        Positions in ``panel.frame`` of the estimation sample.

    Returns
    -------
    iv_columns : list of IvColumn
        IV-style columns on the sample rows: transformed for the transformed equation
        (first differences from the full panel, so the instrument's own lag may lie outside
        the sample), in levels for the levels equation.
    gmm_blocks : list of GmmBlock
        GMM-style blocks, each with its equation (``"diff"``, ``"level"`` or ``"both"``;
        default ``"both"`` in system GMM) and its columns on the full panel.
    diff_observed, level_observed : ndarray of bool
        Sample rows where every IV-style instrument of the transformed / levels equation is
        observed (xtabond2 without ``mz``: other rows leave that equation).
    """
    codes_full, pos_full = panel.entity_codes, panel.time_positions
    ent, pos = codes_full[rows], pos_full[rows]
    d_ok = np.ones(rows.size, dtype=bool)
    lev_ok = np.ones(rows.size, dtype=bool)
    evaluator = OperatorEvaluator(panel, spec.text)
    iv_cols: list[IvColumn] = []
    gmm_blocks: list[GmmBlock] = []
    for ispec in spec.instruments:
        eq = ispec.eq or ("both" if system or ispec.kind == "iv" else "diff")
        if not system and eq == "level":
            raise SpecificationError(
                f"{ispec.text}: eq='level' instruments need the levels equation of system GMM "
                "(model='sys-gmm'); difference GMM has only the transformed equation."
            )
        if not ispec.variables:
            dep = spec.lhs[0].text
            lo, hi = ispec.lags or (2, None)
            raise SpecificationError(
                f"{ispec.text} names no variable; in a single-equation model write the "
                f"variable to instrument, e.g. gmm({dep}, {lo}:{'.' if hi is None else hi})."
            )
        columns = _instrument_columns(evaluator, ispec)
        if ispec.kind == "gmm":
            gmm_blocks.append((ispec, eq, columns))
            continue
        for name, values in columns:
            transformed = None
            if eq != "level":
                # FD from the full panel (the instrument's own lag may lie outside the sample)
                transformed = (ge.first_difference(values, codes_full, pos_full)[rows]
                               if transform == "fd"
                               else transform_rows(values[rows], ent, pos, "fod"))
            level = values[rows] if system and eq != "diff" else None
            col = IvColumn(ispec.text, name, transformed, level)
            if col.diff is not None:
                d_ok &= np.isfinite(col.diff)
            if col.level is not None:
                lev_ok &= np.isfinite(col.level)
            iv_cols.append(col)
    return iv_cols, gmm_blocks, d_ok, lev_ok


class InstrumentBuilder:
    """Collects instrument blocks, their names, equations and groups."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self.parts: list[sp.csr_matrix] = []
        self.names: list[str] = []
        self.equations: list[str] = []
        self.groups: dict[str, list[int]] = {}
        self.iv_groups: list[str] = []

    @property
    def count(self) -> int:
        """Number of columns collected so far."""
        return len(self.names)

    def add(self, block: np.ndarray, names, group: str, equation: str, iv: bool = False) -> None:
        """Append ``block``'s columns under ``names``, to ``group`` and ``equation``.

        Blocks are kept sparse: an uncollapsed GMM-style block is nonzero on one period's
        rows per column, so memory stays linear in the rows.
        """
        start = self.count
        self.parts.append(sp.csr_matrix(block))
        self.names.extend(names)
        self.equations.extend([equation] * block.shape[1])
        self.groups.setdefault(group, []).extend(range(start, start + block.shape[1]))
        if iv and group not in self.iv_groups:
            self.iv_groups.append(group)

    def matrix(self) -> sp.csr_matrix:
        """Return the instrument matrix (rows x columns collected), sparse CSR."""
        if not self.parts:
            return sp.csr_matrix((self.n_rows, 0))
        return sp.hstack(self.parts, format="csr")

    def group_columns(self) -> dict[str, np.ndarray]:
        """Return the column positions of each group."""
        return {k: np.asarray(v, dtype=int) for k, v in self.groups.items()}


def instrument_matrix(
    gmm_blocks: list[GmmBlock],
    iv_cols: list[IvColumn],
    panel: PanelData,
    *,
    system: bool,
    entity: np.ndarray,
    time: np.ndarray,
    is_diff: np.ndarray,
    d_idx: np.ndarray,
    l_idx: np.ndarray,
) -> InstrumentBuilder:
    """Lay the instrument blocks out on the stacked rows.

    GMM-style blocks give one column per period and lag (per lag when collapsed) for the
    transformed equation (:func:`engine.gmm_style`) and, in system GMM, differences
    lagged one period less for the levels equation (:func:`engine.level_gmm_style`).
    IV-style columns share one column across both equations; linearly dependent ones are
    dropped.

    Parameters
    ----------
    gmm_blocks, iv_cols
        From :func:`collect_instruments` (plus the constant and time-effect columns).
    panel : PanelData
    system : bool
    entity, time : ndarray of int
        Panel entity code and time position of each stacked row.
    is_diff : ndarray of bool
        Transformed-equation rows of the stack.
    d_idx, l_idx : ndarray of int
        Sample rows of the transformed and the levels equation, in stacking order.

    Returns
    -------
    InstrumentBuilder
        The columns with their names, equations and groups.

    Raises
    ------
    EstimationError
        A ``gmm()`` block yields no column.
    """
    codes_full, pos_full = panel.entity_codes, panel.time_positions
    builder = InstrumentBuilder(is_diff.size)
    d_mask = is_diff
    for ispec, eq, columns in gmm_blocks:
        a, b = ispec.lags  # type: ignore[misc]
        before = builder.count
        for name, values in columns:
            if eq in ("diff", "both"):
                m, nm = ge.gmm_style(values, codes_full, pos_full, entity, time, (a, b),
                                     collapse=ispec.collapse, active=d_mask, name=name)
                builder.add(m, nm, ispec.text, "diff")
            if system and eq in ("level", "both"):
                m, nm = ge.level_gmm_style(
                    ge.first_difference(values, codes_full, pos_full), codes_full, pos_full,
                    entity, time, max(a - 1, 0), collapse=ispec.collapse,
                    active=~d_mask, name=name,
                )
                builder.add(m, nm, f"{ispec.text} [levels]", "level")
        if builder.count == before:
            raise EstimationError(
                f"{ispec.text} yields no instrument: no entity has the variable observed "
                f"{a}{'' if b == a else ' or more'} periods before an estimation row. Lower the "
                "first lag or check the variable's coverage."
            )
    if iv_cols:
        block = np.zeros((is_diff.size, len(iv_cols)))
        for j, col in enumerate(iv_cols):
            if col.diff is not None:
                block[:d_idx.size, j] = col.diff[d_idx]
            if col.level is not None:
                block[d_idx.size:, j] = col.level[l_idx]
        kept = ge.independent_columns(block)
        for group in dict.fromkeys(c.group for c in iv_cols):
            idx = [j for j in kept if iv_cols[j].group == group]
            if idx:
                eqs = {("diff" if iv_cols[j].diff is not None else "")
                       + ("level" if iv_cols[j].level is not None else "") for j in idx}
                eqname = eqs.pop() if len(eqs) == 1 else "difflevel"
                eqname = {"difflevel": "both"}.get(eqname, eqname)
                builder.add(block[:, idx], [iv_cols[j].name for j in idx], group, eqname,
                            iv=True)
    return builder


def warn_uninstrumented(spec: FormulaSpec, time_key: str) -> None:
    """Warn about regressors whose variable appears in no instrument block.

    xtabond2 (unlike plm) does not instrument a regressor by itself unless asked: such a
    regressor is treated as endogenous and identified only by the other instruments.
    """
    used = {name for ispec in spec.instruments for node in ispec.variables
            for name in names_in(node)}
    lonely = []
    for term in spec.rhs:
        names = names_in(term.node)
        if names and not names & used and not _time_key_term(term.node, time_key):
            lonely.append(term.text)
    if lonely:
        warnings.warn(
            f"Regressor(s) {', '.join(lonely)} appear in no gmm()/iv() block, so they are "
            "treated as endogenous and identified only by the other instruments. If they are "
            f"exogenous add iv({', '.join(lonely)}); if predetermined, gmm(x, 1:.).",
            SpecificationWarning,
            stacklevel=4,
        )
