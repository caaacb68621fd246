"""Report step ``[diagnostics]``: panel diagnostics of a study's regressions.

The step tests the residuals of the models of one ``[regressions.X]`` table (which must come
before it in the study file) for cross-sectional dependence (default: Pesaran CD,
Breusch-Pagan LM, scaled LM) and, on request, the other residual diagnostics of
:data:`stfi_models.diagnostics.DIAGNOSTICS`; one row per model and test.

TOML (keys of the table)::

    [diagnostics]
    regressions = "fe"                 # the [regressions.fe] models
    tests = ["cd", "lm", "sclm"]       # optional; any names of DIAGNOSTICS
    local_cd = true                    # optional: add Pesaran's local CD over the bundled
                                       # province contiguity (entity must be a province key)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from stfi_models.diagnostics import DIAGNOSTICS, pesaran_cd
from stfi_models.exceptions import SpecificationError, check_choice, check_kwargs
from stfi_models.replicate.report import ReportTable, Section
from stfi_models.replicate.steps import Context

__all__ = ["diagnostics_step", "DIAGNOSTICS_KEYS", "DEFAULT_TESTS"]

#: Keys the ``[diagnostics]`` table accepts.
DIAGNOSTICS_KEYS = ("regressions", "tests", "local_cd")
#: Cross-sectional dependence tests run when ``tests`` is not given.
DEFAULT_TESTS = ("cd", "lm", "sclm")


def _contiguity(ctx: Context) -> Any:
    from stfi_models.spatial import china_weights

    try:
        return china_weights(key=ctx.entity)
    except SpecificationError as exc:
        raise SpecificationError(
            f"[diagnostics] local_cd = true needs the entity column to be a province key "
            f"(prov_code, adcode, province_zh, province_en): {exc}") from None


def diagnostics_step(table: Mapping[str, Any], ctx: Context) -> Section:
    """Test the residuals of the ``[regressions.<name>]`` models (one row per model, test)."""
    check_kwargs("[diagnostics]", table, DIAGNOSTICS_KEYS)
    if "regressions" not in table:
        raise SpecificationError(
            "[diagnostics] needs regressions = \"<name>\": the [regressions.<name>] table whose "
            "models are tested.")
    name = str(table["regressions"])
    results = ctx.results.get(f"regressions.{name}")
    if results is None:
        done = [k.removeprefix("regressions.") for k in ctx.results if
                k.startswith("regressions.")]
        raise SpecificationError(
            f"[diagnostics] regressions = '{name}' names no [regressions.{name}] table run "
            f"before it (run so far: {', '.join(done) or 'none'}); put [diagnostics] after "
            f"[regressions.{name}] in the study file.")
    tests = list(table.get("tests", DEFAULT_TESTS))
    if not tests:
        raise SpecificationError("[diagnostics] tests = [] names no test.")
    for test in tests:
        check_choice("[diagnostics] tests", test, DIAGNOSTICS)
    local = table.get("local_cd", False)
    if not isinstance(local, bool):
        raise SpecificationError(f"[diagnostics] local_cd must be true or false, got {local!r}.")
    rows = []
    for i, res in enumerate(results, start=1):
        done = res.diagnose(*tests)
        found = [done.diagnostics[test] for test in tests]
        if local:
            found.append(pesaran_cd(res, w=_contiguity(ctx)))
        for result in found:
            df = result.df
            rows.append({"model": f"({i})", "test": result.name, "statistic": result.stat,
                         "df": "" if df is None else (f"{df[0]:g}, {df[1]:g}"
                                                       if isinstance(df, tuple) else f"{df:g}"),
                         "p_value": result.pvalue, "null": result.null})
    frame = pd.DataFrame(rows)
    first = frame.iloc[0]
    return Section(
        key="diagnostics", title=f"Residual diagnostics of [regressions.{name}]",
        note=("Pesaran (2004, 2015) CD, Breusch-Pagan (1980) LM and Pesaran's scaled LM tests "
              "of cross-sectional dependence (R plm pcdtest conventions) on each model's "
              "residuals; see stfi_models.diagnostics."),
        tables=[ReportTable.from_frame(f"diagnostics_{name}", f"Residual diagnostics of the "
                                       f"[regressions.{name}] models", frame)],
        headline=[f"{first['test']} of [regressions.{name}] model (1): "
                  f"{first['statistic']:.3f} (p = {first['p_value']:.3f})"],
    )
