"""Spatial panel models with fixed effects (SAR, SEM, SDM, SDEM, SAC) by maximum likelihood.

Modules, one job each: :mod:`.stack` (balanced panel in weights order, within transformation,
spatial lags), :mod:`.logdet` (log-determinant and parameter space; the Chebyshev and Monte
Carlo approximations in :mod:`.logdet_approx`), :mod:`.likelihood`
(concentrated likelihoods and the solver), :mod:`.information` (analytic information
matrices), :mod:`.estimators` (the models), :mod:`.effects` and :mod:`.impacts` (LeSage-Pace
effects and their inference), :mod:`.results` (the Result), :mod:`.choice` (LM, Wald and
LR tests for the choice of model), :mod:`.sac` (the two-parameter SAC model).
"""

from stfi_models.models.spatial.choice import ModelChoice, lm_tests, sdm_tests, spatial_model_choice
from stfi_models.models.spatial.estimators import (
    SpatialDurbin,
    SpatialDurbinError,
    SpatialError,
    SpatialLag,
)
from stfi_models.models.spatial.impacts import SpatialEffects
from stfi_models.models.spatial.logdet import LOGDET_METHODS, LogDet
from stfi_models.models.spatial.results import SpatialResult
from stfi_models.models.spatial.sac import SpatialSAC

__all__ = ["SpatialLag", "SpatialError", "SpatialDurbin", "SpatialDurbinError", "SpatialSAC",
           "SpatialResult",
           "SpatialEffects", "LogDet", "LOGDET_METHODS",
           "spatial_model_choice", "ModelChoice", "lm_tests", "sdm_tests"]
