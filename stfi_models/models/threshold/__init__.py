"""Panel threshold models: Hansen (1999) sharp thresholds and smooth transitions (PSTR).

Hansen's fixed-effects threshold regression and the panel smooth transition regression of
González, Teräsvirta & van Dijk (2005).

``fit("y ~ x + regimes(z, by=q) | id", data, model="threshold", thresholds=2)`` returns a
:class:`ThresholdResult` (:mod:`stfi_models.models.threshold.model`); ``model="pstr"`` a
:class:`SmoothTransitionResult` (:mod:`stfi_models.models.threshold.smooth`).
"""

from __future__ import annotations

from stfi_models.models.threshold.model import CONVENTIONS, PanelThreshold
from stfi_models.models.threshold.results import SmoothTransitionResult, ThresholdResult
from stfi_models.models.threshold.smooth import PanelSmoothTransition

__all__ = ["PanelThreshold", "ThresholdResult", "CONVENTIONS", "PanelSmoothTransition",
           "SmoothTransitionResult"]
