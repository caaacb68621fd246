"""Panel vector autoregression estimated by GMM (or by OLS on within-demeaned data).

Model (Holtz-Eakin, Newey and Rosen 1988; Abrigo and Love 2016; Sigmund and Ferstl 2021):

.. math::

    y_{it} = \\sum_{j=1}^{p} A_j\\, y_{i,t-j} + B\\, x_{it} + \\mu_i + \\varepsilon_{it},
    \\qquad y_{it} \\in \\mathbb{R}^m,

with fixed effects :math:`\\mu_i` removed by forward orthogonal deviations (``"fod"``,
default) or first differences (``"fd"``).  The transformation is applied to the equation on
its estimation sample (dependent variables, their lags and the exogenous regressors), and,
as in xtabond2 and R panelvar, the orthogonal deviation of period ``t`` is dated ``t + 1``,
so instrument lags mean the same under both transformations.

Instruments (default = R panelvar's default and example 1): GMM-style lagged *levels* of every
dependent variable, lags ``2`` and up (``| gmm(2:.)``), one column per period and lag; missing
instruments are zero.  Exogenous regressors instrument themselves (transformed).
``| gmm(2:4, collapse=True)`` shortens or collapses the block; ``| gmm(a, 2:3)`` names the
instrumenting variables explicitly.

System GMM (``system=True``; Arellano and Bover 1995, Blundell and Bond 1998; R panelvar's
``system_instruments=TRUE``): every sample row (a period with ``y`` and its ``p`` lags
observed) also enters in *levels*, ``y_t = A_1 y_{t-1} + .. + B x_t + c + (\\mu_i +
\\varepsilon_t)``, stacked under the transformed rows.  Conventions:

* levels instruments: for each block ``gmm(z, a:b)`` the difference ``Δz_{t-a+1}`` (lag 1
  for the default ``2:.``), one column per period (per block when collapsed), zero where
  unavailable -- xtabond2's choice (earlier differences are redundant given the transformed
  equation's moments); exogenous regressors are one column each, transformed on the
  transformed rows and in levels on the levels rows (xtabond2's ``iv(x)``);
* constant: each equation gets a constant (``Intercept``) in its levels rows (zero in the
  transformed rows), instrumented by itself; omitted with ``- 1`` in the formula;
* one-step weight: ``H_i = V_iV_i'`` with ``V_i = [T_i; I]`` stacking the transformation
  rows ``T_i`` (FD or FOD of the entity's sample rows) on the identity of its levels rows,
  :math:`W_1 = I_m \\otimes (\\sum_i Z_i'V_iV_i'Z_i)^{-1}` (pvar.md §2; ``C = F`` under FOD,
  where xtabond2 puts 0).  Under FD this is xtabond2's ``h(3)``, so a one-variable model
  equals ``model="sys-gmm"`` with ``transform="fd", h=3``; with all lags as instruments on a
  balanced panel FD and FOD give the same estimates (Arellano-Bover invariance);
* two-step weight joint over equations, Windmeijer covariance for the whole system and
  Hansen's J as without levels; ``Sigma`` and ``nobs`` use the transformed rows only, with
  divisor ``n - K`` where ``K`` excludes the constant (it is absent from those rows).

Estimator: the ``m`` equations are one linear GMM problem with block-diagonal regressors
:math:`I_m \\otimes X_i` and instruments :math:`I_m \\otimes Z_i` per entity, so that

* one step: :math:`W_1 = I_m \\otimes (\\sum_i Z_i' H Z_i)^{-1}` (``H = I`` for FOD,
  ``tridiag(-1, 2, -1)`` for FD) -- equation-by-equation GMM with a common weight;
* two step: :math:`W_2 = (\\sum_i g_i g_i')^{+}`, :math:`g_i = \\mathrm{vec}(Z_i'\\hat E_{1i})`,
  *joint* over the equations, with Windmeijer (2005) corrected covariance for the whole
  system and Hansen's J.

Computation: the estimates are obtained from per-entity cross products (``Z_i'H_iZ_i``
with the engine's ``H`` structure -- :func:`~stfi_models.models.gmm_engine.h_identity`,
:func:`~stfi_models.models.gmm_engine.h_first_difference` or, for system GMM,
:func:`~stfi_models.models.gmm_engine.h_outer` --, ``Z_i'X_i``, ``Z_i'Y_i``), which is
algebraically the engine's
:func:`~stfi_models.models.gmm_engine.gmm_fit` on the stacked block-diagonal system (a test
checks this) but needs only ``L x L`` work for the one-step weight; the same cross products
make a bootstrap refit cost milliseconds.  The Windmeijer covariance comes from the engine.

``W_2`` is a Moore-Penrose inverse with relative tolerance ``rcond`` (default
``sqrt(machine eps)`` = R ``MASS::ginv``, which R panelvar uses): with many moments relative
to entities, :math:`\\sum_i g_i g_i'` is numerically rank-deficient (Dahlberg example: 252
moments, 265 entities, condition number 4e9, numerical rank 221), and the truncation changes
the estimate.  ``rcond=0`` asks for the plain inverse.

The residual covariance used by impulse responses is
:math:`\\hat\\Sigma = \\hat E'\\hat E/(n - K)` from the *transformed* residuals (``n``
transformed observations, ``K`` regressors per equation), as R panelvar; with
``estimator="fe-ols"`` the divisor is ``n - N - K`` (statsmodels VAR's for one entity).

References
----------
Holtz-Eakin, D., Newey, W. and Rosen, H. S. (1988). Estimating vector autoregressions with
panel data. *Econometrica* 56(6): 1371-1395.
Arellano, M. and Bover, O. (1995). *Journal of Econometrics* 68: 29-51.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Love, I. and Zicchino, L. (2006). *Quarterly Review of Economics and Finance* 46(2): 190-210.
Abrigo, M. R. M. and Love, I. (2016). Estimation of panel vector autoregression in Stata.
*Stata Journal* 16(3): 778-804.
Sigmund, M. and Ferstl, R. (2021). Panel vector autoregression in R with the package
panelvar. *Quarterly Review of Economics and Finance* 80: 693-720.
Andrews, D. W. K. and Lu, B. (2001). Consistent model and moment selection procedures for
GMM estimation. *Journal of Econometrics* 101: 123-164.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
    check_choice,
)
from stfi_models.formula.design import Dropped, build_design
from stfi_models.formula.grammar import FormulaSpec, InstrumentSpec, lag_range
from stfi_models.models import gmm_engine as engine
from stfi_models.models.base import PanelModel
from stfi_models.panel import PanelData
from stfi_models.results.irf import (
    FEVD,
    IRF,
    Bands,
    fevd_shares,
    ma_coefficients,
    ordering,
    responses,
)
from stfi_models.results.result import Result, TestResult
from stfi_models.results.stability import Stability

__all__ = ["PanelVAR", "PanelVARResult"]

#: ``MASS::ginv``'s default tolerance, used by R panelvar for the two-step weight.
GINV_RCOND = float(np.sqrt(np.finfo(float).eps))

TRANSFORMS = ("fod", "fd")
ESTIMATORS = ("gmm", "fe-ols")


# ---------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class _Gmm:
    """A GMM-style instrument block: lagged levels of ``variables`` over ``lags``."""

    variables: tuple[str, ...]
    lags: tuple[int, int | None]
    collapse: bool


@dataclass(frozen=True)
class _System:
    """The estimating equations on their rows, each entity's rows contiguous.

    ``y`` (n x m), ``x`` (n x K) and ``z`` (n x L) are shared by all equations.  Without
    system instruments every row is a transformed equation (one per entity-period); with
    them each entity's transformed rows are followed by its levels rows (``level``).  ``h``
    is the one-step weighting structure of one equation's rows; ``const`` says whether the
    last regressor is the levels-equation constant.
    """

    y: np.ndarray
    x: np.ndarray
    z: np.ndarray
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


@dataclass(frozen=True)
class _Estimate:
    """Numbers of one fit: coefficients ``(m, K)``, their covariance, residuals, Sigma."""

    coef: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    sigma: np.ndarray
    coef_onestep: np.ndarray | None = None
    cov_onestep: np.ndarray | None = None
    hansen: float | None = None
    n_moments: int = 0
    rank_w2: int | None = None
    vcov_type: str = ""


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


# ---------------------------------------------------------------------------------- model
class PanelVAR(PanelModel):
    """Panel VAR, ``model="pvar"``: ``"y1 + y2 + y3 ~ L(1:p) [+ exog] [| gmm(a:b, ...)]"``.

    Parameters
    ----------
    spec : FormulaSpec
        Several left-hand variables; right-hand side ``L(1:p)`` (lags of all of them, in
        order ``L1.y1 .. L1.ym, L2.y1 ..``) plus optional exogenous regressors.
    panel : PanelData
    transform : {"fod", "fd"}
        Removal of the fixed effects (ignored by ``estimator="fe-ols"``).
    estimator : {"gmm", "fe-ols"}
        ``"gmm"`` (default) or OLS on within-demeaned data, equation by equation (biased for
        short T -- Nickell 1981 -- offered for teaching comparisons).
    system : bool
        System GMM (Arellano and Bover 1995; Blundell and Bond 1998; R panelvar's
        ``system_instruments=TRUE``): add a levels equation per sample row, instrumented by
        lagged differences, with a constant in each equation (reported as ``Intercept``;
        absent from the transformed equations).  See the module docstring.

    See the module docstring for the estimator and its conventions.

    Examples
    --------
    >>> import stfi_models as sm, pandas as pd                       # doctest: +SKIP
    >>> res = sm.fit("expenditures + revenues + grants ~ L(1)", dahlberg,
    ...              entity="id", time="year", model="pvar")         # doctest: +SKIP
    >>> res.irf(8, kind="orth", ci="mc", draws=500, seed=1).plot()   # doctest: +SKIP
    """

    name = "pvar"

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fod", "fd"] = "fod",
        estimator: Literal["gmm", "fe-ols"] = "gmm",
        system: bool = False,
    ) -> None:
        super().__init__(spec, panel)
        self.transform = check_choice("transform", transform, TRANSFORMS)
        self.estimator = check_choice("estimator", estimator, ESTIMATORS)
        if not isinstance(system, bool | np.bool_):
            raise SpecificationError(f"system must be True or False, got {system!r}.")
        if system and estimator != "gmm":
            raise SpecificationError(
                "system=True adds the levels equations of system GMM; it needs "
                "estimator='gmm' (fe-ols uses no instruments)."
            )
        self.system = bool(system)
        if not spec.is_system:
            raise SpecificationError(
                "A panel VAR needs several left-hand variables joined by '+', e.g. "
                "'y1 + y2 ~ L(1:2)'."
            )
        names = []
        for term in spec.lhs:
            if not isinstance(term.node, ast.Name):
                raise SpecificationError(
                    f"Left-hand side term {term.text!r}: a panel VAR takes plain columns; "
                    "create transformed columns in the data first."
                )
            names.append(term.node.id)
        self.names = tuple(names)
        design = build_design(spec, panel, absorb=False, warn=False)
        self.design = design
        self.p, self.exog = self._read_regressors(design)
        self.blocks = _gmm_blocks(spec, self.names) if estimator == "gmm" else ()
        if estimator == "fe-ols" and spec.instruments:
            raise SpecificationError(
                "estimator='fe-ols' uses no instruments; drop the '| gmm(...)' part or use "
                "estimator='gmm'."
            )
        self._warn_missing()

    # ------------------------------------------------------------------ reading the formula
    def _read_regressors(self, design) -> tuple[int, tuple[str, ...]]:
        columns = [c for c in design.x.columns if c != "Intercept"]
        m = len(self.names)
        p = 0
        while len(columns) >= (p + 1) * m and columns[p * m:(p + 1) * m] == [
            f"L{p + 1}.{v}" for v in self.names
        ]:
            p += 1
        exog = tuple(columns[p * m:])
        stray = [c for c in exog if any(c == f"L{k}.{v}" for v in self.names for k in range(1, 50))]
        if p == 0 or stray:
            raise SpecificationError(
                f"The right-hand side of a panel VAR must start with L(1:p) -- lags 1..p of "
                f"every left-hand variable ({', '.join(self.names)}) -- then exogenous "
                f"regressors. Got columns {columns}. Write e.g. "
                f"'{' + '.join(self.names)} ~ L(1:2) + x'."
            )
        return p, exog

    def _warn_missing(self) -> None:
        frame = self.panel.frame
        cols = list(self.names) + [c for c in self.exog if c in frame.columns]
        bad = frame[cols].isna().any(axis=1)
        if bad.any():
            counts = {c: int(frame[c].isna().sum()) for c in cols if frame[c].isna().any()}
            warnings.warn(
                f"{int(bad.sum())} of {len(frame)} rows have missing values "
                f"({', '.join(f'{k}: {v}' for k, v in counts.items())}); they are left out of "
                "the estimation sample (and of the forward means of orthogonal deviations). "
                "The count is on result.dropped.",
                MissingValueWarning, stacklevel=4,
            )

    # ------------------------------------------------------------------ sample and system
    def _levels(self, p: int, sample_lag: int) -> tuple[np.ndarray, np.ndarray]:
        """Levels of [y, L1.y .. Lp.y, exog] on the panel rows and the sample mask.

        The sample keeps rows where y, lags ``1..sample_lag`` and exog are observed (a common
        sample for lag selection when ``sample_lag > p``).
        """
        panel = self.panel
        y = panel.frame[list(self.names)].to_numpy(dtype=float)
        lags = [panel.lag(y[:, v], k) for k in range(1, max(p, sample_lag) + 1)
                for v in range(len(self.names))]
        lag_mat = np.column_stack(lags)
        exog = np.full((len(panel.frame), len(self.exog)), np.nan)
        if self.exog:
            exog[self.design.rows] = self.design.x[list(self.exog)].to_numpy(dtype=float)
        m = len(self.names)
        regressors = np.hstack([lag_mat[:, : p * m], exog])
        keep = np.isfinite(y).all(axis=1) & np.isfinite(lag_mat).all(axis=1)
        keep &= np.isfinite(exog).all(axis=1)
        return np.hstack([y, regressors]), keep

    def _transform(self, values: np.ndarray, ent: np.ndarray, tim: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """FOD (rows labelled ``t + 1``) or FD of ``values`` on the sample rows, and labels."""
        if self.transform == "fod":
            return engine.forward_orthogonal_deviations(values, ent, tim)
        return engine.first_difference(values, ent, tim), tim

    def _transform_matrix(self, ent: np.ndarray, tim: np.ndarray, ok: np.ndarray
                          ) -> sp.csr_matrix:
        """The transformation as weights on the sample's level rows (``n_ok x n``).

        Obtained by applying :meth:`_transform` to one-hot columns that mark each row's
        position within its entity, so it is by construction the transformation applied to
        the data (gaps and unbalanced entities included).
        """
        n = ent.size
        new = np.r_[True, ent[1:] != ent[:-1]]
        start = np.flatnonzero(new)[np.cumsum(new) - 1]
        position = np.arange(n) - start
        onehot = np.zeros((n, int(position.max()) + 1))
        onehot[np.arange(n), position] = 1.0
        coef = self._transform(onehot, ent, tim)[0][ok]
        r, c = np.nonzero(coef)
        return sp.csr_matrix((coef[r, c], (r, start[ok][r] + c)), shape=(int(ok.sum()), n))

    def _system(self, p: int | None = None, sample_lag: int | None = None) -> _System:
        """Estimating equations and instruments (GMM) for lag order ``p``.

        Transformed rows: the transformation of ``[y, lags, exog]`` over the sample rows,
        instrumented by the formula's GMM-style blocks of lagged levels and by the
        transformed exogenous regressors.  With ``system=True`` every sample row also gives
        a levels row (``y_t`` on its lagged levels, the exogenous regressors and a constant),
        instrumented by ``Δz_{t-a+1}`` for each block ``gmm(z, a:b)``
        (:func:`~stfi_models.models.gmm_engine.level_gmm_style`, xtabond2's lag), by the
        exogenous regressors in levels (the same column as their transformed values) and by
        the constant.
        """
        p = self.p if p is None else p
        sample_lag = p if sample_lag is None else sample_lag
        panel = self.panel
        values, keep = self._levels(p, sample_lag)
        m = len(self.names)
        codes, pos = panel.entity_codes, panel.time_positions
        rows = np.flatnonzero(keep)
        self._check_length(p, rows)
        ent, tim = codes[rows], pos[rows]
        trans, label = self._transform(values[rows], ent, tim)
        ok = np.isfinite(trans).all(axis=1)
        if not ok.any():
            self._too_short(p)
        lev = np.arange(rows.size) if self.system else np.arange(0)
        level = np.r_[np.zeros(int(ok.sum()), bool), np.ones(lev.size, bool)]
        eq_ent, eq_time = np.r_[ent[ok], ent[lev]], np.r_[label[ok], tim[lev]]
        stacked = np.vstack([trans[ok], values[rows][lev]])
        y, x = stacked[:, :m], stacked[:, m:]
        const = self._const
        if const:
            x = np.column_stack([x, level.astype(float)])
        blocks, inst_names = [], []
        frame = panel.frame
        for block in self.blocks:
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
                blocks.append(mat)
                inst_names += labels
                if self.system:
                    mat, labels = engine.level_gmm_style(
                        engine.first_difference(z_lev, codes, pos), codes, pos, eq_ent,
                        eq_time, max(block.lags[0] - 1, 0), collapse=block.collapse,
                        active=level, name=var,
                    )
                    blocks.append(mat)
                    inst_names += labels
        n_exog = len(self.exog)
        if n_exog:
            blocks.append(x[:, p * m:p * m + n_exog])
            inst_names += [f"{v} ({'transformed; levels' if self.system else 'transformed'})"
                           for v in self.exog]
        if const:
            blocks.append(level.astype(float)[:, None])
            inst_names.append("constant (levels)")
        z = np.hstack(blocks) if blocks else np.zeros((y.shape[0], 0))
        order = np.lexsort((eq_time, level, eq_ent))  # entity, transformed before levels, time
        n_rows = order.size
        if self.system:
            v = sp.vstack([self._transform_matrix(ent, tim, ok), sp.identity(rows.size)])
            h = engine.h_outer(sp.csr_matrix(v)[order],
                               "V V', V = [transformation rows; identity]")
        elif self.transform == "fod":
            h = engine.h_identity(n_rows)
        else:
            h = engine.h_first_difference(eq_ent[order], eq_time[order])
        index = panel.index[rows[np.r_[np.flatnonzero(ok), lev]][order]]
        # re-code entities 0..N'-1 over those with equation rows
        used, new_codes = np.unique(eq_ent[order], return_inverse=True)
        return _System(y[order], x[order], z[order], new_codes, eq_time[order], index,
                       used.size, tuple(inst_names), h, level[order], const)

    def _check_length(self, p: int, rows: np.ndarray) -> None:
        if rows.size == 0:
            self._too_short(p)

    def _too_short(self, p: int) -> None:
        b = self.panel.balance
        need = p + 2
        raise EstimationError(
            f"Lag order p={p} is too long for the panel: the transformed "
            f"equations need at least {need} consecutive periods per entity (p lags, the "
            f"current period and one more for the transformation), but entities have at most "
            f"T = {b.t_max}. Use fewer lags (p <= {max(b.t_max - 2, 0)})."
        )

    # ------------------------------------------------------------------ estimation
    def fit(
        self,
        *,
        steps: Literal[1, 2] = 2,
        rcond: float = GINV_RCOND,
    ) -> PanelVARResult:
        """Estimate the panel VAR.

        Parameters
        ----------
        steps : {1, 2}
            One-step (robust sandwich SEs) or two-step GMM (Windmeijer SEs).
        rcond : float
            Relative tolerance of the Moore-Penrose inverse of the two-step weight
            (default ``sqrt(eps)``, as R panelvar via ``MASS::ginv``; ``0`` = plain inverse).
            With ``system=True`` the tolerance applies to the equilibrated weight
            ``D^{-1/2} S D^{-1/2}`` (``D = diag(S)``), so that it does not depend on units.

        Returns
        -------
        PanelVARResult
        """
        check_choice("steps", steps, (1, 2))
        if not rcond >= 0:
            raise SpecificationError(f"rcond must be >= 0, got {rcond}.")
        if self.estimator == "fe-ols":
            system, est = self._fit_fe_ols()
        else:
            system = self._system()
            self._warn_instruments(system)
            est = _gmm_system(system, steps, rcond)
        return self._result(system, est, steps, rcond)

    def _warn_instruments(self, system: _System) -> None:
        n_moments = system.z.shape[1] * len(self.names)
        if n_moments > system.n_entities:
            warnings.warn(
                f"The panel VAR uses {n_moments} moment conditions ({system.z.shape[1]} "
                f"instruments x {len(self.names)} equations) but has only "
                f"{system.n_entities} entities: the two-step weight matrix is singular and "
                "Hansen's J is weak. Use gmm(2:4, collapse=True) (collapse=True and/or a "
                "shorter lag range) to cut the instrument count.",
                SpecificationWarning, stacklevel=3,
            )

    def _fit_fe_ols(self) -> tuple[_System, _Estimate]:
        values, keep = self._levels(self.p, self.p)
        rows = np.flatnonzero(keep)
        self._check_length(self.p, rows)
        m = len(self.names)
        codes = self.panel.entity_codes[rows]
        data = values[rows]
        sums = engine.entity_sums(data, codes, int(codes.max()) + 1)
        counts = np.bincount(codes)
        demeaned = data - (sums / counts[:, None])[codes]
        y, x = demeaned[:, :m], demeaned[:, m:]
        n_ent = int(np.unique(codes).size)
        if np.linalg.matrix_rank(x) < x.shape[1]:
            raise EstimationError(
                "The within-demeaned regressors are collinear (constant over time within "
                "entities, or too many lags for T); drop them or reduce p."
            )
        xtx_inv = np.linalg.inv(x.T @ x)
        coef = (xtx_inv @ x.T @ y).T
        resid = y - x @ coef.T
        dof = rows.size - n_ent - x.shape[1]
        if dof <= 0:
            self._too_short(self.p)
        sigma = resid.T @ resid / dof
        cov = np.kron(sigma, xtx_inv)
        _, ent = np.unique(codes, return_inverse=True)
        system = _System(y, x, np.zeros((rows.size, 0)), ent, self.panel.time_positions[rows],
                         self.panel.index[rows], n_ent, (), engine.h_identity(rows.size),
                         np.zeros(rows.size, bool))
        return system, _Estimate(coef, cov, resid, sigma,
                                 vcov_type="unadjusted (Sigma ⊗ (X'X)^-1)")

    def _result(self, system: _System, est: _Estimate, steps: int, rcond: float) -> PanelVARResult:
        regs = self._regressor_names()
        index = pd.MultiIndex.from_product([list(self.names), regs],
                                           names=["equation", "regressor"])
        params = pd.Series(est.coef.ravel(), index=index, name="params")
        cov = pd.DataFrame(est.cov, index=index, columns=index)
        trans = system.transformed
        resid = pd.DataFrame(est.resid[trans], index=system.index[trans],
                             columns=list(self.names))
        diagnostics: dict[str, TestResult] = {}
        info: dict[str, Any] = {
            "transform": self.transform if self.estimator == "gmm" else "within",
            "estimator": self.estimator,
            "lags": self.p,
            "exog": self.exog,
            "sigma": pd.DataFrame(est.sigma, index=list(self.names), columns=list(self.names)),
        }
        header = [("Lags", str(self.p)), ("Estimator", self.estimator)]
        footer = []
        if self.estimator == "gmm":
            n_inst = system.z.shape[1]
            df = est.n_moments - est.coef.size
            if est.hansen is not None and df > 0:
                diagnostics["hansen"] = TestResult(
                    est.hansen, float(stats.chi2.sf(est.hansen, df)), df, "Hansen J", "chi2",
                    "the overidentifying restrictions are valid",
                )
            info.update(
                n_instruments=n_inst, n_moments=est.n_moments, steps=steps, rcond=rcond,
                rank_w2=est.rank_w2, instrument_names=system.instrument_names,
                system=self.system, n_level_obs=int(system.level.sum()),
                params_onestep=None if est.coef_onestep is None else pd.Series(
                    est.coef_onestep.ravel(), index=index),
                cov_onestep=None if est.cov_onestep is None else pd.DataFrame(
                    est.cov_onestep, index=index, columns=index),
            )
            header += [("Transform", self.transform.upper()
                        + (" + levels (system GMM)" if self.system else "")),
                       ("Steps", str(steps)),
                       ("Instruments", f"{n_inst} per equation, {est.n_moments} moments")]
            if est.rank_w2 is not None and est.rank_w2 < est.n_moments:
                footer.append(
                    f"Two-step weight: Moore-Penrose inverse, numerical rank {est.rank_w2} of "
                    f"{est.n_moments} at rcond={rcond:.3g}."
                )
        footer.append("Sigma (for IRF/FEVD) from the transformed residuals; divisor "
                      + ("n - N - K" if self.estimator != "gmm" else
                         "n - K (K without the levels constant)" if self._const else "n - K")
                      + ".")
        info["summary_header"] = tuple(header)
        info["summary_footer"] = tuple(footer)
        b = self.panel.balance
        return PanelVARResult(
            params=params, cov=cov, model="pvar", formula=self.spec.text,
            dependent=", ".join(self.names), nobs=system.n_obs,
            n_entities=int(system.n_entities), df_resid=None, vcov_type=est.vcov_type,
            vcov_note="", resid=resid, diagnostics=diagnostics, dropped=self._dropped(system),
            balance=b, info=info, title="Panel VAR",
            _var=_VarState(self, system, est, steps, rcond),
        )

    def _dropped(self, system: _System) -> Dropped:
        """Panel rows outside the sample, counted by cause (missing data, lags, transform)."""
        panel = self.panel
        frame = panel.frame
        in_sample = panel.index.isin(system.index)
        cols = list(self.names) + [c for c in self.exog if c in frame.columns]
        missing = frame[cols].isna().any(axis=1).to_numpy() & ~in_sample
        _, has_lags = self._levels(self.p, self.p)
        lags = ~in_sample & ~missing & ~has_lags
        transform = ~in_sample & ~missing & ~lags
        by_variable = {c: int((frame[c].isna().to_numpy() & ~in_sample).sum()) for c in cols
                       if frame[c].isna().any()}
        parts = [f"{int(lags.sum())} without the {self.p} lag(s)"]
        if self.estimator == "gmm":
            how = "a later period (FOD)" if self.transform == "fod" else "an earlier row (FD)"
            parts.append(f"{int(transform.sum())} without {how}")
        parts.append(f"{int(missing.sum())} with missing values")
        return Dropped(int((~in_sample).sum()), len(frame), by_variable,
                       panel.index[~in_sample], "the lag/transformation structure or missing "
                       "values: " + ", ".join(parts))

    def _regressor_names(self) -> list[str]:
        lags = [f"L{k}.{v}" for k in range(1, self.p + 1) for v in self.names]
        return lags + list(self.exog) + (["Intercept"] if self._const else [])

    @property
    def _const(self) -> bool:
        """System GMM with an intercept in the formula: a constant per levels equation."""
        return self.system and self.design.has_intercept

    def with_lags(self, p: int) -> PanelVAR:
        """The same model with lag order ``p`` (for lag selection)."""
        clone = object.__new__(PanelVAR)
        clone.__dict__.update(self.__dict__)
        clone.p = p
        return clone


# ---------------------------------------------------------------------------------- GMM
def _stack(system: _System):
    """Block-diagonal stacked system (the engine's input form): rows (equation,
    observation), ``y = vec(Y)``, ``X = I_m ⊗ X``, ``Z = I_m ⊗ Z``, entity repeated, and the
    one-step structure ``I_m ⊗ H`` (:func:`~stfi_models.models.gmm_engine.stack_equations`)."""
    m = system.y.shape[1]
    return engine.stack_equations(list(system.y.T), [system.x] * m, [system.z] * m,
                                  system.entity, system.h)


def _pinv(s: np.ndarray, rcond: float, equilibrate: bool = False) -> tuple[np.ndarray, int]:
    """Moore-Penrose inverse of a symmetric PSD matrix, eigenvalues below ``rcond * max``
    set to zero; returns it with the numerical rank kept.

    ``equilibrate=True`` truncates the eigenvalues of ``D^{-1/2} S D^{-1/2}`` (``D`` the
    diagonal of ``S``) and returns ``D^{-1/2} (.)^+ D^{-1/2}``: the kept rank then does not
    depend on the units of the moments (the inverse itself is unchanged when nothing is
    truncated).
    """
    sym = (s + s.T) / 2
    diag = np.sqrt(np.abs(np.diag(sym))) if equilibrate else np.ones(sym.shape[0])
    diag[diag == 0] = 1.0
    sym = sym / np.outer(diag, diag)
    vals, vecs = np.linalg.eigh(sym)
    top = float(np.max(np.abs(vals))) if vals.size else 0.0
    keep = np.abs(vals) > rcond * top if rcond > 0 else np.abs(vals) > 0
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return inv / np.outer(diag, diag), int(keep.sum())


@dataclass(frozen=True)
class _Steps:
    """Intermediate quantities of one GMM fit on cross products (stacked ordering:
    equation-major, ``vec`` of ``(L, m)`` / ``(K, m)`` matrices)."""

    b1: np.ndarray
    b2: np.ndarray | None
    w1: np.ndarray
    w2: np.ndarray | None
    rank_w2: int | None
    g1: np.ndarray
    g2: np.ndarray | None
    zx: np.ndarray
    sigma: np.ndarray


@dataclass(frozen=True, eq=False)
class _CrossProducts:
    """Per-entity cross products of a transformed system: the sufficient statistics of GMM.

    The estimator is the one the engine's :func:`gmm_fit` computes on the stacked system
    (:func:`_stack`), written on ``Z_i'H Z_i``, ``Z_i'X_i``, ``Z_i'Y_i`` (and ``Y'Y``,
    ``X'Y``, ``X'X`` for Sigma): with the block-diagonal structure the one-step weight is
    ``I_m ⊗ W_1`` and needs only ``L x L`` work.  With entity weights ``c_i`` (bootstrap
    counts) every sum is ``sum_i c_i (.)_i``, so a refit costs a few small products.
    ``tests/models/test_pvar.py`` checks it against ``gmm_fit`` on the stacked system.
    """

    zhz: np.ndarray
    zx: np.ndarray
    zy: np.ndarray
    yy: np.ndarray
    xy: np.ndarray
    xx: np.ndarray
    nobs: np.ndarray
    n_const: int = 0
    equilibrate: bool = False

    @property
    def n_entities(self) -> int:
        return self.nobs.size

    @classmethod
    def of(cls, system: _System) -> _CrossProducts:
        """Cross products of ``system``: ``Z_i'H_iZ_i``, ``Z_i'X_i``, ``Z_i'Y_i`` over all rows
        (with ``H`` the system's one-step structure), ``Y'Y``, ``X'Y``, ``X'X`` and counts
        over the transformed rows (Sigma is a transformed-residual covariance)."""
        starts = np.searchsorted(system.entity, np.arange(system.n_entities + 1))
        n, l_, k, m = system.n_entities, system.z.shape[1], system.x.shape[1], system.y.shape[1]
        out = {name: np.zeros((n,) + shape) for name, shape in
               [("zhz", (l_, l_)), ("zx", (l_, k)), ("zy", (l_, m)), ("yy", (m, m)),
                ("xy", (k, m)), ("xx", (k, k))]}
        hz = system.h.sparse(system.entity.size) @ system.z
        trans = system.transformed
        for i in range(n):
            rows = slice(starts[i], starts[i + 1])
            z, x, y, t = system.z[rows], system.x[rows], system.y[rows], trans[rows]
            out["zhz"][i] = z.T @ hz[rows]
            out["zx"][i], out["zy"][i] = z.T @ x, z.T @ y
            xt, yt = x[t], y[t]
            out["yy"][i], out["xy"][i], out["xx"][i] = yt.T @ yt, xt.T @ yt, xt.T @ xt
        nobs = np.bincount(system.entity[trans], minlength=n).astype(float)
        return cls(nobs=nobs, n_const=int(system.const), equilibrate=bool(system.level.any()),
                   **out)

    def _moments(self, b: np.ndarray) -> np.ndarray:
        """Per-entity moments ``vec(Z_i'Y_i - Z_i'X_i B)``, shape ``(N, m L)``."""
        return (self.zy - self.zx @ b).transpose(0, 2, 1).reshape(self.n_entities, -1)

    def steps(self, counts: np.ndarray, steps: int, rcond: float) -> _Steps:
        """One-step (and two-step) estimates with entity weights ``counts``.

        One-step weight: inverse of ``sum_i c_i Z_i'HZ_i``, or its pseudo-inverse when
        singular at 1e-12 (the engine's rule).  Two-step weight: pseudo-inverse of
        ``sum_i c_i g_i g_i'`` at relative tolerance ``rcond``.  With levels equations
        (system GMM) both are equilibrated first (:func:`_pinv`): the constant's moments and
        the data's differ in scale by the data's units, and a relative tolerance on the raw
        matrix would truncate by units (Dahlberg: rank 70 of 318 raw, 244 after scaling
        the data by 1000).
        """
        m, k = self.zy.shape[2], self.zx.shape[2]
        zhz = np.tensordot(counts, self.zhz, 1)
        zx, zy = np.tensordot(counts, self.zx, 1), np.tensordot(counts, self.zy, 1)
        w1, _ = _pinv(zhz, 1e-12, self.equilibrate)
        b1 = np.linalg.solve(zx.T @ w1 @ zx, zx.T @ w1 @ zy)  # K x m
        g1 = self._moments(b1)
        b, b2, w2, rank, g2 = b1, None, None, None, None
        if steps == 2:
            w2, rank = _pinv((g1 * counts[:, None]).T @ g1, rcond, self.equilibrate)
            big = np.kron(np.eye(m), zx)
            b2 = (np.linalg.pinv(big.T @ w2 @ big) @ big.T @ w2 @ zy.T.ravel()).reshape(m, k).T
            b, g2 = b2, self._moments(b2)
        yy, xy = np.tensordot(counts, self.yy, 1), np.tensordot(counts, self.xy, 1)
        xx = np.tensordot(counts, self.xx, 1)
        ee = yy - b.T @ xy - xy.T @ b + b.T @ xx @ b
        sigma = ee / (counts @ self.nobs - (k - self.n_const))
        return _Steps(b1, b2, w1, w2, rank, g1, g2, zx, sigma)

    def estimate(self, counts: np.ndarray, steps: int, rcond: float
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients ``(m, K)`` and Sigma with entity weights ``counts`` (no SEs)."""
        out = self.steps(counts, steps, rcond)
        return (out.b1 if steps == 1 else out.b2).T, out.sigma

    def within_ols(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``estimator="fe-ols"`` on within-demeaned data with entity weights ``counts``:
        coefficients ``(m, K)`` and Sigma with divisor ``n - N - K`` (N = entities drawn)."""
        k = self.xx.shape[1]
        xx, xy = np.tensordot(counts, self.xx, 1), np.tensordot(counts, self.xy, 1)
        yy = np.tensordot(counts, self.yy, 1)
        b = np.linalg.solve(xx, xy)
        ee = yy - xy.T @ b
        return b.T, ee / (counts @ self.nobs - counts.sum() - k)


def _gmm_system(system: _System, steps: int, rcond: float,
                with_cov: bool = True) -> _Estimate:
    """One- and two-step system GMM with robust / Windmeijer covariance.

    Estimates come from the cross products (:class:`_CrossProducts`); the one-step robust
    sandwich is :math:`A_1 G'W_1 S_1 W_1 G A_1` (``G = I_m ⊗ Z'X``, ``W_1 = I_m ⊗ (Z'HZ)^{-1}``,
    ``S_1 = sum_i g_i g_i'`` joint over equations) and the two-step covariance is the
    engine's :func:`~stfi_models.models.gmm_engine.windmeijer` on the stacked system.
    """
    m, k = system.y.shape[1], system.x.shape[1]
    n_moments = system.z.shape[1] * m
    if n_moments < k * m:
        raise EstimationError(
            f"The panel VAR has {k} regressors per equation but only {system.z.shape[1]} "
            "instruments: widen the gmm() lag range."
        )
    cp = _CrossProducts.of(system)
    ones = np.ones(cp.n_entities)
    try:
        out = cp.steps(ones, steps, rcond)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "X'Z W Z'X is singular: the lagged variables are not identified by the "
            "instruments (collinear regressors or too few instrument lags)."
        ) from None
    coef1 = out.b1.T
    big = np.kron(np.eye(m), out.zx)
    w1 = np.kron(np.eye(m), out.w1)
    a1 = np.linalg.inv(big.T @ w1 @ big)
    if with_cov or steps == 1:
        bread = a1 @ big.T @ w1
        v1 = bread @ (out.g1.T @ out.g1) @ bread.T
    else:
        v1 = None
    if steps == 1:
        resid = system.y - system.x @ out.b1
        return _Estimate(coef1, v1, resid, out.sigma, coef1, v1, None, n_moments, None,
                         "robust (one-step sandwich, clustered by entity)")
    gbar = out.g2.sum(axis=0)
    hansen = float(gbar @ out.w2 @ gbar)
    a2 = np.linalg.pinv(big.T @ out.w2 @ big)
    resid = system.y - system.x @ out.b2
    cov = a2
    if with_cov:
        y, x, z, entity, _ = _stack(system)
        u1 = y - x @ out.b1.T.ravel()
        u2 = resid.T.ravel()
        cov = engine.windmeijer(x, z, entity, system.n_entities, u1, u2, out.w2, a2, v1)
    return _Estimate(out.b2.T, cov, resid, out.sigma, coef1, v1, hansen, n_moments,
                     out.rank_w2, "Windmeijer-corrected two-step")


# ---------------------------------------------------------------------------------- draws
@dataclass(frozen=True, eq=False)
class _VarState:
    """What the result needs to compute responses, bands and refits."""

    model: PanelVAR
    system: _System
    estimate: _Estimate
    steps: int
    rcond: float

    @property
    def names(self) -> tuple[str, ...]:
        return self.model.names

    @property
    def p(self) -> int:
        return self.model.p

    def lag_matrices(self, coef: np.ndarray) -> np.ndarray:
        """``(p, m, m)`` from a ``(m, K)`` coefficient matrix (exogenous columns dropped)."""
        m = len(self.names)
        return coef[:, : self.p * m].reshape(m, self.p, m).transpose(1, 0, 2)

    @property
    def cross_products(self) -> _CrossProducts:
        """Per-entity cross products of the fitted system (built on first use)."""
        cached = self.__dict__.get("_cp")
        if cached is None:
            cached = _CrossProducts.of(self.system)
            object.__setattr__(self, "_cp", cached)
        return cached


def _bootstrap_chunk(cp: _CrossProducts, estimator: str, steps: int, rcond: float,
                     seeds: list[np.random.SeedSequence]):
    """Refits on entity resamples, one per seed; failed refits give NaN."""
    n = cp.n_entities
    m, k = cp.zy.shape[2], cp.zx.shape[2]
    coefs = np.full((len(seeds), m, k), np.nan)
    sigmas = np.full((len(seeds), m, m), np.nan)
    for r, seq in enumerate(seeds):
        rng = np.random.default_rng(seq)
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        try:
            if estimator == "gmm":
                coefs[r], sigmas[r] = cp.estimate(counts, steps, rcond)
            else:
                coefs[r], sigmas[r] = cp.within_ols(counts)
        except np.linalg.LinAlgError:
            pass
    return coefs, sigmas


def _interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _run_bootstrap(state: _VarState, draws: int, seed, n_jobs: int, backend: str,
                   progress: bool | None):
    """Bootstrap refits in parallel; per-draw seeds make the result backend-independent.

    Draws are split into chunks (4 per worker); each chunk refits on the shared per-entity
    cross products, so only ``(m, K)`` coefficients and ``(m, m)`` Sigmas travel back.
    """
    from joblib import Parallel, delayed, effective_n_jobs
    from tqdm.auto import tqdm

    cp = state.cross_products
    args = (state.model.estimator, state.steps, state.rcond)
    seeds = np.random.SeedSequence(seed).spawn(draws)
    n_chunks = min(draws, 4 * effective_n_jobs(n_jobs))
    chunks = [list(c) for c in np.array_split(np.array(seeds, dtype=object), n_chunks) if len(c)]
    bar = tqdm(total=draws, desc="bootstrap",
               disable=not (_interactive() if progress is None else progress))
    if backend == "dask":
        results = _dask_chunks(cp, args, chunks, bar)
    else:
        results = []
        parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        outputs = parallel(delayed(_bootstrap_chunk)(cp, *args, c) for c in chunks)
        for chunk, out in zip(chunks, outputs, strict=True):
            results.append(out)
            bar.update(len(chunk))
    bar.close()
    return (np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results]))


def _dask_chunks(cp: _CrossProducts, args: tuple, chunks: list, bar) -> list:
    """Run the chunks on the current ``dask.distributed`` client, results in chunk order."""
    try:
        from distributed import as_completed, get_client
    except ImportError:  # pragma: no cover - depends on the environment
        raise SpecificationError(
            "backend='dask' needs dask.distributed: pip install 'stfi-models[dask]'."
        ) from None
    try:
        client = get_client()
    except ValueError:
        raise SpecificationError(
            "backend='dask' needs a running dask.distributed Client (e.g. "
            "Client(LocalCluster(n_workers=2))) in this session."
        ) from None
    remote = client.scatter(cp, broadcast=True)
    futures = [client.submit(_bootstrap_chunk, remote, *args, c, pure=False) for c in chunks]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(futures)
    for fut in as_completed(futures):
        i = position[fut.key]
        results[i] = fut.result()
        bar.update(len(chunks[i]))
    return results


def _sqrt_psd(v: np.ndarray) -> np.ndarray:
    """A square root ``R`` with ``R R' = v`` (Cholesky, or eigen-based when semidefinite)."""
    try:
        return np.linalg.cholesky(v)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh((v + v.T) / 2)
        return vecs * np.sqrt(np.clip(vals, 0, None))


def _duplication_pinv(m: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Moore-Penrose inverse of the duplication matrix ``D_m`` (``vech = D+ vec``) and the
    (row, column) pairs of ``vech`` in order."""
    pairs = [(i, j) for j in range(m) for i in range(j, m)]
    d = np.zeros((m * m, len(pairs)))
    for c, (i, j) in enumerate(pairs):
        d[i + j * m, c] = 1
        d[j + i * m, c] = 1
    return np.linalg.pinv(d), pairs


def _mc_draws(state: _VarState, draws: int, seed, need_sigma: bool):
    """Stata ``pvarirf, mc()`` draws: ``b ~ N(b_hat, V)``, ``vech(Sigma) ~ N(vech(S),
    (2/n) D+ (S ⊗ S) D+')``; draws with a non-positive-definite Sigma are marked NaN."""
    est = state.estimate
    rng = np.random.default_rng(seed)
    m, k = est.coef.shape
    coef = est.coef.ravel() + rng.standard_normal((draws, m * k)) @ _sqrt_psd(est.cov).T
    sigmas = np.broadcast_to(est.sigma, (draws, m, m)).copy()
    if need_sigma:
        dplus, pairs = _duplication_pinv(m)
        vcov = (2.0 / state.system.n_obs) * dplus @ np.kron(est.sigma, est.sigma) @ dplus.T
        vech = np.array([est.sigma[i, j] for i, j in pairs])
        draws_vech = vech + rng.standard_normal((draws, len(pairs))) @ _sqrt_psd(vcov).T
        for c, (i, j) in enumerate(pairs):
            sigmas[:, i, j] = sigmas[:, j, i] = draws_vech[:, c]
        bad = np.array([np.linalg.eigvalsh(s).min() <= 0 for s in sigmas])
        sigmas[bad] = np.nan
    return coef.reshape(draws, m, k), sigmas


# ---------------------------------------------------------------------------------- result
@dataclass(frozen=True)
class PanelVARResult(Result):
    """Result of a panel VAR: the common Result plus dynamics.

    ``params`` are indexed by (equation, regressor); ``info["sigma"]`` is the residual
    covariance used by :meth:`irf` and :meth:`fevd`.
    """

    _var: _VarState | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ basics
    @property
    def names(self) -> tuple[str, ...]:
        """Dependent variables, in equation order."""
        return self._var.names

    @property
    def sigma(self) -> pd.DataFrame:
        """Residual covariance of the transformed residuals (see the module docstring)."""
        return self.info["sigma"]

    def coef_matrices(self) -> np.ndarray:
        """Lag coefficient matrices :math:`A_1..A_p`, shape ``(p, m, m)`` (rows = equations)."""
        return self._var.lag_matrices(self._var.estimate.coef)

    def stability(self) -> Stability:
        """Companion-matrix eigenvalues and moduli (stable if all moduli < 1)."""
        return Stability.of(self.coef_matrices())

    def granger(self) -> pd.DataFrame:
        """Wald tests that all lags of an excluded variable are zero, per equation, and ALL.

        Uses the estimate's full covariance (Windmeijer for two-step GMM), as Stata
        ``pvargranger``.  Columns: equation, excluded, chi2, df, pvalue.
        """
        names, p, m = self.names, self._var.p, len(self.names)
        k = self._var.estimate.coef.shape[1]
        b = self._var.estimate.coef.ravel()
        v = self._var.estimate.cov
        rows = []
        for e, eq in enumerate(names):
            others = [j for j in range(m) if j != e]
            for label, excluded in [(names[j], [j]) for j in others] + [("ALL", others)]:
                pos = [e * k + lag * m + j for j in excluded for lag in range(p)]
                stat = engine.wald_test(b[pos], v[np.ix_(pos, pos)])
                rows.append((eq, label, stat, len(pos), float(stats.chi2.sf(stat, len(pos)))))
        return pd.DataFrame(rows, columns=["equation", "excluded", "chi2", "df", "pvalue"])

    # ------------------------------------------------------------------ lag selection
    def select_lags(self, max_lag: int = 4, *, convention: Literal["stata", "panelvar"] = "stata"
                    ) -> pd.DataFrame:
        """Andrews-Lu (2001) model selection criteria for lags ``1..max_lag`` on a common sample.

        Every order is fitted on the sample of the largest (rows with ``max_lag`` lags), with
        the same instruments and options.

        .. math::

            MBIC = J - h \\ln n, \\quad MAIC = J - 2h, \\quad MQIC = J - Q h \\ln\\ln n,

        ``convention="stata"`` (``pvarsoc``): ``h`` = J degrees of freedom (moments minus
        parameters), ``Q = 2``; ``"panelvar"`` (``Andrews_Lu_MMSC``): ``h`` = moments minus
        parameters *per equation*, ``Q = 2.1``.  ``n`` = transformed observations.
        ``CD = 1 - det(Sigma)/det(cov(y*))`` with ``cov(y*)`` the covariance (divisor n - 1) of
        the transformed dependent variables, our reading of Stata pvarsoc's coefficient of
        determination (not checked against Stata output).  With GMM residuals it can be
        negative.

        Returns
        -------
        pandas.DataFrame
            Indexed by lag: CD, J, J_pvalue, df, MBIC, MAIC, MQIC, nobs.
        """
        check_choice("convention", convention, ("stata", "panelvar"))
        if not (isinstance(max_lag, int | np.integer) and max_lag >= 1):
            raise SpecificationError(f"max_lag must be a positive integer, got {max_lag!r}.")
        model = self._var.model
        if model.estimator != "gmm":
            raise SpecificationError("select_lags() needs estimator='gmm' (it uses Hansen's J).")
        rows = []
        for p in range(1, max_lag + 1):
            clone = model.with_lags(p)
            system = clone._system(p, max_lag)
            est = _gmm_system(system, 2, self._var.rcond, with_cov=False)
            m, k = est.coef.shape
            n = system.n_obs
            df = est.n_moments - m * k
            h = df if convention == "stata" else est.n_moments - k
            q = 2.0 if convention == "stata" else 2.1
            y_star = system.y[system.transformed]
            cd = 1 - np.linalg.det(est.sigma) / np.linalg.det(np.cov(y_star, rowvar=False))
            j = float(est.hansen)
            rows.append({"lag": p, "CD": cd, "J": j, "J_pvalue": float(stats.chi2.sf(j, df)),
                         "df": df, "MBIC": j - h * np.log(n), "MAIC": j - 2 * h,
                         "MQIC": j - q * h * np.log(np.log(n)), "nobs": n})
        return pd.DataFrame(rows).set_index("lag")

    # ------------------------------------------------------------------ dynamics
    def _dynamics_setup(self, order: Sequence[str] | None, periods: int
                        ) -> tuple[np.ndarray, int, list[str]]:
        """Shared start of :meth:`irf` and :meth:`fevd`.

        Returns the Cholesky permutation of ``order``, the checked ``periods`` and the notes
        for the result: a :class:`SpecificationWarning` (also kept as a note) when the VAR is
        not stable.
        """
        perm = ordering(self.names, order)
        notes: list[str] = []
        st = self.stability()
        if not st.is_stable:
            moduli = ", ".join(f"{v:.4f}" for v in st.moduli)
            note = (f"The estimated VAR is not stable (companion eigenvalue moduli: {moduli}); "
                    "impulse responses do not die out and FEVDs are not meaningful.")
            warnings.warn(note, SpecificationWarning, stacklevel=3)
            notes.append(note)
        return perm, _check_periods(periods), notes

    def irf(
        self,
        periods: int = 10,
        *,
        kind: Literal["simple", "orth", "girf"] = "simple",
        order: Sequence[str] | None = None,
        cumulative: bool = False,
        ci: Literal["mc", "bootstrap"] | None = None,
        draws: int = 1000,
        level: float = 0.95,
        n_jobs: int = -1,
        backend: Literal["loky", "dask"] = "loky",
        seed: int | np.random.SeedSequence | None = None,
        progress: bool | None = None,
    ) -> IRF:
        """Impulse responses ``h = 0..periods`` with optional bands.

        Parameters
        ----------
        periods : int
        kind : {"simple", "orth", "girf"}
            Simple (Stata pvarirf default), Cholesky-orthogonalised, or generalised.
        order : sequence of str, optional
            Cholesky ordering (default: equation order).
        cumulative : bool
        ci : {None, "mc", "bootstrap"}
            ``"mc"``: Stata pvarirf ``mc()`` (Gaussian draws of the coefficients and of
            Sigma; band = point ± z·sd); ``"bootstrap"``: entities resampled with
            replacement and the model refitted (percentile band, as R panelvar).
        draws, level, seed
            Number of draws, band level, random seed.
        n_jobs, backend
            Parallel bootstrap refits: joblib ``"loky"`` (``n_jobs`` workers) or a running
            ``dask.distributed`` client (``backend="dask"``).
        progress : bool, optional
            Progress bar (default: when interactive).

        Returns
        -------
        IRF
        """
        names = self.names
        perm, periods, notes = self._dynamics_setup(order, periods)
        phi = ma_coefficients(self.coef_matrices(), periods)
        sigma = self._var.estimate.sigma
        point = responses(phi, kind, sigma, perm, cumulative)

        def compute(coef, sig):
            return responses(ma_coefficients(self._var.lag_matrices(coef), periods), kind, sig,
                             perm, cumulative)

        bands = self._bands(point, compute, ci, draws, level, n_jobs, backend, seed, progress,
                            need_sigma=kind != "simple", notes=notes)
        return IRF(point, names, kind, tuple(names[i] for i in perm), cumulative, bands,
                   tuple(notes))

    def fevd(
        self,
        periods: int = 10,
        *,
        order: Sequence[str] | None = None,
        ci: Literal["mc", "bootstrap"] | None = None,
        draws: int = 1000,
        level: float = 0.95,
        n_jobs: int = -1,
        backend: Literal["loky", "dask"] = "loky",
        seed: int | np.random.SeedSequence | None = None,
        progress: bool | None = None,
    ) -> FEVD:
        """Cholesky forecast-error variance decomposition, steps ``1..periods``.

        Step 1 is the impact period alone (R panelvar ``fevd_orthogonal``; Stata
        ``pvarfevd`` step 1).  Bands as in :meth:`irf`.

        Returns
        -------
        FEVD
        """
        names = self.names
        perm, periods, notes = self._dynamics_setup(order, periods)
        if periods < 1:
            raise SpecificationError("fevd() needs periods >= 1.")

        def compute(coef, sig):
            return fevd_shares(ma_coefficients(self._var.lag_matrices(coef), periods - 1),
                               sig, perm)

        point = compute(self._var.estimate.coef, self._var.estimate.sigma)
        bands = self._bands(point, compute, ci, draws, level, n_jobs, backend, seed, progress,
                            need_sigma=True, notes=notes)
        return FEVD(point, names, tuple(names[i] for i in perm), bands, tuple(notes))

    def _bands(self, point, compute, ci, draws, level, n_jobs, backend, seed, progress,
               need_sigma: bool, notes: list[str]) -> Bands | None:
        if ci is None:
            return None
        check_choice("ci", ci, ("mc", "bootstrap"))
        check_choice("backend", backend, ("loky", "dask"))
        if not (isinstance(draws, int | np.integer) and draws >= 2):
            raise SpecificationError(f"draws must be an integer >= 2, got {draws!r}.")
        if not 0 < level < 1:
            raise SpecificationError(f"level must be between 0 and 1, got {level}.")
        if ci == "mc":
            coefs, sigmas = _mc_draws(self._var, int(draws), seed, need_sigma)
        else:
            coefs, sigmas = _run_bootstrap(self._var, int(draws), seed, n_jobs, backend, progress)
        values, bad_sigma, failed = [], 0, 0
        for coef, sig in zip(coefs, sigmas, strict=True):
            if not np.all(np.isfinite(coef)):
                failed += 1
                continue
            if not np.all(np.isfinite(sig)):
                bad_sigma += 1
                continue
            try:
                values.append(compute(coef, sig))
            except np.linalg.LinAlgError:
                bad_sigma += 1
        if bad_sigma:
            msg = (f"{bad_sigma} of {draws} draws had a residual covariance that is not "
                   "positive definite and were discarded.")
            warnings.warn(msg, SpecificationWarning, stacklevel=3)
            notes.append(msg)
        if failed:
            msg = f"{failed} of {draws} bootstrap refits failed and were discarded."
            warnings.warn(msg, SpecificationWarning, stacklevel=3)
            notes.append(msg)
        stacked = np.array(values) if values else np.zeros((0,) + point.shape)
        return Bands.from_draws(point, stacked, ci, level, int(draws))


def _check_periods(periods: int) -> int:
    if not (isinstance(periods, int | np.integer) and periods >= 0):
        raise SpecificationError(f"periods must be a non-negative integer, got {periods!r}.")
    return int(periods)
