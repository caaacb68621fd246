"""Report step ``[threshold]``: Hansen (1999) panel threshold regression.

The study file's table::

    [threshold]
    title = "Threshold effects: innovation on STFI, regimes by GDP per capita"
    formula = "innovation ~ tertiary + regimes(STFI, by=ln_gdp_pc) | province_en + year"
    thresholds = 2
    options = { trim = 0.05, grid = 300, bootstrap = 300, vcov = "cluster" }
    seed = 20240601
    smooth = true      # optional: the smooth-transition (PSTR) fit of the same formula

gives the bootstrap F table for the number of thresholds, the thresholds with their LR
confidence intervals, the regime coefficients and the LR plot; with ``smooth = true`` also the
panel smooth transition regression (González, Teräsvirta & van Dijk 2005) of the same
formula and its linearity tests, to check that a sharp threshold is not an artefact.
Register it as ``STEPS["threshold"] = threshold``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stfi_models.exceptions import SpecificationError, check_kwargs
from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure
from stfi_models.replicate.steps import Context

__all__ = ["threshold", "THRESHOLD_STEPS"]

_KEYS = ("title", "formula", "thresholds", "options", "seed", "level", "smooth")


def threshold(table: Mapping[str, Any], ctx: Context) -> Section:
    """Threshold regression: F tests with bootstrap p-values, LR intervals, LR plot."""
    from stfi_models.api import fit

    check_kwargs("[threshold]", table, _KEYS)
    if "formula" not in table:
        raise SpecificationError(
            "[threshold] needs formula = \"y ~ controls + regimes(x, by=q) | entity\".")
    options = dict(table.get("options", {}))
    level = float(table.get("level", 0.95))
    res = fit(table["formula"], ctx.frame, entity=ctx.entity, time=ctx.time,
              model="threshold", thresholds=int(table.get("thresholds", 1)),
              seed=table.get("seed", 1), level=level, progress=False, **options)
    ctx.results["threshold"] = res
    tests = res.threshold_tests.reset_index()
    ci = res.threshold_ci.rename_axis("threshold").reset_index()
    q = res.info["threshold_name"]
    title = str(table.get("title", f"Threshold regression, regimes by {q}"))
    draws = int(tests["draws"].iloc[0])
    best = tests.loc[tests["pvalue"] < 0.05, "thresholds"]
    verdict = (f"{int(best.max())} threshold(s) significant at 5%" if len(best)
               else "no threshold significant at 5%")
    tables = [ReportTable.from_frame("threshold_tests", "Tests for the number of thresholds "
                                     "(bootstrap p-values and critical values)", tests),
              ReportTable.from_frame("threshold_estimates", f"Thresholds on {q} and their LR "
                                     "confidence intervals", ci),
              ReportTable.from_frame("threshold_coefficients", "Regime coefficients",
                                     res.tidy())]
    headline = (f"{title}: thresholds " + ", ".join(f"{g:.4g}" for g in res.thresholds)
                + "; " + "; ".join(f"F{r.thresholds} = {r.fstat:.2f} (p = {r.pvalue:.3f})"
                                   for r in tests.itertuples()) + f"; {verdict}")
    if table.get("smooth", False):
        smooth = fit(table["formula"], ctx.frame, entity=ctx.entity, time=ctx.time,
                     model="pstr", **{k: v for k, v in options.items()
                                      if k in ("vcov", "cluster")})
        ctx.results["threshold_smooth"] = smooth
        lm = smooth.diagnostics["linearity LM_F"]
        tables.append(ReportTable.from_frame(
            "threshold_smooth", "Smooth transition (PSTR) of the same formula; linearity LM_F "
            f"= {lm.stat:.3f}, p = {lm.pvalue:.3f}", smooth.tidy()))
        headline += (f"; PSTR: gamma = {smooth.info['gamma']:.3g}, c = "
                     + ", ".join(f"{c:.4g}" for c in smooth.info["c"])
                     + f", linearity p = {lm.pvalue:.3f}")
    return Section(
        key="threshold", title=title,
        note=(f"Hansen (1999) fixed-effects panel threshold regression, {res.info['convention']} "
              f"convention, grid of {res.info['grid'].size} points, trim "
              f"{', '.join(f'{t:g}' for t in res.info['trim'])}; F_k tests k-1 against k "
              f"thresholds with {draws} fixed-regressor bootstrap draws per test; LR "
              f"confidence intervals at {100 * level:g}%; SEs {res.vcov_type}."),
        tables=tables,
        figures=[ReportFigure("threshold_lr", f"LR statistic over the grid of {q}; the "
                              "dashed line is the critical value", render_figure(res.plot()))],
        headline=[headline],
    )


#: Steps of this module, to merge into :data:`stfi_models.replicate.steps.STEPS`.
THRESHOLD_STEPS = {"threshold": threshold}
