"""The stacked estimating equations of difference and system GMM.

This module's one job is :func:`build_system`: from a parsed formula and a panel it builds
the dependent variable, the regressors (with the constant and time dummies) and the
instruments on the stacked rows -- the transformed equation (first differences or forward
orthogonal deviations), followed in system GMM by the levels equation -- and the one-step
weighting structure ``H``, held in a :class:`GmmSystem`.  The instrument columns come from
:mod:`stfi_models.models.gmm.instruments`.

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Arellano, M. and Bover, O. (1995). *Journal of Econometrics* 68: 29-51.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
)
from stfi_models.formula.design import Design, build_design
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models.gmm import engine as ge
from stfi_models.models.gmm.instruments import (
    IvColumn,
    collect_instruments,
    instrument_matrix,
    split_time_effects,
    transform_rows,
)
from stfi_models.panel import PanelData

__all__ = ["GmmSystem", "build_system"]


@dataclass(frozen=True)
class GmmSystem:
    """The stacked estimating equations of a dynamic panel GMM model.

    Rows are the transformed-equation rows followed (system GMM) by the levels rows.

    Attributes
    ----------
    y, x : ndarray
        Dependent variable and regressors on the stacked rows.
    z : scipy.sparse.csr_matrix
        Instruments on the stacked rows, sparse (an uncollapsed GMM-style column is nonzero
        on one period's rows only): memory linear in the rows.
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
    z: sp.csr_matrix
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
        System-GMM one-step weighting structure (see :func:`engine.h_system`).
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
    base_spec, time_effects = split_time_effects(spec, panel)
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
    dx = transform_rows(x_lev, ent, pos, transform)
    if has_const:
        dx[:, names.index("Intercept")] = 0.0
    d_ok = np.isfinite(dy) & np.all(np.isfinite(dx), axis=1)
    lev_ok = np.full(rows.size, system)

    # ---- instrument variables
    iv_cols, gmm_blocks, iv_diff_ok, iv_level_ok = collect_instruments(
        spec, panel, system=system, transform=transform, rows=rows
    )
    d_ok &= iv_diff_ok
    lev_ok &= iv_level_ok
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
        iv_cols.append(IvColumn("constant", "Intercept", None, np.ones(rows.size)))
    for j, name in enumerate(x_names):
        if name in time_terms:  # own instruments: transformed (DIF) or levels (SYS)
            iv_cols.append(IvColumn("time effects", name, None if system else dx[:, j],
                                    x_lev[:, j] if system else None))

    # ---- instrument matrix
    builder = instrument_matrix(gmm_blocks, iv_cols, panel, system=system, entity=s_ent_full,
                                time=s_time, is_diff=is_diff, d_idx=d_idx, l_idx=l_idx)

    if not system:
        hs = ge.h_first_difference(s_ent, s_time) if transform == "fd" else ge.h_identity(y.size)
    else:
        hs = ge.h_system(s_ent, s_time, np.flatnonzero(is_diff), np.flatnonzero(~is_diff),
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
