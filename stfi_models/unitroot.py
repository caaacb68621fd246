r"""Panel unit-root tests: Im-Pesaran-Shin (2003) and Fisher-type ADF combinations.

Both tests run an augmented Dickey-Fuller regression per entity (arch's
:class:`arch.unitroot.ADF`),

.. math::

    \Delta y_{it} = \alpha_i [+ \delta_i t] + \rho_i y_{i,t-1}
                   + \sum_{j=1}^{p_i} \gamma_{ij} \Delta y_{i,t-j} + e_{it},

with ``p_i`` fixed or chosen per entity by AIC/BIC (arch's common-sample search up to
``max_lags``), and combine the entity statistics.  H0: every series has a unit root
(:math:`\rho_i = 0` for all i); H1: some are stationary.

* **IPS** (Im, Pesaran and Shin 2003): :math:`\bar t = N^{-1}\sum_i t_i` standardised with
  the finite-sample moments of their Table 3,
  :math:`W_{\bar t} = \sqrt N (\bar t - N^{-1}\sum_i E[t_{T_i}(p_i)]) /
  \sqrt{N^{-1}\sum_i Var[t_{T_i}(p_i)]}`, left-tail standard normal.  ``T_i`` is the length
  of entity ``i``'s series; moments are interpolated linearly between the tabulated ``T``
  (10, 15, ..., 100) and taken at the nearest end outside that range (with a warning), as
  R ``plm::purtest``; the moments stop at ``p = 8``.
* **Fisher-ADF**: the entity ADF p-values ``p_i`` (MacKinnon response surfaces, as computed
  by arch) combined as Maddala and Wu (1999) :math:`P = -2\sum\ln p_i \sim \chi^2_{2N}`
  (``"chi2"``), Choi (2001) :math:`Z = N^{-1/2}\sum\Phi^{-1}(p_i)` (``"normal"``, left tail)
  or Choi's modified :math:`P_m = (P - 2N)/\sqrt{4N}` (``"modified"``, right tail).

Note: R plm computes the entity p-values with MacKinnon (1996) surfaces, arch with
MacKinnon (1994/2010) ones; the ADF *statistics* agree to machine precision, the p-values
(hence the Fisher statistics) differ in the third decimal.

References
----------
Im, K. S., Pesaran, M. H. and Shin, Y. (2003). Testing for unit roots in heterogeneous
panels. *Journal of Econometrics* 115: 53-74.
Maddala, G. S. and Wu, S. (1999). A comparative study of unit root tests with panel data and
a new simple test. *Oxford Bulletin of Economics and Statistics* 61: 631-652.
Choi, I. (2001). Unit root tests for panel data. *Journal of International Money and
Finance* 20: 249-272.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import (
    PanelDataError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
)
from stfi_models.panel import PanelData, as_panel
from stfi_models.results.result import TestResult

__all__ = ["adf_by_entity", "ips_test", "fisher_adf_test", "combine_pvalues", "IPS_T"]

#: Series lengths of the IPS (2003) Table 3 moments.
IPS_T = (10, 15, 20, 25, 30, 40, 50, 60, 70, 100)
_ = float("nan")
#: IPS (2003) Table 3: E[t] and Var[t] of the ADF t statistic under H0, rows p = 0..8,
#: columns IPS_T (NaN where the paper leaves the cell empty).  Values as carried by R plm
#: 2.6.2 (``adj.ips.wtbar``); see validation/unitroot/plm_purtest.R.
IPS_MOMENTS: dict[tuple[str, str], tuple[tuple[float, ...], ...]] = {
    ("intercept", "mean"): (
        (-1.504, -1.514, -1.522, -1.520, -1.526, -1.523, -1.527, -1.519, -1.524, -1.532),
        (-1.488, -1.503, -1.516, -1.514, -1.519, -1.520, -1.524, -1.519, -1.522, -1.530),
        (-1.319, -1.387, -1.428, -1.443, -1.460, -1.476, -1.493, -1.490, -1.498, -1.514),
        (-1.306, -1.366, -1.413, -1.433, -1.453, -1.471, -1.489, -1.486, -1.495, -1.512),
        (-1.171, -1.260, -1.329, -1.363, -1.394, -1.428, -1.454, -1.458, -1.470, -1.495),
        (_, _, -1.313, -1.351, -1.384, -1.421, -1.451, -1.454, -1.467, -1.494),
        (_, _, _, -1.289, -1.331, -1.380, -1.418, -1.427, -1.444, -1.476),
        (_, _, _, -1.273, -1.319, -1.371, -1.411, -1.423, -1.441, -1.474),
        (_, _, _, -1.212, -1.266, -1.329, -1.377, -1.393, -1.415, -1.456),
    ),
    ("intercept", "var"): (
        (1.069, 0.923, 0.851, 0.809, 0.789, 0.770, 0.760, 0.749, 0.736, 0.735),
        (1.255, 1.011, 0.915, 0.861, 0.831, 0.803, 0.781, 0.770, 0.753, 0.745),
        (1.421, 1.078, 0.969, 0.905, 0.865, 0.830, 0.798, 0.789, 0.766, 0.754),
        (1.759, 1.181, 1.037, 0.952, 0.907, 0.858, 0.819, 0.802, 0.782, 0.761),
        (2.080, 1.279, 1.097, 1.005, 0.946, 0.886, 0.842, 0.819, 0.801, 0.771),
        (_, _, 1.171, 1.055, 0.980, 0.912, 0.863, 0.839, 0.814, 0.781),
        (_, _, _, 1.114, 1.023, 0.942, 0.886, 0.858, 0.834, 0.795),
        (_, _, _, 1.164, 1.062, 0.968, 0.910, 0.875, 0.851, 0.806),
        (_, _, _, 1.217, 1.105, 0.996, 0.929, 0.896, 0.871, 0.818),
    ),
    ("trend", "mean"): (
        (-2.166, -2.167, -2.168, -2.167, -2.172, -2.173, -2.176, -2.174, -2.174, -2.177),
        (-2.173, -2.169, -2.172, -2.172, -2.173, -2.177, -2.180, -2.178, -2.176, -2.179),
        (-1.914, -1.999, -2.047, -2.074, -2.095, -2.120, -2.137, -2.143, -2.146, -2.158),
        (-1.922, -1.977, -2.032, -2.065, -2.091, -2.117, -2.137, -2.142, -2.146, -2.158),
        (-1.750, -1.823, -1.911, -1.968, -2.009, -2.057, -2.091, -2.103, -2.114, -2.135),
        (_, _, -1.888, -1.955, -1.998, -2.051, -2.087, -2.101, -2.111, -2.135),
        (_, _, _, -1.868, -1.923, -1.995, -2.042, -2.065, -2.081, -2.113),
        (_, _, _, -1.851, -1.912, -1.986, -2.036, -2.063, -2.079, -2.112),
        (_, _, _, -1.761, -1.835, -1.925, -1.987, -2.024, -2.046, -2.088),
    ),
    ("trend", "var"): (
        (1.132, 0.869, 0.763, 0.713, 0.690, 0.655, 0.633, 0.621, 0.610, 0.597),
        (1.453, 0.975, 0.845, 0.769, 0.734, 0.687, 0.654, 0.641, 0.627, 0.605),
        (1.627, 1.036, 0.882, 0.796, 0.756, 0.702, 0.661, 0.653, 0.634, 0.613),
        (2.482, 1.214, 0.983, 0.861, 0.808, 0.735, 0.688, 0.674, 0.650, 0.625),
        (3.947, 1.332, 1.052, 0.913, 0.845, 0.759, 0.705, 0.685, 0.662, 0.629),
        (_, _, 1.165, 0.991, 0.899, 0.792, 0.730, 0.705, 0.673, 0.638),
        (_, _, _, 1.055, 0.945, 0.828, 0.753, 0.725, 0.689, 0.650),
        (_, _, _, 1.145, 1.009, 0.872, 0.786, 0.747, 0.713, 0.661),
        (_, _, _, 1.208, 1.063, 0.902, 0.808, 0.766, 0.728, 0.670),
    ),
}

TRENDS = {"c": "intercept", "ct": "trend"}
LAG_METHODS = ("aic", "bic")
COMBINE = ("chi2", "normal", "modified")


def _series(data: pd.DataFrame | PanelData, variable: str, entity: str | None,
            time: str | None) -> list[tuple[object, np.ndarray]]:
    """One gap-free numeric series per entity, in entity order."""
    panel = as_panel(data, entity, time)
    frame = panel.frame
    if variable not in frame.columns:
        from stfi_models.exceptions import did_you_mean

        raise SpecificationError(
            f"'{variable}' is not a column of the data.{did_you_mean(variable, frame.columns)}"
        )
    values = pd.to_numeric(frame[variable], errors="coerce").to_numpy(dtype=float)
    codes, pos = panel.entity_codes, panel.time_positions
    keys = frame[panel.entity].to_numpy()
    out = []
    for code in range(int(codes.max()) + 1):
        rows = np.flatnonzero(codes == code)
        y, t = values[rows], pos[rows]
        ok = np.isfinite(y)
        if not ok.all():
            first, last = np.argmax(ok), len(ok) - np.argmax(ok[::-1])
            if not ok[first:last].all():
                raise PanelDataError(
                    f"'{variable}' has missing values inside the series of entity "
                    f"{keys[rows[0]]!r}; an ADF regression needs an unbroken series. Fill or "
                    "drop that entity."
                )
            y, t = y[first:last], t[first:last]
        if np.any(np.diff(t) != 1):
            raise PanelDataError(
                f"Entity {keys[rows[0]]!r} has gaps in time; an ADF regression needs "
                "consecutive periods. Drop that entity or fill the gaps."
            )
        out.append((keys[rows[0]], y))
    return out


def adf_by_entity(
    data: pd.DataFrame | PanelData,
    variable: str,
    *,
    entity: str | None = None,
    time: str | None = None,
    trend: Literal["c", "ct"] = "c",
    lags: int | Literal["aic", "bic"] = "aic",
    max_lags: int | None = None,
) -> pd.DataFrame:
    """ADF regression of ``variable`` for every entity (arch's ``ADF``).

    Parameters
    ----------
    data : pandas.DataFrame or PanelData
    variable : str
    entity, time : str, optional
        Panel keys (or pass a PanelData / 2-level MultiIndex).
    trend : {"c", "ct"}
        Intercept, or intercept and linear trend.
    lags : int or {"aic", "bic"}
        Augmentation lags, fixed or chosen per entity by information criterion.
    max_lags : int, optional
        Largest lag searched (arch's default ``12 (T/100)^{1/4}`` when omitted).

    Returns
    -------
    pandas.DataFrame
        Indexed by entity: ``stat`` (t of rho), ``pvalue``, ``lags``, ``nobs`` (regression
        observations) and ``T`` (series length).
    """
    from arch.unitroot import ADF

    check_choice("trend", trend, TRENDS)
    if isinstance(lags, str):
        check_choice("lags", lags, LAG_METHODS)
    elif not (isinstance(lags, int | np.integer) and lags >= 0):
        raise SpecificationError(
            f"lags must be a non-negative integer, 'aic' or 'bic'; got {lags!r}."
        )
    if max_lags is not None and not (isinstance(max_lags, int | np.integer) and max_lags >= 1):
        raise SpecificationError(f"max_lags must be a positive integer or None, got {max_lags!r}.")
    rows = []
    for key, y in _series(data, variable, entity, time):
        need = (lags if not isinstance(lags, str) else (max_lags or 0)) + 4
        if y.size < need:
            raise PanelDataError(
                f"Entity {key!r} has only {y.size} observations of '{variable}'; the ADF "
                f"regression with these lags needs at least {need}."
            )
        if isinstance(lags, str):
            res = ADF(y, trend=trend, max_lags=max_lags, method=lags)
        else:
            res = ADF(y, trend=trend, lags=int(lags))
        rows.append({"entity": key, "stat": float(res.stat), "pvalue": float(res.pvalue),
                     "lags": int(res.lags), "nobs": int(res.nobs), "T": int(y.size)})
    return pd.DataFrame(rows).set_index("entity")


def _ips_moments(t_len: int, lag: int, exo: str) -> tuple[float, float]:
    lag = min(lag, 8)
    grid = np.asarray(IPS_T, dtype=float)
    mean = np.asarray(IPS_MOMENTS[(exo, "mean")][lag])
    var = np.asarray(IPS_MOMENTS[(exo, "var")][lag])
    t = float(np.clip(t_len, grid[0], grid[-1]))
    e, v = float(np.interp(t, grid, mean)), float(np.interp(t, grid, var))
    if not (np.isfinite(e) and np.isfinite(v)):
        raise SpecificationError(
            f"IPS (2003) tabulate no moments for T = {t_len} with {lag} lags; use fewer lags "
            "(or the Fisher-ADF test)."
        )
    return e, v


def ips_test(
    data: pd.DataFrame | PanelData,
    variable: str,
    *,
    entity: str | None = None,
    time: str | None = None,
    trend: Literal["c", "ct"] = "c",
    lags: int | Literal["aic", "bic"] = "aic",
    max_lags: int | None = None,
) -> TestResult:
    r"""Im-Pesaran-Shin :math:`W_{\bar t}` test (see the module docstring).

    Returns
    -------
    TestResult
        ``stat`` = W_tbar, left-tail normal p-value.
    """
    table = adf_by_entity(data, variable, entity=entity, time=time, trend=trend, lags=lags,
                          max_lags=max_lags)
    exo = TRENDS[trend]
    if (table["nobs"] < IPS_T[0]).any() or (table["nobs"] > IPS_T[-1]).any():
        warnings.warn(
            f"ADF regression lengths {table['nobs'].min()}..{table['nobs'].max()} fall "
            f"outside the IPS "
            f"table ({IPS_T[0]}..{IPS_T[-1]}); the nearest tabulated moments are used.",
            SpecificationWarning, stacklevel=2,
        )
    moments = np.array([_ips_moments(t, p, exo) for t, p in zip(table["nobs"], table["lags"],
                                                                 strict=True)])
    n = len(table)
    tbar = float(table["stat"].mean())
    w = np.sqrt(n) * (tbar - moments[:, 0].mean()) / np.sqrt(moments[:, 1].mean())
    return TestResult(float(w), float(stats.norm.cdf(w)), None,
                      f"Im-Pesaran-Shin W_tbar ({variable}, N={n}, t-bar={tbar:.4f})", "normal",
                      "all series have a unit root")


def combine_pvalues(pvalues: np.ndarray, method: Literal["chi2", "normal", "modified"] = "chi2",
                    name: str = "Fisher-ADF") -> TestResult:
    """Combine independent unit-root p-values (Maddala-Wu, Choi; module docstring)."""
    check_choice("combine", method, COMBINE)
    p = np.asarray(pvalues, dtype=float)
    n = p.size
    if n == 0 or np.any((p <= 0) | (p > 1)):
        raise SpecificationError("p-values must lie in (0, 1] and there must be at least one.")
    if method == "chi2":
        stat = float(-2 * np.log(p).sum())
        return TestResult(stat, float(stats.chi2.sf(stat, 2 * n)), 2 * n,
                          f"{name} (Maddala-Wu P)", "chi2", "all series have a unit root")
    if method == "normal":
        stat = float(stats.norm.ppf(p).sum() / np.sqrt(n))
        return TestResult(stat, float(stats.norm.cdf(stat)), None, f"{name} (Choi Z)",
                          "normal", "all series have a unit root")
    stat = float((-2 * np.log(p).sum() - 2 * n) / np.sqrt(4 * n))
    return TestResult(stat, float(stats.norm.sf(stat)), None, f"{name} (Choi Pm)", "normal",
                      "all series have a unit root")


def fisher_adf_test(
    data: pd.DataFrame | PanelData,
    variable: str,
    *,
    entity: str | None = None,
    time: str | None = None,
    trend: Literal["c", "ct"] = "c",
    lags: int | Literal["aic", "bic"] = "aic",
    max_lags: int | None = None,
    combine: Literal["chi2", "normal", "modified"] = "chi2",
) -> TestResult:
    """Fisher-type ADF test: entity ADF p-values combined (see the module docstring).

    Returns
    -------
    TestResult
    """
    table = adf_by_entity(data, variable, entity=entity, time=time, trend=trend, lags=lags,
                          max_lags=max_lags)
    return combine_pvalues(table["pvalue"].to_numpy(), combine, f"Fisher-ADF ({variable})")
