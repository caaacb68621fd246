"""Study steps of the index toolkit: rank uncertainty with propagation, coupling, obstacles.

Three steps, each reading its TOML table and the :class:`~stfi_models.replicate.steps.Context`:

``[index_sensitivity]``
    Uncertainty and sensitivity analysis of an index (:func:`stfi_models.index.sensitivity`):
    rank bands, Sobol indices and the distribution of propagated model coefficients.
``[coupling]``
    Coupling coordination degree of two or more index columns
    (:func:`stfi_models.index.coupling_coordination`); adds the coordination degree to the
    study data under ``name`` so that later steps (Dagum, Moran, density, convergence) take it.
``[obstacle]``
    Obstacle degrees of an index's indicators and dimensions
    (:func:`stfi_models.index.obstacle_degree`).

The index steps rebuild the nominal index from its study file (``study = "..."``, a file of
``formulas/``) and check that it equals the study data's column, so that every draw varies the
same index the report shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_kwargs
from stfi_models.index.coupling import coupling_coordination
from stfi_models.index.obstacle import obstacle_degree
from stfi_models.index.result import IndexResult
from stfi_models.index.study import run_study
from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure
from stfi_models.replicate.spec import FORMULAS
from stfi_models.replicate.steps import Context

__all__ = ["STEPS_INDEX", "index_sensitivity", "coupling", "obstacle"]

_SENSITIVITY_KEYS = ("index", "study", "choices", "draws", "seed", "propagate", "bootstrap",
                     "year", "perturb", "alpha")


def _nominal_index(table: Mapping[str, Any], ctx: Context, where: str) -> IndexResult:
    """Return the index of ``study = ...``, checked against the study data's ``index`` column."""
    name, file = table.get("index"), table.get("study")
    if not isinstance(name, str) or not isinstance(file, str):
        raise SpecificationError(f"[{where}] needs index = \"NAME\" and study = \"FILE.toml\" "
                                 "(the index study file in formulas/).")
    path = FORMULAS / file
    if not path.is_file():
        raise SpecificationError(f"[{where}] study = '{file}': no such file in {FORMULAS}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the study data's build has reported them
        result = run_study(path)
    if result.name != name or name not in ctx.frame.columns:
        raise SpecificationError(f"[{where}] {file} builds '{result.name}', and the study data "
                                 f"must hold it as a column; index = '{name}' does not match.")
    keys = pd.MultiIndex.from_frame(ctx.frame[[ctx.entity, ctx.time]])
    ours = result.composite.reindex(keys).to_numpy()
    theirs = ctx.frame[name].to_numpy(dtype=float)
    both = np.isfinite(ours) & np.isfinite(theirs)
    if not both.any() or not np.allclose(ours[both], theirs[both], rtol=1e-10, atol=1e-12):
        raise SpecificationError(
            f"[{where}] the {name} of {file} (bundled data) differs from the study data's "
            f"{name}; this step re-builds the index from the bundled data, so run it without "
            "--data."
        )
    return result


def index_sensitivity(table: Mapping[str, Any], ctx: Context) -> Section:
    """Rank uncertainty of an index and the propagated distribution of model coefficients."""
    check_kwargs("[index_sensitivity]", table, _SENSITIVITY_KEYS)
    index = _nominal_index(table, ctx, "index_sensitivity")
    choices = table.get("choices")
    if isinstance(choices, Mapping):  # TOML has no null: "none" means no indicator left out
        choices = {k: [None if v == "none" else v for v in levels] if k == "leave_out"
                   else levels for k, levels in choices.items()}
    res = index.sensitivity(
        choices, draws=int(table.get("draws", 200)), seed=table.get("seed", 1),
        propagate=list(table.get("propagate", [])), data=ctx.frame,
        bootstrap=int(table.get("bootstrap", 500)), n_jobs=ctx.n_jobs,
        perturb=float(table.get("perturb", 0.25)), alpha=float(table.get("alpha", 0.05)),
        progress=False,
    )
    years = res.ranks.index.get_level_values(1)
    year = table.get("year", int(years.max()))
    bands = res.ranks.xs(year, level=1).sort_values("nominal")
    tables = [ReportTable.from_frame("sensitivity_ranks", f"{index.name} ranks in {year}: "
                                     "nominal, median and 5-95 % band over the draws",
                                     bands, index=True),
              ReportTable.from_frame("sensitivity_sobol", "Sobol indices (first order S1, "
                                     "total ST) of the mean absolute rank shift and of each "
                                     "propagated coefficient", res.sobol.reset_index())]
    shift = res.draws["rank_shift"]
    headline = [f"{index.name}: mean |rank shift| over {len(res.draws)} draws: median "
                f"{shift.median():.2f} (5-95 %: {shift.quantile(0.05):.2f}-"
                f"{shift.quantile(0.95):.2f}); most influential choice: "
                f"{res.sobol.loc['rank_shift', 'ST'].idxmax()}"]
    if res.labels:
        prop = res.propagation()
        tables.append(ReportTable.from_frame("sensitivity_propagation", "Propagated "
                                             "coefficients over the index draws", prop,
                                             index=True))
        headline += [f"{label}: nominal {row['nominal']:.3f}, 5-95 % [{row['low']:.3f}, "
                     f"{row['high']:.3f}], same sign in {100 * row['same_sign']:.0f}% and "
                     f"same sign with p < {res.alpha} in "
                     f"{100 * row['same_sign_significant']:.0f}% of draws"
                     for label, row in prop.iterrows()]
    return Section(
        key="index-sensitivity", title=f"Uncertainty and sensitivity of {index.name}",
        note=(f"{len(res.draws)} independent draws ({res.n_builds} index builds, Saltelli "
              f"design) over the choices {', '.join(res.choices)}; seed "
              f"{table.get('seed', 1)}."),
        tables=tables,
        figures=[ReportFigure("sensitivity_ranks", f"Rank uncertainty of {index.name}, {year}",
                              render_figure(res.plot(year=year))),
                 ReportFigure("sensitivity_sobol", "Sobol indices of the mean absolute rank "
                              "shift", render_figure(res.plot("sobol")))],
        headline=headline,
    )


def coupling(table: Mapping[str, Any], ctx: Context) -> Section:
    """Coupling coordination degree of index columns, by year and region."""
    import matplotlib.pyplot as plt

    check_kwargs("[coupling]", table, ("systems", "weights", "kind", "name"))
    systems = list(table.get("systems", []))
    name = str(table.get("name", "CCD"))
    if name in ctx.frame.columns:
        raise SpecificationError(f"[coupling] name = '{name}' is already a column; choose "
                                 "another name.")
    keys = [ctx.entity, ctx.time] + ([ctx.group] if ctx.group else [])
    for col in systems:
        ctx.column(col, "coupling")
    data = ctx.frame[keys + systems].dropna()
    res = coupling_coordination(data, systems, weights=table.get("weights"),
                                kind=table.get("kind", "standard"), keys=keys)
    out = res.to_frame()
    ctx.frame = ctx.frame.merge(out[[ctx.entity, ctx.time, "D"]].rename(columns={"D": name}),
                                on=[ctx.entity, ctx.time], how="left", validate="one_to_one")
    ctx.results["coupling"] = res
    yearly = out.groupby(ctx.time)[["C", "T", "D"]].mean()
    last = yearly.index.max()
    fig, ax = plt.subplots(figsize=(7, 4))
    lines = out.groupby([ctx.time, ctx.group])["D"].mean().unstack() if ctx.group else yearly
    for label, series in (lines.items() if ctx.group else [("D", yearly["D"])]):
        ax.plot(series.index, series.to_numpy(), marker="o", label=str(label))
    ax.set_xlabel(ctx.time)
    ax.set_ylabel("coordination degree D")
    ax.legend(frameon=False)
    counts = res.levels(by=ctx.time)
    return Section(
        key="coupling", title=f"Coupling coordination of {' and '.join(systems)}",
        note=(f"{res.kind} coupling C, T with weights {dict(res.weights)}, D = sqrt(C T), "
              f"ten levels of width 0.1; D is added to the data as '{name}'."),
        tables=[ReportTable.from_frame("coupling_yearly", "Mean C, T and D by year", yearly,
                                       index=True),
                ReportTable.from_frame("coupling_levels", "Coordination levels by year",
                                       counts)],
        figures=[ReportFigure("coupling_trend", "Coordination degree by year",
                              render_figure(fig))],
        headline=[f"Coordination of {' and '.join(systems)} in {last}: mean D "
                  f"{yearly.loc[last, 'D']:.3f} (C {yearly.loc[last, 'C']:.3f}, T "
                  f"{yearly.loc[last, 'T']:.3f})"],
    )


def obstacle(table: Mapping[str, Any], ctx: Context) -> Section:
    """Obstacle degrees of an index's dimensions and indicators."""
    import matplotlib.pyplot as plt

    check_kwargs("[obstacle]", table, ("index", "study", "top"))
    index = _nominal_index(table, ctx, "obstacle")
    res = obstacle_degree(index)
    dims = res.mean("dimension", by=index.time).pivot(index=index.time, columns="dimension",
                                                       values="obstacle")
    indicators = res.mean("indicator").sort_values("obstacle", ascending=False)
    fig, ax = plt.subplots(figsize=(7, 4))
    dims.plot(kind="bar", stacked=True, ax=ax)
    ax.set_ylabel("mean obstacle degree")
    top = res.top(int(table.get("top", 3)))
    last = top[index.time].max()
    worst = indicators.iloc[0]
    return Section(
        key="obstacle", title=f"Obstacle degrees of {index.name}",
        note="O_ij = w_j (1 - x'_ij) / sum_k w_k (1 - x'_ik); dimension = sum over its "
             "indicators; means over entities.",
        tables=[ReportTable.from_frame("obstacle_dimensions", "Mean obstacle degree by "
                                       "dimension and year", dims, index=True),
                ReportTable.from_frame("obstacle_indicators", "Mean obstacle degree by "
                                       "indicator", indicators),
                ReportTable.from_frame("obstacle_top", f"Main obstacles in {last}",
                                       top[top[index.time] == last])],
        figures=[ReportFigure("obstacle_dimensions", "Obstacle degree by dimension",
                              render_figure(fig))],
        headline=[f"{index.name}: largest mean obstacle {worst['indicator']} "
                  f"({100 * worst['obstacle']:.1f}%)"],
    )


#: Table name of the replication file -> step (to be merged into ``steps.STEPS``).
STEPS_INDEX: dict[str, Callable[[Mapping[str, Any], Context], Section]] = {
    "index_sensitivity": index_sensitivity,
    "coupling": coupling,
    "obstacle": obstacle,
}
