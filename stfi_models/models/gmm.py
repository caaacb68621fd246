"""Dynamic panel GMM: Arellano-Bond difference GMM and Blundell-Bond system GMM.

.. math::

    y_{it} = \\sum_{j=1}^{p} \\rho_j y_{i,t-j} + x_{it}'\\beta + \\tau_t + \\eta_i
             + \\varepsilon_{it}

Difference GMM (Arellano and Bond 1991) removes :math:`\\eta_i` by first differences (or
forward orthogonal deviations, Arellano and Bover 1995) and instruments the transformed
equation with lagged levels; system GMM (Arellano and Bover 1995; Blundell and Bond 1998)
adds the levels equation instrumented with lagged differences.  Formula::

    n ~ L(n, 1:2) + L(w, 0:1) + k + C(year) | gmm(n, 2:.) + iv(L(w, 0:1), k)

* ``gmm(z, a:b, collapse=False, eq=...)``: GMM-style instruments ``z_{t-a} ... z_{t-b}``
  for the transformed equation (``a:.`` = all available lags), one column per period and lag
  (or per lag when collapsed); in system GMM also ``Δz_{t-a+1}`` for the levels equation
  (xtabond2's convention).  ``eq`` defaults to ``"both"`` in system GMM.
* ``iv(x1, x2, eq=...)``: IV-style instruments, one column each, transformed like the
  regressors for the transformed equation and in levels for the levels equation (with
  ``eq="both"``, the default, one column serves both equations, as in xtabond2).  Rows
  where an IV-style instrument is missing leave that equation (xtabond2 without ``mz``).
  A regressor that appears in no block is endogenous (instrumented by the others only);
  a :class:`SpecificationWarning` says so.
* ``transform="fod"``: forward orthogonal deviations over the available later rows,
  labelled ``t + 1`` as in xtabond2, so ``gmm(y, 2:.)`` means the same under both
  transforms.  AR tests always use first-differenced residuals.
* ``C(<time key>)``: time dummies, handled as xtabond2 does with ``yr*`` in both the
  regressor list and ``iv()``: they are transformed with the other regressors and serve as
  their own IV-style instruments -- in the transformed equation for difference GMM, in the
  levels equation only for system GMM (Roodman 2009 §3.4, ``iv(yr*, eq(level))``).
  Collinear dummies are dropped greedily in time order after the constant (so slopes,
  which do not depend on the parametrisation, match every package; the dummies and the
  constant match xtabond2's own parametrisation).
* The constant: differenced away in difference GMM; in system GMM it enters the levels
  equation and instruments it.

Conventions (see ``validation/gmm/README.md`` for the mapping to Stata/plm/DPD):

* one-step non-robust covariance ``sigma2 (X'ZW_1Z'X)^{-1}`` and the Sargan statistic with
  xtabond2's ``sigma2`` = SSR of the transformed equation / (2n) (n = reported observations;
  ``/ n`` under orthogonal deviations), times ``n / (n - k)`` under ``sigma2_df="n-k"``
  (Stata xtabond, gretl/DPD);
* ``vcov="robust"``: one-step cluster-robust sandwich, two-step Windmeijer (2005);
* ``small=True``: covariance times xtabond2's factor (:func:`small_sample_factor`), t and F
  inference;
* system-GMM one-step weight ``h=3`` (xtabond2 default, also plm 2.6's ``"ld"``), ``h=2``
  (DPD for Ox), ``h=1`` (identity, Blundell-Bond 1998 as published).

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Arellano, M. and Bover, O. (1995). *Journal of Econometrics* 68: 29-51.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
    check_choice,
    check_kwargs,
    did_you_mean,
)
from stfi_models.formula.design import Design, OperatorEvaluator, build_design
from stfi_models.formula.grammar import (
    FormulaSpec,
    InstrumentSpec,
    is_panel_operator,
    names_in,
)
from stfi_models.models import gmm_engine as ge
from stfi_models.models.base import PanelModel
from stfi_models.panel import BalanceInfo, PanelData
from stfi_models.results.result import Result, TestResult

__all__ = [
    "DiffGMM",
    "SystemGMM",
    "GmmResult",
    "GmmSystem",
    "DynamicMultipliers",
    "dynamic_multipliers",
    "build_system",
    "small_sample_factor",
]

_STEPS = (1, 2, "iterated")
_VCOV = ("robust", "unadjusted")
_TRANSFORMS = ("fd", "fod")


# ====================================================================================== data
@dataclass(frozen=True)
class GmmSystem:
    """The stacked estimating equations of a dynamic panel GMM model.

    Rows are the transformed-equation rows followed (system GMM) by the levels rows.

    Attributes
    ----------
    y, x, z : ndarray
        Dependent variable, regressors and instruments on the stacked rows.
    entity : ndarray of int
        Entity code (0..N-1) of each row; ``time`` its time label (FOD rows: ``t + 1``).
    is_diff : ndarray of bool
        Transformed-equation rows.
    x_names : tuple of str
    z_names : tuple of str
    z_groups : dict of str to ndarray of int
        Instrument columns of each specification (for difference-in-Hansen tests).
    time_terms : tuple of str
        Names of the time-dummy columns kept.
    h : HStructure
    entities : pandas.Index
        The entity labels, in code order.
    time_values : ndarray
        Time key value of each time position (for labelling).
    levels : dict
        Level-form ``y``, ``x``, entity codes and time positions on the sample rows (for
        the AR tests under orthogonal deviations and for residuals in levels).
    transform : {"fd", "fod"}
    system : bool
    panel_codes : ndarray of int
        ``PanelData.entity_codes`` of the entities, in the order of the codes 0..N-1.
    time_key : str
        Name of the panel's time column.
    """

    y: np.ndarray
    x: np.ndarray
    z: np.ndarray
    entity: np.ndarray
    time: np.ndarray
    is_diff: np.ndarray
    x_names: tuple[str, ...]
    z_names: tuple[str, ...]
    z_groups: dict[str, np.ndarray]
    z_equation: tuple[str, ...]
    time_terms: tuple[str, ...]
    iv_groups: tuple[str, ...]
    h: ge.HStructure
    entities: pd.Index
    time_values: np.ndarray
    levels: dict[str, np.ndarray]
    transform: str
    system: bool
    panel_codes: np.ndarray
    time_key: str = ""

    @property
    def n_entities(self) -> int:
        """Number of entities with at least one estimating row."""
        return int(self.entities.size)

    @property
    def nobs(self) -> int:
        """Observations as xtabond2 counts them: transformed rows (DIF) or levels rows (SYS)."""
        return int(np.sum(~self.is_diff)) if self.system else int(np.sum(self.is_diff))


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


def _split_time_effects(spec: FormulaSpec, panel: PanelData) -> tuple[FormulaSpec, bool]:
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
class _IvColumn:
    """One IV-style instrument column before stacking (values on the sample rows)."""

    group: str
    name: str
    diff: np.ndarray | None  # transformed values (transformed-equation rows), or None
    level: np.ndarray | None  # level values (levels rows), or None


def _transform(values: np.ndarray, ent: np.ndarray, pos: np.ndarray, transform: str) -> np.ndarray:
    """FD or FOD of ``values`` on the sample rows (FOD over the rows where it is observed)."""
    if transform == "fd":
        return ge.first_difference(values, ent, pos)
    out, _ = ge.forward_orthogonal_deviations(values, ent, pos)
    return out


def _warn_missing(spec: FormulaSpec, panel: PanelData) -> None:
    frame = panel.frame
    keys = (panel.entity, panel.time)
    raw = sorted(n for n in spec.names() if n in frame.columns and n not in keys)
    missing = {n: int(frame[n].isna().sum()) for n in raw if frame[n].isna().any()}
    if missing:
        warnings.warn(
            "Rows with missing values are left out of the equations they enter ("
            + ", ".join(f"{k}: {v}" for k, v in missing.items())
            + "); lags of the remaining rows are still taken from the full panel. "
            "The rows lost are counted on result.dropped.",
            MissingValueWarning,
            stacklevel=5,
        )


def build_system(
    spec: FormulaSpec,
    panel: PanelData,
    *,
    system: bool,
    transform: str = "fd",
    h: int = 3,
    warn: bool = True,
) -> tuple[GmmSystem, Design]:
    """Build the stacked estimating equations of a difference or system GMM model.

    Parameters
    ----------
    spec : FormulaSpec
        One dependent variable; instruments after ``|``.
    panel : PanelData
    system : bool
        Add the levels equation (Blundell-Bond).
    transform : {"fd", "fod"}
    h : {1, 2, 3}
        System-GMM one-step weighting structure (see :func:`gmm_engine.h_system`).
    warn : bool
        Emit :class:`MissingValueWarning` for rows with missing data.

    Returns
    -------
    (GmmSystem, Design)

    Notes
    -----
    IV-style instruments that apply to both equations of a system occupy *one* column,
    transformed in the transformed-equation rows and in levels in the levels rows (as in
    xtabond2); GMM-style instruments get separate columns per equation.
    """
    if spec.is_system:
        raise SpecificationError(
            "Dynamic panel GMM takes one dependent variable; for several (a panel VAR) use "
            "model='pvar'."
        )
    if not spec.instruments:
        raise SpecificationError(
            "No instruments: add an instrument part after '|', e.g. "
            "'| gmm(n, 2:.) + iv(k)' (GMM-style lags of the dependent variable and IV-style "
            "exogenous regressors)."
        )
    if spec.extra_parts:
        raise SpecificationError(
            "Write GMM instruments as gmm(var, a:b) and iv(vars) after '|'; plm-style parts "
            "such as '| lag(n, 2:99)' become '| gmm(n, 2:99)'."
        )
    base_spec, time_effects = _split_time_effects(spec, panel)
    design = build_design(base_spec, panel, absorb=False, warn=False)
    if warn:
        _warn_missing(spec, panel)
    frame = panel.frame
    codes_full, pos_full = panel.entity_codes, panel.time_positions
    rows = design.rows
    ent, pos = codes_full[rows], pos_full[rows]
    y_lev = design.y.to_numpy(dtype=float)[:, 0]
    x_df = design.x.drop(columns=["Intercept"], errors="ignore")
    has_const = system and design.has_intercept
    x_lev = x_df.to_numpy(dtype=float)
    names = list(x_df.columns)
    time_of_pos = np.empty(int(pos_full.max()) + 1, dtype=object)
    time_of_pos[pos_full] = frame[panel.time].to_numpy()
    if has_const:
        x_lev = np.column_stack([x_lev, np.ones(rows.size)])
        names.append("Intercept")
    if time_effects:
        periods = np.unique(pos_full)
        x_lev = np.column_stack([x_lev, (pos[:, None] == periods[None, :]).astype(float)])
        names += [f"C({panel.time})[{time_of_pos[p]}]" for p in periods]

    # ---- transformed equation on the sample rows
    if transform == "fd":
        dy, d_time = ge.first_difference(y_lev, ent, pos), pos
    else:
        dy, d_time = ge.forward_orthogonal_deviations(y_lev, ent, pos)
    dx = _transform(x_lev, ent, pos, transform)
    if has_const:
        dx[:, names.index("Intercept")] = 0.0
    d_ok = np.isfinite(dy) & np.all(np.isfinite(dx), axis=1)
    lev_ok = np.full(rows.size, system)

    # ---- instrument variables
    evaluator = OperatorEvaluator(panel, spec.text)
    iv_cols: list[_IvColumn] = []
    gmm_blocks: list[tuple[InstrumentSpec, str, list[tuple[str, np.ndarray]]]] = []
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
                               if transform == "fd" else _transform(values[rows], ent, pos, "fod"))
            level = values[rows] if system and eq != "diff" else None
            col = _IvColumn(ispec.text, name, transformed, level)
            if col.diff is not None:
                d_ok &= np.isfinite(col.diff)
            if col.level is not None:
                lev_ok &= np.isfinite(col.level)
            iv_cols.append(col)
    if not d_ok.any():
        counts = np.bincount(codes_full)
        raise EstimationError(
            "No observation is left in the transformed equation: the lags in the formula need "
            f"more consecutive periods than the entities have (periods per entity: min "
            f"{counts.min()}, max {counts.max()}; {rows.size} rows have every lag). Use fewer "
            "lags or a longer panel."
        )

    # ---- stacked rows: transformed equation, then levels
    d_idx, l_idx = np.flatnonzero(d_ok), np.flatnonzero(lev_ok)
    s_ent_full = np.r_[ent[d_idx], ent[l_idx]]
    s_time = np.r_[d_time[d_idx], pos[l_idx]]
    is_diff = np.r_[np.ones(d_idx.size, bool), np.zeros(l_idx.size, bool)]
    y = np.r_[dy[d_idx], y_lev[l_idx]]
    x = np.vstack([dx[d_idx], x_lev[l_idx]])
    ent_codes, s_ent = np.unique(s_ent_full, return_inverse=True)
    first_row = np.unique(codes_full, return_index=True)[1]
    entities = pd.Index(frame[panel.entity].to_numpy()[first_row[ent_codes]], name=panel.entity)

    # ---- drop collinear regressors (order: slopes, constant, time dummies)
    keep = ge.independent_columns(x)
    bad = [names[j] for j in range(len(names)) if j not in set(keep)
           and not names[j].startswith(f"C({panel.time})[")]
    if bad:
        warnings.warn(
            f"Regressor(s) {bad} are collinear with earlier ones on the estimation sample and "
            "were dropped.",
            SpecificationWarning,
            stacklevel=4,
        )
    x, x_lev, dx = x[:, keep], x_lev[:, keep], dx[:, keep]
    x_names = tuple(names[j] for j in keep)
    time_terms = tuple(n for n in x_names if n.startswith(f"C({panel.time})["))
    if has_const:
        iv_cols.append(_IvColumn("constant", "Intercept", None, np.ones(rows.size)))
    for j, name in enumerate(x_names):
        if name in time_terms:  # own instruments: transformed (DIF) or levels (SYS)
            iv_cols.append(_IvColumn("time effects", name, None if system else dx[:, j],
                                     x_lev[:, j] if system else None))

    # ---- instrument matrix
    builder = _InstrumentBuilder(y.size)
    d_mask = is_diff
    for ispec, eq, columns in gmm_blocks:
        a, b = ispec.lags  # type: ignore[misc]
        before = builder.count
        for name, values in columns:
            if eq in ("diff", "both"):
                m, nm = ge.gmm_style(values, codes_full, pos_full, s_ent_full, s_time, (a, b),
                                     collapse=ispec.collapse, active=d_mask, name=name)
                builder.add(m, nm, ispec.text, "diff")
            if system and eq in ("level", "both"):
                m, nm = ge.level_gmm_style(
                    ge.first_difference(values, codes_full, pos_full), codes_full, pos_full,
                    s_ent_full, s_time, max(a - 1, 0), collapse=ispec.collapse,
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
        block = np.zeros((y.size, len(iv_cols)))
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

    if not system:
        hs = ge.h_first_difference(s_ent, s_time) if transform == "fd" else ge.h_identity(y.size)
    else:
        hs = ge.h_system(s_ent, s_time, np.flatnonzero(d_mask), np.flatnonzero(~d_mask),
                         kind=h, transform=transform)
    levels = {"y": y_lev, "x": x_lev, "entity": ent, "time": pos}
    gsys = GmmSystem(
        y=y, x=x, z=builder.matrix(), entity=s_ent, time=s_time, is_diff=is_diff,
        x_names=x_names, z_names=tuple(builder.names), z_groups=builder.group_columns(),
        z_equation=tuple(builder.equations), time_terms=time_terms,
        iv_groups=tuple(builder.iv_groups), h=hs, entities=entities, time_values=time_of_pos,
        levels=levels, transform=transform, system=system, panel_codes=ent_codes,
        time_key=panel.time,
    )
    return gsys, design


class _InstrumentBuilder:
    """Collects instrument blocks, their names, equations and groups."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self.parts: list[np.ndarray] = []
        self.names: list[str] = []
        self.equations: list[str] = []
        self.groups: dict[str, list[int]] = {}
        self.iv_groups: list[str] = []

    @property
    def count(self) -> int:
        return len(self.names)

    def add(self, block: np.ndarray, names, group: str, equation: str, iv: bool = False) -> None:
        start = self.count
        self.parts.append(block)
        self.names.extend(names)
        self.equations.extend([equation] * block.shape[1])
        self.groups.setdefault(group, []).extend(range(start, start + block.shape[1]))
        if iv and group not in self.iv_groups:
            self.iv_groups.append(group)

    def matrix(self) -> np.ndarray:
        return np.column_stack(self.parts) if self.parts else np.zeros((self.n_rows, 0))

    def group_columns(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=int) for k, v in self.groups.items()}


