"""Panel threshold models: Hansen (1999) sharp thresholds, smooth transitions, dynamic GMM.

Hansen's fixed-effects threshold regression, the panel smooth transition regression of
González, Teräsvirta & van Dijk (2005) and the first-difference GMM dynamic threshold model of
Seo & Shin (2016, ``model="dynamic-threshold"``, :mod:`.dynamic`).

``fit("y ~ x + regimes(z, by=q) | id", data, model="threshold", thresholds=2)`` returns a
:class:`ThresholdResult` (:mod:`stfi_models.models.threshold.model`); ``model="pstr"`` a
:class:`SmoothTransitionResult` (:mod:`stfi_models.models.threshold.smooth`).
"""

from __future__ import annotations

from stfi_models.models.threshold.dynamic import DynamicThreshold
from stfi_models.models.threshold.model import CONVENTIONS, PanelThreshold
from stfi_models.models.threshold.results import SmoothTransitionResult, ThresholdResult
from stfi_models.models.threshold.smooth import PanelSmoothTransition

__all__ = ["PanelThreshold", "ThresholdResult", "CONVENTIONS", "PanelSmoothTransition",
           "SmoothTransitionResult", "DynamicThreshold"]
