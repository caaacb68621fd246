r"""Shared construction, fit and covariance plumbing of the static panel models.

:class:`_StaticModel` builds the design, fits once and hands out a
:class:`~stfi_models.results.Result` per covariance; each family (:mod:`.pooled`,
:mod:`.within`, :mod:`.random_effects`, :mod:`.first_difference`, :mod:`.between`) supplies its
``_estimate``.  Covariances are in :mod:`stfi_models.models.covariance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.formula.design import Design, absorbed_effects, build_design
from stfi_models.formula.spec import FormulaSpec
from stfi_models.inference.covariance import (
    CR_TYPES,
    VCOV_TYPES,
    Regression,
    VcovChoice,
    compute_vcov,
    contrast_df,
    resolve_vcov,
)
from stfi_models.inference.wild import wild_bootstrap
from stfi_models.models import lstsq
from stfi_models.models.absorb import dense_codes, group_means
from stfi_models.models.base import PanelModel
from stfi_models.models.predict import predict_static
from stfi_models.panel import PanelData
from stfi_models.results.result import Result, TestResult


# ---------------------------------------------------------------------------- linear algebra
def _group_mean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-row mean of ``values`` over the rows sharing its code."""
    return group_means(values, codes)[codes]


def _check_rank(x: np.ndarray, names: list[str], where: str, before: np.ndarray | None = None,
                vanish_hint: str = "") -> lstsq.Factored:
    """Raise if ``x`` has dependent columns (naming them), warn if it is ill-conditioned.

    ``where`` says which matrix this is (e.g. "after first-differencing"); ``before`` holds the
    columns before a transformation, so that a column it wipes out is reported as such, with
    ``vanish_hint`` saying why.  Returns the column-scaled pivoted QR factors of ``x``
    (:func:`stfi_models.models.lstsq.check_design`), which the estimator solves with.
    """
    return lstsq.check_design(x, names, where, before, vanish_hint)


def _corr2(a: np.ndarray, b: np.ndarray) -> float:
    """Squared correlation of two series."""
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def _r2(resid: np.ndarray, y: np.ndarray) -> float:
    """R-squared of the estimated (transformed) regression as plm defines it by default.

    That is ``r.squared(type = "cor")``: the squared correlation of ``y`` and its fitted values.

    It equals ``1 - SSR/TSS`` whenever the transformed regression has an intercept or zero
    means (pooled, FE, FD, between); for RE on unbalanced panels it differs slightly.
    """
    return _corr2(y, y - resid)


def _stata_r2(y: np.ndarray, xb: np.ndarray, entity: np.ndarray) -> dict[str, float]:
    """Stata ``xtreg``'s R-squared: squared correlations of y with x'b (slopes only).

    within: of the entity-demeaned series; between: of the entity means; overall: of the raw.
    """
    pair = np.column_stack([y, xb])
    means = _group_mean(pair, entity)
    first = np.unique(entity, return_index=True)[1]
    demeaned = pair - means
    return {
        "within": _corr2(demeaned[:, 0], demeaned[:, 1]),
        "between": _corr2(means[first, 0], means[first, 1]),
        "overall": _corr2(y, xb),
    }


# ---------------------------------------------------------------------------- the estimate
@dataclass(frozen=True)
class _Estimate:
    """What fit() needs besides the covariance: one per model instance."""

    params: pd.Series
    reg: Regression
    resid: pd.Series
    fitted: pd.Series
    rsquared: dict[str, float]
    n_entities: int
    diagnostics: dict[str, TestResult] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


