r"""More panel unit-root tests: Levin-Lin-Chu (2002), Hadri (2000) and Pesaran (2007) CIPS.

Beside :func:`~stfi_models.unitroot.ips_test` and :func:`~stfi_models.unitroot.fisher_adf_test`.

* **LLC** (Levin, Lin & Chu 2002), H0: every series has a unit root, against a common
  autoregressive root below one.  Per entity the ADF regression with ``p_i`` lags gives
  :math:`\hat\sigma_{\varepsilon i}` (SSR/n); :math:`\Delta y` and :math:`y_{t-1}` are
  purged of the lagged differences and deterministics and divided by it; the pooled
  regression of the one on the other gives :math:`t_\delta`; with the long-run standard
  deviations :math:`\hat\sigma_{yi}` (Bartlett kernel, :math:`\bar K = 3.21 T^{1/3}`
  rounded), :math:`\hat S_N = N^{-1}\sum \hat\sigma_{yi}/\hat\sigma_{\varepsilon i}` and
  :math:`\tilde T = T - \bar p - 1`,
  :math:`t^*_\delta = (t_\delta - N\tilde T \hat S_N \hat\sigma_{\tilde\varepsilon}^{-2}
  se(\hat\delta)\mu^*_{T})/\sigma^*_{T}`, left tail, with LLC's Table 2 adjustments
  (:data:`LLC_ADJUSTMENTS`) interpolated at the series length T (as R plm; the paper indexes
  them by :math:`\tilde T`).  Balanced panels only.
* **Hadri** (2000), H0: every series is (trend-)stationary.  Per entity, the residuals
  :math:`e_{it}` of :math:`y_{it}` on a constant (``trend="c"``) or a constant and trend
  (``"ct"``), partial sums :math:`S_{it} = \sum_{s\le t} e_{is}` and
  :math:`LM_i = T^{-2}\sum_t S_{it}^2/\hat\sigma_i^2`;
  :math:`Z = \sqrt N (\overline{LM} - \xi)/\sqrt\zeta`, right tail, with
  :math:`(\xi, \zeta) = (1/6, 1/45)` or :math:`(1/15, 11/6300)`.  ``heteroskedastic=True``
  averages the :math:`LM_i`; ``False`` uses one pooled :math:`\hat\sigma^2`.  ``dfcor``
  divides the variances by :math:`T - 1` (``T - 2`` with trend) instead of :math:`T`.
  Balanced panels only (as plm ``purtest(test = "hadri")``).
* **CIPS** (Pesaran 2007), H0: every series has a unit root, robust to one common factor.
  Per entity the cross-sectionally augmented ADF regression

  .. math:: \Delta y_{it} = a_i [+ \delta_i t] + b_i y_{i,t-1} + \sum_{j=1}^p c_{ij}
            \Delta y_{i,t-j} + d_i \Delta\bar y_t + e_i \bar y_{t-1}
            + \sum_{j=1}^p f_{ij} \Delta\bar y_{t-j} + \varepsilon_{it}

  (bars: period means over the entities in the common sample), CIPS = mean of the t
  statistics of :math:`b_i`; left tail.  The p-value interpolates linearly in N, then T,
  then between the 1%, 5% and 10% critical values of Pesaran's Table II
  (:mod:`~stfi_models.diagnostics.cips_table`), and is reported as 0.01 / 0.10 beyond them
  (the test's name then says "p < 0.01" / "p > 0.10").  R plm's ``cipstest`` uses a coarser grid for
  that interpolation, so the p-values agree only to about two decimals; the statistic is
  exact.

References
----------
Levin, A., Lin, C.-F. & Chu, C.-S. J. (2002). Unit root tests in panel data: asymptotic and
finite-sample properties. Journal of Econometrics 108(1), 1-24.
Hadri, K. (2000). Testing for stationarity in heterogeneous panel data. Econometrics
Journal 3(2), 148-161.
Pesaran, M. H. (2007). Journal of Applied Econometrics 22(2), 265-312.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.diagnostics.cips_table import CIPS_CRITICAL, CIPS_GRID
from stfi_models.exceptions import (
    PanelDataError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
)
from stfi_models.panel import PanelData
from stfi_models.results.result import TestResult
from stfi_models.unitroot import _series

__all__ = ["llc_test", "hadri_test", "cips_test", "cips_critical_values", "LLC_ADJUSTMENTS"]

#: Levin, Lin & Chu (2002) Table 2: series length -> (mu*, sigma*) per deterministics
#: ("n" none, "c" intercept, "ct" trend); values as carried by R plm 2.6.2 (adj.levinlin).
LLC_T = (25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 250, 500)
LLC_ADJUSTMENTS: dict[str, tuple[tuple[float, float], ...]] = {
    "n": ((0.004, 1.049), (0.003, 1.035), (0.002, 1.027), (0.002, 1.021), (0.001, 1.017),
          (0.001, 1.014), (0.001, 1.011), (0.000, 1.008), (0.000, 1.007), (0.000, 1.006),
          (0.000, 1.005), (0.000, 1.001), (0.000, 1.000)),
    "c": ((-0.554, 0.919), (-0.546, 0.889), (-0.541, 0.867), (-0.537, 0.850),
          (-0.533, 0.837), (-0.531, 0.826), (-0.527, 0.810), (-0.524, 0.798),
          (-0.521, 0.789), (-0.520, 0.782), (-0.518, 0.776), (-0.509, 0.742),
          (-0.500, 0.707)),
    "ct": ((-0.703, 1.003), (-0.674, 0.949), (-0.653, 0.906), (-0.637, 0.871),
           (-0.624, 0.842), (-0.614, 0.818), (-0.598, 0.780), (-0.587, 0.751),
           (-0.578, 0.728), (-0.571, 0.710), (-0.566, 0.695), (-0.533, 0.603),
           (-0.500, 0.500)),
}

_HADRI_MOMENTS = {"c": (1 / 6, 1 / 45), "ct": (1 / 15, 11 / 6300)}
_CIPS_TYPES = {"n": "none", "c": "drift", "ct": "trend"}


def _balanced(series: list[tuple[object, np.ndarray]], variable: str, test: str) -> int:
    lengths = {len(y) for _, y in series}
    if len(lengths) > 1:
        raise PanelDataError(
            f"{test} needs a balanced panel; '{variable}' has series of lengths "
            f"{min(lengths)}..{max(lengths)}. Restrict the data to a common span of periods.")
    return lengths.pop()


def _deterministics(t_len: int, trend: str) -> np.ndarray:
    cols = {"n": 0, "c": 1, "ct": 2}[trend]
    return np.column_stack([np.ones(t_len), np.arange(1, t_len + 1)])[:, :cols]


def _resid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.shape[1] == 0:
        return y
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return y - x @ coef


def _long_run_variance(y: np.ndarray, trend: str) -> float:
    """Bartlett-kernel long-run variance of the differences (LLC's step 2)."""
    t_len = len(y)
    q = int(np.round(3.21 * t_len ** (1 / 3)))
    dy = _resid(_deterministics(t_len - 1, trend), np.diff(y))
    out = float(dy @ dy) / (t_len - 1)
    for lag in range(1, min(q, t_len - 2) + 1):
        out += 2 * (1 - lag / (q + 1)) * float(dy[:-lag] @ dy[lag:]) / (t_len - 1)
    return out


def llc_test(data: pd.DataFrame | PanelData, variable: str, *, entity: str | None = None,
             time: str | None = None, trend: Literal["n", "c", "ct"] = "c",
             lags: int | list[int] = 1) -> TestResult:
    """Levin-Lin-Chu (2002) test (plm ``purtest(test = "levinlin", lags = <numbers>)``).

    Parameters
    ----------
    data, variable, entity, time
        Long, balanced panel and the column to test.
    trend : {"n", "c", "ct"}
        No deterministics, intercept, intercept and trend.
    lags : int or list of int
        ADF lags, common or one per entity (in sorted entity order).
    """
    check_choice("trend", trend, ("n", "c", "ct"))
    series = _series(data, variable, entity, time)
    t_len = _balanced(series, variable, "The Levin-Lin-Chu test")
    n = len(series)
    per = [lags] * n if isinstance(lags, int | np.integer) else list(lags)
    if len(per) != n or any(isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 0
                            for p in per):
        raise SpecificationError(
            f"lags must be a whole number >= 0 or a list of {n} of them (one per entity), "
            f"got {lags!r}.")
    k_det = {"n": 0, "c": 1, "ct": 2}[trend]
    if t_len - max(per) - 1 <= 1 + max(per) + k_det:
        raise PanelDataError(
            f"'{variable}' has {t_len} periods: too short for the Levin-Lin-Chu ADF regressions "
            f"with {max(per)} lags. Use fewer lags.")
    levels, diffs, ratios = [], [], []
    for (_, y), p in zip(series, per, strict=True):
        dy = np.r_[np.nan, np.diff(y)]
        lag_diffs = np.column_stack([np.r_[np.full(j, np.nan), dy[:-j]] for j in
                                     range(1, p + 1)]) if p else np.empty((t_len, 0))
        others = np.column_stack([lag_diffs, _deterministics(t_len, trend)])[p + 1:]
        target, level = dy[p + 1:], y[p:-1]
        full = np.column_stack([level, others])
        e = _resid(full, target)
        sigma = np.sqrt(float(e @ e) / len(e))
        diffs.append(_resid(others, target) / sigma)
        levels.append(_resid(others, level) / sigma)
        ratios.append(np.sqrt(_long_run_variance(y, trend)) / sigma)
    x, z = np.concatenate(levels), np.concatenate(diffs)
    delta = float(x @ z) / float(x @ x)
    rss = float(((z - delta * x) ** 2).sum())
    se = np.sqrt(rss / len(z) / float(x @ x))
    t_tilde = t_len - float(np.mean(per)) - 1
    sigma_eps2 = rss / (n * t_tilde)
    table = np.array(LLC_ADJUSTMENTS[trend])
    if not LLC_T[0] <= t_len <= LLC_T[-1]:
        warnings.warn(
            f"T = {t_len} lies outside Levin-Lin-Chu's adjustment table ({LLC_T[0]}.."
            f"{LLC_T[-1]}); the nearest values are used.", SpecificationWarning, stacklevel=2)
    mu, sd = (float(np.interp(t_len, LLC_T, table[:, j])) for j in (0, 1))
    stat = (delta / se - n * t_tilde * float(np.mean(ratios)) / sigma_eps2 * se * mu) / sd
    return TestResult(stat=float(stat), pvalue=float(stats.norm.cdf(stat)), name=(
        f"Levin-Lin-Chu t* ({variable}, N={n}, T={t_len}, delta={delta:.4f})"),
        dist="normal", null="every series has a unit root")


def hadri_test(data: pd.DataFrame | PanelData, variable: str, *, entity: str | None = None,
               time: str | None = None, trend: Literal["c", "ct"] = "c",
               heteroskedastic: bool = True, dfcor: bool = False) -> TestResult:
    """Hadri (2000) LM test of stationarity (plm ``purtest(test = "hadri")``).

    Parameters
    ----------
    data, variable, entity, time
        Long panel and the column to test.
    trend : {"c", "ct"}
        Constant, or constant and linear trend.
    heteroskedastic : bool
        Entity-specific variances (plm's ``Hcons = TRUE``, default).
    dfcor : bool
        Degrees-of-freedom correction of the variances.
    """
    check_choice("trend", trend, tuple(_HADRI_MOMENTS))
    series = _series(data, variable, entity, time)
    t_len = _balanced(series, variable, "Hadri's test")
    k = 1 if trend == "c" else 2
    if t_len <= k + 1:
        raise PanelDataError(
            f"'{variable}' has {t_len} periods per entity: too short for Hadri's test.")
    basis = _deterministics(t_len, trend)
    y = np.column_stack([s for _, s in series])  # T x N
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    e = y - basis @ coef
    denom = t_len - k if dfcor else t_len
    sigma_i = (e ** 2).sum(axis=0) / denom
    if (sigma_i <= 0).any():
        shape = ("constant", "linear")[k - 1]
        raise PanelDataError(f"Some entity's '{variable}' is exactly {shape}; drop it.")
    s2 = (np.cumsum(e, axis=0) ** 2).sum(axis=0) / t_len ** 2
    n = y.shape[1]
    lm = float(np.mean(s2 / sigma_i)) if heteroskedastic else float(
        s2.mean() / sigma_i.mean())
    xi, zeta = _HADRI_MOMENTS[trend]
    z = np.sqrt(n) * (lm - xi) / np.sqrt(zeta)
    return TestResult(stat=float(z), pvalue=float(stats.norm.sf(z)), name=(
        f"Hadri LM ({variable}, N={n}, T={t_len}"
        + (", heteroskedasticity-consistent)" if heteroskedastic else ")")), dist="normal",
        null="every series is stationary" + (" around a trend" if trend == "ct" else ""))


def _cadf_tstat(y: np.ndarray, x: np.ndarray) -> float:
    """Return the t statistic of the first column of ``x`` in OLS of ``y`` on ``x``."""
    q, r = np.linalg.qr(x)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return float("nan")
    coef = np.linalg.solve(r, q.T @ y)
    resid = y - x @ coef
    s2 = float(resid @ resid) / (len(y) - x.shape[1])
    r_inv = np.linalg.inv(r)
    return float(coef[0] / np.sqrt(s2 * (r_inv @ r_inv.T)[0, 0]))


def cips_critical_values(n: int, t_len: int, trend: Literal["n", "c", "ct"] = "c"
                         ) -> dict[int, float]:
    """Pesaran (2007) 1/5/10% critical values, interpolated linearly in N then T.

    Outside the table (N or T below 10 or above 200) the nearest row/column is used.
    """
    kind = _CIPS_TYPES[check_choice("trend", trend, tuple(_CIPS_TYPES))]
    grid = np.array(CIPS_GRID, dtype=float)
    out = {}
    for level in (1, 5, 10):
        table = np.array(CIPS_CRITICAL[(kind, level)])
        by_t = [np.interp(n, grid, table[:, j]) for j in range(len(grid))]
        out[level] = float(np.interp(t_len, grid, by_t))
    return out


def cips_test(data: pd.DataFrame | PanelData, variable: str, *, entity: str | None = None,
              time: str | None = None, lags: int = 2,
              trend: Literal["n", "c", "ct"] = "ct") -> TestResult:
    """Pesaran (2007) CIPS test (plm ``cipstest(model = "cmg")``).

    Parameters
    ----------
    data, variable, entity, time
        Long panel and the column to test.
    lags : int
        Augmentation lags p (0 or more; plm's default 2).
    trend : {"n", "c", "ct"}
        No deterministics, intercept ("drift") or intercept and trend (plm's default).

    Returns
    -------
    TestResult
        ``stat`` = CIPS; left-tail p-value from Pesaran's table, bounded to [0.01, 0.10].
    """
    check_choice("trend", trend, tuple(_CIPS_TYPES))
    if not isinstance(lags, int | np.integer) or isinstance(lags, bool) or lags < 0:
        raise SpecificationError(f"lags must be a whole number >= 0, got {lags!r}.")
    series = _series(data, variable, entity, time)
    frames = []
    for i, (_, y) in enumerate(series):
        cols = {"entity": i, "t": np.arange(len(y)), "de": np.r_[np.nan, np.diff(y)],
                "le": np.r_[np.nan, y[:-1]]}
        for j in range(1, lags + 1):
            cols[f"d{j}e"] = np.r_[np.full(j, np.nan), cols["de"][:-j]]
        frames.append(pd.DataFrame(cols))
    positions = _time_offsets(data, variable, entity, time, series)
    long = pd.concat([f.assign(t=f["t"] + off) for f, off in zip(frames, positions,
                                                                 strict=True)])
    long = long.dropna()
    names = ["de", "le", *[f"d{j}e" for j in range(1, lags + 1)]]
    bars = long.groupby("t")[names].transform("mean").add_suffix(".bar")
    long = pd.concat([long, bars], axis=1)
    n = long["entity"].nunique()
    n_periods = long["t"].nunique()
    k = 1 + lags + len(names) + (trend != "n") + (trend == "ct")
    short = long.groupby("entity").size()
    if short.min() <= k:
        raise PanelDataError(
            f"Entity series of '{variable}' have {short.min()} usable periods for {k} "
            "coefficients of the CADF regression: the panel is too short for CIPS with "
            f"lags={lags}. Use fewer lags.")
    tstats = []
    for _, rows in long.groupby("entity"):
        x = [rows["le"].to_numpy()] + [rows[c].to_numpy() for c in names[2:]]
        x += [rows[f"{c}.bar"].to_numpy() for c in names]
        if trend != "n":
            x.append(np.ones(len(rows)))
        if trend == "ct":
            x.append(rows["t"].to_numpy(dtype=float))
        tstats.append(_cadf_tstat(rows["de"].to_numpy(), np.column_stack(x)))
    tstats = np.array(tstats)
    if not np.isfinite(tstats).all():
        raise PanelDataError(
            f"A CADF regression of '{variable}' is singular (a constant or perfectly "
            "trending series?); drop that entity.")
    stat = float(tstats.mean())
    cv = cips_critical_values(n, n_periods, trend)
    if not (CIPS_GRID[0] <= n <= CIPS_GRID[-1] and CIPS_GRID[0] <= n_periods <= CIPS_GRID[-1]):
        warnings.warn(
            f"N = {n}, T = {n_periods} lie outside Pesaran's table (10..200): the nearest "
            "critical values are used.", SpecificationWarning, stacklevel=2)
    levels = np.array([0.01, 0.05, 0.10])
    values = np.array([cv[1], cv[5], cv[10]])
    pvalue = float(np.interp(stat, values, levels))
    bound = " (p < 0.01)" if stat < values[0] else " (p > 0.10)" if stat > values[-1] else ""
    return TestResult(stat=stat, pvalue=pvalue, df=float(lags), name=(
        f"Pesaran CIPS ({variable}, N={n}, T={n_periods}, lags={lags}){bound}"),
        dist="CIPS", null="every series has a unit root")


def _time_offsets(data, variable, entity, time, series) -> list[int]:
    """Position of each entity's first usable period on the common time axis."""
    from stfi_models.panel import as_panel

    panel = as_panel(data, entity, time)
    values = pd.to_numeric(panel.frame[variable], errors="coerce").to_numpy(dtype=float)
    codes, pos = panel.entity_codes, panel.time_positions
    offsets = []
    for code in range(len(series)):
        rows = np.flatnonzero(codes == code)
        ok = np.isfinite(values[rows])
        offsets.append(int(pos[rows][np.argmax(ok)]))
    return offsets
