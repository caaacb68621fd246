"""Our numbers for ``reference.csv`` (pyfixest on ``panel.csv``): ``compute()``.

Mapping: pyfixest's ``| a + b^c`` is our ``| a + b:c``; its default singleton removal is our
default ``singletons="drop"``; ``CRV1`` with ``ssc(k_fixef="none")`` is ``vcov="cluster"``
(clustered by the entity, ``firm``) and ``iid`` with its default ``ssc()`` is
``vcov="unadjusted"`` (README.md).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

import stfi_models as sm

HERE = Path(__file__).resolve().parent
CASES = {
    "twoway": "firm + year",
    "threeway": "firm + year + industry",
    "firm_industry_year": "firm + industry:year",
    "four_way_nested": "firm + year + industry + region",
}


def compute() -> pd.DataFrame:
    """Coefficients, clustered and classical SEs, and the sample size of every case."""
    data = pd.read_csv(HERE / "panel.csv")
    rows = []
    for case, effects in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the singleton rows dropped
            res = sm.fit(f"y ~ x1 + x2 | {effects}", data, entity="firm", time="year",
                         model="fe", vcov="cluster")
        rows += [(case, "coef", t, v) for t, v in res.params.items()]
        rows.append((case, "nobs", "n", float(res.nobs)))
        rows += [(case, "se:cluster", t, v) for t, v in res.std_errors.items()]
        classical = res.with_vcov("unadjusted").std_errors
        rows += [(case, "se:unadjusted", t, v) for t, v in classical.items()]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
