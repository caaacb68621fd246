"""The result of a mediation analysis: paths, tests, bootstrap intervals and output.

:class:`MediationResult` is immutable; it tabulates the paths (:meth:`~MediationResult.tidy`),
computes bootstrap intervals and differences of indirect effects from the stored draws, prints
a summary and delegates the path diagram to :mod:`stfi_models.models.mediation.plot`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from itertools import combinations
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._frozen import reduce_by_value
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.formula.design import Dropped
from stfi_models.models.mediation.bootstrap import (
    CI_METHODS,
    _check_level,
    _interval,
)
from stfi_models.models.mediation.plot import path_diagram
from stfi_models.results.result import Result, TestResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from stfi_models.results.summary import Summary

__all__ = ["MediationResult"]


#: Fields held as read-only mappings.
_READ_ONLY = ("mediator_models", "diagnostics", "bootstrap_info", "formulas")


@dataclass(frozen=True)
class MediationResult:
    """Result of :func:`mediate`: paths, indirect effects, their tests and bootstrap draws.

    Attributes
    ----------
    params : pandas.Series
        Every path, indexed by (path, treatment, mediator): ``c`` (total effect), ``c'``
        (direct), ``a``, ``b``, ``indirect`` (a b), ``proportion`` (a b / c) and, with several
        mediators, ``total indirect`` and ``total proportion``.  Empty index levels hold ``""``.
    total, direct : Result
        The total-effect step (outcome on treatments) and the outcome step with the mediators.
    mediator_models : Mapping
        Mediator name -> its a-path :class:`Result`.
    tests : pandas.DataFrame
        Sobel, Aroian and Goodman tests per (treatment, mediator).
    diagnostics : Mapping
        ``(test, treatment, mediator)`` -> :class:`TestResult` (test in ``"sobel"``,
        ``"aroian"``, ``"goodman"``).
    draws : pandas.DataFrame or None
        Bootstrap draws of every path (failed draws removed), columns as ``params.index``.
    ci : str
        Default bootstrap interval: ``"bc"``, ``"bca"`` or ``"percentile"``.
    level : float
        Default confidence level.
    nobs, n_entities : int
        Common estimation sample of all steps.
    dropped : Dropped
        Rows lost to missing values in any variable of any step.
    bootstrap_info : Mapping
        ``requested``, ``failed``, ``clusters``, ``resample`` and ``engine`` (``"linear"``:
        least squares on the common-sample design, checked against :func:`fit`; ``"refit"``:
        :func:`fit` on every draw).
    formulas : Mapping
        Step name -> the formula given to :func:`fit`.
    jackknife : pandas.DataFrame or None
        Delete-one-entity (cross-section: delete-one-row) estimates of every path, one row per
        entity, columns as ``params.index`` (NaN for a rank-deficient refit); they give the
        acceleration of the BCa interval.
    """

    treatments: tuple[str, ...]
    mediators: tuple[str, ...]
    outcome: str
    params: pd.Series
    total: Result
    mediator_models: Mapping[str, Result]
    direct: Result
    tests: pd.DataFrame
    diagnostics: Mapping[tuple[str, str, str], TestResult]
    draws: pd.DataFrame | None
    ci: str
    level: float
    nobs: int
    n_entities: int
    dropped: Dropped
    bootstrap_info: Mapping[str, Any] = field(default_factory=dict)
    formulas: Mapping[str, str] = field(default_factory=dict)
    jackknife: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        """Freeze the mappings (read-only views)."""
        for name in _READ_ONLY:
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by value (the step Results pickle without their models)."""
        return reduce_by_value(self, (f.name for f in fields(self)), _READ_ONLY)

    # ------------------------------------------------------------------ numbers
    @property
    def model(self) -> str:
        """The panel estimator used in every step."""
        return self.direct.model

    @property
    def vcov_type(self) -> str:
        """Covariance of the steps (behind Sobel-type tests and path p-values)."""
        return self.direct.vcov_type

    @property
    def indirect(self) -> pd.Series:
        """Indirect effects a b, indexed by (treatment, mediator)."""
        return self.params.xs("indirect", level="path")

    def decomposition_gap(self) -> pd.Series:
        """``c - c' - sum_j a_j b_j`` per treatment: zero up to rounding for linear steps."""
        out = {}
        for x in self.treatments:
            ab = sum(self.params[("indirect", x, m)] for m in self.mediators)
            out[x] = self.params[("c", x, "")] - self.params[("c'", x, "")] - ab
        return pd.Series(out, name="gap")

    def bootstrap_ci(self, level: float | None = None, method: str | None = None) -> pd.DataFrame:
        """Bootstrap intervals of every path (columns ``lower``, ``upper``).

        Parameters
        ----------
        level : float, optional
            Confidence level; default :attr:`level`.
        method : {"bc", "bca", "percentile"}, optional
            Default :attr:`ci`.  ``"bca"`` takes its acceleration from :attr:`jackknife`
            (:func:`~stfi_models.models.mediation.bootstrap._bca_ci` has the formula).
        """
        if self.draws is None:
            raise SpecificationError(
                "No bootstrap draws: call mediate(..., bootstrap=1000) to get bootstrap intervals."
            )
        level = _check_level(self.level if level is None else level)
        method = check_choice("method", self.ci if method is None else method, CI_METHODS)
        jackknife = None if self.jackknife is None else self.jackknife.to_numpy()
        bounds = _interval(method, self.draws.to_numpy(), self.params.to_numpy(), jackknife,
                           level)
        return pd.DataFrame(bounds, index=self.params.index, columns=["lower", "upper"])

    def compare_indirect(
        self, level: float | None = None, method: str | None = None
    ) -> pd.DataFrame:
        """Differences between indirect effects, with bootstrap standard errors and intervals.

        Every pair of indirect effects (two treatments through one mediator, e.g. market vs
        public tech finance; or one treatment through two mediators) is compared.  The
        difference is computed on each bootstrap draw, so the interval accounts for the
        correlation of the two estimates; the BCa acceleration uses the jackknife values of
        the difference.  Compare effects on a common scale only (e.g. standardise the
        treatments first).

        Returns
        -------
        pandas.DataFrame
            Columns ``first``, ``second`` (``"x -> m"`` labels), ``difference``, ``std_error``
            (bootstrap), ``conf_low``, ``conf_high``.
        """
        if self.draws is None:
            raise SpecificationError(
                "Comparing indirect effects needs bootstrap draws: call "
                "mediate(..., bootstrap=1000)."
            )
        level = _check_level(self.level if level is None else level)
        method = check_choice("method", self.ci if method is None else method, CI_METHODS)
        keys = [k for k in self.params.index if k[0] == "indirect"]
        rows = []
        for first, second in combinations(keys, 2):
            diff_draws = (self.draws[first] - self.draws[second]).to_numpy()[:, None]
            diff = np.array([self.params[first] - self.params[second]])
            jack = None if self.jackknife is None else (
                self.jackknife[first] - self.jackknife[second]).to_numpy()[:, None]
            low, high = _interval(method, diff_draws, diff, jack, level)[0]
            rows.append(
                {
                    "first": f"{first[1]} -> {first[2]}",
                    "second": f"{second[1]} -> {second[2]}",
                    "difference": diff[0],
                    "std_error": float(np.std(diff_draws, ddof=1)),
                    "conf_low": low,
                    "conf_high": high,
                }
            )
        columns = ["first", "second", "difference", "std_error", "conf_low", "conf_high"]
        return pd.DataFrame(rows, columns=columns)

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        """One row per path.

        Regression paths (a, b, c, c') carry the estimate, standard error, statistic, p-value
        and interval of their step (``ci_method`` ``"t"`` or ``"normal"``).  Indirect effects
        carry the Sobel standard error, z and p-value and the bootstrap interval
        (``ci_method`` ``"bootstrap-bc"``, ``"bootstrap-bca"`` or ``"bootstrap-percentile"``;
        the Sobel normal interval when there are no draws).  Proportions and totals carry the
        bootstrap standard error and interval (NaN without draws).
        """
        level = _check_level(self.level if level is None else level)
        boot = self.bootstrap_ci(level) if self.draws is not None else None
        boot_se = self.draws.std(ddof=1) if self.draws is not None else None
        boot_name = f"bootstrap-{self.ci}"
        z = stats.norm.ppf(0.5 + level / 2)
        records = []
        for key, estimate in self.params.items():
            path, x, m = key
            row = dict(path=path, treatment=x, mediator=m, estimate=estimate, std_error=np.nan,
                       statistic=np.nan, p_value=np.nan, conf_low=np.nan, conf_high=np.nan,
                       ci_method="")
            step, term = self._step_of(key)
            if step is not None:
                ci = step.conf_int(level).loc[term]
                row.update(std_error=step.std_errors[term], statistic=step.tstats[term],
                           p_value=step.pvalues[term], conf_low=ci["lower"],
                           conf_high=ci["upper"], ci_method="t" if step.uses_t else "normal")
            elif path == "indirect":
                sobel = self.tests.set_index(["treatment", "mediator", "test"]).loc[(x, m, "sobel")]
                row.update(std_error=sobel["std_error"], statistic=sobel["statistic"],
                           p_value=sobel["p_value"])
                if boot is None:
                    half = z * sobel["std_error"]
                    row.update(conf_low=estimate - half, conf_high=estimate + half,
                               ci_method="sobel")
            if step is None and boot is not None:
                row.update(conf_low=boot.loc[key, "lower"], conf_high=boot.loc[key, "upper"],
                           ci_method=boot_name)
                if path != "indirect":
                    row.update(std_error=boot_se[key])
            records.append(row)
        return pd.DataFrame(records)

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Intervals of every path as in :meth:`tidy` (columns ``lower``, ``upper``)."""
        tidy = self.tidy(level)
        return pd.DataFrame(
            {"lower": tidy["conf_low"].to_numpy(), "upper": tidy["conf_high"].to_numpy()},
            index=self.params.index,
        )

    def _step_of(self, key: tuple[str, str, str]) -> tuple[Result | None, str]:
        path, x, m = key
        if path == "c":
            return self.total, x
        if path == "c'":
            return self.direct, x
        if path == "a":
            return self.mediator_models[m], x
        if path == "b":
            return self.direct, m
        return None, ""

    # ------------------------------------------------------------------ output
    def summary(self) -> Summary:
        """Return the printed summary (``as_text()``, ``as_html()``, ``as_latex()``)."""
        from stfi_models.results.summary import Summary

        tidy = self.tidy()
        names = {
            "c": "c (total): {x} -> {y}",
            "c'": "c' (direct): {x} -> {y}",
            "a": "a: {x} -> {m}",
            "b": "b: {m} -> {y}",
            "indirect": "indirect: {x} -> {m} -> {y}",
            "proportion": "proportion mediated: {x} via {m}",
            "total indirect": "total indirect: {x} -> {y}",
            "total proportion": "total proportion mediated: {x}",
        }
        index = [names[p].format(x=x, m=m, y=self.outcome)
                 for p, x, m in zip(tidy["path"], tidy["treatment"], tidy["mediator"], strict=True)]
        pct = f"{100 * (1 - self.level) / 2:g}%"
        table = pd.DataFrame(
            {
                "coef": tidy["estimate"].to_numpy(),
                "std err": tidy["std_error"].to_numpy(),
                "z / t": tidy["statistic"].to_numpy(),
                "p-value": tidy["p_value"].to_numpy(),
                f"[{pct}": tidy["conf_low"].to_numpy(),
                f"{100 - float(pct[:-1]):g}%]": tidy["conf_high"].to_numpy(),
            },
            index=index,
        )
        header = [
            ("Outcome", self.outcome),
            ("Treatment(s)", ", ".join(self.treatments)),
            ("Mediator(s)", ", ".join(self.mediators)),
            ("Model", self.model),
            ("No. observations", str(self.nobs)),
            ("Entities", str(self.n_entities)),
        ]
        info = self.bootstrap_info
        if self.draws is not None:
            header.append(("Bootstrap", f"{len(self.draws)} draws ({info['resample']}), "
                                        f"{self.ci.upper() if self.ci == 'bc' else self.ci} CI"))
        footer = [f"{test} [{x} -> {m}]" for (_, x, m), test in self.diagnostics.items()]
        footer.append(f"Paths: std. errors {self.vcov_type} (Sobel-type tests use them).")
        if self.draws is not None and len(self.indirect) > 1:
            for _, row in self.compare_indirect().iterrows():
                footer.append(
                    f"Difference ({row['first']}) - ({row['second']}) = {row['difference']:.4f}, "
                    f"bootstrap CI [{row['conf_low']:.4f}, {row['conf_high']:.4f}]"
                )
        if info.get("failed"):
            footer.append(
                f"{info['failed']} bootstrap draw(s) failed (rank deficient) and were dropped."
            )
        if self.dropped.n:
            footer.append(f"Dropped: {self.dropped}")
        return Summary("Mediation analysis", tuple(header), table, tuple(footer))

    def plot(self, ax: Any = None, digits: int = 3) -> Figure:
        """Path diagram: treatment(s) -> mediator(s) -> outcome with coefficients and stars.

        Stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1 (step inference for a, b, c';
        Sobel for the indirect effect printed under the direct path).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return path_diagram(self, ax=ax, digits=digits)

    def __str__(self) -> str:
        """Return the text summary."""
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        """Return a one-line description."""
        return (
            f"<MediationResult {', '.join(self.treatments)} -> {', '.join(self.mediators)} -> "
            f"{self.outcome}: model={self.model!r}, nobs={self.nobs}, entities={self.n_entities}, "
            f"draws={0 if self.draws is None else len(self.draws)}>"
        )
