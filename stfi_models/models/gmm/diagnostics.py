"""Specification tests of dynamic panel GMM and xtabond2's small-sample factor.

This module's one job is the test statistics reported with a difference or system GMM fit:

* Arellano-Bond AR(m) tests on the first-differenced residuals (:func:`ar_rows` picks the
  rows, :func:`engine.arellano_bond_ar` computes the statistic);
* the Sargan (not robust) and Hansen (robust) tests of the overidentifying restrictions and
  the difference-in-Hansen tests of each instrument group (:func:`difference_in_hansen`);
* Wald tests that all coefficients, the slopes, or the time effects are zero
  (:func:`wald_tests`; F form under ``small=True``);
* :func:`small_sample_factor`, xtabond2's ``small`` covariance factor.

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Hansen, L. P. (1982). *Econometrica* 50: 1029-1054.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stfi_models.models.gmm import engine as ge
from stfi_models.models.gmm.system import GmmSystem
from stfi_models.results.result import TestResult

__all__ = ["small_sample_factor", "ar_rows", "gmm_diagnostics", "difference_in_hansen",
           "wald_tests"]


def small_sample_factor(n_groups: int, nobs: int, k: int) -> float:
    """xtabond2's ``small`` factor on the covariance: ``(N/(N-1)) * n/(n-k+1)``.

    This form reproduces every digit of the two published xtabond2 ``small`` printouts we
    have (Roodman 2009 §3.3, difference GMM, n = 611, k = 16; the two-step system printout of
    ``validation/gmm`` case ``x2_sys_forum``, n = 751, k = 16), where the textbook
    ``(N/(N-1))(n-1)/(n-k)`` is off by 4e-5 and 3e-5 relative.  ``n`` is xtabond2's
    observation count (transformed rows in difference GMM, levels rows in system GMM).
    """
    return (n_groups / (n_groups - 1)) * (nobs / (nobs - k + 1))


def ar_rows(
    g: GmmSystem, params: np.ndarray, resid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the differenced residuals and regressors, entities and periods of the AR rows.

    The rows are those the Arellano-Bond AR tests use.

    Under first differences these are the transformed-equation rows of the stacked
    system (levels rows get zeros, so they drop out of every sum).  Under orthogonal
    deviations the level residuals ``y - X b`` on the sample are first-differenced, as
    xtabond2 does (its AR tests are always in differences).
    """
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


def gmm_diagnostics(
    g: GmmSystem,
    fitres: ge.GmmFit,
    *,
    cov: np.ndarray,
    ar_cov: np.ndarray,
    a_use: np.ndarray,
    w_use: np.ndarray,
    steps: int | str,
    vcov: str,
    small: bool,
    sigma2_df: str,
    ar_order: int,
) -> dict[str, TestResult]:
    """Compute every specification test of a GMM fit, keyed by the names the summary prints.

    Parameters
    ----------
    g : GmmSystem
        Stacked equations of the model.
    fitres : engine.GmmFit
        Estimates, residuals, weights and moment cross products from the engine.
    cov : ndarray
        Covariance of the estimates as reported (after the ``small`` factor), for the Wald
        tests.
    ar_cov : ndarray
        Covariance before the ``small`` factor (xtabond2's AR tests use it).
    a_use, w_use : ndarray
        ``(X'Z W Z'X)^{-1}`` and the weight ``W`` of the reported step.
    steps : {1, 2, "iterated"}
    vcov : {"robust", "unadjusted"}
    small : bool
        F instead of chi-squared Wald tests.
    sigma2_df : {"n", "n-k"}
        Divisor of the error variance in the non-robust one-step AR tests.
    ar_order : int
        Highest AR order tested.

    Returns
    -------
    dict of str to TestResult
        ``AR(1)``..``AR(ar_order)``, ``Sargan``, ``Hansen``, the ``Hansen excluding`` and
        ``Difference-in-Hansen`` pairs per instrument group, and the ``Wald`` tests.
    """
    n_groups = g.n_entities
    out: dict[str, TestResult] = {}
    u, dx, ent, time, active = ar_rows(g, fitres.params, fitres.resid)
    moments = ge.entity_sums(g.z, g.entity, n_groups, weights=fitres.resid)
    iid = None
    if steps == 1 and vcov == "unadjusted" and g.transform == "fd":
        scale = g.nobs / (g.nobs - g.x.shape[1]) if sigma2_df == "n-k" else 1.0
        iid = (fitres.sigma2 * scale, g.h, g.z)
    for m in range(1, ar_order + 1):
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
        out.update(difference_in_hansen(g, fitres, hansen, df))
    out.update(wald_tests(g, fitres.params, cov, small))
    return out


def difference_in_hansen(
    g: GmmSystem, fitres: ge.GmmFit, hansen: float, df: int
) -> dict[str, TestResult]:
    """Compute the Hansen test without each instrument group and the difference-in-Hansen.

    For each group (every ``gmm()``/``iv()`` block, the GMM instruments of the levels
    equation together, and the IV-style instruments together) the two-step Hansen statistic
    of the remaining instruments, with the full model's one-step moment covariance ``S``
    (:func:`engine.hansen_j`), is subtracted from the full ``hansen`` (xtabond2's
    convention; Roodman 2009 §2.5).  Groups whose removal leaves no overidentifying
    restriction are skipped.

    Parameters
    ----------
    g : GmmSystem
    fitres : engine.GmmFit
    hansen : float
        Hansen statistic of all instruments.
    df : int
        Its degrees of freedom (instruments minus regressors).

    Returns
    -------
    dict of str to TestResult
    """
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


def wald_tests(
    g: GmmSystem, params: np.ndarray, cov: np.ndarray, small: bool
) -> dict[str, TestResult]:
    """Test that all coefficients, the slopes, or the time effects are zero (Wald).

    ``W = b' V^{-1} b`` on the chosen coefficients, chi-squared with ``q`` degrees of
    freedom, or ``W / q`` against F(q, N - 1) (F(q, N) without a constant) under
    ``small=True`` as xtabond2 reports.  The constant is never tested; the slopes test is
    left out when there are no time effects (it would repeat the first).

    Parameters
    ----------
    g : GmmSystem
    params, cov : ndarray
        Estimates and their (reported) covariance.
    small : bool

    Returns
    -------
    dict of str to TestResult
    """
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
