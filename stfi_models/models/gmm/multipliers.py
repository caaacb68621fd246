"""Dynamic multipliers and long-run effects of a single-equation dynamic panel model.

This module's one job is the impulse-response arithmetic behind :meth:`GmmResult.irf`: the
recursion of the multipliers on the estimated autoregressive and distributed-lag
coefficients and their delta-method standard errors (:func:`dynamic_multipliers`), held in
a :class:`DynamicMultipliers` object with a ``plot`` method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._plotting import axes_grid, integer_ticks, print_style
from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["DynamicMultipliers", "dynamic_multipliers"]


@dataclass(frozen=True)
class DynamicMultipliers:
    r"""Dynamic multipliers of a single-equation dynamic model and long-run effects.

    For :math:`y_t = \sum_j \rho_j y_{t-j} + \sum_l \beta_l x_{t-l} + \dots` the
    response of :math:`y_{t+h}` to a one-period unit impulse in :math:`x_t` is

    .. math::

        m_h = \sum_{j=1}^{p} \rho_j m_{h-j} + \beta_h, \qquad m_{h<0} = 0,

    its running sum (``cumulative``) is the response to a permanent unit change, which tends to
    the long-run effect :math:`\sum_l \beta_l / (1 - \sum_j \rho_j)`; standard errors by the
    delta method with the model's covariance.

    Attributes
    ----------
    multipliers : pandas.DataFrame
        Index ``(impulse, h)``; columns ``effect``, ``std_error``, ``cumulative``,
        ``cumulative_se``.
    long_run : pandas.DataFrame
        Index ``impulse``; columns ``effect``, ``std_error``, ``z``, ``p_value``.
    """

    multipliers: pd.DataFrame
    long_run: pd.DataFrame

    @print_style
    def plot(self, impulse: str | None = None, cumulative: bool = False, level: float = 0.95,
             ax: Any = None) -> Any:
        """Plot the multipliers with delta-method bands, one panel per impulse.

        Parameters
        ----------
        impulse : str, optional
            One regressor (default: every one).
        cumulative : bool
            Plot cumulative multipliers.
        level : float
            Confidence level of the bands.
        ax : Axes or list of Axes, optional
            One Axes per impulse.

        Returns
        -------
        matplotlib.figure.Figure
            Horizons (integers) on the x axis.
        """
        impulses = [impulse] if impulse else list(dict.fromkeys(
            self.multipliers.index.get_level_values(0)))
        fig, axes = axes_grid(ax, len(impulses), 1, figsize=(6, 0.6 + 2.2 * len(impulses)))
        crit = stats.norm.ppf(0.5 + level / 2)
        col, se = ("cumulative", "cumulative_se") if cumulative else ("effect", "std_error")
        for ax_, imp in zip(axes[:, 0], impulses, strict=True):
            part = self.multipliers.loc[imp]
            ax_.plot(part.index, part[col], marker="o")
            ax_.fill_between(part.index, part[col] - crit * part[se],
                             part[col] + crit * part[se], alpha=0.2)
            ax_.axhline(0, color="grey", lw=0.8)
            ax_.set_title(f"{'cumulative ' if cumulative else ''}response to {imp}")
            ax_.set_xlabel("h")
            integer_ticks(ax_)
        fig.tight_layout()
        return fig


def _lag_structure(
    names: tuple[str, ...], dependent: str
) -> tuple[dict[int, int], dict[str, dict[int, int]]]:
    """Locate the lags of the dependent variable and of each regressor among the parameters.

    Returns the positions of the dependent variable's lags (``j -> pos``) and of each
    regressor's lags (``name -> {l: pos}``) among the parameter names (``L2.n``, ``w``,
    ``L1.w``...).
    """
    rho: dict[int, int] = {}
    beta: dict[str, dict[int, int]] = {}
    for pos, name in enumerate(names):
        if name == "Intercept" or name.startswith("C("):
            continue
        lag, base = 0, name
        head, dot, tail = name.partition(".")
        if dot and head[:1] == "L" and head[1:].isdigit():
            lag, base = int(head[1:]), tail
        if base == dependent:
            if lag >= 1:
                rho[lag] = pos
            continue
        beta.setdefault(base, {})[lag] = pos
    return rho, beta


def dynamic_multipliers(
    params: pd.Series,
    cov: pd.DataFrame,
    dependent: str,
    periods: int = 10,
    impulse: str | list[str] | None = None,
) -> DynamicMultipliers:
    """Dynamic multipliers and long-run effects of a single-equation dynamic model.

    See :class:`DynamicMultipliers` for the formulas.  Gradients for the delta method follow
    the same recursion, ``dm_h = sum_j (rho_j dm_{h-j} + m_{h-j} drho_j) + dbeta_h``.

    Parameters
    ----------
    params, cov : pandas.Series, pandas.DataFrame
        Estimates named ``L1.y``, ``x``, ``L1.x``, ... and their covariance.
    dependent : str
        Name of the dependent variable (its lags are the autoregressive terms).
    periods : int
    impulse : str or list of str, optional
        Regressors to shock (default: every regressor other than the dependent's lags).

    Returns
    -------
    DynamicMultipliers
    """
    if not isinstance(periods, int | np.integer) or isinstance(periods, bool) or periods < 0:
        raise SpecificationError(f"periods must be a non-negative integer, got {periods!r}.")
    rho_pos, beta_pos = _lag_structure(tuple(params.index), dependent)
    if not beta_pos:
        raise SpecificationError(
            "The model has no regressor besides the lagged dependent variable: nothing to shock."
        )
    chosen = list(beta_pos) if impulse is None else (
        [impulse] if isinstance(impulse, str) else list(impulse))
    for imp in chosen:
        if imp not in beta_pos:
            raise SpecificationError(
                f"impulse={imp!r} is not a regressor of the model."
                f"{did_you_mean(imp, beta_pos)} Regressors: {', '.join(beta_pos)}."
            )
    theta, v = params.to_numpy(), cov.to_numpy()
    k = theta.size
    p = max(rho_pos, default=0)
    rho, drho = np.zeros(p + 1), np.zeros((p + 1, k))
    for j, q in rho_pos.items():
        rho[j], drho[j, q] = theta[q], 1.0
    denom = 1.0 - rho.sum()
    rows, lr_rows = [], []
    for imp in chosen:
        m, dm = np.zeros(periods + 1), np.zeros((periods + 1, k))
        for h in range(periods + 1):
            if h in beta_pos[imp]:
                m[h], dm[h, beta_pos[imp][h]] = theta[beta_pos[imp][h]], 1.0
            for j in range(1, min(h, p) + 1):
                m[h] += rho[j] * m[h - j]
                dm[h] += rho[j] * dm[h - j] + m[h - j] * drho[j]
        cm, cdm = np.cumsum(m), np.cumsum(dm, axis=0)
        se = np.sqrt(np.einsum("hk,kl,hl->h", dm, v, dm))
        cse = np.sqrt(np.einsum("hk,kl,hl->h", cdm, v, cdm))
        rows += [(imp, h, m[h], se[h], cm[h], cse[h]) for h in range(periods + 1)]
        total = sum(theta[q] for q in beta_pos[imp].values())
        grad = np.zeros(k)
        grad[list(beta_pos[imp].values())] = 1.0 / denom
        grad[list(rho_pos.values())] = total / denom**2
        lr, lr_se = total / denom, float(np.sqrt(grad @ v @ grad))
        z = lr / lr_se
        lr_rows.append((imp, lr, lr_se, z, 2 * stats.norm.sf(abs(z))))
    mult = pd.DataFrame(rows, columns=["impulse", "h", "effect", "std_error", "cumulative",
                                       "cumulative_se"]).set_index(["impulse", "h"])
    long_run = pd.DataFrame(lr_rows, columns=["impulse", "effect", "std_error", "z",
                                              "p_value"]).set_index("impulse")
    return DynamicMultipliers(mult, long_run)
