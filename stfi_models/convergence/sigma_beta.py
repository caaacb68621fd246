r"""Sigma and beta convergence of a regional indicator.

**Sigma convergence** (dispersion falls over time): per period, the standard deviation of
:math:`\ln y` and the coefficient of variation

.. math::

    \sigma_t = \sqrt{\tfrac{1}{n - \delta}\textstyle\sum_i (\ln y_{it} - \overline{\ln y}_t)^2},
    \qquad CV_t = \frac{\sqrt{\tfrac{1}{n-\delta}\sum_i (y_{it} - \bar y_t)^2}}{\bar y_t},

with ``ddof`` :math:`\delta` = 0 (population form, REAT's ``sigmaconv``) by default.

**Absolute beta convergence** (poor regions grow faster), cross-section form over a span of
:math:`T` periods (Barro and Sala-i-Martin 1992):

.. math::

    \frac{1}{T}\ln\frac{y_{i,t_0+T}}{y_{i,t_0}} = \alpha + \beta \ln y_{i,t_0}
        + \gamma' x_{i,t_0} + \varepsilon_i ,

conditional when controls :math:`x` are added. The **panel** form regresses one-period growth
on the lagged level with province (and optionally year) fixed effects:

.. math::

    \ln\frac{y_{it}}{y_{i,t-1}} = \beta \ln y_{i,t-1} + \gamma' x_{i,t-1} + \mu_i
        (+ \eta_t) + \varepsilon_{it}.

**Speed and half-life.** The neoclassical model gives
:math:`\frac1T \ln(y_{t_0+T}/y_{t_0}) = \dots - \frac{1 - e^{-\lambda T}}{T}\ln y_{t_0}`, so
with an annualised left-hand side the implied speed is (``speed="barro"``, default)

.. math::

    \lambda = -\frac{\ln(1 + \beta T)}{T}, \qquad \text{half-life} = \frac{\ln 2}{\lambda}.

REAT's ``betaconv.speed`` instead uses :math:`\lambda = -\ln(1 + \beta)/T` on the same
annualised :math:`\beta` (``speed="reat"``); the two agree for :math:`T = 1` (and for the
panel form, where the span is one period) and differ otherwise. Without annualising
(``annualize=False``) the Barro speed is :math:`-\ln(1 + \beta)/T`.

References
----------
Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy* 100(2),
223-251.
Sala-i-Martin, X. (1996). The classical approach to convergence analysis. *Economic Journal*
106(437), 1019-1036.
Wieland, T. (2019). REAT: A regional economic analysis toolbox for R. *REGION* 6(3), R1-R57.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from stfi_models._checks import (
    drop_missing,
    guard_keywords,
    iter_periods,
    require_frame,
    require_nonnegative,
)
from stfi_models._plotting import figure_and_axes, integer_ticks, print_style
from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    check_choice,
)
from stfi_models.models import lstsq
from stfi_models.results.result import Result, TestResult

__all__ = [
    "sigma_convergence",
    "SigmaResult",
    "beta_convergence",
    "BetaResult",
    "convergence_speed",
]

SPEEDS = ("barro", "reat")
SIGMA_COLUMNS = ("n", "mean", "sd", "cv", "mean_log", "sd_log", "cv_log")


# ---------------------------------------------------------------------------- sigma
@dataclass(frozen=True)
class SigmaResult:
    r"""Dispersion per period.

    Attributes
    ----------
    table : pandas.DataFrame
        Per period (column named after ``by``): ``n``, ``mean``, ``sd``, ``cv`` of the level
        and ``mean_log``, ``sd_log``, ``cv_log`` of :math:`\ln y` (all with ``ddof``).
    value, by : str
        The variable and the period column.
    ddof : int
        0: population form (divide by n); 1: sample form.
    n_dropped : int
        Rows dropped for missing values.
    """

    table: pd.DataFrame
    value: str
    by: str
    ddof: int
    n_dropped: int

    def test(self, first: Hashable, second: Hashable,
             measure: Literal["sd_log", "sd"] = "sd_log") -> TestResult:
        r"""Variance-ratio F test of equal dispersion in two periods (REAT ``sigmaconv``).

        :math:`F = \sigma^2_{first} / \sigma^2_{second}` with :math:`(n_1 - 1, n_2 - 1)`
        degrees of freedom and a two-sided p-value; it treats the two cross-sections as
        independent samples, which they are not (same regions), so read it as descriptive.
        """
        check_choice("measure", measure, ("sd_log", "sd"))
        rows = self.table.set_index(self.by)
        for period in (first, second):
            if period not in rows.index:
                raise SpecificationError(
                    f"Period {period!r} is not in the table; periods: {list(rows.index)}."
                )
        a, b = rows.loc[first], rows.loc[second]
        f_stat = float(a[measure] ** 2 / b[measure] ** 2)
        df = (float(a["n"] - 1), float(b["n"] - 1))
        tail = stats.f.sf(f_stat, *df)
        pvalue = float(min(1.0, 2 * min(tail, 1 - tail)))
        return TestResult(f_stat, pvalue, df, f"sigma convergence {first} vs {second}", "F",
                          "equal dispersion in both periods")

    @print_style
    def plot(self, measures: Sequence[str] = ("sd_log", "cv"), ax: Any = None) -> Any:
        """Plot the chosen dispersion measures over periods; return the Figure."""
        for measure in measures:
            check_choice("measures", measure, ("sd", "cv", "sd_log", "cv_log"))
        fig, ax = figure_and_axes(ax, (6, 3.8))
        for measure in measures:
            ax.plot(self.table[self.by], self.table[measure], marker="o", label=measure)
        ax.set_xlabel(self.by)
        integer_ticks(ax)
        ax.set_ylabel("dispersion")
        ax.set_title(f"Sigma convergence of {self.value}")
        ax.legend(frameon=False)
        return fig


@guard_keywords
def sigma_convergence(data: pd.DataFrame, value: str, by: str = "year", *, ddof: int = 0,
                      warn_missing: bool = True) -> SigmaResult:
    """Sigma convergence: SD of logs and coefficient of variation per period.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data.
    value : str
        A positive variable (logs are taken).
    by : str, default "year"
        Period column.
    ddof : {0, 1}, default 0
        0 divides by ``n`` (REAT ``sigmaconv``, the usual paper formula); 1 by ``n - 1``.
    warn_missing : bool, default True
        Warn when rows with missing values are dropped.

    Returns
    -------
    SigmaResult
        ``table``, ``test(first, second)`` and ``plot()``.

    Raises
    ------
    SpecificationError
        Non-positive values (logs), a period with fewer than two units, a bad ``ddof``.
    """
    func = "sigma_convergence"
    check_choice("ddof", ddof, (0, 1))
    frame = require_frame(data, [value, by], func)
    frame, n_dropped = drop_missing(frame, func, warn=warn_missing)
    require_nonnegative(frame, value, func, strict=True)
    rows = []
    for period, part in iter_periods(frame, by):
        y = part[value].to_numpy(dtype=float)
        if y.size < 2:
            raise SpecificationError(f"{func}(): {by}={period!r} has fewer than two units.")
        ly = np.log(y)
        sd, sd_log = y.std(ddof=ddof), ly.std(ddof=ddof)
        rows.append((period, y.size, y.mean(), sd, sd / y.mean(), ly.mean(), sd_log,
                     sd_log / ly.mean()))
    table = pd.DataFrame(rows, columns=[by, *SIGMA_COLUMNS])
    return SigmaResult(table=table, value=value, by=by, ddof=ddof, n_dropped=n_dropped)


# ---------------------------------------------------------------------------- beta
def convergence_speed(beta: float, span: float, *, speed: Literal["barro", "reat"] = "barro",
                      annualize: bool = True) -> float:
    r"""Implied speed of convergence :math:`\lambda` (see the module docstring).

    Returns NaN when the logarithm's argument is not positive (``beta`` at or below
    ``-1/span``); a negative value means divergence.
    """
    check_choice("speed", speed, SPEEDS)
    factor = span if (speed == "barro" and annualize) else 1.0
    arg = 1.0 + beta * factor
    return float(-np.log(arg) / span) if arg > 0 else float("nan")


@dataclass(frozen=True)
class BetaResult:
    r"""Beta-convergence regression with its implied speed.

    Attributes
    ----------
    regression : Result
        The regression (``params`` include the convergence coefficient ``log_initial``).
    beta : float
        The convergence coefficient; negative means convergence.
    speed : float
        Implied speed :math:`\lambda` per period (NaN if undefined, negative if diverging).
    half_life : float
        :math:`\ln 2/\lambda` in periods (NaN unless :math:`\lambda > 0`).
    kind : str
        ``"cross-section"`` or ``"panel"``.
    span : float
        :math:`T`, the number of periods spanned by the growth rate.
    speed_formula : str
        The formula used, in words.
    conditional : bool
        Controls (or, in the panel form, fixed effects) were included.
    """

    regression: Result
    beta: float
    speed: float
    half_life: float
    kind: str
    span: float
    speed_formula: str
    conditional: bool

    def tidy(self) -> pd.DataFrame:
        """Return the regression's tidy table."""
        return self.regression.tidy()

    def __str__(self) -> str:
        return (f"beta convergence ({self.kind}): beta = {self.beta:.6g}, "
                f"speed = {self.speed:.6g} per period [{self.speed_formula}], "
                f"half-life = {self.half_life:.4g} periods\n{self.regression}")


