r"""Seeded dynamic panels with known parameters, for checking dynamic panel GMM.

.. math::

    y_{it} = \rho\, y_{i,t-1} + \beta\, x_{it} + \eta_i + \varepsilon_{it}, \qquad
    x_{it} = \phi\, x_{i,t-1} + \gamma\, \eta_i + \delta\, \varepsilon_{i,t-1} + \nu_{it},

with :math:`\eta_i \sim N(0, \sigma_\eta^2)`,
:math:`\varepsilon_{it} \sim N(0, \sigma_\varepsilon^2)` and
:math:`\nu_{it} \sim N(0, 1)` independent.  ``x`` is correlated with the individual
effect and, through :math:`\delta`, predetermined (not strictly exogenous) when
:math:`\delta \ne 0`.  Each series starts ``burn_in`` periods before the sample from its
mean given :math:`\eta_i`, so the initial conditions satisfy the Blundell-Bond (1998)
mean-stationarity assumption under which system GMM is consistent.

References
----------
Blundell, R. and Bond, S. (1998). Initial conditions and moment restrictions in dynamic
panel data models. *Journal of Econometrics* 87: 115-143.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models._checks import check_size, generator
from stfi_models.exceptions import SpecificationError

__all__ = ["simulate_dynamic_panel"]


def simulate_dynamic_panel(
    n_entities: int = 500,
    n_periods: int = 8,
    *,
    rho: float = 0.5,
    beta: float = 1.0,
    phi: float = 0.5,
    gamma: float = 0.5,
    delta: float = 0.0,
    sigma_eta: float = 1.0,
    sigma_eps: float = 1.0,
    burn_in: int = 50,
    drop_share: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    r"""Simulate a dynamic panel with known :math:`\rho` and :math:`\beta`.

    Parameters
    ----------
    n_entities, n_periods : int
        Panel size (periods ``1..n_periods``).
    rho, beta : float
        Autoregressive coefficient (``|rho| < 1``) and slope on ``x``.
    phi, gamma, delta : float
        Persistence of ``x``, its loading on the individual effect, and its feedback from
        last period's shock (``delta != 0`` makes ``x`` predetermined).
    sigma_eta, sigma_eps : float
        Standard deviations of the individual effect and the idiosyncratic error.
    burn_in : int
        Periods simulated and discarded before the sample.
    drop_share : float
        Share of rows removed at random afterwards (an unbalanced panel with gaps).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``id, t, y, x``; ``attrs["truth"]`` holds the parameters.

    Examples
    --------
    >>> from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel
    >>> df = simulate_dynamic_panel(100, 6, rho=0.4, seed=1)
    >>> df.shape, df.attrs["truth"]["rho"]
    ((600, 4), 0.4)
    """
    if not -1 < rho < 1 or not -1 < phi < 1:
        raise SpecificationError(f"rho and phi must lie in (-1, 1) for a stationary panel; got "
                                 f"rho={rho}, phi={phi}.")
    if n_entities < 1 or n_periods < 1 or burn_in < 0:
        raise SpecificationError("n_entities and n_periods must be positive, burn_in >= 0.")
    if not 0 <= drop_share < 1:
        raise SpecificationError(f"drop_share must be in [0, 1), got {drop_share}.")
    check_size(float(n_entities) * (burn_in + n_periods), 10**8,
               f"n_entities={n_entities} x (burn_in + n_periods)", "simulate_dynamic_panel")
    rng = generator(seed, "simulate_dynamic_panel")
    total = burn_in + n_periods
    eta = rng.normal(0.0, sigma_eta, n_entities)
    eps = rng.normal(0.0, sigma_eps, (n_entities, total))
    nu = rng.normal(0.0, 1.0, (n_entities, total))
    x = np.empty((n_entities, total))
    y = np.empty((n_entities, total))
    x_prev = gamma * eta / (1 - phi)
    y_prev = (beta * x_prev + eta) / (1 - rho)
    eps_prev = np.zeros(n_entities)
    for t in range(total):
        x[:, t] = phi * x_prev + gamma * eta + delta * eps_prev + nu[:, t]
        y[:, t] = rho * y_prev + beta * x[:, t] + eta + eps[:, t]
        x_prev, y_prev, eps_prev = x[:, t], y[:, t], eps[:, t]
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(1, n_entities + 1), n_periods),
            "t": np.tile(np.arange(1, n_periods + 1), n_entities),
            "y": y[:, burn_in:].ravel(),
            "x": x[:, burn_in:].ravel(),
        }
    )
    if drop_share:
        frame = frame[rng.random(len(frame)) >= drop_share].reset_index(drop=True)
    frame.attrs["truth"] = {"rho": rho, "beta": beta, "phi": phi, "gamma": gamma,
                            "delta": delta, "sigma_eta": sigma_eta, "sigma_eps": sigma_eps}
    return frame
