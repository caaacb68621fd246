r"""Cluster bootstrap of the mediation paths: draws, replicate engines and intervals.

Whole entities are drawn with replacement, all draws up front (:func:`_draw_entities`).  Each
draw is turned into a vector of paths by one of two engines, picked by :func:`_engine`:
:class:`_LinearReplicates` (least squares on the common-sample design, for pooled OLS and the
within estimator) when it reproduces :func:`stfi_models.fit` on the data, else
:class:`_RefitReplicates` (re-running the steps).  :func:`_run_bootstrap` spreads the draws over
joblib workers (the engines are pickled, so they stay module-level classes) with a tqdm bar.
:func:`_percentile_ci` and :func:`_bc_ci` turn draws into percentile and bias-corrected
(Efron 1981) intervals.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from stfi_models.exceptions import SpecificationError, StfiError
from stfi_models.formula.design import Design, build_design
from stfi_models.models.mediation.spec import _Setup
from stfi_models.models.mediation.steps import (
    _fit_steps,
    _labels,
    _path_vector,
    _paths_of,
    _Steps,
)

#: Bootstrap interval methods: bias-corrected and percentile.
CI_METHODS = ("bc", "percentile")


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


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level}.")
    return float(level)
