"""The analysis steps of a replication, one function per report section.

Each step reads its table of the replication file and the prepared study data (a
:class:`Context`) and returns a :class:`~stfi_models.replicate.report.Section` of tables,
figures and headline lines.  Steps call the library only (no numbers are computed here
that the library does not compute), so the report shows what a user would get from the
same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.index.result import IndexResult
from stfi_models.replicate.report import ReportFigure, ReportTable, Section, render_figure

__all__ = ["Context", "STEPS", "REFERENCES", "index_section"]


@dataclass
class Context:
    """The prepared data of one study and what the steps share.

    Attributes
    ----------
    frame : pandas.DataFrame
        Study data after indices, productivity and derived columns, within the study years.
    entity, time : str
        Panel keys.
    group : str or None
        Region column for regional trends and the Dagum decomposition.
    results : dict
        Objects kept by earlier steps (for headline numbers of later ones).
    n_jobs : int
        Workers for resampling steps (the numbers do not depend on it).
    """

    frame: pd.DataFrame
    entity: str
    time: str
    group: str | None
    results: dict[str, Any] = field(default_factory=dict)
    n_jobs: int = 1

    def column(self, name: str, where: str) -> pd.DataFrame:
        """Rows with ``name`` present (keys, group and the column)."""
        if name not in self.frame.columns:
            raise SpecificationError(
                f"[{where}] names column '{name}', which the study data do not have "
                "(indices, productivity and [derive] columns included)."
            )
        keys = [self.entity, self.time] + ([self.group] if self.group else [])
        return self.frame[keys + [name]].dropna(subset=[name])

    def need_group(self, where: str) -> str:
        """Return the region column, or raise an error naming the step."""
        if not self.group:
            raise SpecificationError(f"[{where}] needs a region column: set group = ... in "
                                     "[data].")
        return self.group


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


#: Works cited by the report sections, by key (each section lists the keys it rests on).
REFERENCES: dict[str, str] = {
    "entropy": "Shannon, C. E. (1948). A mathematical theory of communication. Bell System "
               "Technical Journal 27(3), 379-423; entropy weights: Zou, Z., Yun, Y. & Sun, J. "
               "(2006). Journal of Environmental Sciences 18(5), 1020-1023.",
    "dagum": "Dagum, C. (1997). A new approach to the decomposition of the Gini income "
             "inequality ratio. Empirical Economics 22(4), 515-531.",
    "moran": "Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. Biometrika "
             "37(1/2), 17-23; Cliff, A. D. & Ord, J. K. (1981). Spatial Processes. Pion.",
    "kernel": "Silverman, B. W. (1986). Density Estimation for Statistics and Data "
              "Analysis. Chapman & Hall.",
    "convergence": "Barro, R. J. & Sala-i-Martin, X. (1992). Convergence. Journal of "
                   "Political Economy 100(2), 223-251.",
    "spatial_convergence": "Rey, S. J. & Montouri, B. D. (1999). US regional income "
                           "convergence: a spatial econometric perspective. Regional Studies "
                           "33(2), 143-156; LeSage, J. & Pace, R. K. (2009). Introduction to "
                           "Spatial Econometrics. CRC Press.",
    "fe": "Baltagi, B. H. (2021). Econometric Analysis of Panel Data, 6th ed. Springer; "
          "Arellano, M. (1987). Oxford Bulletin of Economics and Statistics 49(4), 431-434.",
    "gmm": "Arellano, M. & Bond, S. (1991). Review of Economic Studies 58(2), 277-297; "
           "Blundell, R. & Bond, S. (1998). Journal of Econometrics 87(1), 115-143; "
           "Windmeijer, F. (2005). Journal of Econometrics 126(1), 25-51; Roodman, D. (2009). "
           "Stata Journal 9(1), 86-136.",
    "pvar": "Love, I. & Zicchino, L. (2006). Quarterly Review of Economics and Finance 46(2), "
            "190-210; Abrigo, M. R. M. & Love, I. (2016). Stata Journal 16(3), 778-804; "
            "Sigmund, M. & Ferstl, R. (2021). Quarterly Review of Economics and Finance 80, "
            "693-720.",
    "mediation": "Baron, R. M. & Kenny, D. A. (1986). Journal of Personality and Social "
                 "Psychology 51(6), 1173-1182; Sobel, M. E. (1982). Sociological Methodology "
                 "13, 290-312; Efron, B. & Tibshirani, R. J. (1993). An Introduction to the "
                 "Bootstrap. Chapman & Hall.",
    "tfp": "Solow, R. M. (1957). Technical change and the aggregate production function. "
           "Review of Economics and Statistics 39(3), 312-320.",
}


def _titled(name: str, title: str) -> str:
    """``title``, prefixed with ``name`` unless it already starts with it."""
    return title if title.split(":")[0].strip() == name else f"{name}: {title}"


def index_section(name: str, title: str, result: IndexResult,
                  study_years: tuple[int, int] | None = None) -> Section:
    """Weights and yearly means of a composite index built by an index study file.

    The index is built on its own study file's window; the note says so beside the study's
    window, and the headline names the window its numbers come from.
    """
    import matplotlib.pyplot as plt

    weights = result.weights
    keys = [c for c in ("level", "group", "indicator", "direction") if c in weights]
    numbers = [c for c in ("entropy", "weight", "global_weight") if c in weights]
    if result.time in weights.columns:
        weights = weights.groupby(keys, sort=False)[numbers].mean().reset_index()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    result.plot(kind="weights", ax=ax)
    scores = result.scores.groupby(level=result.time).mean()
    first, last = scores.index[0], scores.index[-1]
    options = result.options
    window = f"{first}-{last}"
    used = (f"; the study's analyses use {study_years[0]}-{study_years[1]}"
            if study_years is not None and tuple(study_years) != (first, last) else "")
    return Section(
        key=f"index-{name}",
        title=f"Index {_titled(name, title)}",
        note=(f"Built on {window} (the window of its index study file){used}. "
              f"{options['method']} weights, {options['normalize']} normalisation "
              f"(scope {options['scope']}, weights by {options['weights_by']}); "
              f"{len(result.filled)} missing cells filled by {options['missing']}."),
        tables=[
            ReportTable.from_frame(f"{name}_weights", f"{name}: weights (mean over years when "
                                   "weights vary by year)", weights[keys + numbers]),
            ReportTable.from_frame(f"{name}_yearly_means", f"{name} and sub-indices: mean over "
                                   f"entities by year, {window}", scores, index=True),
        ],
        figures=[ReportFigure(f"{name}_weights", f"{name}: share of each indicator in the "
                              "composite", render_figure(fig))],
        headline=[f"{name} (index window {window}): mean {_fmt(scores[name].loc[first])} in "
                  f"{first} -> {_fmt(scores[name].loc[last])} in {last}"],
        references=["entropy"],
    )


def _options_text(options: Mapping[str, Any]) -> str:
    """``vcov = cluster, steps = 2``: model options as a reader writes them."""
    return ", ".join(f"{k} = {v}" for k, v in options.items()) or "defaults"


def trends(table: Mapping[str, Any], ctx: Context) -> Section:
    """Regional means by year, one panel per variable."""
    import matplotlib.pyplot as plt

    group = ctx.need_group("trends")
    variables = list(table["variables"])
    for v in variables:
        ctx.column(v, "trends")
    means = ctx.frame.groupby([ctx.time, group])[variables].mean()
    overall = ctx.frame.groupby(ctx.time)[variables].mean()
    fig, axes = plt.subplots(1, len(variables), figsize=(3.6 * len(variables), 3.4),
                             squeeze=False)
    for ax, v in zip(axes[0], variables, strict=True):
        for region, values in means[v].unstack(group).items():
            ax.plot(values.index, values.to_numpy(), marker="o", ms=3, label=str(region))
        ax.plot(overall.index, overall[v].to_numpy(), color="black", ls="--", label="all")
        ax.set_title(v)
        ax.set_xlabel(ctx.time)
    axes[0][0].legend(frameon=False, fontsize="small")
    fig.tight_layout()
    wide = means.unstack(group)
    wide.columns = [f"{v}_{g}" for v, g in wide.columns]
    return Section(
        key="trends", title="Regional trends",
        note=f"Means of {', '.join(variables)} by {group} and {ctx.time}; dashed: all entities.",
        tables=[ReportTable.from_frame("regional_means", f"Means by {group} and year",
                                       wide, index=True)],
        figures=[ReportFigure("regional_trends", "Regional means by year", render_figure(fig))],
    )


def density(table: Mapping[str, Any], ctx: Context) -> Section:
    """Gaussian kernel densities by year, drawn as a surface."""
    from stfi_models.inequality import kernel_density

    value = table["value"]
    res = kernel_density(ctx.column(value, "density"), value, by=ctx.time,
                         bandwidth=table.get("bandwidth", "silverman"), n_points=120)
    return Section(
        key="density", title=f"Kernel density of {value}",
        note=f"Gaussian kernel, {res.rule} bandwidth per year, on a common grid.",
        tables=[ReportTable.from_frame("density_bandwidths", "Bandwidth by year",
                                       res.bandwidths)],
        figures=[ReportFigure("density_surface", f"Kernel density surface of {value}",
                              render_figure(res.plot(kind="surface")))],
        references=["kernel"],
    )


def dagum(table: Mapping[str, Any], ctx: Context) -> Section:
    """Dagum (1997) Gini decomposition by region and year."""
    from stfi_models.inequality import dagum_gini

    value = table["value"]
    group = ctx.need_group("dagum")
    res = dagum_gini(ctx.column(value, "dagum"), value, group, by=ctx.time)
    ctx.results["dagum"] = res
    last = res.summary.iloc[-1]
    return Section(
        key="dagum", title=f"Dagum Gini decomposition of {value} by {group}",
        note="G = G_w (within) + G_nb (net between) + G_t (transvariation), Dagum (1997).",
        tables=[ReportTable.from_frame("dagum_summary", "Overall Gini and contributions",
                                       res.summary),
                ReportTable.from_frame("dagum_groups", "Within-region Gini", res.groups)],
        figures=[ReportFigure("dagum_contributions", "Contribution shares by year",
                              render_figure(res.plot(kind="shares")))],
        headline=[f"Dagum Gini of {value} in {int(last[ctx.time])}: {_fmt(last['G'])} "
                  f"(within {100 * last['share_w']:.1f}%, net between "
                  f"{100 * last['share_nb']:.1f}%, transvariation {100 * last['share_t']:.1f}%)"],
        references=["dagum"],
    )


def moran_step(table: Mapping[str, Any], ctx: Context) -> Section:
    """Global Moran's I by year over province contiguity, Moran scatter of the last year."""
    from stfi_models.spatial import china_weights, moran

    value = table["value"]
    data = ctx.column(value, "moran")
    try:
        w = china_weights(key=ctx.entity)
    except SpecificationError as exc:
        raise SpecificationError(f"[moran] needs the entity column to be a province key "
                                 f"(prov_code, adcode, province_zh, province_en): {exc}") from None
    ids = sorted(set(data[ctx.entity]), key=list(w.ids).index)
    w = w.subset(ids)
    data = data[data.groupby(ctx.time)[ctx.entity].transform("count") == len(ids)]
    panel = moran(data, w, value, id=ctx.entity, by=ctx.time,
                  permutations=int(table.get("permutations", 99)), seed=table.get("seed", 1),
                  n_jobs=ctx.n_jobs)
    period = panel.table[ctx.time].iloc[-1]
    return Section(
        key="moran", title=f"Spatial autocorrelation of {value}",
        note=(f"Global Moran's I, row-standardised contiguity of {len(ids)} provinces "
              "(Hainan linked to Guangdong), two-sided p-values."),
        tables=[ReportTable.from_frame("moran", "Global Moran's I by year", panel.table)],
        figures=[ReportFigure("moran_scatter", f"Moran scatter of {value}, {period}",
                              render_figure(panel[period].plot()))],
        headline=[f"Moran's I of {value} in {period}: {_fmt(panel[period].I)} "
                  f"(p = {panel[period].p_rand:.3f})"],
        references=["moran"],
    )


