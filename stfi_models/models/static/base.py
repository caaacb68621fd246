r"""Static panel estimators: pooled OLS, fixed effects, random effects, first difference, between.

Every estimator is OLS on a transformation of the model

.. math::

    y_{it} = x_{it}^\prime \beta + \alpha_i + \gamma_t + \varepsilon_{it},

* ``"pooled"`` (:class:`PooledOLS`): no transformation; ``C(entity)`` / ``C(time)`` in the
  formula are expanded as dummies (LSDV), so their slopes equal those of FE.
* ``"fe"`` (:class:`FixedEffects`): the within transformation sweeps out :math:`\alpha_i`,
  :math:`\gamma_t` or both.  The two-way transformation is exact on unbalanced panels:
  :math:`M_{[D_e, D_t]} = M_{M_e D_t} M_e` (Frisch-Waugh-Lovell), demeaning by the larger
  dimension and projecting out the demeaned dummies of the smaller one.  No intercept is
  reported (as in R plm; Stata's ``_cons`` is the mean of the effects and does not change
  the slopes).
* ``"re"`` (:class:`RandomEffects`): quasi-demeaning :math:`y_{it} - \theta_i \bar y_i` with
  :math:`\theta_i = 1 - \sqrt{\sigma^2_\nu / (\sigma^2_\nu + T_i \sigma^2_\eta)}` and the
  Swamy-Arora (1972) variance components, in the unbalanced form of Baltagi & Chang (1994) that
  R plm's ``random.method = "swar"`` uses (they coincide on balanced panels).
* ``"fd"`` (:class:`FirstDifference`): :math:`\Delta y_{it} = \Delta x_{it}^\prime \beta +
  \Delta\varepsilon_{it}` within entity between consecutive periods (a gap gives no
  difference).  An intercept in the formula is kept undifferenced, as plm does (it is a
  linear trend in levels); write ``- 1`` to drop it.
* ``"between"`` (:class:`Between`): OLS on the entity means (unweighted, as plm).

Covariances are in :mod:`stfi_models.models.covariance`; diagnostics are the F test that the
fixed effects are zero (on FE results) and the Hausman (1978) test of FE against RE (on RE
results, and as :func:`hausman` for any pair).

References
----------
Baltagi, B. H. (2021). *Econometric Analysis of Panel Data*, 6th ed. Springer.
Baltagi, B. H. & Chang, Y.-J. (1994). Journal of Econometrics 62(2), 67-89.
Swamy, P. A. V. B. & Arora, S. S. (1972). Econometrica 40(2), 261-275.
Hausman, J. A. (1978). Econometrica 46(6), 1251-1271.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    check_choice,
)
from stfi_models.formula.design import Design, Dropped, absorbed_effects, build_design
from stfi_models.formula.grammar import FormulaSpec
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
from stfi_models.models.absorb import (
    AbsorbedEffects,
    dense_codes,
    group_means,
    singleton_rows,
)
from stfi_models.models.base import PanelModel
from stfi_models.models.predict import predict_static
from stfi_models.panel import PanelData
from stfi_models.results.result import Result, TestResult

__all__ = ["PooledOLS", "FixedEffects", "RandomEffects", "FirstDifference", "Between",
           "hausman", "EFFECTS", "SINGLETONS"]

EFFECTS = ("entity", "time", "twoways")
SINGLETONS = ("drop", "keep")
#: Variance-component forms of random effects: plm's (Baltagi-Chang) or Stata's xtreg, re.
VARIANCE_COMPONENTS = ("plm", "stata")


# ---------------------------------------------------------------------------- linear algebra
def _group_mean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-row mean of ``values`` over the rows sharing its code."""
    return group_means(values, codes)[codes]


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and residuals of the least-squares fit of ``y`` on ``x`` (scaled QR)."""
    return lstsq.solve(x, y)


def _check_rank(x: np.ndarray, names: list[str], where: str, before: np.ndarray | None = None,
                vanish_hint: str = "") -> lstsq.Factored:
    """Raise if ``x`` has dependent columns (naming them), warn if it is ill-conditioned.

    ``where`` says which matrix this is (e.g. "after first-differencing"); ``before`` holds the
    columns before a transformation, so that a column it wipes out is reported as such, with
    ``vanish_hint`` saying why.  Returns the column-scaled pivoted QR factors of ``x``
    (:func:`stfi_models.models.lstsq.check_design`), which the estimator solves with.
    """
    return lstsq.check_design(x, names, where, before, vanish_hint)


def _pooled_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """SSR and rank of pooled OLS of ``y`` on an intercept and ``x`` (scaled QR).

    The restricted model of the F test that absorbed effects are zero; ``[1, x]`` is built
    once, Fortran-ordered, and factored in place.
    """
    pooled = np.empty((len(y), x.shape[1] + 1), order="F")
    pooled[:, 0], pooled[:, 1:] = 1.0, x
    fac = lstsq.factor(pooled, overwrite=True)
    coef = fac.coef(y)
    resid = y - x @ coef[1:] - coef[0]
    return float(resid @ resid), fac.rank


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


# ---------------------------------------------------------------------------- pooled OLS
class PooledOLS(_StaticModel):
    r"""Pooled OLS; ``C(entity)``/``C(time)`` become dummies (LSDV).

    .. math:: y_{it} = x_{it}^\prime\beta + \varepsilon_{it}

    ``info["effects"]`` names the panel keys expanded as dummies (for tables' FE rows).

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("n ~ w + k + ys", sm.load_abdata(), entity="id", time="year",
    ...              model="pooled", vcov="cluster")
    """

    name = "pooled"
    title = "Pooled OLS"

    def _estimate(self) -> _Estimate:
        x, y = self.design.x, self._y
        names = list(x.columns)
        self._too_few(len(y), len(names))
        values = x.to_numpy()
        fac = _check_rank(values, names, "on the sample")
        coef = fac.coef(y)
        resid = y - values @ coef
        index = self.design.y.index
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=self._regression(values, resid, fac),
            resid=_series(resid, index, "resid"),
            fitted=_series(y - resid, index, "fitted"),
            rsquared={"r2": _r2(resid, y)},
            n_entities=int(self._entity.max()) + 1,
            info={"effects": tuple(e for e in ("entity", "time")
                                   if e in set(absorbed_effects(self.spec, self.panel)))},
        )


# ---------------------------------------------------------------------------- fixed effects
class FixedEffects(_StaticModel):
    r"""Fixed effects (within) estimator with entity, time or two-way effects.

    .. math:: \ddot y_{it} = \ddot x_{it}^\prime\beta + \ddot\varepsilon_{it}

    where the double dot is the within transformation for the chosen effects.

    Parameters
    ----------
    spec : FormulaSpec
    panel : PanelData
    effects : {"entity", "time", "twoways"}, optional
        Effects to sweep out, in addition to the ``C(entity)`` / ``C(time)`` terms and
        ``| entity + time`` parts of the formula.  When neither names any effect: ``"entity"``
        (as plm's default ``effect = "individual"`` and Stata's ``xtreg, fe``).  Any other
        column after ``|`` is absorbed too (``| id + year + industry``), and ``a:b`` absorbs
        one effect per combination (``| id + province:year``, fixest's ``province^year``).
    singletons : {"drop", "keep"}
        Rows alone in a level of an absorbed effect (found iteratively) fit perfectly and
        change no coefficient, but count in ``n`` and the clusters of the small-sample
        factors.  ``"keep"`` (default) keeps them, as R plm and Stata ``xtreg`` do, so the
        numbers match those references; ``"drop"`` (reghdfe, fixest) removes them, counts
        them on ``result.dropped`` and warns.

    Notes
    -----
    No intercept is reported (plm convention).  ``diagnostics["F effects"]`` is the F test
    that all effects are zero against pooled OLS with an intercept (plm ``pFtest``).
    The effects are swept out by :class:`~stfi_models.models.absorb.AbsorbedEffects` (exact
    Frisch-Waugh-Lovell on the level counts, no dummy matrix); ``info["n_absorbed"]`` is their
    rank (levels minus redundant ones), ``info["n_singletons"]`` the rows dropped as singletons.
    Absorbed effects never enter the ``k`` of the default small-sample factors
    (``count_effects="none"``, plm); reghdfe and fixest's default leave out only the effects
    nested in the cluster variable (entity effects with entity clusters), and count the others.

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("n ~ w + k + ys + C(id) + C(year)", sm.load_abdata(),
    ...              entity="id", time="year", vcov="cluster")
    """

    name = "fe"
    title = "Fixed effects (within)"
    _absorb = True

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, effects: str | None = None,
                 singletons: str = "keep") -> None:
        super().__init__(spec, panel)
        check_choice("singletons", singletons, SINGLETONS)
        chosen = set(self.design.absorbed)
        if effects is not None:
            check_choice("effects", effects, EFFECTS)
            chosen |= {"entity", "time"} if effects == "twoways" else {effects}
        if not chosen and not self.design.absorbed_columns:
            chosen = {"entity"}
        self.effects: tuple[str, ...] = tuple(e for e in ("entity", "time") if e in chosen)
        self.n_singletons = 0
        if singletons == "drop":
            self._drop_singletons(singleton_rows(self._effect_codes()))
        self._absorbed = AbsorbedEffects(self._effect_codes())

    def _effect_codes(self) -> tuple[np.ndarray, ...]:
        """Integer codes of every absorbed effect on the sample rows."""
        codes = [{"entity": self._entity, "time": self._time}[e] for e in self.effects]
        frame, rows = self.design.frame, self.design.rows
        for name in self.design.absorbed_columns:  # a column or an interaction a:b
            combined = np.zeros(rows.size, dtype=np.int64)
            for part in name.split(":"):
                level, uniques = pd.factorize(frame[part].to_numpy()[rows])
                combined = pd.factorize(combined * len(uniques) + level)[0]
            codes.append(combined)
        return tuple(codes)

    @property
    def _names_absorbed(self) -> tuple[str, ...]:
        """``"entity"``, ``"time"`` and the absorbed columns (``info["effects"]``)."""
        return self.effects + self.design.absorbed_columns

    @property
    def _effect_labels(self) -> list[str]:
        """How the summary and messages name each absorbed effect."""
        keys = {"entity": f"entity ({self.panel.entity})", "time": f"time ({self.panel.time})"}
        return [keys[e] for e in self.effects] + list(self.design.absorbed_columns)

    def _drop_singletons(self, lone: np.ndarray) -> None:
        """Remove the singleton rows from the design, count them and warn."""
        if not lone.any():
            return
        design, keep = self.design, ~lone
        self.n_singletons = int(lone.sum())
        old = design.dropped
        lost = old.index.append(design.y.index[lone]) if old.index is not None else None
        keys = ", ".join(self._effect_labels)
        dropped = Dropped(
            old.n + self.n_singletons, old.nobs_total,
            {**old.by_variable, f"singletons of {keys}": self.n_singletons}, lost,
            f"{old.reason} and singleton fixed-effect levels" if old.n else
            "singleton fixed-effect levels",
        )
        self.design = replace(design, y=design.y.iloc[keep], x=design.x.iloc[keep],
                              rows=design.rows[keep], dropped=dropped)
        self._entity = dense_codes(self._entity[keep])[0]
        self._time = dense_codes(self._time[keep])[0]
        if self.design.y.empty:
            raise EstimationError(
                f"Every row is a singleton of {keys}: no level is observed twice. Use "
                "singletons='keep' (the fit is then exact) or a coarser effect."
            )
        warnings.warn(
            f"{self.n_singletons} singleton rows dropped (alone in a level of {keys}; they "
            "fit perfectly and change no coefficient, as reghdfe and fixest drop them). The "
            "count is on result.dropped; singletons='keep' keeps them (as R plm).",
            MissingValueWarning, stacklevel=4,
        )

    def _estimate(self) -> _Estimate:
        x = self.design.x.drop(columns="Intercept", errors="ignore")
        names = list(x.columns)
        y = self._y
        if not names:
            raise EstimationError(
                f"The fixed-effects model '{self.spec.text}' has no regressor left after "
                "absorbing the effects."
            )
        values = x.to_numpy()
        # pooled OLS for the F test first: its n x k buffer is gone before the sweep's arrive
        ssr_p, rank_p = _pooled_fit(values, y)
        swept = np.empty((len(y), len(names) + 1), order="F")  # columns contiguous
        swept[:, 0], swept[:, 1:] = y, values
        swept, absorbed = self._absorbed.sweep(swept, overwrite=True), self._absorbed.rank
        yw, xw = swept[:, 0], swept[:, 1:]
        effects_text = " + ".join(self._effect_labels)
        where = f"after the within transformation ({effects_text})"
        self._too_few(len(y), len(names), absorbed)
        fac = _check_rank(xw, names, where, before=values,
                          vanish_hint=" (it is constant within the absorbed effects)")
        coef = fac.coef(yw)
        resid = yw - xw @ coef
        index = self.design.y.index
        rsq = {"within": _r2(resid, yw)}
        if self.effects == ("entity",) and not self.design.absorbed_columns:
            rsq.update({k: v for k, v in _stata_r2(y, values @ coef, self._entity).items()
                        if k != "within"})
        n, k = len(y), len(names)
        ssr = float(resid @ resid)
        df2 = n - k - absorbed
        df1 = (n - rank_p) - df2
        fstat = (ssr_p - ssr) / df1 / (ssr / df2)
        ftest = TestResult(
            stat=float(fstat), pvalue=float(stats.f.sf(fstat, df1, df2)),
            df=(float(df1), float(df2)), name="F test for " + " + ".join(self._names_absorbed)
            + " effects", dist="F", null="all absorbed effects are zero (pooled OLS suffices)",
        )
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=self._regression(xw, resid, fac, absorbed,
                                 sweep=self._absorbed.sweep),  # no cycle to self
            resid=_series(resid, index, "resid"),
            fitted=_series(y - resid, index, "fitted"),
            rsquared=rsq,
            n_entities=int(self._entity.max()) + 1,
            diagnostics={"F effects": ftest},
            info={"effects": self._names_absorbed, "n_absorbed": absorbed,
                  "n_singletons": self.n_singletons,
                  "summary_header": (("Effects", effects_text),),
                  "summary_footer": ("No intercept reported: it is absorbed by the effects.",)},
        )


# ---------------------------------------------------------------------------- random effects
@dataclass(frozen=True)
class _Components:
    sigma2_idios: float
    sigma2_entity: float
    theta: np.ndarray  # per row
    within_coef: pd.Series
    within_cov: pd.DataFrame


class RandomEffects(_StaticModel):
    r"""Random effects GLS with Swamy-Arora variance components (plm ``"swar"``).

    .. math::

        y_{it} - \theta_i \bar y_i = (x_{it} - \theta_i \bar x_i)^\prime \beta + u^*_{it},
        \qquad \theta_i = 1 - \sqrt{\frac{\sigma^2_\nu}{\sigma^2_\nu + T_i\sigma^2_\eta}}

    :math:`\sigma^2_\nu = e_W^\prime e_W / (n - N - K_W)` from the within regression
    (regressors that vary within entity); :math:`\sigma^2_\eta = (e_B^\prime e_B -
    (N - K - 1)\sigma^2_\nu) / (n - \mathrm{tr}[(Z_B^\prime Z_B)^{-1} Z_S^\prime Z])`, from the
    between regression run on rows (each row carries its entity mean, :math:`Z_B`; :math:`Z_S`
    holds entity sums), Baltagi & Chang (1994); on balanced panels it is the textbook
    :math:`\hat\sigma^2_1/T - \hat\sigma^2_\nu/T` form (Baltagi 2021, sec. 2.3).  Negative
    :math:`\sigma^2_\eta` is set to zero (pooled OLS).

    ``variance_components="stata"`` uses Stata's ``xtreg, re`` instead: the between regression
    on one row per entity (unweighted) and :math:`\sigma^2_\eta = e_B^\prime e_B/(N - K) -
    \sigma^2_\nu/\bar T` with :math:`\bar T` the harmonic mean of the :math:`T_i` (Stata
    [XT] xtreg, Methods and formulas).  Both are Swamy-Arora and coincide on balanced panels;
    on unbalanced ones plm's :math:`\sigma_\eta` differs from Stata's by ~0.6% on typical
    data, moving coefficients by ~5e-4 relative.  Pick ``"stata"`` to match a Stata log.

    Notes
    -----
    ``diagnostics["hausman"]`` is the Hausman test of FE (entity) against this model, with the
    classical covariances of both whatever ``vcov`` is (as plm ``phtest``).
    ``info`` holds ``sigma2_idios``, ``sigma2_entity`` and ``theta`` (per entity).
    """

    name = "re"
    title = "Random effects (Swamy-Arora)"
    _refuse_entity = "treats the entity effect as random; C(entity) would make it fixed"

    def __init__(self, spec: FormulaSpec, panel: PanelData, *,
                 variance_components: str = "plm") -> None:
        super().__init__(spec, panel)
        self.variance_components = check_choice("variance_components", variance_components,
                                                VARIANCE_COMPONENTS)
        if variance_components == "stata":
            self.title = "Random effects (Swamy-Arora, Stata xtreg, re form)"

    def _stata_eta(self, z: np.ndarray, y: np.ndarray, s2_nu: float) -> float:
        """Stata's sigma^2_u: unweighted between regression, harmonic mean of T_i."""
        ent = self._entity
        first = np.unique(ent, return_index=True)[1]
        means = _group_mean(np.column_stack([y, z]), ent)[first]
        _, resid = _ols(means[:, 1:], means[:, 0])
        t_bar = first.size / float(np.sum(1.0 / np.bincount(ent)))
        return max(0.0, float(resid @ resid) / (first.size - z.shape[1]) - s2_nu / t_bar)

    def _components(self, x: pd.DataFrame, y: np.ndarray) -> _Components:
        ent = self._entity
        n, n_ent = len(y), int(ent.max()) + 1
        z = x.to_numpy()
        slopes = x.drop(columns="Intercept", errors="ignore")
        raw = slopes.to_numpy()
        xw = raw - _group_mean(raw, ent) if raw.size else raw
        varying = np.linalg.norm(xw, axis=0) > 1e-10 * np.maximum(np.linalg.norm(raw, axis=0),
                                                                    1e-300)
        xw = xw[:, varying]
        yw = y - _group_mean(y[:, None], ent)[:, 0]
        k_w = xw.shape[1]
        self._too_few(n, k_w, n_ent)
        w_coef, w_resid = _ols(xw, yw)
        s2_nu = float(w_resid @ w_resid) / (n - n_ent - k_w)
        zb = _group_mean(z, ent)
        _check_rank(zb[np.unique(ent, return_index=True)[1]], list(x.columns),
                    "in the entity means, which the Swamy-Arora variance components regress on "
                    "(time dummies barely vary there when entities span the same periods; "
                    "absorb them with model='fe' instead)")
        yb = _group_mean(y[:, None], ent)[:, 0]
        _, b_resid = _ols(zb, yb)
        zs = zb * np.bincount(ent)[ent][:, None]
        m_eta = n - np.trace(lstsq.gram_inverse(zb) @ (zs.T @ z))
        m_nu = n_ent - z.shape[1]
        if m_nu <= 0:
            raise EstimationError(
                f"Too few entities ({n_ent}) for the between regression of the random-effects "
                f"variance components with {z.shape[1]} coefficients."
            )
        s2_eta = (self._stata_eta(z, y, s2_nu) if self.variance_components == "stata"
                  else max(0.0, (float(b_resid @ b_resid) - m_nu * s2_nu) / m_eta))
        t_i = np.bincount(ent)[ent]
        theta = 1.0 - np.sqrt(s2_nu / (s2_nu + t_i * s2_eta))
        names = pd.Index(slopes.columns[varying])
        w_cov = s2_nu * lstsq.gram_inverse(xw)
        return _Components(s2_nu, s2_eta, theta, pd.Series(w_coef, index=names),
                           pd.DataFrame(w_cov, index=names, columns=names))

    def _estimate(self) -> _Estimate:
        x, y = self.design.x, self._y
        names = list(x.columns)
        self._too_few(len(y), len(names))
        _check_rank(x.to_numpy(), names, "on the sample")
        comp = self._components(x, y)
        raw = np.column_stack([y, x.to_numpy()])
        star = raw - comp.theta[:, None] * _group_mean(raw, self._entity)
        ys, xs = star[:, 0], star[:, 1:]
        fac = lstsq.factor(xs)
        if fac.rank < len(names):
            _check_rank(xs, names, "after quasi-demeaning")
        coef = fac.coef(ys)
        resid = ys - xs @ coef
        params = _series(coef, pd.Index(names), "params")
        index = self.design.y.index
        xb = x.drop(columns="Intercept", errors="ignore").to_numpy() @ params.drop(
            "Intercept", errors="ignore").to_numpy()
        rsq = {"r2": _r2(resid, ys), **_stata_r2(y, xb, self._entity)}
        s2 = float(resid @ resid) / (len(y) - len(names))
        re_cov = pd.DataFrame(s2 * fac.gram_inverse(), index=params.index,
                              columns=params.index)
        diagnostics = {}
        if len(comp.within_coef):
            diagnostics["hausman"] = _hausman_test(comp.within_coef, comp.within_cov, params,
                                                   re_cov)
        first = np.unique(self._entity, return_index=True)[1]
        theta = pd.Series(comp.theta[first], index=index.get_level_values(0)[first],
                          name="theta")
        fitted = x.to_numpy() @ coef
        return _Estimate(
            params=params,
            reg=self._regression(xs, resid, fac, theta=comp.theta),
            resid=_series(y - fitted, index, "resid"),
            fitted=_series(fitted, index, "fitted"),
            rsquared=rsq,
            n_entities=int(self._entity.max()) + 1,
            diagnostics=diagnostics,
            info={
                "sigma2_idios": comp.sigma2_idios,
                "sigma2_entity": comp.sigma2_entity,
                "theta": theta,
                "summary_header": (
                    ("sigma2 (idiosyncratic)", f"{comp.sigma2_idios:.6g}"),
                    ("sigma2 (entity)", f"{comp.sigma2_entity:.6g}"),
                    ("theta min/max", f"{theta.min():.4f}/{theta.max():.4f}"),
                ),
                "summary_footer": (
                    "resid/fitted are y - x'b and x'b in levels; the covariance uses the "
                    "quasi-demeaned regression.",
                ),
            },
        )


def _hausman_test(b_fe: pd.Series, v_fe: pd.DataFrame, b_re: pd.Series, v_re: pd.DataFrame
                  ) -> TestResult:
    common = [name for name in b_fe.index if name in b_re.index and name != "Intercept"]
    if not common:
        raise SpecificationError("The two models share no slope coefficient to compare.")
    size = np.sqrt(np.abs(np.diag(v_fe.loc[common, common].to_numpy())))
    size[size == 0] = 1.0  # judge the rank on the coefficients' own scale
    diff = (b_fe[common] - b_re[common]).to_numpy() / size
    var = (v_fe.loc[common, common].to_numpy() - v_re.loc[common, common].to_numpy()
           ) / np.outer(size, size)
    df = int(np.linalg.matrix_rank(var))
    if df == len(common):
        stat = float(diff @ np.linalg.solve(var, diff))
    else:  # singular difference: generalized inverse, df = its rank (Hausman 1978, fn. 6)
        stat = float(diff @ np.linalg.pinv(var) @ diff)
    return TestResult(
        stat=stat, pvalue=float(stats.chi2.sf(stat, df)), df=float(df),
        name="Hausman (FE vs RE)", dist="chi2",
        null="the random effects are uncorrelated with the regressors (RE consistent)",
    )


def hausman(fe: Result, re: Result) -> TestResult:
    r"""Hausman (1978) test of a fixed-effects against a random-effects Result.

    .. math:: H = (b_{FE} - b_{RE})^\prime [V_{FE} - V_{RE}]^{-1} (b_{FE} - b_{RE})
              \sim \chi^2_K

    over the K slopes both models estimate.  The test is valid under the classical
    covariances (efficient RE); pass results fitted with ``vcov="unadjusted"`` (as plm
    ``phtest``, which :class:`RandomEffects` also reports in its diagnostics).

    Raises
    ------
    SpecificationError
        When the models are not FE and RE, or their covariances are not classical.
    """
    if fe.model != "fe" or re.model != "re":
        raise SpecificationError(
            f"hausman(fe, re) compares model='fe' with model='re'; got {fe.model!r} and "
            f"{re.model!r}."
        )
    if fe.vcov_type != "unadjusted" or re.vcov_type != "unadjusted":
        raise SpecificationError(
            "The Hausman test needs the classical covariances; pass res.with_vcov('unadjusted')."
        )
    return _hausman_test(fe.params, fe.cov, re.params, re.cov)


# ---------------------------------------------------------------------------- first difference
class FirstDifference(_StaticModel):
    r"""First-difference OLS.

    .. math:: \Delta y_{it} = \Delta x_{it}^\prime\beta + \Delta\varepsilon_{it}

    Differences are taken within entity between consecutive periods of the sample; a gap
    (or a row lost to missing values) gives no difference.  An intercept is kept as a column
    of ones (plm's ``model = "fd"``); ``resid``/``fitted`` are on the differenced scale.
    """

    name = "fd"
    title = "First differences"
    _refuse_entity = "differences the entity effects away; C(entity) adds nothing"

    def _estimate(self) -> _Estimate:
        x, y = self.design.x, self._y
        rows = self.design.rows
        ent = self.panel.entity_codes[rows]
        pos = self.panel.time_positions[rows]
        later = np.flatnonzero((ent[1:] == ent[:-1]) & (pos[1:] - pos[:-1] == 1)) + 1
        earlier = later - 1
        values = x.to_numpy()
        dx = values[later] - values[earlier]
        if self.design.has_intercept:
            dx[:, list(x.columns).index("Intercept")] = 1.0
        dy = y[later] - y[earlier]
        names = list(x.columns)
        self._too_few(len(later), len(names))
        fac = _check_rank(dx, names, "after first-differencing", before=values[later],
                          vanish_hint=" (it is constant over time within entity)")
        coef = fac.coef(dy)
        resid = dy - dx @ coef
        index = self.design.y.index[later]
        reg = Regression(x=dx, resid=resid, entity=self._entity[later], time=self._time[later],
                         index=index, xtx_inv=fac.gram_inverse())
        n_ent = int(np.unique(ent[later]).size)
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=reg,
            resid=_series(resid, index, "resid"),
            fitted=_series(dy - resid, index, "fitted"),
            rsquared={"r2": _r2(resid, dy)},
            n_entities=n_ent,
            info={
                "n_differences": len(later),
                "summary_footer": (
                    f"{len(y) - len(later)} first rows of entities (or after gaps) have no "
                    "difference."
                    + (" The intercept is a linear trend in levels." if
                       self.design.has_intercept else ""),
                ),
            },
        )


# ---------------------------------------------------------------------------- between
class Between(_StaticModel):
    r"""Between estimator: OLS on entity means (unweighted, one row per entity).

    .. math:: \bar y_i = \bar x_i^\prime\beta + \bar u_i

    Only ``vcov="unadjusted"`` and ``"robust"`` apply.  ``resid``/``fitted`` are indexed by
    entity.
    """

    name = "between"
    title = "Between (entity means)"
    _vcov_types = ("unadjusted", "robust")  # one row per entity: nothing to cluster
    _bootstrap = False
    _refuse_entity = "averages within entity; C(entity) leaves one row per dummy"

    def _estimate(self) -> _Estimate:
        x = self.design.x
        names = list(x.columns)
        raw = np.column_stack([self._y, x.to_numpy()])
        first = np.unique(self._entity, return_index=True)[1]
        means = _group_mean(raw, self._entity)[first]
        yb, xb = means[:, 0], means[:, 1:]
        self._too_few(len(yb), len(names))
        fac = _check_rank(xb, names, "in the entity means")
        coef = fac.coef(yb)
        resid = yb - xb @ coef
        labels = self.design.y.index.get_level_values(0)[first]
        reg = Regression(x=xb, resid=resid, entity=np.arange(len(yb)),
                         time=np.zeros(len(yb), dtype=int),
                         index=self.design.y.index[first],
                         xtx_inv=fac.gram_inverse())
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=reg,
            resid=_series(resid, pd.Index(labels, name=self.panel.entity), "resid"),
            fitted=_series(yb - resid, pd.Index(labels, name=self.panel.entity), "fitted"),
            rsquared={"r2": _r2(resid, yb)},
            n_entities=len(yb),
        )
