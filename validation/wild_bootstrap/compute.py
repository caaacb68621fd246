"""Our numbers for ``reference.csv`` (wildboottest 0.3.2): ``compute()`` for ``stfi validate``.

wildboottest's ``wildboottest(OLS(y, X), B=9999, cluster=firm, param=p, impose_null=...)`` =
``sm.fit(...).wild_bootstrap(f"{p} = 0", draws=9999, scheme="WCR" | "WCU")``; Grunfeld has
10 firms, so both enumerate all 1024 Rademacher sign patterns.  ``fe`` is wildboottest on the
dummy-variable design = our ``model="fe"`` (see README.md for the ties it counts).
"""

from __future__ import annotations

import warnings

import pandas as pd

import stfi_models as sm
from stfi_models.exceptions import SpecificationWarning


def compute() -> pd.DataFrame:
    """One row per (case, quantity, term)."""
    data = sm.load_grunfeld()
    rows = []
    for model in ("pooled", "fe"):
        res = sm.fit("inv ~ value + capital", data, entity="firm", time="year", model=model)
        for param in ("value", "capital"):
            for scheme in ("WCR", "WCU"):
                with warnings.catch_warnings():  # 10 firms: the few-cluster warning is expected
                    warnings.simplefilter("ignore", SpecificationWarning)
                    wb = res.wild_bootstrap(f"{param} = 0", draws=9999, scheme=scheme,
                                            ci=False)
                case = f"grunfeld/{model}/{scheme}"
                rows += [(case, "pvalue", param, wb.pvalue), (case, "stat", param, wb.stat)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