def regressions(name: str, table: Mapping[str, Any], ctx: Context) -> Section:
    """Models side by side in one etable."""
    from stfi_models.api import fit
    from stfi_models.results.tables import etable

    options = dict(table.get("options", {}))
    formulas = list(table["formulas"])
    model = table.get("model")
    models = model if isinstance(model, list) else [model] * len(formulas)
    results = [fit(f, ctx.frame, entity=ctx.entity, time=ctx.time, model=m, **options)
               for f, m in zip(formulas, models, strict=True)]
    ctx.results[f"regressions.{name}"] = results
    first = results[0]
    term = table.get("headline") or next(t for t in first.params.index
                                         if "Intercept" not in str(t))
    if term not in first.params.index:
        raise SpecificationError(f"[regressions.{name}] headline = '{term}' is not a term of "
                                 f"model (1): {list(first.params.index)}.")
    title = str(table.get("title", name))
    return Section(
        key=f"regressions-{name}", title=title,
        note=f"Estimator: {', '.join(str(m or 'default') for m in dict.fromkeys(models))}; "
             f"options: {_options_text(options)}.",
        tables=[ReportTable.from_etable(f"regressions_{name}", title, etable(results),
                                        results)],
        headline=[f"{title}, model (1): {term} = {_fmt(first.params[term])} "
                  f"(SE {_fmt(first.std_errors[term])}, p = {first.pvalues[term]:.3f}, "
                  f"n = {first.nobs})"],
        references=["gmm" if any(str(r.model).endswith("gmm") for r in results) else "fe"],
    )


