r"""Dynamic panel threshold model by first-difference GMM (Seo & Shin 2016).

.. math::

    y_{it} = x_{it}^\prime \beta + (1, z_{it}^\prime)\,\delta\; I(q_{it} > \gamma)
    + \mu_i + e_{it},

where :math:`x_{it}` holds every regressor (lags of :math:`y` included) and :math:`z_{it}` the
regime-dependent ones, so :math:`\beta` is the lower regime's slopes and :math:`\delta` the jump
of the intercept and slopes above :math:`\gamma`.  The fixed effects are removed by first
differences, :math:`\Delta y_{it} = \Delta x_{it}^\prime \beta + \Delta[(1, z_{it}^\prime)
I(q_{it} > \gamma)]\,\delta + \Delta e_{it}`, and the model is estimated by GMM with the
instruments of the formula (``| gmm(y, 2:.) + iv(x)``, built as for ``model="diff-gmm"``).
Written ``y ~ x + regimes(L(y, 1), z, by=q) | gmm(y, 2:.) + iv(x)`` with
``model="dynamic-threshold"``.

Estimation (Seo & Shin 2016, sec. 3.1): for each :math:`\gamma` of a grid of quantiles of
:math:`q` (``grid`` points between ``trim`` and ``1 - trim``), GMM with the one-step weight
:math:`W_1 = (\sum_i Z_i^\prime H Z_i)^{-1}`, which does not depend on :math:`\gamma`;
:math:`\hat\gamma_1` minimises the criterion.  The residuals at :math:`\hat\gamma_1` give
:math:`W_2 = (\sum_i Z_i^\prime \hat u_i \hat u_i^\prime Z_i)^{-1}`, and the second step
minimises the :math:`W_2` criterion over the grid again.  Unlike Hansen's static model,
:math:`\hat\gamma` is root-n consistent and asymptotically normal here; the covariance of
:math:`(\beta, \delta, \gamma)` is :math:`(G^\prime W_2 G)^{-1}`, with the derivative of the
moments in :math:`\gamma` smoothed by a Gaussian kernel (bandwidth :math:`1.06\,s_q n^{-1/5}`),
as Seo & Shin propose.  ``diagnostics["Hansen"]`` is the J statistic at the estimate
(:math:`L - K - 1` degrees of freedom).

References
----------
Seo, M. H. & Shin, Y. (2016). Dynamic panels with threshold effect and endogeneity.
*Journal of Econometrics* 195(2), 169-186.
Arellano, M. & Bond, S. (1991). *Review of Economic Studies* 58(2), 277-297.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.formula.design import build_design
from stfi_models.formula.operators import OperatorEvaluator
from stfi_models.formula.spec import FormulaSpec, Term
from stfi_models.models.base import PanelModel
from stfi_models.models.gmm import engine as ge
from stfi_models.models.gmm.results import residual_series
from stfi_models.models.gmm.system import build_system
from stfi_models.models.threshold.data import column_name, regime_block
from stfi_models.panel import PanelData
from stfi_models.results.result import Result, TestResult

__all__ = ["DynamicThreshold"]


@dataclasses.dataclass(frozen=True)
class _Step:
    """GMM at every grid point with one weight matrix."""

    criterion: np.ndarray
    best: int


class DynamicThreshold(PanelModel):
    """First-difference GMM dynamic panel threshold model; see the module docstring.

    Parameters
    ----------
    spec : FormulaSpec
        ``y ~ x + regimes(L(y, 1), z, by=q) | gmm(y, 2:.) + iv(x)``.
    panel : PanelData
    trim : float
        Share of the threshold variable trimmed at each end of the grid.
    grid : int
        Number of quantiles searched.
    """

    name = "dynamic-threshold"
    title = "Dynamic panel threshold regression, FD-GMM (Seo & Shin 2016)"

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, trim: float = 0.1,
                 grid: int = 50) -> None:
        super().__init__(spec, panel)
        if isinstance(trim, bool) or not isinstance(trim, int | float) or not 0 < trim < 0.5:
            raise SpecificationError(f"trim={trim!r} must be a share strictly between 0 and 0.5.")
        if isinstance(grid, bool) or not isinstance(grid, int | np.integer) \
                or not 5 <= grid <= 10_000:
            raise SpecificationError(f"grid={grid!r} must be a whole number between 5 and 10,000.")
        regimes, controls = regime_block(spec, self.name)
        evaluator = OperatorEvaluator(panel, spec.text)
        z_names = [column_name(v, evaluator, spec, "regime-dependent variable")
                   for v in regimes.variables]
        self.q_name = column_name(regimes.by, evaluator, spec, "threshold variable (by=)")
        z_terms = [Term(v, spec.text[v.src_start:v.src_end], 1) for v in regimes.variables]
        linear = dataclasses.replace(spec, rhs=(*controls, *z_terms))
        self.system, self.design = build_system(linear, panel, system=False)
        names = list(self.system.x_names)
        missing = [z for z in z_names if z not in names]
        if missing:
            raise SpecificationError(
                f"{', '.join(missing)} inside regimes() must be numeric regressors of the model.")
        self.z_names = z_names
        lev = self.system.levels
        z_lev = lev["x"][:, [names.index(z) for z in z_names]]
        q_spec = dataclasses.replace(spec, rhs=(Term(regimes.by, self.q_name, 1),),
                                     instruments=(), effects=())
        q_design = build_design(q_spec, panel, absorb=False, warn=False)
        q_rows = q_design.rows
        q_lev = q_design.x[self.q_name].to_numpy(dtype=float)
        g = self.system
        ent = g.panel_codes[g.entity]
        rows = {}
        for lag in (0, 1):
            rows[f"z{lag}"] = ge.lookup(z_lev, lev["entity"], lev["time"], ent, g.time - lag)
            rows[f"q{lag}"] = ge.lookup(q_lev, panel.entity_codes[q_rows],
                                        panel.time_positions[q_rows], ent, g.time - lag)
        bad = ~(np.isfinite(rows["q0"]) & np.isfinite(rows["q1"]))
        if bad.any():
            raise EstimationError(
                f"The threshold variable '{self.q_name}' is missing at {int(bad.sum())} "
                "equation rows (period t or t-1): the regime of each difference needs it in "
                "both periods. Fill it or drop those rows.")
        self.levels = rows
        q_all = np.r_[rows["q0"], rows["q1"]]
        if np.ptp(q_all) == 0:
            raise EstimationError(f"The threshold variable '{self.q_name}' is constant.")
        probs = trim + (1 - 2 * trim) * np.arange(grid) / (grid - 1)
        self.gamma = np.unique(np.quantile(rows["q0"], probs, method="inverted_cdf"))
        self.scale = float(np.std(q_all, ddof=1))

    # ------------------------------------------------------------------ pieces
    def _regime(self, gamma: float) -> np.ndarray:
        """First differences of ``(1, z) * I(q > gamma)`` on the equation rows."""
        r = self.levels
        now = np.column_stack([np.ones(r["q0"].size), r["z0"]]) * (r["q0"] > gamma)[:, None]
        before = np.column_stack([np.ones(r["q1"].size), r["z1"]]) * (r["q1"] > gamma)[:, None]
        return now - before

    def _x(self, gamma: float) -> np.ndarray:
        return np.column_stack([self.system.x, self._regime(gamma)])

    def _gmm(self, gamma: float, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Coefficients, residuals and criterion at ``gamma`` with weight ``w``."""
        g = self.system
        x = self._x(gamma)
        zx, zy = g.z.T @ x, g.z.T @ g.y
        m = zx.T @ w @ zx
        if np.linalg.cond(m) > 1e14:
            return np.full(x.shape[1], np.nan), np.full(g.y.size, np.nan), np.inf
        coef = np.linalg.solve(m, zx.T @ w @ zy)
        resid = g.y - x @ coef
        moment = g.z.T @ resid
        return coef, resid, float(moment @ w @ moment)

    def _step(self, w: np.ndarray) -> _Step:
        crit = np.array([self._gmm(gam, w)[2] for gam in self.gamma])
        if not np.isfinite(crit).any():
            raise EstimationError(
                "X'ZWZ'X is singular at every grid point: the regime terms are not identified "
                "by the instruments. Add instruments or use fewer regime-dependent variables.")
        return _Step(crit, int(np.argmin(crit)))

    @cached_property
    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W1, W2)``: the one-step weight and the two-step weight at gamma_1."""
        g = self.system
        w1 = np.linalg.pinv(g.h.cross(g.z), hermitian=True)
        first = self._step(w1)
        _, resid, _ = self._gmm(float(self.gamma[first.best]), w1)
        sums = ge.entity_sums(g.z, g.entity, g.n_entities, weights=resid)
        return w1, np.linalg.pinv(sums.T @ sums, hermitian=True)

    # ------------------------------------------------------------------ fit
    def fit(self) -> Result:
        """Two-step GMM estimate of the slopes, the regime jump and the threshold."""
        g = self.system
        w1, w2 = self.weights
        step = self._step(w2)
        gamma = float(self.gamma[step.best])
        coef, resid, crit = self._gmm(gamma, w2)
        k_z = len(self.z_names)
        delta = coef[-(k_z + 1):]
        r = self.levels
        n = r["q0"].size
        bandwidth = 1.06 * self.scale * n ** (-0.2)

        def jump(z: np.ndarray, q: np.ndarray) -> np.ndarray:
            return (np.column_stack([np.ones(n), z]) @ delta) * stats.norm.pdf(
                (gamma - q) / bandwidth) / bandwidth

        d_fitted = -(jump(r["z0"], r["q0"]) - jump(r["z1"], r["q1"]))  # d(x'theta)/d gamma
        jac = np.column_stack([self._x(gamma), d_fitted])
        zj = g.z.T @ jac
        cov = np.linalg.pinv(zj.T @ w2 @ zj)
        names = (list(g.x_names) + [f"delta(Intercept) [{self.q_name} > gamma]"]
                 + [f"delta({z}) [{self.q_name} > gamma]" for z in self.z_names] + ["gamma"])
        index = pd.Index(names)
        df_j = g.z.shape[1] - len(names)
        resid_s, fitted_s = residual_series(g, resid, self.panel.entity, self.panel.time)
        hansen = TestResult(crit, float(stats.chi2.sf(crit, df_j)) if df_j > 0 else np.nan,
                            float(df_j), "Hansen J (two-step, at gamma)", "chi2",
                            "overidentifying restrictions valid")
        return Result(
            params=pd.Series(np.r_[coef, gamma], index=index, name="params"),
            cov=pd.DataFrame(cov, index=index, columns=index),
            model=self.name, formula=self.spec.text,
            dependent=str(self.design.y.columns[0]), nobs=int(g.y.size),
            n_entities=g.n_entities, df_resid=None, vcov_type="two-step GMM (Seo & Shin 2016)",
            vcov_note=f"gamma's derivative kernel-smoothed, bandwidth {bandwidth:.4g}",
            resid=resid_s, fitted=fitted_s, diagnostics={"Hansen": hansen},
            dropped=self.design.dropped,
            info={"gamma": gamma, "threshold_name": self.q_name,
                  "criterion": pd.Series(step.criterion, index=pd.Index(self.gamma,
                                                                        name="gamma")),
                  "gamma_first_step": float(self.gamma[self._step(w1).best]),
                  "n_instruments": int(g.z.shape[1]),
                  "summary_header": (("Threshold variable", self.q_name),
                                     ("gamma", f"{gamma:.6g}"),
                                     ("Instruments", str(g.z.shape[1])))},
            title=self.title,
        )
