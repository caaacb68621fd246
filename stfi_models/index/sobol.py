r"""Variance-based sensitivity: Saltelli sampling and first-order / total Sobol indices.

A model :math:`Y = f(X_1, \dots, X_k)` of independent factors is evaluated on two independent
sample matrices :math:`A` and :math:`B` (:math:`N` rows each) and on the :math:`k` matrices
:math:`A_B^{(i)}`, equal to :math:`A` except for column :math:`i`, taken from :math:`B`.  With
the outputs centred by their mean over all :math:`N(k+2)` rows (which makes the indices
invariant to a shift of :math:`Y` and lowers the variance of :math:`S_i`; SALib 1.6 does the
same) and :math:`V = \operatorname{Var}(Y)` estimated on the :math:`2N` rows of :math:`A`
and :math:`B` (divisor :math:`2N`),

.. math::

    S_i = \frac{1}{N V} \sum_{r} f(B)_r \bigl(f(A_B^{(i)})_r - f(A)_r\bigr)
    \quad\text{(Saltelli et al. 2010, Table 2 (b))},

    S_{Ti} = \frac{1}{2 N V} \sum_{r} \bigl(f(A)_r - f(A_B^{(i)})_r\bigr)^2
    \quad\text{(Jansen 1999; Saltelli et al. 2010, Table 2 (f))}.

:math:`S_i` is the share of :math:`V` due to factor :math:`i` alone, :math:`S_{Ti}` the share
that involves factor :math:`i` (alone or with others).  A factor may carry several uniform
numbers (a "group" of inputs, e.g. a weighting method and the random perturbation that goes with
it); the whole group moves together between :math:`A` and :math:`B`.

Draw :math:`r` (its rows of :math:`A`, :math:`B` and every :math:`A_B^{(i)}`) takes its random
numbers from the :math:`r`-th seed of :mod:`stfi_models.resample`, so results depend on the
seed only, never on ``n_jobs`` or the backend.  Confidence intervals resample the :math:`N`
draws (percentile bootstrap, through the same engine).

References
----------
Jansen, M. J. W. (1999). Analysis of variance designs for model output. *Computer Physics
Communications* 117, 35-43.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., & Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. *Computer Physics Communications* 181(2), 259-270.

Sobol', I. M. (1993). Sensitivity estimates for nonlinear mathematical models. *Mathematical
Modelling and Computational Experiments* 1, 407-414.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, SpecificationWarning
from stfi_models.resample import DrawChunk, Resampling, map_chunks

__all__ = ["saltelli_evaluate", "sobol_indices", "sobol_table", "sobol_convergence"]

Model = Callable[[Sequence[np.ndarray]], np.ndarray]


def _chunk_rows(chunk: DrawChunk, model: Model, dims: tuple[int, ...], sobol: bool) -> np.ndarray:
    """Evaluate the A, B and A_B^(i) rows of every draw in the chunk."""
    out = []
    for rng in chunk.generators():
        a = [rng.random(d) for d in dims]
        rows = [a]
        if sobol:
            b = [rng.random(d) for d in dims]
            rows.append(b)
            rows += [[b[j] if j == i else a[j] for j in range(len(dims))]
                     for i in range(len(dims))]
        out.append(np.stack([np.atleast_1d(np.asarray(model(u), dtype=float)) for u in rows]))
    return np.stack(out)


def saltelli_evaluate(
    model: Model,
    dims: Sequence[int],
    draws: int,
    *,
    sobol: bool = True,
    seed: Any = None,
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
) -> np.ndarray:
    """Evaluate ``model`` on the rows of :math:`A`, :math:`B` and :math:`A_B^{(i)}`.

    Parameters
    ----------
    model : callable
        ``model(u)`` with ``u`` a list of one uniform(0, 1) array per factor (of length
        ``dims[i]``); returns a float or a 1-D array of outputs.  Picklable when parallel.
    dims : sequence of int
        Uniform numbers per factor.
    draws : int
        :math:`N`, the rows of :math:`A` (the model runs :math:`N(k+2)` times, or :math:`N`
        times when ``sobol=False``).
    sobol : bool
        ``False`` evaluates :math:`A` only (plain Monte Carlo uncertainty analysis).
    seed, n_jobs, backend, progress
        As in :func:`stfi_models.resample.map_chunks`.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, k + 2, n_outputs)``: rows A, B, A_B^(1..k); ``(N, 1, n_outputs)`` without
        Sobol.
    """
    dims = tuple(int(d) for d in dims)
    if not dims or min(dims) < 1:
        raise SpecificationError(f"Every factor needs at least one uniform number, got {dims}.")
    opts = Resampling.of(draws, seed, n_jobs, backend, progress)
    chunks = map_chunks(_chunk_rows, draws, options=opts, desc="sensitivity",
                        args=(model, dims, sobol))
    return np.concatenate(chunks)


def sobol_indices(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order (Saltelli 2010) and total (Jansen 1999) indices from evaluated rows.

    Parameters
    ----------
    y : numpy.ndarray
        ``(N, k + 2)`` or ``(N, k + 2, n_outputs)`` as returned by :func:`saltelli_evaluate`.

    Returns
    -------
    first, total : numpy.ndarray
        Shape ``(k,)`` or ``(k, n_outputs)``; NaN for an output with zero variance.
    """
    y = np.asarray(y, dtype=float)
    y = y - y.reshape(-1, *y.shape[2:]).mean(axis=0)
    f_a, f_b, f_ab = y[:, 0], y[:, 1], np.moveaxis(y[:, 2:], 1, 0)
    var = np.var(np.concatenate([f_a, f_b]), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(var > 0, var, np.nan)
        first = np.mean(f_b * (f_ab - f_a), axis=1) / var
        total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=1) / var
    return first, total


