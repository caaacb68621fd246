r"""Uncertainty and sensitivity analysis of a composite index, carried into the models.

Each construction choice of an index (normalisation, weights, aggregation, per-year or pooled
weights, an indicator left out, gap filling) is a factor with a few levels.  Every draw picks a
level of every factor at random (uniformly), rebuilds the index with
:func:`stfi_models.build_index` (the library's one way to compute each variant), ranks the
entities in every year (1 = highest score) and re-runs the downstream steps
(:mod:`stfi_models.index.propagate`) on the data with the drawn index.

Outputs, after the JRC/OECD *Handbook on Constructing Composite Indicators* (2008, ch. 7) and
Saisana, Saltelli & Tarantola (2005):

* per entity and year, the median rank over the draws with its 5-95 % band and the mean
  absolute rank shift :math:`|r^{(d)}_{it} - r^{0}_{it}|` against the nominal index;
* the mean absolute rank shift over all entity-years,
  :math:`\bar R^{(d)} = \frac{1}{nT}\sum_{i,t} |r^{(d)}_{it} - r^{0}_{it}|`, and its first-order
  and total Sobol indices with respect to each choice (:mod:`stfi_models.index.sobol`);
* for every propagated statistic, its 5-95 % band, the share of draws in which it keeps the
  nominal sign (and significance) and its Sobol indices: which choice moves it most.

The draws are a Saltelli design: :math:`N` rows of :math:`A` and :math:`B` and the :math:`k`
matrices :math:`A_B^{(i)}`, :math:`N(k+2)` index builds in all.  Bands and shares are taken over
the :math:`2N` independent rows of :math:`A` and :math:`B`.  Perturbed weights (``"perturbed"``
in the ``method`` choice) multiply each nominal weight by a factor uniform on
:math:`[1-p, 1+p]` (``perturb=p``) and rescale the siblings to sum to one; their random numbers
belong to the ``method`` factor.

References
----------
OECD/JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*.
OECD Publishing, chapter 7.

Saisana, M., Saltelli, A., & Tarantola, S. (2005). Uncertainty and sensitivity analysis
techniques as tools for the quality assessment of composite indicators. *Journal of the Royal
Statistical Society A* 168(2), 307-323.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stfi_models._lending import lends
from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.index.composite import GIVEN, SCORING_RULES, WEIGHTS_BY, build_index
from stfi_models.index.fastfit import FastFit
from stfi_models.index.formula import IndexSpec
from stfi_models.index.missing import handle_missing
from stfi_models.index.normalize import NORMALIZE_METHODS
from stfi_models.index.propagate import OUTPUTS, Fit, as_specs, evaluate_all
from stfi_models.index.result import IndexResult
from stfi_models.index.sensitivity_result import SensitivityResult
from stfi_models.index.sobol import saltelli_evaluate, sobol_convergence, sobol_table
from stfi_models.index.weights import WEIGHT_METHODS
from stfi_models.panel import PanelData, as_panel
from stfi_models.resample import Resampling

__all__ = ["CHOICES", "sensitivity", "default_choices"]

PERTURBED = "perturbed"
#: Every choice and its possible levels (``leave_out``: ``None`` or an indicator name).
CHOICES: dict[str, tuple[Any, ...]] = {
    "normalize": tuple(m for m in NORMALIZE_METHODS if m != "none"),
    "method": (*WEIGHT_METHODS, PERTURBED),
    "scoring": SCORING_RULES,
    "weights_by": WEIGHTS_BY,
    "leave_out": (None,),
    "missing": ("interpolate", "drop"),
}
#: Levels that need non-negative normalised values, so cannot meet z-scores.
_NEEDS_NONNEGATIVE = {("method", "entropy"), ("method", "cv"), ("method", "entropy_critic"),
                      ("scoring", "geometric"), ("scoring", "bod")}
#: Benefit of the doubt is sampled by default only where its fast path applies.
_BOD_MAX = 6


def default_choices(index: IndexResult) -> dict[str, tuple[Any, ...]]:
    """Return the choices sampled by default: every level that suits the index's data.

    Normalisation: min-max, rank and distance to the leader (z-scores are negative, which the
    entropy and CV weights and the geometric mean cannot take); weights: entropy, CRITIC,
    CV, PCA, equal and perturbed nominal weights; the weighted sum, the geometric mean,
    TOPSIS and benefit of the doubt (the latter where no set of siblings has more than six
    members, so that its fast vertex path applies); pooled or per-year
    weights; every indicator left out in turn (or none); and, when gaps were filled,
    interpolation or dropping the rows.
    """
    nested = index.spec.hierarchical and index.options["hierarchy"] == "hierarchical"
    sizes = [len(g.indicators) for g in index.spec.groups] + [len(index.spec.groups)] \
        if nested else [len(index.spec.columns)]
    choices = {
        "normalize": ("minmax", "rank", "distance"),
        "method": ("entropy", "critic", "cv", "pca", "equal", PERTURBED),
        "scoring": tuple(s for s in SCORING_RULES if s != "bod" or max(sizes) <= _BOD_MAX),
        "weights_by": WEIGHTS_BY,
        "leave_out": (None, *index.spec.columns),
    }
    if len(index.filled):
        choices["missing"] = ("interpolate", "drop")
    return choices


def _check_choices(choices: Mapping[str, Sequence[Any]], index: IndexResult) -> dict:
    if not isinstance(choices, Mapping) or not choices:
        raise SpecificationError(
            "choices must be a non-empty mapping of choice -> levels, e.g. "
            "{'method': ['entropy', 'critic'], 'scoring': ['weighted_sum', 'geometric']}."
        )
    out = {}
    for name, levels in choices.items():
        if name not in CHOICES:
            raise SpecificationError(
                f"sensitivity(): unknown choice '{name}'.{did_you_mean(name, CHOICES)} "
                f"Choices: {', '.join(CHOICES)}."
            )
        levels = tuple([levels] if isinstance(levels, str) or levels is None else levels)
        if not levels or len(set(map(repr, levels))) != len(levels):
            raise SpecificationError(f"choices[{name!r}] needs distinct levels, got {levels!r}.")
        valid = (None, *index.spec.columns) if name == "leave_out" else CHOICES[name]
        for level in levels:
            check_choice(f"choices[{name!r}] level", level, valid)
            if name == "leave_out" and level is not None:
                index.spec.without(level)  # the last indicator of a group cannot go
        out[name] = levels
    nominal = dict(index.options)
    if "zscore" in out.get("normalize", (nominal["normalize"],)):
        clash = [f"{c}={lv!r}" for c, lv in sorted(_NEEDS_NONNEGATIVE, key=str)
                 if lv in out.get(c, (nominal.get(c),))]
        if clash:
            raise SpecificationError(
                f"normalize='zscore' gives negative values, which {', '.join(clash)} cannot "
                "take. Drop 'zscore' from choices['normalize'] or those levels."
            )
    return out


def _nominal_weights(index: IndexResult) -> dict[str, float]:
    """Nominal weights as ``method='given'`` takes them (means over years if by year)."""
    table = index.weights
    nested = index.spec.hierarchical and index.options["hierarchy"] == "hierarchical"
    ind = table[table["level"] == "indicator"].groupby("indicator", sort=False)
    weights = ind["weight" if nested else "global_weight"].mean().to_dict()
    if nested:
        sub = table[table["level"] == "subindex"].groupby("indicator", sort=False)["weight"]
        weights.update(sub.mean().to_dict())
    return weights


def _ranks(scores: pd.Series, time: str) -> pd.Series:
    """Rank within each period, 1 = highest score (ties share the average rank)."""
    return scores.groupby(level=time).rank(ascending=False, method="average")


class _IndexDraw:
    """One draw: levels from uniforms -> build_index -> ranks, rank shift, propagated stats."""

    def __init__(self, index: IndexResult, choices: dict, data: pd.DataFrame | None,
                 specs: tuple, perturb: float, fast: bool = True) -> None:
        self.spec: IndexSpec = index.spec
        self.entity, self.time = index.entity, index.time
        self.options = dict(index.options)
        self.data = as_panel(index._data, index.entity, index.time)
        self.gaps: dict[tuple, PanelData] = {}
        self.choices = choices
        self.weights = _nominal_weights(index)
        self.perturb = perturb
        self.specs = specs
        self.keys = index.scores.index
        self.nominal = _ranks(index.composite, self.time).to_numpy()
        frame = index._data if data is None else data
        self.base = frame.drop(columns=[c for c in index.scores.columns if c in frame.columns])
        self.base_keys = pd.MultiIndex.from_frame(self.base[[self.entity, self.time]])
        if self.base_keys.has_duplicates:
            raise SpecificationError(
                f"data= has duplicated ({self.entity}, {self.time}) rows; give one row per key."
            )
        self.runners = tuple(FastFit(s) if fast and isinstance(s, Fit) else s for s in specs)

    def dims(self) -> list[int]:
        return [1 + len(self.weights) if name == "method" and PERTURBED in levels else 1
                for name, levels in self.choices.items()]

    def levels(self, u: Sequence[np.ndarray]) -> dict[str, Any]:
        return {name: levels[min(int(v[0] * len(levels)), len(levels) - 1)]
                for (name, levels), v in zip(self.choices.items(), u, strict=True)}

    def build(self, u: Sequence[np.ndarray]) -> IndexResult:
        picked = self.levels(u)
        options = {**self.options, **{k: v for k, v in picked.items() if k != "leave_out"}}
        spec = self.spec if picked.get("leave_out") is None else self.spec.without(
            picked["leave_out"])
        if options["method"] == PERTURBED:
            noise = u[list(self.choices).index("method")][1:]
            factor = 1 + self.perturb * (2 * noise - 1)
            options["method"] = GIVEN
            options["weights"] = {k: w * f for (k, w), f in
                                  zip(self.weights.items(), factor, strict=True)}
        if options["method"] == GIVEN:
            keep = set(spec.columns) | {g.name for g in spec.groups}
            options["weights"] = {k: w for k, w in options["weights"].items() if k in keep}
        else:
            options.pop("weights", None)
        data = self.gaps_handled(spec, options.pop("missing"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reported when the nominal index was built
            return build_index(spec, data, missing="error", **options)

    def gaps_handled(self, spec: IndexSpec, missing: str) -> PanelData:
        """Return the data with the gaps of ``spec``'s indicators handled (once per variant)."""
        key = (missing, spec.columns)
        if key not in self.gaps:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame, _, _ = handle_missing(self.data, list(spec.columns), missing)
            self.gaps[key] = as_panel(frame, self.entity, self.time)
        return self.gaps[key]

    def statistics(self, result: IndexResult) -> np.ndarray:
        """Return the propagated statistics on the data with ``result``'s scores."""
        if not self.specs:
            return np.empty(0)
        return evaluate_all(self.runners, self.frame(result), self.entity, self.time)

    def frame(self, result: IndexResult) -> pd.DataFrame:
        """Return the downstream data with ``result``'s scores (rows in the order of the data)."""
        return self.base.merge(result.scores.reset_index(), on=[self.entity, self.time],
                               how="left", validate="one_to_one")

    def __call__(self, u: Sequence[np.ndarray]) -> np.ndarray:
        result = self.build(u)
        ranks = _ranks(result.composite, self.time).reindex(self.keys).to_numpy()
        shift = np.nanmean(np.abs(ranks - self.nominal))
        return np.concatenate([[shift], self.statistics(result), ranks])


