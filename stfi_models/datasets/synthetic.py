r"""A seeded synthetic 31-province panel with known effects (teaching, pipeline checks).

It shows that the replication pipeline recovers the truth.

The panel has the keys of the bundled China panel (``prov_code``, ``province_en``,
``region3``, ``year``) and the analysis columns of the two replication studies
(``formulas/stfi_regional.toml``, ``formulas/tech_finance_nqp.toml``), on the scale they
have there (indices in [0, 1], logs of patents per resident, TFP growth of a few percent):

* **Index -> innovation** (static two-way FE):
  :math:`\text{innovation}_{it} = \beta\,\text{STFI}_{it} + \gamma\,\text{ln\_gdp\_pc}_{it}
  + \mu_i + \lambda_t + e_{it}`, with ``STFI`` correlated with :math:`\mu_i` (pooled OLS is
  biased, FE is not).
* **Mediation** ``market -> ric -> NQP``: the chain of
  :func:`~stfi_models.datasets.synthetic_mediation.simulate_mediation_panel` (two-way FE,
  confounded treatment, AR(1) errors), rescaled to the index scale; the truth is rescaled
  with it (the proportion mediated is scale-free).
* **Panel VAR(1)** of ``d_STFI, d_innovation, tfp_growth``:
  :math:`y_{it} = \mu_i + A\,y_{i,t-1} + \varepsilon_{it}`, :math:`\varepsilon \sim N(0,
  \Sigma)`, started from its stationary mean with a burn-in.

``frame.attrs["truth"]`` holds every true parameter.  The benchmark
``benchmarks/synthetic_recovery.py`` repeats the recovery over many seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models._checks import check_size, generator
from stfi_models.datasets.provinces import china_provinces
from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel
from stfi_models.exceptions import SpecificationError

__all__ = ["simulate_stfi_panel", "var_panel_block", "PVAR_NAMES", "DEFAULT_VAR", "DEFAULT_SIGMA"]

#: Variables of the panel VAR block, in equation order.
PVAR_NAMES = ("d_STFI", "d_innovation", "tfp_growth")

#: Default VAR(1) coefficient matrix (rows: equations; stable, largest modulus about 0.5).
DEFAULT_VAR = np.array([[0.40, 0.00, 0.00],
                        [0.30, 0.30, 0.00],
                        [0.10, 0.05, 0.35]])

#: Default innovation covariance of the VAR block (standard deviations 0.01, 0.1, 0.02).
DEFAULT_SIGMA = np.diag([0.01, 0.1, 0.02]) @ np.array(
    [[1.0, 0.3, 0.2], [0.3, 1.0, 0.2], [0.2, 0.2, 1.0]]) @ np.diag([0.01, 0.1, 0.02])


def var_panel_block(rng: np.random.Generator, n: int, t: int, a: np.ndarray, sigma: np.ndarray,
               burn_in: int) -> np.ndarray:
    """``(n, t, m)`` draws of a VAR(1) with entity effects, after ``burn_in`` periods.

    The process behind :func:`simulate_stfi_panel`'s PVAR block, for any number of entities
    (``benchmarks/pvar_recovery.py`` uses it to study the estimator as N grows).
    """
    m = a.shape[0]
    means = np.array([0.01, 0.05, 0.03]) + 0.01 * rng.standard_normal((n, m))
    mu = means @ (np.eye(m) - a).T  # intercepts giving these stationary means
    chol = np.linalg.cholesky(sigma)
    y = np.empty((n, t + burn_in, m))
    y[:, 0] = means
    for s in range(1, t + burn_in):
        y[:, s] = mu + y[:, s - 1] @ a.T + rng.standard_normal((n, m)) @ chol.T
    return y[:, burn_in:]


def simulate_stfi_panel(
    n_years: int = 12,
    *,
    beta: float = 1.5,
    gamma: float = 0.8,
    a: float = 0.5,
    b: float = 0.4,
    direct: float = 0.2,
    var: np.ndarray | None = None,
    sigma: np.ndarray | None = None,
    first_year: int = 2012,
    burn_in: int = 50,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    r"""Simulate the 31-province panel with known effects (module docstring).

    Parameters
    ----------
    n_years : int, default 12
        Years per province (balanced), at least 4.
    beta, gamma : float
        Effect of ``STFI`` and of ``ln_gdp_pc`` on ``innovation``.
    a, b, direct : float
        Mediation paths on the standardised scale of
        :func:`~stfi_models.datasets.synthetic_mediation.simulate_mediation_panel`
        (``market -> ric``, ``ric -> NQP``, ``market -> NQP``); the columns are rescaled and
        ``attrs["truth"]`` reports the paths on the columns' scale.
    var, sigma : ndarray, optional
        VAR(1) matrix (3 x 3, stable) and innovation covariance of
        ``(d_STFI, d_innovation, tfp_growth)``; defaults :data:`DEFAULT_VAR`,
        ``DEFAULT_SIGMA``.
    first_year : int
    burn_in : int
        VAR periods discarded before the sample.
    seed : int, numpy Generator or None

    Returns
    -------
    pandas.DataFrame
        Keys ``prov_code, province_en, region3, year``; ``STFI``, ``ln_gdp_pc``,
        ``innovation``; ``market``, ``ric``, ``NQP``, ``w``; ``d_STFI``, ``d_innovation``,
        ``tfp_growth``.  ``attrs["truth"]``: ``beta``, ``gamma``, ``mediation`` (``a``,
        ``b``, ``direct``, ``indirect``, ``total``, ``proportion``), ``var`` (nested lists,
        rows = equations) and ``sigma``.

    Raises
    ------
    SpecificationError
        Too few years, or a VAR matrix of the wrong shape or not stable.

    Examples
    --------
    >>> from stfi_models.datasets.synthetic import simulate_stfi_panel
    >>> df = simulate_stfi_panel(8, seed=1)
    >>> df.shape[0], df.attrs["truth"]["beta"]
    (248, 1.5)
    """
    if int(n_years) < 4:
        raise SpecificationError(f"n_years must be at least 4, got {n_years}.")
    a_var = DEFAULT_VAR if var is None else np.asarray(var, dtype=float)
    sig = DEFAULT_SIGMA if sigma is None else np.asarray(sigma, dtype=float)
    if a_var.shape != (3, 3) or sig.shape != (3, 3):
        raise SpecificationError("var and sigma must be 3 x 3 (d_STFI, d_innovation, "
                                 "tfp_growth).")
    if np.max(np.abs(np.linalg.eigvals(a_var))) >= 1:
        raise SpecificationError("var is not stable: every eigenvalue must have modulus < 1.")
    check_size(float(n_years) * 31, 10**7, f"n_years={n_years}", "simulate_stfi_panel")
    rng = generator(seed, "simulate_stfi_panel")  # a Generator is returned unaltered
    provinces = china_provinces()
    n, t = len(provinces), int(n_years)
    years = np.arange(first_year, first_year + t)
    # Index -> innovation: STFI in (0, 1), trending up, correlated with the province effect.
    mu = rng.normal(0.0, 0.5, (n, 1))
    stfi = np.clip(0.12 + 0.05 * mu + 0.01 * np.arange(t) + rng.normal(0, 0.03, (n, t)),
                   0.01, 0.99)
    ln_gdp_pc = 1.5 + 0.3 * mu + 0.06 * np.arange(t) + rng.normal(0, 0.05, (n, t))
    lam = 0.1 * np.arange(t) + rng.normal(0, 0.05, (1, t))
    innovation = (beta * stfi + gamma * ln_gdp_pc + mu + lam - 2.0
                  + rng.normal(0, 0.1, (n, t)))
    # Mediation chain on the index scale.
    med = simulate_mediation_panel(n, t, a=a, b=b, direct=direct, seed=rng)
    sx, sm, sy = 0.05, 0.3, 0.04
    truth_med = dict(med.attrs["truth"])
    scaled = {"a": a * sm / sx, "b": b * sy / sm, "direct": direct * sy / sx}
    scaled["indirect"] = scaled["a"] * scaled["b"]
    scaled["total"] = scaled["direct"] + scaled["indirect"]
    scaled["proportion"] = truth_med["proportion"]
    # Panel VAR block.
    block = var_panel_block(rng, n, t, a_var, sig, int(burn_in))
    frame = pd.DataFrame({
        "prov_code": np.repeat(provinces["prov_code"].to_numpy(), t),
        "province_en": np.repeat(provinces["province_en"].to_numpy(), t),
        "region3": np.repeat(provinces["region3"].to_numpy(), t),
        "year": np.tile(years, n),
        "STFI": stfi.ravel(),
        "ln_gdp_pc": ln_gdp_pc.ravel(),
        "innovation": innovation.ravel(),
        "market": 0.15 + sx * med["x"].to_numpy(),
        "ric": -1.0 + sm * med["m"].to_numpy(),
        "NQP": 0.15 + sy * med["y"].to_numpy(),
        "w": med["w"].to_numpy(),
    })
    for k, name in enumerate(PVAR_NAMES):
        frame[name] = block[:, :, k].ravel()
    frame.attrs["truth"] = {
        "beta": beta, "gamma": gamma, "mediation": scaled,
        "var": a_var.tolist(), "sigma": sig.tolist(),
    }
    return frame