def _warn_uninstrumented(spec: FormulaSpec, g: GmmSystem) -> None:
    """Warn about regressors whose variable appears in no instrument block.

    xtabond2 (unlike plm) does not instrument a regressor by itself unless asked: such a
    regressor is treated as endogenous and identified only by the other instruments.
    """
    used = {name for ispec in spec.instruments for node in ispec.variables
            for name in names_in(node)}
    lonely = []
    for term in spec.rhs:
        names = names_in(term.node)
        if names and not names & used and not _time_key_term(term.node, g.time_key):
            lonely.append(term.text)
    if lonely:
        warnings.warn(
            f"Regressor(s) {', '.join(lonely)} appear in no gmm()/iv() block, so they are "
            "treated as endogenous and identified only by the other instruments. If they are "
            f"exogenous add iv({', '.join(lonely)}); if predetermined, gmm(x, 1:.).",
            SpecificationWarning,
            stacklevel=4,
        )


# ====================================================================================== results
@dataclass(frozen=True)
class DynamicMultipliers:
    """Dynamic multipliers of a single-equation dynamic model and long-run effects.

    For :math:`y_t = \\sum_j \\rho_j y_{t-j} + \\sum_l \\beta_l x_{t-l} + \\dots` the
    response of :math:`y_{t+h}` to a one-period unit impulse in :math:`x_t` is

    .. math::

        m_h = \\sum_{j=1}^{p} \\rho_j m_{h-j} + \\beta_h, \\qquad m_{h<0} = 0,

    its running sum (``cumulative``) is the response to a permanent unit change, which tends to
    the long-run effect :math:`\\sum_l \\beta_l / (1 - \\sum_j \\rho_j)`; standard errors by the
    delta method with the model's covariance.

    Attributes
    ----------
    multipliers : pandas.DataFrame
        Index ``(impulse, h)``; columns ``effect``, ``std_error``, ``cumulative``,
        ``cumulative_se``.
    long_run : pandas.DataFrame
        Index ``impulse``; columns ``effect``, ``std_error``, ``z``, ``p_value``.
    """

    multipliers: pd.DataFrame
    long_run: pd.DataFrame

    def plot(self, impulse: str | None = None, cumulative: bool = False, level: float = 0.95):
        """Plot the multipliers with delta-method bands; returns the matplotlib figure."""
        import matplotlib.pyplot as plt

        impulses = [impulse] if impulse else list(dict.fromkeys(
            self.multipliers.index.get_level_values(0)))
        fig, axes = plt.subplots(len(impulses), 1, squeeze=False,
                                 figsize=(6, 2.5 * len(impulses)))
        crit = stats.norm.ppf(0.5 + level / 2)
        col, se = ("cumulative", "cumulative_se") if cumulative else ("effect", "std_error")
        for ax, imp in zip(axes[:, 0], impulses, strict=True):
            part = self.multipliers.loc[imp]
            ax.plot(part.index, part[col], marker="o")
            ax.fill_between(part.index, part[col] - crit * part[se], part[col] + crit * part[se],
                            alpha=0.2)
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_title(f"{'cumulative ' if cumulative else ''}response to {imp}")
            ax.set_xlabel("h")
        fig.tight_layout()
        return fig


