"""Confidence bands for panel VAR responses: Monte Carlo draws and the entity bootstrap.

Job: produce coefficient and Sigma draws and turn them into :class:`~stfi_models.results.irf.Bands`
for :meth:`~stfi_models.models.pvar.results.PanelVARResult.irf` and ``fevd``.

* Monte Carlo (Stata ``pvarirf, mc()``): ``b ~ N(b_hat, V)`` and ``vech(Sigma)`` from its
  asymptotic normal law (:func:`_mc_draws`).
* Bootstrap (R panelvar): entities resampled with replacement and the model refitted on the
  per-entity cross products (:func:`_bootstrap_chunk`), in parallel on joblib ``loky`` or a
  running ``dask.distributed`` client; per-draw seeds make the draws backend-independent.

:func:`draw_bands` validates the options, runs the draws, discards failed ones with a
warning (also kept as a note) and forms the band.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

import numpy as np

from stfi_models.exceptions import SpecificationError, SpecificationWarning, check_choice
from stfi_models.models.pvar.estimator import _CrossProducts, _VarState
from stfi_models.results.irf import Bands


def _bootstrap_chunk(cp: _CrossProducts, estimator: str, steps: int, rcond: float,
                     seeds: list[np.random.SeedSequence]):
    """Refits on entity resamples, one per seed; failed refits give NaN."""
    n = cp.n_entities
    m, k = cp.zy.shape[2], cp.zx.shape[2]
    coefs = np.full((len(seeds), m, k), np.nan)
    sigmas = np.full((len(seeds), m, m), np.nan)
    for r, seq in enumerate(seeds):
        rng = np.random.default_rng(seq)
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        try:
            if estimator == "gmm":
                coefs[r], sigmas[r] = cp.estimate(counts, steps, rcond)
            else:
                coefs[r], sigmas[r] = cp.within_ols(counts)
        except np.linalg.LinAlgError:
            pass
    return coefs, sigmas


def _interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _run_bootstrap(state: _VarState, draws: int, seed, n_jobs: int, backend: str,
                   progress: bool | None):
    """Bootstrap refits in parallel; per-draw seeds make the result backend-independent.

    Draws are split into chunks (4 per worker); each chunk refits on the shared per-entity
    cross products, so only ``(m, K)`` coefficients and ``(m, m)`` Sigmas travel back.
    """
    from joblib import Parallel, delayed, effective_n_jobs
    from tqdm.auto import tqdm

    cp = state.cross_products
    args = (state.model.estimator, state.steps, state.rcond)
    seeds = np.random.SeedSequence(seed).spawn(draws)
    n_chunks = min(draws, 4 * effective_n_jobs(n_jobs))
    chunks = [list(c) for c in np.array_split(np.array(seeds, dtype=object), n_chunks) if len(c)]
    bar = tqdm(total=draws, desc="bootstrap",
               disable=not (_interactive() if progress is None else progress))
    if backend == "dask":
        results = _dask_chunks(cp, args, chunks, bar)
    else:
        results = []
        parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        outputs = parallel(delayed(_bootstrap_chunk)(cp, *args, c) for c in chunks)
        for chunk, out in zip(chunks, outputs, strict=True):
            results.append(out)
            bar.update(len(chunk))
    bar.close()
    return (np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results]))


def _dask_chunks(cp: _CrossProducts, args: tuple, chunks: list, bar) -> list:
    """Run the chunks on the current ``dask.distributed`` client, results in chunk order."""
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
            "backend='dask' needs a running dask.distributed Client (e.g. "
            "Client(LocalCluster(n_workers=2))) in this session."
        ) from None
    remote = client.scatter(cp, broadcast=True)
    futures = [client.submit(_bootstrap_chunk, remote, *args, c, pure=False) for c in chunks]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(futures)
    for fut in as_completed(futures):
        i = position[fut.key]
        results[i] = fut.result()
        bar.update(len(chunks[i]))
    return results


def _sqrt_psd(v: np.ndarray) -> np.ndarray:
    """Return a square root ``R`` with ``R R' = v`` (Cholesky, or eigen-based when semidefinite)."""
    try:
        return np.linalg.cholesky(v)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh((v + v.T) / 2)
        return vecs * np.sqrt(np.clip(vals, 0, None))