def _half_life(speed: float) -> float:
    return float(np.log(2) / speed) if speed > 0 else float("nan")


def _cross_section(frame: pd.DataFrame, value: str, entity: str, time: str,
                   controls: list[str], start: Any, end: Any, annualize: bool,
                   vcov: str) -> tuple[Result, float]:
    times = frame[time]
    start = times.min() if start is None else start
    end = times.max() if end is None else end
    for label, t in (("start", start), ("end", end)):
        if not (times == t).any():
            raise SpecificationError(
                f"beta_convergence(): {label}={t!r} is not a value of '{time}'; "
                f"periods: {sorted(times.unique())[:20]}."
            )
    try:
        span = float(end - start)
    except TypeError:
        raise SpecificationError(
            f"beta_convergence(): '{time}' must be numeric to measure the span end - start."
        ) from None
    if span <= 0:
        raise SpecificationError(
            f"beta_convergence(): end ({end}) must come after start ({start})."
        )
    first = frame.loc[times == start].set_index(entity)
    last = frame.loc[times == end].set_index(entity)
    common = first.index.intersection(last.index)
    if len(common) < len(first.index.union(last.index)):
        lost = first.index.symmetric_difference(last.index)
        warnings.warn(
            f"beta_convergence(): {len(lost)} entities lack a value in {start} or {end} and are "
            f"left out: {list(lost)[:10]}.", MissingValueWarning, stacklevel=3)
    first, last = first.loc[common], last.loc[common]
    growth = np.log(last[value] / first[value]) / (span if annualize else 1.0)
    x = pd.DataFrame({"const": 1.0, "log_initial": np.log(first[value])}, index=common)
    for c in controls:
        x[c] = first[c]
    if len(common) <= x.shape[1]:
        raise EstimationError(
            f"beta_convergence(): {len(common)} entities for {x.shape[1]} coefficients.")
    cov_type = {"classic": "nonrobust", "robust": "HC1"}[vcov]
    scale = lstsq.check_design(x.to_numpy(), list(x.columns),
                               "in the beta-convergence regression").scale
    ols = OLS(growth.to_numpy(), x / scale).fit(cov_type=cov_type)  # unit-free columns
    diagnostics = {"F": TestResult(float(ols.fvalue), float(ols.f_pvalue),
                                   (float(ols.df_model), float(ols.df_resid)),
                                   "F test of all slopes", "F", "all slopes are zero")}
    result = Result(
        params=pd.Series(np.asarray(ols.params) / scale, index=x.columns, name="params"),
        cov=pd.DataFrame(np.asarray(ols.cov_params()) / np.outer(scale, scale), index=x.columns,
                         columns=x.columns),
        model="beta-cross-section",
        formula=(f"{'(1/T) ' if annualize else ''}ln({value}_{end}/{value}_{start}) ~ "
                 f"ln({value}_{start})" + "".join(f" + {c}_{start}" for c in controls)),
        dependent="growth",
        nobs=int(ols.nobs),
        n_entities=int(ols.nobs),
        df_resid=float(ols.df_resid),
        vcov_type={"classic": "classical OLS", "robust": "robust (HC1)"}[vcov],
        resid=pd.Series(ols.resid, index=common, name="resid"),
        fitted=pd.Series(ols.fittedvalues, index=common, name="fitted"),
        rsquared={"r2": float(ols.rsquared), "r2_adj": float(ols.rsquared_adj)},
        diagnostics=diagnostics,
        info={"start": start, "end": end, "span": span, "annualize": annualize},
        title="Beta convergence (cross-section)",
    )
    return result, span


