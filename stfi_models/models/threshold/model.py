r"""Hansen's (1999) fixed-effects panel threshold regression.

.. math::

    y_{it} = \mu_i + x_{it}^\prime \beta + \sum_{j=1}^{m+1} z_{it}^\prime \delta_j\,
    I(\gamma_{j-1} < q_{it} \le \gamma_j) + e_{it}, \qquad m = 1, 2, 3,

estimated by least squares after the within transformation, the thresholds found one at a
time over a grid of the threshold variable (:mod:`.sequential`), the number of thresholds
tested by Hansen's fixed-regressor bootstrap (:mod:`.bootstrap`), and each threshold given
an LR confidence interval (:mod:`.lr`).  Written in a formula as
``y ~ x1 + x2 + regimes(z, by=q) | id`` with ``model="threshold"``.

Two conventions (``convention=``):

``"standard"`` (default)
    All rows after the within transformation, lower regime :math:`q \le \gamma` (the paper's
    notation and xthreg's ``irecode``), grid at ``grid`` quantiles of :math:`q` between
    ``trim`` and ``1 - trim``, regimes keeping a share ``trim`` in later stages.
``"hansen"``
    Hansen's GAUSS program ``THRESH_P.PRG``: each entity's last row deleted after demeaning,
    lower regime :math:`q < \gamma`, his grid ``dd[floor(sq * rows(dd))]`` over the distinct
    values with ``qn = grid``, and his exclusion of ``qn * trim`` grid positions around fixed
    thresholds.  ``grid=400, trim=(0.01, 0.01, 0.05)`` reproduces his ``thresh.out``.

Period effects (``| id + year`` or ``C(year)``) are swept out too with the standard
convention (two-way within transformation of the balanced panel; Hansen's program has none).
In both, :math:`\hat\sigma^2 = S/(n(T-1))` (Hansen's eq. 9) in F and LR statistics; Stata's
xthreg prints MSE = RSS/(NT - T), so its F statistics are ours times (NT - T)/(n(T-1)).
Standard errors of the slopes treat the thresholds as known (Hansen 1999, sec. 3.3):
``vcov="unadjusted"`` divides by ``n_rows - N - k`` (Hansen's program), ``"robust"`` and
``"cluster"`` come from :mod:`stfi_models.models.covariance`.

References
----------
Hansen, B. E. (1999). Threshold effects in non-dynamic panels: Estimation, testing, and
inference. *Journal of Econometrics* 93(2), 345-368.
Wang, Q. (2015). Fixed-effect panel threshold model using Stata. *Stata Journal* 15(1),
121-134.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice, check_kwargs
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models.base import PanelModel
from stfi_models.models.covariance import Regression, VcovChoice, compute_vcov, resolve_vcov
from stfi_models.models.threshold.bootstrap import BootstrapTest, bootstrap_test
from stfi_models.models.threshold.data import ThresholdData, check_identified, threshold_data
from stfi_models.models.threshold.grid import base_grid, keep_shares
from stfi_models.models.threshold.lr import critical_value, lr_curve
from stfi_models.models.threshold.problem import ThresholdProblem
from stfi_models.models.threshold.results import (
    ThresholdResult,
    nan_tests,
    regime_labels,
    tests_frame,
)
from stfi_models.models.threshold.sequential import GridRule, Stage, estimate_stages
from stfi_models.models.threshold.transform import Within
from stfi_models.panel import PanelData
from stfi_models.resample import Resampling

__all__ = ["PanelThreshold", "CONVENTIONS", "MAX_GRID"]

CONVENTIONS = ("standard", "hansen")
#: Largest grid accepted (a typo must not ask for millions of regressions).
MAX_GRID = 100_000
_VCOV_TYPES = ("unadjusted", "robust", "cluster")
_VCOV_OPTIONS = ("cluster", "df_adjust", "group_debias")
_STAGE_NAMES = {1: "single", 2: "double", 3: "triple"}


def _trims(trim: Any, n: int) -> tuple[float, ...]:
    values = list(trim) if isinstance(trim, Sequence) and not isinstance(trim, str) else [trim]
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise SpecificationError(
            f"trim= gives {len(values)} values for thresholds={n}: give one trim, or one per "
            "threshold (e.g. trim=(0.01, 0.01, 0.05) as xthreg's trim(0.01 0.01 0.05))."
        )
    for t in values:
        if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t < 0.5:
            raise SpecificationError(
                f"trim={t!r} must be a share strictly between 0 and 0.5 (e.g. 0.01, 0.05): it "
                "is the fraction of observations each regime must keep."
            )
    return tuple(float(t) for t in values)


def _candidate_values(grid: Any, convention: str) -> np.ndarray | None:
    """``None`` for a number of quantiles; the sorted candidates for explicit values."""
    if isinstance(grid, int | np.integer) and not isinstance(grid, bool):
        if not 10 <= grid <= MAX_GRID:
            raise SpecificationError(
                f"grid={grid!r} must be a whole number of quantiles between 10 and "
                f"{MAX_GRID:,} (xthreg's default is 300, Hansen used 400), or a list of "
                "candidate thresholds.")
        return None
    try:
        values = np.unique(np.asarray(grid, dtype=float))
    except (TypeError, ValueError):
        values = np.array([np.nan])
    if values.ndim != 1 or not 1 <= values.size <= MAX_GRID or not np.isfinite(values).all():
        raise SpecificationError(
            f"grid= must be a number of quantiles (e.g. 300) or a list of 1 to {MAX_GRID:,} "
            f"finite candidate thresholds; got {grid!r:.80}.")
    if convention == "hansen":
        raise SpecificationError(
            "convention='hansen' builds Hansen's own grid from a number of quantiles; give "
            "grid=400 (say), or use convention='standard' with explicit candidates.")
    return values


class PanelThreshold(PanelModel):
    """Fixed-effects panel threshold regression (Hansen 1999); see the module docstring.

    Parameters
    ----------
    spec : FormulaSpec
        ``y ~ controls + regimes(z1, ..., by=q) | entity``.
    panel : PanelData
        A balanced panel (after dropping rows with missing values).
    thresholds : {1, 2, 3}
        Number of thresholds; the tests of 0 vs 1, ..., m-1 vs m are all reported.
    trim : float or sequence of float
        Share of observations each regime keeps, one value or one per threshold.
    grid : int or sequence of float
        Number of quantiles of the threshold variable searched (Hansen's ``qn``; xthreg's
        ``grid()``, default 300), or explicit candidate thresholds (standard convention;
        values leaving a regime less than a share ``trim`` are dropped).
    convention : {"standard", "hansen"}
        See the module docstring.

    Examples
    --------
    >>> import stfi_models as sm
    >>> d = sm.load_china_provinces()
    >>> res = sm.fit("np.log(patent_grant_total) ~ regimes(np.log(rd_exp_total), "
    ...              "by=gdp_per_capita) | prov_code", d.query("year <= 2022"),
    ...              entity="prov_code", time="year", model="threshold", bootstrap=50,
    ...              seed=1)  # doctest: +SKIP
    """

    name = "threshold"
    title = "Panel threshold regression (Hansen 1999)"

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, thresholds: int = 1,
                 trim: float | Sequence[float] = 0.01, grid: int | Sequence[float] = 300,
                 convention: str = "standard") -> None:
        super().__init__(spec, panel)
        if spec.is_system or spec.instruments or spec.extra_parts:
            raise SpecificationError(
                "model='threshold' takes one dependent variable and no instrument part; "
                f"write 'y ~ x + regimes(z, by=q) | {panel.entity}'.")
        if isinstance(thresholds, bool) or thresholds not in (1, 2, 3):
            raise SpecificationError(
                f"thresholds={thresholds!r}: Hansen's sequential procedure estimates 1, 2 or 3 "
                "thresholds.")
        self.convention = check_choice("convention", convention, CONVENTIONS)
        self.trims = _trims(trim, thresholds)
        values = _candidate_values(grid, self.convention)
        self.n_thresholds = int(thresholds)
        self.grid = int(grid) if values is None else int(values.size)
        self.data: ThresholdData = threshold_data(spec, panel)
        d = self.data
        hansen = self.convention == "hansen"
        if hansen and d.time_effects:
            raise SpecificationError(
                "convention='hansen' follows Hansen's program, which has no period effects; "
                f"use convention='standard' with '| {panel.entity} + {panel.time}', or drop "
                "the period effects.")
        within = Within(d.entity, drop_last=hansen,
                        time=d.time if d.time_effects else None)
        self.problem = ThresholdProblem(within, within.apply(d.y), within.apply(d.x), d.z,
                                        d.q, strict=hansen)
        check_identified(d, np.column_stack([self.problem.x, within.apply(d.z)]))
        gamma = (base_grid(d.q, self.trims[0], self.grid, self.convention) if values is None
                 else keep_shares(values, d.q, (), self.trims[0], strict=hansen))
        if gamma.size == 0:
            raise SpecificationError(
                f"None of the grid= values leaves both regimes a share trim={self.trims[0]:g} "
                f"of the observations of '{d.q_name}' (range {d.q.min():g} to {d.q.max():g}).")
        self.rule = GridRule(gamma, self.trims, self.grid, self.convention)

    @cached_property
    def stages(self) -> tuple[float, tuple[Stage, ...]]:
        """``(S_0, stages)``: the sequential estimates (computed once)."""
        return estimate_stages(self.problem, self.rule, self.n_thresholds)

    # ------------------------------------------------------------------ fit
    def fit(self, *, bootstrap: int = 300, seed: Any = None, n_jobs: int = 1,
            backend: str = "loky", progress: bool | None = None, level: float = 0.95,
            vcov: str = "unadjusted", cluster: str | None = None,
            df_adjust: str | None = None, group_debias: bool | None = None) -> ThresholdResult:
        """Estimate, test and return a :class:`ThresholdResult`.

        Parameters
        ----------
        bootstrap : int
            Draws of the fixed-regressor bootstrap for each F test (0: none, p-values NaN).
        seed, n_jobs, backend, progress
            Resampling options (:mod:`stfi_models.resample`); the same seed gives the same
            statistics for any ``n_jobs`` and backend.
        level : float
            Level of the LR confidence intervals of the thresholds.
        vcov : {"unadjusted", "robust", "cluster"}
            Covariance of the slopes (thresholds taken as known).
        cluster, df_adjust, group_debias
            As in :func:`stfi_models.models.covariance.resolve_vcov`.
        """
        critical_value(level)
        choice = self._vcov(vcov, cluster=cluster, df_adjust=df_adjust,
                            group_debias=group_debias)
        if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) \
                or bootstrap < 0:
            raise SpecificationError(
                f"bootstrap must be a non-negative number of draws (e.g. 300), got {bootstrap!r}.")
        options = (Resampling.of(bootstrap, seed, n_jobs, backend, progress, what="bootstrap")
                   if bootstrap else None)
        tests = self._tests(options)
        return self._result(choice, tests, level, options)

    def _vcov(self, vcov: str, **options: Any) -> VcovChoice:
        check_choice("vcov", vcov, _VCOV_TYPES)
        return resolve_vcov(vcov, **options)

    def _tests(self, options: Resampling | None) -> list[BootstrapTest | None]:
        _, stages = self.stages
        if options is None:
            return [None] * len(stages)
        root = options.seed
        out = []
        for stage in stages:
            child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, stage.k),
                                           pool_size=root.pool_size)
            resid = self.problem.ols(stage.thresholds)[1]
            out.append(bootstrap_test(
                stage.fstat, stage.new.searcher, resid, self.problem.transform.n_entities,
                self.problem.transform.df_sigma, dataclasses.replace(options, seed=child),
                desc=f"threshold bootstrap ({_STAGE_NAMES[stage.k]})"))
        return out

    # ------------------------------------------------------------------ result
    def _revcov(self, tests: list[BootstrapTest | None], level: float,
                options: Resampling | None, vcov: str, **kwargs: Any) -> ThresholdResult:
        check_kwargs("with_vcov", kwargs, _VCOV_OPTIONS)
        return self._result(self._vcov(vcov, **kwargs), tests, level, options)

    def _curves(self, stages: tuple[Stage, ...]) -> dict[str, pd.Series]:
        found = {}
        for stage in stages:
            for search in stage.searches:
                found[search.estimate] = search
        final = stages[-1].thresholds
        df_sigma = self.problem.transform.df_sigma
        return {f"gamma{j + 1}": lr_curve(found[g].gamma, found[g].ssr, df_sigma)
                for j, g in enumerate(final)}

    def _result(self, choice: VcovChoice, tests: list[BootstrapTest | None], level: float,
                options: Resampling | None) -> ThresholdResult:
        ssr0, stages = self.stages
        d, problem = self.data, self.problem
        final = stages[-1].thresholds
        coef, resid, design = problem.ols(final)
        keep = problem.transform.keep
        labels = regime_labels(d.q_name, final, problem.strict)
        names = d.x_names + [f"{z} [{lab}]" for z in d.z_names for lab in labels]
        index = d.index[keep]
        reg = Regression(x=design, resid=resid, entity=d.entity[keep], time=d.time[keep],
                         index=index, n_absorbed=problem.transform.n_absorbed)
        frame = self.panel.frame.set_index([self.panel.entity, self.panel.time])
        computed = compute_vcov(choice, reg, frame, (self.panel.entity, self.panel.time))
        cov, vcov_type, note = computed.cov, computed.name, computed.note
        rows = []
        for stage, test in zip(stages, tests, strict=True):
            boot = nan_tests(stage.fstat) if test is None else {
                "fstat": stage.fstat, "pvalue": test.pvalue, "mc_se": test.mc_se,
                **test.critical_values(), "draws": int(test.draws.size)}
            rows.append({"k": stage.k, "estimates": ", ".join(f"{g:.6g}" for g in
                                                              stage.thresholds),
                         "ssr": stage.ssr, "ssr_null": stage.ssr_null, **boot})
        table = tests_frame(rows)
        curves = self._curves(stages)
        y = problem.y
        fitted = y - resid
        param_index = pd.Index(names)
        crit = critical_value(level)
        header = [("Threshold variable", d.q_name), ("Convention", self.convention),
                  ("Grid / trim", f"{self.rule.gamma.size} points / "
                   + ", ".join(f"{t:g}" for t in self.trims))]
        header += [(f"gamma{j + 1}", f"{g:.6g}") for j, g in enumerate(final)]
        seed = "" if options is None else f", seed {options.seed.entropy}"
        footer = [f"F{r.Index} ({r.Index - 1} vs {r.Index} thresholds) = {r.fstat:.4f}, "
                  f"bootstrap p = {r.pvalue:.4f} ({r.draws} draws{seed})"
                  for r in table.itertuples()]
        footer.append(f"LR confidence sets at {100 * level:g}%: LR < {crit:.4f}.")
        return ThresholdResult(
            params=pd.Series(coef, index=param_index, name="params"),
            cov=pd.DataFrame(cov, index=param_index, columns=param_index),
            model=self.name,
            formula=self.spec.text,
            dependent=str(d.design.y.columns[0]),
            nobs=int(y.size),
            n_entities=problem.transform.n_entities,
            df_resid=float(reg.df_resid),
            vcov_type=vcov_type,
            vcov_note=note,
            resid=pd.Series(resid, index=index, name="resid"),
            fitted=pd.Series(fitted, index=index, name="fitted"),
            rsquared={"within": float(1 - resid @ resid / (y @ y))},
            dropped=d.design.dropped,
            balance=PanelData(d.index.to_frame(index=False), self.panel.entity,
                              self.panel.time).balance,
            info={
                "thresholds": final, "threshold_name": d.q_name, "threshold_tests": table,
                "lr_curves": curves, "level": level, "ssr0": ssr0,
                "sigma2": stages[-1].ssr / problem.transform.df_sigma,
                "df_sigma": problem.transform.df_sigma, "convention": self.convention,
                "grid": self.rule.gamma, "trim": self.trims,
                "effects": ("entity", "time") if d.time_effects else ("entity",),
                "bootstrap": None if options is None else {
                    "draws": options.draws, "seed_entropy": options.seed.entropy},
                "summary_header": tuple(header), "summary_footer": tuple(footer),
            },
            title=self.title,
            _revcov=partial(self._revcov, tests, level, options),
        )
