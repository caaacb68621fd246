"""The one Result every estimator returns, and TestResult for diagnostics.

A :class:`Result` is immutable: changing the inference (``with_vcov``) returns a new Result.
Derived statistics (standard errors, t statistics, p-values) are computed from ``params`` and
``cov`` on first access and cached.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._frozen import reduce_by_value
from stfi_models._lending import borrowed
from stfi_models.exceptions import NaNStatisticWarning, SpecificationError
from stfi_models.formula.design import Dropped
from stfi_models.panel import BalanceInfo
from stfi_models.results.summary import Summary

__all__ = ["Result", "TestResult", "TIDY_COLUMNS"]

#: Columns of :meth:`Result.tidy`, in order (``equation`` first for systems).
TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test statistic with its distribution.

    Attributes
    ----------
    stat : float
        The statistic.
    pvalue : float
        Its p-value.
    df : float or tuple of float or None
        Degrees of freedom (``(df1, df2)`` for an F test).
    name : str
        What is tested, e.g. ``"Hausman (FE vs RE)"``.
    dist : str
        ``"chi2"``, ``"F"``, ``"normal"`` or ``"t"``.
    null : str
        The null hypothesis in words.
    """

    stat: float
    pvalue: float
    df: float | tuple[float, float] | None = None
    name: str = ""
    dist: str = "chi2"
    null: str = ""

    def __str__(self) -> str:
        if self.dist == "F" and isinstance(self.df, tuple):
            head = f"F({self.df[0]:g}, {self.df[1]:g})"
        elif self.dist == "chi2":
            head = f"chi2({self.df:g})" if self.df is not None else "chi2"
        elif self.dist == "t" and self.df is not None:
            head = f"t({self.df:g})"
        else:
            head = "z"
        return f"{self.name}: {head} = {self.stat:.4f}, p = {self.pvalue:.4f}"


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