def _growth_panel(frame: pd.DataFrame, value: str, entity: str, time: str,
                  controls: list[str], func: str) -> pd.DataFrame:
    """Return one-period growth, the lagged log level and lagged controls (gaps: no row)."""
    frame = frame.sort_values([entity, time])
    try:
        step = frame[time] - frame.groupby(entity)[time].shift(1)
    except TypeError:
        raise SpecificationError(
            f"{func}: '{time}' must be numeric (consecutive periods)."
        ) from None
    prev = frame.groupby(entity)[[value, *controls]].shift(1)
    data = pd.DataFrame({
        entity: frame[entity],
        time: frame[time],
        "growth": np.log(frame[value] / prev[value]),
        "log_initial": np.log(prev[value]),
    })
    for c in controls:
        data[c] = prev[c]
    data = data.loc[step == 1]  # one-period growth; gaps give no observation
    if data.empty:
        raise EstimationError(f"{func}: no consecutive periods.")
    return data


def _panel(frame: pd.DataFrame, value: str, entity: str, time: str, controls: list[str],
           effects: str, vcov: str) -> Result:
    from stfi_models.api import fit

    data = _growth_panel(frame, value, entity, time, controls, "beta_convergence(kind='panel')")
    rhs = " + ".join(["log_initial", *controls, f"C({entity})"]
                     + ([f"C({time})"] if effects == "twoway" else []))
    return fit(f"growth ~ {rhs}", data, entity=entity, time=time, model="fe", vcov=vcov)


