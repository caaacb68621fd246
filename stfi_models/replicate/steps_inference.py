"""Report step: inference a referee accepts with few clusters (CR1, CR2, wild bootstrap).

One table per ``[inference.<name>]`` table of a study file::

    [inference.fe]
    title = "STFI with 31 provinces: few-cluster inference"
    model = "fe"
    formula = "innovation ~ STFI + ln_gdp_pc + tertiary + C(province_en) + C(year)"
    terms = ["STFI"]          # default: every coefficient
    cluster = "province_en"   # default: the entity
    draws = 9999              # wild cluster bootstrap (WCR) draws
    weights = "webb"          # rademacher | webb | mammen | normal
    seed = 1

For each term: the estimate; the CR1 (Stata factor) SE and its t(df_resid) p-value; the CR2
(Bell-McCaffrey) SE, Satterthwaite df and p-value; the wild cluster bootstrap p-value and
confidence interval (test inversion).  Numbers come from the library's public calls only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, SpecificationWarning, check_kwargs
from stfi_models.replicate.report import ReportTable, Section
from stfi_models.replicate.steps import Context

__all__ = ["few_cluster_inference", "MAX_STEP_DRAWS"]

_KEYS = ("title", "model", "formula", "terms", "cluster", "draws", "weights", "seed")
#: Bootstrap draws a study file may request per term.
MAX_STEP_DRAWS = 99_999


def _table_options(name: str, table: Mapping[str, Any]) -> dict[str, Any]:
    where = f"[inference.{name}]"
    check_kwargs(where, table, _KEYS)
    if not isinstance(table.get("formula"), str):
        raise SpecificationError(f"{where} needs formula = \"y ~ x + ...\" (a string).")
    draws = table.get("draws", 9999)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_STEP_DRAWS:
        raise SpecificationError(
            f"{where} draws = {draws!r}: give an integer from 1 to {MAX_STEP_DRAWS}."
        )
    terms = table.get("terms")
    if terms is not None and (not isinstance(terms, list)
                              or not all(isinstance(t, str) for t in terms)):
        raise SpecificationError(f"{where} terms must be a list of coefficient names.")
    return {"draws": draws, "terms": terms, "cluster": table.get("cluster"),
            "weights": table.get("weights", "webb"), "seed": table.get("seed", 1)}


def few_cluster_inference(name: str, table: Mapping[str, Any], ctx: Context) -> Section:
    """CR1 vs CR2 (Satterthwaite) vs wild cluster bootstrap for the terms of one model."""
    from stfi_models.api import fit

    opts = _table_options(name, table)
    cluster = opts["cluster"] or ctx.entity
    res = fit(table["formula"], ctx.frame, entity=ctx.entity, time=ctx.time,
              model=table.get("model"))
    terms = opts["terms"] or [t for t in res.params.index if t != "Intercept"]
    unknown = [t for t in terms if t not in res.params.index]
    if unknown:
        raise SpecificationError(f"[inference.{name}] terms {unknown} are not coefficients of "
                                 f"the model: {list(res.params.index)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)  # the few clusters are the point
        cr1 = res.with_vcov("cluster", cluster=cluster)
    cr2 = res.with_vcov("CR2", cluster=cluster)
    rows = []
    for term in terms:
        wb = res.wild_bootstrap(f"{term} = 0", draws=opts["draws"], weights=opts["weights"],
                                seed=opts["seed"], cluster=cluster, progress=False)
        rows.append({
            "term": term, "estimate": float(res.params[term]),
            "CR1 SE": float(cr1.std_errors[term]), "CR1 p": float(cr1.pvalues[term]),
            "CR2 SE": float(cr2.std_errors[term]), "CR2 df": float(cr2.df_params[term]),
            "CR2 p": float(cr2.pvalues[term]), "wild p": wb.pvalue,
            "wild CI low": wb.conf_int[0], "wild CI high": wb.conf_int[1],
        })
    frame = pd.DataFrame(rows)
    ctx.results[f"inference.{name}"] = frame
    title = str(table.get("title", name))
    first = rows[0]
    n_clusters = cr2.vcov_type.split("G = ")[-1].rstrip(")")
    return Section(
        key=f"inference-{name}", title=title,
        note=(f"{table['formula']} (model = {res.model}); clusters: {cluster} (G = "
              f"{n_clusters}). CR1 = Stata's small-sample factor, t(df_resid); CR2 = "
              "Bell-McCaffrey with Satterthwaite df (R clubSandwich); wild = wild cluster "
              f"bootstrap, null imposed, {opts['weights']} weights, {opts['draws']} draws, "
              f"seed {opts['seed']}, 95% CI by test inversion."),
        tables=[ReportTable.from_frame(f"inference_{name}", title, frame)],
        headline=[f"{title}: {first['term']} = {first['estimate']:.3f}; p-values CR1 "
                  f"{first['CR1 p']:.3f}, CR2 {first['CR2 p']:.3f}, wild bootstrap "
                  f"{first['wild p']:.3f}"],
    )
