r"""Sequential estimation of one to three thresholds (Hansen 1999, sec. 4).

Stage :math:`k` adds one threshold to the :math:`k-1` found before, holding those fixed, and

.. math::

    F_k = \frac{S_{k-1} - S_k}{\hat\sigma^2_k}, \qquad \hat\sigma^2_k = \frac{S_k}{n(T-1)},

tests :math:`k-1` against :math:`k` thresholds.  At stage 2 the first threshold is re-estimated
with the second held fixed (Hansen's refinement, after Bai 1997): the double-threshold model
sits at the refined pair, :math:`F_2` uses the first search's minimum (eq. 18), and the
triple search holds the refined pair fixed.  Stage 3 is not refined (as Hansen's program and
xthreg).

References
----------
Hansen, B. E. (1999). *Journal of Econometrics* 93(2), 345-368.
Bai, J. (1997). Estimating multiple breaks one at a time. *Econometric Theory* 13, 315-352.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stfi_models.exceptions import EstimationError
from stfi_models.models.threshold.grid import candidates
from stfi_models.models.threshold.problem import ThresholdProblem
from stfi_models.models.threshold.search import GridSearch

__all__ = ["Search", "Stage", "GridRule", "estimate_stages"]


@dataclass(frozen=True)
class GridRule:
    """How candidates are chosen: first-stage grid, trims per stage, convention."""

    gamma: np.ndarray
    trims: tuple[float, ...]
    grid: int
    convention: str


@dataclass(frozen=True)
class Search:
    """One search: SSR over the candidates for one threshold, others fixed."""

    searcher: GridSearch
    ssr: np.ndarray

    @property
    def gamma(self) -> np.ndarray:
        """The candidates searched."""
        return self.searcher.gamma

    @property
    def best(self) -> int:
        """Position of the (first) minimum."""
        return int(np.argmin(self.ssr))

    @property
    def estimate(self) -> float:
        """The minimising candidate."""
        return float(self.gamma[self.best])

    @property
    def ssr_min(self) -> float:
        """The minimum."""
        return float(self.ssr[self.best])


@dataclass(frozen=True)
class Stage:
    """The model with ``k`` thresholds and the test of ``k - 1`` against ``k``.

    Attributes
    ----------
    k : int
    thresholds : tuple of float
        Sorted estimates of the k-threshold model (refined at stage 2).
    ssr : float
        Its sum of squared residuals.
    ssr_null : float
        SSR of the ``k - 1`` threshold model (the null of :attr:`fstat`).
    fstat : float
        :math:`F_k`.
    searches : tuple of Search
        The search for the new threshold, then (stage 2) the refinement search.
    """

    k: int
    thresholds: tuple[float, ...]
    ssr: float
    ssr_null: float
    fstat: float
    searches: tuple[Search, ...]

    @property
    def new(self) -> Search:
        """The search that found this stage's threshold (the test's alternative)."""
        return self.searches[0]


def _search(problem: ThresholdProblem, rule: GridRule, fixed: tuple[float, ...],
            trim: float, stage: int) -> Search:
    gamma = candidates(rule.gamma, problem.q, fixed, trim, rule.grid, rule.convention,
                       problem.strict)
    searcher = GridSearch.build(problem, gamma, fixed) if gamma.size else None
    ssr = searcher.ssr(problem.y) if searcher is not None else np.empty(0)
    if not np.isfinite(ssr).any():
        raise EstimationError(
            f"No candidate threshold left for threshold {stage}: the grid has "
            f"{rule.gamma.size} points and trim={trim:g} removes every candidate around the "
            f"thresholds already found ({', '.join(f'{g:.6g}' for g in fixed) or 'none'}) or "
            "leaves an empty regime. Ask for fewer thresholds=, a smaller trim= or a larger "
            "grid=."
        )
    return Search(searcher, ssr)  # type: ignore[arg-type]


def estimate_stages(problem: ThresholdProblem, rule: GridRule, n_thresholds: int
                    ) -> tuple[float, tuple[Stage, ...]]:
    """Estimate the 1..``n_thresholds`` models in turn; return (S_0, stages)."""
    df_sigma = problem.transform.df_sigma
    ssr_prev = problem.ssr(())
    ssr0 = ssr_prev
    fixed: tuple[float, ...] = ()
    stages: list[Stage] = []
    for k in range(1, n_thresholds + 1):
        trim = rule.trims[k - 1]
        first = _search(problem, rule, fixed, trim, k)
        searches = [first]
        thresholds = tuple(sorted((*fixed, first.estimate)))
        ssr_k = first.ssr_min
        if k == 2:
            refine = _search(problem, rule, (first.estimate,), trim, k)
            searches.append(refine)
            thresholds = tuple(sorted((refine.estimate, first.estimate)))
            ssr_k = refine.ssr_min
        fstat = (ssr_prev - first.ssr_min) / (first.ssr_min / df_sigma)
        stages.append(Stage(k, thresholds, ssr_k, ssr_prev, float(fstat), tuple(searches)))
        ssr_prev, fixed = ssr_k, thresholds
    return ssr0, tuple(stages)
