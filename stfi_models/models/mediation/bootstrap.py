r"""Cluster bootstrap of the mediation paths: draws, replicate engines and intervals.

Whole entities are drawn with replacement, all draws up front (:func:`_draw_entities`).  Each
draw is turned into a vector of paths by one of two engines, picked by :func:`_engine`:
:class:`_LinearReplicates` (least squares on the common-sample design, for pooled OLS and the
within estimator) when it reproduces :func:`stfi_models.fit` on the data, else
:class:`_RefitReplicates` (re-running the steps).  :func:`_run_bootstrap` spreads the draws over
the resampling engine's workers (the engines are pickled, so they stay module-level classes).
:func:`_percentile_ci`, :func:`_bc_ci` and :func:`_bca_ci` turn draws into percentile,
bias-corrected (Efron 1981) and bias-corrected and accelerated (Efron 1987) intervals;
:func:`_jackknife` feeds the acceleration with delete-one-entity refits by the same engine, and
:func:`_interval` picks the method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from stfi_models.exceptions import SpecificationError, StfiError
from stfi_models.formula.design import Design, build_design
from stfi_models.models import lstsq
from stfi_models.models.mediation.spec import _Setup
from stfi_models.models.mediation.steps import (
    _fit_steps,
    _labels,
    _path_vector,
    _paths_of,
    _Steps,
)
from stfi_models.resample import DrawChunk, map_chunks

#: Bootstrap interval methods: bias-corrected, bias-corrected and accelerated, percentile.
CI_METHODS = ("bc", "bca", "percentile")


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
    """Draw ``(draws, n)`` entity codes with replacement, all up front.

    Drawing up front keeps results independent of ``n_jobs``.  A ``RandomState`` draws with
    ``randint`` (the stream of ``RandomState.choice``), a ``Generator`` with ``integers``.
    """
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
    fac = lstsq.factor(x)  # column-scaled pivoted QR: a rescaled column cannot fake a rank loss
    return fac.coef(y), fac.rank == x.shape[1]


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
    """Pick the fast least-squares engine when it reproduces :func:`fit` on the data, else refit."""
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


def _replicate_chunk(chunk: DrawChunk, engine: Callable[[np.ndarray], np.ndarray],
                     draws: np.ndarray) -> np.ndarray:
    """Compute the engine's replicates for the chunk's rows of the up-front draws."""
    return engine(draws[chunk.start:chunk.start + len(chunk)])


def _run_bootstrap(
    engine: Callable[[np.ndarray], np.ndarray], draws: np.ndarray, n_jobs: int,
    progress: bool | None, backend: str = "loky",
) -> np.ndarray:
    """Replicates for every row of ``draws``, computed through the resampling engine.

    The entity draws are made up front (:func:`_draw_entities`), so a numpy ``RandomState``
    reproduces pingouin's stream; the engine runs the chunks (``n_jobs``, loky or dask, one
    BLAS thread per worker, progress bar), which cannot change the numbers.
    """
    chunks = map_chunks(_replicate_chunk, len(draws), seed=0, n_jobs=n_jobs, backend=backend,
                        progress=progress, desc="bootstrap", args=(engine, draws))
    return np.concatenate(chunks)


# ---------------------------------------------------------------------------- intervals
def _percentile_ci(draws: np.ndarray, level: float) -> np.ndarray:
    alpha = 1 - level
    return np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0).T


def _z0(draws: np.ndarray, estimate: float) -> float:
    r"""Bias correction :math:`z_0 = \Phi^{-1}(\#\{\hat\theta^* < \hat\theta\}/B)`."""
    return float(special.ndtri(np.mean(draws < estimate)))


def _adjusted_levels(
    draws: np.ndarray, estimate: np.ndarray, level: float, acceleration: np.ndarray
) -> np.ndarray:
    r"""Return the ``(p, 2)`` BCa quantile levels for acceleration ``a``.

    Levels :math:`\Phi\big(z_0 + (z_0 + z_q)/(1 - a (z_0 + z_q))\big)`,
    :math:`q = \alpha/2, 1-\alpha/2`; NaN where :math:`z_0` or :math:`a` is not finite.
    """
    z = special.ndtri([(1 - level) / 2, (1 + level) / 2])
    out = np.full((draws.shape[1], 2), np.nan)
    for col in range(draws.shape[1]):
        z0, a = _z0(draws[:, col], estimate[col]), acceleration[col]
        if np.isfinite(z0) and np.isfinite(a):
            out[col] = special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
    return out


def _adjusted_ci(
    draws: np.ndarray, estimate: np.ndarray, level: float, acceleration: np.ndarray
) -> np.ndarray:
    """Return the draws' quantiles at :func:`_adjusted_levels` (NaN where a level is NaN)."""
    levels = _adjusted_levels(draws, estimate, level, acceleration)
    out = np.full_like(levels, np.nan)
    for col in np.flatnonzero(np.isfinite(levels).all(axis=1)):
        out[col] = np.quantile(draws[:, col], levels[col])
    return out


