"""The spatial step of a study: LM/Wald/LR model choice, then the SDM with its effects.

Study-file table (one per study)::

    [spatial]
    formula = "innovation ~ STFI + ln_gdp_pc + tertiary"   # the non-spatial model
    effects = "twoways"        # entity | time | twoways (default twoways)
    draws = 1000               # simulation draws of the effects' standard errors
    seed = 20240601

Weights: the bundled row-standardised contiguity of the provinces in the data
(:func:`stfi_models.spatial.china_weights` keyed by the study's entity column).  The spatial
models need a balanced sample, so the step keeps the years in which every province has every
model variable and says how many it dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, check_kwargs
from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure
from stfi_models.replicate.steps import Context

__all__ = ["spatial_step", "STEPS_SPATIAL"]

_KEYS = ("formula", "effects", "draws", "seed", "lag_convention", "level")


def _balanced(ctx: Context, formula: str) -> tuple[pd.DataFrame, list[Any]]:
    """Rows of the years in which every entity has every column the formula names."""
    from stfi_models.formula import parse_formula

    names = [n for n in parse_formula(formula).names() if n in ctx.frame.columns]
    frame = ctx.frame.dropna(subset=names)
    entities = sorted(ctx.frame[ctx.entity].unique(), key=str)
    counts = frame.groupby(ctx.time)[ctx.entity].nunique()
    years = counts.index[counts == len(entities)]
    dropped = sorted(set(ctx.frame[ctx.time]) - set(years))
    return frame[frame[ctx.time].isin(years)], dropped


def spatial_step(table: Mapping[str, Any], ctx: Context) -> Section:
    """Elhorst's model choice table, the SDM and its LeSage-Pace effects."""
    from stfi_models.models.spatial import spatial_model_choice
    from stfi_models.spatial import china_weights

    check_kwargs("[spatial]", table, _KEYS)
    if "formula" not in table:
        raise SpecificationError("[spatial] needs formula = \"y ~ x1 + x2\" (non-spatial model).")
    formula = str(table["formula"])
    effects = str(table.get("effects", "twoways"))
    try:
        w = china_weights(key=ctx.entity)
    except SpecificationError as exc:
        raise SpecificationError(f"[spatial] needs the entity column to be a province key "
                                 f"(prov_code, adcode, province_zh, province_en): {exc}") from None
    frame, dropped = _balanced(ctx, formula)
    w = w.subset(sorted(set(frame[ctx.entity]), key=list(w.ids).index))
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
              "of the SDM against SAR and SEM; SDM by ML (lag of the demeaned y, as splm); "
              f"LeSage-Pace effects with simulated SEs ({eff.draws['draw'].nunique()} draws)."),
        tables=[ReportTable.from_frame("spatial_choice", "Spatial model choice", tests),
                ReportTable.from_frame("spatial_sdm", "Spatial Durbin model", sdm.tidy()),
                ReportTable.from_frame("spatial_effects", "Direct, indirect and total effects "
                                       "of the SDM", tidy)],
        figures=[ReportFigure("spatial_effects", "SDM effects with 95% intervals",
                              render_figure(eff.plot()))],
        headline=[f"Spatial model choice: {choice.verdict.upper()}; SDM rho = "
                  f"{sdm.params['rho']:.3f}; indirect (spillover) effect of {first} = "
                  f"{row['estimate']:.3f} (SE {row['std_error']:.3f})"],
    )


#: Table name of the replication file -> step (to be merged into ``steps.STEPS``).
STEPS_SPATIAL = {"spatial": spatial_step}