def _duplication_pinv(m: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Return the Moore-Penrose inverse of the duplication matrix ``D_m`` and ``vech``'s pairs.

    ``D+`` maps ``vec`` to ``vech`` (``vech = D+ vec``); the pairs are the (row, column)
    positions of ``vech`` in order.
    """
    pairs = [(i, j) for j in range(m) for i in range(j, m)]
    d = np.zeros((m * m, len(pairs)))
    for c, (i, j) in enumerate(pairs):
        d[i + j * m, c] = 1
        d[j + i * m, c] = 1
    return np.linalg.pinv(d), pairs


def _mc_draws(state: _VarState, draws: int, seed, need_sigma: bool):
    """Draw as Stata's ``pvarirf, mc()``: ``b`` and ``vech(Sigma)`` from normal distributions.

    ``b ~ N(b_hat, V)``, ``vech(Sigma) ~ N(vech(S), (2/n) D+ (S ⊗ S) D+')``; draws with a
    non-positive-definite Sigma are marked NaN.
    """
    est = state.estimate
    rng = np.random.default_rng(seed)
    m, k = est.coef.shape
    coef = est.coef.ravel() + rng.standard_normal((draws, m * k)) @ _sqrt_psd(est.cov).T
    sigmas = np.broadcast_to(est.sigma, (draws, m, m)).copy()
    if need_sigma:
        dplus, pairs = _duplication_pinv(m)
        vcov = (2.0 / state.system.n_obs) * dplus @ np.kron(est.sigma, est.sigma) @ dplus.T
        vech = np.array([est.sigma[i, j] for i, j in pairs])
        draws_vech = vech + rng.standard_normal((draws, len(pairs))) @ _sqrt_psd(vcov).T
        for c, (i, j) in enumerate(pairs):
            sigmas[:, i, j] = sigmas[:, j, i] = draws_vech[:, c]
        bad = np.array([np.linalg.eigvalsh(s).min() <= 0 for s in sigmas])
        sigmas[bad] = np.nan
    return coef.reshape(draws, m, k), sigmas


def draw_bands(state: _VarState, point: np.ndarray,
               compute: Callable[[np.ndarray, np.ndarray], np.ndarray], ci, draws, level,
               n_jobs, backend, seed, progress, need_sigma: bool, notes: list[str]
               ) -> Bands | None:
    """Band around ``point`` from ``compute(coef, sigma)`` over MC or bootstrap draws.

    ``ci=None`` gives no band.  Draws whose coefficients failed (bootstrap refit) or whose
    Sigma is not positive definite are discarded with a :class:`SpecificationWarning`,
    whose text is appended to ``notes``.
    """
    if ci is None:
        return None
    check_choice("ci", ci, ("mc", "bootstrap"))
    check_choice("backend", backend, ("loky", "dask"))
    if not (isinstance(draws, int | np.integer) and draws >= 2):
        raise SpecificationError(f"draws must be an integer >= 2, got {draws!r}.")
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1, got {level}.")
    if ci == "mc":
        coefs, sigmas = _mc_draws(state, int(draws), seed, need_sigma)
    else:
        coefs, sigmas = _run_bootstrap(state, int(draws), seed, n_jobs, backend, progress)
    values, bad_sigma, failed = [], 0, 0
    for coef, sig in zip(coefs, sigmas, strict=True):
        if not np.all(np.isfinite(coef)):
            failed += 1
            continue
        if not np.all(np.isfinite(sig)):
            bad_sigma += 1
            continue
        try:
            values.append(compute(coef, sig))
        except np.linalg.LinAlgError:
            bad_sigma += 1
    if bad_sigma:
        msg = (f"{bad_sigma} of {draws} draws had a residual covariance that is not "
               "positive definite and were discarded.")
        warnings.warn(msg, SpecificationWarning, stacklevel=3)
        notes.append(msg)
    if failed:
        msg = f"{failed} of {draws} bootstrap refits failed and were discarded."
        warnings.warn(msg, SpecificationWarning, stacklevel=3)
        notes.append(msg)
    stacked = np.array(values) if values else np.zeros((0,) + point.shape)
    return Bands.from_draws(point, stacked, ci, level, int(draws))