def _lag_structure(
    names: tuple[str, ...], dependent: str
) -> tuple[dict[int, int], dict[str, dict[int, int]]]:
    """Positions of the dependent variable's lags (``j -> pos``) and of each regressor's
    lags (``name -> {l: pos}``) among the parameter names (``L2.n``, ``w``, ``L1.w``...)."""
    rho: dict[int, int] = {}
    beta: dict[str, dict[int, int]] = {}
    for pos, name in enumerate(names):
        if name == "Intercept" or name.startswith("C("):
            continue
        lag, base = 0, name
        head, dot, tail = name.partition(".")
        if dot and head[:1] == "L" and head[1:].isdigit():
            lag, base = int(head[1:]), tail
        if base == dependent:
            if lag >= 1:
                rho[lag] = pos
            continue
        beta.setdefault(base, {})[lag] = pos
    return rho, beta


def dynamic_multipliers(
    params: pd.Series,
    cov: pd.DataFrame,
    dependent: str,
    periods: int = 10,
    impulse: str | list[str] | None = None,
) -> DynamicMultipliers:
    """Dynamic multipliers and long-run effects of a single-equation dynamic model.

    See :class:`DynamicMultipliers` for the formulas.  Gradients for the delta method follow
    the same recursion, ``dm_h = sum_j (rho_j dm_{h-j} + m_{h-j} drho_j) + dbeta_h``.

    Parameters
    ----------
    params, cov : pandas.Series, pandas.DataFrame
        Estimates named ``L1.y``, ``x``, ``L1.x``, ... and their covariance.
    dependent : str
        Name of the dependent variable (its lags are the autoregressive terms).
    periods : int
    impulse : str or list of str, optional
        Regressors to shock (default: every regressor other than the dependent's lags).

    Returns
    -------
    DynamicMultipliers
    """
    if not isinstance(periods, int | np.integer) or isinstance(periods, bool) or periods < 0:
        raise SpecificationError(f"periods must be a non-negative integer, got {periods!r}.")
    rho_pos, beta_pos = _lag_structure(tuple(params.index), dependent)
    if not beta_pos:
        raise SpecificationError(
            "The model has no regressor besides the lagged dependent variable: nothing to shock."
        )
    chosen = list(beta_pos) if impulse is None else (
        [impulse] if isinstance(impulse, str) else list(impulse))
    for imp in chosen:
        if imp not in beta_pos:
            raise SpecificationError(
                f"impulse={imp!r} is not a regressor of the model."
                f"{did_you_mean(imp, beta_pos)} Regressors: {', '.join(beta_pos)}."
            )
    theta, v = params.to_numpy(), cov.to_numpy()
    k = theta.size
    p = max(rho_pos, default=0)
    rho, drho = np.zeros(p + 1), np.zeros((p + 1, k))
    for j, q in rho_pos.items():
        rho[j], drho[j, q] = theta[q], 1.0
    denom = 1.0 - rho.sum()
    rows, lr_rows = [], []
    for imp in chosen:
        m, dm = np.zeros(periods + 1), np.zeros((periods + 1, k))
        for h in range(periods + 1):
            if h in beta_pos[imp]:
                m[h], dm[h, beta_pos[imp][h]] = theta[beta_pos[imp][h]], 1.0
            for j in range(1, min(h, p) + 1):
                m[h] += rho[j] * m[h - j]
                dm[h] += rho[j] * dm[h - j] + m[h - j] * drho[j]
        cm, cdm = np.cumsum(m), np.cumsum(dm, axis=0)
        se = np.sqrt(np.einsum("hk,kl,hl->h", dm, v, dm))
        cse = np.sqrt(np.einsum("hk,kl,hl->h", cdm, v, cdm))
        rows += [(imp, h, m[h], se[h], cm[h], cse[h]) for h in range(periods + 1)]
        total = sum(theta[q] for q in beta_pos[imp].values())
        grad = np.zeros(k)
        grad[list(beta_pos[imp].values())] = 1.0 / denom
        grad[list(rho_pos.values())] = total / denom**2
        lr, lr_se = total / denom, float(np.sqrt(grad @ v @ grad))
        z = lr / lr_se
        lr_rows.append((imp, lr, lr_se, z, 2 * stats.norm.sf(abs(z))))
    mult = pd.DataFrame(rows, columns=["impulse", "h", "effect", "std_error", "cumulative",
                                       "cumulative_se"]).set_index(["impulse", "h"])
    long_run = pd.DataFrame(lr_rows, columns=["impulse", "effect", "std_error", "z",
                                              "p_value"]).set_index("impulse")
    return DynamicMultipliers(mult, long_run)


