r"""Fixed-effects spatial panel models estimated by maximum likelihood: SAR, SEM, SDM, SDEM.

.. math::

    \text{SAR:}\quad y_t = \rho W y_t + X_t\beta + \mu + \gamma_t\iota_N + \varepsilon_t

    \text{SDM:}\quad y_t = \rho W y_t + X_t\beta + W X_t\theta + \mu + \gamma_t\iota_N
                           + \varepsilon_t

    \text{SEM:}\quad y_t = X_t\beta + \mu + \gamma_t\iota_N + u_t,\quad
                     u_t = \lambda W u_t + \varepsilon_t

    \text{SDEM:}\quad \text{the SEM with } W X_t\theta \text{ added}

with entity effects :math:`\mu`, time effects :math:`\gamma_t` or both, swept out by the
within transformation (:mod:`.stack`), and :math:`\varepsilon_t \sim N(0, \sigma^2 I_N)`.
The concentrated likelihood is maximised and the score equation solved to machine precision
(:mod:`.likelihood`); standard errors come from the analytic information matrix
(:mod:`.information`).  Parameters are reported as ``rho`` (spatial lag of ``y``) and
``lambda`` (spatial error), the PySAL / Elhorst / xsmle naming (R splm swaps the two names).

Options common to all three:

* ``w`` -- the :class:`~stfi_models.spatial.SpatialWeights` over the entities (required);
* ``effects`` -- ``"entity"`` (default), ``"time"`` or ``"twoways"`` (or name them in the
  formula: ``| province + year``);
* ``lag_convention`` -- ``"lag-of-demeaned"`` (splm, default) or ``"demeaned-lag"``
  (Elhorst, Lee-Yu); they differ under time effects only (:mod:`.stack`);
* ``lee_yu`` -- the Lee & Yu (2010) transformation approach (bias-corrected
  :math:`\sigma^2`, and with time effects a bias-corrected :math:`\rho`);
* ``logdet`` -- ``"eigen"`` (default), ``"lu"`` (exact sparse LU for large ``N``), or the
  approximations ``"chebyshev"`` (Pace & LeSage 2004) and ``"mc"`` (Barry & Pace 1999),
  tuned by ``logdet_options`` (``{"order": 5}``; ``{"draws": 16, "terms": 30, "seed": 0}``);
  see :mod:`.logdet`.  An approximation moves the estimates by the approximation's error
  (the log-likelihood it maximises is approximate); standard errors and effects still use
  exact traces.

The Durbin terms :math:`WX` are the formula's ``W(x)`` terms, i.e. lags of the raw variables
transformed like any regressor (as splm's ``slag()``); for ``model="sdm"`` and
``"sdem"`` every regressor without one gets it (``durbin=True``), or only those listed in
``durbin=[...]``.

References
----------
Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer.
Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to Spatial Panels*.
Springer.
Lee, L.-F. & Yu, J. (2010). Journal of Econometrics 154, 165-185.
Millo, G. & Piras, G. (2012). splm: Spatial panel data models in R. JSS 47(1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import EstimationError, SpecificationError, check_choice
from stfi_models.formula.design import Design, build_design
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models.base import PanelModel
from stfi_models.models.spatial.information import error_information, invert, lag_information
from stfi_models.models.spatial.likelihood import ErrorProfile, LagProfile, Sizes, maximise
from stfi_models.models.spatial.logdet import LogDet
from stfi_models.models.spatial.results import SpatialResult, SpatialState
from stfi_models.models.spatial.stack import Stacked, stack_panel
from stfi_models.panel import PanelData
from stfi_models.results.result import TestResult
from stfi_models.spatial.lag import panel_spatial_lag
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["SpatialLag", "SpatialError", "SpatialDurbin", "SpatialDurbinError", "Estimate",
           "EFFECTS"]

EFFECTS = ("entity", "time", "twoways")


class _SpatialModel(PanelModel):
    """Shared construction of the FE spatial models (not registered itself)."""

    kind: ClassVar[str] = "lag"
    parameter: ClassVar[str] = "rho"
    title: ClassVar[str] = ""

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, w: SpatialWeights | None = None,
                 effects: str | None = None, lag_convention: str | None = None,
                 lee_yu: bool = False, logdet: str = "eigen",
                 logdet_options: Mapping[str, Any] | None = None) -> None:
        super().__init__(spec, panel)
        if w is None:
            raise SpecificationError(
                f"model={self.name!r} needs the spatial weights over the entities: pass "
                "w=SpatialWeights (e.g. w=sm.china_weights())."
            )
        if not isinstance(w, SpatialWeights):
            raise SpecificationError(
                f"w= must be a SpatialWeights (SpatialWeights.from_matrix(matrix, ids)), got "
                f"{type(w).__name__}."
            )
        if spec.is_system or spec.instruments or spec.extra_parts:
            raise SpecificationError(
                f"model={self.name!r} takes one dependent variable and no instrument part."
            )
        self.w = w
        self.design: Design = build_design(spec, panel, absorb=True, weights=w)
        chosen = set(self.design.absorbed)
        if effects is not None:
            check_choice("effects", effects, EFFECTS)
            chosen |= {"entity", "time"} if effects == "twoways" else {effects}
        self.effects: tuple[str, ...] = tuple(
            e for e in ("entity", "time") if e in (chosen or {"entity"}))
        if lag_convention is None:
            lag_convention = "demeaned-lag" if lee_yu else "lag-of-demeaned"
        if lee_yu and "time" in self.effects:
            if lag_convention != "demeaned-lag":
                raise SpecificationError(
                    "lee_yu=True with time effects uses the demeaned spatial lag (the Lee-Yu "
                    "transformation); drop lag_convention= or set it to 'demeaned-lag'."
                )
            rows = np.asarray(w.matrix.sum(axis=1)).ravel()
            if not np.allclose(rows, 1.0):
                raise SpecificationError(
                    "lee_yu=True with time effects needs row-standardised weights (every row of "
                    "w sums to 1; islands are not allowed). Use w.with_transform('row')."
                )
        self.lag_convention = lag_convention
        self.lee_yu = bool(lee_yu)
        self.logdet = LogDet(w.matrix, logdet, w.links if w.transform == "row" else None,
                             {} if logdet_options is None else logdet_options)
        x = self._regressors()
        self.stacked: Stacked = stack_panel(self.design.y.iloc[:, 0], x, w.matrix, w.ids,
                                            self.effects, lag_convention)
        t, n = self.stacked.shape
        self.sizes = Sizes.of(t, n, self.effects, self.lee_yu)
        self.names = list(x.columns)
        self._check_columns()

    # ------------------------------------------------------------------ design
    def _regressors(self) -> pd.DataFrame:
        x = self.design.x.drop(columns="Intercept", errors="ignore")
        if x.shape[1] == 0:
            raise EstimationError(
                f"The spatial model '{self.spec.text}' has no regressor left after absorbing "
                "the fixed effects."
            )
        return x

    def _check_columns(self) -> None:
        flat = self.stacked.flat(self.stacked.x)
        scale = np.linalg.norm(self.stacked.flat(self.stacked.x), axis=0)
        gone = [n for n, s in zip(self.names, scale, strict=True) if s <= 1e-12]
        if gone:
            raise EstimationError(
                f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} swept out by the "
                f"{'/'.join(self.effects)} fixed effects (constant within them); drop from the "
                "formula."
            )
        if np.linalg.matrix_rank(flat / scale) < flat.shape[1]:
            raise EstimationError(
                f"The regressors ({', '.join(self.names)}) are collinear after the within "
                "transformation; drop one of them."
            )

    # ------------------------------------------------------------------ fit
    def fit(self) -> SpatialResult:
        """Estimate by maximum likelihood and return a :class:`SpatialResult`."""
        return self._result(self._estimate())

    def _estimate(self) -> Estimate:
        profile = (LagProfile if self.kind == "lag" else ErrorProfile)(
            self.stacked, self.logdet, self.sizes)
        rho = maximise(profile, self.parameter)
        beta = profile.beta(rho)
        e = profile.residuals(rho)
        sigma2 = float(e @ e) / self.sizes.n_obs
        traces = self.logdet.g_traces(rho)
        if self.kind == "lag":
            gxb = self.logdet.g_apply(rho, (self.stacked.x @ beta).T).T.ravel()
            info = lag_information(profile.x, gxb, traces, sigma2, self.sizes.n_obs,
                                   self.sizes.t_jac)
            fitted = profile.y - e
        else:
            info = error_information(profile.x - rho * profile.wx, traces, sigma2,
                                     self.sizes.n_obs, self.sizes.t_jac)
            fitted = profile.x @ beta  # SEM residuals: the unfiltered u, as splm reports
        names = [*self.names, self.parameter]
        return Estimate(np.array([*beta, rho]), invert(info, names), sigma2,
                        profile.loglik(rho), profile.loglik(0.0), profile.y, fitted,
                        (self.parameter,))

    def _result(self, est: Estimate) -> SpatialResult:
        st = self.stacked
        names = [*self.names, *est.spatial]
        k = len(names)
        lr0 = 2.0 * (est.loglik - est.loglik0)
        df0 = len(est.spatial)
        n_params = k + 1
        nobs = st.y.size
        index = pd.Index(names)
        y, fitted = est.y, est.fitted
        resid = y - fitted
        null = " = ".join(est.spatial) + " = 0"
        aic = -2 * est.loglik + 2 * n_params
        bic = -2 * est.loglik + np.log(nobs) * n_params
        return SpatialResult(
            params=pd.Series(est.params, index=index, name="params"),
            cov=pd.DataFrame(est.cov[:k, :k], index=index, columns=index),
            model=self.name,
            formula=self.spec.text,
            dependent=str(self.design.y.columns[0]),
            nobs=nobs,
            n_entities=st.shape[1],
            df_resid=None,
            vcov_type="information matrix",
            vcov_note="ML, analytic information matrix"
            + (" (Lee-Yu transformation approach)" if self.lee_yu else ""),
            resid=pd.Series(resid, index=st.index, name="resid"),
            fitted=pd.Series(fitted, index=st.index, name="fitted"),
            rsquared={"pseudo": float(np.corrcoef(y, fitted)[0, 1] ** 2),
                      "r2": 1.0 - float(resid @ resid) / float(y @ y)},
            diagnostics={f"LR {'='.join(est.spatial)}=0": TestResult(
                lr0, float(stats.chi2.sf(max(lr0, 0.0), df0)), float(df0),
                f"LR test of {null}", "chi2", f"{null} (the non-spatial FE model)")},
            dropped=self.design.dropped,
            balance=PanelData(self.design.y.index.to_frame(index=False), self.panel.entity,
                              self.panel.time).balance,
            info={"effects": self.effects, "sigma2": est.sigma2,
                  "sigma2_se": float(np.sqrt(est.cov[k, k])), "loglik": est.loglik,
                  "aic": aic, "bic": bic,
                  "n_params": n_params, "lag_convention": self.lag_convention,
                  "lee_yu": self.lee_yu, "bounds": self.logdet.bounds,
                  "logdet": self.logdet.method,
                  "logdet_options": dict(self.logdet.options), "n_periods": st.shape[0],
                  "summary_header": (("Log-likelihood", f"{est.loglik:.4f}"),
                                     ("sigma2", f"{est.sigma2:.6g}"),
                                     ("AIC", f"{aic:.4f}"), ("BIC", f"{bic:.4f}"),
                                     ("Fixed effects", "/".join(self.effects))),
                  "summary_footer": (f"Spatial lag convention: {self.lag_convention}"
                                     + ("; Lee-Yu transformation approach" if self.lee_yu
                                        else "; direct approach (sigma2 = SSE/NT)"),)},
            title=self.title,
            _spatial=SpatialState(self.kind, est.spatial[0], self.w.matrix, self.logdet,
                                  tuple(self.names)),
        )


@dataclass(frozen=True)
class Estimate:
    """What a spatial model's ``_estimate`` hands to the shared Result builder.

    ``params`` = slopes then the spatial parameters ``spatial``; ``cov`` is the inverse
    information matrix including ``sigma2`` last; ``loglik0`` is the log-likelihood with
    the spatial parameters at 0; ``y`` and ``fitted`` the transformed dependent variable and
    its fit (their difference is the reported residual).
    """

    params: np.ndarray
    cov: np.ndarray
    sigma2: float
    loglik: float
    loglik0: float
    y: np.ndarray
    fitted: np.ndarray
    spatial: tuple[str, ...]


class SpatialLag(_SpatialModel):
    """Spatial autoregressive (lag) model with fixed effects, ``model="sar"``.

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("y ~ x1 + x2 | province + year", df, model="sar",  # doctest: +SKIP
    ...              w=sm.china_weights(), entity="prov_code", time="year")
    """

    name = "sar"
    title = "Spatial lag model (SAR), fixed effects, ML"


class SpatialError(_SpatialModel):
    """Spatial error model with fixed effects, ``model="sem"``."""

    name = "sem"
    kind = "error"
    parameter = "lambda"
    title = "Spatial error model (SEM), fixed effects, ML"


def _add_durbin(x: pd.DataFrame, durbin: bool | Sequence[str], w: SpatialWeights,
                model: str) -> pd.DataFrame:
    """Append ``W.x`` columns (raw lags, within each period) for the chosen regressors."""
    base = [c for c in x.columns if not str(c).startswith("W.")]
    if durbin is True:
        chosen = base
    elif durbin is False:
        chosen = []
    else:
        chosen = list(durbin)
        for name in chosen:
            check_choice("durbin", name, base)
    index = x.index
    lags = {f"W.{c}": panel_spatial_lag(x[c].to_numpy(), index.get_level_values(0),
                                        index.get_level_values(1), w)
            for c in chosen if f"W.{c}" not in x.columns}
    out = pd.concat([x, pd.DataFrame(lags, index=index)], axis=1)
    if not any(str(c).startswith("W.") for c in out.columns):
        plain = {"sdm": "sar", "sdem": "sem"}[model]
        raise SpecificationError(
            f"model={model!r} needs at least one W(x) term (or durbin=True); without them it is "
            f"model={plain!r}."
        )
    return out


class _DurbinMixin:
    """The ``durbin`` option: Durbin terms ``W.x`` added to the regressors."""

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, w: SpatialWeights | None = None,
                 effects: str | None = None, lag_convention: str | None = None,
                 lee_yu: bool = False, logdet: str = "eigen",
                 logdet_options: Mapping[str, Any] | None = None,
                 durbin: bool | Sequence[str] = True) -> None:
        self._durbin = durbin
        super().__init__(spec, panel, w=w, effects=effects,  # type: ignore[call-arg]
                         lag_convention=lag_convention, lee_yu=lee_yu, logdet=logdet,
                         logdet_options=logdet_options)

    def _regressors(self) -> pd.DataFrame:
        x = super()._regressors()  # type: ignore[misc]
        return _add_durbin(x, self._durbin, self.w, self.name)  # type: ignore[attr-defined]


class SpatialDurbin(_DurbinMixin, SpatialLag):
    """Spatial Durbin model with fixed effects, ``model="sdm"``: SAR plus ``W(x)`` terms.

    Parameters
    ----------
    durbin : bool or sequence of str, default True
        Add ``W.x`` for every regressor ``x`` without a ``W(x)`` term in the formula (True),
        for the listed regressors only, or none (False: only the formula's ``W()`` terms).
    """

    name = "sdm"
    title = "Spatial Durbin model (SDM), fixed effects, ML"


class SpatialDurbinError(_DurbinMixin, SpatialError):
    r"""Spatial Durbin error model with fixed effects, ``model="sdem"``: SEM plus ``W(x)`` terms.

    Its effects are local: direct :math:`\beta_k`, indirect :math:`\theta_k` (times the mean
    row sum of ``W``, 1 when row-standardised).

    Parameters
    ----------
    durbin : bool or sequence of str, default True
        As for :class:`SpatialDurbin`.
    """

    name = "sdem"
    title = "Spatial Durbin error model (SDEM), fixed effects, ML"
