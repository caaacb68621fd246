"""Regional inequality: Dagum Gini decomposition, Theil indices, kernel densities."""

from stfi_models.inequality.dagum import DagumResult, dagum_gini
from stfi_models.inequality.density import DensityResult, bandwidth_rule, kernel_density
from stfi_models.inequality.theil import TheilResult, theil

__all__ = [
    "dagum_gini",
    "DagumResult",
    "theil",
    "TheilResult",
    "kernel_density",
    "DensityResult",
    "bandwidth_rule",
]