def _bootstrap_chunk(chunk: DrawChunk, y: np.ndarray) -> list[np.ndarray]:
    n = y.shape[0]
    return [np.stack(sobol_indices(y[rng.integers(0, n, n)])) for rng in chunk.generators()]


def sobol_table(
    y: np.ndarray,
    factors: Sequence[str],
    *,
    bootstrap: int = 500,
    level: float = 0.9,
    seed: Any = None,
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Sobol indices of one output with bootstrap standard errors and percentile intervals.

    Parameters
    ----------
    y : numpy.ndarray
        ``(N, k + 2)`` model outputs (:func:`saltelli_evaluate`, one output).
    factors : sequence of str
        The :math:`k` factor names.
    bootstrap : int
        Bootstrap replications over the :math:`N` draws (0: no intervals).
    level : float
        Coverage of the percentile intervals.
    seed, n_jobs, backend, progress
        As in :func:`stfi_models.resample.map_chunks`.

    Returns
    -------
    pandas.DataFrame
        Indexed by factor: ``S1``, ``S1_se``, ``S1_low``, ``S1_high``, ``ST``, ``ST_se``,
        ``ST_low``, ``ST_high``.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2 or y.shape[1] != len(factors) + 2:
        raise SpecificationError(
            f"y must have shape (N, k + 2) = (N, {len(factors) + 2}), got {y.shape}."
        )
    if not 0 < level < 1:
        raise SpecificationError(f"level must be in (0, 1), got {level!r}.")
    first, total = sobol_indices(y)
    table = pd.DataFrame({"S1": first, "ST": total}, index=pd.Index(list(factors), name="factor"))
    if np.isnan(first).all():
        warnings.warn("The output does not vary over the draws, so its Sobol indices are "
                      "undefined (NaN).", SpecificationWarning, stacklevel=2)
    if bootstrap:
        opts = Resampling.of(bootstrap, seed, n_jobs, backend, progress, what="bootstrap")
        reps = np.stack([r for part in map_chunks(_bootstrap_chunk, bootstrap, options=opts,
                                                  desc="Sobol bootstrap", args=(y,))
                         for r in part])
        tail = (1 - level) / 2 * 100
        for j, name in enumerate(("S1", "ST")):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                table[f"{name}_se"] = np.nanstd(reps[:, j], axis=0, ddof=1)
                low, high = np.nanpercentile(reps[:, j], [tail, 100 - tail], axis=0)
            table[f"{name}_low"], table[f"{name}_high"] = low, high
        table = table[["S1", "S1_se", "S1_low", "S1_high", "ST", "ST_se", "ST_low", "ST_high"]]
    return table


def sobol_convergence(y: np.ndarray, factors: Sequence[str], steps: int = 6) -> pd.DataFrame:
    """Sobol indices on the first :math:`n` draws, for a doubling grid of :math:`n` up to N.

    Stable indices over the last steps show that the number of draws suffices.

    Returns
    -------
    pandas.DataFrame
        Columns ``draws``, ``factor``, ``S1``, ``ST``.
    """
    y = np.asarray(y, dtype=float)
    n = y.shape[0]
    sizes = sorted({max(2, n >> s) for s in range(steps)})
    rows = []
    for size in sizes:
        first, total = sobol_indices(y[:size])
        rows += [{"draws": size, "factor": f, "S1": first[i], "ST": total[i]}
                 for i, f in enumerate(factors)]
    return pd.DataFrame(rows)
