r"""Choosing the spatial model: panel LM tests, then Wald and LR tests of the SDM.

**LM tests** (Anselin 1988; Anselin et al. 1996; panel form of Elhorst 2014, sec. 3.6, and
Debarsy & Ertur 2010) from the non-spatial fixed-effects model with within residuals
:math:`e`, :math:`\hat\sigma^2 = e'e/NT`, :math:`T_W = \operatorname{tr}(W'W + WW)`:

.. math::

    LM_\rho = \frac{[e'(I_T\otimes W)\tilde y/\hat\sigma^2]^2}{J},\qquad
    LM_\lambda = \frac{[e'(I_T\otimes W)e/\hat\sigma^2]^2}{T\,T_W},

    J = \frac{1}{\hat\sigma^2}\big[((I_T\otimes W)\tilde X\hat\beta)'M
        ((I_T\otimes W)\tilde X\hat\beta) + T\,T_W\hat\sigma^2\big],

and the robust versions
:math:`LM^*_\rho = [e'W\tilde y/\hat\sigma^2 - e'We/\hat\sigma^2]^2/(J - T T_W)`,
:math:`LM^*_\lambda = [e'We/\hat\sigma^2 - (T T_W/J)\,e'W\tilde y/\hat\sigma^2]^2 /
[T T_W(1 - T T_W/J)]`, each :math:`\chi^2(1)`.

**SDM tests** (Elhorst 2014, sec. 2.9): :math:`H_0: \theta = 0` (the SDM reduces to the
SAR) and :math:`H_0: \theta + \rho\beta = 0` (the common-factor restriction: the SDM reduces
to the SEM), each by Wald (delta method for the non-linear one) and by LR against the fitted
restricted model; :math:`\chi^2(k)`.

References
----------
Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer.
Anselin, L., Bera, A. K., Florax, R. & Yoon, M. J. (1996). Regional Science and Urban
Economics 26, 77-104.
Debarsy, N. & Ertur, C. (2010). Regional Science and Urban Economics 40, 453-470.
Elhorst, J. P. (2014). *Spatial Econometrics*. Springer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.models.spatial.estimators import SpatialDurbin, SpatialError, SpatialLag
from stfi_models.models.spatial.results import SpatialResult
from stfi_models.results.result import TestResult

__all__ = ["lm_tests", "sdm_tests", "spatial_model_choice", "ModelChoice"]


def _chi2(stat: float, df: int, name: str, null: str) -> TestResult:
    return TestResult(float(stat), float(stats.chi2.sf(stat, df)), float(df), name, "chi2", null)


def lm_tests(model: SpatialLag) -> dict[str, TestResult]:
    """LM-lag, LM-error and their robust forms from the non-spatial FE fit of ``model``'s data.

    Parameters
    ----------
    model : SpatialLag
        A constructed (not fitted) spatial model: its transformed data are used, with its
        ``lag_convention``.
    """
    st = model.stacked
    y, x, wy = st.flat(st.y), st.flat(st.x), st.flat(st.wy)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ beta
    nt = y.size
    t = st.shape[0]
    sigma2 = float(e @ e) / nt
    wmat = model.w.matrix
    we = st.flat(np.asarray((wmat @ e.reshape(st.shape).T).T))
    wxb = st.flat(np.asarray((wmat @ (x @ beta).reshape(st.shape).T).T))
    resid_wxb = wxb - x @ np.linalg.lstsq(x, wxb, rcond=None)[0]
    dense = wmat.toarray()
    tw = t * float(np.sum(dense * dense) + np.einsum("ij,ji->", dense, dense))
    j = (float(resid_wxb @ resid_wxb) + tw * sigma2) / sigma2
    d_lag = float(e @ wy) / sigma2
    d_err = float(e @ we) / sigma2
    return {
        "LM lag": _chi2(d_lag**2 / j, 1, "LM lag", "rho = 0"),
        "LM error": _chi2(d_err**2 / tw, 1, "LM error", "lambda = 0"),
        "Robust LM lag": _chi2((d_lag - d_err) ** 2 / (j - tw), 1, "Robust LM lag",
                               "rho = 0 (allowing for lambda)"),
        "Robust LM error": _chi2((d_err - tw / j * d_lag) ** 2 / (tw * (1 - tw / j)), 1,
                                 "Robust LM error", "lambda = 0 (allowing for rho)"),
    }


def sdm_tests(sdm: SpatialResult, sar: SpatialResult, sem: SpatialResult
              ) -> dict[str, TestResult]:
    """Wald and LR tests of the SDM against the SAR and the SEM (Elhorst 2014, sec. 2.9)."""
    names = list(sdm.params.index)
    thetas = [n for n in names if n.startswith("W.")]
    k = len(thetas)
    p = sdm.params
    cov = sdm.cov.to_numpy()
    pos = {n: i for i, n in enumerate(names)}
    it = [pos[n] for n in thetas]
    theta = p[thetas].to_numpy()
    wald_sar = float(theta @ np.linalg.solve(cov[np.ix_(it, it)], theta))
    out = {"Wald SDM vs SAR": _chi2(wald_sar, k, "Wald SDM vs SAR", "theta = 0"),
           "LR SDM vs SAR": _chi2(2 * (sdm.loglik - sar.loglik), k, "LR SDM vs SAR",
                                  "theta = 0")}
    paired = [n for n in thetas if n.removeprefix("W.") in pos]
    if len(paired) == k:
        rho = float(p["rho"])
        ib = [pos[n.removeprefix("W.")] for n in thetas]
        g = theta + rho * p.iloc[ib].to_numpy()
        jac = np.zeros((k, len(names)))
        jac[np.arange(k), it] = 1.0
        jac[np.arange(k), ib] = rho
        jac[:, pos["rho"]] = p.iloc[ib].to_numpy()
        wald_sem = float(g @ np.linalg.solve(jac @ cov @ jac.T, g))
        out["Wald SDM vs SEM"] = _chi2(wald_sem, k, "Wald SDM vs SEM", "theta + rho beta = 0")
        out["LR SDM vs SEM"] = _chi2(2 * (sdm.loglik - sem.loglik), k, "LR SDM vs SEM",
                                     "theta + rho beta = 0")
    return out


@dataclass(frozen=True)
class ModelChoice:
    """The decision table of Elhorst (2014): LM tests, then Wald/LR tests of the SDM.

    Attributes
    ----------
    tests : dict of str to TestResult
    models : dict of str to SpatialResult
        The fitted ``sar``, ``sem`` and ``sdm``.
    level : float
        Significance level of the verdict.
    """

    tests: dict[str, TestResult]
    models: dict[str, SpatialResult]
    level: float = 0.05

    @property
    def verdict(self) -> str:
        """The model the tests point to (Elhorst 2014, fig. 2.1 / LeSage-Pace's SDM default)."""
        def rejects(name: str) -> bool:
            return name in self.tests and self.tests[name].pvalue < self.level

        sar_rejected = rejects("Wald SDM vs SAR") and rejects("LR SDM vs SAR")
        sem_rejected = rejects("Wald SDM vs SEM") and rejects("LR SDM vs SEM")
        if sar_rejected and sem_rejected:
            return "sdm"
        if not sar_rejected and rejects("Robust LM lag"):
            return "sar"
        if not sem_rejected and rejects("Robust LM error"):
            return "sem"
        return "sdm"

    def to_frame(self) -> pd.DataFrame:
        """One row per test: statistic, df, p-value, null hypothesis."""
        return pd.DataFrame(
            [(k, t.stat, t.df, t.pvalue, t.null) for k, t in self.tests.items()],
            columns=["test", "statistic", "df", "p_value", "null"]).set_index("test")

    def summary(self) -> str:
        """Text table and the verdict."""
        return (f"Spatial model choice (Elhorst 2014)\n"
                f"{self.to_frame().to_string(float_format=lambda v: f'{v:.4f}')}\n"
                f"Verdict at {self.level:g}: {self.verdict.upper()}")

    def __str__(self) -> str:
        return self.summary()


def spatial_model_choice(formula: str, data: Any, *, w: Any, entity: str | None = None,
                         time: str | None = None, effects: str | None = None,
                         lag_convention: str | None = None, level: float = 0.05
                         ) -> ModelChoice:
    """Run the specific-to-general and general-to-specific tests in one call.

    Fits the non-spatial FE model (LM tests), the SAR, the SEM and the SDM (``W.x`` for every
    regressor) on the same sample and returns the decision table.

    Parameters
    ----------
    formula : str
        The non-spatial model, e.g. ``"innov ~ STFI + ln_gdp_pc | province + year"``.
    data : pandas.DataFrame
    w : SpatialWeights
    entity, time : str
        Panel keys.
    effects : {"entity", "time", "twoways"}, optional
    lag_convention : {"lag-of-demeaned", "demeaned-lag"}, optional
    level : float
        Significance level of the verdict.

    Returns
    -------
    ModelChoice
    """
    opts = {"w": w, "effects": effects, "lag_convention": lag_convention}
    classes = {"sar": SpatialLag, "sem": SpatialError, "sdm": SpatialDurbin}
    models = {name: cls.from_formula(formula, data, entity=entity, time=time, **opts)
              for name, cls in classes.items()}
    fitted = {name: m.fit() for name, m in models.items()}
    tests = {**lm_tests(models["sar"]),  # type: ignore[arg-type]
             **sdm_tests(fitted["sdm"], fitted["sar"], fitted["sem"])}
    return ModelChoice(tests, fitted, level)