def pvar(table: Mapping[str, Any], ctx: Context) -> Section:
    """Panel VAR by GMM; orthogonalised IRFs with Monte Carlo bands and the FEVD."""
    from stfi_models.api import fit
    from stfi_models.formula import parse_formula

    formula = table["formula"]
    names = [t.text for t in parse_formula(formula).lhs]
    for name in names:
        ctx.column(name, "pvar")
    data = ctx.frame[[ctx.entity, ctx.time, *names]].dropna()
    note = ""
    if table.get("demean_time", True):
        data[names] = data[names] - data.groupby(ctx.time)[names].transform("mean")
        note = ("Variables in deviations from their cross-section mean by year (time effects "
                "removed, Love and Zicchino 2006). ")
    res = fit(formula, data, entity=ctx.entity, time=ctx.time, model="pvar",
              **dict(table.get("options", {})))
    ctx.results["pvar"] = res
    periods = int(table.get("periods", 10))
    draws = int(table.get("draws", 1000))
    irf = res.irf(periods, kind="orth", ci="mc", draws=draws, seed=table.get("seed", 1),
                  n_jobs=ctx.n_jobs, progress=False)
    fevd = res.fevd(periods)
    stab = res.stability()
    return Section(
        key="pvar", title=f"Panel VAR of {', '.join(names)}",
        note=(note + "GMM (forward orthogonal deviations); orthogonalised IRFs, Cholesky order "
              f"{' -> '.join(names)}, {draws} Monte Carlo draws for 95% bands."),
        tables=[ReportTable.from_frame("pvar_coefficients", "Panel VAR coefficients",
                                       res.tidy()),
                ReportTable.from_frame("pvar_irf", "Orthogonalised impulse responses",
                                       irf.frame),
                ReportTable.from_frame("pvar_fevd", "Forecast-error variance decomposition",
                                       fevd.frame)],
        figures=[ReportFigure("pvar_irf", "Impulse responses (rows: responses, columns: "
                              "impulses)", render_figure(irf.plot())),
                 ReportFigure("pvar_fevd", f"FEVD at step {periods}",
                              render_figure(_fevd_bars(fevd, periods)))],
        headline=[f"Panel VAR of {', '.join(names)}: n = {res.nobs}, largest companion "
                  f"eigenvalue modulus {_fmt(float(stab.moduli[0]))} "
                  f"({'stable' if stab.is_stable else 'NOT stable'})"],
        references=["pvar"],
    )


