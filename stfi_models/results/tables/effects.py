r"""Rows of spillover effects in a regression table: direct, indirect and total.

Spatial models with a spatial lag of :math:`y` (SAR, SDM, SAC) or :math:`W x` terms (SDEM)
are read through their LeSage-Pace effects (LeSage & Pace 2009, sec. 2.7), not their
coefficients.  ``etable(models, effects=True)`` adds, under the coefficients, one block per
kind of effect (as Stata's ``xsmle, effects`` and ``esttab`` print them: ``LR_Direct``,
``LR_Indirect``, ``LR_Total``), each holding a row per variable with the estimate, its stars
and the table's choice of standard error, t statistic, p-value or interval beneath;
``etable([eff1, eff2])`` makes a table of effects alone.

``results/`` does not import ``models/``: effects are read through two small protocols.
An effects object (e.g. :class:`stfi_models.models.spatial.SpatialEffects`) has
``estimates`` (variables x ``direct``, ``indirect``, ``total``), ``inference`` (how its
standard errors were obtained, in words), ``model``, ``dependent`` and
``to_frame(level)`` (the tidy table: ``variable, effect, estimate, std_error, statistic,
p_value, conf_low, conf_high``).  A Result offers effects when ``has_effects`` is true and
``effects(**options)`` returns such an object.

References
----------
LeSage, J. & Pace, R. K. (2009). *Introduction to Spatial Econometrics*. CRC Press.
Belotti, F., Hughes, G. & Piano Mortari, A. (2017). Spatial panel-data models using Stata.
*Stata Journal* 17(1), 139-180.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.results.tables.table import Row

__all__ = ["EffectsLike", "EffectsOption", "is_effects", "resolve_effects", "effect_blocks",
           "effects_note", "KINDS"]

#: The kinds of effect, in the order a table prints their blocks, with their row labels.
KINDS = {"direct": "Direct", "indirect": "Indirect", "total": "Total"}


@runtime_checkable
class EffectsLike(Protocol):
    """What a table reads from an effects object (``SpatialEffects`` is one)."""

    estimates: pd.DataFrame
    model: str
    dependent: str

    @property
    def inference(self) -> str:
        """How the standard errors were obtained, in words."""

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """Return the tidy table of the effects, intervals at ``level``."""


#: ``effects=`` of :func:`~stfi_models.results.tables.etable`.
EffectsOption = bool | Mapping[str, Any] | Sequence[EffectsLike | None]


def is_effects(obj: object) -> bool:
    """Whether ``obj`` is an effects object (and not a Result or anything else)."""
    return isinstance(obj, EffectsLike)


def _offers_effects(res: object) -> bool:
    return bool(getattr(res, "has_effects", False)) and callable(getattr(res, "effects", None))


def resolve_effects(models: Sequence[Any], effects: EffectsOption) -> list[EffectsLike | None]:
    """One effects object (or None) per model, from the ``effects=`` option of ``etable``.

    ``False``: none; ``True``: ``res.effects(method="delta")`` of every model that has
    spillovers (analytic standard errors, so the table is the same on every run); a dict:
    the options of ``res.effects(**options)`` (e.g. ``{"method": "simulation", "draws":
    1000, "seed": 1}``); a list: the effects objects themselves, one per model (None for a
    column without effects).
    """
    if effects is False:
        return [None] * len(models)
    if effects is True or isinstance(effects, Mapping):
        options = {"method": "delta"} if effects is True else dict(effects)
        if not any(_offers_effects(res) for res in models):
            raise SpecificationError(
                "effects=: none of the models has spillover effects. They come from spatial "
                "models with a spatial lag of y (model='sar', 'sdm', 'sac') or W(x) terms "
                "(model='sdem'); a 'sem' or non-spatial model has none."
            )
        return [res.effects(**options) if _offers_effects(res) else None for res in models]
    if isinstance(effects, str) or not isinstance(effects, Sequence):
        raise SpecificationError(
            f"effects={effects!r}: give True, a dict of options of Result.effects() (e.g. "
            "{'method': 'simulation', 'draws': 1000, 'seed': 1}) or a list of effects "
            "objects, one per model (None for a model without)."
        )
    chosen = list(effects)
    if len(chosen) != len(models):
        raise SpecificationError(
            f"effects= lists {len(chosen)} entries for {len(models)} models; give one per "
            "model (None for a model without effects)."
        )
    for k, eff in enumerate(chosen, start=1):
        if eff is not None and not is_effects(eff):
            raise SpecificationError(
                f"effects=: entry {k} is a {type(eff).__name__}, not an effects object; pass "
                "what res.effects() returns, or None."
            )
    return chosen


def effect_blocks(effects: Sequence[EffectsLike | None],
                  select: Callable[[Sequence[str]], list[tuple[str, str]]],
                  cells: Callable[[pd.Series], tuple[str, str]],
                  level: float, beneath: str) -> tuple[tuple[Row, ...], ...]:
    """Blocks of rows, one per kind of effect: ``"<Kind>: <label>"`` and the row beneath.

    ``select`` maps the variables to the (variable, label) pairs shown; ``cells`` turns a row
    of the tidy table into (estimate with stars, the cell beneath); ``beneath`` is the kind
    of the row beneath (the table's ``se``).
    """
    tidy = [None if eff is None else eff.to_frame(level).set_index(["effect", "variable"])
            for eff in effects]
    variables = list(dict.fromkeys(str(v) for eff in effects if eff is not None
                                   for v in eff.estimates.index))
    blocks = []
    for kind, name in KINDS.items():
        rows: list[Row] = []
        for var, label in select(variables):
            pairs = [cells(frame.loc[(kind, var)]) if frame is not None
                     and (kind, var) in frame.index else ("", "") for frame in tidy]
            rows.append(Row(f"{name}: {label}", tuple(p[0] for p in pairs), "coef"))
            rows.append(Row("", tuple(p[1] for p in pairs), beneath))
        if rows:
            blocks.append(tuple(rows))
    return tuple(blocks)


def effects_note(effects: Sequence[EffectsLike | None], columns: Sequence[str]) -> str:
    """Return the table note on the effects: what they are, how their SEs were obtained."""
    how = {col: eff.inference for col, eff in zip(columns, effects, strict=True)
           if eff is not None}
    methods = set(how.values())
    text = (methods.pop() if len(methods) == 1
            else "; ".join(f"{col} {method}" for col, method in how.items()))
    return ("Direct, indirect and total effects (LeSage and Pace 2009); their standard "
            f"errors: {text}.")
