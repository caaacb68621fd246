r"""The one resampling engine: every bootstrap, Monte Carlo and permutation runs through it.

A resampling job is ``draws`` independent replications.  Draw ``r`` gets its own
:class:`numpy.random.SeedSequence`, the ``r``-th child of ``SeedSequence(seed)``, so its
random numbers depend on ``seed`` and ``r`` only: the same seed gives the same numbers whatever
``n_jobs``, the backend or the chunking.  Draws are grouped into chunks (a few per worker) and
the chunks run

* in this process (``n_jobs=1``),
* on joblib's ``loky`` workers (``n_jobs`` > 1 or -1 for all cores), or
* on a running ``dask.distributed`` client (``backend="dask"``), for clusters.

Inside every chunk, BLAS is limited to one thread (:mod:`threadpoolctl`): resampling is
parallel over draws, and a multi-threaded BLAS on the small per-draw algebra only
oversubscribes the cores (a 500-draw PVAR bootstrap ran ~10x slower without the limit).
A tqdm progress bar is shown when the session is interactive (or ``progress=True``).

Two entry points:

:func:`map_draws`
    ``func(rng, *args)`` once per draw, with that draw's :class:`numpy.random.Generator`;
    returns the list of results in draw order.
:func:`map_chunks`
    ``func(chunk, *args)`` once per :class:`DrawChunk` (the draws' indices and seeds), for
    engines that vectorise over draws; returns the list of chunk results in order.

Examples
--------
>>> import numpy as np
>>> from stfi_models.resample import map_draws
>>> means = map_draws(lambda rng: rng.normal(size=10).mean(), 100, seed=1)
>>> means == map_draws(lambda rng: rng.normal(size=10).mean(), 100, seed=1, chunk_size=7)
True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np

from stfi_models.exceptions import SpecificationError, check_choice

__all__ = [
    "BACKENDS",
    "MAX_DRAWS",
    "DrawChunk",
    "Resampling",
    "map_chunks",
    "map_draws",
    "resolve_seed",
]

T = TypeVar("T")
Backend = Literal["loky", "dask"]
#: Parallel backends: joblib's process pool, or a running dask.distributed client.
BACKENDS = ("loky", "dask")
#: Upper bound on draws a single call may ask for (a typo of 10**9 must not run for days).
MAX_DRAWS = 10_000_000


@dataclass(frozen=True)
class DrawChunk:
    """A run of consecutive draws handed to one worker.

    Attributes
    ----------
    start : int
        Index of the first draw of the chunk.
    seeds : tuple of numpy.random.SeedSequence
        One seed sequence per draw of the chunk, in order.
    """

    start: int
    seeds: tuple[np.random.SeedSequence, ...]

    def __len__(self) -> int:
        return len(self.seeds)

    @property
    def indices(self) -> range:
        """The draw indices of this chunk."""
        return range(self.start, self.start + len(self.seeds))

    def generators(self) -> list[np.random.Generator]:
        """One :class:`numpy.random.Generator` per draw, from its own seed sequence."""
        return [np.random.default_rng(s) for s in self.seeds]


@dataclass(frozen=True)
class Resampling:
    """Validated resampling options, as recorded on results (seed entropy included).

    Attributes
    ----------
    draws : int
        Number of replications.
    seed : numpy.random.SeedSequence
        Root seed; ``seed.entropy`` reproduces the run when the user gave ``seed=None``.
    n_jobs : int
        Workers (1 = in this process, -1 = all cores).
    backend : {"loky", "dask"}
        Where chunks run when parallel.
    progress : bool or None
        Progress bar: ``None`` = only when interactive.
    """

    draws: int
    seed: np.random.SeedSequence
    n_jobs: int = 1
    backend: str = "loky"
    progress: bool | None = None

    @classmethod
    def of(cls, draws: Any, seed: Any = None, n_jobs: Any = 1, backend: Any = "loky",
           progress: Any = None, *, what: str = "draws") -> Resampling:
        """Validate user options (errors name the option and say the fix)."""
        if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
            raise SpecificationError(f"{what} must be a positive integer, got {draws!r}.")
        if draws > MAX_DRAWS:
            raise SpecificationError(
                f"{what}={draws:,} exceeds the limit of {MAX_DRAWS:,} replications per call; "
                "split the work or use fewer draws."
            )
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0 \
                or n_jobs < -1:
            raise SpecificationError(
                f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}."
            )
        check_choice("backend", backend, BACKENDS)
        if progress is not None and not isinstance(progress, bool):
            raise SpecificationError(f"progress must be True, False or None, got {progress!r}.")
        return cls(int(draws), resolve_seed(seed), int(n_jobs), backend, progress)

    def spawn(self) -> list[np.random.SeedSequence]:
        """Return the per-draw seed sequences (children of :attr:`seed`)."""
        return _children(self.seed, self.draws)


def resolve_seed(seed: Any) -> np.random.SeedSequence:
    """Turn ``seed`` (None, a non-negative int or a SeedSequence) into a SeedSequence.

    Raises
    ------
    SpecificationError
        For anything else (a float, a string, a negative number, a Generator).
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SpecificationError(
            f"seed must be a non-negative integer, None or a numpy SeedSequence, got {seed!r}."
        )
    return np.random.SeedSequence(int(seed))


def _children(root: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    # Children are addressed by spawn_key, so they do not depend on how many were spawned
    # before: the same root always gives the same r-th child.
    return [
        np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, r),
                               pool_size=root.pool_size)
        for r in range(n)
    ]


def _interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) or "ipykernel" in sys.modules


def _effective_jobs(n_jobs: int) -> int:
    from joblib import effective_n_jobs

    return int(effective_n_jobs(n_jobs))


