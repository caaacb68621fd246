r"""Hansen's (1999, sec. 3.2) fixed-regressor bootstrap of the threshold F tests.

For the test of :math:`k-1` against :math:`k` thresholds, the regressors and the threshold
variable are held fixed.  The residuals :math:`\hat e_i = (\hat e_{i1}, \dots)` of the
:math:`k`-threshold model are grouped by entity; each draw takes :math:`N` entities' residual
vectors with replacement as the outcome :math:`y^*` (the null model's fit is left out: it lies
in the span of both models and changes no sum of squares), and computes

.. math::

    F^*_k = \frac{S^*_{k-1} - \min_\gamma S^*_k(\gamma)}{\min_\gamma S^*_k(\gamma) / n(T-1)}

over the same candidates as the estimate, the :math:`k-1` thresholds fixed at their
estimates.  With period effects the resampled outcome is transformed again (its period
means are no longer zero).  The p-value is the share of draws with :math:`F^*_k \ge F_k`;
critical values are quantiles of the :math:`F^*_k`.  Draws run through
:mod:`stfi_models.resample` (per-draw seeds: the same seed gives the same statistics for any
``n_jobs`` or backend), a chunk of draws at a time through :meth:`GridSearch.ssr`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stfi_models.models.threshold.search import GridSearch
from stfi_models.resample import DrawChunk, Resampling, map_chunks

__all__ = ["BootstrapTest", "bootstrap_test"]

#: Levels of the reported bootstrap critical values.
CRITICAL_LEVELS = (0.90, 0.95, 0.99)


@dataclass(frozen=True)
class BootstrapTest:
    """Bootstrap distribution of one threshold F statistic.

    Attributes
    ----------
    fstat : float
        The statistic on the data.
    draws : numpy.ndarray
        The bootstrap statistics, in draw order.
    """

    fstat: float
    draws: np.ndarray

    @property
    def pvalue(self) -> float:
        """Share of bootstrap statistics at least as large as :attr:`fstat`."""
        return float(np.mean(self.draws >= self.fstat))

    @property
    def mc_se(self) -> float:
        """Monte Carlo standard error of :attr:`pvalue`, ``sqrt(p(1-p)/B)``."""
        p = self.pvalue
        return float(np.sqrt(p * (1 - p) / self.draws.size))

    def critical_values(self) -> dict[str, float]:
        """Bootstrap critical values at 10 %, 5 % and 1 %."""
        return {f"crit{round(100 * (1 - a))}": float(np.quantile(self.draws, a))
                for a in CRITICAL_LEVELS}


def _chunk_stats(chunk: DrawChunk, searcher: GridSearch, blocks: np.ndarray,
                 df_sigma: int) -> np.ndarray:
    """F statistics of the draws of one chunk (vectorised over the chunk)."""
    n = blocks.shape[0]
    outcomes = np.column_stack([blocks[rng.integers(0, n, n)].ravel()
                                for rng in chunk.generators()])
    if searcher.transform.time is not None:  # resampled rows no longer sum to 0 by period
        outcomes = searcher.transform.apply(outcomes)
    null = searcher.null_ssr(outcomes)
    alt = searcher.ssr(outcomes).min(axis=0)
    return (null - alt) / (alt / df_sigma)


def bootstrap_test(fstat: float, searcher: GridSearch, resid: np.ndarray, n_entities: int,
                   df_sigma: int, options: Resampling, desc: str) -> BootstrapTest:
    """Run the fixed-regressor bootstrap of one F test.

    Parameters
    ----------
    fstat : float
        The statistic on the data.
    searcher : GridSearch
        The search of the alternative's new threshold, null thresholds fixed.
    resid : numpy.ndarray
        Residuals of the alternative model on the transformed rows (grouped by entity,
        equally many per entity).
    n_entities : int
    df_sigma : int
        :math:`n(T-1)`.
    options : Resampling
        Draws, seed, workers, backend, progress.
    desc : str
        Progress bar label.
    """
    blocks = resid.reshape(n_entities, -1)
    parts = map_chunks(_chunk_stats, options.draws, options=options, desc=desc,
                       args=(searcher, blocks, df_sigma))
    return BootstrapTest(float(fstat), np.concatenate(parts))
