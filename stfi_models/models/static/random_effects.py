r"""Random effects (``model="re"``) and the Hausman test of FE against RE.

Quasi-demeaning :math:`y_{it} - \theta_i \bar y_i` with
:math:`\theta_i = 1 - \sqrt{\sigma^2_\nu / (\sigma^2_\nu + T_i \sigma^2_\eta)}` and the
Swamy-Arora (1972) variance components, in the unbalanced form of Baltagi & Chang (1994) that
R plm's ``random.method = "swar"`` uses (they coincide on balanced panels).  The Hausman (1978)
test is in the diagnostics of RE results, and :func:`hausman` runs it for any pair.

References
----------
Baltagi, B. H. (2021). *Econometric Analysis of Panel Data*, 6th ed. Springer.
Baltagi, B. H. & Chang, Y.-J. (1994). Journal of Econometrics 62(2), 67-89.
Swamy, P. A. V. B. & Arora, S. S. (1972). Econometrica 40(2), 261-275.
Hausman, J. A. (1978). Econometrica 46(6), 1251-1271.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import EstimationError, SpecificationError, check_choice
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models import lstsq
from stfi_models.models.static.base import (
    _check_rank,
    _Estimate,
    _group_mean,
    _r2,
    _series,
    _stata_r2,
    _StaticModel,
)
from stfi_models.panel import PanelData
from stfi_models.results.result import Result, TestResult

__all__ = ["RandomEffects", "hausman", "VARIANCE_COMPONENTS"]

#: Variance-component forms of random effects: plm's (Baltagi-Chang) or Stata's xtreg, re.
VARIANCE_COMPONENTS = ("plm", "stata")


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and residuals of the least-squares fit of ``y`` on ``x`` (scaled QR)."""
    return lstsq.solve(x, y)


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
