"""The spatial steps of a study: model choice, the SDM and its effects; spatial convergence.

Study-file table (one per study)::

    [spatial]
    formula = "innovation ~ STFI + ln_gdp_pc + tertiary"   # the non-spatial model
    effects = "twoways"        # entity | time | twoways (default twoways)
    draws = 1000               # simulation draws of the effects' standard errors
    seed = 20240601

and, in ``[convergence]``, ``spatial = "sdm"`` (or sar, sem, sdem, sac) with
``spatial_effects = "twoways"`` adds spatial beta convergence to the convergence section
(:func:`spatial_convergence`).

Weights: the bundled row-standardised contiguity of the provinces in the data
(:func:`stfi_models.spatial.china_weights` keyed by the study's entity column).  The spatial
models need a balanced sample, so the steps keep the years in which every province has every
model variable and say how many they dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, check_kwargs
from stfi_models.replicate.expect import frame_numbers
from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure
from stfi_models.replicate.steps import Context

__all__ = ["spatial_step", "spatial_convergence", "STEPS_SPATIAL"]

_KEYS = ("formula", "effects", "draws", "seed", "lag_convention", "level")


def _balanced(ctx: Context, names: Sequence[str]) -> tuple[pd.DataFrame, list[Any]]:
    """Rows of the years in which every entity has every column of ``names``."""
    names = [n for n in names if n in ctx.frame.columns]
    frame = ctx.frame.dropna(subset=names)
    entities = sorted(ctx.frame[ctx.entity].unique(), key=str)
    counts = frame.groupby(ctx.time)[ctx.entity].nunique()
    years = counts.index[counts == len(entities)]
    dropped = sorted(set(ctx.frame[ctx.time]) - set(years))
    return frame[frame[ctx.time].isin(years)], dropped


def _weights(ctx: Context, frame: pd.DataFrame, where: str) -> Any:
    """Return the bundled contiguity of the provinces of ``frame`` (keyed by the entity)."""
    from stfi_models.spatial import china_weights

    try:
        w = china_weights(key=ctx.entity)
    except SpecificationError as exc:
        raise SpecificationError(f"[{where}] needs the entity column to be a province key "
                                 f"(prov_code, adcode, province_zh, province_en): {exc}") from None
    return w.subset(sorted(set(frame[ctx.entity]), key=list(w.ids).index))


def _models_table(name: str, caption: str, models: Sequence[Any], effects: Sequence[Any],
                  titles: Sequence[str]) -> ReportTable:
    """Return an etable of spatial models with their effects, pinning all their numbers."""
    from stfi_models.results.tables import etable

    terms = list(dict.fromkeys(str(t) for res in models for t in res.params.index))
    rank = {t: 2 if t in ("rho", "lambda") else int(t.startswith("W.")) for t in terms}
    order = [f"^{re.escape(t)}$" for t in sorted(terms, key=rank.__getitem__)]  # x, Wx, rho
    table = ReportTable.from_etable(name, caption, etable(models, titles=titles, order=order,
                                                          effects=effects), models)
    pinned = dict(table.pinned or {})
    for k, eff in enumerate(effects, start=1):
        if eff is not None:
            pinned.update(frame_numbers(f"({k})/effects", eff.to_frame()))
    return dataclasses.replace(table, pinned=pinned)


def spatial_step(table: Mapping[str, Any], ctx: Context) -> Section:
    """Elhorst's model choice table; SAR, SEM and SDM with the SDM's LeSage-Pace effects."""
    from stfi_models.formula import parse_formula
    from stfi_models.models.spatial import spatial_model_choice

    check_kwargs("[spatial]", table, _KEYS)
    if "formula" not in table:
        raise SpecificationError("[spatial] needs formula = \"y ~ x1 + x2\" (non-spatial model).")
    formula = str(table["formula"])
    effects = str(table.get("effects", "twoways"))
    frame, dropped = _balanced(ctx, parse_formula(formula).names())
    w = _weights(ctx, frame, "spatial")
    choice = spatial_model_choice(formula, frame, w=w, entity=ctx.entity, time=ctx.time,
                                  effects=effects, lag_convention=table.get("lag_convention"),
                                  level=float(table.get("level", 0.05)))
    sdm = choice.models["sdm"]
    eff = sdm.effects(draws=int(table.get("draws", 1000)), seed=table.get("seed", 1))
    ctx.results["spatial"] = {"choice": choice, "sdm": sdm, "effects": eff}
    tests = choice.to_frame().reset_index()
    first = eff.estimates.index[0]
    tidy = eff.to_frame()
    row = tidy[(tidy["variable"] == first) & (tidy["effect"] == "indirect")].iloc[0]
    years = sorted(set(frame[ctx.time]))
    return Section(
        key="spatial", title=f"Spatial panel models of {sdm.dependent}",
        note=(f"{effects} fixed effects, row-standardised contiguity of {w.n} provinces, "
              f"{years[0]}-{years[-1]}" + (f" (years dropped for missing data: {dropped})"
                                            if dropped else "")
              + ". LM tests from the non-spatial FE model (Elhorst 2014); Wald and LR tests "
              "of the SDM against SAR and SEM; models by ML (lag of the demeaned y, as splm); "
              f"LeSage-Pace effects with simulated SEs ({eff.draws['draw'].nunique()} draws)."),
        tables=[ReportTable.from_frame("spatial_choice", "Spatial model choice", tests),
                _models_table("spatial_models", "SAR, SEM and SDM; direct, indirect and "
                              "total effects of the SDM",
                              [choice.models[m] for m in ("sar", "sem", "sdm")],
                              [None, None, eff], ["SAR", "SEM", "SDM"])],
        figures=[ReportFigure("spatial_effects", "SDM effects with 95% intervals",
                              render_figure(eff.plot()))],
        headline=[f"Spatial model choice: {choice.verdict.upper()}; SDM rho = "
                  f"{sdm.params['rho']:.3f}; indirect (spillover) effect of {first} = "
                  f"{row['estimate']:.3f} (SE {row['std_error']:.3f})"],
    )


@dataclasses.dataclass(frozen=True)
class SpatialConvergence:
    """What spatial beta convergence adds to the convergence section."""

    tables: list[ReportTable]
    headline: str
    note: str


def spatial_convergence(table: Mapping[str, Any], ctx: Context) -> SpatialConvergence:
    """Spatial beta convergence of ``[convergence] value`` (``spatial = "sdm"``, ...).

    The spatial model of one-period growth on the lagged log level with
    ``spatial_effects`` fixed effects (default two-way) over the bundled contiguity: the
    convergence quantities (beta, speed, half-life, effects of the initial level) and the
    model with its effects.
    """
    from stfi_models.convergence import spatial_beta_convergence

    value, model = str(table["value"]), str(table["spatial"])
    effects = str(table.get("spatial_effects", "twoways"))
    frame, dropped = _balanced(ctx, [value])
    w = _weights(ctx, frame, "convergence")
    res = spatial_beta_convergence(frame, value, ctx.entity, ctx.time, w=w, model=model,
                                   effects=effects)
    ctx.results["convergence.spatial"] = res
    label = model.upper()
    tables = [
        ReportTable.from_frame("spatial_beta_convergence", f"Spatial beta convergence "
                               f"({label}): speed, half-life and effects of the initial level",
                               res.tidy()),
        _models_table("spatial_beta_model", f"Spatial beta convergence: the {label} of growth "
                      "on the initial level", [res.regression], [res.spillovers], [label]),
    ]
    spill = ""
    if res.spillovers is not None:
        spill = (f"; indirect effect of the initial level "
                 f"{res.spillovers.estimates.loc['log_initial', 'indirect']:.4f}")
    years = sorted(set(frame[ctx.time]))
    return SpatialConvergence(
        tables=tables,
        headline=(f"Spatial beta convergence of {value} ({label}, {res.effects} fixed effects): "
                  f"beta = {res.beta:.4f} (SE {res.beta_se:.4f}), half-life "
                  f"{res.half_life:.1f} periods{spill}"),
        note=(f" Spatial beta ({label}, {res.effects} fixed effects, contiguity of {w.n} "
              f"provinces, {years[0]}-{years[-1]}"
              + (f", years dropped for missing data: {dropped}" if dropped else "")
              + "): speed -ln(1 + beta) and half-life with delta-method SEs, LeSage-Pace "
              "effects of the initial level (delta method)."),
    )


#: Table name of the replication file -> step (to be merged into ``steps.STEPS``).
STEPS_SPATIAL = {"spatial": spatial_step}
