"""Our numbers for ``reference.csv`` (R plm 2.6.2 ``purtest`` on Grunfeld): ``compute()``.

Cases ``<variable>/<intercept|trend>/<ips|madwu|invnormal>/lags=<1|2|AIC4>``:

* ``tau``, ``lags`` (per firm, term = firm position 1..10): :func:`adf_by_entity` (arch ADF,
  fixed lags or ``lags="aic", max_lags=4``);
* ``ips`` ``stat``, ``pvalue``: :func:`ips_test`;
* ``madwu`` / ``invnormal`` ``stat``, ``pvalue``: :func:`combine_pvalues` (``"chi2"`` /
  ``"normal"``) applied to **plm's** entity p-values, read from ``plm_purtest_output.txt``.
  plm takes them from MacKinnon (1996) response surfaces, arch from other MacKinnon ones, so
  end to end the Fisher statistics differ in the third decimal (README.md); given plm's
  p-values the combination formulas are exact.  Those p-values are inputs, not reference
  numbers, so they are not rows of ``reference.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stfi_models.datasets import load_grunfeld
from stfi_models.unitroot import adf_by_entity, combine_pvalues, ips_test

HERE = Path(__file__).resolve().parent
VARIABLES = ("inv", "value")
TRENDS = {"intercept": "c", "trend": "ct"}
LAGS = {"1": 1, "2": 2, "AIC4": "aic"}
#: plm test name -> our combination method (Maddala-Wu chi2, Choi inverse normal).
FISHER = {"madwu": "chi2", "invnormal": "normal"}


def options(case: str) -> tuple[str, dict]:
    """Split a plm case name into the variable and :func:`ips_test` options."""
    variable, exo, _, lag = case.split("/")
    lags = LAGS[lag.split("=")[1]]
    return variable, {"trend": TRENDS[exo], "lags": lags,
                      "max_lags": 4 if lags == "aic" else None}


def plm_entity_pvalues() -> dict[str, list[float]]:
    """Read plm's per-firm ADF p-values (MacKinnon 1996) of every case from its raw output."""
    out = {}
    for line in (HERE / "plm_purtest_output.txt").read_text().splitlines():
        parts = line.split(",")
        if len(parts) == 3 and parts[1] == "p_unit":
            out[parts[0]] = [float(v) for v in parts[2].split(";")]
    return out


def compute() -> pd.DataFrame:
    """Entity ADF statistics and lags, IPS, and the Fisher combinations of every case."""
    grunfeld = load_grunfeld()
    p_unit = plm_entity_pvalues()
    cases = sorted(p_unit)
    rows = []
    for case in cases:
        variable, opts = options(case)
        test = case.split("/")[2]
        table = adf_by_entity(grunfeld, variable, entity="firm", time="year", **opts)
        for i, (tau, lag) in enumerate(zip(table["stat"], table["lags"], strict=True), start=1):
            rows += [(case, "tau", str(i), float(tau)), (case, "lags", str(i), float(lag))]
        if test == "ips":
            res = ips_test(grunfeld, variable, entity="firm", time="year", **opts)
        else:
            res = combine_pvalues(pd.Series(p_unit[case]).to_numpy(), FISHER[test])
        rows += [(case, "stat", "", float(res.stat)), (case, "pvalue", "", float(res.pvalue))]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