@lends("IndexResult.sensitivity")
def sensitivity(
    index: IndexResult,
    choices: Mapping[str, Sequence[Any]] | None = None,
    *,
    draws: int = 200,
    propagate: Any = None,
    data: pd.DataFrame | None = None,
    sobol: bool = True,
    fast: bool = True,
    perturb: float = 0.25,
    bootstrap: int = 500,
    level: float = 0.9,
    alpha: float = 0.05,
    seed: Any = None,
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
) -> SensitivityResult:
    """Rank uncertainty, Sobol indices and propagated statistics of an index's choices.

    Parameters
    ----------
    index : IndexResult
        The nominal (published) index.
    choices : mapping of str to sequence, optional
        Levels to sample per choice: ``normalize`` (``"minmax"``, ``"zscore"``, ``"rank"``,
        ``"distance"``), ``method`` (weights: ``"entropy"``, ``"critic"``, ``"cv"``,
        ``"pca"``, ``"equal"``, ``"entropy_critic"``, ``"perturbed"``), ``scoring``
        (``"weighted_sum"``, ``"geometric"``, ``"topsis"``, ``"bod"``: benefit of the doubt),
        ``weights_by`` (``"pooled"``,
        ``"year"``), ``leave_out`` (``None`` or indicator names), ``missing``
        (``"interpolate"``, ``"drop"``).  Unlisted choices keep the nominal option.
        Default: :func:`default_choices`.
    draws : int
        :math:`N`, rows of each Saltelli matrix (:math:`N(k+2)` builds; :math:`N` without
        Sobol).
    propagate : spec, dict or list, optional
        Downstream steps (:mod:`stfi_models.index.propagate`) re-run on every draw.
    data : pandas.DataFrame, optional
        The data the downstream steps run on (with the entity and time columns); the index
        columns are replaced by each draw's.  Default: the index's own data.
    sobol : bool
        Compute Sobol indices (the Saltelli design); ``False`` samples :math:`A` only.
    fast : bool
        Re-fit FE formulas by :mod:`stfi_models.index.fastfit` (the within projection built
        once; used only where it reproduces :func:`stfi_models.fit` on the nominal index).
    perturb : float
        Half-width :math:`p` of the multiplicative weight perturbation, in (0, 1).
    bootstrap : int
        Bootstrap replications of the Sobol intervals.
    level : float
        Coverage of the Sobol intervals.
    alpha : float
        Significance level for "keeps its significance".
    seed, n_jobs, backend, progress
        As in :func:`stfi_models.resample.map_chunks`: same seed, same numbers for any
        ``n_jobs`` and backend.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import numpy as np, stfi_models as sm
    >>> idx = sm.run_study("formulas/stfi_index.toml")  # doctest: +SKIP
    >>> data = idx.to_frame(data=True)  # doctest: +SKIP
    >>> data["innovation"] = np.log(data["patent_app_invention"]
    ...                             / data["pop_yearend"])  # doctest: +SKIP
    >>> fe = sm.propagate.fit("innovation ~ STFI + C(province_en) + C(year)", coef="STFI",
    ...                       vcov="cluster")
    >>> res = idx.sensitivity(draws=125, seed=1, data=data, propagate=fe)  # doctest: +SKIP
    >>> res.propagation()  # band, share keeping sign and significance  # doctest: +SKIP
    >>> res.sobol.loc["rank_shift"]  # which choice moves the ranks  # doctest: +SKIP
    >>> res.plot()  # the rank-uncertainty figure  # doctest: +SKIP
    """
    if not isinstance(index, IndexResult):
        raise SpecificationError("sensitivity() needs an IndexResult (from build_index).")
    chosen = _check_choices(default_choices(index) if choices is None else choices, index)
    if not (isinstance(perturb, int | float) and 0 < perturb < 1):
        raise SpecificationError(f"perturb must be in (0, 1), e.g. 0.25; got {perturb!r}.")
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise SpecificationError(f"alpha must be in (0, 1), e.g. 0.05; got {alpha!r}.")
    if data is not None:
        missing = [c for c in (index.entity, index.time) if c not in getattr(data, "columns", [])]
        if missing:
            raise SpecificationError(f"data= needs the key column(s) {missing} of the index.")
    opts = Resampling.of(draws, seed, n_jobs, backend, progress)
    specs = as_specs(propagate)
    model = _IndexDraw(index, chosen, data, specs, float(perturb), fast=bool(fast))
    nominal_stats = (evaluate_all(specs, model.frame(index), index.entity, index.time)
                     if specs else np.empty(0))
    y = saltelli_evaluate(model, model.dims(), opts.draws, sobol=sobol, seed=opts.seed,
                          n_jobs=opts.n_jobs, backend=opts.backend, progress=opts.progress)
    return _summarise(index, model, y, nominal_stats, sobol=sobol, bootstrap=bootstrap,
                      level=level, alpha=alpha, opts=opts)