def _fmt(value: object) -> str:
    """Format a summary header fact: four decimals, or four significant digits when extreme."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e5 or (0 < abs(value) < 1e-3) else f"{value:.4f}"
    return str(value)


def _warn_nan_variances(cov: pd.DataFrame, vcov_type: str) -> None:
    """Warn, naming the coefficients, when a variance is NaN or negative (its SE is NaN)."""
    diag = np.diag(cov.to_numpy(dtype=float)) if cov.size else np.zeros(0)
    bad = ~(diag >= 0)
    if not bad.any():
        return
    names = [str(n) for n, b in zip(cov.index, bad, strict=True) if b]
    why = "negative" if np.all(np.isfinite(diag[bad])) else "NaN or negative"
    their = "its standard error is" if len(names) == 1 else "their standard errors are"
    warnings.warn(
        f"The {vcov_type or 'estimated'} covariance gives a {why} variance for "
        f"{', '.join(names)}: {their} NaN. "
        "A sandwich that subtracts terms (two-way clustering, Windmeijer) can do this on small "
        "samples, and a near-singular design (see IllConditionedWarning) can too; try "
        "another vcov= or fewer regressors.",
        NaNStatisticWarning,
        stacklevel=4,
    )


@dataclass(frozen=True)
class Result:
    """Estimation result: the same vocabulary for every model.

    Attributes
    ----------
    params : pandas.Series
        Estimates, indexed by regressor (by ``(equation, regressor)`` for systems).
    cov : pandas.DataFrame
        Their covariance matrix under ``vcov_type``.
    model : str
        Estimator name (e.g. ``"fe"``, ``"re"``, ``"diff-gmm"``).
    formula : str
        The formula as given.
    dependent : str
        Left-hand variable(s).
    nobs : int
        Observations in the estimation sample.
    n_entities : int
        Entities in the estimation sample.
    df_resid : float or None
        Residual degrees of freedom for t/F inference; ``None`` means normal/chi2.
    vcov_type : str
        Name of the covariance estimator, e.g. ``"cluster (entity)"``.
    vcov_note : str
        Its small-sample correction, in words, printed in the summary footer.
    resid, fitted : pandas.Series or pandas.DataFrame
        Residuals and fitted values on the estimation sample.
    rsquared : Mapping
        ``{"within": ..., "between": ..., "overall": ...}`` or ``{"r2": ...}`` as meaningful.
    diagnostics : Mapping
        Name -> :class:`TestResult`.
    dropped : Dropped
        Rows lost between the data and the sample, and why.
    balance : BalanceInfo or None
        Shape of the estimation sample.
    info : Mapping
        Model-specific facts (effects absorbed, instrument counts, ...).
    df_params : pandas.Series or None
        Per-coefficient t-test degrees of freedom (e.g. Satterthwaite's for CR2); when set
        they replace ``df_resid`` in ``pvalues`` and ``conf_int``.
    """

    params: pd.Series
    cov: pd.DataFrame
    model: str
    formula: str
    dependent: str
    nobs: int
    n_entities: int
    df_resid: float | None
    vcov_type: str
    vcov_note: str = ""
    resid: pd.Series | pd.DataFrame | None = None
    fitted: pd.Series | pd.DataFrame | None = None
    rsquared: Mapping[str, float] = field(default_factory=dict)
    diagnostics: Mapping[str, TestResult] = field(default_factory=dict)
    dropped: Dropped | None = None
    balance: BalanceInfo | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    df_params: pd.Series | None = None
    _revcov: Callable[..., Result] | None = field(default=None, repr=False, compare=False)
    #: Model-side operations a Result offers when its model provides them: "htz" (HTZ df of
    #: a contrast matrix), "wild_bootstrap", "predict".
    _hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict, repr=False,
                                                     compare=False)

    def __post_init__(self) -> None:
        for name in ("rsquared", "diagnostics", "info"):
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        for frame in (self.params, self.cov):
            values = frame.to_numpy()
            if values.flags.writeable and values.base is None:
                values.flags.writeable = False
        _warn_nan_variances(self.cov, self.vcov_type)

    # ------------------------------------------------------------------ inference
    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors: square roots of the diagonal of ``cov``."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index,
                         name="std_error")

    @cached_property
    def tstats(self) -> pd.Series:
        """``params / std_errors``."""
        return (self.params / self.std_errors).rename("statistic")

    @property
    def uses_t(self) -> bool:
        """Inference uses the t distribution (``df_resid`` set) rather than the normal."""
        return self.df_resid is not None or self.df_params is not None

    @property
    def _t_df(self) -> float | np.ndarray:
        """Degrees of freedom of each t test: ``df_params`` if set, else ``df_resid``."""
        if self.df_params is not None:
            return self.df_params.reindex(self.params.index).to_numpy(dtype=float)
        return float(self.df_resid)  # type: ignore[arg-type]

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (t with ``df_resid`` if set, else normal)."""
        t = np.abs(self.tstats.to_numpy())
        p = 2 * (stats.t.sf(t, self._t_df) if self.uses_t else stats.norm.sf(t))
        return pd.Series(p, index=self.params.index, name="p_value")

    @property
    def rsquared_adj(self) -> float | None:
        r"""Adjusted R-squared of the estimated regression, as R plm's ``summary``.

        .. math:: \bar R^2 = 1 - (1 - R^2)\frac{n - 1}{\nu}

        with :math:`R^2` = ``rsquared["r2"]`` (``["within"]`` for FE) and :math:`\nu` =
        ``df_resid`` (absorbed effects included).  ``None`` when either is undefined.
        """
        r2 = self.rsquared.get("r2", self.rsquared.get("within"))
        if r2 is None or self.df_resid is None or self.df_resid <= 0:
            return None
        return float(1 - (1 - r2) * (self.nobs - 1) / self.df_resid)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals at ``level`` (columns ``lower``, ``upper``)."""
        if not 0 < level < 1:
            raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level}.")
        q = 0.5 + level / 2
        crit = stats.t.ppf(q, self._t_df) if self.uses_t else stats.norm.ppf(q)
        half = crit * self.std_errors
        return pd.DataFrame({"lower": self.params - half, "upper": self.params + half})

    def with_vcov(self, vcov: str, **options: Any) -> Result:
        """Return a new Result with another covariance estimator; this one is unchanged.

        Parameters
        ----------
        vcov : str
            Name of the covariance estimator (see the model's documentation).
        **options
            Its options (e.g. ``cluster="province"``, ``bandwidth=3``).
        """
        if self._revcov is None:
            raise SpecificationError(
                f"Model '{self.model}' offers no alternative covariance here: either the model "
                "has none, or this Result was restored from a pickle, which keeps the numbers "
                "but not the model and data. Refit with the covariance you want "
                f"(fit(..., vcov='{vcov}'))."
            )
        return self._revcov(vcov, **options)

    def diagnose(self, *tests: str, **options: Any) -> Result:
        """Return a new Result with panel diagnostics added (see :mod:`stfi_models.diagnostics`).

        ``res.diagnose("cd", "lm")`` adds the Pesaran CD and Breusch-Pagan LM tests of
        cross-sectional dependence under those names; this Result is unchanged.
        """
        return borrowed("Result.diagnose")(self, *tests, **options)

    def wald_test(self, hypothesis: str | list[str]) -> TestResult:
        r"""Wald test of linear restrictions written as text, e.g. ``"STFI = 0, x = z"``.

        .. math:: W = (R\hateta - q)^\prime (R\hat V R^\prime)^{-1} (R\hateta - q)

        under this Result's covariance; reported as F(J, df_resid) = W/J when the model has
        residual degrees of freedom, else as chi2(J).  After ``vcov="CR0"`` ... ``"CR3"``
        it is clubSandwich's HTZ test (``Wald_test(test = "HTZ")``), an F with estimated
        denominator df.  Parsing never evaluates code
        (:func:`stfi_models.inference.hypothesis.parse_restrictions`).

        Raises
        ------
        SpecificationError
            Malformed text, an unknown coefficient (with a suggestion), a non-linear or
            redundant restriction.
        """
        from stfi_models.inference.hypothesis import parse_restrictions, wald_statistic

        restr = parse_restrictions(hypothesis, [str(n) for n in self.params.index])
        params, cov = self.params.to_numpy(), self.cov.to_numpy()
        htz = self._hooks.get("htz")
        null = "; ".join(restr.text)
        if htz is None:
            stat, p, dist, df = wald_statistic(restr, params, cov, self.df_resid)
            return TestResult(stat, p, df, name=f"Wald test ({restr.n} restrictions)",
                              dist=dist, null=null)
        eta, j = htz(restr.matrix), restr.n
        w, *_ = wald_statistic(restr, params, cov, None)
        stat = (eta - j + 1) / (eta * j) * w
        return TestResult(float(stat), float(stats.f.sf(stat, j, eta - j + 1)),
                          (float(j), float(eta - j + 1)), name="Wald test (HTZ)", dist="F",
                          null=null)

    def wild_bootstrap(self, hypothesis: str | list[str], **options: Any) -> Any:
        """Wild cluster bootstrap test of ``hypothesis`` (``WildBootstrap`` result).

        See :func:`stfi_models.inference.wild.wild_bootstrap` for the options
        (``draws``, ``weights``, ``scheme``, ``cluster``, ``seed``, ``n_jobs``, ...).
        """
        return self._hook("wild_bootstrap", "the wild cluster bootstrap")(self, hypothesis,
                                                                          **options)

    def predict(self, newdata: pd.DataFrame | None = None) -> pd.Series:
        """Predictions x'b on ``newdata`` (the estimation sample when omitted).

        See the model's documentation for what absorbed effects contribute.
        """
        return self._hook("predict", "predict()")(newdata)

    def _hook(self, name: str, what: str) -> Callable[..., Any]:
        hook = self._hooks.get(name)
        if hook is None:
            raise SpecificationError(
                f"{what} is not available for model '{self.model}' (static models 'pooled', "
                "'fe', 're', 'fd' offer it), nor on a Result restored from a pickle, which "
                "keeps the numbers but not the model and data: refit to use it."
            )
        return hook

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the numbers and not the model: the fitted model and its data stay behind.

        A restored Result has every estimate, statistic and table; what needs the model
        (``vcov()``, ``predict()``, ``wild_bootstrap()``, the HTZ form of ``wald_test``) asks
        for a refit.
        """
        return reduce_by_value(self, (f.name for f in dataclasses.fields(self) if f.init),
                               ("rsquared", "diagnostics", "info"),
                               cleared={"_revcov": None, "_hooks": {}})

    def replace(self, **changes: Any) -> Result:
        """Return a copy with some fields changed (cached statistics are recomputed)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ dynamics
    def irf(self, *args: Any, **kwargs: Any) -> Any:
        """Impulse responses: only dynamic models have them."""
        raise SpecificationError(
            f"irf() needs a dynamic model; this is a static '{self.model}' model. Impulse "
            "responses exist for model='pvar' (panel VAR) and for the dynamic panel GMM "
            "models ('diff-gmm', 'sys-gmm'; dynamic multipliers)."
        )

    def fevd(self, *args: Any, **kwargs: Any) -> Any:
        """Variance decompositions: only panel VARs have them."""
        raise SpecificationError(
            f"fevd() needs a panel VAR (model='pvar'); this is a '{self.model}' model."
        )

    # ------------------------------------------------------------------ output
    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per coefficient with fixed columns (:data:`TIDY_COLUMNS`)."""
        ci = self.conf_int(level)
        frame = pd.DataFrame(
            {
                "estimate": self.params.to_numpy(),
                "std_error": self.std_errors.to_numpy(),
                "statistic": self.tstats.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "conf_low": ci["lower"].to_numpy(),
                "conf_high": ci["upper"].to_numpy(),
            }
        )
        index = self.params.index
        if isinstance(index, pd.MultiIndex):
            frame.insert(0, "term", index.get_level_values(-1))
            frame.insert(0, "equation", index.get_level_values(0))
        else:
            frame.insert(0, "term", list(index))
        return frame

    def summary(self) -> Summary:
        """Return the printed summary (``as_text()``, ``as_html()``, ``as_latex()``).

        Models add header facts and footer lines through ``info`` (``summary_header`` /
        ``summary_footer``) without subclassing.
        """
        header: list[tuple[str, str]] = [
            ("Dep. variable", self.dependent),
            ("Model", self.model),
            ("Formula", self.formula),
            ("No. observations", str(self.nobs)),
            ("Entities", str(self.n_entities)),
        ]
        if self.balance is not None:
            b = self.balance
            header.append(("T min/mean/max", f"{b.t_min}/{b.t_mean:.2f}/{b.t_max}"))
        for key, value in self.rsquared.items():
            header.append((f"R-squared ({key})" if key != "r2" else "R-squared", _fmt(value)))
        if self.rsquared_adj is not None:
            header.append(("Adj. R-squared", _fmt(self.rsquared_adj)))
        header.extend((k, str(v)) for k, v in self.info.get("summary_header", ()))
        ci = self.conf_int()
        stat = "t" if self.uses_t else "z"
        table = pd.DataFrame(
            {
                "coef": self.params,
                "std err": self.std_errors,
                stat: self.tstats,
                f"P>|{stat}|": self.pvalues,
                "[0.025": ci["lower"],
                "0.975]": ci["upper"],
            }
        )
        if isinstance(table.index, pd.MultiIndex):
            table.index = [f"{eq}: {term}" for eq, term in table.index]
        footer = [str(test) for test in self.diagnostics.values()]
        footer.append(
            f"Std. errors: {self.vcov_type}" + (f"; {self.vcov_note}" if self.vcov_note else "")
        )
        footer.extend(self.info.get("summary_footer", ()))
        if self.dropped is not None and self.dropped.n:
            footer.append(f"Dropped: {self.dropped}")
        title = self.title or f"{self.model} estimation results"
        return Summary(title, tuple(header), table, tuple(footer))

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (
            f"<Result {self.model}: {self.formula!r}, nobs={self.nobs}, "
            f"entities={self.n_entities}, vcov={self.vcov_type!r}>"
        )

