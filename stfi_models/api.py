"""The front door: ``fit(formula, data, model=..., ...)``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.formula.design import absorbed_effects
from stfi_models.formula.grammar import parse_formula
from stfi_models.models.base import MODELS, model_class, model_keywords, split_options
from stfi_models.panel import PanelData, as_panel
from stfi_models.results.result import Result

__all__ = ["fit"]


def fit(
    formula: str,
    data: pd.DataFrame | PanelData,
    *,
    model: str | None = None,
    entity: str | None = None,
    time: str | None = None,
    delta: float | None = None,
    freq: str | None = None,
    **options: Any,
) -> Result:
    """Estimate a panel model from a formula.

    Parameters
    ----------
    formula : str
        patsy syntax plus panel operators (``L(x, 1:2)``, ``F(x)``, ``D(x)``), absorbed
        effects (``C(<entity>)``, ``C(<time>)`` or ``| entity + time``), instrument parts
        (``| gmm(y, 2:.) + iv(x)``) and systems (``y1 + y2 ~ L(1:2)``).
    data : pandas.DataFrame or PanelData
        Long panel; give ``entity=`` and ``time=`` or a 2-level MultiIndex.
    model : str, optional
        ``"pooled"``, ``"fe"``, ``"re"``, ``"fd"``, ``"between"`` and the dynamic models
        registered in :data:`stfi_models.models.base.MODELS`.  Default: ``"fe"`` when the
        formula absorbs effects, else ``"pooled"``; ``"iv"`` when it has an
        instrumental-variables part ``[endog ~ instruments]``.
    entity, time : str, optional
        Panel key columns.
    delta, freq : optional
        The time grid (:class:`~stfi_models.panel.PanelData`): ``delta`` the step between
        periods (needed for non-integer numeric times), ``freq`` the period of date keys
        (inferred by default), so that a period missing from the whole panel is a gap.
    **options
        Options of the chosen model and of its ``fit`` (e.g. ``vcov="cluster"``); unknown
        names are refused with a suggestion.

    Returns
    -------
    Result

    Examples
    --------
    >>> import stfi_models as sm
    >>> ab = sm.load_abdata()
    >>> res = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year", vcov="cluster")
    >>> round(float(res.params["w"]), 4)
    -0.3678
    """
    _check_options(model, options)  # a typo is named before the data are touched
    panel = as_panel(data, entity, time, delta=delta, freq=freq)
    spec = parse_formula(formula)
    name = model if model is not None else (
        "iv" if spec.endogenous is not None
        else "fe" if absorbed_effects(spec, panel) else "pooled")
    cls = model_class(name)
    init_opts, fit_opts = split_options(cls, options)
    return cls(spec, panel, **init_opts).fit(**fit_opts)


def _check_options(model: str | None, options: dict[str, Any]) -> None:
    """Refuse options no candidate model takes, with a "did you mean" hint."""
    defaults = [name for name in ("pooled", "fe", "iv") if name in MODELS]  # fit's choices
    names = [model] if model is not None else defaults
    known = set().union(*(model_keywords(model_class(name)) for name in names))
    allowed = sorted(known | {"model", "entity", "time", "delta", "freq"})
    for key in options:
        if key not in known:
            raise SpecificationError(
                f"Unknown option '{key}' for fit(model={model or '/'.join(defaults)!r})."
                f"{did_you_mean(key, allowed)} Options: {', '.join(allowed)}."
            )