def _summarise(index: IndexResult, model: _IndexDraw, y: np.ndarray, nominal_stats: np.ndarray,
               *, sobol: bool, bootstrap: int, level: float, alpha: float,
               opts: Resampling) -> SensitivityResult:
    n_stats = len(nominal_stats)
    independent = y[:, :2] if sobol else y[:, :1]
    flat = independent.reshape(-1, y.shape[2])
    ranks = flat[:, 1 + n_stats:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an entity-year absent in every draw
        low, median, high = np.nanpercentile(ranks, [5, 50, 95], axis=0)
        shift = np.nanmean(np.abs(ranks - model.nominal), axis=0)
    band = pd.DataFrame({"nominal": model.nominal, "median": median, "low": low, "high": high,
                         "mean_abs_shift": shift}, index=model.keys)
    labels = [s.label for s in model.specs]
    columns = ["rank_shift"] + [f"{lab}|{o}" for lab in labels for o in OUTPUTS]
    draws_table = pd.DataFrame(flat[:, :1 + n_stats], columns=columns)
    factors = list(model.choices)
    sobol_tables, convergence = {}, None
    if sobol:
        outputs = {"rank_shift": 0, **{lab: 1 + 3 * j for j, lab in enumerate(labels)}}
        root = opts.seed
        boot_seed = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 1 << 30))
        for name, col in outputs.items():
            # the bootstrap costs microseconds per replication: in this process, since
            # starting workers would take longer (same numbers either way)
            sobol_tables[name] = sobol_table(y[:, :, col], factors, bootstrap=bootstrap,
                                             level=level, seed=boot_seed, progress=opts.progress)
        convergence = sobol_convergence(y[:, :, 0], factors)
    sobol_frame = (pd.concat(sobol_tables, names=["output"]) if sobol_tables else None)
    return SensitivityResult(
        name=index.name, entity=index.entity, time=index.time,
        choices=dict(model.choices), ranks=band, draws=draws_table,
        nominal_stats=dict(zip(columns[1:], nominal_stats, strict=True)),
        labels=tuple(labels), sobol=sobol_frame, convergence=convergence, alpha=alpha,
        n_builds=int(y.shape[0] * y.shape[1]), resampling=opts,
    )