@dataclass(frozen=True)
class GmmResult(Result):
    """Result of a difference or system GMM fit, with :meth:`irf` (dynamic multipliers)."""

    def irf(  # type: ignore[override]
        self, periods: int = 10, impulse: str | list[str] | None = None
    ) -> DynamicMultipliers:
        """Dynamic multipliers of each regressor and its long-run effect (delta-method SEs).

        Parameters
        ----------
        periods : int
            Horizons ``0..periods``.
        impulse : str or list of str, optional
            Regressors (without lag prefix, e.g. ``"w"``); default: all.

        Returns
        -------
        DynamicMultipliers
            Uses this result's covariance (so ``res.with_vcov(...).irf()`` changes the SEs).
        """
        return dynamic_multipliers(self.params, self.cov, self.dependent, periods, impulse)


# ====================================================================================== models
def small_sample_factor(n_groups: int, nobs: int, k: int) -> float:
    """xtabond2's ``small`` factor on the covariance: ``(N/(N-1)) * n/(n-k+1)``.

    This form reproduces every digit of the two published xtabond2 ``small`` printouts we
    have (Roodman 2009 §3.3, difference GMM, n = 611, k = 16; the two-step system printout of
    ``validation/gmm`` case ``x2_sys_forum``, n = 751, k = 16), where the textbook
    ``(N/(N-1))(n-1)/(n-k)`` is off by 4e-5 and 3e-5 relative.  ``n`` is xtabond2's
    observation count (transformed rows in difference GMM, levels rows in system GMM).
    """
    return (n_groups / (n_groups - 1)) * (nobs / (nobs - k + 1))