def _prepared(data: pd.DataFrame, value: str, entity: str, time: str, controls: list[str],
              func: str, warn_missing: bool) -> pd.DataFrame:
    """Return the panel's rows without missing values (positive ``value``, unique keys)."""
    frame = require_frame(data, [entity, time, value, *controls], func)
    frame, _ = drop_missing(frame, func, warn=warn_missing)
    require_nonnegative(frame, value, func, strict=True)
    if frame.duplicated([entity, time]).any():
        raise SpecificationError(f"{func}(): duplicated ({entity}, {time}) rows; keys must be "
                                 "unique.")
    return frame


@guard_keywords
def beta_convergence(
    data: pd.DataFrame,
    value: str,
    entity: str,
    time: str,
    *,
    kind: Literal["cross-section", "panel"] = "cross-section",
    controls: Sequence[str] = (),
    start: Any = None,
    end: Any = None,
    annualize: bool = True,
    speed: Literal["barro", "reat"] = "barro",
    effects: Literal["entity", "twoway"] = "entity",
    vcov: str | None = None,
    warn_missing: bool = True,
) -> BetaResult:
    """Absolute or conditional beta convergence with speed and half-life.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel with ``entity`` and numeric ``time`` columns.
    value : str
        A positive variable (GDP per capita, an index, ...).
    entity, time : str
        Panel keys.
    kind : {"cross-section", "panel"}, default "cross-section"
        Growth from ``start`` to ``end`` on the initial level (OLS), or one-period growth on
        the lagged level with fixed effects (FE, via ``stfi_models.fit(model="fe")``).
    controls : sequence of str
        Conditioning variables, measured at the base period (``start``, or ``t - 1`` in the
        panel form). With controls (cross-section) or in the panel form the convergence is
        conditional.
    start, end : optional
        First and last period of the cross-section form (default: earliest and latest).
    annualize : bool, default True
        Divide cross-section growth by the span :math:`T` (REAT ``betaconv.ols`` does).
    speed : {"barro", "reat"}, default "barro"
        Speed formula for spans :math:`T > 1` (module docstring). ``"reat"`` reproduces REAT.
    effects : {"entity", "twoway"}, default "entity"
        Panel form: entity fixed effects, or entity and time.
    vcov : str, optional
        Cross-section: ``"classic"`` (default, as REAT) or ``"robust"`` (HC1). Panel: any
        covariance of the FE model; default ``"cluster"`` (by entity).
    warn_missing : bool, default True
        Warn when rows with missing values are dropped.

    Returns
    -------
    BetaResult

    Raises
    ------
    SpecificationError
        Non-positive values, unknown options, periods not in the data.
    EstimationError
        Too few entities or no consecutive periods.
    """
    func = "beta_convergence"
    check_choice("kind", kind, ("cross-section", "panel"))
    check_choice("speed", speed, SPEEDS)
    check_choice("effects", effects, ("entity", "twoway"))
    controls = list(controls)
    frame = _prepared(data, value, entity, time, controls, func, warn_missing)
    if kind == "cross-section":
        vcov = check_choice("vcov", vcov or "classic", ("classic", "robust"))
        regression, span = _cross_section(frame, value, entity, time, controls, start, end,
                                          annualize, vcov)
        formula = ("-ln(1 + beta*T)/T (Barro)" if speed == "barro" and annualize
                   else "-ln(1 + beta)/T" + (" (REAT)" if speed == "reat" else ""))
    else:
        if start is not None or end is not None:
            raise SpecificationError(f"{func}(): start/end apply to kind='cross-section'; "
                                     "subset the data for the panel form.")
        regression = _panel(frame, value, entity, time, controls, effects, vcov or "cluster")
        span, annualize = 1.0, True
        formula = "-ln(1 + beta) (one-period growth)"
    beta = float(regression.params["log_initial"])
    lam = convergence_speed(beta, span, speed=speed, annualize=annualize)
    return BetaResult(
        regression=regression,
        beta=beta,
        speed=lam,
        half_life=_half_life(lam),
        kind=kind,
        span=span,
        speed_formula=formula,
        conditional=bool(controls) or kind == "panel",
    )
