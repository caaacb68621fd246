r"""Panel smooth transition regression, PSTR (González, Teräsvirta & van Dijk 2005).

The sharp regimes of Hansen (1999) become a logistic transition in the threshold variable:

.. math::

    y_{it} = \mu_i + x_{it}^\prime \beta + z_{it}^\prime \delta_0
    + z_{it}^\prime \delta_1\, g(q_{it}; \gamma, c) + e_{it}, \qquad
    g(q; \gamma, c) = \Bigl(1 + \exp\bigl\{-\tfrac{\gamma}{s_q^m}
    \textstyle\prod_{j=1}^{m} (q - c_j)\bigr\}\Bigr)^{-1},

:math:`\gamma > 0`, :math:`c_1 \le \dots \le c_m`, :math:`m \in \{1, 2\}`, with :math:`s_q` the
sample standard deviation of :math:`q`, so that :math:`\gamma` does not depend on the units of
:math:`q` (GTvD 2005, eq. 2 and sec. 4.2).  As :math:`\gamma \to \infty` (``m = 1``) the model
becomes Hansen's two-regime threshold model: comparing the two checks that a sharp threshold is
not an artefact.

Estimation: nonlinear least squares after the within transformation.  Given
:math:`(\gamma, c)` the model is linear, so the sum of squares is concentrated in
:math:`(\log\gamma, c)`, searched over a grid (``gamma`` geometric in [0.25, 200], ``c`` at
quantiles 5..95 % of :math:`q`) and then minimised by Nelder-Mead, the locations kept within
the sample range of :math:`q` (outside it the transition is flat and the slopes are not
identified).  The covariance of all
parameters, :math:`(\beta, \delta_0, \delta_1, \gamma, c)`, is the NLS sandwich on the
within-transformed Jacobian (``vcov`` as for the linear models).

``diagnostics`` hold the linearity tests of GTvD (sec. 4.1), from the first-order Taylor
expansion of :math:`g` around :math:`\gamma = 0`: the auxiliary within regression adds
:math:`z q^j`, :math:`j = 1..m`, and

.. math::

    LM_\chi = \frac{TN (SSR_0 - SSR_1)}{SSR_0} \sim \chi^2(m k_z), \qquad
    LM_F = \frac{(SSR_0 - SSR_1)/(m k_z)}{SSR_1/(TN - N - m k_z - k)} \sim F.

References
----------
González, A., Teräsvirta, T. & van Dijk, D. (2005). Panel smooth transition regression models.
SSE/EFI Working Paper 604, Stockholm School of Economics.
Hansen, B. E. (1999). *Journal of Econometrics* 93(2), 345-368.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from stfi_models.exceptions import SpecificationError, SpecificationWarning, check_kwargs
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models.base import PanelModel
from stfi_models.models.covariance import Regression, compute_vcov, resolve_vcov
from stfi_models.models.threshold.data import check_identified, threshold_data
from stfi_models.models.threshold.results import SmoothTransitionResult
from stfi_models.models.threshold.transform import Within
from stfi_models.panel import PanelData
from stfi_models.results.result import TestResult

__all__ = ["PanelSmoothTransition", "transition"]

_VCOV_TYPES = ("unadjusted", "robust", "cluster")
_GAMMA_GRID = np.geomspace(0.25, 200.0, 25)


def transition(q: np.ndarray, gamma: float, c: np.ndarray, scale: float) -> np.ndarray:
    r"""Logistic transition :math:`g(q; \gamma, c)` with :math:`\gamma` per ``scale**m``."""
    prod = np.prod(q[:, None] - np.asarray(c)[None, :], axis=1)
    return 1.0 / (1.0 + np.exp(-np.clip(gamma / scale ** len(c) * prod, -700, 700)))


class PanelSmoothTransition(PanelModel):
    """Panel smooth transition regression; see the module docstring.

    Parameters
    ----------
    spec : FormulaSpec
        ``y ~ controls + regimes(z1, ..., by=q) | entity`` (``+ time`` for period effects).
    panel : PanelData
        Balanced after dropping rows with missing values.
    m : {1, 2}
        Number of location parameters: one (logistic, two extreme regimes) or two
        (the outer regimes alike, the middle one different).

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("i ~ L(q, 1) + regimes(L(c, 1), by=L(d, 1)) | id",
    ...              sm.load_hansen1999(), entity="id", time="year",
    ...              model="pstr")  # doctest: +SKIP
    """

    name = "pstr"
    title = "Panel smooth transition regression (González, Teräsvirta & van Dijk 2005)"

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, m: int = 1) -> None:
        super().__init__(spec, panel)
        if spec.is_system or spec.instruments or spec.extra_parts:
            raise SpecificationError(
                "model='pstr' takes one dependent variable and no instrument part; write "
                f"'y ~ x + regimes(z, by=q) | {panel.entity}'.")
        if isinstance(m, bool) or m not in (1, 2):
            raise SpecificationError(f"m={m!r}: the transition has 1 or 2 location parameters.")
        self.m = int(m)
        self.data = threshold_data(spec, panel, model="pstr")
        d = self.data
        self.within = Within(d.entity, time=d.time if d.time_effects else None)
        self.y = self.within.apply(d.y)
        self.linear = self.within.apply(np.column_stack([d.x, d.z]))
        check_identified(d, self.linear)
        self.scale = float(np.std(d.q, ddof=1))

    # ------------------------------------------------------------------ estimation
    def _design(self, gamma: float, c: np.ndarray) -> np.ndarray:
        g = transition(self.data.q, gamma, c, self.scale)
        return np.column_stack([self.linear, self.within.apply(self.data.z * g[:, None])])

    def _ssr(self, theta: np.ndarray) -> float:
        q = self.data.q
        if theta[1:].min() < q.min() or theta[1:].max() > q.max():
            return np.inf  # locations stay inside the sample range of q
        design = self._design(float(np.exp(theta[0])), np.sort(theta[1:]))
        coef, *_ = np.linalg.lstsq(design, self.y, rcond=None)
        resid = self.y - design @ coef
        return float(resid @ resid)

    @cached_property
    def estimate(self) -> tuple[float, np.ndarray, float]:
        """``(gamma, c, SSR)`` at the NLS minimum (grid, then Nelder-Mead)."""
        levels = np.quantile(self.data.q, np.linspace(0.05, 0.95, 30 if self.m == 1 else 15))
        locations = (levels[:, None] if self.m == 1
                     else np.array(list(combinations(levels, 2))))
        starts = [np.r_[np.log(g), c] for g in _GAMMA_GRID for c in locations]
        values = [self._ssr(t) for t in starts]
        best = starts[int(np.argmin(values))]
        span = np.ptp(self.data.q)
        simplex = np.vstack([best] + [best + np.eye(best.size)[j] * (0.5 if j == 0 else
                                                                     0.05 * span)
                                      for j in range(best.size)])
        out = optimize.minimize(self._ssr, best, method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000,
                                         "initial_simplex": simplex})
        theta = out.x if out.fun <= min(values) else best
        gamma, c = float(np.exp(theta[0])), np.sort(theta[1:])
        q = self.data.q
        edge = 1e-6 * np.ptp(q)
        if c.min() <= q.min() + edge or c.max() >= q.max() - edge:
            warnings.warn(
                f"The transition location c = {', '.join(f'{v:.4g}' for v in c)} sits at the "
                f"edge of the sample range of '{self.data.q_name}' ({q.min():.4g} to "
                f"{q.max():.4g}): no transition is identified inside the sample (the fit "
                "mimics a linear interaction), so the slopes and c are poorly determined. "
                "Check the linearity tests; try another m or transition variable.",
                SpecificationWarning, stacklevel=4)
        g = transition(q, gamma, c, self.scale)
        inside = int(np.sum((g > 0.01) & (g < 0.99)))
        if inside < max(5, 0.01 * g.size):
            warnings.warn(
                f"The estimated transition is practically sharp (gamma = {gamma:.3g}; {inside} "
                f"of {g.size} observations have 0.01 < g < 0.99): gamma is not identified and "
                "its standard error is unreliable (possibly NaN). Compare model='threshold'.",
                SpecificationWarning, stacklevel=4)
        return gamma, c, float(min(out.fun, min(values)))

    def _jacobian(self, coef: np.ndarray, gamma: float, c: np.ndarray) -> np.ndarray:
        """Return the transformed derivatives of the fitted values, one column per parameter."""
        d = self.data
        q, s = d.q, self.scale ** self.m
        g = transition(q, gamma, c, self.scale)
        slope = g * (1 - g)
        effect = d.z @ coef[-d.z.shape[1]:]  # z' delta_1
        prod = np.prod(q[:, None] - c[None, :], axis=1)
        columns = [d.x, d.z, d.z * g[:, None], (effect * slope * prod / s)[:, None]]
        for j in range(self.m):
            others = np.prod(np.delete(q[:, None] - c[None, :], j, axis=1), axis=1)
            columns.append((-effect * slope * gamma / s * others)[:, None])
        return self.within.apply(np.column_stack(columns))

    def _linearity(self) -> dict[str, TestResult]:
        d = self.data
        aux = self.within.apply(np.column_stack([d.z * d.q[:, None] ** j
                                                 for j in range(1, self.m + 1)]))
        ssr0 = _ols_ssr(self.linear, self.y)
        ssr1 = _ols_ssr(np.column_stack([self.linear, aux]), self.y)
        n, q_df = self.y.size, aux.shape[1]
        k = self.linear.shape[1]
        df2 = n - self.within.n_absorbed - q_df - k
        lm = n * (ssr0 - ssr1) / ssr0
        lm_f = (ssr0 - ssr1) / q_df / (ssr1 / df2)
        null = "linear fixed-effects model (gamma = 0)"
        return {
            "linearity LM": TestResult(float(lm), float(stats.chi2.sf(lm, q_df)), float(q_df),
                                       "Linearity LM (GTvD 2005)", "chi2", null),
            "linearity LM_F": TestResult(float(lm_f), float(stats.f.sf(lm_f, q_df, df2)),
                                         (float(q_df), float(df2)),
                                         "Linearity LM_F (GTvD 2005)", "F", null),
        }

    # ------------------------------------------------------------------ fit
    def fit(self, *, vcov: str = "unadjusted", cluster: str | None = None,
            df_adjust: str | None = None, group_debias: bool | None = None
            ) -> SmoothTransitionResult:
        """Estimate by NLS and return a :class:`SmoothTransitionResult`.

        Parameters
        ----------
        vcov : {"unadjusted", "robust", "cluster"}
            Covariance of all parameters (NLS sandwich on the transformed Jacobian).
        cluster, df_adjust, group_debias
            As in :func:`stfi_models.models.covariance.resolve_vcov`.
        """
        return self._result(vcov, cluster=cluster, df_adjust=df_adjust,
                            group_debias=group_debias)

    def _revcov(self, vcov: str, **options: Any) -> SmoothTransitionResult:
        check_kwargs("with_vcov", options, ("cluster", "df_adjust", "group_debias"))
        return self._result(vcov, **options)

    def _result(self, vcov: str, **options: Any) -> SmoothTransitionResult:
        if vcov not in _VCOV_TYPES:
            raise SpecificationError(
                f"vcov={vcov!r} is not available for model='pstr'; use one of "
                f"{', '.join(map(repr, _VCOV_TYPES))}.")
        choice = resolve_vcov(vcov, **options)
        gamma, c, _ = self.estimate
        d = self.data
        design = self._design(gamma, c)
        coef, *_ = np.linalg.lstsq(design, self.y, rcond=None)
        resid = self.y - design @ coef
        jac = self._jacobian(coef, gamma, c)
        index = d.index
        reg = Regression(x=jac, resid=resid, entity=d.entity, time=d.time, index=index,
                         n_absorbed=self.within.n_absorbed)
        frame = self.panel.frame.set_index([self.panel.entity, self.panel.time])
        computed = compute_vcov(choice, reg, frame, (self.panel.entity, self.panel.time))
        cov, vcov_type, note = computed.cov, computed.name, computed.note
        q = d.q_name
        names = (d.x_names + d.z_names + [f"{z} x g({q})" for z in d.z_names] + ["gamma"]
                 + [f"c{j + 1}" for j in range(self.m)])
        params = pd.Series(np.r_[coef, gamma, c], index=pd.Index(names), name="params")
        order = np.argsort(d.q, kind="stable")
        curve = pd.Series(transition(d.q[order], gamma, c, self.scale),
                          index=pd.Index(d.q[order], name=q), name="g")
        return SmoothTransitionResult(
            params=params, cov=pd.DataFrame(cov, index=params.index, columns=params.index),
            model=self.name, formula=self.spec.text, dependent=str(d.design.y.columns[0]),
            nobs=int(self.y.size), n_entities=self.within.n_entities,
            df_resid=float(reg.df_resid), vcov_type=vcov_type, vcov_note=note,
            resid=pd.Series(resid, index=index, name="resid"),
            fitted=pd.Series(self.y - resid, index=index, name="fitted"),
            rsquared={"within": float(1 - resid @ resid / (self.y @ self.y))},
            diagnostics=self._linearity(), dropped=d.design.dropped,
            balance=PanelData(index.to_frame(index=False), self.panel.entity,
                              self.panel.time).balance,
            info={"gamma": gamma, "c": tuple(float(v) for v in c), "m": self.m,
                  "scale": self.scale, "threshold_name": q, "transition": curve,
                  "ssr": float(resid @ resid),
                  "effects": ("entity", "time") if d.time_effects else ("entity",),
                  "summary_header": (("Transition variable", q), ("m", str(self.m)),
                                     ("gamma (per sd^m)", f"{gamma:.6g}"),
                                     ("c", ", ".join(f"{v:.6g}" for v in c)))},
            title=self.title, _revcov=self._revcov,
        )


def _ols_ssr(x: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    return float(resid @ resid)