class _DynamicPanelGMM(PanelModel):
    """Shared implementation of :class:`DiffGMM` and :class:`SystemGMM`."""

    name: ClassVar[str] = ""
    system: ClassVar[bool] = False

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        h: int = 3,
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel)
        self.transform = check_choice("transform", transform, _TRANSFORMS)
        self.h = check_choice("h", h, (1, 2, 3))
        if not isinstance(ar_order, int) or ar_order < 1:
            raise SpecificationError(f"ar_order must be a positive integer, got {ar_order!r}.")
        self.ar_order = ar_order
        self.gsys, self.design = build_system(
            spec, panel, system=self.system, transform=transform, h=h, warn=warn
        )
        g = self.gsys
        if warn:
            _warn_uninstrumented(spec, g)
        if g.z.shape[1] > g.n_entities and warn:
            warnings.warn(
                f"{g.z.shape[1]} instruments for {g.n_entities} entities: more instruments than "
                "groups over-fit the endogenous variables and weaken the Hansen test (Roodman "
                "2009). Reduce them with gmm(..., collapse=True) or a lag limit such as "
                "gmm(n, 2:4).",
                SpecificationWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        *,
        steps: Literal[1, 2, "iterated"] = 2,
        vcov: Literal["robust", "unadjusted"] = "robust",
        small: bool = False,
        sigma2_df: Literal["n", "n-k"] = "n",
    ) -> GmmResult:
        """Estimate by one-step, two-step or iterated GMM.

        Parameters
        ----------
        steps : {1, 2, "iterated"}
        vcov : {"robust", "unadjusted"}
            ``"robust"``: one-step cluster-robust sandwich, two-step Windmeijer (2005),
            iterated: efficient-GMM covariance at the last weight.  ``"unadjusted"``:
            one-step ``sigma2 (X'ZW_1Z'X)^{-1}``, two-step ``(X'ZW_2Z'X)^{-1}`` (the SEs
            Arellano-Bond 1991 print).
        small : bool
            xtabond2's small-sample correction: covariance times
            :func:`small_sample_factor`, t (df ``N-1``) and F tests.
        sigma2_df : {"n", "n-k"}
            Divisor of the one-step error variance in the non-robust covariance: xtabond2's
            ``SSR/(2n)`` (``"n"``) or that times ``n/(n-k)`` (``"n-k"``, Stata xtabond).
            The same variance scales the Sargan statistic (``"n"``: xtabond2's 67.59 for
            Arellano-Bond column a1; ``"n-k"``: gretl/DPD's 73.858 for column b).

        Returns
        -------
        GmmResult
        """
        check_choice("steps", steps, _STEPS)
        check_choice("vcov", vcov, _VCOV)
        check_choice("sigma2_df", sigma2_df, ("n", "n-k"))
        g = self.gsys
        n, k, n_groups = g.nobs, g.x.shape[1], g.n_entities
        sig_factor = n / (n - k) if sigma2_df == "n-k" else 1.0
        fitres = ge.gmm_fit(g.y, g.x, g.z, g.entity, g.h, steps=steps, n_entities=n_groups,
                            sigma2=self._sigma2, sargan_scale=sig_factor)
        robust = vcov == "robust"
        if steps == 1:
            cov = fitres.cov["onestep_robust"] if robust else fitres.cov["onestep"] * sig_factor
            label = "cluster-robust (entity), one-step" if robust else "one-step, non-robust"
            a_use, w_use = fitres.a1, fitres.w1
        elif steps == 2:
            cov = fitres.cov["windmeijer"] if robust else fitres.cov["twostep"]
            label = ("Windmeijer (2005) corrected, two-step" if robust
                     else "two-step, non-robust")
            a_use, w_use = fitres.a2, fitres.w2
        else:
            cov = fitres.cov["iterated"]
            label = "iterated GMM (efficient-GMM covariance at the last weight)"
            gi = ge.entity_sums(g.z, g.entity, n_groups, weights=fitres.resid)
            w_use = np.linalg.pinv(gi.T @ gi, hermitian=True)
            a_use = cov
        note = ""
        ar_cov = cov  # xtabond2's AR tests use the covariance before the small-sample factor
        if small:
            factor = small_sample_factor(n_groups, n, k)
            cov = cov * factor
            note = f"small-sample factor (N/(N-1)) n/(n-k+1) = {factor:.6f}"
        names = list(g.x_names)
        diagnostics = self._diagnostics(fitres, cov, ar_cov, a_use, w_use, steps, vcov, small,
                                        sigma2_df)
        resid, fitted = self._residual_series(fitres.resid)
        rows = ~g.is_diff if self.system else g.is_diff
        counts = np.bincount(g.entity[rows], minlength=n_groups)
        balance = BalanceInfo(
            n_entities=n_groups, n_periods=int(np.unique(g.time[rows]).size), nobs=n,
            t_min=int(counts.min()), t_mean=float(counts.mean()), t_max=int(counts.max()),
            balanced=bool(counts.min() == counts.max()),
            entities_with_gaps=self.panel.balance.entities_with_gaps,
        )
        kind = {1: "one-step", 2: "two-step", "iterated": "iterated"}[steps]
        return GmmResult(
            params=pd.Series(fitres.params, index=names, name="params"),
            cov=pd.DataFrame(cov, index=names, columns=names),
            model=self.name, formula=self.spec.text, dependent=self.design.y.columns[0],
            nobs=n, n_entities=n_groups, df_resid=float(n_groups - 1) if small else None,
            vcov_type=label, vcov_note=note, resid=resid, fitted=fitted,
            diagnostics=diagnostics,
            dropped=dataclasses.replace(self.design.dropped,
                                        reason="missing values or unavailable lags"),
            balance=balance, info=self._info(fitres, steps, counts),
            title=f"{'System' if self.system else 'Difference'} GMM ({kind})",
            _revcov=self._refit_with(steps, small, sigma2_df),
        )

    def _sigma2(self, u1: np.ndarray) -> float:
        """xtabond2's error variance: transformed-equation SSR / (d * n).

        ``d = 2`` for first differences (Var Δε = 2σ²), 1 for orthogonal deviations, and
        ``n`` the reported observation count (transformed rows in difference GMM, levels
        rows in system GMM).  This gives xtabond2's Sargan for Arellano-Bond a1 (67.59) and
        for the Blundell-Bond h(3) system (186.90).
        """
        g = self.gsys
        d = g.is_diff
        return float(u1[d] @ u1[d]) / ((2.0 if g.transform == "fd" else 1.0) * g.nobs)

    def _residual_series(self, resid: np.ndarray) -> tuple[pd.Series, pd.Series]:
        """Residuals and fitted values indexed by (equation,) entity and period."""
        g = self.gsys
        period = g.time - ((g.transform == "fod") & g.is_diff)  # FOD rows carry t + 1
        arrays = [g.entities[g.entity], g.time_values[period]]
        level_names = [self.panel.entity, self.panel.time]
        if self.system:
            arrays.insert(0, np.where(g.is_diff, "transformed", "level"))
            level_names.insert(0, "equation")
        index = pd.MultiIndex.from_arrays(arrays, names=level_names)
        return (pd.Series(resid, index=index, name="resid"),
                pd.Series(g.y - resid, index=index, name="fitted"))

    def _refit_with(self, steps, small, sigma2_df):
        def refit(vcov: str, **options: Any) -> GmmResult:
            check_kwargs("with_vcov", options, ("small", "sigma2_df"))
            return self.fit(steps=steps, vcov=vcov, small=options.get("small", small),
                            sigma2_df=options.get("sigma2_df", sigma2_df))

        return refit

    # ------------------------------------------------------------------ diagnostics
    def _ar_rows(self, params: np.ndarray, resid: np.ndarray):
        """Differenced residuals, differenced regressors, entity codes and periods of the
        rows the AR tests use.

        Under first differences these are the transformed-equation rows of the stacked
        system (levels rows get zeros, so they drop out of every sum).  Under orthogonal
        deviations the level residuals ``y - X b`` on the sample are first-differenced, as
        xtabond2 does (its AR tests are always in differences).
        """
        g = self.gsys
        if g.transform == "fd":
            d = g.is_diff
            return resid * d, g.x * d[:, None], g.entity, g.time, d
        lv = g.levels
        de = ge.first_difference(lv["y"] - lv["x"] @ params, lv["entity"], lv["time"])
        dx = ge.first_difference(lv["x"], lv["entity"], lv["time"])
        ok = np.isfinite(de) & np.all(np.isfinite(dx), axis=1) & np.isin(lv["entity"],
                                                                            g.panel_codes)
        ent = np.searchsorted(g.panel_codes, lv["entity"][ok])
        return de[ok], dx[ok], ent, lv["time"][ok], np.ones(int(ok.sum()), bool)

    def _diagnostics(self, fitres, cov, ar_cov, a_use, w_use, steps, vcov, small, sigma2_df):
        g = self.gsys
        n_groups = g.n_entities
        out: dict[str, TestResult] = {}
        u, dx, ent, time, active = self._ar_rows(fitres.params, fitres.resid)
        moments = ge.entity_sums(g.z, g.entity, n_groups, weights=fitres.resid)
        iid = None
        if steps == 1 and vcov == "unadjusted" and g.transform == "fd":
            scale = g.nobs / (g.nobs - g.x.shape[1]) if sigma2_df == "n-k" else 1.0
            iid = (fitres.sigma2 * scale, g.h, g.z)
        for m in range(1, self.ar_order + 1):
            lagged = ge.lookup(np.where(active, u, np.nan), ent, time, ent, time - m)
            lagged = np.where(active & np.isfinite(lagged), lagged, 0.0)
            stat = ge.arellano_bond_ar(u, lagged, dx, ent, moments, fitres.zx, w_use, a_use,
                                       ar_cov, iid=iid, n_entities=n_groups)
            pvalue = float(2 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else float("nan")
            out[f"AR({m})"] = TestResult(
                stat, pvalue, None, f"Arellano-Bond AR({m}) in first differences", "normal",
                f"no AR({m}) serial correlation in the differenced errors",
            )
        L, k = g.z.shape[1], g.x.shape[1]
        df = L - k
        out["Sargan"] = TestResult(
            fitres.sargan, ge.chi2_pvalue(fitres.sargan, df), df,
            "Sargan test of overid. restrictions (not robust)", "chi2",
            "instruments valid (homoskedastic errors)",
        )
        hansen = fitres.hansen
        out["Hansen"] = TestResult(
            hansen, ge.chi2_pvalue(hansen, df), df,
            "Hansen test of overid. restrictions (robust)", "chi2", "instruments valid",
        )
        if df > 0:
            out.update(self._difference_in_hansen(fitres, hansen, df))
        out.update(self._wald_tests(fitres.params, cov, small))
        return out

    def _difference_in_hansen(self, fitres, hansen, df) -> dict[str, TestResult]:
        g = self.gsys
        out: dict[str, TestResult] = {}
        k = g.x.shape[1]
        groups = dict(g.z_groups)
        lev_gmm = [j for name, cols in g.z_groups.items()
                   if name.endswith("[levels]") and name not in g.iv_groups for j in cols]
        if g.system and lev_gmm:
            groups["GMM instruments for levels"] = np.asarray(lev_gmm)
        iv_groups = [name for name in g.iv_groups if name != "constant"]
        if len(iv_groups) > 1:
            groups["IV-style instruments"] = np.concatenate([g.z_groups[n] for n in iv_groups])
        for name, cols in groups.items():
            rest = np.setdiff1d(np.arange(g.z.shape[1]), cols)
            df_sub = rest.size - k
            if df_sub <= 0 or cols.size == 0:
                continue
            j_sub = ge.hansen_j(fitres.zx[rest], fitres.zy[rest], fitres.s1[np.ix_(rest, rest)])
            diff = hansen - j_sub
            out[f"Hansen excluding {name}"] = TestResult(
                j_sub, ge.chi2_pvalue(j_sub, df_sub), df_sub,
                f"Hansen test excluding group {name}", "chi2", "remaining instruments valid",
            )
            out[f"Difference-in-Hansen {name}"] = TestResult(
                diff, ge.chi2_pvalue(diff, df - df_sub), df - df_sub,
                f"Difference-in-Hansen, group {name}", "chi2", f"instruments of {name} valid",
            )
        return out

    def _wald_tests(self, params, cov, small) -> dict[str, TestResult]:
        g = self.gsys
        names = list(g.x_names)
        time_idx = [i for i, nm in enumerate(names) if nm in g.time_terms]
        slope_idx = [i for i, nm in enumerate(names)
                     if nm not in g.time_terms and nm != "Intercept"]
        all_idx = [i for i, nm in enumerate(names) if nm != "Intercept"]
        out = {}
        for key, idx, what in (
            ("Wald (all)", all_idx, "all coefficients except the constant are zero"),
            ("Wald (slopes)", slope_idx, "all slopes (not time effects) are zero"),
            ("Wald (time effects)", time_idx, "all time effects are zero"),
        ):
            if not idx or (key == "Wald (slopes)" and idx == all_idx):
                continue
            stat = ge.wald_test(params[idx], cov[np.ix_(idx, idx)])
            q = len(idx)
            if small:
                df2 = g.n_entities - (1 if "Intercept" in names else 0)
                out[key] = TestResult(stat / q, float(stats.f.sf(stat / q, q, df2)), (q, df2),
                                      key, "F", what)
            else:
                out[key] = TestResult(stat, ge.chi2_pvalue(stat, q), q, key, "chi2", what)
        return out

    def _info(self, fitres, steps, counts) -> dict[str, Any]:
        g = self.gsys
        by_eq: dict[str, list[str]] = {"diff": [], "level": []}
        for name, cols in g.z_groups.items():
            eqs = {g.z_equation[j] for j in cols}
            for e in eqs:
                for part in (("diff", "level") if e == "both" else (e,)):
                    by_eq[part].append(f"{name} ({len(cols)})")
        header = [
            ("Estimator", ("system" if self.system else "difference") + " GMM, "
             + {1: "one-step", 2: "two-step", "iterated": "iterated"}[steps]),
            ("Transform", {"fd": "first differences", "fod": "orthogonal deviations"}[g.transform]),
            ("Instruments", str(g.z.shape[1])),
            ("Obs per group", f"min {counts.min()}, avg {counts.mean():.2f}, max {counts.max()}"),
        ]
        if self.system:
            header.append(("H (one-step)", g.h.name))
        footer = ["Instruments for " + ("first-differences" if g.transform == "fd" else
                                        "orthogonal-deviations") + " equation: "
                  + "; ".join(by_eq["diff"])]
        if self.system:
            footer.append("Instruments for levels equation: " + "; ".join(by_eq["level"]))
        if fitres.singular:
            footer.append("Warning: a weighting matrix was singular; generalised inverse used.")
        return {
            "n_instruments": int(g.z.shape[1]),
            "instruments": g.z_names,
            "instrument_groups": {k: tuple(g.z_names[j] for j in v) for k, v in g.z_groups.items()},
            "steps": steps,
            "transform": g.transform,
            "h": g.h.name,
            "sigma2": fitres.sigma2,
            "params_onestep": pd.Series(fitres.params1, index=list(g.x_names)),
            "params_twostep": pd.Series(fitres.params2, index=list(g.x_names)),
            "obs_per_group": (int(counts.min()), float(counts.mean()), int(counts.max())),
            "n_diff_obs": int(g.is_diff.sum()),
            "n_level_obs": int((~g.is_diff).sum()),
            "time_terms": g.time_terms,
            "summary_header": tuple(header),
            "summary_footer": tuple(footer),
        }


class DiffGMM(_DynamicPanelGMM):
    """Arellano-Bond (1991) difference GMM (xtabond2 ``noleveleq``; plm ``pgmm(..., "d")``).

    Parameters
    ----------
    spec : FormulaSpec
        ``y ~ L(y, 1:p) + x + C(time) | gmm(y, 2:.) + iv(x)``.
    panel : PanelData
    transform : {"fd", "fod"}
        First differences or forward orthogonal deviations (xtabond2 ``orthogonal``).
    ar_order : int
        Highest order of the Arellano-Bond AR tests.
    warn : bool
        Warnings for missing values and too many instruments.

    Examples
    --------
    >>> import stfi_models as sm
    >>> ab = sm.load_abdata()  # doctest: +SKIP
    >>> res = sm.fit("n ~ L(n, 1:2) + L(w, 0:1) + k + L(ys, 0:1) + C(year) "
    ...              "| gmm(n, 2:.) + iv(L(w, 0:1), k, L(ys, 0:1))", ab, entity="id",
    ...              time="year", model="diff-gmm", steps=2)  # doctest: +SKIP
    """

    name: ClassVar[str] = "diff-gmm"
    system: ClassVar[bool] = False

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel, transform=transform, ar_order=ar_order, warn=warn)


