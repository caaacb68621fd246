"""Our numbers for ``reference.csv`` (Stata 13 ``xtreg``): ``compute()``.

``xtreg y x1-x5, re`` = ``sm.fit(..., model="re", variance_components="stata")`` with the
classical covariance; ``xtreg y x1-x5, fe`` = ``model="fe"`` (classical covariance), and with
``vce(cluster)`` = ``with_vcov("cluster", count_effects="constant")`` (Stata's k counts the
``_cons`` it reports).  The data are linearmodels' ``simulated-panel.dta`` (entity ``firm``,
time ``time``), on which Stata ran.  README.md: how plm's default forms differ.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.exceptions import MissingValueWarning, SpecificationWarning

DATA = (Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
        / "simulated-panel.dta")
CASES = {"full": "", "light": "_light", "heavy": "_heavy"}


def fit_case(case: str, components: str = "stata", model: str = "re") -> sm.Result:
    """Fit data set ``case`` by RE (with the given variance-component form) or FE."""
    suffix = CASES[case]
    data = pd.read_stata(DATA)
    formula = f"y{suffix} ~ " + " + ".join(f"x{i}{suffix}" for i in range(1, 6))
    options = {"variance_components": components} if model == "re" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        warnings.simplefilter("ignore", SpecificationWarning)
        return sm.fit(formula, data, entity="firm", time="time", model=model, **options)


def compute() -> pd.DataFrame:
    """One row per (case, quantity, term)."""
    rows = []
    for case in CASES:
        res = fit_case(case)
        fe = fit_case(case, model="fe")
        stata = fe.with_vcov("cluster", count_effects="constant")
        for prefix, fitted in (("re", res), ("fe", fe), ("fe_cluster", stata)):
            rows += [(f"{prefix}/{case}", "coef", term, v) for term, v in fitted.params.items()]
            rows += [(f"{prefix}/{case}", "se", term, v)
                     for term, v in fitted.std_errors.items()]
        rows += [(f"re/{case}", "sigma_u", "", float(np.sqrt(res.info["sigma2_entity"]))),
                 (f"re/{case}", "sigma_e", "", float(np.sqrt(res.info["sigma2_idios"])))]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
