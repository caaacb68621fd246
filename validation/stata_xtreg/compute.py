"""Our numbers for ``reference.csv`` (Stata 13 ``xtreg, re``): ``compute()``.

``xtreg y x1-x5, re`` = ``sm.fit(..., model="re", variance_components="stata")`` with the
classical covariance; the data are linearmodels' ``simulated-panel.dta`` (entity ``firm``,
time ``time``), on which Stata ran.  README.md: how plm's default form differs.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.exceptions import MissingValueWarning

DATA = (Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
        / "simulated-panel.dta")
CASES = {"full": "", "light": "_light", "heavy": "_heavy"}


def fit_case(case: str, components: str = "stata") -> sm.Result:
    """Fit case ``case`` with the given variance-component form."""
    suffix = CASES[case]
    data = pd.read_stata(DATA)
    formula = f"y{suffix} ~ " + " + ".join(f"x{i}{suffix}" for i in range(1, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        return sm.fit(formula, data, entity="firm", time="time", model="re",
                      variance_components=components)


def compute() -> pd.DataFrame:
    """One row per (case, quantity, term)."""
    rows = []
    for case in CASES:
        res = fit_case(case)
        rows += [(case, "coef", term, v) for term, v in res.params.items()]
        rows += [(case, "se", term, v) for term, v in res.std_errors.items()]
        rows += [(case, "sigma_u", "", float(np.sqrt(res.info["sigma2_entity"]))),
                 (case, "sigma_e", "", float(np.sqrt(res.info["sigma2_idios"])))]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
