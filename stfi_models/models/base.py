"""What every estimator shares: construction from a formula, option checking, the registry.

An estimator is a class with

* ``__init__(self, spec: FormulaSpec, panel: PanelData, *, <model options>)`` that validates
  and stores everything (and builds what it needs, e.g. a :class:`Design`), and
* ``fit(self, *, <fit options>) -> Result``.

:func:`stfi_models.fit` splits the user's keywords between the two by signature and rejects
unknown ones with a "did you mean" hint, so estimators never see stray keywords.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, ClassVar

import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.formula.grammar import parse_formula
from stfi_models.formula.spec import FormulaSpec
from stfi_models.panel import PanelData, as_panel

__all__ = ["PanelModel", "MODELS", "model_class", "model_keywords", "split_options"]

#: model name -> "module:Class"; imported lazily so a model's dependencies load only when used.
MODELS: dict[str, str] = {
    "pooled": "stfi_models.models.static:PooledOLS",
    "fe": "stfi_models.models.static:FixedEffects",
    "re": "stfi_models.models.static:RandomEffects",
    "fd": "stfi_models.models.static:FirstDifference",
    "between": "stfi_models.models.static:Between",
    "diff-gmm": "stfi_models.models.gmm:DiffGMM",
    "sys-gmm": "stfi_models.models.gmm:SystemGMM",
    "pvar": "stfi_models.models.pvar:PanelVAR",
    "sar": "stfi_models.models.spatial:SpatialLag",
    "sem": "stfi_models.models.spatial:SpatialError",
    "sdm": "stfi_models.models.spatial:SpatialDurbin",
    "sdem": "stfi_models.models.spatial:SpatialDurbinError",
    "sac": "stfi_models.models.spatial:SpatialSAC",
    "iv": "stfi_models.models.iv:IVModel",
    "threshold": "stfi_models.models.threshold:PanelThreshold",
    "pstr": "stfi_models.models.threshold:PanelSmoothTransition",
    "dynamic-threshold": "stfi_models.models.threshold:DynamicThreshold",
}


class PanelModel:
    """Base class: a parsed formula on a validated panel."""

    name: ClassVar[str] = ""

    def __init__(self, spec: FormulaSpec, panel: PanelData) -> None:
        if spec.endogenous is not None and self.name != "iv":
            raise SpecificationError(
                f"model={self.name!r} takes no instrumental-variables part "
                f"{spec.endogenous.text}; use model='iv' (the default for such a formula) or "
                "remove the bracket."
            )
        self.spec = spec
        self.panel = panel

    @classmethod
    def from_formula(
        cls,
        formula: str | FormulaSpec,
        data: pd.DataFrame | PanelData,
        *,
        entity: str | None = None,
        time: str | None = None,
        **options: Any,
    ) -> PanelModel:
        """Build the model from a formula and a DataFrame (or PanelData)."""
        spec = formula if isinstance(formula, FormulaSpec) else parse_formula(formula)
        init_opts, fit_opts = split_options(cls, options)
        if fit_opts:
            raise SpecificationError(
                f"{', '.join(fit_opts)} are options of fit(), not of the model's construction."
            )
        return cls(spec, as_panel(data, entity, time), **init_opts)

    def fit(self, **options: Any):  # pragma: no cover - abstract
        """Estimate and return a Result."""
        raise NotImplementedError


def model_class(name: str) -> type[PanelModel]:
    """Return the estimator class registered as ``name`` (with a "did you mean" on typos)."""
    check_choice("model", name, MODELS)
    module, cls = MODELS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def _keywords(func) -> set[str]:
    return {
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        and p.name not in {"self", "spec", "panel"}
    }


def model_keywords(cls: type[PanelModel]) -> set[str]:
    """Every option a model accepts, at construction or in ``fit``."""
    return _keywords(cls.__init__) | _keywords(cls.fit)


def split_options(cls: type[PanelModel], options: dict[str, Any]) -> tuple[dict, dict]:
    """Split keywords into (constructor options, fit options); reject unknown ones."""
    init_keys, fit_keys = _keywords(cls.__init__), _keywords(cls.fit)
    allowed = init_keys | fit_keys | {"model", "entity", "time", "delta", "freq"}
    for key in options:
        if key not in init_keys | fit_keys:
            raise SpecificationError(
                f"Unknown option '{key}' for model '{cls.name}'.{did_you_mean(key, allowed)} "
                f"Options of this model: {', '.join(sorted(allowed))}."
            )
    init = {k: v for k, v in options.items() if k in init_keys}
    fit = {k: v for k, v in options.items() if k in fit_keys and k not in init_keys}
    return init, fit
