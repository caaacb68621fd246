"""Confidence bands for panel VAR responses: Monte Carlo draws and the entity bootstrap.

Job: produce coefficient and Sigma draws and turn them into :class:`~stfi_models.results.irf.Bands`
for :meth:`~stfi_models.models.pvar.results.PanelVARResult.irf` and ``fevd``.

* Monte Carlo (Stata ``pvarirf, mc()``): ``b ~ N(b_hat, V)`` and ``vech(Sigma)`` from its
  asymptotic normal law (:func:`_mc_draws`).
* Bootstrap (R panelvar): entities resampled with replacement and the model refitted on the
  per-entity cross products (:func:`_bootstrap_chunk`).

Both run through :mod:`stfi_models.resample` (per-draw seeds, ``n_jobs``, loky or dask, one
BLAS thread per worker), so the draws do not depend on ``n_jobs`` or the backend.

:func:`draw_bands` validates the options, runs the draws, discards failed ones with a
warning (also kept as a note) and forms the band.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from stfi_models.exceptions import SpecificationError, SpecificationWarning, check_choice
from stfi_models.models.pvar.estimator import _CrossProducts, _VarState
from stfi_models.resample import DrawChunk, Resampling, map_chunks
from stfi_models.results.irf import Bands


def _bootstrap_chunk(chunk: DrawChunk, cp: _CrossProducts, estimator: str, steps: int,
                     rcond: float):
    """Refits on entity resamples, one per draw of the chunk; failed refits give NaN."""
    n = cp.n_entities
    m, k = cp.zy.shape[2], cp.zx.shape[2]
    coefs = np.full((len(chunk), m, k), np.nan)
    sigmas = np.full((len(chunk), m, m), np.nan)
    for r, rng in enumerate(chunk.generators()):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        try:
            if estimator == "gmm":
                coefs[r], sigmas[r] = cp.estimate(counts, steps, rcond)
            else:
                coefs[r], sigmas[r] = cp.within_ols(counts)
        except np.linalg.LinAlgError:
            pass
    return coefs, sigmas


def _run_bootstrap(state: _VarState, options: Resampling):
    """Bootstrap refits through the resampling engine (per-draw seeds: any n_jobs/backend).

    Each chunk refits on the shared per-entity cross products, so only ``(m, K)``
    coefficients and ``(m, m)`` Sigmas travel back.
    """
    args = (state.cross_products, state.model.estimator, state.steps, state.rcond)
    results = map_chunks(_bootstrap_chunk, options.draws, options=options, args=args,
                         desc="bootstrap")
    return (np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results]))


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


def _mc_chunk(chunk: DrawChunk, coef: np.ndarray, root: np.ndarray,
              sigma: tuple[np.ndarray, np.ndarray, list[tuple[int, int]]] | None):
    """Monte Carlo draws of one chunk: ``b`` and, if asked, ``vech(Sigma)``, per draw."""
    m, k = coef.shape
    rngs = chunk.generators()
    coefs = coef.ravel() + np.array([g.standard_normal(m * k) for g in rngs]) @ root.T
    sigmas = None
    if sigma is not None:
        vech, root_vech, pairs = sigma
        values = vech + np.array([g.standard_normal(len(pairs)) for g in rngs]) @ root_vech.T
        sigmas = np.empty((len(chunk), m, m))
        for c, (i, j) in enumerate(pairs):
            sigmas[:, i, j] = sigmas[:, j, i] = values[:, c]
    return coefs.reshape(len(chunk), m, k), sigmas


def _mc_draws(state: _VarState, options: Resampling, need_sigma: bool):
    """Draw as Stata's ``pvarirf, mc()``: ``b`` and ``vech(Sigma)`` from normal distributions.

    ``b ~ N(b_hat, V)``, ``vech(Sigma) ~ N(vech(S), (2/n) D+ (S ⊗ S) D+')``; draws with a
    non-positive-definite Sigma are marked NaN.  Each draw uses its own seed sequence of the
    resampling engine.
    """
    est = state.estimate
    m = est.coef.shape[0]
    sigma_law = None
    if need_sigma:
        dplus, pairs = _duplication_pinv(m)
        vcov = (2.0 / state.system.n_obs) * dplus @ np.kron(est.sigma, est.sigma) @ dplus.T
        vech = np.array([est.sigma[i, j] for i, j in pairs])
        sigma_law = (vech, _sqrt_psd(vcov), pairs)
    chunks = map_chunks(_mc_chunk, options.draws, options=options,
                        args=(est.coef, _sqrt_psd(est.cov), sigma_law), desc="Monte Carlo")
    coefs = np.concatenate([c[0] for c in chunks])
    if sigma_law is None:
        return coefs, np.broadcast_to(est.sigma, (options.draws, m, m)).copy()
    sigmas = np.concatenate([c[1] for c in chunks])
    bad = np.array([np.linalg.eigvalsh(s).min() <= 0 for s in sigmas])
    sigmas[bad] = np.nan
    return coefs, sigmas


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
    if not (isinstance(draws, int | np.integer) and draws >= 2):
        raise SpecificationError(f"draws must be an integer >= 2, got {draws!r}.")
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1, got {level}.")
    options = Resampling.of(draws, seed, n_jobs, backend, progress)
    if ci == "mc":
        coefs, sigmas = _mc_draws(state, options, need_sigma)
    else:
        coefs, sigmas = _run_bootstrap(state, options)
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
