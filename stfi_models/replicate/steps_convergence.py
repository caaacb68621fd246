"""Report step ``[convergence]``: sigma and beta convergence, optionally spatial.

The study file's table::

    [convergence]
    value = "STFI"
    kind = "panel"            # beta convergence: "panel" (FE) or "cross-section"
    spatial = "sdm"           # optional: sdm, sar, sem, sdem or sac (spatial beta convergence)
    spatial_effects = "twoways"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure
from stfi_models.replicate.steps import Context, _fmt
from stfi_models.replicate.steps_spatial import spatial_convergence

__all__ = ["convergence", "STEPS_CONVERGENCE"]


def convergence(table: Mapping[str, Any], ctx: Context) -> Section:
    """Sigma convergence by year, panel beta convergence, optionally spatial beta convergence."""
    from stfi_models.convergence import beta_convergence, sigma_convergence

    value = table["value"]
    data = ctx.column(value, "convergence")
    sigma = sigma_convergence(data, value, by=ctx.time)
    beta = beta_convergence(data, value, ctx.entity, ctx.time,
                            kind=table.get("kind", "panel"))
    tables = [ReportTable.from_frame("sigma_convergence", "Sigma convergence", sigma.table),
              ReportTable.from_frame("beta_convergence", "Beta convergence regression",
                                     beta.tidy())]
    headline = [f"Beta convergence of {value}: beta = {_fmt(beta.beta)}"
                + (f", half-life {beta.half_life:.1f} periods"
                   if np.isfinite(beta.half_life) else "")]
    note = f"Sigma: SD of logs and CV by year. Beta ({beta.kind}): {beta.speed_formula}."
    if "spatial" in table:
        spatial = spatial_convergence(table, ctx)
        tables += spatial.tables
        headline.append(spatial.headline)
        note += spatial.note
    return Section(
        key="convergence", title=f"Convergence of {value}", note=note, tables=tables,
        figures=[ReportFigure("sigma_convergence", "Sigma convergence",
                              render_figure(sigma.plot()))],
        headline=headline,
        references=["convergence", *(["spatial_convergence"] if "spatial" in table else [])],
    )


STEPS_CONVERGENCE = {"convergence": convergence}
