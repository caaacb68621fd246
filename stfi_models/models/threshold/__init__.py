"""Panel threshold models: Hansen's (1999) fixed-effects threshold regression.

``fit("y ~ x + regimes(z, by=q) | id", data, model="threshold", thresholds=2)`` returns a
:class:`ThresholdResult`; see :mod:`stfi_models.models.threshold.model`.
"""

from __future__ import annotations

from stfi_models.models.threshold.model import CONVENTIONS, PanelThreshold
from stfi_models.models.threshold.results import ThresholdResult

__all__ = ["PanelThreshold", "ThresholdResult", "CONVENTIONS"]