def _fevd_bars(fevd: Any, step: int) -> Any:
    """Stacked bars: the share of each impulse in each response's variance at ``step``."""
    import matplotlib.pyplot as plt

    frame = fevd.frame
    at = frame[frame[frame.columns[2]] == step]  # columns: impulse, response, step, value
    shares = at.pivot(index="response", columns="impulse", values="value")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    left = np.zeros(len(shares))
    for impulse in shares.columns:
        ax.barh(shares.index, shares[impulse], left=left, label=str(impulse))
        left += shares[impulse].to_numpy()
    ax.set_xlabel(f"share of forecast-error variance at step {step}")
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1),
              title="impulse")
    return fig


def mediation(table: Mapping[str, Any], ctx: Context) -> Section:
    """Mediation with an entity (cluster) bootstrap, and its path diagram."""
    from stfi_models.models.mediation import mediate

    treatment = table["treatment"]
    names = treatment if isinstance(treatment, str) else ", ".join(treatment)
    res = mediate(treatment, table["mediator"], table["outcome"], ctx.frame,
                  controls=table.get("controls"), effects=table.get("effects"),
                  entity=ctx.entity, time=ctx.time, model=table.get("model"),
                  bootstrap=int(table.get("bootstrap", 999)), seed=table.get("seed", 1),
                  n_jobs=ctx.n_jobs, progress=False, **dict(table.get("options", {})))
    ctx.results["mediation"] = res
    tidy = res.tidy()
    lines = []
    for row in tidy[tidy["path"] == "indirect"].itertuples():
        share = res.params.get(("proportion", row.treatment, row.mediator), np.nan)
        lines.append(f"Indirect effect of {row.treatment} via {row.mediator}: "
                     f"{_fmt(row.estimate, 4)} (95% CI {_fmt(row.conf_low, 4)} to "
                     f"{_fmt(row.conf_high, 4)}; {100 * share:.1f}% of the total effect)")
    return Section(
        key="mediation", title=f"Mediation: {names} -> {table['mediator']} -> "
                               f"{table['outcome']}",
        note=(f"Every step by fit(model={table.get('model')!r}); indirect effects a*b with "
              f"Sobel tests and a {res.bootstrap_info.get('requested')}-draw bootstrap "
              f"resampling whole {ctx.entity} clusters ({res.ci} interval)."),
        tables=[ReportTable.from_frame("mediation_paths", "Paths and indirect effects", tidy),
                ReportTable.from_frame("mediation_tests", "Sobel-type tests", res.tests)],
        figures=[ReportFigure("mediation_diagram", "Path diagram", render_figure(res.plot()))],
        headline=lines,
        references=["mediation"],
    )


#: Table name of the replication file -> step.
STEPS: dict[str, Callable[[Mapping[str, Any], Context], Section]] = {
    "trends": trends,
    "density": density,
    "dagum": dagum,
    "moran": moran_step,
    "pvar": pvar,
    "mediation": mediation,
}
