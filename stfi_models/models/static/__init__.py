"""Static panel estimators (see :mod:`stfi_models.models.static.base`)."""

from stfi_models.models.static.base import (
    EFFECTS,
    SINGLETONS,
    Between,
    FirstDifference,
    FixedEffects,
    PooledOLS,
    RandomEffects,
    hausman,
)

__all__ = ["PooledOLS", "FixedEffects", "RandomEffects", "FirstDifference", "Between",
           "hausman", "EFFECTS", "SINGLETONS"]
