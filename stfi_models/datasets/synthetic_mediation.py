"""A seeded synthetic panel with a known indirect effect, for checking mediation analysis.

The data-generating process is a two-way fixed-effects mediation chain with entity-level
confounding of the treatment and serially correlated (within-entity) errors, so that pooled
OLS is biased, two-way FE is not, and an i.i.d. row bootstrap understates the uncertainty
that a cluster (entity) bootstrap captures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError

__all__ = ["simulate_mediation_panel"]


def _ar1_errors(rng: np.random.Generator, n: int, t: int, rho: float) -> np.ndarray:
    """``(n, t)`` stationary AR(1) errors with unit variance along the time axis."""
    shocks = rng.standard_normal((n, t))
    out = np.empty((n, t))
    out[:, 0] = shocks[:, 0]
    scale = np.sqrt(1.0 - rho**2)
    for s in range(1, t):
        out[:, s] = rho * out[:, s - 1] + scale * shocks[:, s]
    return out


def simulate_mediation_panel(
    n_entities: int = 40,
    n_periods: int = 10,
    *,
    a: float = 0.5,
    b: float = 0.4,
    direct: float = 0.2,
    gamma: float = 0.3,
    rho: float = 0.5,
    confounding: float = 1.0,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    r"""Simulate a balanced panel from a linear mediation chain with two-way fixed effects.

    .. math::

        x_{it} &= \kappa\,\alpha_i + \lambda_t + u_{it}, \\
        w_{it} &= 0.5\,x_{it} + v_{it}, \\
        m_{it} &= a\,x_{it} + \gamma\,w_{it} + \mu_i + \tau_t + e^{m}_{it}, \\
        y_{it} &= c'\,x_{it} + b\,m_{it} + \gamma\,w_{it} + \eta_i + \theta_t + e^{y}_{it},

    with :math:`\alpha_i, \lambda_t, u, v \sim N(0, 1)`; the entity effects
    :math:`\mu_i = \kappa\alpha_i + N(0,1)` and :math:`\eta_i = \kappa\alpha_i + N(0,1)` are
    correlated with the treatment through :math:`\alpha_i` (strength :math:`\kappa` =
    ``confounding``); time effects :math:`\tau_t, \theta_t \sim N(0, 1)`; the errors
    :math:`e^m, e^y` are independent AR(1) processes within each entity with coefficient
    :math:`\rho` and unit variance.  The true paths are ``a``, ``b``, the direct effect
    :math:`c'`, the indirect effect :math:`ab` and the total effect :math:`c' + ab`
    (conditional on :math:`w` and both sets of effects).

    Parameters
    ----------
    n_entities, n_periods : int
        Panel size (balanced), at least 2 each.
    a, b, direct : float
        Treatment -> mediator, mediator -> outcome and treatment -> outcome slopes.
    gamma : float
        Effect of the control ``w`` on the mediator and on the outcome.
    rho : float
        AR(1) coefficient of the errors within entity, in (-1, 1).
    confounding : float
        :math:`\kappa`, how strongly the entity effects of ``m`` and ``y`` are correlated with
        the treatment (0: none, pooled OLS is then consistent too).
    seed : int, numpy.random.Generator or None
        Seed of :func:`numpy.random.default_rng`, or a Generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (entity), ``year`` (2001, 2002, ...), ``x`` (treatment), ``m``
        (mediator), ``y`` (outcome), ``w`` (control).  ``frame.attrs["truth"]`` holds the
        true ``a``, ``b``, ``direct``, ``indirect`` (= a b), ``total`` and
        ``proportion`` (= indirect / total).

    Examples
    --------
    >>> from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel
    >>> df = simulate_mediation_panel(30, 8, seed=1)
    >>> df.shape, df.attrs["truth"]["indirect"]
    ((240, 6), 0.2)
    """
    if int(n_entities) < 2 or int(n_periods) < 2:
        raise SpecificationError(
            f"n_entities and n_periods must be at least 2, got {n_entities} and {n_periods}."
        )
    if not -1 < rho < 1:
        raise SpecificationError(f"rho must lie in (-1, 1) for stationary errors, got {rho}.")
    rng = np.random.default_rng(seed)  # a Generator is returned unaltered
    n, t = int(n_entities), int(n_periods)
    alpha = rng.standard_normal(n)[:, None]
    lam = rng.standard_normal(t)[None, :]
    x = confounding * alpha + lam + rng.standard_normal((n, t))
    w = 0.5 * x + rng.standard_normal((n, t))
    mu = confounding * alpha + rng.standard_normal((n, 1))
    eta = confounding * alpha + rng.standard_normal((n, 1))
    tau = rng.standard_normal((1, t))
    theta = rng.standard_normal((1, t))
    m = a * x + gamma * w + mu + tau + _ar1_errors(rng, n, t, rho)
    y = direct * x + b * m + gamma * w + eta + theta + _ar1_errors(rng, n, t, rho)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(1, n + 1), t),
            "year": np.tile(np.arange(2001, 2001 + t), n),
            "x": x.ravel(),
            "m": m.ravel(),
            "y": y.ravel(),
            "w": w.ravel(),
        }
    )
    indirect = a * b
    total = direct + indirect
    frame.attrs["truth"] = {
        "a": a,
        "b": b,
        "direct": direct,
        "indirect": indirect,
        "total": total,
        "proportion": indirect / total if total else float("nan"),
    }
    return frame
