r"""Instrument diagnostics: first stages, rank tests, overidentification and endogeneity.

All statistics are computed after partialling the exogenous regressors (and the absorbed
effects, already swept out) out of the endogenous regressors :math:`X_2` and the excluded
instruments :math:`Z_2`; :math:`n` rows, :math:`L = k_1 + a + l_2` instruments counting the
``a`` absorbed effects, :math:`l_2` excluded instruments, :math:`k_2` endogenous regressors.

* **First stage** (per endogenous regressor): coefficients of :math:`Z_2` in the regression of
  :math:`x_{2j}` on :math:`Z`, their standard errors under the model's covariance choice with
  the small-sample factors of Stata's ``regress`` (ivreg2's first-stage output), the partial
  :math:`R^2` of :math:`Z_2` and :math:`F = W / l_2` with :math:`W` the Wald statistic of the
  excluded instruments, on :math:`(l_2, n - L)` degrees of freedom (:math:`(l_2, G - 1)` when
  clustered).
* **Kleibergen-Paap rk statistics** (Kleibergen & Paap 2006; ivreg2's ``ranktest``): with
  :math:`\hat\Theta = (Z_2^\prime Z_2)^{-1/2} Z_2^\prime X_2 (X_2^\prime X_2)^{-1/2}` and its
  SVD :math:`U S V^\prime`, :math:`\lambda = A^\prime \hat\Theta B` for the singular vectors
  :math:`A, B` of the smallest singular value (:math:`A`: the last :math:`l_2 - k_2 + 1`
  left ones), :math:`rk = \lambda^\prime [(B\otimes A)^\prime \hat V_\Theta (B\otimes
  A)]^{-1}\lambda \sim \chi^2_{l_2-k_2+1}`.  :math:`\hat V_\Theta` is the covariance of
  :math:`\mathrm{vec}\,\hat\Theta` from the scores :math:`v_i \otimes z_i`: :math:`v = X_2`
  for the LM form (the null's residuals), the first-stage residuals for the Wald form.
  Unadjusted, they are Anderson's LM :math:`n r^2_{min}` and Cragg-Donald's
  :math:`n r^2_{min}/(1 - r^2_{min})`.  The F forms (ivreg2): :math:`F = rk\,(n - L)/(n\, l_2)`,
  clustered :math:`rk\,(n - L)(G - 1)/((n - 1) G\, l_2)`; compare them with Stock & Yogo (2005).
* **Overidentification**: Sargan (1958) :math:`n\, e^\prime P_Z e / e^\prime e` (unadjusted) or
  Hansen (1982) :math:`J = e^\prime Z \hat S^{-1} Z^\prime e` at the two-step GMM residuals.
* **Endogeneity** (C, difference-in-Sargan/Hansen; Hayashi 2000, ivreg2's ``endog()``):
  :math:`C = J_e - J_c`, where model *e* treats :math:`X_2` as exogenous (instruments
  :math:`[Z, X_2]`), both J use the moment covariance :math:`\hat S_e` at model e's first-step
  (OLS) residuals, and model c is re-estimated with the sub-matrix of :math:`\hat S_e`;
  :math:`\chi^2_{k_2}`.  Unadjusted, it is Durbin's (1954) statistic.

No small-sample factor enters the rank, J and C statistics (as in ivreg2 and linearmodels).

References
----------
Kleibergen, F. & Paap, R. (2006). Journal of Econometrics 133(1), 97-126.
Cragg, J. G. & Donald, S. G. (1993). Econometric Theory 9(2), 222-240.
Stock, J. H. & Yogo, M. (2005). In Andrews & Stock (eds.), Identification and Inference for
Econometric Models. Cambridge University Press, 80-108.
Hansen, L. P. (1982). Econometrica 50(4), 1029-1054.
Baum, C. F., Schaffer, M. E. & Stillman, S. (2007). Stata Journal 7(4), 465-506.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, stats

from stfi_models.exceptions import SpecificationWarning
from stfi_models.models.iv.algebra import (
    IVArrays,
    gmm,
    is_singular,
    moment_cov,
    project,
    score_cov,
)
from stfi_models.results.result import TestResult

__all__ = ["Partialled", "first_stage", "rank_tests", "overid_test", "endogeneity_test"]


@dataclass(frozen=True)
class Partialled:
    """:math:`X_2`, :math:`Z_2` (and y) with the exogenous regressors partialled out."""

    x2: np.ndarray
    z2: np.ndarray
    n_inst: int  # L: all instruments, absorbed effects included

    @classmethod
    def of(cls, a: IVArrays, n_absorbed: int) -> Partialled:
        """Partial ``a.x1`` out of the endogenous regressors and excluded instruments."""
        return cls(a.x2 - project(a.x1, a.x2), a.z2 - project(a.x1, a.z2),
                   a.x1.shape[1] + n_absorbed + a.z2.shape[1])


def _inv_sqrt(m: np.ndarray) -> np.ndarray:
    vals, vecs = linalg.eigh(m)
    return (vecs / np.sqrt(vals)) @ vecs.T


def _small_factor(n: int, k: int, n_clusters: int | None, robust: bool) -> float:
    if not robust:
        return 1.0
    if n_clusters is None:
        return n / (n - k)
    return (n - 1) / (n - k) * n_clusters / (n_clusters - 1)


def first_stage(p: Partialled, names: list[str], instruments: list[str],
                codes: np.ndarray | None, robust: bool) -> pd.DataFrame:
    """First-stage table: one row per (endogenous regressor, excluded instrument).

    Columns ``endogenous, instrument, coef, std_error, partial_r2, f_stat, f_df1, f_df2,
    f_pvalue`` (the last five repeat within an endogenous regressor).
    """
    n, l2 = p.z2.shape
    resid_df = n - p.n_inst
    zz_inv = np.linalg.inv(p.z2.T @ p.z2)
    g = None if codes is None else int(codes.max()) + 1
    rows = []
    for j, name in enumerate(names):
        x = p.x2[:, j]
        coef = zz_inv @ (p.z2.T @ x)
        e = x - p.z2 @ coef
        if robust:
            factor = _small_factor(n, p.n_inst, g, True)
            cov = factor * zz_inv @ score_cov(p.z2, e, codes) @ zz_inv
        else:
            cov = float(e @ e) / resid_df * zz_inv
        wald = float(coef @ np.linalg.solve(cov, coef))
        df2 = resid_df if g is None else g - 1
        f = wald / l2
        r2 = 1.0 - float(e @ e) / float(x @ x)
        for i, inst in enumerate(instruments):
            rows.append({"endogenous": name, "instrument": inst, "coef": coef[i],
                         "std_error": float(np.sqrt(cov[i, i])), "partial_r2": r2,
                         "f_stat": f, "f_df1": l2, "f_df2": df2,
                         "f_pvalue": float(stats.f.sf(f, l2, df2))})
    return pd.DataFrame(rows)


def _rk(p: Partialled, v: np.ndarray, codes: np.ndarray | None, robust: bool) -> float:
    """Kleibergen-Paap rk statistic for rank(Pi) = k2 - 1 with scores ``v (x) z``."""
    n, l2 = p.z2.shape
    k2 = p.x2.shape[1]
    zh, xh = _inv_sqrt(p.z2.T @ p.z2), _inv_sqrt(p.x2.T @ p.x2)
    theta = zh @ (p.z2.T @ p.x2) @ xh
    u, _, vt = np.linalg.svd(theta)
    a, b = u[:, k2 - 1:], vt.T[:, k2 - 1:]
    lam = (a.T @ theta @ b).ravel(order="F")
    kron = np.kron(b.T, a.T)  # maps vec(Theta) to vec(lambda)
    if robust:
        scores = np.column_stack([v[:, [j]] * p.z2 for j in range(k2)])
        sigma = score_cov(scores, np.ones(n), codes)
    else:
        sigma = np.kron(v.T @ v / n, p.z2.T @ p.z2)
    to_theta = np.kron(xh, zh)
    v_lam = kron @ to_theta @ sigma @ to_theta.T @ kron.T
    if is_singular(v_lam):
        return float("nan")
    return float(lam @ np.linalg.solve(v_lam, lam))


def rank_tests(p: Partialled, codes: np.ndarray | None, robust: bool
               ) -> dict[str, TestResult | float]:
    """Kleibergen-Paap rk LM (underidentification) and rk Wald (+ its F form)."""
    n, l2 = p.z2.shape
    k2 = p.x2.shape[1]
    df = l2 - k2 + 1
    g = None if codes is None else int(codes.max()) + 1
    if g is not None and g < df + 1:
        warnings.warn(
            f"{g} clusters for a rank test on {df} degrees of freedom: the covariance of the "
            "Kleibergen-Paap statistics is rank deficient (the Wald form needs at least "
            f"{df + 1} clusters); do not rely on them.", SpecificationWarning, stacklevel=4)
    resid = p.x2 - project(p.z2, p.x2)
    lm = _rk(p, p.x2, codes, robust)
    wald = _rk(p, resid, codes, robust)
    if g is None:
        f = wald * (n - p.n_inst) / (n * l2)
    else:
        f = wald * (n - p.n_inst) * (g - 1) / ((n - 1) * g * l2)
    kind = "Kleibergen-Paap rk" if robust else "Anderson canonical correlation"
    return {
        "underid": TestResult(stat=lm, pvalue=float(stats.chi2.sf(lm, df)), df=float(df),
                              name=f"{kind} LM (underidentification)",
                              null="the equation is underidentified (rank(Pi) < k2)"),
        "rk_wald": TestResult(stat=wald, pvalue=float(stats.chi2.sf(wald, df)), df=float(df),
                              name="Kleibergen-Paap rk Wald" if robust else "Cragg-Donald Wald",
                              null="the equation is underidentified (rank(Pi) < k2)"),
        "weak_id_f": f,
    }


def _too_few_clusters(s: np.ndarray, test: str) -> bool:
    """Warn and say so when the moment covariance is singular (fewer clusters than moments)."""
    if not is_singular(s):
        return False
    warnings.warn(
        f"The covariance of the {s.shape[0]} moment conditions is singular (fewer clusters "
        f"than moments?): the {test} is left out of the diagnostics.",
        SpecificationWarning, stacklevel=4)
    return True


def _efficient(a: IVArrays, s: np.ndarray) -> tuple[np.ndarray, float]:
    """Efficient GMM with moment covariance ``s``: residuals and J."""
    weight = np.linalg.inv(s)
    fit = gmm(a, weight)
    g = a.z.T @ fit.resid
    return fit.resid, float(g @ weight @ g)


def overid_test(a: IVArrays, resid: np.ndarray, first_resid: np.ndarray,
                codes: np.ndarray | None, robust: bool) -> TestResult | None:
    """Sargan (unadjusted, at ``resid``) or Hansen J (two-step GMM from ``first_resid``)."""
    z = a.z
    df = a.z2.shape[1] - a.x2.shape[1]
    if df == 0:
        return None
    if robust:
        s = moment_cov(z, first_resid, codes, True)
        if _too_few_clusters(s, "Hansen J test"):
            return None
        _, stat = _efficient(a, s)
        name = "Hansen J"
    else:
        pe = project(z, resid)
        stat = len(resid) * float(resid @ pe) / float(resid @ resid)
        name = "Sargan"
    return TestResult(stat=stat, pvalue=float(stats.chi2.sf(stat, df)), df=float(df),
                      name=f"{name} (overidentification)",
                      null="the excluded instruments are valid (uncorrelated with the error)")


def endogeneity_test(a: IVArrays, codes: np.ndarray | None, robust: bool
                     ) -> TestResult | None:
    """C test that the endogenous regressors are exogenous (difference-in-Sargan/Hansen)."""
    k1, k2 = a.x1.shape[1], a.x2.shape[1]
    exo = IVArrays(a.y, a.x1, a.x2, np.column_stack([a.z2, a.x2]))
    ols_resid = a.y - project(exo.x, a.y)
    s_e = moment_cov(exo.z, ols_resid, codes, robust)
    if _too_few_clusters(s_e, "endogeneity (C) test"):
        return None
    _, j_e = _efficient(exo, s_e)
    keep = np.arange(k1 + a.z2.shape[1])
    _, j_c = _efficient(a, s_e[np.ix_(keep, keep)])
    stat = j_e - j_c
    return TestResult(stat=stat, pvalue=float(stats.chi2.sf(stat, k2)), df=float(k2),
                      name="Endogeneity (C, difference-in-" + ("Hansen)" if robust else
                                                                "Sargan)"),
                      null="the endogenous regressors are exogenous (OLS consistent)")