class SystemGMM(_DynamicPanelGMM):
    """Blundell-Bond (1998) system GMM (xtabond2 default; plm ``transformation="ld"``).

    Parameters
    ----------
    spec, panel, transform, ar_order, warn
        As in :class:`DiffGMM`.  ``gmm()`` blocks apply to both equations unless they set
        ``eq=``; ``iv()`` blocks too (one column across both equations, as in xtabond2).
    h : {1, 2, 3}
        One-step weighting structure of the stacked system: 3 (xtabond2 default, and plm
        2.6's ``"ld"``), 2 (DPD for Ox), 1 (identity; Blundell and Bond 1998 as published).

    Examples
    --------
    >>> import stfi_models as sm
    >>> ab = sm.load_abdata()  # doctest: +SKIP
    >>> res = sm.fit("n ~ L(n, 1) + L(w, 0:1) + L(k, 0:1) + C(year) "
    ...              "| gmm(n, 2:.) + gmm(w, 2:.) + gmm(k, 2:.)", ab, entity="id",
    ...              time="year", model="sys-gmm", steps=1, small=True)  # doctest: +SKIP
    """

    name: ClassVar[str] = "sys-gmm"
    system: ClassVar[bool] = True

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        h: Literal[1, 2, 3] = 3,
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel, transform=transform, h=h, ar_order=ar_order, warn=warn)
