"""Result of a spatial panel model: the common Result plus effects and likelihood facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from stfi_models._checks import guard_keywords
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.models.spatial.effects import (
    KINDS,
    EffectTerms,
    effect_values,
    order_effects,
)
from stfi_models.models.spatial.impacts import SpatialEffects, delta_effects, simulate_effects
from stfi_models.models.spatial.logdet import LogDet
from stfi_models.results.result import Result

__all__ = ["SpatialResult", "SpatialState"]


@dataclass(frozen=True)
class SpatialState:
    """What effects need besides the estimates: the model kind and the weights."""

    kind: str
    parameter: str
    matrix: sp.csr_array
    logdet: LogDet
    names: tuple[str, ...]


@dataclass(frozen=True)
class SpatialResult(Result):
    """Result of a FE spatial panel model (``sar``, ``sem``, ``sdm``, ``sdem``).

    ``params`` hold the slopes and ``rho`` (spatial lag) or ``lambda`` (spatial error);
    ``info`` holds ``sigma2`` (and ``sigma2_se``), ``loglik``, ``aic``, ``bic``, ``effects``,
    ``lag_convention`` and ``lee_yu``.
    """

    _spatial: SpatialState | None = field(default=None, repr=False, compare=False)

    @property
    def loglik(self) -> float:
        """Maximised log-likelihood."""
        return float(self.info["loglik"])

    @property
    def aic(self) -> float:
        r"""Akaike information criterion, :math:`-2\ell + 2k` (k counts sigma2)."""
        return float(self.info["aic"])

    @property
    def bic(self) -> float:
        r"""Schwarz criterion, :math:`-2\ell + k\ln(NT)`."""
        return float(self.info["bic"])

    @property
    def has_effects(self) -> bool:
        """Whether the model has spillover effects: a spatial lag of y or ``W(x)`` terms.

        ``etable(..., effects=True)`` shows the effects of the models for which this holds.
        """
        state = self._spatial
        return state is not None and (state.kind == "lag" or any(
            str(n).startswith("W.") for n in self.params.index))

    @guard_keywords
    def effects(self, *, method: str = "simulation", draws: int = 1000, level: float = 0.95,
                orders: int | None = None, seed: Any = None, n_jobs: int = 1,
                backend: str = "loky", progress: bool | None = None) -> SpatialEffects:
        """LeSage-Pace direct, indirect and total effects (see :mod:`.effects`).

        Parameters
        ----------
        method : {"simulation", "delta"}
            Standard errors from ``draws`` draws of the asymptotic distribution of the
            estimates (LeSage & Pace 2009; splm ``impacts(R=)``, xsmle ``vceeffects(sim)``),
            or by the delta method.
        draws : int
            Number of simulation draws.
        level : float
            Confidence level of the intervals in ``to_frame()``.
        orders : int, optional
            Also decompose the effects by order of neighbours, ``W^0 .. W^orders``.
        seed, n_jobs, backend, progress
            Of the resampling engine (:func:`stfi_models.resample.map_draws`).

        Returns
        -------
        SpatialEffects
        """
        state = self._spatial
        names = tuple(self.params.index)
        if state is None or not self.has_effects:
            raise SpecificationError(
                f"effects() needs spillovers: a spatial lag of y (sar, sdm) or W(x) terms "
                f"(sdem); in a '{self.model}' model the effects are the coefficients themselves."
            )
        check_choice("method", method, ("simulation", "delta"))
        if not 0 < level < 1:
            raise SpecificationError(f"level must be in (0, 1), e.g. 0.95; got {level}.")
        if orders is not None and not (isinstance(orders, int) and 0 <= orders <= 50):
            raise SpecificationError(f"orders must be an integer in 0..50, got {orders!r}.")
        slopes = tuple(n for n in names if n != state.parameter)
        theta = self.params.to_numpy()
        cov = self.cov.to_numpy()
        if state.kind == "lag":  # SAR, SDM and SAC: the multiplier of rho
            slopes = tuple(n for n in slopes if n != "lambda")
            terms = EffectTerms.of(slopes, names.index(state.parameter))
        else:  # SDEM: no multiplier, the effects are those of rho = 0 (held fixed)
            keep = [names.index(n) for n in slopes]
            terms = EffectTerms.of(slopes, len(slopes))
            theta = np.append(theta[keep], 0.0)
            cov = np.pad(cov[np.ix_(keep, keep)], (0, 1))
        est = effect_values(theta, terms, state.logdet)
        sims = None
        if method == "delta":
            se = delta_effects(theta, cov, terms, state.logdet)
        else:
            if not (isinstance(draws, int) and 2 <= draws <= 1_000_000):
                raise SpecificationError(f"draws must be an integer >= 2, got {draws!r}.")
            values = simulate_effects(theta, cov, terms, state.logdet, draws=draws, seed=seed,
                                      n_jobs=n_jobs, backend=backend, progress=progress)
            se = values.std(axis=0, ddof=1)
            sims = _long(values, terms.variables)
        frame = pd.DataFrame(est, index=pd.Index(terms.variables, name="variable"),
                             columns=pd.Index(KINDS, name="effect"))
        by_order = None
        if orders is not None:
            parts = order_effects(theta, terms, state.matrix, orders)
            by_order = pd.DataFrame(
                parts.reshape(orders + 1, -1), index=pd.RangeIndex(orders + 1, name="order"),
                columns=pd.MultiIndex.from_product([terms.variables, KINDS],
                                                   names=["variable", "effect"]))
        return SpatialEffects(frame, pd.DataFrame(se, index=frame.index, columns=frame.columns),
                              method, level, sims, by_order, self.model, self.dependent)


def _long(values: np.ndarray, variables: tuple[str, ...]) -> pd.DataFrame:
    draws, n_var, _ = values.shape
    index = pd.MultiIndex.from_product([range(draws), variables, KINDS],
                                       names=["draw", "variable", "effect"])
    return pd.Series(values.ravel(), index=index, name="value").reset_index()