def _bc_ci(draws: np.ndarray, estimate: np.ndarray, level: float) -> np.ndarray:
    r"""Bias-corrected percentile interval (Efron 1981).

    Quantiles :math:`\Phi(2 z_0 \pm z_{1-\alpha/2})`, i.e. BCa with :math:`a = 0`; NaN when
    every draw is on one side of the estimate.
    """
    return _adjusted_ci(draws, estimate, level, np.zeros(draws.shape[1]))


def _leave_one_out(n: int) -> np.ndarray:
    """``(n, n - 1)`` entity codes: row ``g`` is every entity but ``g``, in order."""
    return np.broadcast_to(np.arange(n), (n, n))[~np.eye(n, dtype=bool)].reshape(n, n - 1)


def _jackknife(engine: Callable[[np.ndarray], np.ndarray], n_entities: int) -> np.ndarray:
    """Return the ``(n_entities, paths)`` delete-one-entity jackknife values.

    They are refitted by ``engine`` (the bootstrap's replicate engine, fed the leave-one-out
    samples as draws).  Without panel keys an entity is a row, so this is the ordinary
    delete-one-row jackknife.
    """
    return engine(_leave_one_out(n_entities))


def _acceleration(jackknife: np.ndarray) -> np.ndarray:
    r"""Return the BCa acceleration of every column of the jackknife values.

    :math:`\hat a = \sum_g d_g^3 / \{6 (\sum_g d_g^2)^{3/2}\}`,
    :math:`d_g = \bar\theta_{(\cdot)} - \hat\theta_{(g)}` (Efron & Tibshirani 1993, eq. 14.15);
    NaN if a jackknife value is missing or all are equal.
    """
    d = jackknife.mean(axis=0) - jackknife
    with np.errstate(invalid="ignore", divide="ignore"):
        return (d**3).sum(axis=0) / (6 * ((d**2).sum(axis=0)) ** 1.5)


def _bca_ci(
    draws: np.ndarray, estimate: np.ndarray, jackknife: np.ndarray, level: float
) -> np.ndarray:
    r"""Bias-corrected and accelerated interval (BCa; Efron 1987).

    The limits are the :math:`\alpha_1, \alpha_2` quantiles of the draws (linear
    interpolation, numpy's default) with

    .. math::

        \alpha_{1,2} = \Phi\Big(z_0 + \frac{z_0 \mp z_{1-\alpha/2}}
            {1 - \hat a\,(z_0 \mp z_{1-\alpha/2})}\Big), \qquad
        z_0 = \Phi^{-1}\big(\#\{\hat\theta^*_b < \hat\theta\}/B\big), \qquad
        \hat a = \frac{\sum_g d_g^3}{6\,(\sum_g d_g^2)^{3/2}},

    :math:`d_g = \bar\theta_{(\cdot)} - \hat\theta_{(g)}`, where :math:`\hat\theta_{(g)}` is
    the estimate without entity :math:`g`: for the cluster (entity) bootstrap the acceleration
    comes from the delete-one-cluster jackknife, for a cross-section from the delete-one-row
    jackknife (the resampling unit in both cases).  With :math:`\hat a = 0` this is the BC
    interval.  NaN where :math:`z_0` is infinite (all draws on one side of the estimate) or
    :math:`\hat a` is undefined (a failed jackknife refit, or constant jackknife values).

    Parameters
    ----------
    draws : numpy.ndarray
        ``(B, p)`` bootstrap replicates.
    estimate : numpy.ndarray
        ``(p,)`` full-sample estimates.
    jackknife : numpy.ndarray
        ``(G, p)`` delete-one-entity estimates.
    level : float
        Confidence level.

    Returns
    -------
    numpy.ndarray
        ``(p, 2)`` lower and upper limits.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. J. Amer. Statist. Assoc. 82(397),
    171-185.
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 14.
    Chapman & Hall.
    Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application, §5.3.
    Cambridge University Press.
    """
    return _adjusted_ci(draws, estimate, level, _acceleration(jackknife))


def _interval(
    method: str, draws: np.ndarray, estimate: np.ndarray, jackknife: np.ndarray | None,
    level: float,
) -> np.ndarray:
    """``(p, 2)`` bootstrap interval of ``method`` (one of :data:`CI_METHODS`)."""
    if method == "percentile":
        return _percentile_ci(draws, level)
    if method == "bc":
        return _bc_ci(draws, estimate, level)
    if jackknife is None:
        raise SpecificationError(
            "ci='bca' needs the jackknife values of mediate(); this result has none."
        )
    return _bca_ci(draws, estimate, jackknife, level)


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level}.")
    return float(level)