class _StaticModel(PanelModel):
    """Shared construction and fit of the static models (not registered itself)."""

    #: Build C(entity)/C(time) as absorbed effects (FE) or as dummies (the others).
    _absorb = False
    #: Effects named in the formula that this model cannot take, with the reason.
    _refuse_entity: str = ""
    #: Title of the printed summary.
    title: str = ""
    #: The wild cluster bootstrap applies (not to one row per entity).
    _bootstrap = True
    #: Covariance types that make sense for this estimator.
    _vcov_types: tuple[str, ...] = VCOV_TYPES

    def __init__(self, spec: FormulaSpec, panel: PanelData) -> None:
        super().__init__(spec, panel)
        if spec.is_system:
            raise SpecificationError(
                f"model={self.name!r} takes one dependent variable; '{spec.text}' has "
                f"{len(spec.lhs)}. Use model='pvar' for a system."
            )
        if spec.instruments or spec.extra_parts:
            raise SpecificationError(
                f"model={self.name!r} takes no instrument part after '|'; use "
                "model='diff-gmm' or 'sys-gmm' for instrumented dynamic models."
            )
        if self._refuse_entity and "entity" in set(absorbed_effects(spec, panel)):
            raise SpecificationError(
                f"model={self.name!r} {self._refuse_entity}; remove C({panel.entity}) "
                f"(or '| {panel.entity}') from the formula, or use model='fe'."
            )
        self.design: Design = build_design(spec, panel, absorb=self._absorb,
                                           absorb_columns=self._absorb)
        rows = self.design.rows  # the sample's codes, as pd.factorize(keys, sort=True) gives
        self._entity = dense_codes(panel.entity_codes[rows])[0]
        self._time = dense_codes(panel.time_codes[rows])[0]

    # ------------------------------------------------------------------ subclass hook
    def _estimate(self) -> _Estimate:  # pragma: no cover - abstract
        raise NotImplementedError

    @cached_property
    def _fitted(self) -> _Estimate:
        return self._estimate()

    @cached_property
    def _keyed_frame(self) -> pd.DataFrame:
        """The panel's columns indexed by (entity, time), for clustering by a column.

        A shallow copy of :attr:`PanelData.frame` with the panel's index: no column copied.
        """
        frame = self.panel.frame.copy(deep=False)
        frame.index = self.panel.index
        return frame

    # ------------------------------------------------------------------ helpers
    @property
    def _y(self) -> np.ndarray:
        return self.design.y.iloc[:, 0].to_numpy(dtype=float)

    @property
    def _depvar(self) -> str:
        return str(self.design.y.columns[0])

    def _too_few(self, n: int, k: int, absorbed: int = 0) -> None:
        if n - k - absorbed <= 0:
            raise EstimationError(
                f"Too few rows for model={self.name!r}: {n} rows for {k} coefficients"
                + (f" and {absorbed} absorbed effects" if absorbed else "")
                + ". Add data or remove regressors."
            )

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        *,
        vcov: str = "unadjusted",
        cluster: str | list[str] | None = None,
        kernel: str | None = None,
        bandwidth: float | None = None,
        df_adjust: str | None = None,
        group_debias: bool | None = None,
        count_effects: str = "none",
        test_df: str | None = None,
    ) -> Result:
        """Estimate and return a :class:`~stfi_models.results.Result`.

        Parameters
        ----------
        vcov : {"unadjusted", "robust", "cluster", "driscoll-kraay", "CR0", "CR1", "CR1S", \
"CR2", "CR3"}
            Covariance estimator (see :mod:`stfi_models.inference.covariance`); the ``CR*``
            kinds are R clubSandwich's (CR2 = Bell-McCaffrey, with Satterthwaite df).
        cluster : str or list of str, optional
            For clustered kinds: ``"entity"`` (default), ``"time"``, ``"twoway"``, any column
            of the data, or a list of them for multi-way clustering (``vcov="cluster"``).
        kernel : {"bartlett", "parzen", "quadratic-spectral"}, optional
            For ``vcov="driscoll-kraay"`` (default ``"bartlett"``).
        bandwidth : float, optional
            For ``vcov="driscoll-kraay"``: the maximal lag; default ``floor(T**0.25)`` (plm).
        df_adjust : {"none", "hc1", "stata"}, optional
            Degrees-of-freedom factor ``1``, ``n/(n-k)`` or ``(n-1)/(n-k)``.  Default
            ``"hc1"`` for robust, ``"stata"`` for cluster, ``"none"`` for Driscoll-Kraay.
        group_debias : bool, optional
            ``G/(G-1)`` per cluster dimension.  Default True for cluster, False for
            Driscoll-Kraay.
        count_effects : {"none", "constant", "all"}
            What absorbed effects add to ``k`` of ``df_adjust``: nothing (default, plm), one
            (Stata's ``xtreg, fe``, which reports ``_cons``: ``vcov="cluster",
            count_effects="constant"`` is ``xtreg, fe vce(cluster)``) or all (Stata's ``areg``).
        test_df : {"residual", "clusters", "satterthwaite"}, optional
            Degrees of freedom of the t tests: n - k - absorbed (default for all but the
            ``CR*`` kinds), G - 1, or Satterthwaite per coefficient (default for ``CR*``).

        Returns
        -------
        Result
        """
        choice = resolve_vcov(vcov, cluster=cluster, kernel=kernel, bandwidth=bandwidth,
                              df_adjust=df_adjust, group_debias=group_debias,
                              count_effects=count_effects, test_df=test_df)
        return self._result(choice)

    def _revcov(self, vcov: str, **options: Any) -> Result:
        return self._result(resolve_vcov(vcov, **options))

    def _result(self, choice: VcovChoice) -> Result:
        if choice.vcov not in self._vcov_types:
            raise SpecificationError(
                f"vcov={choice.vcov!r} is not available for model={self.name!r}; use one of "
                f"{', '.join(map(repr, self._vcov_types))}."
            )
        est = self._fitted
        frame = self._keyed_frame
        keys = (self.panel.entity, self.panel.time)
        computed = compute_vcov(choice, est.reg, frame, keys)
        hooks: dict[str, Any] = {}
        if choice.vcov in CR_TYPES:
            hooks["htz"] = partial(contrast_df, choice, est.reg, frame, keys)
        if self._bootstrap:
            hooks["wild_bootstrap"] = partial(wild_bootstrap, est.reg, frame, keys)
        hooks["predict"] = partial(predict_static, self, est.params, est.fitted, est.reg.resid)
        names = est.params.index
        return Result(
            params=est.params,
            cov=pd.DataFrame(computed.cov, index=names, columns=names),
            model=self.name,
            formula=self.spec.text,
            dependent=self._depvar,
            nobs=est.reg.nobs,
            n_entities=est.n_entities,
            df_resid=float(est.reg.df_resid),
            vcov_type=computed.name,
            vcov_note=computed.note,
            df_params=(None if computed.df_params is None
                       else pd.Series(computed.df_params, index=names, name="df")),
            resid=est.resid,
            fitted=est.fitted,
            rsquared=est.rsquared,
            diagnostics=est.diagnostics,
            dropped=self.design.dropped,
            balance=self.panel.balance_of(self.design.rows),
            info=est.info,
            title=self.title,
            _revcov=self._revcov,
            _hooks=hooks,
        )

    def _regression(self, x: np.ndarray, resid: np.ndarray, fac: lstsq.Factored,
                    absorbed: int = 0, sweep: Any = None, theta: np.ndarray | None = None
                    ) -> Regression:
        return Regression(x=x, resid=resid, entity=self._entity, time=self._time,
                          index=self.design.y.index, n_absorbed=absorbed, sweep=sweep,
                          theta=theta, xtx_inv=fac.gram_inverse())


def _series(values: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    return pd.Series(values, index=index, name=name)
