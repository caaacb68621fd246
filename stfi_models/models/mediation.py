r"""Mediation analysis on panels: Baron-Kenny steps, Sobel-type tests, cluster bootstrap.

The chain treatment :math:`X` -> mediator :math:`M` -> outcome :math:`Y` is estimated with the
*same* panel estimator (:func:`stfi_models.fit`) in three steps on one common sample:

.. math::

    Y_{it} &= c\,X_{it} + W_{it}'\delta_1 + \text{effects} + e_{1,it}
        \quad\text{(total effect } c\text{)}, \\
    M_{j,it} &= a_j\,X_{it} + W_{it}'\delta_{2j} + \text{effects} + e_{2j,it}
        \quad\text{(a paths)}, \\
    Y_{it} &= c'\,X_{it} + \textstyle\sum_j b_j M_{j,it} + W_{it}'\delta_3 + \text{effects}
        + e_{3,it} \quad\text{(direct effect } c'\text{ and b paths)}.

The indirect effect through :math:`M_j` is :math:`a_j b_j`; for least squares (pooled OLS or
the within estimator) on a common sample the decomposition :math:`c = c' + \sum_j a_j b_j`
holds exactly (the omitted-variable formula).  Several treatments enter every equation
jointly, so each path of a treatment holds the other treatments fixed.

Inference on :math:`a b`:

* Sobel (1982): :math:`\mathrm{se} = \sqrt{b^2 s_a^2 + a^2 s_b^2}`; Aroian (1947) adds
  :math:`s_a^2 s_b^2` under the root, Goodman (1960) subtracts it; :math:`z = ab/\mathrm{se}`
  with a two-sided normal p-value.  :math:`s_a, s_b` come from the steps' covariance
  (``vcov=``), so they are cluster-robust when asked.
* Bootstrap (Efron & Tibshirani 1993, ch. 13-14): whole entities are resampled with
  replacement (the cluster bootstrap, Cameron, Gelbach & Miller 2008); a drawn entity enters
  as a new entity, so its fixed effect is re-estimated.  Percentile intervals take the
  :math:`\alpha/2` and :math:`1-\alpha/2` quantiles of the draws; bias-corrected (BC)
  intervals take the quantiles :math:`\Phi(2 z_0 \pm z_{1-\alpha/2})` with
  :math:`z_0 = \Phi^{-1}(\#\{\hat\theta^* < \hat\theta\}/B)` (Efron 1981; MacKinnon,
  Lockwood & Williams 2004 recommend BC for indirect effects).  Quantiles interpolate
  linearly (R's type 7, numpy's default).  Without panel keys each row is its own entity
  (ordinary case resampling, as pingouin's ``mediation_analysis``).

References
----------
Baron, R. M. & Kenny, D. A. (1986). J. Pers. Soc. Psychol. 51(6), 1173-1182.
Sobel, M. E. (1982). Sociological Methodology 13, 290-312.
Aroian, L. A. (1947). Ann. Math. Statist. 18(2), 265-271.
Goodman, L. A. (1960). J. Amer. Statist. Assoc. 55(292), 708-713.
Efron, B. (1981). Canadian Journal of Statistics 9(2), 139-158.
MacKinnon, D. P., Lockwood, C. M. & Williams, J. (2004). Multivariate Behav. Res. 39(1), 99-128.
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Rev. Econ. Stat. 90(3), 414-427.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from stfi_models.api import fit
from stfi_models.exceptions import (
    EstimationError,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
    StfiError,
    check_choice,
    check_kwargs,
    did_you_mean,
)
from stfi_models.formula.design import Design, Dropped, build_design
from stfi_models.formula.grammar import parse_formula
from stfi_models.models.base import model_class, model_keywords
from stfi_models.panel import PanelData
from stfi_models.results.result import Result, TestResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from stfi_models.results.summary import Summary

__all__ = ["mediate", "MediationResult", "sobel_tests", "CI_METHODS", "MIN_CLUSTERS"]

#: Bootstrap interval methods: bias-corrected and percentile.
CI_METHODS = ("bc", "percentile")
#: Below this many entities a cluster bootstrap triggers a :class:`SpecificationWarning`
#: (Cameron, Gelbach & Miller 2008 find cluster-based inference unreliable with few clusters).
MIN_CLUSTERS = 30
#: Path labels of :attr:`MediationResult.params` (first index level).
PATHS = ("c", "c'", "a", "b", "indirect", "proportion", "total indirect", "total proportion")
_CROSS_SECTION_KEYS = ("_obs", "_period")
#: Column holding a step's dependent variable restricted to the common sample.
_MASKED = "_mediate_common_sample_dependent"


# ---------------------------------------------------------------------------- specification
@dataclass(frozen=True)
class _Setup:
    """Roles, formulas and estimator options shared by every step and every replicate."""

    treatments: tuple[str, ...]
    mediators: tuple[str, ...]
    outcome: str
    extra: str
    entity: str
    time: str
    model: str | None
    fit_options: Mapping[str, Any]

    def formula(self, lhs: str, *regressors: str) -> str:
        rhs = " + ".join(_term(r) for r in regressors)
        return f"{_term(lhs)} ~ {rhs}{self.extra}"

    @property
    def total_formula(self) -> str:
        return self.formula(self.outcome, *self.treatments)

    def mediator_formula(self, mediator: str) -> str:
        return self.formula(mediator, *self.treatments)

    @property
    def direct_formula(self) -> str:
        return self.formula(self.outcome, *self.treatments, *self.mediators)


def _term(name: str) -> str:
    return name if name.isidentifier() else f"Q({name!r})"


def _as_names(value: str | Sequence[str], role: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(n, str) for n in names):
        raise SpecificationError(
            f"{role} must be a column name or a list of column names, got {value!r}."
        )
    if len(set(names)) != len(names):
        raise SpecificationError(f"{role} lists a column twice: {list(names)}.")
    return names


def _check_roles(
    frame: pd.DataFrame, treatments: tuple[str, ...], mediators: tuple[str, ...], outcome: str,
    keys: tuple[str, str],
) -> None:
    for treatment in treatments:
        if treatment in mediators:
            raise SpecificationError(
                f"'{treatment}' is both a treatment and a mediator; a variable cannot mediate its "
                "own effect. Pick a different mediator (e.g. an innovation-capacity measure)."
            )
    for role, names in (("treatment", treatments), ("mediator", mediators)):
        if outcome in names:
            raise SpecificationError(
                f"The outcome '{outcome}' is also a {role}; give three different columns."
            )
    roles = [("treatment", n) for n in treatments] + [("mediator", n) for n in mediators]
    roles.append(("outcome", outcome))
    for role, name in roles:
        if name in keys:
            raise SpecificationError(
                f"{role}={name!r} is a panel key column; choose a variable column."
            )
        if name not in frame.columns:
            raise SpecificationError(
                f"{role}={name!r} is not a column of the data."
                f"{did_you_mean(name, map(str, frame.columns))} Create it first (e.g. "
                "df['log_patents'] = np.log(df['patents']))."
            )
        series = frame[name]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            raise SpecificationError(
                f"{role} column '{name}' is not numeric (dtype {series.dtype}); mediation needs "
                f"numbers. Convert it, e.g. df['{name}'] = pd.to_numeric(df['{name}']) or "
                f"df['{name}'].astype(float)."
            )


def _extra_terms(
    controls: str | None, effects: str | None, roles: set[str], keys: tuple[str, str]
) -> str:
    """`` + controls + effects`` as formula text; refuse roles used as bare controls.

    ``effects`` may also be ``"entity"``, ``"time"`` or ``"twoways"`` (the names of the FE
    model's ``effects=`` option), meaning ``C(<entity>)``, ``C(<time>)`` or both.
    """
    named = {"entity": (keys[0],), "time": (keys[1],), "twoways": keys}
    if isinstance(effects, str) and effects.strip() in named:
        effects = " + ".join(f"C({_term(k)})" for k in named[effects.strip()])
    extra = ""
    for option, text in (("controls", controls), ("effects", effects)):
        if text is None or not str(text).strip():
            continue
        if not isinstance(text, str) or "~" in text or "|" in text:
            raise SpecificationError(
                f"{option} must be right-hand-side formula terms such as 'x1 + np.log(x2)', "
                f"got {text!r}."
            )
        spec = parse_formula(f"_lhs ~ {text}")
        bare = [t.text for t in spec.rhs if t.text.strip() in roles]
        if bare:
            raise SpecificationError(
                f"{option} contains {bare}, which already has a role (treatment, mediator or "
                "outcome) in the mediation model; remove it from the controls."
            )
        extra += f" + {text}"
    return extra


def _resolve_seed(seed: Any) -> np.random.Generator | np.random.RandomState:
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    if seed is None or isinstance(seed, int | np.integer | np.random.SeedSequence):
        return np.random.default_rng(seed)
    raise SpecificationError(
        f"seed must be an int, None, a numpy Generator or RandomState, got {type(seed).__name__}."
    )


def _draw_entities(
    rng: np.random.Generator | np.random.RandomState, draws: int, n: int
) -> np.ndarray:
    """``(draws, n)`` entity codes drawn with replacement, all up front (so results do not
    depend on ``n_jobs``).  A ``RandomState`` draws with ``randint`` (the stream of
    ``RandomState.choice``), a ``Generator`` with ``integers``."""
    if isinstance(rng, np.random.RandomState):
        return rng.randint(0, n, size=(draws, n))
    return rng.integers(0, n, size=(draws, n))


# ---------------------------------------------------------------------------- the steps
@dataclass(frozen=True)
class _Steps:
    total: Result
    mediator_models: dict[str, Result]
    direct: Result
    design: Design


def _fit_steps(setup: _Setup, frame: pd.DataFrame) -> _Steps:
    """Fit the Baron-Kenny steps with :func:`fit` on the common sample of ``frame``.

    The common sample is the estimation sample of the widest step (outcome on treatments,
    mediators and controls).  A narrower step whose own sample is larger is given its
    dependent variable as a copy set missing outside the common sample (the original column
    stays intact, so lags of it on the right-hand side are unaffected); its Result is then
    relabelled with the real dependent variable, formula and the common sample's drop count.
    """
    panel = PanelData(frame, setup.entity, setup.time)
    design = build_design(parse_formula(setup.direct_formula), panel, warn=False)
    outside = np.ones(len(panel.frame), dtype=bool)
    outside[design.rows] = False
    work = panel.frame

    def run(dependent: str, *regressors: str) -> Result:
        formula = setup.formula(dependent, *regressors)
        data, lhs = work, dependent
        if (outside & work[dependent].notna().to_numpy()).any():
            lhs = _MASKED
            data = work.assign(**{_MASKED: work[dependent].where(~outside)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingValueWarning)
            res = fit(setup.formula(lhs, *regressors), data, entity=setup.entity,
                      time=setup.time, model=setup.model, **setup.fit_options)
        return res.replace(formula=formula, dependent=dependent, dropped=design.dropped)

    total = run(setup.outcome, *setup.treatments)
    mediator_models = {m: run(m, *setup.treatments) for m in setup.mediators}
    direct = run(setup.outcome, *setup.treatments, *setup.mediators)
    for res in (total, *mediator_models.values()):
        if res.nobs != direct.nobs:
            raise EstimationError(
                f"The mediation steps used different samples ({res.nobs} vs {direct.nobs} rows; "
                f"'{res.formula}'). Remove rows with missing values before calling mediate()."
            )
    return _Steps(total, mediator_models, direct, design)


def _labels(treatments: tuple[str, ...], mediators: tuple[str, ...]) -> pd.MultiIndex:
    rows: list[tuple[str, str, str]] = []
    for x in treatments:
        rows += [("c", x, ""), ("c'", x, "")]
    for m in mediators:
        rows += [("a", x, m) for x in treatments]
        rows.append(("b", "", m))
    for m in mediators:
        rows += [("indirect", x, m) for x in treatments]
        rows += [("proportion", x, m) for x in treatments]
    if len(mediators) > 1:
        rows += [("total indirect", x, "") for x in treatments]
        rows += [("total proportion", x, "") for x in treatments]
    return pd.MultiIndex.from_tuples(rows, names=["path", "treatment", "mediator"])


def _path_vector(c: np.ndarray, cprime: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All paths in the order of :func:`_labels`; ``a`` is ``(mediators, treatments)``."""
    ab = a * b[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = ab / c[None, :]
        parts = [np.column_stack([c, cprime]).ravel()]
        for j in range(a.shape[0]):
            parts += [a[j], b[j : j + 1]]
        for j in range(a.shape[0]):
            parts += [ab[j], share[j]]
        if a.shape[0] > 1:
            total = ab.sum(axis=0)
            parts += [total, total / c]
    return np.concatenate(parts)


def _paths_of(setup: _Setup, steps: _Steps) -> np.ndarray:
    xs, ms = list(setup.treatments), list(setup.mediators)
    c = steps.total.params[xs].to_numpy(dtype=float)
    cprime = steps.direct.params[xs].to_numpy(dtype=float)
    a = np.array([steps.mediator_models[m].params[xs].to_numpy(dtype=float) for m in ms])
    b = steps.direct.params[ms].to_numpy(dtype=float)
    return _path_vector(c, cprime, a, b)


# ---------------------------------------------------------------------------- replicates
class _LinearReplicates:
    """Paths of resampled panels by least squares on the common-sample design.

    Pooled OLS and the within estimator (entity and/or time effects swept out; with both,
    entity demeaning plus time dummies, exact for unbalanced panels by Frisch-Waugh-Lovell).
    A draw whose design is rank deficient yields NaN.  :func:`mediate` checks that the
    identity draw reproduces the :func:`fit` estimates before trusting this engine.
    """

    def __init__(self, setup: _Setup, design: Design, absorbed: tuple[str, ...]) -> None:
        x = design.x
        k, j = len(setup.treatments), len(setup.mediators)
        self.absorb_entity = "entity" in absorbed
        self.absorb_time = "time" in absorbed
        roles = [*setup.treatments, *setup.mediators]
        drop = roles + (["Intercept"] if absorbed else [])
        controls = x.drop(columns=[c for c in drop if c in x.columns])
        self.data = np.column_stack(
            [design.y.iloc[:, 0].to_numpy(float), x[roles].to_numpy(float),
             controls.to_numpy(float)]
        )
        self.k, self.j = k, j
        self.size = len(_labels(setup.treatments, setup.mediators))
        entity = pd.factorize(x.index.get_level_values(0), sort=True)[0]
        self.time = pd.factorize(x.index.get_level_values(1), sort=True)[0]
        order = np.argsort(entity, kind="stable")
        self.blocks = np.split(order, np.cumsum(np.bincount(entity))[:-1])

    def __call__(self, draws: np.ndarray) -> np.ndarray:
        return np.array([self.one(d) for d in draws])

    def one(self, draw: np.ndarray) -> np.ndarray:
        rows = np.concatenate([self.blocks[g] for g in draw])
        data = self.data[rows]
        time = self.time[rows]
        if self.absorb_time and self.absorb_entity:
            present = np.unique(time)
            dummies = (time[:, None] == present[None, 1:]).astype(float)
            data = np.column_stack([data, dummies])
        if self.absorb_entity:
            lengths = np.array([self.blocks[g].size for g in draw])
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            means = np.add.reduceat(data, starts, axis=0) / lengths[:, None]
            data = data - np.repeat(means, lengths, axis=0)
        elif self.absorb_time:
            counts = np.bincount(time)
            sums = np.zeros((counts.size, data.shape[1]))
            np.add.at(sums, time, data)
            with np.errstate(invalid="ignore", divide="ignore"):
                data = data - (sums / counts[:, None])[time]
        k, j = self.k, self.j
        y, xs = data[:, 0], data[:, 1 : 1 + k]
        ms, w = data[:, 1 + k : 1 + k + j], data[:, 1 + k + j :]
        short = np.column_stack([xs, w])
        long = np.column_stack([xs, ms, w])
        coef_short, ok_short = _lstsq(short, np.column_stack([y, ms]))
        coef_long, ok_long = _lstsq(long, y[:, None])
        if not (ok_short and ok_long):
            return np.full(self.size, np.nan)
        c, a = coef_short[:k, 0], coef_short[:k, 1:].T
        cprime, b = coef_long[:k, 0], coef_long[k : k + j, 0]
        return _path_vector(c, cprime, a, b)


def _lstsq(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, bool]:
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    return coef, rank == x.shape[1]


class _RefitReplicates:
    """Paths of resampled panels by re-running :func:`fit` (any registered model; slow)."""

    def __init__(self, setup: _Setup, frame: pd.DataFrame, entities: pd.Index, size: int) -> None:
        self.setup = setup
        self.frame = frame
        self.size = size
        codes = entities.get_indexer(frame[setup.entity])
        self.blocks = [np.flatnonzero(codes == g) for g in range(len(entities))]

    def __call__(self, draws: np.ndarray) -> np.ndarray:
        out = np.full((len(draws), self.size), np.nan)
        for i, draw in enumerate(draws):
            rows = np.concatenate([self.blocks[g] for g in draw])
            sample = self.frame.iloc[rows].copy()
            lengths = [self.blocks[g].size for g in draw]
            sample[self.setup.entity] = np.repeat(np.arange(len(draw)), lengths)
            try:
                out[i] = _paths_of(self.setup, _fit_steps(self.setup, sample))
            except StfiError:
                continue
        return out


def _run_bootstrap(
    engine: Callable[[np.ndarray], np.ndarray], draws: np.ndarray, n_jobs: int,
    progress: bool | None,
) -> np.ndarray:
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    show = interactive if progress is None else bool(progress)
    n_chunks = min(len(draws), max(20, 4 * (abs(n_jobs) if n_jobs else 1)))
    chunks = np.array_split(draws, n_chunks)
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(engine)(c) for c in chunks)
    out = []
    with tqdm(total=len(draws), desc="bootstrap", disable=not show) as bar:
        for chunk, result in zip(chunks, jobs, strict=True):
            out.append(result)
            bar.update(len(chunk))
    return np.concatenate(out)


# ---------------------------------------------------------------------------- intervals
def _percentile_ci(draws: np.ndarray, level: float) -> np.ndarray:
    alpha = 1 - level
    return np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0).T


