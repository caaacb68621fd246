"""Our numbers for ``reference.csv`` (Stata on Grunfeld, as printed): ``compute()``.

Mapping of Stata commands to our options: README.md in this folder.
"""

from __future__ import annotations

import pandas as pd

import stfi_models as sm

MODELS = {"pooled": {"model": "pooled"}, "fe": {"model": "fe"}}
VCOV = {
    "se:unadjusted": {"vcov": "unadjusted"},
    "se:robust": {"vcov": "robust"},  # regress, vce(robust): n/(n-k)
    "se:cluster": {"vcov": "cluster"},  # regress, cluster(): G/(G-1) (n-1)/(n-k)
    "se:cluster_stata": {"vcov": "cluster", "count_effects": "constant"},  # xtreg, fe vce(robust)
}


def compute() -> pd.DataFrame:
    """Coefficients, SEs, R² and the F test of effects for the pooled and FE models."""
    frame = sm.load_grunfeld()
    rows = []
    for case, options in MODELS.items():
        res = sm.fit("inv ~ value + capital", frame, entity="firm", time="year", **options)
        rows += [(case, "coef", t, v) for t, v in res.params.items()]
        for quantity, vcov in VCOV.items():
            rows += [(case, quantity, t, v) for t, v in res.with_vcov(**vcov).std_errors.items()]
        rows += [(case, "rsquared", t, v) for t, v in res.rsquared.items()]
        if "F effects" in res.diagnostics:
            test = res.diagnostics["F effects"]
            rows += [(case, "Ftest", "stat", test.stat), (case, "Ftest", "df1", test.df[0]),
                     (case, "Ftest", "df2", test.df[1])]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
