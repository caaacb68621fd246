"""The front door of mediation analysis: :func:`mediate`.

It checks the arguments, fits the Baron-Kenny steps on one common sample, computes the paths
and their Sobel-type tests, runs the cluster bootstrap and assembles a
:class:`~stfi_models.models.mediation.MediationResult`.  The model, the tests and the bootstrap
are described in the :mod:`stfi_models.models.mediation` package docstring.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
    check_choice,
    check_kwargs,
)
from stfi_models.models.base import model_class, model_keywords
from stfi_models.models.mediation.bootstrap import (
    CI_METHODS,
    _check_level,
    _draw_entities,
    _engine,
    _jackknife,
    _resolve_seed,
    _run_bootstrap,
)
from stfi_models.models.mediation.results import MediationResult
from stfi_models.models.mediation.sobel import _indirect_tests
from stfi_models.models.mediation.spec import _as_names, _check_roles, _extra_terms, _Setup
from stfi_models.models.mediation.steps import _MASKED, _fit_steps, _labels, _paths_of
from stfi_models.panel import PanelData

__all__ = ["mediate", "MIN_CLUSTERS"]

#: Below this many entities a cluster bootstrap triggers a :class:`SpecificationWarning`
#: (Cameron, Gelbach & Miller 2008 find cluster-based inference unreliable with few clusters).
MIN_CLUSTERS = 30
_CROSS_SECTION_KEYS = ("_obs", "_period")


def _readonly(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.flags.writeable = False
    return out


def _panel_frame(
    data: pd.DataFrame | PanelData, entity: str | None, time: str | None
) -> tuple[pd.DataFrame, str, str, bool]:
    """Return the data as a frame with key columns; without keys, a cross-section (row = entity)."""
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


#: Most bootstrap draws one call may request (bounded work).
MAX_DRAWS = 1_000_000


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
    ci: Literal["bc", "bca", "percentile"] = "bc",
    level: float = 0.95,
    seed: int | np.random.Generator | np.random.RandomState | None = None,
    n_jobs: int = 1,
    backend: Literal["loky", "dask"] = "loky",
    progress: bool | None = None,
    **fit_options: Any,
) -> MediationResult:
    r"""Mediation analysis X -> M -> Y on a panel, every step estimated by :func:`fit`.

    The call names the three roles by column, then reads like :func:`fit`: controls and
    effects are right-hand-side formula terms appended to every step, and the estimator
    options (``model=``, ``vcov=``, ``cluster=``, ...) go to :func:`fit` unchanged.  A single
    formula cannot hold three roles unambiguously, hence the column form (as R ``mediation``
    and pingouin).  See the package docstring for the model, the tests and the bootstrap.

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
    ci : {"bc", "bca", "percentile"}
        Default bootstrap interval (all remain available through
        :meth:`MediationResult.bootstrap_ci`): bias-corrected (Efron 1981), bias-corrected and
        accelerated (BCa, Efron 1987; the acceleration comes from the delete-one-entity
        jackknife, delete-one-row for a cross-section, refitted by the bootstrap's engine) or
        percentile.
    level : float
        Confidence level.
    seed : int, numpy Generator or RandomState, optional
        Seed of the draws; a ``RandomState`` reproduces ``RandomState.choice`` draws (the
        stream pingouin uses).  All draws are made up front: results do not depend on
        ``n_jobs``.
    n_jobs : int
        Parallel workers of the resampling engine (:mod:`stfi_models.resample`; -1 = all
        cores).
    backend : {"loky", "dask"}
        Where parallel chunks run (``"dask"``: the running ``dask.distributed`` client).
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
            "seed", "n_jobs", "backend", "progress"}
    check_kwargs("mediate", fit_options, allowed_fit | mine)
    ci = check_choice("ci", ci, CI_METHODS)
    level = _check_level(level)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise SpecificationError(
            f"bootstrap must be a non-negative number of draws (e.g. 1000), got {bootstrap!r}."
        )
    if bootstrap > MAX_DRAWS:
        raise SpecificationError(
            f"bootstrap={bootstrap} draws is more than the {MAX_DRAWS:,} one call may run; "
            "10,000 already pin a 95% interval's ends to about 1%."
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

    draws_frame = jack_frame = None
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
        values = _run_bootstrap(engine, draws, n_jobs, progress, backend)
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
        jack_frame = pd.DataFrame(_readonly(_jackknife(engine, n_entities)), columns=labels,
                                  copy=False)

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
        jackknife=jack_frame,
    )