def _bc_ci(draws: np.ndarray, estimate: np.ndarray, level: float) -> np.ndarray:
    """Bias-corrected percentile interval (Efron 1981); NaN when every draw is on one side."""
    alpha = 1 - level
    out = np.full((draws.shape[1], 2), np.nan)
    for col in range(draws.shape[1]):
        z0 = special.ndtri(np.mean(draws[:, col] < estimate[col]))
        if np.isfinite(z0):
            q = special.ndtr(2 * z0 + special.ndtri([alpha / 2, 1 - alpha / 2]))
            out[col] = np.quantile(draws[:, col], q)
    return out


def _readonly(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.flags.writeable = False
    return out


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level}.")
    return float(level)


# ---------------------------------------------------------------------------- the result
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
        Default bootstrap interval: ``"bc"`` or ``"percentile"``.
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

    def __post_init__(self) -> None:
        for name in ("mediator_models", "diagnostics", "bootstrap_info", "formulas"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

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
        method : {"bc", "percentile"}, optional
            Default :attr:`ci`.
        """
        if self.draws is None:
            raise SpecificationError(
                "No bootstrap draws: call mediate(..., bootstrap=1000) to get bootstrap intervals."
            )
        level = _check_level(self.level if level is None else level)
        method = check_choice("method", self.ci if method is None else method, CI_METHODS)
        draws = self.draws.to_numpy()
        if method == "percentile":
            bounds = _percentile_ci(draws, level)
        else:
            bounds = _bc_ci(draws, self.params.to_numpy(), level)
        return pd.DataFrame(bounds, index=self.params.index, columns=["lower", "upper"])

    def compare_indirect(
        self, level: float | None = None, method: str | None = None
    ) -> pd.DataFrame:
        """Differences between indirect effects, with bootstrap standard errors and intervals.

        Every pair of indirect effects (two treatments through one mediator, e.g. market vs
        public tech finance; or one treatment through two mediators) is compared.  The
        difference is computed on each bootstrap draw, so the interval accounts for the
        correlation of the two estimates.  Compare effects on a common scale only (e.g.
        standardise the treatments first).

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
            if method == "percentile":
                low, high = _percentile_ci(diff_draws, level)[0]
            else:
                low, high = _bc_ci(diff_draws, diff, level)[0]
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
        (``ci_method`` ``"bootstrap-bc"``/``"bootstrap-percentile"``; the Sobel normal interval
        when there are no draws).  Proportions and totals carry the bootstrap standard error
        and interval (NaN without draws).
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
        """The printed summary (``as_text()``, ``as_html()``, ``as_latex()``)."""
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
        from stfi_models.results.mediation_plot import path_diagram

        return path_diagram(self, ax=ax, digits=digits)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (
            f"<MediationResult {', '.join(self.treatments)} -> {', '.join(self.mediators)} -> "
            f"{self.outcome}: model={self.model!r}, nobs={self.nobs}, entities={self.n_entities}, "
            f"draws={0 if self.draws is None else len(self.draws)}>"
        )


# ---------------------------------------------------------------------------- tests
def sobel_tests(a: float, b: float, se_a: float, se_b: float) -> pd.DataFrame:
    r"""Sobel, Aroian and Goodman tests of the indirect effect :math:`ab = 0`.

    .. math::

        \mathrm{se}_{\text{Sobel}} = \sqrt{b^2 s_a^2 + a^2 s_b^2}, \quad
        \mathrm{se}_{\text{Aroian}} = \sqrt{b^2 s_a^2 + a^2 s_b^2 + s_a^2 s_b^2}, \quad
        \mathrm{se}_{\text{Goodman}} = \sqrt{b^2 s_a^2 + a^2 s_b^2 - s_a^2 s_b^2},

    :math:`z = ab/\mathrm{se}` with a two-sided normal p-value (Sobel 1982; Aroian 1947;
    Goodman 1960).  Goodman's variance can be negative; its row is then NaN.

    Parameters
    ----------
    a, b : float
        The a path (treatment -> mediator) and b path (mediator -> outcome).
    se_a, se_b : float
        Their standard errors.

    Returns
    -------
    pandas.DataFrame
        Index ``sobel``, ``aroian``, ``goodman``; columns ``estimate`` (a b), ``std_error``,
        ``statistic`` (z) and ``p_value``.

    Examples
    --------
    >>> round(float(sobel_tests(2, 3, 0.3, 0.4).loc["sobel", "statistic"]), 5)
    4.98273
    """
    base = b**2 * se_a**2 + a**2 * se_b**2
    rows = {}
    for name, var in (("sobel", base), ("aroian", base + se_a**2 * se_b**2),
                      ("goodman", base - se_a**2 * se_b**2)):
        se = float(np.sqrt(var)) if var > 0 else np.nan
        z = a * b / se
        rows[name] = {"estimate": a * b, "std_error": se, "statistic": z,
                      "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def _indirect_tests(
    setup: _Setup, steps: _Steps
) -> tuple[pd.DataFrame, dict[tuple[str, str, str], TestResult]]:
    rows, tests = [], {}
    for m in setup.mediators:
        b, sb = steps.direct.params[m], steps.direct.std_errors[m]
        step = steps.mediator_models[m]
        for x in setup.treatments:
            table = sobel_tests(step.params[x], b, step.std_errors[x], sb)
            for name, row in table.iterrows():
                rows.append({"treatment": x, "mediator": m, "test": name, **row.to_dict()})
                tests[(name, x, m)] = TestResult(
                    stat=float(row["statistic"]), pvalue=float(row["p_value"]), df=None,
                    name=name.capitalize(), dist="normal",
                    null=f"no indirect effect of {x} on {setup.outcome} through {m} (a b = 0)",
                )
    return pd.DataFrame(rows), tests


# ---------------------------------------------------------------------------- front door
def _panel_frame(
    data: pd.DataFrame | PanelData, entity: str | None, time: str | None
) -> tuple[pd.DataFrame, str, str, bool]:
    """The data as a frame with key columns; without keys, a cross-section (row = entity)."""
    if isinstance(data, PanelData):
        panel = data
    elif entity is None and time is None and not (
        isinstance(data, pd.DataFrame) and isinstance(data.index, pd.MultiIndex)
    ):
        if not isinstance(data, pd.DataFrame):
            raise SpecificationError(
                f"data must be a pandas DataFrame, got {type(data).__name__}."
            )
        clash = [k for k in _CROSS_SECTION_KEYS if k in data.columns]
        if clash:
            raise SpecificationError(f"Columns {clash} are reserved; rename them.")
        frame = data.reset_index(drop=True).assign(
            **{_CROSS_SECTION_KEYS[0]: np.arange(len(data)), _CROSS_SECTION_KEYS[1]: 0}
        )
        return frame, *_CROSS_SECTION_KEYS, True
    else:
        panel = PanelData(data, entity, time)
    return panel.frame, panel.entity, panel.time, False


def mediate(
    treatment: str | Sequence[str],
    mediator: str | Sequence[str],
    outcome: str,
    data: pd.DataFrame | PanelData,
    *,
    controls: str | None = None,
    effects: str | None = None,
    entity: str | None = None,
    time: str | None = None,
    model: str | None = None,
    bootstrap: int = 1000,
    ci: Literal["bc", "percentile"] = "bc",
    level: float = 0.95,
    seed: int | np.random.Generator | np.random.RandomState | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    **fit_options: Any,
) -> MediationResult:
    r"""Mediation analysis X -> M -> Y on a panel, every step estimated by :func:`fit`.

    The call names the three roles by column, then reads like :func:`fit`: controls and
    effects are right-hand-side formula terms appended to every step, and the estimator
    options (``model=``, ``vcov=``, ``cluster=``, ...) go to :func:`fit` unchanged.  A single
    formula cannot hold three roles unambiguously, hence the column form (as R ``mediation``
    and pingouin).  See the module docstring for the model, the tests and the bootstrap.

    Parameters
    ----------
    treatment : str or list of str
        Treatment column(s).  Several treatments enter every step jointly (e.g. market and
        public tech finance sharing one mediator); compare them with
        :meth:`MediationResult.compare_indirect`.
    mediator : str or list of str
        Mediator column(s); several mediators are parallel (all in the outcome step).
    outcome : str
        Outcome column.
    data : pandas.DataFrame or PanelData
        The panel.  Without ``entity``/``time`` (and no MultiIndex) the data are a
        cross-section: each row is its own entity.
    controls : str, optional
        Control terms for every step, e.g. ``"urban + L(gdp_growth, 1)"``.
    effects : str, optional
        Effect terms, e.g. ``"C(province) + C(year)"`` (absorbed by ``model="fe"``, dummies
        under ``model="pooled"``), or ``"entity"``, ``"time"``, ``"twoways"`` for the panel
        keys' effects.
    entity, time : str, optional
        Panel key columns.
    model : str, optional
        The estimator of every step (``"pooled"``, ``"fe"``, ...); default as :func:`fit`.
    bootstrap : int
        Bootstrap draws (0: none, Sobel-type inference only).  Whole entities are resampled.
    ci : {"bc", "percentile"}
        Default bootstrap interval (both remain available through
        :meth:`MediationResult.bootstrap_ci`).
    level : float
        Confidence level.
    seed : int, numpy Generator or RandomState, optional
        Seed of the draws; a ``RandomState`` reproduces ``RandomState.choice`` draws (the
        stream pingouin uses).  All draws are made up front: results do not depend on
        ``n_jobs``.
    n_jobs : int
        Parallel workers (joblib; -1 = all cores).
    progress : bool, optional
        Show a tqdm progress bar; default: in a terminal or a Jupyter kernel.
    **fit_options
        Options of :func:`fit` for the chosen model (``vcov="cluster"``, ...).

    Returns
    -------
    MediationResult

    Raises
    ------
    SpecificationError
        For a treatment equal to the mediator, a missing or non-numeric role column, unknown
        options (with a suggestion) or bad bootstrap settings.

    Warns
    -----
    MissingValueWarning
        Rows dropped to keep one common sample across the steps (count on ``result.dropped``).
    SpecificationWarning
        Cluster bootstrap with fewer than :data:`MIN_CLUSTERS` entities; failed draws.

    Examples
    --------
    >>> from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel
    >>> from stfi_models.models.mediation import mediate
    >>> df = simulate_mediation_panel(40, 10, seed=3)
    >>> res = mediate("x", "m", "y", df, controls="w", effects="C(id) + C(year)",
    ...               entity="id", time="year", bootstrap=200, seed=1)
    >>> abs(float(res.decomposition_gap()["x"])) < 1e-10
    True
    """
    frame, entity_col, time_col, cross_section = _panel_frame(data, entity, time)
    if _MASKED in frame.columns:
        raise SpecificationError(f"The column name '{_MASKED}' is reserved; rename it.")
    treatments = _as_names(treatment, "treatment")
    mediators = _as_names(mediator, "mediator")
    if not isinstance(outcome, str):
        raise SpecificationError(f"outcome must be one column name, got {outcome!r}.")
    _check_roles(frame, treatments, mediators, outcome, (entity_col, time_col))
    extra = _extra_terms(controls, effects, {*treatments, *mediators, outcome},
                         (entity_col, time_col))
    candidates = [model] if model is not None else ["pooled", "fe"]
    allowed_fit = set().union(*(model_keywords(model_class(name)) for name in candidates))
    mine = {"controls", "effects", "entity", "time", "model", "bootstrap", "ci", "level",
            "seed", "n_jobs", "progress"}
    check_kwargs("mediate", fit_options, allowed_fit | mine)
    ci = check_choice("ci", ci, CI_METHODS)
    level = _check_level(level)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise SpecificationError(
            f"bootstrap must be a non-negative number of draws (e.g. 1000), got {bootstrap!r}."
        )
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise SpecificationError(
            f"n_jobs must be a non-zero integer (1: no parallelism, -1: all cores), got {n_jobs!r}."
        )
    rng = _resolve_seed(seed) if bootstrap else None
    setup = _Setup(treatments, mediators, outcome, extra, entity_col, time_col, model,
                   dict(fit_options))

    steps = _fit_steps(setup, frame)
    design = steps.design
    if design.dropped.n:
        warnings.warn(
            f"mediate(): {design.dropped}; every step uses the same {len(design.rows)} rows. "
            "The count is on result.dropped.",
            MissingValueWarning,
            stacklevel=2,
        )
    labels = _labels(treatments, mediators)
    estimates = _paths_of(setup, steps)
    tests, diagnostics = _indirect_tests(setup, steps)
    n_entities = int(pd.unique(design.x.index.get_level_values(0)).size)

    draws_frame = None
    info: dict[str, Any] = {
        "requested": int(bootstrap), "failed": 0, "clusters": n_entities,
        "resample": "rows (cross-section)" if cross_section else "entities (cluster)",
    }
    if bootstrap:
        if n_entities < 2:
            raise SpecificationError(
                f"A cluster bootstrap needs at least 2 entities; the sample has {n_entities}."
            )
        if n_entities < MIN_CLUSTERS and not cross_section:
            warnings.warn(
                f"Cluster bootstrap with only {n_entities} clusters (entities); intervals are "
                f"unreliable below about {MIN_CLUSTERS} (Cameron, Gelbach & Miller 2008). "
                "Read them with care or use Sobel-type tests with bootstrap=0.",
                SpecificationWarning,
                stacklevel=2,
            )
        engine, info["engine"] = _engine(setup, steps, frame, estimates, len(labels))
        draws = _draw_entities(rng, int(bootstrap), n_entities)
        values = _run_bootstrap(engine, draws, n_jobs, progress)
        slopes = labels.get_level_values("path").isin(["a", "b", "c", "c'"])
        failed = ~np.isfinite(values[:, slopes]).all(axis=1)
        if failed.any():
            info["failed"] = int(failed.sum())
            warnings.warn(
                f"{int(failed.sum())} of {bootstrap} bootstrap draws could not be estimated "
                "(rank-deficient resample) and were dropped.",
                SpecificationWarning,
                stacklevel=2,
            )
        draws_frame = pd.DataFrame(_readonly(values[~failed]), columns=labels, copy=False)

    formulas = {"total": setup.total_formula, "direct": setup.direct_formula}
    formulas.update({f"mediator: {m}": setup.mediator_formula(m) for m in mediators})
    return MediationResult(
        treatments=treatments,
        mediators=mediators,
        outcome=outcome,
        params=pd.Series(_readonly(estimates), index=labels, name="estimate", copy=False),
        total=steps.total,
        mediator_models=steps.mediator_models,
        direct=steps.direct,
        tests=tests,
        diagnostics=diagnostics,
        draws=draws_frame,
        ci=ci,
        level=level,
        nobs=int(steps.direct.nobs),
        n_entities=n_entities,
        dropped=design.dropped,
        bootstrap_info=info,
        formulas=formulas,
    )


def _engine(
    setup: _Setup, steps: _Steps, frame: pd.DataFrame, estimates: np.ndarray, size: int
) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """The fast least-squares engine when it reproduces :func:`fit` on the data, else refits."""
    pooled = steps.direct.model == "pooled"
    design = build_design(steps.design.spec, steps.design.panel, absorb=not pooled, warn=False)
    absorbed = () if pooled else tuple(steps.direct.info.get("effects", design.absorbed))
    linear = _LinearReplicates(setup, design, absorbed)
    identity = linear.one(np.arange(len(linear.blocks)))
    scale = np.maximum(1.0, np.abs(estimates))
    same = (np.abs(identity - estimates) <= 1e-8 * scale) | (
        np.isnan(identity) & np.isnan(estimates)
    )
    if same.all():
        return linear, "linear"
    entities = pd.Index(np.unique(design.x.index.get_level_values(0)))
    return _RefitReplicates(setup, frame, entities, size), "refit"
