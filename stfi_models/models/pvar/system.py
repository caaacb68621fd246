"""The estimating equations of a panel VAR and their instruments.

Job: turn a :class:`~stfi_models.models.pvar.model.PanelVAR` (validated data, lag order,
exogenous regressors, ``gmm()`` blocks) into a :class:`_System` -- the transformed (FOD or
FD) equations, with the levels equations of system GMM stacked under them, their regressors,
GMM-style instruments and one-step weighting structure ``H`` -- ready for the estimator
(:mod:`stfi_models.models.pvar.estimator`).  Also reads the ``gmm()`` instrument blocks of
the formula.  Conventions (dating, levels instruments, ``H``) are in the package docstring.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import NoReturn, Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.formula.design import Design
from stfi_models.formula.grammar import lag_range
from stfi_models.formula.spec import FormulaSpec, InstrumentSpec
from stfi_models.models.gmm import engine
from stfi_models.panel import PanelData


@dataclass(frozen=True)
class _Gmm:
    """A GMM-style instrument block: lagged levels of ``variables`` over ``lags``."""

    variables: tuple[str, ...]
    lags: tuple[int, int | None]
    collapse: bool


class VarModel(Protocol):
    """What the equations, the estimator and the refits read of a panel VAR model.

    :class:`~stfi_models.models.pvar.model.PanelVAR` is the model; stating here what is read
    of it keeps the modules below it (this one, the estimator, bands and lag selection) from
    importing it.
    """

    panel: PanelData
    design: Design
    names: tuple[str, ...]
    exog: tuple[str, ...]
    p: int
    transform: str
    estimator: str
    system: bool
    blocks: tuple[_Gmm, ...]

    @property
    def levels_constant(self) -> bool:
        """System GMM with an intercept in the formula: a constant per levels equation."""

    def with_lags(self, p: int) -> VarModel:
        """Return the same model with lag order ``p`` (for lag selection)."""


@dataclass(frozen=True)
class _System:
    """The estimating equations on their rows, each entity's rows contiguous.

    ``y`` (n x m), ``x`` (n x K) and ``z`` (n x L, sparse CSR: uncollapsed GMM-style
    instruments are nonzero on one period's rows only) are shared by all equations.  Without
    system instruments every row is a transformed equation (one per entity-period); with
    them each entity's transformed rows are followed by its levels rows (``level``).  ``h``
    is the one-step weighting structure of one equation's rows; ``const`` says whether the
    last regressor is the levels-equation constant.
    """

    y: np.ndarray
    x: np.ndarray
    z: sp.csr_matrix
    entity: np.ndarray
    time: np.ndarray
    index: pd.MultiIndex
    n_entities: int
    instrument_names: tuple[str, ...]
    h: engine.HStructure
    level: np.ndarray
    const: bool = False

    @property
    def transformed(self) -> np.ndarray:
        """Mask of the transformed-equation rows."""
        return ~self.level

    @property
    def n_obs(self) -> int:
        """Number of transformed observations (the ``n`` of Sigma, MMSC and ``nobs``)."""
        return int(self.transformed.sum())


def _lag_literal_range(node: ast.expr, formula: str) -> tuple[int, int | None] | None:
    """``2:5`` or ``2`` written as the only argument of gmm(): a lag range, not a variable."""
    is_literal = (
        (isinstance(node, ast.Constant) and isinstance(node.value, int))
        or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
            and all(isinstance(s, ast.Constant | ast.UnaryOp) for s in (node.left, node.right)))
    )
    return lag_range(node, formula, allow_open=True) if is_literal else None


def _gmm_blocks(spec: FormulaSpec, names: tuple[str, ...]) -> tuple[_Gmm, ...]:
    """Instrument blocks from the formula (default: ``gmm(2:.)`` for every variable)."""
    blocks = []
    for inst in spec.instruments:
        if inst.kind != "gmm":
            raise SpecificationError(
                f"{inst.text}: a panel VAR takes only gmm() instrument blocks; exogenous "
                "regressors after the lags instrument themselves."
            )
        blocks.append(_block(inst, spec.text, names))
    return tuple(blocks) or (_Gmm(names, (2, None), False),)


def _block(inst: InstrumentSpec, formula: str, names: tuple[str, ...]) -> _Gmm:
    if not inst.variables:  # a gmm() without variables: lags of every dependent variable
        return _Gmm(names, inst.lags or (2, None), inst.collapse)
    if len(inst.variables) == 1:
        # The formula layer reads ``gmm(2:5)`` as a variable named "2:5" with lags (2, .);
        # without a variable the range applies to every dependent variable.
        lags = _lag_literal_range(inst.variables[0], formula)
        if lags is not None:
            return _Gmm(names, lags, inst.collapse)
    variables = []
    for node, name in zip(inst.variables, inst.names, strict=True):
        if not isinstance(node, ast.Name):
            raise SpecificationError(
                f"{inst.text}: name plain columns inside gmm() for a panel VAR (got {name!r})."
            )
        variables.append(node.id)
    lo = inst.lags[0] if inst.lags else 2
    if lo < 1:
        raise SpecificationError(
            f"{inst.text}: lag {lo} of a level is not a valid instrument for the transformed "
            "equation (panelvar/xtabond2 dating: the smallest valid lag is 2 for dependent "
            "variables, 1 for predetermined ones)."
        )
    return _Gmm(tuple(variables), inst.lags or (2, None), inst.collapse)


def sample_levels(model: VarModel, p: int, sample_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels of [y, L1.y .. Lp.y, exog] on the panel rows and the sample mask.

    The sample keeps rows where y, lags ``1..sample_lag`` and exog are observed (a common
    sample for lag selection when ``sample_lag > p``).
    """
    panel = model.panel
    y = panel.frame[list(model.names)].to_numpy(dtype=float)
    lags = [panel.lag(y[:, v], k) for k in range(1, max(p, sample_lag) + 1)
            for v in range(len(model.names))]
    lag_mat = np.column_stack(lags)
    exog = np.full((len(panel.frame), len(model.exog)), np.nan)
    if model.exog:
        exog[model.design.rows] = model.design.x[list(model.exog)].to_numpy(dtype=float)
    m = len(model.names)
    regressors = np.hstack([lag_mat[:, : p * m], exog])
    keep = np.isfinite(y).all(axis=1) & np.isfinite(lag_mat).all(axis=1)
    keep &= np.isfinite(exog).all(axis=1)
    return np.hstack([y, regressors]), keep


def _transform(transform: str, values: np.ndarray, ent: np.ndarray, tim: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """FOD (rows labelled ``t + 1``) or FD of ``values`` on the sample rows, and labels."""
    if transform == "fod":
        return engine.forward_orthogonal_deviations(values, ent, tim)
    return engine.first_difference(values, ent, tim), tim


def _transform_matrix(transform: str, ent: np.ndarray, tim: np.ndarray, ok: np.ndarray
                      ) -> sp.csr_matrix:
    """Build the transformation as weights on the sample's level rows (``n_ok x n``).

    Obtained by applying :func:`_transform` to one-hot columns that mark each row's
    position within its entity, so it is by construction the transformation applied to
    the data (gaps and unbalanced entities included).
    """
    n = ent.size
    new = np.r_[True, ent[1:] != ent[:-1]]
    start = np.flatnonzero(new)[np.cumsum(new) - 1]
    position = np.arange(n) - start
    onehot = np.zeros((n, int(position.max()) + 1))
    onehot[np.arange(n), position] = 1.0
    coef = _transform(transform, onehot, ent, tim)[0][ok]
    r, c = np.nonzero(coef)
    return sp.csr_matrix((coef[r, c], (r, start[ok][r] + c)), shape=(int(ok.sum()), n))


def build_system(model: VarModel, p: int | None = None, sample_lag: int | None = None
                 ) -> _System:
    """Estimating equations and instruments (GMM) for lag order ``p``.

    Transformed rows: the transformation of ``[y, lags, exog]`` over the sample rows,
    instrumented by the formula's GMM-style blocks of lagged levels and by the
    transformed exogenous regressors.  With ``system=True`` every sample row also gives
    a levels row (``y_t`` on its lagged levels, the exogenous regressors and a constant),
    instrumented by ``Δz_{t-a+1}`` for each block ``gmm(z, a:b)``
    (:func:`~stfi_models.models.gmm.engine.level_gmm_style`, xtabond2's lag), by the
    exogenous regressors in levels (the same column as their transformed values) and by
    the constant.
    """
    p = model.p if p is None else p
    sample_lag = p if sample_lag is None else sample_lag
    panel = model.panel
    values, keep = sample_levels(model, p, sample_lag)
    m = len(model.names)
    codes, pos = panel.entity_codes, panel.time_positions
    rows = np.flatnonzero(keep)
    check_length(panel, p, rows)
    ent, tim = codes[rows], pos[rows]
    trans, label = _transform(model.transform, values[rows], ent, tim)
    ok = np.isfinite(trans).all(axis=1)
    if not ok.any():
        too_short(panel, p)
    lev = np.arange(rows.size) if model.system else np.arange(0)
    level = np.r_[np.zeros(int(ok.sum()), bool), np.ones(lev.size, bool)]
    eq_ent, eq_time = np.r_[ent[ok], ent[lev]], np.r_[label[ok], tim[lev]]
    stacked = np.vstack([trans[ok], values[rows][lev]])
    y, x = stacked[:, :m], stacked[:, m:]
    const = model.levels_constant
    if const:
        x = np.column_stack([x, level.astype(float)])
    blocks, inst_names = [], []
    frame = panel.frame
    for block in model.blocks:
        for var in block.variables:
            if var not in frame.columns:
                raise SpecificationError(
                    f"gmm({var}, ...): '{var}' is not a column of the data."
                )
            z_lev = frame[var].to_numpy(dtype=float)
            mat, labels = engine.gmm_style(
                z_lev, codes, pos, eq_ent, eq_time, block.lags, collapse=block.collapse,
                active=~level, name=var,
            )
            blocks.append(sp.csr_matrix(mat))
            inst_names += labels
            if model.system:
                mat, labels = engine.level_gmm_style(
                    engine.first_difference(z_lev, codes, pos), codes, pos, eq_ent,
                    eq_time, max(block.lags[0] - 1, 0), collapse=block.collapse,
                    active=level, name=var,
                )
                blocks.append(sp.csr_matrix(mat))
                inst_names += labels
    n_exog = len(model.exog)
    if n_exog:
        blocks.append(sp.csr_matrix(x[:, p * m:p * m + n_exog]))
        inst_names += [f"{v} ({'transformed; levels' if model.system else 'transformed'})"
                       for v in model.exog]
    if const:
        blocks.append(sp.csr_matrix(level.astype(float)[:, None]))
        inst_names.append("constant (levels)")
    z = sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((y.shape[0], 0))
    order = np.lexsort((eq_time, level, eq_ent))  # entity, transformed before levels, time
    n_rows = order.size
    if model.system:
        v = sp.vstack([_transform_matrix(model.transform, ent, tim, ok),
                       sp.identity(rows.size)])
        h = engine.h_outer(sp.csr_matrix(v)[order],
                           "V V', V = [transformation rows; identity]")
    elif model.transform == "fod":
        h = engine.h_identity(n_rows)
    else:
        h = engine.h_first_difference(eq_ent[order], eq_time[order])
    index = panel.index[rows[np.r_[np.flatnonzero(ok), lev]][order]]
    # re-code entities 0..N'-1 over those with equation rows
    used, new_codes = np.unique(eq_ent[order], return_inverse=True)
    return _System(y[order], x[order], z[order], new_codes, eq_time[order], index,
                   used.size, tuple(inst_names), h, level[order], const)


def check_length(panel: PanelData, p: int, rows: np.ndarray) -> None:
    """Stop with :func:`too_short` when no panel row has the ``p`` lags."""
    if rows.size == 0:
        too_short(panel, p)


def too_short(panel: PanelData, p: int) -> NoReturn:
    """Raise the error for a lag order too long for the panel's periods."""
    b = panel.balance
    need = p + 2
    raise EstimationError(
        f"Lag order p={p} is too long for the panel: the transformed "
        f"equations need at least {need} consecutive periods per entity (p lags, the "
        f"current period and one more for the transformation), but entities have at most "
        f"T = {b.t_max}. Use fewer lags (p <= {max(b.t_max - 2, 0)})."
    )
