"""The result of a panel threshold fit: a Result plus thresholds, tests and LR curves.

:class:`ThresholdResult` is the library's immutable
:class:`~stfi_models.results.result.Result` (regime slopes are ordinary parameters, named
``z [q <= 0.0157]``, so tables show them) with the threshold-specific outputs read from
``info``: :attr:`~ThresholdResult.thresholds`, :attr:`~ThresholdResult.threshold_tests`
(F statistics, bootstrap p-values and critical values), :attr:`~ThresholdResult.threshold_ci`
(LR confidence intervals), :attr:`~ThresholdResult.lr_curves` and :meth:`~ThresholdResult.plot`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.models.threshold.lr import critical_value, lr_interval
from stfi_models.results.result import Result

__all__ = ["ThresholdResult", "SmoothTransitionResult", "regime_labels"]


def _number(value: float) -> str:
    return f"{value:.6g}"


def regime_labels(q: str, thresholds: tuple[float, ...], strict: bool) -> list[str]:
    """Regime conditions in words: ``q <= 0.0157``, ``0.0157 < q <= 0.536``, ``q > 0.536``.

    With ``strict`` (Hansen's program) the lower regime is ``q < gamma``.
    """
    if not thresholds:
        return ["all"]
    lo, hi = ("<=", "<") if strict else ("<", "<=")
    g = [_number(t) for t in thresholds]
    labels = [f"{q} {hi} {g[0]}"]
    labels += [f"{a} {lo} {q} {hi} {b}" for a, b in zip(g[:-1], g[1:], strict=True)]
    labels.append(f"{q} {'>=' if strict else '>'} {g[-1]}")
    return labels


@dataclass(frozen=True)
class ThresholdResult(Result):
    """Result of a panel threshold regression (Hansen 1999).

    Attributes beyond :class:`Result` (all in ``info`` too):

    * :attr:`thresholds`: the estimates, sorted;
    * :attr:`threshold_tests`: one row per number of thresholds ``k``: ``ssr``, ``fstat``
      (``F_k``, ``k-1`` against ``k``), bootstrap ``pvalue``, its Monte Carlo ``mc_se``,
      ``crit10/crit5/crit1`` and ``draws``;
    * :attr:`threshold_ci`: estimate and LR confidence interval of each threshold;
    * :attr:`lr_curves`: the LR statistic over the grid for each threshold.
    """

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Threshold estimates of the fitted model, sorted."""
        return tuple(self.info["thresholds"])

    @property
    def threshold_tests(self) -> pd.DataFrame:
        """F tests for the number of thresholds, with bootstrap p-values."""
        return self.info["threshold_tests"]

    @property
    def lr_curves(self) -> dict[str, pd.Series]:
        """``{"gamma1": LR over the grid, ...}``."""
        return dict(self.info["lr_curves"])

    @property
    def threshold_ci(self) -> pd.DataFrame:
        """Estimate and LR confidence interval at ``info["level"]`` for each threshold."""
        return self.conf_int_thresholds(self.info["level"])

    def conf_int_thresholds(self, level: float = 0.95) -> pd.DataFrame:
        """LR confidence intervals ``[min, max]`` of the grid points with LR < c(alpha)."""
        rows = {}
        for (name, curve), estimate in zip(self.lr_curves.items(), self.thresholds,
                                           strict=True):
            lower, upper = lr_interval(curve, level)
            rows[name] = {"estimate": estimate, "lower": lower, "upper": upper}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.attrs["critical_value"] = critical_value(level)
        return out

    def plot(self, threshold: int | None = None, *, level: float | None = None,
             ax: Any = None) -> Any:
        """Draw the LR plot of each threshold (or of one, ``threshold=1..m``); returns the Figure.

        See :func:`stfi_models.models.threshold.plot.lr_plot`.
        """
        from stfi_models.models.threshold.plot import lr_plot

        return lr_plot(self.lr_curves, self.thresholds, self.info["threshold_name"],
                       level if level is not None else self.info["level"], threshold, ax)


@dataclass(frozen=True)
class SmoothTransitionResult(Result):
    """Result of a panel smooth transition regression (González et al. 2005).

    ``params`` hold the slopes, ``gamma`` and the locations ``c1`` (``c2``); ``info`` the
    transition function over the sample (``info["transition"]``); ``diagnostics`` the
    linearity tests.
    """

    def plot(self, *, ax: Any = None) -> Any:
        """Draw the estimated transition function g(q) over the sample; return the Figure."""
        from stfi_models.models.threshold.plot import transition_plot

        return transition_plot(self.info["transition"], self.info["c"], ax)


def tests_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The threshold test table, indexed by the number of thresholds of the alternative."""
    frame = pd.DataFrame(rows).set_index("k")
    frame.index.name = "thresholds"
    return frame.astype({c: float for c in frame.columns if c not in ("draws", "estimates")})


def nan_tests(fstat: float) -> dict[str, float]:
    """Bootstrap columns when no bootstrap was run."""
    return {"fstat": fstat, "pvalue": np.nan, "mc_se": np.nan, "crit10": np.nan,
            "crit5": np.nan, "crit1": np.nan, "draws": 0}