def _chunks(seeds: Sequence[np.random.SeedSequence], n_workers: int,
            chunk_size: int | None) -> list[DrawChunk]:
    n = len(seeds)
    size = chunk_size if chunk_size else max(1, math.ceil(n / (4 * n_workers)))
    return [DrawChunk(s, tuple(seeds[s:s + size])) for s in range(0, n, size)]


def _run_chunk(func: Callable[..., Any], chunk: DrawChunk, args: tuple) -> Any:
    """Run one chunk with BLAS limited to one thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return func(chunk, *args)


def _per_draw(chunk: DrawChunk, func: Callable[..., Any], *args: Any) -> list:
    return [func(rng, *args) for rng in chunk.generators()]


def map_chunks(
    func: Callable[..., T],
    draws: int,
    *,
    seed: Any = None,
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
    desc: str = "resampling",
    chunk_size: int | None = None,
    args: tuple = (),
    options: Resampling | None = None,
) -> list[T]:
    """Run ``func(chunk, *args)`` over chunks of draws; return the chunk results in order.

    Parameters
    ----------
    func : callable
        ``func(chunk: DrawChunk, *args)``.  Must be picklable (a module-level function or an
        instance of a module-level class) when ``n_jobs != 1`` or ``backend="dask"``.
    draws : int
        Number of replications.
    seed : int, SeedSequence or None
        Root seed; draw ``r`` uses the ``r``-th child seed sequence.
    n_jobs : int
        Workers: 1 runs in this process, -1 uses every core.
    backend : {"loky", "dask"}
        ``"dask"`` submits the chunks to the running ``dask.distributed`` client.
    progress : bool, optional
        Progress bar; default only in an interactive session.
    desc : str
        Label of the progress bar.
    chunk_size : int, optional
        Draws per chunk; default four chunks per worker.
    args : tuple
        Further arguments for ``func`` (sent to each worker once per chunk; for dask, large
        arguments are scattered once).
    options : Resampling, optional
        Already validated options (overrides ``draws``, ``seed``, ``n_jobs``, ``backend``,
        ``progress``).

    Returns
    -------
    list
        ``func``'s result for each chunk, in draw order.

    Raises
    ------
    SpecificationError
        Invalid options, or ``backend="dask"`` without dask.distributed or a running client.
    """
    opts = options or Resampling.of(draws, seed, n_jobs, backend, progress)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise SpecificationError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    seeds = opts.spawn()
    parallel = opts.backend == "dask" or opts.n_jobs != 1
    workers = _effective_jobs(opts.n_jobs) if opts.backend == "loky" else 4
    chunks = _chunks(seeds, workers if parallel else 1, chunk_size)
    from tqdm.auto import tqdm

    show = _interactive() if opts.progress is None else opts.progress
    with tqdm(total=opts.draws, desc=desc, disable=not show) as bar:
        if opts.backend == "dask":
            return _on_dask(func, chunks, args, bar)
        if not parallel:
            out = []
            for chunk in chunks:
                out.append(_run_chunk(func, chunk, args))
                bar.update(len(chunk))
            return out
        from joblib import Parallel, delayed

        jobs = Parallel(n_jobs=opts.n_jobs, backend="loky", return_as="generator")(
            delayed(_run_chunk)(func, c, args) for c in chunks
        )
        out = []
        for chunk, result in zip(chunks, jobs, strict=True):
            out.append(result)
            bar.update(len(chunk))
        return out


def map_draws(
    func: Callable[..., T],
    draws: int,
    *,
    seed: Any = None,
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
    desc: str = "resampling",
    chunk_size: int | None = None,
    args: tuple = (),
    options: Resampling | None = None,
) -> list[T]:
    """Run ``func(rng, *args)`` once per draw; return the results in draw order.

    ``rng`` is the draw's own :class:`numpy.random.Generator`.  Options as in
    :func:`map_chunks`.
    """
    chunks = map_chunks(_per_draw, draws, seed=seed, n_jobs=n_jobs, backend=backend,
                        progress=progress, desc=desc, chunk_size=chunk_size,
                        args=(func, *args), options=options)
    return [item for chunk in chunks for item in chunk]


def _on_dask(func: Callable[..., Any], chunks: list[DrawChunk], args: tuple, bar: Any) -> list:
    """Submit the chunks to the running dask.distributed client; results in chunk order."""
    try:
        from distributed import as_completed, get_client
    except ImportError:  # pragma: no cover - depends on the environment
        raise SpecificationError(
            "backend='dask' needs dask.distributed: pip install 'stfi-models[dask]'."
        ) from None
    try:
        client = get_client()
    except ValueError:
        raise SpecificationError(
            "backend='dask' needs a running dask.distributed Client in this session, e.g. "
            "`from distributed import Client, LocalCluster; Client(LocalCluster(n_workers=2))` "
            "(on a cluster: Client('scheduler-address:8786'))."
        ) from None
    # hash=False: a fresh key per call, so data scattered by an earlier call (or client) that
    # is being released can never be mistaken for this call's ("lost dependencies").
    remote = [client.scatter(a, broadcast=True, hash=False) if _large(a) else a for a in args]
    futures = [client.submit(_run_chunk, func, c, tuple(remote), pure=False) for c in chunks]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(futures)
    for fut in as_completed(futures):
        i = position[fut.key]
        results[i] = fut.result()
        bar.update(len(chunks[i]))
    return results


def _large(value: Any) -> bool:
    """Worth scattering once rather than sending with every chunk."""
    nbytes = getattr(value, "nbytes", None)
    return not callable(value) and (nbytes is None or nbytes > 100_000)
