"""Spatial statistics: weights (China provinces bundled), global and local Moran's I, Geary's C."""

from stfi_models.spatial.builders import (
    combine_weights,
    distance_band_weights,
    economic_distance_weights,
    knn_weights,
)
from stfi_models.spatial.geary import GearyPanel, GearyResult, geary
from stfi_models.spatial.local import LocalMoranResult, local_moran
from stfi_models.spatial.moran import MoranPanel, MoranResult, moran
from stfi_models.spatial.weights import SpatialWeights, china_weights, read_gal

__all__ = [
    "SpatialWeights",
    "read_gal",
    "china_weights",
    "knn_weights",
    "distance_band_weights",
    "economic_distance_weights",
    "combine_weights",
    "moran",
    "MoranResult",
    "MoranPanel",
    "local_moran",
    "LocalMoranResult",
    "geary",
    "GearyResult",
    "GearyPanel",
]
