"""The effects object of a spatial model: estimates, inference, order decomposition, display.

:class:`SpatialEffects` holds LeSage-Pace direct / indirect / total effects
(:mod:`.effects`) with standard errors from the delta method or from simulation of the
asymptotic distribution of the estimates, and optionally their decomposition by order of
neighbours.  ``to_frame()`` is the tidy long table a regression table can show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._plotting import figure_and_axes
from stfi_models.exceptions import SpecificationError
from stfi_models.models.spatial.effects import KINDS, EffectTerms, effect_gradient, effect_values
from stfi_models.models.spatial.logdet import LogDet
from stfi_models.resample import map_draws

__all__ = ["SpatialEffects", "simulate_effects", "delta_effects"]

_TIDY = ["variable", "effect", "estimate", "std_error", "statistic", "p_value", "conf_low",
         "conf_high"]


def _draw(rng: np.random.Generator, mean: np.ndarray, chol: np.ndarray, terms: EffectTerms,
          logdet: LogDet) -> np.ndarray:
    """One draw of the effects at parameters drawn from N(mean, chol chol')."""
    lo, hi = logdet.bounds
    for _ in range(1000):
        params = mean + chol @ rng.standard_normal(mean.size)
        if lo < params[terms.rho] < hi:
            return effect_values(params, terms, logdet)
    raise RuntimeError("rho draws keep falling outside the parameter space")  # pragma: no cover


def simulate_effects(params: np.ndarray, cov: np.ndarray, terms: EffectTerms, logdet: LogDet,
                     *, draws: int, seed: Any, n_jobs: int, backend: str,
                     progress: bool | None) -> np.ndarray:
    """Simulate the effects, shape ``(draws, n_variables, 3)`` (LeSage & Pace 2009, p. 39)."""
    values, vectors = np.linalg.eigh(cov)  # a square root that allows fixed (zero-variance) terms
    chol = vectors * np.sqrt(np.clip(values, 0.0, None))
    out = map_draws(_draw, draws, seed=seed, n_jobs=n_jobs, backend=backend, progress=progress,
                    desc="effects", args=(params, chol, terms, logdet))
    return np.stack(out)


def delta_effects(params: np.ndarray, cov: np.ndarray, terms: EffectTerms,
                  logdet: LogDet) -> np.ndarray:
    """Delta-method standard errors of the effects, shape ``(n_variables, 3)``."""
    grad = effect_gradient(params, terms, logdet)
    return np.sqrt(np.einsum("vkp,pq,vkq->vk", grad, cov, grad))


@dataclass(frozen=True)
class SpatialEffects:
    """Direct, indirect and total effects with their inference.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Rows = variables, columns ``direct``, ``indirect``, ``total``.
    std_errors : pandas.DataFrame
        Same shape.
    method : str
        ``"delta"`` or ``"simulation"``.
    level : float
        Confidence level of ``conf_low`` / ``conf_high``.
    draws : pandas.DataFrame or None
        The simulated effects (long: ``draw, variable, effect, value``) for ``"simulation"``.
    orders : pandas.DataFrame or None
        Effects by order of neighbours (index ``order``, columns ``(variable, effect)``).
    model : str
        The model the effects come from.
    dependent : str
        Its dependent variable (the "Dep. var." of a table of effects).
    """

    estimates: pd.DataFrame
    std_errors: pd.DataFrame
    method: str
    level: float
    draws: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None
    model: str = ""
    dependent: str = ""

    @property
    def inference(self) -> str:
        """How the standard errors were obtained, in words (``"delta method"``, ...)."""
        if self.method == "delta":
            return "delta method"
        draws = self.draws["draw"].nunique() if self.draws is not None else 0
        return f"simulation, {draws} draws"

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """Tidy long table: one row per (variable, effect); normal-based intervals.

        Parameters
        ----------
        level : float, optional
            Confidence level of ``conf_low`` / ``conf_high`` (default: the ``level`` the
            effects were computed with).
        """
        level = self.level if level is None else float(level)
        if not 0 < level < 1:
            raise SpecificationError(f"level must be in (0, 1), e.g. 0.95; got {level}.")
        est = self.estimates.stack().rename("estimate")
        se = self.std_errors.stack().rename("std_error")
        frame = pd.concat([est, se], axis=1).reset_index()
        frame.columns = ["variable", "effect", "estimate", "std_error"]
        frame["statistic"] = frame["estimate"] / frame["std_error"]
        frame["p_value"] = 2 * stats.norm.sf(np.abs(frame["statistic"]))
        crit = stats.norm.ppf(0.5 + level / 2)
        frame["conf_low"] = frame["estimate"] - crit * frame["std_error"]
        frame["conf_high"] = frame["estimate"] + crit * frame["std_error"]
        return frame[_TIDY]

    def summary(self) -> str:
        """Text table: estimate (standard error) per variable and effect."""
        cells = self.estimates.map(lambda v: f"{v:.6g}")
        ses = self.std_errors.map(lambda v: f"({v:.4g})")
        table = pd.concat({k: cells[k] + " " + ses[k] for k in KINDS}, axis=1)
        lines = [f"LeSage-Pace effects of the {self.model} model (standard errors: "
                 f"{self.inference})",
                 table.to_string()]
        if self.orders is not None:
            lines += ["", "By order of neighbours (W^q):",
                      self.orders.to_string(float_format=lambda v: f"{v:.6g}")]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None, figsize: tuple[float, float] = (7.0, 4.0)):
        """Point estimates with confidence intervals, grouped by effect.

        Returns
        -------
        matplotlib.figure.Figure
        """
        fig, ax = figure_and_axes(ax, figsize)
        tidy = self.to_frame()
        variables = list(self.estimates.index)
        width = 0.8 / len(KINDS)
        for j, kind in enumerate(KINDS):
            part = tidy[tidy["effect"] == kind].set_index("variable").loc[variables]
            pos = np.arange(len(variables)) + (j - 1) * width
            ax.errorbar(pos, part["estimate"], yerr=[part["estimate"] - part["conf_low"],
                                                     part["conf_high"] - part["estimate"]],
                        fmt="o", capsize=3, label=kind)
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xticks(np.arange(len(variables)), variables, rotation=30, ha="right")
        ax.set_ylabel("effect")
        ax.legend()
        ax.set_title(f"Effects ({self.model}, {int(self.level * 100)}% intervals)")
        return fig
