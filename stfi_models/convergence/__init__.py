"""Convergence of a regional indicator: sigma, beta (cross-section and panel) and spatial beta.

* :mod:`~stfi_models.convergence.sigma_beta` -- sigma convergence, beta convergence and the
  implied speed and half-life;
* :mod:`~stfi_models.convergence.spatial` -- spatial beta convergence (SDM/SAR/SEM/SDEM/SAC of
  growth on the initial level).
"""

from stfi_models.convergence.sigma_beta import (
    BetaResult,
    SigmaResult,
    beta_convergence,
    convergence_speed,
    sigma_convergence,
)
from stfi_models.convergence.spatial import SpatialBetaResult, spatial_beta_convergence

__all__ = [
    "sigma_convergence",
    "SigmaResult",
    "beta_convergence",
    "BetaResult",
    "convergence_speed",
    "spatial_beta_convergence",
    "SpatialBetaResult",
]
